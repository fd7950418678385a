"""Yearly reports (年度报告) of platforms and incubators and their evaluation (绩效评价).

The bureau opens a reporting year with a deadline: every running platform and incubator gets a report
to fill in, and its host (operator) is told. Until the deadline the host saves versions and submits;
reminders go out in the last week and after the deadline (``remind_due``, run daily by the worker).
The bureau accepts a report or sends it back with a reason; the accepted reports of a year are scored
together with the evaluation system (``EvaluationIndicator`` rows: data) by ``kechuang.engines.scoring``
and graded by the bands (``GradeBand`` rows: data); the bureau then decides support, warning or
withdrawal for each, which moves the platform's own status. Every step goes through
``kechuang.programs.workflow`` and is audited.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

import numpy as np
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import Role, User
from kechuang.core.notify import notify
from kechuang.core.permissions import role_of, scope_q
from kechuang.engines import scoring
from kechuang.programs import workflow

from .models import AnnualReport, CarrierStatus, EvaluationIndicator, GradeBand, Incubator, Platform, Subject
from .services import DECISION_STEPS, can_manage

REMIND_DAYS = 7
MAX_FIGURE = Decimal("1e13")
CENT = Decimal("0.01")


def indicators(subject: str) -> list[EvaluationIndicator]:
    return list(EvaluationIndicator.objects.filter(subject=subject))


def bands() -> list[GradeBand]:
    return list(GradeBand.objects.order_by("-min_score"))


def grade_for(score: Decimal) -> GradeBand | None:
    """The highest band whose lowest score ``score`` reaches."""
    for band in bands():
        if score >= band.min_score:
            return band
    return None


# ------------------------------------------------------------------------------------- scope


def visible_reports(user) -> QuerySet[AnnualReport]:
    on_platform = scope_q(
        user, district_field="platform__host__district_id", organisation_field="platform__host_id"
    )
    on_incubator = scope_q(
        user, district_field="incubator__operator__district_id", organisation_field="incubator__operator_id"
    )
    both = (Q(platform__isnull=False) & on_platform) | (Q(incubator__isnull=False) & on_incubator)
    return AnnualReport.objects.select_related(
        "platform__host__district", "incubator__operator__district"
    ).filter(both)


def get_report(user, pk: int) -> AnnualReport:
    report = visible_reports(user).filter(pk=pk).first()
    if report is None:
        raise Http404(_("未找到该年度报告，或您无权查看"))
    return report


def owner_id(report: AnnualReport) -> int:
    return report.platform.host_id if report.platform_id else report.incubator.operator_id


def can_file(user, report: AnnualReport) -> bool:
    return (
        role_of(user) in (Role.ENTERPRISE, Role.INSTITUTE)
        and user.organisation_id is not None
        and user.organisation_id == owner_id(report)
    )


def _owner_users(report: AnnualReport):
    return User.objects.filter(organisation_id=owner_id(report), is_active=True)


def _url(report: AnnualReport) -> str:
    return reverse("platforms_report_detail", args=[report.pk])


# ---------------------------------------------------------------------------------- opening


@transaction.atomic
def open_year(user, year: int, due_on: dt.date) -> int:
    """Create the year's report for every running platform and incubator that has none; tell the hosts.
    Returns how many were created."""
    can_manage(user).enforce()
    today = timezone.localdate()
    if not 2000 <= int(year) <= today.year:
        raise ValidationError({"year": _("报告年度须在2000年至今年之间")})
    if due_on is None or due_on < today:
        raise ValidationError({"due_on": _("报送截止日期不能早于今天")})
    running = [CarrierStatus.ACTIVE, CarrierStatus.WARNED, CarrierStatus.UNDER_EVALUATION]
    created = []
    have_p = set(
        AnnualReport.objects.filter(year=year, platform__isnull=False).values_list("platform_id", flat=True)
    )
    have_i = set(
        AnnualReport.objects.filter(year=year, incubator__isnull=False).values_list("incubator_id", flat=True)
    )
    for platform in Platform.objects.filter(status__in=running).exclude(pk__in=have_p):
        created.append(AnnualReport(platform=platform, year=year, due_on=due_on))
    for incubator in Incubator.objects.filter(status__in=running).exclude(pk__in=have_i):
        created.append(AnnualReport(incubator=incubator, year=year, due_on=due_on))
    for report in created:
        report.save()
        workflow.log(
            report, "open", "", user, _("开始报送%(y)s年度报告，截止%(d)s") % {"y": year, "d": due_on}
        )
        notify(
            _owner_users(report),
            _("请报送%(y)s年度报告：%(n)s") % {"y": year, "n": report.carrier.name},
            _("请于%(d)s前填报并提交年度报告。") % {"d": due_on},
            _url(report),
        )
    return len(created)


# ----------------------------------------------------------------------------------- filing


def clean_figures(subject: str, raw: dict, *, complete: bool) -> dict:
    """Each figure of the evaluation system as a non-negative number (stored as text); all of them when
    ``complete``. Raises naming the figure and the rule; unknown keys are refused."""
    system = {i.code: i for i in indicators(subject)}
    errors, out = {}, {}
    if not isinstance(raw, dict):
        raise ValidationError({"figures": _("年度数据格式不正确")})
    for key in raw:
        if key not in system:
            errors[str(key)[:40]] = _("“%(k)s”不是评价指标体系中的数据项") % {"k": str(key)[:40]}
    for code, ind in system.items():
        value = raw.get(code)
        if value in (None, ""):
            if complete:
                errors[code] = _("请填写“%(n)s”") % {"n": ind.name}
            continue
        try:
            number = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            errors[code] = _("“%(n)s”须为数字") % {"n": ind.name}
            continue
        if not number.is_finite() or number < 0 or number > MAX_FIGURE:
            errors[code] = _("“%(n)s”须为不小于0的数字") % {"n": ind.name}
            continue
        out[code] = str(number.quantize(CENT) if number != number.to_integral() else number.to_integral())
    if errors:
        raise ValidationError(errors)
    return out


def _check_filer(user, report: AnnualReport) -> None:
    if not can_file(user, report):
        raise PermissionDenied(_("只有依托单位（运营机构）可以填报本单位的年度报告"))


@transaction.atomic
def save_report(user, report: AnnualReport, figures: dict, summary: str) -> AnnualReport:
    """Save a new version of the draft (or a returned report)."""
    _check_filer(user, report)
    report = AnnualReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    if report.status not in (AnnualReport.Status.DRAFT, AnnualReport.Status.RETURNED):
        raise ValidationError(
            {"status": _("当前状态为“%(s)s”，不能修改") % {"s": report.get_status_display()}}
        )
    summary = (summary or "").strip()
    if len(summary) > 4000:
        raise ValidationError({"summary": _("年度工作总结不能超过4000字")})
    report.figures = clean_figures(report.subject, figures, complete=False)
    report.summary = summary
    report.version += 1
    report.updated_by = user
    report.save()
    return report


@transaction.atomic
def submit_report(user, report: AnnualReport) -> AnnualReport:
    _check_filer(user, report)
    report = AnnualReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    workflow.guard(report, "submit", _("提交"))
    clean_figures(report.subject, report.figures, complete=True)
    if len(report.summary.strip()) < 10:
        raise ValidationError({"summary": _("年度工作总结至少10个字")})
    late = timezone.localdate() > report.due_on
    reason = _("逾期提交（截止%(d)s）") % {"d": report.due_on} if late else ""
    report = workflow.step(
        user, report, "submit", _("提交"), reason=reason, submitted_at=timezone.now(), last_reminded_on=None
    )
    return report


@transaction.atomic
def send_back(user, report: AnnualReport, reason: str) -> AnnualReport:
    can_manage(user).enforce()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("退回时必须说明原因")})
    report = workflow.step(user, report, "send_back", _("退回修改"), reason=reason)
    notify(
        _owner_users(report), _("年度报告被退回：%(n)s") % {"n": report.carrier.name}, reason, _url(report)
    )
    return report


@transaction.atomic
def accept(user, report: AnnualReport, note: str = "") -> AnnualReport:
    can_manage(user).enforce()
    return workflow.step(user, report, "accept", _("审核通过"), reason=(note or "").strip())


# -------------------------------------------------------------------------------- evaluation


def score_matrix(reports: list[AnnualReport], system: list[EvaluationIndicator]) -> list[Decimal]:
    """Scores 0–100 of ``reports`` against each other: min–max normalised figures, weighted sum."""
    matrix = np.array(
        [[float(r.figures[i.code]) if i.code in r.figures else np.nan for i in system] for r in reports],
        dtype=float,
    ).reshape(len(reports), len(system))
    normalised = scoring.normalise(matrix, [i.benefit for i in system], "minmax")
    totals = scoring.weighted_sum(normalised, [float(i.weight) for i in system])
    return [Decimal(str(round(float(t) * 100, 2))).quantize(CENT) for t in totals]


@transaction.atomic
def evaluate(user, year: int, subject: str) -> list[AnnualReport]:
    """Score and grade every accepted report of ``year`` for ``subject`` (platforms or incubators)
    together; reports already graded and not yet decided are scored again with them. The platforms
    (incubators) go to 评估中."""
    can_manage(user).enforce()
    if subject not in Subject.values:
        raise ValidationError({"subject": _("评价对象须为创新平台或孵化载体")})
    system = indicators(subject)
    if not system:
        raise ValidationError({"subject": _("尚未设置评价指标体系")})
    if not bands():
        raise ValidationError({"subject": _("尚未设置评价等级")})
    field = "platform__isnull" if subject == Subject.PLATFORM else "incubator__isnull"
    reports = list(
        AnnualReport.objects.select_for_update(of=("self",))
        .filter(
            year=year, status__in=[AnnualReport.Status.ACCEPTED, AnnualReport.Status.GRADED], **{field: False}
        )
        .order_by("pk")
    )
    if not reports:
        raise ValidationError({"year": _("%(y)s年度没有审核通过、待评价的报告") % {"y": year}})
    scores = score_matrix(reports, system)
    out = []
    for report, score in zip(reports, scores, strict=True):
        band = grade_for(score)
        reason = _("得分%(s)s分，评为%(g)s") % {"s": score, "g": band.name}
        report = workflow.step(
            user,
            report,
            "grade_report",
            _("评价"),
            reason=reason,
            action="grade",
            score=score,
            grade=band.name,
        )
        carrier = report.carrier
        if carrier.status in (CarrierStatus.ACTIVE, CarrierStatus.WARNED):
            workflow.step(
                user, carrier, "begin_evaluation", _("开始评估"), reason=_("%(y)s年度绩效评价") % {"y": year}
            )
        out.append(report)
    return out


def suggested_decision(report: AnnualReport) -> str:
    band = GradeBand.objects.filter(name=report.grade).first()
    if band is None:
        return ""
    if (
        band.suggested == GradeBand.Decision.WARNING
        and report.carrier.transitions.filter(action="warning").exists()
    ):
        return GradeBand.Decision.WITHDRAWAL  # warned before and failing again
    return band.suggested


@transaction.atomic
def decide(user, report: AnnualReport, decision: str, opinion: str = "") -> AnnualReport:
    """The bureau's decision on a graded report: support, warning or withdrawal of the platform."""
    can_manage(user).enforce()
    if decision not in DECISION_STEPS:
        raise ValidationError({"decision": _("处理结果须为继续支持、警示整改或撤销资格")})
    opinion = (opinion or "").strip()
    if decision != "support" and not opinion:
        raise ValidationError({"opinion": _("警示整改或撤销资格时必须填写评价意见")})
    report = AnnualReport.objects.select_for_update(of=("self",)).get(pk=report.pk)
    workflow.guard(report, "decide", _("作出处理"))
    carrier = report.carrier
    method, label = DECISION_STEPS[decision]
    workflow.guard(carrier, method, label)
    reason = opinion or _("%(y)s年度评价为%(g)s") % {"y": report.year, "g": report.grade}
    report = workflow.step(
        user, report, "decide", label, reason=reason, action=decision, decision=decision, opinion=opinion
    )
    workflow.step(user, carrier, method, label, reason=reason, action=decision)
    notify(
        _owner_users(report),
        _("%(y)s年度绩效评价结果：%(n)s") % {"y": report.year, "n": carrier.name},
        _("评价得分%(s)s分，等级%(g)s，处理结果：%(d)s。%(o)s")
        % {"s": report.score, "g": report.grade, "d": report.get_decision_display(), "o": opinion},
        _url(report),
    )
    return report


