"""Background work of the platform itself: interrupted imports, the worker's heartbeat and the nightly backup."""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import close_db, db_periodic_task, lock_task, on_startup, periodic_task

from .imports import fail_interrupted_imports

log = logging.getLogger(__name__)


@on_startup()
@close_db  # the worker thread's connection handling, as for its tasks
def fail_imports_cut_off_by_a_restart() -> None:
    """A worker that starts may be replacing one that died mid-import: report such imports at once."""
    fail_interrupted_imports()


@db_periodic_task(crontab(minute="*/10"))
def sweep_interrupted_imports() -> None:
    """Catch imports cut off while the workers kept running (a web process killed mid-request)."""
    fail_interrupted_imports()


@on_startup()
def heartbeat_at_start() -> None:
    """Beat once as each worker starts, so /healthz is green without waiting for the first minute."""
    from .health import record_heartbeat

    record_heartbeat()


@periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    from .health import record_heartbeat

    record_heartbeat()


@db_periodic_task(crontab(minute="0", hour=str(settings.KECHUANG_BACKUP_HOUR)))
def nightly_backup() -> None:
    """Each consumer process runs its own scheduler, so with several workers the task is enqueued
    several times; the lock lets one of them back up and the others skip."""
    from .backups import list_backups
    from .backups import nightly_backup as backup

    with lock_task("kechuang-nightly-backup"):
        latest = next(iter(list_backups()), None)
        if latest and latest.created_at and timezone.now() - latest.created_at < timedelta(hours=1):
            return  # another consumer's copy of tonight's task has just made it
        made = backup()
    log.info("nightly backup written to %s", made)
