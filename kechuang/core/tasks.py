"""Background work of the platform itself: the worker's heartbeat."""

from huey import crontab
from huey.contrib.djhuey import on_startup, periodic_task


@on_startup()
def heartbeat_at_start() -> None:
    """Beat once as each worker starts, so /healthz is green without waiting for the first minute."""
    from .health import record_heartbeat

    record_heartbeat()


@periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    from .health import record_heartbeat

    record_heartbeat()
