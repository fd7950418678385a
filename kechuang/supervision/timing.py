"""The dates of supervision, with no Django so that they can be property-tested on their own.

A milestone's status on a day ``on``:

=============  ==============================================================================
not_due        未到期: its quarter (the quarter its due date falls in) has not begun
on_track       按期推进: its quarter has begun, it is not yet done and its due date is today or later
overdue        滞后: the due date has passed and no report said it was done by ``on``
done_on_time   按期完成: reported done on or before the due date
done_late      逾期完成: reported done after the due date
=============  ==============================================================================

A milestone is "done" from the day the report saying so was submitted. "Due today" is still on track:
the day of the deadline belongs to the work.

A month's report is due on ``due_day`` of that month; it is late when first submitted after that day,
or when that day has passed and it has not been submitted.
"""

import datetime as dt

NOT_DUE, ON_TRACK, OVERDUE, DONE_ON_TIME, DONE_LATE = (
    "not_due",
    "on_track",
    "overdue",
    "done_on_time",
    "done_late",
)
STATUSES = (NOT_DUE, ON_TRACK, OVERDUE, DONE_ON_TIME, DONE_LATE)


def quarter_of(day: dt.date) -> int:
    return (day.month - 1) // 3 + 1


def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * (quarter_of(day) - 1) + 1, 1)


def milestone_status(due: dt.date, done_on: dt.date | None, on: dt.date, start: dt.date | None = None) -> str:
    """The status of a milestone due on ``due`` and reported done on ``done_on`` (None: not yet), as
    seen on ``on``. ``start`` is when its work begins (default: the first day of its quarter)."""
    if done_on is not None and done_on <= on:
        return DONE_ON_TIME if done_on <= due else DONE_LATE
    if on > due:
        return OVERDUE
    if on < (start if start is not None else quarter_start(due)):
        return NOT_DUE
    return ON_TRACK


def report_due_date(year: int, month: int, due_day: int) -> dt.date:
    return dt.date(year, month, due_day)


def report_late(due: dt.date, first_submitted_on: dt.date | None, on: dt.date) -> bool:
    """Whether a report due on ``due`` counts as late as seen on ``on``."""
    if first_submitted_on is not None and first_submitted_on <= on:
        return first_submitted_on > due
    return on > due


def previous_month(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def month_end(year: int, month: int) -> dt.date:
    y, m = next_month(year, month)
    return dt.date(y, m, 1) - dt.timedelta(days=1)


def is_reminder_day(day: dt.date, reminder_days) -> bool:
    return day.day in set(reminder_days)


def light(statuses, report_late_now: bool, lagging_reported: bool) -> str:
    """A task force's light: red when a milestone is overdue; amber when its report is late or a report
    line says 滞后; green otherwise."""
    if OVERDUE in statuses:
        return "red"
    if report_late_now or lagging_reported:
        return "amber"
    return "green"
