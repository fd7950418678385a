"""``kechuang backup --out DIR``: the database, the uploaded files and a manifest with checksums."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from kechuang.core.backups import BackupError, create_backup


class Command(BaseCommand):
    help = "备份数据库和上传文件到一个新文件夹，并写入带 SHA-256 校验值的清单（manifest.json）"

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="备份写入的文件夹（不存在或为空）")

    def handle(self, *args, out: Path, **options):
        started = time.perf_counter()
        try:
            folder = create_backup(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        self.stdout.write(
            _("备份完成：{path}（{size:.1f} MB，用时 {seconds:.1f} 秒）").format(
                path=folder, size=size / 1e6, seconds=time.perf_counter() - started
            )
        )
