"""Pages of supervision: each view checks, calls one service and renders."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core.models import District, Section
from kechuang.core.registry import indicator_choices
from kechuang.core.spreadsheets import xlsx_response
from kechuang.core.word import DOCX_TYPE
from kechuang.programs.workflow import history

from . import access, timing
from .forms import MilestoneForm, PlanImportForm, TaskForceForm
from .models import (
    Bulletin,
    FollowUp,
    Milestone,
    MonthlyReport,
    Plan,
    QuarterlyReview,
    SupervisionReport,
    TaskForce,
)
from .services import assessment as assessment_service
from .services import documents, meetings, plans, reports
from .services.status import LIGHT_LABELS, force_statuses, milestone_views, month_lights, plan_as_of


def _require_use(user) -> None:
    if not access.can_use(user):
        raise PermissionDenied(_("当前角色无权查看工作专班"))


def _plans(user):
    return Plan.objects.filter(access.plans_q(user)).select_related("district", "office")


def _plan_for(user, pk: int) -> Plan:
    plan = get_object_or_404(Plan.objects.select_related("district", "office"), pk=pk)
    access.can_read_plan(user, plan).enforce()
    return plan


def _errors(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "；".join(m for msgs in exc.message_dict.values() for m in msgs)
    return "；".join(exc.messages)


def _month_param(request, default: dt.date) -> tuple[int, int]:
    try:
        year = int(request.GET.get("year", default.year))
        month = int(request.GET.get("month", default.month))
    except ValueError:
        return default.year, default.month
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        return default.year, default.month
    return year, month


@login_required
def board(request):
    """The leaders' board: every task force a row of monthly lights, those in trouble first."""
    _require_use(request.user)
    today = timezone.localdate()
    plan_list = list(_plans(request.user))
    if not plan_list:
        return render(
            request, "supervision/board.html", {"plans": [], "can_import": _can_import(request.user)}
        )
    chosen = request.GET.get("plan")
    plan = next((p for p in plan_list if str(p.pk) == chosen), None) or plan_list[0]
    on = plan_as_of(plan, today)
    statuses = force_statuses(plan, on)
    lights = month_lights(plan, on)
    rows = [(fs, lights.get(fs.task_force.pk, [])) for fs in statuses]
    context = {
        "plans": plan_list,
        "plan": plan,
        "rows": rows,
        "on": on,
        "months": range(1, 13),
        "light_labels": LIGHT_LABELS,
        "is_office": bool(access.is_office(request.user, plan)),
        "can_import": _can_import(request.user),
    }
    return render(request, "supervision/board.html", context)


def _can_import(user) -> bool:
    from kechuang.core.permissions import CITY_WRITERS, role_of

    return role_of(user) in CITY_WRITERS


@login_required
def plan_detail(request, pk: int):
    plan = _plan_for(request.user, pk)
    return redirect(reverse("supervision_board") + f"?plan={plan.pk}")


@login_required
def task_force(request, pk: int):
    tf = get_object_or_404(TaskForce.objects.select_related("plan", "lead_section"), pk=pk)
    access.can_read_plan(request.user, tf.plan).enforce()
    if request.method == "POST":
        try:
            reports.comment(request.user, tf, request.POST.get("text", ""))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("批示意见已保存"))
        return redirect("supervision_task_force", pk=tf.pk)
    on = plan_as_of(tf.plan)
    views_ = milestone_views([tf], on, with_actuals=True).get(tf.pk, [])
    timeline = [
        {
            "due": v.milestone.due.isoformat(),
            "text": v.milestone.text[:60],
            "status": str(v.label),
            "colour": v.status,
        }
        for v in views_
    ]
    can_file = bool(access.can_file(request.user, tf))
    due_month = (on.year, on.month)
    context = {
        "tf": tf,
        "plan": tf.plan,
        "milestones": views_,
        "timeline": {"items": timeline, "today": on.isoformat(), "year": tf.plan.year},
        "reports": tf.reports.order_by("-month"),
        "comments": tf.comments.select_related("author", "report")[:20],
        "can_file": can_file,
        "can_comment": bool(access.can_comment(request.user, tf.plan)),
        "is_office": bool(access.is_office(request.user, tf.plan)),
        "this_month": due_month,
        "months": range(1, 13),
    }
    return render(request, "supervision/task_force.html", context)


