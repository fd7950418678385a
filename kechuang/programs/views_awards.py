"""Award pages (thin: the use-cases live in services/awards.py, the documents in exports.py)."""

from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from kechuang.core import audit
from kechuang.core.forms import DateInput
from kechuang.core.models import AccessLog

from . import exports, services, workflow
from .models import AuditFinding, Award, Call, Milestone, Objection, Tranche
from .services import awards as svc
from .views_common import flash, page

WIDGET = {"class": "form-control form-control-sm"}
DATE = DateInput(attrs=WIDGET)
CONTRACT_ROWS = 4


class ObjectionForm(forms.Form):
    name = forms.CharField(label=_l("提出人"), max_length=100, widget=forms.TextInput(attrs=WIDGET))
    contact = forms.CharField(label=_l("联系方式"), max_length=100, widget=forms.TextInput(attrs=WIDGET))
    text = forms.CharField(
        label=_l("异议内容"), max_length=4000, widget=forms.Textarea(attrs={**WIDGET, "rows": 3})
    )


class ProposeForm(forms.Form):
    budget_wan = forms.DecimalField(
        label=_l("本批资金总额（万元）"),
        min_value=Decimal("0.01"),
        decimal_places=2,
        widget=forms.NumberInput(attrs=WIDGET),
    )
    max_awards = forms.IntegerField(
        label=_l("立项数上限（可空）"), min_value=1, required=False, widget=forms.NumberInput(attrs=WIDGET)
    )


def _wan_to_yuan(value) -> Decimal:
    try:
        return (Decimal(str(value).strip()) * services.WAN).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount_yuan": _("金额须为数字（万元）")}) from None


# ----------------------------------------------------------------------------------------- lists


@login_required
def award_list(request):
    user = request.user
    qs = svc.visible_awards(user).order_by("-call__year", "call_id", "rank", "pk")
    call_id = request.GET.get("call", "")
    if call_id.isdigit():
        qs = qs.filter(call_id=int(call_id))
    status = request.GET.get("status", "")
    if status in Award.Status.values:
        qs = qs.filter(status=status)
    can_manage = svc.can_manage(user).allowed
    calls = Call.objects.filter(awards__in=svc.visible_awards(user)).distinct().order_by("-year", "-pk")
    pending_calls = (
        Call.objects.filter(status__in=[Call.Status.REVIEWING, Call.Status.AWARDING]).order_by("-year", "-pk")
        if services.role_of(user) in services.CITY_READERS
        else []
    )
    return render(
        request,
        "programs/awards/list.html",
        {
            "tab": "awards",
            "page": page(request, qs),
            "statuses": Award.Status.choices,
            "status": status,
            "calls": calls,
            "call_id": call_id,
            "pending_calls": pending_calls,
            "can_manage": can_manage,
        },
    )


@login_required
def call_awards(request, pk: int):
    """The call's approval list: the ranking with what the allocation would do, the form that proposes
    it, and the notice and approval steps of every award of the call."""
    user = request.user
    if services.role_of(user) not in services.CITY_READERS:
        raise PermissionDenied(_("只有市局可以查看立项办理页面"))
    call = get_object_or_404(Call.objects.select_related("programme_type"), pk=pk)
    form = ProposeForm(
        request.GET or None,
        initial={
            "budget_wan": services.wan(call.total_budget_yuan) if call.total_budget_yuan else None,
            "max_awards": call.max_awards,
        },
    )
    plan, ranking_error = [], ""
    if call.status == Call.Status.REVIEWING:
        try:
            ranking = svc._ranking(call)
        except Exception as exc:  # the review stage may not be ready; say so instead of failing
            ranking, ranking_error = [], str(exc)
        preview = Call(pk=call.pk, programme_type=call.programme_type, year=call.year)
        preview.max_awards = call.max_awards
        preview.total_budget_yuan = call.total_budget_yuan
        if form.is_bound and form.is_valid():
            preview.total_budget_yuan = form.cleaned_data["budget_wan"] * services.WAN
            preview.max_awards = form.cleaned_data["max_awards"]
        plan = svc.plan_awards(preview, ranking)
    awards = list(
        call.awards.select_related("application__applicant", "replaces__application").order_by("rank", "pk")
    )
    waitlist = call.applications.filter(status="waitlisted").order_by("waitlist_rank")
    return render(
        request,
        "programs/awards/call.html",
        {
            "tab": "awards",
            "call": call,
            "form": form,
            "plan": plan,
            "ranking_error": ranking_error,
            "awards": awards,
            "waitlist": waitlist,
            "free_wan": services.wan(svc.free_budget(call)),
            "committed_wan": services.wan(svc.committed(call)),
            "budget_wan": services.wan(call.total_budget_yuan),
            "passing": svc.PASSING_SCORE,
            "can_manage": svc.can_manage(user).allowed,
            "can_approve": svc.can_approve(user).allowed,
            "transitions": workflow.history(call),
        },
    )


