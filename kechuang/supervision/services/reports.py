"""Monthly reports (月调度): open, fill, submit, return, accept; every status change through the generic
workflow ``step`` (one ``Transition`` row each). Refusals raise ``ValidationError`` or ``PermissionDenied``
and change nothing."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.programs.workflow import step

from .. import access, timing
from ..models import Comment, MonthlyReport, ReportAttachment, ReportItem, TaskForce

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_SUFFIXES = (
    ".pdf",
    ".docx",
    ".doc",
    ".xlsx",
    ".xls",
    ".jpg",
    ".jpeg",
    ".png",
    ".txt",
    ".ofd",
    ".wps",
)
DONE_COUNTED = (MonthlyReport.Status.SUBMITTED, MonthlyReport.Status.ACCEPTED)


def due_date(report_or_plan, year: int, month: int) -> dt.date:
    plan = getattr(report_or_plan, "plan", report_or_plan)
    return timing.report_due_date(year, month, plan.report_due_day)


def _check_month(task_force: TaskForce, year: int, month: int) -> None:
    if year != task_force.plan.year or not 1 <= month <= 12:
        raise ValidationError(
            {"month": _("月份应在方案年度%(y)s年的1至12月之内") % {"y": task_force.plan.year}}
        )


def done_dates(milestone_ids) -> dict[int, dt.date]:
    """For each milestone, the day a submitted or accepted report first said it was done."""
    out: dict[int, dt.date] = {}
    items = ReportItem.objects.filter(
        milestone_id__in=list(milestone_ids),
        status=ReportItem.Progress.DONE,
        report__status__in=DONE_COUNTED,
        report__submitted_at__isnull=False,
    ).values_list("milestone_id", "report__submitted_at")
    for mid, at in items:
        day = timezone.localdate(at)
        if mid not in out or day < out[mid]:
            out[mid] = day
    return out


@transaction.atomic
def open_report(user, task_force: TaskForce, year: int, month: int) -> MonthlyReport:
    """The month's report, created as a draft with one line per task and per milestone not yet done
    (carrying last month's words forward) when it does not exist yet."""
    access.can_file(user, task_force).enforce()
    _check_month(task_force, year, month)
    report, created = MonthlyReport.objects.get_or_create(task_force=task_force, year=year, month=month)
    if created or not report.items.exists():
        _fill_items(report)
    return report


def _fill_items(report: MonthlyReport) -> None:
    tf = report.task_force
    py, pm = timing.previous_month(report.year, report.month)
    last = {}
    previous = MonthlyReport.objects.filter(task_force=tf, year=py, month=pm).first()
    if previous is not None:
        for item in previous.items.all():
            last[(item.task_id, item.milestone_id)] = item
    done = done_dates(tf.milestones.values_list("pk", flat=True))
    rows = []
    for task in tf.tasks.all():
        before = last.get((task.pk, None))
        rows.append(
            ReportItem(
                report=report, task=task, status=before.status if before else ReportItem.Progress.ON_PLAN
            )
        )
    for milestone in tf.milestones.order_by("due", "order", "pk"):
        if milestone.pk in done:
            continue
        before = last.get((None, milestone.pk))
        rows.append(
            ReportItem(
                report=report,
                milestone=milestone,
                status=before.status if before else ReportItem.Progress.ON_PLAN,
            )
        )
    for row in rows:
        row.save()


def _editable(user, report: MonthlyReport) -> None:
    access.can_file(user, report.task_force).enforce()
    if not report.editable:
        raise ValidationError(
            {"status": _("报告当前状态为“%(s)s”，不能修改") % {"s": report.get_status_display()}}
        )


@transaction.atomic
def save_report(user, report: MonthlyReport, *, items: dict, problems: str = "", help_needed: str = "",
                next_steps: str = "") -> MonthlyReport:  # fmt: skip
    """Save the draft: ``items`` maps a line's id to (status, progress). Checks everything first."""
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    _editable(user, report)
    lines = {i.pk: i for i in report.items.all()}
    errors: dict[str, str] = {}
    for key, (status, progress) in items.items():
        item = lines.get(int(key)) if str(key).isdigit() else None
        if item is None:
            errors[f"item_{key}"] = _("该事项不属于本报告")
            continue
        if status not in ReportItem.Progress.values:
            errors[f"item_{key}"] = _("推进状态应为按计划推进、滞后或已完成")
        if len(progress or "") > 2000:
            errors[f"item_{key}"] = _("进展情况不超过2000字")
    for name, value in (("problems", problems), ("help_needed", help_needed), ("next_steps", next_steps)):
        if len(value or "") > 4000:
            errors[name] = _("不超过4000字")
    if errors:
        raise ValidationError(errors)
    for key, (status, progress) in items.items():
        item = lines[int(key)]
        if item.status != status or item.progress != (progress or "").strip():
            item.status, item.progress = status, (progress or "").strip()
            item.save()
    report.problems, report.help_needed, report.next_steps = (
        (problems or "").strip(),
        (help_needed or "").strip(),
        (next_steps or "").strip(),
    )
    report.filed_by = user if user.is_authenticated else None
    report.save()
    return report


def submit(user, report: MonthlyReport, reason: str = "") -> MonthlyReport:
    _editable(user, report)
    missing = [i for i in report.items.select_related("task", "milestone") if not i.progress.strip()]
    if missing:
        raise ValidationError(
            {
                "items": _("还有%(n)s项未填写进展情况，如：%(t)s")
                % {"n": len(missing), "t": str(missing[0].subject)[:30]}
            }
        )
    if not report.next_steps.strip():
        raise ValidationError({"next_steps": _("请填写下月工作计划")})
    now = timezone.now()
    late = report.late or timezone.localdate(now) > due_date(report.task_force, report.year, report.month)
    changes = {"submitted_at": now, "late": late, "filed_by": user}
    if report.first_submitted_at is None:
        changes["first_submitted_at"] = now
    if late and report.late_recorded_at is None:
        changes["late_recorded_at"] = now
    return step(user, report, "submit", _("报送"), reason=reason, **changes)


def send_back(user, report: MonthlyReport, reason: str) -> MonthlyReport:
    access.is_office(user, report.task_force.plan).enforce()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("退回时请写明需要修改的内容")})
    if len(reason) > 2000:
        raise ValidationError({"reason": _("退回意见不超过2000字")})
    return step(user, report, "send_back", _("退回"), reason=reason, office_note=reason)


