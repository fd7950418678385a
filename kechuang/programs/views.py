"""Programme pages. Thin: permissions, validation and workflow live in services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kechuang.core import audit
from kechuang.core.money import show_wan
from kechuang.core.spreadsheets import Column

from . import services
from .forms import (
    ApplicationForm,
    AttachmentForm,
    AttachmentKindFormSet,
    CallForm,
    DecisionForm,
    FormFieldFormSet,
    FormFieldRowForm,
    ReasonForm,
    RubricFormSet,
)
from .models import Application, Call
from .services.formschema import schema_to_rows, show_answer
from .views_common import add_errors, flash, page

WAN_FIELDS = {
    "requested_yuan": "requested_wan",
    "budget_cap_yuan": "budget_cap_wan",
    "total_budget_yuan": "total_budget_wan",
    "suggested_yuan": "suggested_wan",
}


def _add_errors(form, exc: ValidationError) -> None:
    add_errors(form, exc, WAN_FIELDS)


# ------------------------------------------------------------------------------------------ calls


def call_list(request):
    calls = services.visible_calls(request.user)
    return render(
        request,
        "programs/call_list.html",
        {"page": page(request, calls), "can_manage": services.can_manage(request.user).allowed},
    )


def call_detail(request, pk: int):
    call = get_object_or_404(services.visible_calls(request.user), pk=pk)
    user = request.user
    mine = None
    if services.can_apply(user):
        mine = call.applications.filter(applicant_id=user.organisation_id).order_by("-pk")
    can_manage = services.can_manage(user).allowed
    city = services.role_of(user) in services.CITY_READERS
    return render(
        request,
        "programs/call_detail.html",
        {
            "call": call,
            "eligibility": services.eligibility_names(call),
            "can_manage": can_manage,
            "can_approve": call.status == Call.Status.IN_REVIEW
            and services.can_approve_guide(user, call).allowed,
            "can_apply": services.can_apply(user).allowed and call.is_open_on(timezone.localdate()),
            "mine": mine,
            "cap_wan": services.wan(call.cap_yuan()),
            "total_wan": services.wan(call.total_budget_yuan),
            "transitions": call.transitions.select_related("actor", "content_type") if city else [],
            "reason_form": ReasonForm(),
            "ideas": call.ideas.select_related("organisation") if city else [],
        },
    )


def _call_form(request, call: Call | None):
    services.can_manage(request.user).enforce()
    if call is not None and call.status != Call.Status.DRAFT:
        messages.error(request, _("只有草稿状态的申报通知可以修改"))
        return redirect("programme_call_detail", call.pk)
    initial = (
        CallForm.initial_for(call)
        if call
        else {
            "year": timezone.localdate().year,
            "eligibility": ["high_tech"],
            "notice_days": 5,
            "needs_endorsement": True,
        }
    )
    form = CallForm(request.POST or None, initial=initial)
    rubric = RubricFormSet(
        request.POST or None, prefix="rubric", initial=call.rubric if call else services.DEFAULT_RUBRIC
    )
    kinds = AttachmentKindFormSet(
        request.POST or None,
        prefix="kinds",
        initial=call.attachment_kinds if call else services.DEFAULT_ATTACHMENT_KINDS,
    )
    fields = FormFieldFormSet(
        request.POST or None,
        prefix="fields",
        initial=[
            FormFieldRowForm.initial_for(r)
            for r in schema_to_rows(call.form_schema if call else services.DEFAULT_SCHEMA)
        ],
    )
    if request.method == "POST" and all(
        [form.is_valid(), rubric.is_valid(), kinds.is_valid(), fields.is_valid()]
    ):
        try:
            data = form.service_data(rubric.rubric(), kinds.attachment_kinds(), fields.schema)
            call = services.save_call(request.user, data, call)
        except ValidationError as exc:
            # The editors' rules are the service's too: its message goes above the editor it concerns.
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
            for key, formset in (("rubric", rubric), ("attachment_kinds", kinds), ("form_schema", fields)):
                formset._non_form_errors.extend(errors.pop(key, []))
            if errors:
                _add_errors(form, ValidationError(errors))
        else:
            messages.success(request, _("申报通知已保存为草稿"))
            return redirect("programme_call_detail", call.pk)
    return render(
        request,
        "programs/call_form.html",
        {"form": form, "call": call, "rubric": rubric, "kinds": kinds, "fields": fields},
    )


@login_required
@require_POST
def form_preview(request):
    """The application form as the applicant will see it, from the builder's rows as they stand
    (htmx, no page reload). Only staff who may edit calls see it; nothing is saved."""
    services.can_manage(request.user).enforce()
    fields = FormFieldFormSet(request.POST, prefix="fields")
    if fields.is_valid():
        # Prefixed: the preview sits inside the call form, whose own 标题 must keep its id.
        context = {"form": ApplicationForm(schema=fields.schema, prefix="preview")}
    else:
        context = {"errors": fields.row_errors()}
    return render(request, "programs/_form_preview.html", context)


@login_required
def call_new(request):
    return _call_form(request, None)


@login_required
def call_edit(request, pk: int):
    return _call_form(request, get_object_or_404(services.visible_calls(request.user), pk=pk))


CALL_ACTIONS = {
    "send_for_review": (lambda u, c, r: services.send_for_review(u, c), gettext_lazy("指南已送审")),
    "approve": (lambda u, c, r: services.approve_call(u, c, r), gettext_lazy("指南已审定")),
    "send_back": (lambda u, c, r: services.send_back(u, c, r), gettext_lazy("指南已退回修改")),
    "publish": (lambda u, c, r: services.publish_call(u, c), gettext_lazy("申报通知已发布")),
    "close": (lambda u, c, r: services.close_call(u, c, r), gettext_lazy("申报通知已截止")),
}


@login_required
@require_POST
def call_transition(request, pk: int, action: str):
    call = get_object_or_404(services.visible_calls(request.user), pk=pk)
    if action not in CALL_ACTIONS:
        messages.error(request, _("未知的操作"))
        return redirect("programme_call_detail", call.pk)
    run, done = CALL_ACTIONS[action]
    try:
        run(request.user, call, request.POST.get("reason", ""))
    except ValidationError as exc:
        flash(request, exc)
    else:
        messages.success(request, done)
    return redirect("programme_call_detail", call.pk)


# ----------------------------------------------------------------------------------- applications


@login_required
def apply(request, call_pk: int | None = None, pk: int | None = None):
    """Create (``call_pk``) or edit (``pk``) the applicant's draft; the buttons save or submit. A
    saved draft also carries its attachments (uploaded on this page) and co-applicants."""
    user = request.user
    services.can_apply(user).enforce()
    app = services.get_application(user, pk) if pk else None
    call = app.call if app else get_object_or_404(services.visible_calls(user), pk=call_pk)
    if app is not None and app.applicant_id != user.organisation_id:
        raise PermissionDenied(_("只能修改本单位的申报项目"))
    form = ApplicationForm(
        request.POST or None,
        schema=call.form_schema,
        initial=ApplicationForm.initial_for(app) if app else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            app = services.save_draft(user, call, form.service_data(), app, form.co_applicants_chosen())
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
            if request.POST.get("action") == "save_and_attach":
                return redirect("programme_application_edit", app.pk)
            return redirect("programme_application_detail", app.pk)
    return render(request, "programs/apply.html", _apply_context(form, call, app))


def _apply_context(form, call, app, attachment_form=None) -> dict:
    attachments = list(app.attachments.all()) if app and app.pk else []
    for a in attachments:
        a.kind_label = services.kind_name(call, a.kind)
    return {
        "form": form,
        "call": call,
        "app": app,
        "attachments": attachments,
        "attachment_form": attachment_form or AttachmentForm(kinds=call.attachment_kinds),
        "missing": services.missing_attachments(app) if app and app.pk else [],
        "max_mb": services.max_attachment_bytes() // (1024 * 1024),
    }


@login_required
@require_POST
def attachment_upload(request, pk: int):
    user = request.user
    app = services.get_application(user, pk)
    form = AttachmentForm(request.POST, request.FILES, kinds=app.call.attachment_kinds)
    if form.is_valid():
        try:
            att = services.add_attachment(user, app, form.cleaned_data["kind"], form.cleaned_data["file"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("附件“%(n)s”已上传") % {"n": att.name})
            return redirect("programme_application_edit", app.pk)
    app_form = ApplicationForm(
        schema=app.call.form_schema,
        initial=ApplicationForm.initial_for(app),
    )
    return render(request, "programs/apply.html", _apply_context(app_form, app.call, app, form), status=400)


@login_required
@require_POST
def attachment_delete(request, pk: int):
    att = services.get_attachment(request.user, pk)
    try:
        services.delete_attachment(request.user, att)
    except ValidationError as exc:
        flash(request, exc)
    else:
        messages.success(request, _("附件已删除"))
    return redirect("programme_application_edit", att.application_id)


@login_required
def attachment_download(request, pk: int):
    att = services.get_attachment(request.user, pk)
    return FileResponse(
        att.file.open("rb"), as_attachment=True, filename=att.name, content_type=att.content_type
    )


@login_required
def application_list(request):
    qs = services.visible_applications(request.user)
    status = request.GET.get("status", "")
    if status in Application.Status.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "programs/application_list.html",
        {"page": page(request, qs), "statuses": Application.Status.choices, "status": status},
    )


HEADERS = [
    ("编号", "text"),
    ("申报通知", "text"),
    ("申报单位", "text"),
    ("区县", "text"),
    ("项目名称", "text"),
    ("申请金额（万元）", "wan_yuan"),
    ("实施期（月）", "int"),
    ("状态", "text"),
    ("提交时间", "datetime"),
]


@login_required
def application_export(request):
    qs = services.visible_applications(request.user)
    return audit.export_response(
        request,
        _("项目申报"),
        f"项目申报_{timezone.localdate():%Y%m%d}.xlsx",
        [Column(_(h), kind) for h, kind in HEADERS],
        services.export_rows(qs.order_by("pk")),
    )


@login_required
def application_detail(request, pk: int):
    user = request.user
    app = services.get_application(user, pk)
    fields = []
    for name, prop in services.ordered_properties(app.call.form_schema):
        value = app.form_data.get(name, "")
        if services.is_money(name, prop) and value not in ("", None):
            fields.append((services.money_title(prop.get("title", name)), f"{show_wan(value)} {_('万元')}"))
        else:
            fields.append((prop.get("title", name), show_answer(value)))
    attachments = list(app.attachments.all())
    for a in attachments:
        a.kind_label = services.kind_name(app.call, a.kind)
    can_manage = services.can_manage(user).allowed
    reviewed = app.status in REVIEW_OR_LATER
    city = services.role_of(user) in services.CITY_READERS
    is_owner = services.can_apply(user).allowed and app.applicant_id == user.organisation_id
    return render(
        request,
        "programs/application_detail.html",
        {
            "app": app,
            "fields": fields,
            "findings": app.findings.all(),
            "transitions": app.transitions.select_related("actor", "content_type"),
            "can_manage": can_manage,
            "can_check": can_manage and services.ready_for_formal_check(app),
            "can_endorse": app.status == Application.Status.SUBMITTED
            and app.call.needs_endorsement
            and services.can_endorse(user, app).allowed,
            "is_owner": is_owner,
            "decision_form": DecisionForm(),
            "reason_form": ReasonForm(),
            "requested_wan": show_wan(app.requested_yuan),
            "attachments": attachments,
            "co_applicants": app.co_applicants.all(),
            # The review feedback is the applicant's and the bureau's only (services.review.feedback).
            "show_feedback": reviewed and (city or is_owner),
            "show_pdf": reviewed or city,
        },
    )


REVIEW_OR_LATER = {
    Application.Status.IN_REVIEW,
    Application.Status.REVIEWED,
    Application.Status.AWARDED,
    Application.Status.WAITLISTED,
    Application.Status.REJECTED,
}


@login_required
def endorsement_list(request):
    """待推荐: the district's queue."""
    qs = services.endorsement_queue(request.user)
    return render(request, "programs/application_endorsements.html", {"page": page(request, qs)})


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
        elif action == "endorse":
            services.endorse(user, app, request.POST.get("reason", ""))
            messages.success(request, _("已推荐"))
        elif action == "decline_endorsement":
            services.decline_endorsement(user, app, request.POST.get("reason", ""))
            messages.success(request, _("已记录不予推荐"))
        elif action == "revise":
            services.revise(user, app)
            return redirect("programme_application_edit", app.pk)
        else:
            raise ValidationError({"action": _("未知的操作")})
    except (ValidationError, PermissionDenied) as exc:
        flash(request, exc)
    return redirect("programme_application_detail", app.pk)
