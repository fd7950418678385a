"""``kechuang serve``: the production web server (gunicorn), sized from settings.

    kechuang serve [--bind ADDR] [--workers N] [--threads N]

Processes × threads answer requests at once; each process keeps its own PostgreSQL pool (see
``settings.database_config``), so add app servers rather than threads when a machine's cores are busy.
Run it behind nginx (deploy/nginx.conf), which serves static files and uploads.
"""

from django.conf import settings
from django.core.management.base import BaseCommand
from gunicorn.app.base import BaseApplication


def gunicorn_options(*, bind: str, workers: int, threads: int, timeout: int) -> dict:
    return {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        # gthread even with one thread: a slow client or a keep-alive connection never holds a process.
        "worker_class": "gthread",
        "timeout": timeout,
        "graceful_timeout": 30,
        # A worker is replaced after this many requests (with jitter so they do not all restart at once):
        # a slow leak in a library then never grows without bound.
        "max_requests": 5000,
        "max_requests_jitter": 500,
        "keepalive": 5,
        # nginx logs the requests; gunicorn logs only its own errors, to stderr for journald.
        "errorlog": "-",
        "accesslog": None,
        "proc_name": "kechuang-web",
        # The control socket defaults to one path per user, which two app servers on one machine would
        # fight over; systemd's signals do the same job.
        "control_socket_disable": True,
    }


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self):
        from kechuang.wsgi import application

        return application


class Command(BaseCommand):
    help = "启动生产环境的 Web 服务（gunicorn），进程数和线程数取自设置"

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.WEB_BIND, help="监听地址（默认 %(default)s）")
        parser.add_argument("--workers", type=int, default=settings.WEB_WORKERS, help="进程数")
        parser.add_argument("--threads", type=int, default=settings.WEB_THREADS, help="每个进程的线程数")

    def handle(self, *args, bind: str, workers: int, threads: int, **options):
        _Gunicorn(
            gunicorn_options(bind=bind, workers=workers, threads=threads, timeout=settings.WEB_TIMEOUT)
        ).run()
