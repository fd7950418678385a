"""``kechuang worker``: the background worker (huey consumer) with the thread count from settings.

Start as many as the queue needs, on any machine that reaches the same database, Redis
(KECHUANG_REDIS_URL) and upload directory: each task is taken by exactly one of them.
"""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "启动后台任务进程（huey），线程数取自设置"

    def add_arguments(self, parser):
        parser.add_argument("--threads", type=int, default=settings.TASK_WORKERS, help="线程数")

    def handle(self, *args, threads: int, **options):
        if "sqlite" in settings.HUEY["huey_class"].lower() and not settings.DEBUG:
            self.stderr.write(
                _("未设置 KECHUANG_REDIS_URL：任务队列在本机 SQLite 文件中，只能在这一台机器上运行后台任务。")
            )
        call_command("run_huey", workers=threads, worker_type="thread")