@login_required
@require_POST
def call_award_action(request, pk: int, action: str):
    user = request.user
    call = get_object_or_404(Call, pk=pk)
    try:
        if action == "propose":
            form = ProposeForm(request.POST)
            if not form.is_valid():
                raise ValidationError({k: v for k, v in form.errors.items()})
            plan = svc.propose_awards(
                user,
                call,
                total_budget_yuan=form.cleaned_data["budget_wan"] * services.WAN,
                max_awards=form.cleaned_data["max_awards"],
            )
            counts = {k: sum(p["outcome"] == k for p in plan) for k in ("award", "waitlist", "reject")}
            messages.success(
                request,
                _("已拟定立项名单：拟立项%(award)s项，递补候选%(waitlist)s项，未立项%(reject)s项") % counts,
            )
        elif action == "notice":
            done = svc.start_notice(user, call)
            messages.success(request, _("%(n)s个项目开始公示") % {"n": len(done)})
        elif action == "approve":
            done, skipped = svc.approve_all(user, call)
            if done:
                messages.success(request, _("%(n)s个项目已正式立项") % {"n": len(done)})
            for s in skipped:
                messages.warning(request, s)
            if not done and not skipped:
                messages.info(request, _("没有公示中的项目"))
        elif action == "finish":
            svc.finish_awarding(user, call)
            messages.success(request, _("本通知立项工作已完成"))
        else:
            raise ValidationError({"action": _("未知的操作")})
    except (ValidationError, PermissionDenied) as exc:
        flash(request, exc)
    return redirect("programme_call_awards", call.pk)


@login_required
def award_export(request, pk: int):
    call = get_object_or_404(Call, pk=pk)
    awards = svc.visible_awards(request.user).filter(call=call)
    data = exports.award_list_xlsx(call, awards)
    audit.record(request, AccessLog.Kind.EXPORT, _("立项名单"), call, rows=awards.count())
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    filename = _("立项名单_%(t)s.xlsx") % {"t": call.title}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# ---------------------------------------------------------------------------------------- detail


def _contract_rows():
    return range(1, CONTRACT_ROWS + 1)


CHECK_RESULTS = {"pass": _l("通过"), "rectify": _l("限期整改"), "fail": _l("不通过")}


def _checks(award):
    checks = list(award.checks.select_related("by"))
    for c in checks:
        c.result_label = CHECK_RESULTS.get(c.result, c.result)
    return checks


@login_required
def award_detail(request, pk: int):
    user = request.user
    award = svc.get_award(user, pk)
    can_manage = svc.can_manage(user).allowed
    owner = svc.is_owner(user, award)
    milestones = list(award.milestones.all())
    tranches = list(award.tranches.select_related("milestone"))
    paid = sum((t.amount_yuan for t in tranches if t.status == Tranche.Status.PAID), Decimal(0))
    today = timezone.localdate()
    return render(
        request,
        "programs/awards/detail.html",
        {
            "tab": "awards",
            "award": award,
            "app": award.application,
            "amount_wan": services.wan(award.amount_yuan),
            "requested_wan": services.wan(award.application.requested_yuan),
            "paid_wan": services.wan(paid),
            "milestones": milestones,
            "tranches": [(t, services.wan(t.amount_yuan)) for t in tranches],
            "checks": _checks(award),
            "findings": award.audit_findings.all(),
            "objections": award.objections.all() if can_manage else [],
            "replaced_by": award.replaced_by.all(),
            "transitions": workflow.history(award),
            "can_manage": can_manage,
            "can_approve": svc.can_approve(user).allowed,
            "is_owner": owner,
            "notice_over": award.notice_ends is not None and today > award.notice_ends,
            "rows": _contract_rows(),
            "today": today,
            "grade_bands": svc.GRADE_BANDS,
            "severities": AuditFinding.Severity.choices,
            "running": award.status in svc.RUNNING,
        },
    )


