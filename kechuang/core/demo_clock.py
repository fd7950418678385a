"""The clock of ``kechuang demo``: the demo tells the bureau's last two years as a story, and each
scene of it runs on its own day.

Moving the process's clock (time-machine) rather than back-dating rows afterwards means that every
timestamp a scene writes (audit rows, notifications, history, ``created_at``), every "today" the
services check (a deadline still open, a payment not in the future) and every date the pages show
agree, with the services' own rules applied exactly as on that day. Scenes may not lie in the future:
the demo is what has happened up to today.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.conf import settings
from django.utils import timezone

SCENE_HOUR = 9


def on(day: dt.date, hour: int = SCENE_HOUR, minute: int = 0) -> time_machine.travel:
    """A context manager running its block at ``hour:minute`` local time on ``day`` (the clock then
    ticks on from there), refusing a day after today."""
    if day > timezone.localdate():
        raise ValueError(f"a demo scene cannot happen in the future: {day}")
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))
    return time_machine.travel(moment, tick=True)
