"""Quarterly analysis meetings (推进会) in the last month of each quarter, and the follow-up items (督办事项)
their decisions become: an owner section and a deadline each, reminded, tracked to closure with evidence."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import Section
from kechuang.programs.workflow import log, step

from .. import access, timing
from ..models import FollowUp, MonthlyReport, Plan, QuarterlyReview
from .status import force_statuses


def agenda(plan: Plan, year: int, quarter: int, on: dt.date) -> list[dict]:
    """One agenda point per task force: its quarter's reports, its overdue milestones and lagging lines,
    and the help it asked for; those in trouble first."""
    months = [3 * (quarter - 1) + k for k in (1, 2, 3)]
    points = []
    reports = MonthlyReport.objects.filter(task_force__plan=plan, year=year, month__in=months)
    help_by_tf: dict[int, list[str]] = {}
    filed: dict[int, int] = {}
    for r in reports:
        if r.first_submitted_at is not None:
            filed[r.task_force_id] = filed.get(r.task_force_id, 0) + 1
        if r.help_needed:
            help_by_tf.setdefault(r.task_force_id, []).append(f"{r.month}月：{r.help_needed}")
    for fs in force_statuses(plan, on):
        tf = fs.task_force
        points.append(
            {
                "task_force": tf.name,
                "light": fs.light,
                "reports": _("本季度报送%(n)s份月报") % {"n": filed.get(tf.pk, 0)},
                "overdue": [f"{m.milestone.text[:60]}（{m.milestone.due.isoformat()}）" for m in fs.overdue],
                "lagging": [str(i.subject)[:60] for i in fs.lagging_items],
                "help": help_by_tf.get(tf.pk, []),
            }
        )
    return points


@transaction.atomic
def schedule(user, plan: Plan, year: int, quarter: int, held_on: dt.date) -> QuarterlyReview:
    access.is_office(user, plan).enforce()
    if year != plan.year or quarter not in (1, 2, 3, 4):
        raise ValidationError({"quarter": _("季度应为方案年度内的第1至4季度")})
    if timing.quarter_of(held_on) != quarter or held_on.year != year or held_on.month != 3 * quarter:
        raise ValidationError({"held_on": _("推进会应在该季度末月召开")})
    if QuarterlyReview.objects.filter(plan=plan, year=year, quarter=quarter).exists():
        raise ValidationError({"quarter": _("该季度的推进会已安排")})
    review = QuarterlyReview.objects.create(
        plan=plan, year=year, quarter=quarter, held_on=held_on, agenda=agenda(plan, year, quarter, held_on)
    )
    log(review, "schedule", "", user, _("安排推进会"))
    return review


def refresh_agenda(user, review: QuarterlyReview) -> QuarterlyReview:
    access.is_office(user, review.plan).enforce()
    if review.status != QuarterlyReview.Status.PLANNED:
        raise ValidationError({"status": _("推进会已召开，议程不再更新")})
    review.agenda = agenda(review.plan, review.year, review.quarter, timezone.localdate())
    review.save()
    return review


def record_minutes(user, review: QuarterlyReview, minutes: str, decisions: list[dict]) -> QuarterlyReview:
    """Hold the meeting: the minutes and its decisions, each ``{"text", "section" (id), "deadline"}``,
    which become follow-up items. Checks everything first."""
    access.is_office(user, review.plan).enforce()
    minutes = (minutes or "").strip()
    errors = {}
    if not minutes:
        errors["minutes"] = _("请填写会议纪要")
    elif len(minutes) > 20000:
        errors["minutes"] = _("会议纪要不超过20000字")
    sections = {s.pk: s for s in Section.objects.all()}
    clean = []
    for n, d in enumerate(decisions, start=1):
        text = (d.get("text") or "").strip()
        if not text:
            continue
        section = sections.get(int(d["section"])) if str(d.get("section", "")).isdigit() else None
        deadline = d.get("deadline")
        if isinstance(deadline, str):
            try:
                deadline = dt.date.fromisoformat(deadline)
            except ValueError:
                deadline = None
        if section is None:
            errors[f"decision_{n}"] = _("第%(n)s项决定请选择责任科室") % {"n": n}
        elif deadline is None:
            errors[f"decision_{n}"] = _("第%(n)s项决定请填写办结时限（YYYY-MM-DD）") % {"n": n}
        elif deadline < review.held_on:
            errors[f"decision_{n}"] = _("第%(n)s项决定的办结时限不能早于会议日期") % {"n": n}
        elif len(text) > 2000:
            errors[f"decision_{n}"] = _("第%(n)s项决定不超过2000字") % {"n": n}
        else:
            clean.append((text, section, deadline))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        review = step(
            user, review, "hold", _("记录会议纪要"), reason=_("会议召开，纪要已记录"), minutes=minutes
        )
        for text, section, deadline in clean:
            item = FollowUp.objects.create(review=review, text=text, owner_section=section, deadline=deadline)
            log(item, "create", "", user, _("推进会决定事项转为督办"))
    return review


def close_follow_up(user, item: FollowUp, evidence: str) -> FollowUp:
    access.can_close_follow_up(user, item).enforce()
    evidence = (evidence or "").strip()
    if not evidence:
        raise ValidationError({"evidence": _("办结时请写明办理情况和佐证材料")})
    if len(evidence) > 4000:
        raise ValidationError({"evidence": _("办结情况不超过4000字")})
    return step(user, item, "close", _("办结"), reason=evidence, evidence=evidence, closed_at=timezone.now())


def reopen_follow_up(user, item: FollowUp, reason: str) -> FollowUp:
    access.is_office(user, item.review.plan).enforce()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("重新督办时请写明理由")})
    return step(user, item, "reopen", _("重新督办"), reason=reason, closed_at=None)
