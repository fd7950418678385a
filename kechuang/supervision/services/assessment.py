"""The annual assessment (年度考核): each task force and each section scored on on-time reporting,
milestone completion and follow-up closure, with the plan's weights (data, editable by the office), and
the evidence behind every point.

- On-time reporting: of the months whose report was due by the day, the share first submitted by the
  due day.
- Milestone completion: of the milestones due by the day, done on time counts 1, done late 0.5.
- Follow-up closure: of the follow-up items due by the day (or closed), closed by the deadline 1, closed
  late 0.5, still open 0.

A part with nothing due yet scores full marks and says so. Scores are out of 100.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.spreadsheets import Column, xlsx_response

from .. import access, timing
from ..models import AssessmentWeights, FollowUp, Milestone, MonthlyReport, Plan
from .reports import done_dates

ONE, HALF = Decimal(1), Decimal("0.5")


@dataclass
class Part:
    earned: Decimal = Decimal(0)
    possible: int = 0
    evidence: list[str] = field(default_factory=list)

    @property
    def rate(self) -> Decimal:
        return (self.earned / self.possible) if self.possible else ONE


@dataclass
class Row:
    kind: str  # "task_force" | "section"
    name: str
    reporting: Part = field(default_factory=Part)
    milestones: Part = field(default_factory=Part)
    follow_ups: Part = field(default_factory=Part)
    score: Decimal = Decimal(0)
    rank: int = 0


def weights_of(plan: Plan) -> AssessmentWeights:
    weights, _created = AssessmentWeights.objects.get_or_create(plan=plan)
    return weights


def set_weights(user, plan: Plan, reporting, milestones, follow_ups) -> AssessmentWeights:
    access.is_office(user, plan).enforce()
    weights = weights_of(plan)
    try:
        values = [Decimal(str(v)) for v in (reporting, milestones, follow_ups)]
    except ArithmeticError:
        raise ValidationError({"reporting": _("权重应为0到1之间的小数")}) from None
    weights.reporting, weights.milestones, weights.follow_ups = values
    weights.full_clean()
    weights.save()
    return weights


def assess(plan: Plan, on: dt.date | None = None) -> list[Row]:
    on = on or timezone.localdate()
    w = weights_of(plan)
    forces = list(plan.task_forces.select_related("lead_section"))
    reports = {
        (r.task_force_id, r.month): r
        for r in MonthlyReport.objects.filter(task_force__in=forces, year=plan.year)
    }
    milestones = list(
        Milestone.objects.filter(task_force__in=forces).select_related("owner_section", "task_force")
    )
    done = done_dates(m.pk for m in milestones)
    follow_ups = list(FollowUp.objects.filter(review__plan=plan).select_related("owner_section"))
    tf_rows = {tf.pk: Row("task_force", tf.name) for tf in forces}
    section_rows: dict[int, Row] = {}

    def section_row(section) -> Row | None:
        if section is None:
            return None
        return section_rows.setdefault(section.pk, Row("section", section.name))

    for tf in forces:
        for month in range(1, 13):
            due = timing.report_due_date(plan.year, month, plan.report_due_day)
            if due >= on:
                break
            report = reports.get((tf.pk, month))
            first = (
                timezone.localdate(report.first_submitted_at)
                if report and report.first_submitted_at
                else None
            )
            on_time = first is not None and first <= due
            text = (
                _("%(m)s月报告按时报送")
                if on_time
                else (_("%(m)s月报告逾期报送") if first else _("%(m)s月报告未报送"))
            ) % {"m": month}
            for row in (tf_rows[tf.pk], section_row(tf.lead_section)):
                if row is not None:
                    row.reporting.possible += 1
                    row.reporting.earned += ONE if on_time else 0
                    row.reporting.evidence.append(f"{tf.name}：{text}" if row.kind == "section" else text)
    for m in milestones:
        day = done.get(m.pk)
        if m.due >= on and (day is None or day > on):
            continue
        status = timing.milestone_status(m.due, day, on)
        points = {timing.DONE_ON_TIME: ONE, timing.DONE_LATE: HALF}.get(status, Decimal(0))
        label = {timing.DONE_ON_TIME: _("按期完成"), timing.DONE_LATE: _("逾期完成")}.get(
            status, _("滞后未完成")
        )
        text = f"{m.text[:30]}（{m.due.isoformat()}）：{label}"
        for row in (tf_rows[m.task_force_id], section_row(m.owner_section or m.task_force.lead_section)):
            if row is not None:
                row.milestones.possible += 1
                row.milestones.earned += points
                row.milestones.evidence.append(text)
    lead_of = {}
    for tf in forces:
        if tf.lead_section_id:
            lead_of.setdefault(tf.lead_section_id, []).append(tf.pk)
    for item in follow_ups:
        closed = timezone.localdate(item.closed_at) if item.closed_at else None
        if item.deadline >= on and closed is None:
            continue
        if closed is not None and closed <= item.deadline:
            points, label = ONE, _("按时办结")
        elif closed is not None:
            points, label = HALF, _("逾期办结")
        else:
            points, label = Decimal(0), _("逾期未办结")
        text = f"{item.text[:30]}（{item.deadline.isoformat()}）：{label}"
        targets = [section_row(item.owner_section)] + [
            tf_rows[pk] for pk in lead_of.get(item.owner_section_id, [])
        ]
        for row in targets:
            row.follow_ups.possible += 1
            row.follow_ups.earned += points
            row.follow_ups.evidence.append(text)
    rows = list(tf_rows.values()) + list(section_rows.values())
    for row in rows:
        total = (
            w.reporting * row.reporting.rate
            + w.milestones * row.milestones.rate
            + w.follow_ups * row.follow_ups.rate
        )
        row.score = (total * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        for part in (row.reporting, row.milestones, row.follow_ups):
            if not part.possible:
                part.evidence.append(_("截至%(d)s尚无到期事项，按满分计") % {"d": on.isoformat()})
    for kind in ("task_force", "section"):
        ranked = sorted((r for r in rows if r.kind == kind), key=lambda r: (-r.score, r.name))
        for row in ranked:  # equal scores share a rank (并列)
            row.rank = 1 + sum(other.score > row.score for other in ranked)
    return sorted(rows, key=lambda r: (r.kind != "task_force", r.rank))


def export(plan: Plan, on: dt.date):
    rows = assess(plan, on)
    columns = [
        Column(_("类别")), Column(_("名次"), "int"), Column(_("名称")), Column(_("总分"), "number"),
        Column(_("按时报送率"), "ratio"), Column(_("节点完成率"), "ratio"), Column(_("督办办结率"), "ratio"),
        Column(_("按时报送依据"), width=60), Column(_("节点完成依据"), width=60), Column(_("督办办结依据"), width=60),
    ]  # fmt: skip
    kinds = {"task_force": _("工作专班"), "section": _("科室")}
    data = [
        [
            kinds[r.kind],
            r.rank,
            r.name,
            r.score,
            r.reporting.rate,
            r.milestones.rate,
            r.follow_ups.rate,
            "；".join(r.reporting.evidence),
            "；".join(r.milestones.evidence),
            "；".join(r.follow_ups.evidence),
        ]
        for r in rows
    ]
    return xlsx_response(f"{plan.year}年工作专班年度考核.xlsx", columns, data, _("年度考核"))