@login_required
@require_POST
def open_report(request, pk: int, year: int, month: int):
    tf = get_object_or_404(TaskForce.objects.select_related("plan"), pk=pk)
    access.can_read_plan(request.user, tf.plan).enforce()
    try:
        report = reports.open_report(request.user, tf, year, month)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("supervision_task_force", pk=tf.pk)
    return redirect("supervision_report", pk=report.pk)


@login_required
def report(request, pk: int):
    obj = get_object_or_404(
        MonthlyReport.objects.select_related("task_force__plan", "task_force__lead_section"), pk=pk
    )
    plan = obj.task_force.plan
    access.can_read_plan(request.user, plan).enforce()
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action in ("save", "submit"):
                items = {
                    key[len("status_") :]: (
                        request.POST.get(key, ""),
                        request.POST.get("progress_" + key[len("status_") :], ""),
                    )
                    for key in request.POST
                    if key.startswith("status_")
                }
                obj = reports.save_report(
                    request.user, obj, items=items, problems=request.POST.get("problems", ""),
                    help_needed=request.POST.get("help_needed", ""), next_steps=request.POST.get("next_steps", ""),
                )  # fmt: skip
                if request.FILES.get("file"):
                    upload = request.FILES["file"]
                    reports.add_attachment(request.user, obj, upload.name, upload.read())
                if action == "submit":
                    reports.submit(request.user, obj)
                    messages.success(request, _("报告已报送领导小组办公室"))
                else:
                    messages.success(request, _("草稿已保存"))
            elif action == "return":
                reports.send_back(request.user, obj, request.POST.get("reason", ""))
                messages.success(request, _("报告已退回牵头科室修改"))
            elif action == "accept":
                reports.accept(request.user, obj, request.POST.get("reason", ""))
                messages.success(request, _("报告已审核通过"))
            elif action == "comment":
                reports.comment(request.user, obj.task_force, request.POST.get("text", ""), obj)
                messages.success(request, _("批示意见已保存"))
            else:
                messages.error(request, _("未知的操作"))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        return redirect("supervision_report", pk=obj.pk)
    context = {
        "report": obj,
        "tf": obj.task_force,
        "plan": plan,
        "items": obj.items.select_related("task", "milestone", "milestone__owner_section"),
        "attachments": obj.attachments.all(),
        "progress_choices": obj.items.model.Progress.choices,
        "can_file": bool(access.can_file(request.user, obj.task_force)) and obj.editable,
        "is_office": bool(access.is_office(request.user, plan)),
        "can_comment": bool(access.can_comment(request.user, plan)),
        "due": reports.due_date(plan, obj.year, obj.month),
        "history": history(obj),
        "comments": obj.comments.select_related("author"),
        "text_fields": [
            ("problems", _("存在问题"), obj.problems),
            ("help_needed", _("需协调解决事项"), obj.help_needed),
            ("next_steps", _("下月工作计划"), obj.next_steps),
        ],
    }
    return render(request, "supervision/report.html", context)


@login_required
def attachment(request, pk: int, att: int):
    obj = get_object_or_404(MonthlyReport.objects.select_related("task_force__plan"), pk=pk)
    access.can_read_plan(request.user, obj.task_force.plan).enforce()
    file = get_object_or_404(obj.attachments, pk=att)
    response = HttpResponse(bytes(file.content), content_type="application/octet-stream")
    from urllib.parse import quote

    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file.name)}"
    return response


@login_required
def milestone_edit(request, pk: int):
    milestone = get_object_or_404(Milestone.objects.select_related("task_force__plan"), pk=pk)
    plan = milestone.task_force.plan
    access.is_office(request.user, plan).enforce()
    form = MilestoneForm(request.POST or None, instance=milestone, indicators=indicator_choices())
    if request.method == "POST" and form.is_valid():
        form.instance._change_reason = _("领导小组办公室修改节点")
        form.save()
        messages.success(request, _("推进节点已保存"))
        return redirect("supervision_task_force", pk=milestone.task_force_id)
    return render(
        request, "supervision/milestone_form.html", {"form": form, "milestone": milestone, "plan": plan}
    )


