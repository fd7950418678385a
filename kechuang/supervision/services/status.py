"""Where every task force stands on a day: milestone statuses (``timing.milestone_status`` over the due
dates and the reports), the month's reports, the lights of the leaders' board, and the JSON of
``kechuang supervision status``."""

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kechuang.core.registry import indicator_actual

from .. import timing
from ..models import Milestone, MonthlyReport, Plan, ReportItem, TaskForce
from .reports import DONE_COUNTED, done_dates

STATUS_LABELS = {
    timing.NOT_DUE: _("未到期"),
    timing.ON_TRACK: _("按期推进"),
    timing.OVERDUE: _("滞后"),
    timing.DONE_ON_TIME: _("按期完成"),
    timing.DONE_LATE: _("逾期完成"),
}
STATUS_COLOURS = {
    timing.NOT_DUE: "secondary",
    timing.ON_TRACK: "primary",
    timing.OVERDUE: "danger",
    timing.DONE_ON_TIME: "success",
    timing.DONE_LATE: "warning",
}
LIGHT_LABELS = {"green": _("绿灯"), "amber": _("黄灯"), "red": _("红灯"), "none": _("未开始")}


@dataclass
class MilestoneView:
    milestone: Milestone
    status: str
    done_on: dt.date | None
    actual: object = None

    @property
    def label(self):
        return STATUS_LABELS[self.status]

    @property
    def colour(self) -> str:
        return STATUS_COLOURS[self.status]


@dataclass
class ForceStatus:
    task_force: TaskForce
    milestones: list[MilestoneView] = field(default_factory=list)
    report: MonthlyReport | None = None
    report_due: dt.date | None = None
    report_late: bool = False
    lagging_items: list = field(default_factory=list)
    light: str = "green"

    @property
    def counts(self) -> Counter:
        return Counter(m.status for m in self.milestones)

    @property
    def overdue(self) -> list[MilestoneView]:
        return [m for m in self.milestones if m.status == timing.OVERDUE]

    @property
    def lagging_not_overdue(self) -> list:
        """Lines reported 滞后 that are not already listed as overdue milestones."""
        overdue = {m.milestone.pk for m in self.overdue}
        return [i for i in self.lagging_items if i.milestone_id not in overdue]

    @property
    def light_label(self):
        return LIGHT_LABELS[self.light]


def milestone_views(
    task_forces, on: dt.date, *, with_actuals: bool = False
) -> dict[int, list[MilestoneView]]:
    milestones = list(Milestone.objects.filter(task_force__in=task_forces).select_related("owner_section"))
    done = done_dates(m.pk for m in milestones)
    out: dict[int, list[MilestoneView]] = {}
    for m in milestones:
        view = MilestoneView(m, timing.milestone_status(m.due, done.get(m.pk), on), done.get(m.pk))
        if with_actuals and m.indicator_code:
            view.actual = indicator_actual(m.indicator_code, m.due.year, None)
        out.setdefault(m.task_force_id, []).append(view)
    return out


def force_statuses(plan: Plan, on: dt.date | None = None, *, with_actuals: bool = False) -> list[ForceStatus]:
    """Each task force of ``plan`` as seen on ``on`` (today by default), red and amber first."""
    on = on or timezone.localdate()
    forces = list(plan.task_forces.select_related("lead_section", "plan"))
    views = milestone_views(forces, on, with_actuals=with_actuals)
    reports = {
        r.task_force_id: r
        for r in MonthlyReport.objects.filter(task_force__in=forces, year=on.year, month=on.month)
    }
    lagging = _lagging_items(forces, on)
    out = []
    for tf in forces:
        fs = ForceStatus(tf, views.get(tf.pk, []))
        fs.report = reports.get(tf.pk)
        if plan.year == on.year:
            fs.report_due = timing.report_due_date(on.year, on.month, plan.report_due_day)
            first = fs.report.first_submitted_at if fs.report else None
            fs.report_late = timing.report_late(
                fs.report_due, timezone.localdate(first) if first else None, on
            )
        fs.lagging_items = lagging.get(tf.pk, [])
        fs.light = timing.light([m.status for m in fs.milestones], fs.report_late, bool(fs.lagging_items))
        out.append(fs)
    rank = {"red": 0, "amber": 1, "green": 2}
    out.sort(key=lambda f: (rank[f.light], f.task_force.order))
    return out


