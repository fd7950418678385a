"""Background work of the platform's base (huey; tests run tasks in-line)."""

from huey import crontab
from huey.contrib.djhuey import HUEY, close_db, db_periodic_task

from .imports import fail_interrupted_imports


@HUEY.on_startup()
@close_db  # the worker thread's connection handling, as for its tasks
def fail_imports_cut_off_by_a_restart() -> None:
    """A worker that starts may be replacing one that died mid-import: report such imports at once."""
    fail_interrupted_imports()


@db_periodic_task(crontab(minute="*/10"))
def sweep_interrupted_imports() -> None:
    """Catch imports cut off while the workers kept running (a web process killed mid-request)."""
    fail_interrupted_imports()
