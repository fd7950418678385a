"""This app's to-dos on the workbench ("my reports due" for the lead sections, reports waiting for the
office, follow-up items of a section) and its entry in the global search."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import Role
from kechuang.core.permissions import role_of
from kechuang.core.registry import SearchGroup, SearchHit, Todo

from . import access, timing
from .models import FollowUp, MonthlyReport, Plan, TaskForce

FILED = (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED)


def _my_task_forces(user):
    role = role_of(user)
    forces = TaskForce.objects.filter(plan__year=timezone.localdate().year).select_related("plan")
    if role == Role.BUREAU_STAFF and user.section_id:
        return forces.filter(plan__district__isnull=True, lead_section_id=user.section_id)
    if role == Role.DISTRICT_STAFF and user.district_id:
        return forces.filter(plan__district_id=user.district_id)
    return forces.none()


def todos(user):
    role = role_of(user)
    if role not in (Role.BUREAU_STAFF, Role.DISTRICT_STAFF, Role.ADMIN):
        return []
    today = timezone.localdate()
    items = []
    forces = list(_my_task_forces(user))
    if forces:
        done = dict(
            MonthlyReport.objects.filter(
                task_force__in=forces, year=today.year, month=today.month
            ).values_list("task_force_id", "status")
        )
        waiting = [tf for tf in forces if done.get(tf.pk) not in FILED]
        if waiting:
            due = timing.report_due_date(today.year, today.month, waiting[0].plan.report_due_day)
            url = reverse("supervision_task_force", args=[waiting[0].pk])
            items.append(Todo(_("本月专班工作进展待报送"), len(waiting), url, due=due, overdue=today > due))
        returned = MonthlyReport.objects.filter(task_force__in=forces, status=MonthlyReport.Status.RETURNED)
        first = returned.first()
        if first is not None:
            items.append(
                Todo(
                    _("被退回待修改的专班月报"),
                    returned.count(),
                    reverse("supervision_report", args=[first.pk]),
                )
            )
    plans = [p for p in Plan.objects.filter(year=today.year) if access.is_office(user, p)]
    if plans:
        pending = MonthlyReport.objects.filter(
            task_force__plan__in=plans, status=MonthlyReport.Status.SUBMITTED
        )
        first = pending.first()
        if first is not None:
            items.append(
                Todo(_("待审核的专班月报"), pending.count(), reverse("supervision_report", args=[first.pk]))
            )
    section_items = FollowUp.objects.none()
    if role == Role.BUREAU_STAFF and user.section_id:
        section_items = FollowUp.objects.filter(owner_section_id=user.section_id, status=FollowUp.Status.OPEN)
    first = section_items.order_by("deadline").first()
    if first is not None:
        items.append(
            Todo(
                _("本科室待办结的督办事项"),
                section_items.count(),
                reverse("supervision_review", args=[first.review_id]),
                due=first.deadline,
                overdue=first.deadline < today,
            )
        )
    return items


def search(user, q: str, limit: int):
    if not access.can_use(user) or not q.strip():
        return None
    plans = Plan.objects.filter(access.plans_q(user))
    forces = TaskForce.objects.filter(plan__in=plans, name__icontains=q.strip()).select_related("plan")
    total = forces.count()
    hits = [
        SearchHit(tf.name, reverse("supervision_task_force", args=[tf.pk]), str(tf.plan))
        for tf in forces[:limit]
    ]
    return SearchGroup(_("工作专班"), hits, total)