# ----------------------------------------------------------------------------------- reminders


def remind_due(today: dt.date | None = None) -> int:
    """Remind the hosts of unsubmitted reports due within a week or overdue, once a day each."""
    today = today or timezone.localdate()
    due = AnnualReport.objects.filter(
        status__in=[AnnualReport.Status.DRAFT, AnnualReport.Status.RETURNED],
        due_on__lte=today + dt.timedelta(days=REMIND_DAYS),
    ).exclude(last_reminded_on=today)
    n = 0
    for report in due.select_related("platform", "incubator"):
        if report.due_on < today:
            body = _("已超过报送截止日期%(d)s，请尽快提交。") % {"d": report.due_on}
        else:
            body = _("报送截止日期为%(d)s，请按时提交。") % {"d": report.due_on}
        notify(
            _owner_users(report), _("年度报告催报：%(n)s") % {"n": report.carrier.name}, body, _url(report)
        )
        AnnualReport.objects.filter(pk=report.pk).update(last_reminded_on=today)
        n += 1
    return n


def todo_reports(user) -> QuerySet[AnnualReport]:
    """What waits for ``user``: reports to file (hosts) or to review (city staff)."""
    role = role_of(user)
    if role in (Role.ENTERPRISE, Role.INSTITUTE):
        return visible_reports(user).filter(
            status__in=[AnnualReport.Status.DRAFT, AnnualReport.Status.RETURNED]
        )
    if role in (Role.ADMIN, Role.BUREAU_STAFF):
        return AnnualReport.objects.filter(status=AnnualReport.Status.SUBMITTED)
    return AnnualReport.objects.none()
