"""``kechuang restore DIR``: a backup into an empty database and upload folder, checksums first."""

import time
from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.backups import BackupError, restore_backup


class Command(BaseCommand):
    help = "从备份文件夹恢复到空数据库和空的上传文件夹；先核对全部校验值，不符则不做任何改动"

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="kechuang backup 写出的备份文件夹")

    def handle(self, *args, folder: Path, **options):
        started = time.perf_counter()
        try:
            manifest = restore_backup(folder)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("恢复完成：{created} 的备份（科创 {version}），用时 {seconds:.1f} 秒。").format(
                created=f"{timezone.localtime(datetime.fromisoformat(manifest['created_at'])):%Y-%m-%d %H:%M}",
                version=manifest.get("kechuang_version", "?"),
                seconds=time.perf_counter() - started,
            )
        )
        self.stdout.write(_("请接着运行 kechuang migrate，把数据库升级到本版本的结构。"))
