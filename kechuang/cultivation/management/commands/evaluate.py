"""``kechuang evaluate run --system CODE --year Y``: score every enterprise in the database by the current
version of an evaluation system; ``kechuang evaluate systems`` lists the systems."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class Command(BaseCommand):
    help = gettext_lazy("企业创新能力评价：按评价体系为全部企业打分排名")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        r = sub.add_parser("run", help=str(gettext_lazy("按评价体系为全部企业打分")))
        r.add_argument("--system", required=True, help="system code, e.g. innovation")
        r.add_argument("--year", type=int, required=True)
        sub.add_parser("systems", help=str(gettext_lazy("列出评价体系")))

    def handle(self, *args, **opts):
        from kechuang.cultivation.models.evaluation import IndicatorSystem
        from kechuang.cultivation.services_evaluation import scoring, systems

        systems.ensure_builtin()
        if opts["action"] == "systems":
            for s in IndicatorSystem.objects.filter(is_current=True).order_by("code"):
                self.stdout.write(f"{s.code}\tV{s.version}\t{s.name}\t{s.indicators.count()}")
            return
        system = IndicatorSystem.objects.filter(code=opts["system"], is_current=True).first()
        if system is None:
            codes = ", ".join(IndicatorSystem.objects.filter(is_current=True).values_list("code", flat=True))
            raise CommandError(
                _("没有代码为“%(c)s”的评价体系；现有：%(all)s") % {"c": opts["system"], "all": codes}
            )
        if not 1990 <= opts["year"] <= 2100:
            raise CommandError(_("年度须在1990至2100之间"))
        started = time.perf_counter()
        try:
            run = scoring.run(system, opts["year"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(
            _("%(s)s（V%(v)s）%(y)s年度：%(n)s家企业参评，用时%(t).1f秒")
            % {
                "s": system.name,
                "v": system.version,
                "y": run.year,
                "n": run.scored,
                "t": time.perf_counter() - started,
            }
        )
        for ind, w in zip(system.indicators.all(), run.weights, strict=False):
            self.stdout.write(f"  {ind.name}\t{w:.4f}")
