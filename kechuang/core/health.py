"""What ``/healthz`` checks: database, Redis (when configured), the worker's heartbeat, upload space.

Each check answers "ok" or "fail" and nothing more: the endpoint is public, so reasons go to the log
(with the request id), not to the response.
"""

import logging
import os
import shutil
import time
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import connection
from huey.contrib.djhuey import HUEY

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "kechuang:worker-heartbeat"


def record_heartbeat() -> None:
    """Called by the worker (a periodic task and at start-up); kept in huey's own store, which every
    web process and worker already shares (SQLite file or Redis), so no table and no migration."""
    HUEY.put(HEARTBEAT_KEY, time.time())


def _database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


@cache
def _redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)


def _redis() -> bool:
    return bool(_redis_client(os.environ["REDIS_URL"]).ping())


def _worker() -> bool:
    beat = HUEY.get(HEARTBEAT_KEY, peek=True)
    return beat is not None and time.time() - beat <= settings.KECHUANG_HEALTH_WORKER_STALE_SECONDS


def _disk() -> bool:
    path = Path(settings.MEDIA_ROOT)
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free >= settings.KECHUANG_HEALTH_MIN_FREE_MB * 1024 * 1024


def run_checks() -> dict[str, str]:
    """Every check by name: "ok", "fail", or "skipped" (Redis when the site runs without it)."""
    checks = {"database": _database, "redis": _redis, "worker": _worker, "disk": _disk}
    results = {}
    for name, check in checks.items():
        if name == "redis" and not os.environ.get("REDIS_URL"):
            results[name] = "skipped"
            continue
        try:
            results[name] = "ok" if check() else "fail"
        except Exception:
            log.warning("health check %s failed", name, exc_info=True)
            results[name] = "fail"
    return results
