"""``kechuang facts import FILE [--user USERNAME]`` and ``kechuang facts template --out FILE``.

The import is the same use-case as the upload page: all-or-nothing, idempotent, scoped to the user
given with --user (without it, the console operator imports with city-wide scope). On refusal it
prints the per-row report and exits non-zero; progress goes to stderr.
"""

import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from kechuang.enterprises import importing


class Command(BaseCommand):
    help = "年度数据导入与模板下载：facts import FILE [--user 用户名]；facts template --out 模板.xlsx|.csv"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("import", help="导入填好的年度数据模板（.xlsx 或 .csv）")
        run.add_argument("file", help="要导入的文件")
        run.add_argument("--user", help="以该用户的身份与权限导入（记入修改历史）")
        tpl = sub.add_parser("template", help="生成空白模板")
        tpl.add_argument("--out", required=True, help="输出文件，扩展名 .xlsx 或 .csv")

    def handle(self, *args, **options):
        if options["action"] == "template":
            return self._template(Path(options["out"]))
        return self._import(Path(options["file"]), options.get("user"))

    def _template(self, out: Path) -> None:
        suffix = out.suffix.lower()
        if suffix == ".xlsx":
            data = importing.template_xlsx_bytes()
        elif suffix == ".csv":
            data = importing.template_csv_bytes()
        else:
            raise CommandError(f"--out {out}：扩展名应为 .xlsx 或 .csv")
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"无法写入 {out}：{exc.strerror}") from exc
        self.stdout.write(f"已生成模板：{out}")

    def _import(self, path: Path, username: str | None) -> None:
        user = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"--user：没有用户名为“{username}”的用户")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc

        last = [0.0, ""]

        def progress(stage: str, done: int, total: int) -> None:
            now = time.monotonic()
            if stage != last[1] or now - last[0] >= 1.0:
                last[:] = [now, stage]
                amount = f"{done:,}/{total:,}" if total else (f"{done:,}" if done else "")
                print(f"… {stage} {amount}".rstrip(), file=sys.stderr, flush=True)

        try:
            outcome = importing.import_facts(data, path.name, user, progress=progress)
        except PermissionDenied as exc:
            raise CommandError(f"无权导入：{exc}") from exc
        if not outcome.ok:
            for error in outcome.errors:
                self.stdout.write(importing.error_message(error))
            raise CommandError(
                f"文件未导入：发现 {len(outcome.errors)} 个问题，数据库未做任何改动（导入记录 #{outcome.run.pk}）"
            )
        c = outcome.counts
        self.stdout.write(
            f"导入成功（导入记录 #{outcome.run.pk}）：{outcome.rows} 行；"
            f"企业 新增 {c['enterprises_created']} 家、更新 {c['enterprises_updated']} 家、"
            f"未变化 {c['enterprises_unchanged']} 家；"
            f"年度数据 新增 {c['facts_created']} 行、更新 {c['facts_updated']} 行、未变化 {c['facts_unchanged']} 行"
        )
