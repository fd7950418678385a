"""Background work of the platform's base (huey; tests run tasks in-line)."""

from django.db import close_old_connections
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task

from .imports import fail_interrupted_imports


@HUEY.on_startup()
def fail_imports_cut_off_by_a_restart() -> None:
    """A worker that starts may be replacing one that died mid-import: report such imports at once."""
    close_old_connections()
    try:
        fail_interrupted_imports()
    finally:
        close_old_connections()


@db_periodic_task(crontab(minute="*/10"))
def sweep_interrupted_imports() -> None:
    """Catch imports cut off while the workers kept running (a web process killed mid-request)."""
    fail_interrupted_imports()
