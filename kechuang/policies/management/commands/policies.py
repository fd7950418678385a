"""``kechuang policies evaluate FACTS --on YYYY-MM-DD --out RESULT.csv [--policy CODE]...``

Evaluates policies (the built-in YAML declarations, or those in --policies-dir) for every enterprise
of a yearly-facts file (.csv or .xlsx, the contract template, several years per enterprise) with the
vectorised rules engine. No database is used. The file is read column by column
(``enterprises.template_columns``: a plain .csv streamed from disk in chunks, every rule of the
template checked on whole columns) straight into the engine's facts table, aligned by reference year
with array operations. RESULT.csv (or RESULT.parquet, in row groups) has the columns
``uscc, policy, status, score, failed, missing`` and is written one policy at a time through
``core.tables``. A bad input file exits non-zero with the row-by-row report and writes nothing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext_lazy as _

BUILTIN_DIR = Path(__file__).resolve().parents[2] / "builtin"
COLUMNS = ("uscc", "policy", "status", "score", "failed", "missing")


class Command(BaseCommand):
    help = _("政策匹配：按年度数据批量判定企业是否符合政策条件")
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("evaluate", help=str(_("批量判定，结果写入 CSV")))
        ev.add_argument("facts", metavar="FACTS", help="年度数据文件（.csv 或 .xlsx，年度数据模板）")
        ev.add_argument("--on", required=True, metavar="YYYY-MM-DD", help="判定日期：决定会计年度与参数取值")
        ev.add_argument(
            "--out",
            required=True,
            metavar="RESULT.csv",
            help="结果文件（.csv，或 .parquet 供大批量数据使用）",
        )
        ev.add_argument(
            "--policy", action="append", default=[], metavar="CODE", help="只判定该政策（可重复）；默认全部"
        )
        ev.add_argument("--policies-dir", default=str(BUILTIN_DIR), help="政策 YAML 目录（默认内置政策）")
        ev.add_argument(
            "--jurisdiction",
            action="append",
            default=[],
            metavar="CODE",
            help="同一政策有多个辖区版本时按此顺序选用（由具体到一般，可重复），例如 --jurisdiction 370300 --jurisdiction 370000",
        )

    def handle(self, *args, **opts):
        # Imported here, not at the top: --help and argument errors answer without loading polars and
        # the engine (half a second of a command that otherwise starts in a tenth).
        from kechuang.engines.rules import FactsTable, PolicyError, evaluate_bulk, required_facts
        from kechuang.enterprises.template import LABELS_ZH, read_facts_file

        on = _date(opts["on"])
        policies = self._policies(opts, on)
        parsed = read_facts_file(opts["facts"])
        if parsed.errors:
            for e in parsed.errors:
                where = f"第{e.row}行" if e.row else "文件"
                column = f" {e.column}（{LABELS_ZH.get(e.column, e.column)}）" if e.column else ""
                value = f"“{e.value}”" if e.value else ""
                self.stderr.write(f"{where}{column}{value}：{e.rule}")
            raise CommandError(f"输入文件有 {len(parsed.errors)} 处问题，未生成结果文件", returncode=2)
        depth = max(p.lookback for p in policies)
        try:
            table = FactsTable.from_frame(parsed.frame, on, depth=depth, facts=required_facts(policies))
            del parsed  # the typed rows; the table holds what the rules read
            result = evaluate_bulk(policies, table)
        except (ValueError, PolicyError) as exc:
            raise CommandError(f"无法判定：{exc}", returncode=2) from None
        counts = _write(result.iter_frames(), Path(opts["out"]))
        self.stdout.write(
            f"{len(table)} 家企业 × {len(policies)} 项政策（判定日期 {on.isoformat()}）→ {opts['out']}"
        )
        for p in policies:
            row = counts.get(p.code, {})
            self.stdout.write(
                f"  {p.code} {p.version}：符合 {row.get('eligible', 0)}，不符合 {row.get('ineligible', 0)}，"
                f"待补数据 {row.get('unknown', 0)}"
            )

    def _policies(self, opts, on: dt.date):
        from kechuang.engines.rules import PolicyError, load_policies_dir, resolve

        try:
            available = load_policies_dir(opts["policies_dir"])
        except (PolicyError, OSError) as exc:
            raise CommandError(f"政策定义有误：{exc}", returncode=2) from None
        codes = opts["policy"] or sorted({p.code for p in available})
        chosen = []
        for code in dict.fromkeys(codes):
            variants = [p for p in available if p.code == code]
            if not variants:
                raise CommandError(
                    f"--policy {code}：没有此政策（可选：{'、'.join(sorted({p.code for p in available}))}）",
                    returncode=2,
                )
            if opts["jurisdiction"]:
                chain = opts["jurisdiction"]
            else:
                chain = sorted({p.jurisdiction for p in variants if p.in_force(on)})
                if len(chain) > 1:
                    raise CommandError(
                        f"政策 {code} 有多个辖区版本 {chain}，请用 --jurisdiction 指定", returncode=2
                    )
            policy = resolve(variants, code, chain, on)
            if policy is None:
                if opts["policy"]:
                    raise CommandError(
                        f"--policy {code}：{on.isoformat()} 不在该政策的有效期内", returncode=2
                    )
                self.stderr.write(f"跳过 {code}：{on.isoformat()} 不在有效期内")
                continue
            chosen.append(policy)
        if not chosen:
            raise CommandError(f"{on.isoformat()} 没有处于有效期内的政策", returncode=2)
        return chosen


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--on “{text}”：日期应为 YYYY-MM-DD 格式", returncode=2) from None


def _write(frames, out: Path) -> dict[str, dict[str, int]]:
    """Write the result one policy at a time (``core.tables``: a temporary file renamed at the end,
    so a failure never leaves half a file); the counts of each status per policy."""
    import polars as pl

    from kechuang.core.tables import TableWriter

    counts: dict[str, dict[str, int]] = {}
    try:
        with TableWriter(out) as writer:
            for frame in frames:
                # empty failed/missing lists as empty cells, not the quoted "" polars writes for ""
                text = [pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c in ("failed", "missing")]
                writer.write(frame.select(COLUMNS).with_columns(text))
                for code, status, n in frame.group_by("policy", "status").len().iter_rows():
                    counts.setdefault(code, {})[status] = n
    except OSError as exc:
        raise CommandError(f"无法写入 {out}：{exc.strerror}", returncode=2) from None
    return counts