def _lagging_items(forces, on: dt.date) -> dict[int, list[ReportItem]]:
    """Lines marked 滞后 in each task force's latest report submitted by ``on``."""
    latest: dict[int, MonthlyReport] = {}
    for report in MonthlyReport.objects.filter(
        task_force__in=forces, status__in=DONE_COUNTED, submitted_at__date__lte=on
    ).order_by("year", "month"):
        latest[report.task_force_id] = report
    items = ReportItem.objects.filter(
        report__in=latest.values(), status=ReportItem.Progress.LAGGING
    ).select_related("task", "milestone", "milestone__owner_section", "report__task_force__lead_section")
    out: dict[int, list[ReportItem]] = {}
    for item in items:
        out.setdefault(item.report.task_force_id, []).append(item)
    return out


def month_lights(plan: Plan, today: dt.date | None = None) -> dict[int, list[str]]:
    """For each task force, its light at the end of each month of the plan year so far ("none" for
    months not begun)."""
    today = today or timezone.localdate()
    forces = list(plan.task_forces.all())
    milestones = list(Milestone.objects.filter(task_force__in=forces))
    done = done_dates(m.pk for m in milestones)
    reports = {
        (r.task_force_id, r.month): r
        for r in MonthlyReport.objects.filter(task_force__in=forces, year=plan.year).prefetch_related("items")
    }
    out: dict[int, list[str]] = {tf.pk: [] for tf in forces}
    for month in range(1, 13):
        start = dt.date(plan.year, month, 1)
        if start > today:
            for tf in forces:
                out[tf.pk].append("none")
            continue
        on = min(timing.month_end(plan.year, month), today)
        due = timing.report_due_date(plan.year, month, plan.report_due_day)
        for tf in forces:
            statuses = [
                timing.milestone_status(m.due, done.get(m.pk), on)
                for m in milestones
                if m.task_force_id == tf.pk
            ]
            report = reports.get((tf.pk, month))
            first = (
                timezone.localdate(report.first_submitted_at)
                if report and report.first_submitted_at
                else None
            )
            late = timing.report_late(due, first, on)
            lagging = bool(
                report
                and report.status in DONE_COUNTED
                and any(i.status == ReportItem.Progress.LAGGING for i in report.items.all())
            )
            out[tf.pk].append(timing.light(statuses, late, lagging))
    return out


def status_json(on: dt.date, plans=None) -> list[dict]:
    """One object per task force, as the command prints it (``--json``)."""
    if plans is None:
        plans = Plan.objects.filter(year=on.year)
        if not plans.exists():
            plans = Plan.objects.all()
    out = []
    for plan in plans:
        forces = list(plan.task_forces.all())
        views = milestone_views(forces, on)
        reports = {
            r.task_force_id: r
            for r in MonthlyReport.objects.filter(task_force__in=forces, year=on.year, month=on.month)
        }
        in_year = plan.year == on.year
        due = timing.report_due_date(on.year, on.month, plan.report_due_day)
        for tf in forces:
            counts = Counter(v.status for v in views.get(tf.pk, []))
            report = reports.get(tf.pk)
            first = (
                timezone.localdate(report.first_submitted_at)
                if report and report.first_submitted_at
                else None
            )
            submitted = bool(report and first is not None and first <= on and report.status in DONE_COUNTED)
            accepted = bool(report and report.status == MonthlyReport.Status.ACCEPTED and submitted)
            out.append(
                {
                    "task_force": tf.name,
                    "milestones": {s: counts.get(s, 0) for s in timing.STATUSES},
                    "reports": {
                        "due": int(in_year),
                        "submitted": int(in_year and submitted),
                        "accepted": int(in_year and accepted),
                        "late": int(in_year and timing.report_late(due, first, on)),
                    },
                }
            )
    return out


def plan_as_of(plan: Plan, today: dt.date | None = None) -> dt.date:
    """The day a plan's pages show it on: today during its year; for a year gone by, the end of the last
    month anyone reported on (its records stop there), else the year's end."""
    today = today or timezone.localdate()
    if today.year <= plan.year:
        return today
    last = (
        MonthlyReport.objects.filter(task_force__plan=plan, first_submitted_at__isnull=False)
        .order_by("-year", "-month")
        .first()
    )
    if last is None or last.year != plan.year:
        return dt.date(plan.year, 12, 31)
    return timing.month_end(last.year, last.month)