def accept(user, report: MonthlyReport, note: str = "") -> MonthlyReport:
    access.is_office(user, report.task_force.plan).enforce()
    if len(note or "") > 2000:
        raise ValidationError({"reason": _("审核意见不超过2000字")})
    return step(user, report, "accept", _("审核通过"), reason=note or "", office_note=(note or "").strip())


@transaction.atomic
def add_attachment(user, report: MonthlyReport, name: str, content: bytes) -> ReportAttachment:
    _editable(user, report)
    name = (name or "").strip()[-200:]
    if not name.lower().endswith(ATTACHMENT_SUFFIXES):
        raise ValidationError({"file": _("附件只能是 PDF、Word、Excel、图片、OFD 或文本文件")})
    if not content:
        raise ValidationError({"file": _("附件为空")})
    if len(content) > MAX_ATTACHMENT_BYTES:
        raise ValidationError({"file": _("附件不能超过10 MB")})
    return ReportAttachment.objects.create(
        report=report, name=name, content=content, size=len(content), uploaded_by=user
    )


def comment(user, task_force: TaskForce, text: str, report: MonthlyReport | None = None) -> Comment:
    access.can_comment(user, task_force.plan).enforce()
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写批示意见")})
    if len(text) > 2000:
        raise ValidationError({"text": _("批示意见不超过2000字")})
    if report is not None and report.task_force_id != task_force.pk:
        raise PermissionDenied(_("该报告不属于本专班"))
    return Comment.objects.create(task_force=task_force, report=report, author=user, text=text)


def filers(task_force: TaskForce):
    """The people who file the task force's monthly report."""
    from kechuang.core.models import Role, User

    plan = task_force.plan
    users = User.objects.filter(is_active=True)
    if plan.district_id is not None:
        return users.filter(role=Role.DISTRICT_STAFF, district_id=plan.district_id)
    if task_force.lead_section_id is None:
        return users.none()
    return users.filter(role=Role.BUREAU_STAFF, section_id=task_force.lead_section_id)


def record_lateness(today: dt.date) -> int:
    """After the due day, a month's report not yet submitted is recorded as late (once)."""
    from ..models import Plan

    n = 0
    now = timezone.now()
    for plan in Plan.objects.filter(year__lte=today.year):
        months = [m for m in range(1, 13) if due_date(plan, plan.year, m) < today]
        if not months:
            continue
        forces = list(plan.task_forces.all())
        existing = {
            (r.task_force_id, r.month): r
            for r in MonthlyReport.objects.filter(task_force__in=forces, year=plan.year, month__in=months)
        }
        for tf in forces:
            for month in months:
                report = existing.get((tf.pk, month))
                if report is not None and (report.first_submitted_at is not None or report.late):
                    continue
                if report is None:
                    try:
                        with transaction.atomic():
                            report = MonthlyReport.objects.create(task_force=tf, year=plan.year, month=month)
                    except IntegrityError:  # pragma: no cover - a concurrent run created it
                        report = MonthlyReport.objects.get(task_force=tf, year=plan.year, month=month)
                        if report.first_submitted_at is not None or report.late:
                            continue
                report.late, report.late_recorded_at = True, now
                report._change_reason = _("逾期未报送")
                report.save(update_fields=["late", "late_recorded_at", "updated_at"])
                n += 1
    return n
