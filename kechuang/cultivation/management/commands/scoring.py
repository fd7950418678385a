"""``kechuang scoring rank``: rank any matrix from CSV by a multi-criteria method (no database needed).

    kechuang scoring rank --matrix M.csv --directions +,+,- \\
        (--weights 0.5,0.3,0.2 | --weight-method entropy|critic|equal) \\
        --method topsis|weighted_sum|grey --normalise vector|minmax --out OUT.csv

M.csv has an ``id`` column then one column per criterion (a blank cell is missing and counts as the
criterion's worst value); OUT.csv gets ``id,score,rank``. The weights used are printed. On bad input the
command exits non-zero naming the problem and writes nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _


class Command(BaseCommand):
    help = _("多指标综合评价：对任意指标矩阵打分排序（无需数据库）")
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        r = sub.add_parser("rank", help=str(_("对指标矩阵打分排序")))
        r.add_argument("--matrix", required=True, help="M.csv: id,<criterion>,…")
        r.add_argument("--directions", required=True, help="+ (benefit) or - (cost) per criterion: +,+,-")
        g = r.add_mutually_exclusive_group(required=True)
        g.add_argument("--weights", help="w1,w2,… (rescaled to sum 1)")
        g.add_argument("--weight-method", choices=["entropy", "critic", "equal"])
        r.add_argument("--method", choices=["topsis", "weighted_sum", "grey"], default="topsis")
        r.add_argument("--normalise", choices=["vector", "minmax"], default="vector")
        r.add_argument("--out", required=True, help="OUT.csv: id,score,rank")

    def handle(self, *args, **opts):
        # Imported here so that --help and argument errors answer without loading numpy.
        from kechuang.engines.scoring.batch import BatchError, RankOptions, run_rank

        try:
            names, weights = run_rank(
                RankOptions(
                    matrix=opts["matrix"],
                    directions=opts["directions"],
                    out=opts["out"],
                    weights=opts["weights"],
                    weight_method=opts["weight_method"],
                    method=opts["method"],
                    normalise=opts["normalise"],
                )
            )
        except (BatchError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write("weights:")
        for name, w in zip(names, weights, strict=True):
            self.stdout.write(f"  {name}\t{w:.6f}")
        self.stdout.write(f"written: {opts['out']}")