def _sign_data(post) -> dict:
    milestones, index = [], {}
    for i in _contract_rows():
        title = post.get(f"ms_title_{i}", "").strip()
        if not title:
            continue
        index[str(i)] = len(milestones)
        milestones.append(
            {
                "title": title,
                "deliverable": post.get(f"ms_deliverable_{i}", ""),
                "due_on": post.get(f"ms_due_{i}"),
            }
        )
    tranches = []
    for i in _contract_rows():
        amount = post.get(f"tr_amount_{i}", "").strip()
        if not amount:
            continue
        ms = post.get(f"tr_milestone_{i}", "").strip()
        if ms and ms not in index:
            raise ValidationError({"tranches": _("第%(i)s批拨付条件所选的节点未填写") % {"i": i}})
        tranches.append({"amount_yuan": _wan_to_yuan(amount), "milestone": index.get(ms)})
    return {
        "contract_no": post.get("contract_no", ""),
        "signed_on": post.get("signed_on") or None,
        "starts_on": post.get("starts_on") or None,
        "ends_on": post.get("ends_on") or None,
        "milestones": milestones,
        "tranches": tranches,
    }


def _part(model, award, value):
    """The award's milestone, tranche, objection or finding named by a posted id (404 if malformed)."""
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise Http404(_("未找到该记录"))
    return get_object_or_404(model, pk=int(value), award=award)


@login_required
@require_POST
def award_action(request, pk: int, action: str):
    user = request.user
    award = svc.get_award(user, pk)
    post = request.POST
    try:
        if action == "adjust":
            svc.adjust_amount(user, award, _wan_to_yuan(post.get("amount_wan", "")), post.get("reason", ""))
            messages.success(request, _("支持金额已调整"))
        elif action == "approve":
            svc.approve(user, award)
            messages.success(request, _("已正式立项"))
        elif action == "sign":
            svc.sign(user, award, **_sign_data(post))
            messages.success(request, _("合同已签订"))
        elif action == "milestone":
            ms = _part(Milestone, award, post.get("milestone"))
            svc.mark_milestone(user, ms, post.get("status", ""), post.get("note", ""), post.get("on") or None)
            messages.success(request, _("已登记节点完成情况"))
        elif action == "report_milestone":
            ms = _part(Milestone, award, post.get("milestone"))
            svc.report_milestone(user, ms, post.get("note", ""), post.get("done_on") or None)
            messages.success(request, _("已报告节点完成情况，待市局确认"))
        elif action == "pay":
            tr = _part(Tranche, award, post.get("tranche"))
            svc.pay_tranche(user, tr, post.get("paid_on") or None)
            messages.success(request, _("已登记拨付"))
        elif action == "midterm":
            svc.midterm(
                user, award, post.get("result", ""), post.get("opinion", ""), post.get("held_on") or None,
                post.get("deadline") or None,
            )  # fmt: skip
            messages.success(request, _("已记录中期检查结论"))
        elif action == "acceptance":
            result = post.get("result", "")
            if result not in ("pass", "fail"):
                raise ValidationError({"result": _("验收结论须为“通过”或“不通过”")})
            svc.acceptance(
                user, award, result == "pass", post.get("opinion", ""), post.get("held_on") or None
            )
            messages.success(request, _("已记录验收结论"))
        elif action == "evaluate":
            award = svc.evaluate(
                user, award, post.get("score", ""), post.get("opinion", ""), post.get("held_on") or None
            )
            messages.success(request, _("绩效评价等级：%(g)s") % {"g": award.grade})
        elif action == "exit":
            out = svc.exit_award(user, award, post.get("reason", ""))
            messages.success(
                request, _("项目已退出，停止拨付%(a)s万元") % {"a": services.wan(out["withheld_yuan"])}
            )
            messages.info(request, out["message"])
        elif action == "objection":
            obj = _part(Objection, award, post.get("objection"))
            out = svc.handle_objection(user, obj, post.get("decision", ""), post.get("response", ""))
            messages.success(request, _("异议已处理"))
            if out["message"]:
                messages.info(request, out["message"])
        elif action == "finding":
            svc.record_finding(
                user, award, auditor=post.get("auditor", ""), found_on=post.get("found_on") or None,
                severity=post.get("severity", ""), text=post.get("text", ""),
                amount_yuan=_wan_to_yuan(post["amount_wan"]) if post.get("amount_wan", "").strip() else None,
            )  # fmt: skip
            messages.success(request, _("已登记审计发现"))
        elif action in ("respond", "resolve"):
            finding = _part(AuditFinding, award, post.get("finding"))
            if action == "respond":
                svc.respond_finding(user, finding, post.get("response", ""))
                messages.success(request, _("已填写整改情况"))
            else:
                svc.resolve_finding(user, finding)
                messages.success(request, _("已确认整改完毕"))
        else:
            raise ValidationError({"action": _("未知的操作")})
    except (ValidationError, PermissionDenied) as exc:
        flash(request, exc)
    return redirect("programme_award_detail", award.pk)


