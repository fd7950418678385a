"""``kechuang indicators …``: the indicators from the console.

indicators actuals --year Y [--area NAME] --out FILE.csv   every computed indicator, straight from the records
indicators targets import FILE [--user NAME]                all-or-nothing target import (.xlsx or .csv)
indicators load [--city 淄博市]                              the seed file's indicators, figures and targets
indicators recompute                                        recompute and store every registered rule
indicators report --period month|quarter --date YYYY-MM-DD  make (or make again) a 指标监测简报
"""

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kechuang.core.models import District, ImportRun
from kechuang.core.spreadsheets import csv_bytes

from ...services import compute, definitions, reports, targets

CITY = "淄博市"


def csv_value(value, unit: str) -> str:
    """Counts as integers, ratios with 8 decimals, money in yuan with 2 decimals."""
    if value is None:
        return ""
    value = Decimal(value)
    if unit in ("count", "persons"):
        return str(int(value))
    if unit == "ratio":
        return f"{value:.8f}"
    return f"{value:.2f}"


class Command(BaseCommand):
    help = "指标：actuals 计算值导出、targets import 目标导入、load 载入指标、recompute 重新计算、report 生成简报"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        act = sub.add_parser("actuals", help="按年度从数据库计算全部指标并写出 CSV")
        act.add_argument("--year", type=int, required=True, help="年度")
        act.add_argument("--area", default="", help="区县名称或全市名称；不填为全市和各区县")
        act.add_argument("--out", required=True, help="输出文件（.csv）")
        tg = sub.add_parser("targets", help="目标")
        tg_sub = tg.add_subparsers(dest="targets_action", required=True)
        imp = tg_sub.add_parser("import", help="导入目标文件（.xlsx 或 .csv）")
        imp.add_argument("file")
        imp.add_argument("--user", help="以该用户的身份导入（记入修改历史）")
        load = sub.add_parser("load", help="载入指标定义及某市的统计数据和目标")
        load.add_argument("--city", default=CITY)
        sub.add_parser("recompute", help="重新计算并保存全部指标")
        rep = sub.add_parser("report", help="生成指标监测简报")
        rep.add_argument("--period", choices=["month", "quarter"], default="month")
        rep.add_argument("--date", required=True, help="截至日期，例如 2026-11-30")

    def handle(self, *args, **options):
        action = options["action"]
        if action == "actuals":
            return self._actuals(options["year"], options["area"].strip(), Path(options["out"]))
        if action == "targets":
            return self._targets_import(Path(options["file"]), options.get("user"))
        if action == "load":
            try:
                counts = definitions.load_city(options["city"])
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from exc
            self.stdout.write(f"已载入：统计数据 {counts['entered']} 条，目标 {counts['targets']} 条")
            return
        if action == "recompute":
            run = compute.recompute()
            self.stdout.write(f"已重新计算 {run.total} 项指标，写入计算值 {run.rows} 个")
            return
        try:
            as_of = dt.date.fromisoformat(options["date"])
        except ValueError as exc:
            raise CommandError("--date：日期格式应为 年-月-日，例如 2026-11-30") from exc
        report = reports.make_report(options["period"], as_of)
        self.stdout.write(f"已生成：{reports.title(report)}")

    def _actuals(self, year: int, area: str, out: Path) -> None:
        if not 1990 <= year <= 2100:
            raise CommandError("--year：年度应在 1990 至 2100 之间")
        names = dict(District.objects.values_list("pk", "name"))
        wanted = None  # every area
        if area:
            if area == CITY or area in ("全市", "市级"):
                wanted = {None}
            else:
                match = [pk for pk, name in names.items() if name == area]
                if not match:
                    raise CommandError(f"--area：没有名为“{area}”的区县（全市请填 {CITY}）")
                wanted = set(match)
        rows = []
        for indicator, district_id, v in compute.compute_now(year):
            if wanted is not None and district_id not in wanted:
                continue
            rows.append(
                [
                    indicator.code,
                    names.get(district_id, CITY) if district_id else CITY,
                    year,
                    csv_value(v.value, indicator.unit),
                ]
            )
        rows.sort(key=lambda r: (r[0], r[1] != CITY, r[1]))
        try:
            out.write_bytes(csv_bytes(["indicator", "area", "year", "value"], rows))
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc.strerror}") from exc
        self.stdout.write(f"已写出 {len(rows)} 行：{out}")

    def _targets_import(self, path: Path, username: str | None) -> None:
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"--user：没有用户名为“{username}”的用户")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        run = targets.import_targets(user, data, path.name)
        if run.status != ImportRun.Status.ACCEPTED:
            for e in run.errors:
                where = f"第 {e['row']} 行 {e['column']}" if e["row"] else "文件"
                self.stderr.write(f"{where}：{e['value']} — {e['rule']}")
            raise CommandError("目标文件有误，未导入任何数据")
        c = run.counts
        self.stdout.write(
            f"目标已导入：新增 {c['created']} 条，更新 {c['updated']} 条，未变 {c['unchanged']} 条"
        )
