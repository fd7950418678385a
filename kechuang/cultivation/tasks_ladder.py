"""Background work of the ladder (huey): the daily certificate-expiry reminders. Imported by
hooks_ladder.register() so that huey knows the task."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task


@db_periodic_task(crontab(hour="8", minute="10"))
@lock_task("cultivation-ladder-reminders")
def certificate_reminders() -> int:
    from .services_ladder.watch import send_expiry_reminders

    return send_expiry_reminders()
