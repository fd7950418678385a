"""Reminders through ``core.notify`` (in-app and e-mail), each sent once.

- Monthly reports: on each of the plan's reminder days up to the due day (default the 20th, the 25th and
  the morning of the 27th), the filers of every task force whose month's report is not yet submitted.
  Those who have filed hear nothing.
- After the due day, an unsubmitted report is recorded as late (``reports.record_lateness``).
- Follow-up items (督办事项): the owner section's staff, seven days and one day before the deadline and on
  the day after it when still open.

Each reminder is a ``ReminderSent`` key per person; running the job twice on a day sends nothing new.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from kechuang.core.models import Role, User
from kechuang.core.notify import notify

from ..models import FollowUp, MonthlyReport, Plan, ReminderSent
from .reports import due_date, filers, record_lateness

FOLLOW_UP_DAYS = (7, 1, -1)


def _once(users, key: str) -> list:
    fresh = []
    for user in users:
        try:
            with transaction.atomic():
                ReminderSent.objects.create(user=user, key=key[:120])
        except IntegrityError:
            continue
        fresh.append(user)
    return fresh


def report_reminders(today: dt.date) -> int:
    told = 0
    for plan in Plan.objects.filter(year=today.year):
        if today.day not in set(plan.reminder_days) or today.day > plan.report_due_day:
            continue
        due = due_date(plan, today.year, today.month)
        filed = set(
            MonthlyReport.objects.filter(
                task_force__plan=plan,
                year=today.year,
                month=today.month,
                status__in=(MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED),
            ).values_list("task_force_id", flat=True)
        )
        for tf in plan.task_forces.select_related("plan"):
            if tf.pk in filed:
                continue
            key = f"report:{tf.pk}:{today.year}-{today.month:02d}:{today.day}"
            users = _once(filers(tf), key)
            told += notify(
                users,
                _("请于%(d)s前报送%(m)s月%(tf)s工作进展")
                % {"d": f"{due.month}月{due.day}日", "m": today.month, "tf": tf.name},
                _("本月工作进展报告尚未报送，逾期将记为迟报并在通报中列出。"),
                reverse("supervision_task_force", args=[tf.pk]),
            )
    return told


def follow_up_reminders(today: dt.date) -> int:
    told = 0
    for item in FollowUp.objects.filter(status=FollowUp.Status.OPEN).select_related("review__plan"):
        days = (item.deadline - today).days
        if days not in FOLLOW_UP_DAYS:
            continue
        plan = item.review.plan
        users = User.objects.filter(is_active=True)
        if plan.district_id:
            users = users.filter(role=Role.DISTRICT_STAFF, district_id=plan.district_id)
        else:
            users = users.filter(role=Role.BUREAU_STAFF, section_id=item.owner_section_id)
        key = f"follow_up:{item.pk}:{item.deadline.isoformat()}:{days}"
        title = (
            _("督办事项已超过办结时限，请尽快办结")
            if days < 0
            else _("督办事项将于%(d)s到期") % {"d": f"{item.deadline.month}月{item.deadline.day}日"}
        )
        told += notify(
            _once(users, key), title, item.text[:200], reverse("supervision_review", args=[item.review_id])
        )
    return told


def send_reminders(today: dt.date) -> dict:
    return {
        "reports": report_reminders(today),
        "follow_ups": follow_up_reminders(today),
        "late": record_lateness(today),
    }