@login_required
def award_notice_docx(request, pk: int):
    award = svc.get_award(request.user, pk)
    if award.status in (Award.Status.PROPOSED, Award.Status.IN_NOTICE, Award.Status.CANCELLED):
        raise PermissionDenied(_("正式立项后才能出具立项通知书"))
    response = HttpResponse(exports.award_notice_docx(award), content_type=exports.DOCX_TYPE)
    filename = _("立项通知书_%(t)s.docx") % {"t": award.application.title}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def application_pdf(request, pk: int):
    app = services.get_application(request.user, pk)
    response = HttpResponse(exports.application_pdf(app), content_type="application/pdf")
    audit.record(request, AccessLog.Kind.DOWNLOAD, _("下载申报书"), app)
    filename = _("申报书_%(t)s.pdf") % {"t": app.title}
    response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(filename)}"
    return response


# ---------------------------------------------------------------------------------- public notice


def notices(request):
    """The public notice page (立项公示): open to everyone, listing only awards in notice."""
    rows = [(a, services.wan(a.amount_yuan)) for a in svc.notice_awards()]
    return render(
        request,
        "programs/awards/notices.html",
        {"tab": "notices", "rows": rows, "form": ObjectionForm(), "today": timezone.localdate()},
    )


@require_POST
def object_to(request, pk: int):
    award = get_object_or_404(svc.notice_awards(), pk=pk)
    form = ObjectionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError({k: v for k, v in form.errors.items()})
        svc.submit_objection(request.user, award, **form.cleaned_data)
    except ValidationError as exc:
        flash(request, exc)
    else:
        messages.success(request, _("异议已提交，我们将依规核查并答复"))
    return redirect("programme_notices")


urlpatterns = [
    path("applications/<int:pk>/pack.pdf", application_pdf, name="programme_application_pdf"),
    path("awards/", award_list, name="programme_awards"),
    path("awards/<int:pk>/", award_detail, name="programme_award_detail"),
    path("awards/<int:pk>/do/<slug:action>/", award_action, name="programme_award_action"),
    path("awards/<int:pk>/notice.docx", award_notice_docx, name="programme_award_notice_docx"),
    path("awards/calls/<int:pk>/", call_awards, name="programme_call_awards"),
    path("awards/calls/<int:pk>/do/<slug:action>/", call_award_action, name="programme_call_award_action"),
    path("awards/calls/<int:pk>/export.xlsx", award_export, name="programme_award_export"),
    path("notices/", notices, name="programme_notices"),
    path("notices/<int:pk>/object/", object_to, name="programme_notice_object"),
]