@login_required
def task_force_edit(request, pk: int):
    tf = get_object_or_404(TaskForce.objects.select_related("plan"), pk=pk)
    access.is_office(request.user, tf.plan).enforce()
    form = TaskForceForm(request.POST or None, instance=tf)
    if request.method == "POST" and form.is_valid():
        form.instance._change_reason = _("领导小组办公室修改专班信息")
        form.save()
        messages.success(request, _("专班信息已保存"))
        return redirect("supervision_task_force", pk=tf.pk)
    return render(request, "supervision/task_force_form.html", {"form": form, "tf": tf, "plan": tf.plan})


@login_required
def office(request):
    """The office's compile-and-issue page: the month's reports, 通报, meetings, 督导 reports."""
    _require_use(request.user)
    plan_list = [p for p in _plans(request.user) if access.is_office(request.user, p)]
    if not plan_list:
        raise PermissionDenied(_("只有领导小组办公室可以审核报告、编发通报和组织推进会"))
    chosen = request.GET.get("plan") or request.POST.get("plan")
    plan = next((p for p in plan_list if str(p.pk) == chosen), None) or plan_list[0]
    today = timezone.localdate()
    default = plan_as_of(plan, today)
    year, month = _month_param(request, default)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            year, month = int(request.POST.get("year", year)), int(request.POST.get("month", month))
            if action == "bulletin":
                documents.compile_bulletin(request.user, plan, year, month)
                messages.success(request, _("%(m)s月通报已生成") % {"m": month})
            elif action == "supervision":
                documents.compile_supervision_report(request.user, plan, year, month)
                messages.success(request, _("督导专题报告已生成"))
            elif action == "meeting":
                quarter = timing.quarter_of(dt.date(year, month, 1))
                held_on = dt.date.fromisoformat(request.POST.get("held_on", ""))
                review_ = meetings.schedule(request.user, plan, year, quarter, held_on)
                return redirect("supervision_review", pk=review_.pk)
            elif action == "weights":
                assessment_service.set_weights(
                    request.user, plan, request.POST.get("w_reporting"), request.POST.get("w_milestones"),
                    request.POST.get("w_follow_ups"),
                )  # fmt: skip
                messages.success(request, _("考核权重已保存"))
            else:
                messages.error(request, _("未知的操作"))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        except ValueError:
            messages.error(request, _("日期格式应为 YYYY-MM-DD"))
        return redirect(reverse("supervision_office") + f"?plan={plan.pk}&year={year}&month={month}")
    month_reports = {
        r.task_force_id: r
        for r in MonthlyReport.objects.filter(task_force__plan=plan, year=year, month=month)
    }
    due = timing.report_due_date(year, month, plan.report_due_day) if year == plan.year else None
    rows = [(tf, month_reports.get(tf.pk)) for tf in plan.task_forces.select_related("lead_section")]
    context = {
        "plans": plan_list,
        "plan": plan,
        "year": year,
        "month": month,
        "months": range(1, 13),
        "due": due,
        "rows": rows,
        "bulletins": Bulletin.objects.filter(plan=plan).defer("content"),
        "supervision_reports": SupervisionReport.objects.filter(plan=plan).defer("content"),
        "reviews": QuarterlyReview.objects.filter(plan=plan),
        "open_follow_ups": FollowUp.objects.filter(
            review__plan=plan, status=FollowUp.Status.OPEN
        ).select_related("owner_section"),
        "weights": assessment_service.weights_of(plan),
        "quarter_end": month % 3 == 0,
        "half_year": month in (6, 12),
        "today": today,
    }
    return render(request, "supervision/office.html", context)


def _download(obj, title: str) -> HttpResponse:
    from urllib.parse import quote

    response = HttpResponse(bytes(obj.content), content_type=DOCX_TYPE)
    stamp = timezone.localtime(obj.issued_at).strftime("%Y%m%d%H%M")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'{title}-{stamp}.docx')}"
    return response


@login_required
def bulletin_download(request, pk: int):
    obj = get_object_or_404(Bulletin.objects.select_related("plan"), pk=pk)
    access.can_read_plan(request.user, obj.plan).enforce()
    return _download(obj, str(obj))


