"""Background work of the platforms app: the daily reminder of yearly reports due or overdue."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from . import reports


@db_periodic_task(crontab(hour="8", minute="10"))
@lock_task("platforms-remind-reports")
def remind_reports() -> int:
    return reports.remind_due()
