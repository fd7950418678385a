"""Programme pages. Thin: permissions, validation and workflow live in services.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core.spreadsheets import xlsx_response

from . import services
from .forms import ApplicationForm, CallForm, DecisionForm
from .models import Application


def _add_errors(form, exc: ValidationError) -> None:
    pairs = exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
    for field, errors in pairs:
        target = {"requested_yuan": "requested_wan", "budget_cap_yuan": "budget_cap_wan"}.get(field, field)
        if target.startswith("form_data."):
            target = "f_" + target.removeprefix("form_data.")
        target = target if target in form.fields else None
        for error in errors:
            form.add_error(target, error if target or field == "__all__" else f"{field}：{error}")


def _page(request, qs):
    return Paginator(qs, settings.KECHUANG_PAGE_SIZE).get_page(request.GET.get("page"))


# ------------------------------------------------------------------------------------------ calls


def call_list(request):
    calls = services.visible_calls(request.user)
    return render(
        request,
        "programs/call_list.html",
        {"page": _page(request, calls), "can_manage": services.can_manage(request.user).allowed},
    )


def call_detail(request, pk: int):
    call = get_object_or_404(services.visible_calls(request.user), pk=pk)
    user = request.user
    mine = None
    if services.can_apply(user):
        mine = call.applications.filter(applicant_id=user.organisation_id).order_by("-pk")
    return render(
        request,
        "programs/call_detail.html",
        {
            "call": call,
            "can_manage": services.can_manage(user).allowed,
            "can_apply": services.can_apply(user).allowed and call.is_open_on(timezone.localdate()),
            "mine": mine,
            "cap_wan": services.wan(call.cap_yuan()),
            "transitions": call.transitions.select_related("actor") if services.can_manage(user) else [],
        },
    )


@login_required
def call_new(request):
    services.can_manage(request.user).enforce()
    form = CallForm(
        request.POST or None,
        initial={
            "year": timezone.localdate().year,
            "form_schema": services.DEFAULT_SCHEMA,
            "eligibility": "high_tech",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            call = services.save_call(request.user, form.service_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("申报通知已保存为草稿"))
            return redirect("programme_call_detail", call.pk)
    return render(request, "programs/call_form.html", {"form": form})


@login_required
@require_POST
def call_transition(request, pk: int, action: str):
    call = get_object_or_404(services.visible_calls(request.user), pk=pk)
    try:
        if action == "publish":
            services.publish_call(request.user, call)
            messages.success(request, _("申报通知已发布"))
        elif action == "close":
            services.close_call(request.user, call, request.POST.get("reason", ""))
            messages.success(request, _("申报通知已截止"))
        else:
            raise ValidationError({"action": _("未知的操作")})
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for e in errors:
                messages.error(request, e)
    return redirect("programme_call_detail", call.pk)


# ----------------------------------------------------------------------------------- applications


@login_required
def apply(request, call_pk: int | None = None, pk: int | None = None):
    """Create (``call_pk``) or edit (``pk``) the enterprise's draft; the buttons save or submit."""
    user = request.user
    services.can_apply(user).enforce()
    app = services.get_application(user, pk) if pk else None
    call = app.call if app else get_object_or_404(services.visible_calls(user), pk=call_pk)
    form = ApplicationForm(
        request.POST or None,
        schema=call.form_schema,
        initial=ApplicationForm.initial_for(app) if app else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            app = services.save_draft(user, call, form.service_data(), app)
            if request.POST.get("action") == "submit":
                app = services.submit(user, app)
        except ValidationError as exc:
            _add_errors(form, exc)
            # The draft may have been saved before the submit was refused: the page then posts to
            # the draft's edit address so a second try does not start another draft.
            if app is not None and app.pk:
                messages.warning(request, _("草稿已保存，但提交未通过校验，请修改后再提交"))
        else:
            messages.success(
                request, _("申报已提交") if app.status == Application.Status.SUBMITTED else _("草稿已保存")
            )
            return redirect("programme_application_detail", app.pk)
    return render(request, "programs/apply.html", {"form": form, "call": call, "app": app})


@login_required
def application_list(request):
    qs = services.visible_applications(request.user)
    status = request.GET.get("status", "")
    if status in Application.Status.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "programs/application_list.html",
        {"page": _page(request, qs), "statuses": Application.Status.choices, "status": status},
    )


HEADERS = [
    "编号",
    "申报通知",
    "申报单位",
    "区县",
    "项目名称",
    "申请金额（万元）",
    "实施期（月）",
    "状态",
    "提交时间",
]


@login_required
def application_export(request):
    qs = services.visible_applications(request.user)
    return xlsx_response(
        f"项目申报_{timezone.localdate():%Y%m%d}.xlsx",
        [_(h) for h in HEADERS],
        services.export_rows(qs.order_by("pk")),
        sheet_title=_("项目申报"),
    )


@login_required
def application_detail(request, pk: int):
    user = request.user
    app = services.get_application(user, pk)
    fields = [
        (prop.get("title", name), app.form_data.get(name, ""))
        for name, prop in app.call.form_schema.get("properties", {}).items()
    ]
    return render(
        request,
        "programs/application_detail.html",
        {
            "app": app,
            "fields": fields,
            "findings": app.findings.all(),
            "transitions": app.transitions.select_related("actor"),
            "can_manage": services.can_manage(user).allowed,
            "is_owner": services.can_apply(user).allowed and app.applicant_id == user.organisation_id,
            "decision_form": DecisionForm(),
            "requested_wan": services.wan(app.requested_yuan),
        },
    )


@login_required
@require_POST
def application_action(request, pk: int, action: str):
    user = request.user
    app = services.get_application(user, pk)
    try:
        if action == "check":
            findings = services.formal_check(user, app)
            messages.info(request, _("形式审查完成：%(n)s项问题") % {"n": sum(not f.ok for f in findings)})
        elif action in services.DECISIONS:
            services.decide(user, app, action, request.POST.get("reason", ""))
            messages.success(request, _("已记录形式审查结论"))
        elif action == "revise":
            services.revise(user, app)
            return redirect("programme_application_edit", app.pk)
        else:
            raise ValidationError({"action": _("未知的操作")})
    except ValidationError as exc:
        for errors in exc.message_dict.values():
            for e in errors:
                messages.error(request, e)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("programme_application_detail", app.pk)