@login_required
def supervision_report_download(request, pk: int):
    obj = get_object_or_404(SupervisionReport.objects.select_related("plan"), pk=pk)
    access.can_read_plan(request.user, obj.plan).enforce()
    return _download(obj, str(obj))


def _follow_up(request, review_obj) -> FollowUp:
    pk = request.POST.get("item", "")
    if not pk.isdigit():
        raise ValidationError({"item": _("请选择督办事项")})
    return get_object_or_404(FollowUp, pk=int(pk), review=review_obj)


@login_required
def review(request, pk: int):
    obj = get_object_or_404(QuarterlyReview.objects.select_related("plan"), pk=pk)
    access.can_read_plan(request.user, obj.plan).enforce()
    is_office = bool(access.is_office(request.user, obj.plan))
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "minutes":
                decisions = [
                    {
                        "text": request.POST.get(f"decision_text_{k}", ""),
                        "section": request.POST.get(f"decision_section_{k}", ""),
                        "deadline": request.POST.get(f"decision_deadline_{k}", ""),
                    }
                    for k in range(1, 6)
                ]
                meetings.record_minutes(request.user, obj, request.POST.get("minutes", ""), decisions)
                messages.success(request, _("会议纪要已记录，决定事项已转为督办事项"))
            elif action == "agenda":
                meetings.refresh_agenda(request.user, obj)
                messages.success(request, _("议程已按最新报告更新"))
            elif action == "close":
                item = _follow_up(request, obj)
                meetings.close_follow_up(request.user, item, request.POST.get("evidence", ""))
                messages.success(request, _("督办事项已办结"))
            elif action == "reopen":
                item = _follow_up(request, obj)
                meetings.reopen_follow_up(request.user, item, request.POST.get("reason", ""))
                messages.success(request, _("督办事项已重新督办"))
            else:
                messages.error(request, _("未知的操作"))
        except ValidationError as exc:
            messages.error(request, _errors(exc))
        return redirect("supervision_review", pk=obj.pk)
    items = list(obj.follow_ups.select_related("owner_section"))
    for item in items:
        item.can_close = item.status == FollowUp.Status.OPEN and bool(
            access.can_close_follow_up(request.user, item)
        )
    context = {
        "review": obj,
        "plan": obj.plan,
        "items": items,
        "is_office": is_office,
        "sections": Section.objects.all(),
        "decision_rows": range(1, 6),
        "light_labels": LIGHT_LABELS,
        "today": timezone.localdate(),
    }
    return render(request, "supervision/review.html", context)


@login_required
def assessment(request, pk: int):
    plan = _plan_for(request.user, pk)
    on = plan_as_of(plan)
    if request.GET.get("format") == "xlsx":
        return assessment_service.export(plan, on)
    rows = assessment_service.assess(plan, on)
    return render(
        request,
        "supervision/assessment.html",
        {"plan": plan, "rows": rows, "on": on, "weights": assessment_service.weights_of(plan)},
    )


@login_required
def import_plan(request):
    if not _can_import(request.user):
        raise PermissionDenied(_("只有市局工作人员可以导入实施方案"))
    form = PlanImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        head = {
            "title": form.cleaned_data["title"],
            "year": form.cleaned_data["year"],
            "issued": form.cleaned_data["issued"],
            "office": form.cleaned_data["office"].name if form.cleaned_data["office"] else "",
            "district": form.cleaned_data["district"].name if form.cleaned_data["district"] else "",
        }
        upload = form.cleaned_data["file"]
        outcome = plans.import_xlsx(upload.read(), upload.name, head, request.user)
        if outcome.ok:
            messages.success(request, _("实施方案已导入"))
            return redirect(reverse("supervision_board") + f"?plan={outcome.plan.pk}")
    return render(
        request,
        "supervision/import.html",
        {
            "form": form,
            "outcome": outcome,
            "columns": plans.COLUMNS.values(),
            "districts": District.objects.all(),
        },
    )


@login_required
def import_template(request):
    if not _can_import(request.user):
        raise PermissionDenied(_("只有市局工作人员可以导入实施方案"))
    headers, rows = plans.template_rows()
    return xlsx_response("工作专班实施方案导入模板.xlsx", headers, rows, _("实施方案"))
