"""``kechuang experts assign|replay``: batch reviewer assignment from CSV files (no database needed).

    kechuang experts assign --scores SCORES.csv --conflicts CONFLICTS.csv --per-item K \\
        --min-load A --max-load B [--max-probability Q --seed S [--reserves R]] \\
        [--orgs ORGS.csv --max-per-org T] --out OUT.csv
    kechuang experts replay --record OUT.csv.draw.json [--scores … --conflicts …] [--out OUT2.csv]

File formats follow openreview-matcher (see kechuang.engines.assignment.batch). On infeasible or
invalid input the command exits non-zero with the reason and writes nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _


class Command(BaseCommand):
    help = _("专家评审分配：最优分配或随机抽取（兼容 openreview-matcher 文件格式）")
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        a = sub.add_parser("assign", help=str(_("分配评审专家")))
        a.add_argument("--scores", required=True, help="SCORES.csv: item,expert,score")
        a.add_argument("--conflicts", help="CONFLICTS.csv: item,expert")
        a.add_argument("--per-item", type=int, required=True, help="K experts per item")
        a.add_argument("--min-load", type=int, default=0, help="minimum items per expert")
        a.add_argument("--max-load", type=int, required=True, help="maximum items per expert")
        a.add_argument("--max-probability", help="Q: randomised draw with every pair's probability ≤ Q")
        a.add_argument("--seed", type=int, help="seed of the draw (random if omitted; printed and recorded)")
        a.add_argument("--reserves", type=int, default=0, help="reserve experts per item (draw only)")
        a.add_argument("--orgs", help="ORGS.csv: expert,org")
        a.add_argument("--max-per-org", type=int, help="at most T experts of one organisation per item")
        a.add_argument("--record", help="where to store the draw record (default OUT.csv.draw.json)")
        a.add_argument("--out", required=True, help="OUT.csv or OUT.parquet: item,expert[,probability]")
        r = sub.add_parser("replay", help=str(_("按抽取记录复现一次随机抽取")))
        r.add_argument("--record", required=True)
        r.add_argument("--scores", help="SCORES.csv (default: the path stored in the record)")
        r.add_argument("--conflicts", help="CONFLICTS.csv (default: the path stored in the record)")
        r.add_argument("--out", help="write the replayed panel here")

    def handle(self, *args, **opts):
        # Imported here so that --help and argument errors answer without loading numpy and OR-Tools.
        from kechuang.engines.assignment.batch import AssignOptions, run_assign, run_replay
        from kechuang.engines.assignment.messages import AssignmentError

        try:
            if opts["action"] == "assign":
                summary = run_assign(
                    AssignOptions(
                        scores=opts["scores"],
                        conflicts=opts["conflicts"],
                        per_item=opts["per_item"],
                        min_load=opts["min_load"],
                        max_load=opts["max_load"],
                        max_probability=opts["max_probability"],
                        seed=opts["seed"],
                        reserves=opts["reserves"],
                        orgs=opts["orgs"],
                        max_per_org=opts["max_per_org"],
                        record=opts["record"],
                        out=opts["out"],
                    )
                )
            else:
                summary = run_replay(opts["record"], opts["scores"], opts["conflicts"], opts["out"])
        except AssignmentError as exc:
            lines = [f"{i.text()}\n  ({i.code}: {i.text_en()})" for i in exc.issues]
            raise CommandError("\n".join(lines), returncode=2) from None
        except OSError as exc:
            raise CommandError(f"{exc.filename}: {exc.strerror}", returncode=2) from None
        for key, value in summary.items():
            self.stdout.write(f"{key}: {value}")
