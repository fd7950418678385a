"""Background work of supervision (huey): the daily reminder run (morning, so that the 27th's reminder
is a morning one) and the monthly 通报 compiled on the 28th from the month's reports."""

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .models import Bulletin, Plan
from .services import documents, reminders


@db_periodic_task(crontab(hour="8", minute="30"))
@lock_task("supervision-reminders")
def daily_reminders(today=None) -> dict:
    return reminders.send_reminders(today or timezone.localdate())


@db_periodic_task(crontab(day="28", hour="9", minute="0"))
@lock_task("supervision-bulletin")
def monthly_bulletins(today=None) -> int:
    """Compile the month's 通报 of every plan of the year that has none for the month yet."""
    today = today or timezone.localdate()
    n = 0
    for plan in Plan.objects.filter(year=today.year):
        if Bulletin.objects.filter(plan=plan, year=today.year, month=today.month).exists():
            continue
        documents.compile_bulletin(None, plan, today.year, today.month, today, system=True)
        n += 1
    return n
