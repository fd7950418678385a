"""``kechuang programmes status``: for each programme type, how many calls and applications stand in
each stage."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.programs import services
from kechuang.programs.models import Application, Call


class Command(BaseCommand):
    help = gettext_lazy("科技计划：各计划类型的申报通知和申报项目所处阶段")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help=str(gettext_lazy("各阶段的通知和项目数量")))

    def handle(self, *args, **opts):
        rows = services.status_counts()
        if not rows:
            self.stdout.write(_("尚无计划类型（运行 kechuang demo 或在管理后台添加）"))
            return
        for row in rows:
            self.stdout.write(f"{row['type'].name} [{row['type'].code}]")
            calls = "  ".join(f"{Call.Status(s).label} {n}" for s, n in row["calls"].items())
            apps = "  ".join(f"{Application.Status(s).label} {n}" for s, n in row["applications"].items())
            self.stdout.write(f"  {_('申报通知')}: {calls}")
            self.stdout.write(f"  {_('申报项目')}: {apps}")
