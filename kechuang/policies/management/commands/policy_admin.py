"""``kechuang policy_admin load-builtin`` · ``kechuang policy_admin reevaluate [--enterprise ID]...``

load-builtin  puts the built-in declarations (kechuang/policies/builtin/*.yaml) into the policy library,
              each as a published version 1 (codes already in the library are left alone)
reevaluate    evaluates the current versions for every enterprise (or the given ones) in-line, stores the
              results and notifies the newly qualified enterprises, as the background task does
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kechuang.enterprises.models import Enterprise
from kechuang.policies import services
from kechuang.policies.models import PolicyRun


class Command(BaseCommand):
    help = _("政策库维护：载入内置政策、重新判定")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("load-builtin", help=str(_("载入内置政策并发布")))
        re = sub.add_parser("reevaluate", help=str(_("按现行版本重新判定并通知新符合条件的企业")))
        re.add_argument(
            "--enterprise", type=int, action="append", default=[], metavar="ID", help="企业编号（可重复）"
        )

    def handle(self, *args, **opts):
        if opts["action"] == "load-builtin":
            with transaction.atomic():
                made = services.load_builtin()
            for v in made:
                self.stdout.write(f"{v.policy.code} v{v.number}（{v.label}）{v.policy.name}")
            self.stdout.write(_("载入 {n} 项政策").format(n=len(made)))
            return
        ids = opts["enterprise"]
        if ids:
            unknown = sorted(
                set(ids) - set(Enterprise.objects.filter(pk__in=ids).values_list("pk", flat=True))
            )
            if unknown:
                raise CommandError(f"--enterprise：没有编号为 {unknown} 的企业", returncode=2)
        kind = PolicyRun.Kind.FACTS if ids else PolicyRun.Kind.ALL
        run = PolicyRun.objects.create(kind=kind, enterprise_ids=sorted(set(ids)))
        run = services.execute_run(run.pk)
        c = run.counts
        self.stdout.write(
            _(
                "判定 {n} 家企业：符合 {e}，不符合 {i}，待补数据 {u}（企业×政策）；新符合条件 {new} 家，通知 {users} 个用户"
            ).format(
                n=run.total,
                e=c.get("eligible", 0),
                i=c.get("ineligible", 0),
                u=c.get("unknown", 0),
                new=c.get("newly", 0),
                users=c.get("notified", 0),
            )
        )
