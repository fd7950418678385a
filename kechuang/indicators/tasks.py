"""Background work of the indicators app (huey; tests run tasks in-line)."""

import datetime as dt

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .models import RecomputeRun
from .services import compute, reports


@db_task()
def recompute_task(run_id: int) -> None:
    # Claim the queued run in one UPDATE, so a duplicated task never runs it twice.
    claimed = RecomputeRun.objects.filter(pk=run_id, status=RecomputeRun.Status.QUEUED).update(
        status=RecomputeRun.Status.RUNNING
    )
    if claimed:
        compute.recompute(RecomputeRun.objects.get(pk=run_id))


def queue_recompute() -> RecomputeRun:
    run = compute.queue_recompute()
    recompute_task(run.pk)
    return run


@db_periodic_task(crontab(day="1", hour="7", minute="0"))
def monthly_report() -> None:
    """On the 1st: the month just ended (and on 1 January, April, July, October its quarter too)."""
    today = timezone.localdate()
    as_of = today - dt.timedelta(days=1)
    reports.make_and_notify(reports.MONTH, as_of)
    if today.month in (1, 4, 7, 10):
        reports.make_and_notify(reports.QUARTER, as_of)
