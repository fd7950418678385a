"""Pages of the platforms app. Thin: each checks, calls one service and renders."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit
from kechuang.core.spreadsheets import Column, xlsx_response
from kechuang.programs import workflow
from kechuang.programs.models import Call

from . import exports, importing, reports, services
from .forms import (
    DecideForm,
    EvaluateForm,
    FilterForm,
    GraduateForm,
    ImportForm,
    IncubatorForm,
    OpenYearForm,
    PlatformForm,
    ReasonForm,
    RecognitionCallForm,
    ReportFilterForm,
    ReportForm,
    TenantForm,
)
from .models import AnnualReport, Incubator, Platform, Tenant

MAX_UPLOAD = 10 * 1024 * 1024


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, "；".join(exc.messages))


def _bind_errors(form, exc: ValidationError) -> None:
    for name, errs in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        form.add_error(name if name in form.fields else None, errs)


def _page(request, qs):
    return Paginator(qs, settings.KECHUANG_PAGE_SIZE).get_page(request.GET.get("page"))


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# ------------------------------------------------------------------------------------- platforms


@login_required
def platform_list(request):
    services.can_view_registry(request.user).enforce()
    form = FilterForm(request.GET or None, districts=services.visible_districts(request.user))
    qs = services.search_platforms(request.user, **form.filters())
    return render(
        request,
        "platforms/list.html",
        {
            "form": form, "page": _page(request, qs), "query": _query(request),
            "can_manage": services.can_manage(request.user),
        },
    )  # fmt: skip


@login_required
def platform_export(request):
    services.can_view_registry(request.user).enforce()
    form = FilterForm(request.GET or None, districts=services.visible_districts(request.user))
    qs = services.search_platforms(request.user, **form.filters())
    columns, rows = exports.platform_rows(qs)
    return audit.export_response(request, _("创新平台名录"), _("创新平台名录.xlsx"), columns, rows, form=form)


@login_required
def platform_detail(request, pk: int):
    platform = services.get_platform(request.user, pk)
    return render(
        request,
        "platforms/detail.html",
        {
            "p": platform,
            "reports": platform.reports.order_by("-year"),
            "trail": workflow.history(platform),
            "history": platform.history.select_related("history_user")[:20],
            "can_manage": services.can_manage(request.user),
            "reason_form": ReasonForm(),
        },
    )


def _edit(request, form_class, save, template: str, record=None, initial=None):
    services.can_manage(request.user).enforce()
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(request.user, form.cleaned_data, record)
        except ValidationError as exc:
            _bind_errors(form, exc)
        else:
            messages.success(request, _("已保存"))
            return obj
    return render(request, template, {"form": form, "record": record})


@login_required
def platform_edit(request, pk: int | None = None):
    record = services.get_platform(request.user, pk) if pk else None
    initial = {name: getattr(record, name) for name in services.PLATFORM_FIELDS} if record else None
    out = _edit(request, PlatformForm, services.save_platform, "platforms/form.html", record, initial)
    if isinstance(out, Platform):
        return redirect("platforms_detail", out.pk)
    return out


@login_required
@require_POST
def platform_withdraw(request, pk: int):
    platform = services.get_platform(request.user, pk)
    try:
        services.withdraw(request.user, platform, request.POST.get("reason", ""))
        messages.success(request, _("已撤销该平台的认定资格"))
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("platforms_detail", pk)


@login_required
def platform_chart(request):
    services.can_view_registry(request.user).enforce()
    return render(request, "platforms/chart.html", {"data": services.chart_data(request.user)})


@login_required
def platform_import(request):
    services.can_manage(request.user).enforce()
    form = ImportForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            messages.error(request, _("文件超过 10 MB，请拆分后分批导入"))
        else:
            outcome = importing.import_platforms(upload.read(), upload.name, request.user)
            if outcome.ok:
                messages.success(
                    request,
                    _("导入成功：新增%(c)s个，更新%(u)s个，未变化%(n)s个")
                    % {
                        "c": outcome.counts["created"],
                        "u": outcome.counts["updated"],
                        "n": outcome.counts["unchanged"],
                    },
                )
            else:
                messages.error(
                    request,
                    _("文件未导入：发现%(n)s处问题，请按下表修改后重新上传") % {"n": len(outcome.errors)},
                )
    return render(
        request,
        "platforms/import.html",
        {"form": form, "outcome": outcome, "columns": importing.COLUMNS.values()},
    )


@login_required
def platform_template(request):
    services.can_manage(request.user).enforce()
    headers, rows = importing.template_rows()
    return xlsx_response(
        _("创新平台名录导入模板.xlsx"), [Column(h) for h in headers], rows, sheet_title=_("创新平台")
    )


# ------------------------------------------------------------------------------------ incubators


@login_required
def incubator_list(request):
    services.can_view_registry(request.user).enforce()
    form = FilterForm(
        request.GET or None, districts=services.visible_districts(request.user), kinds=Incubator.Kind.choices
    )
    qs = services.search_incubators(request.user, **form.filters())
    return render(
        request,
        "platforms/incubators.html",
        {
            "form": form,
            "page": _page(request, qs),
            "query": _query(request),
            "can_manage": services.can_manage(request.user),
        },
    )


@login_required
def incubator_export(request):
    services.can_view_registry(request.user).enforce()
    form = FilterForm(
        request.GET or None, districts=services.visible_districts(request.user), kinds=Incubator.Kind.choices
    )
    columns, rows = exports.incubator_rows(services.search_incubators(request.user, **form.filters()))
    return audit.export_response(request, _("孵化载体名录"), _("孵化载体名录.xlsx"), columns, rows, form=form)


@login_required
def incubator_detail(request, pk: int):
    incubator = services.get_incubator(request.user, pk)
    can_manage = services.can_manage(request.user)
    tenant_form = TenantForm(request.POST or None)
    if request.method == "POST":
        can_manage.enforce()
        if tenant_form.is_valid():
            try:
                services.add_tenant(
                    request.user,
                    incubator,
                    tenant_form.cleaned_data["enterprise"],
                    tenant_form.cleaned_data["entered_on"],
                )
                messages.success(request, _("已登记在孵企业"))
                return redirect("platforms_incubator_detail", pk)
            except ValidationError as exc:
                _bind_errors(tenant_form, exc)
    tenants = incubator.tenants.select_related("enterprise__organisation")
    return render(
        request,
        "platforms/incubator_detail.html",
        {
            "i": incubator, "tenants": tenants, "tenant_form": tenant_form, "graduate_form": GraduateForm(),
            "reports": incubator.reports.order_by("-year"), "trail": workflow.history(incubator),
            "can_manage": can_manage, "in_incubation": sum(1 for t in tenants if not t.graduated_on),
        },
    )  # fmt: skip


@login_required
@require_POST
def tenant_graduate(request, pk: int):
    tenant = Tenant.objects.filter(pk=pk).first()
    if tenant is None:
        raise PermissionDenied(_("未找到该在孵企业"))
    services.get_incubator(request.user, tenant.incubator_id)
    form = GraduateForm(request.POST)
    if form.is_valid():
        try:
            services.graduate(request.user, tenant, form.cleaned_data["graduated_on"])
            messages.success(request, _("已登记毕业"))
        except ValidationError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("请填写毕业日期"))
    return redirect("platforms_incubator_detail", tenant.incubator_id)


@login_required
def incubator_edit(request, pk: int | None = None):
    record = services.get_incubator(request.user, pk) if pk else None
    initial = {name: getattr(record, name) for name in services.INCUBATOR_FIELDS} if record else None
    out = _edit(request, IncubatorForm, services.save_incubator, "platforms/form.html", record, initial)
    if isinstance(out, Incubator):
        return redirect("platforms_incubator_detail", out.pk)
    return out


# --------------------------------------------------------------------------------------- reports


@login_required
def report_list(request):
    services.can_view_registry(request.user).enforce()
    form = ReportFilterForm(request.GET or None)
    qs = reports.visible_reports(request.user)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["year"]:
            qs = qs.filter(year=data["year"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["subject"]:
            qs = qs.filter(
                **{"platform__isnull" if data["subject"] == "platform" else "incubator__isnull": False}
            )
    can_manage = services.can_manage(request.user)
    open_form = OpenYearForm(initial={"year": timezone.localdate().year - 1})
    evaluate_form = EvaluateForm(initial={"year": timezone.localdate().year - 1})
    if request.method == "POST":
        can_manage.enforce()
        action = request.POST.get("action")
        if action == "open":
            open_form = OpenYearForm(request.POST)
            if open_form.is_valid():
                try:
                    n = reports.open_year(
                        request.user, open_form.cleaned_data["year"], open_form.cleaned_data["due_on"]
                    )
                    messages.success(request, _("已开始报送，新建%(n)s份年度报告并通知各依托单位") % {"n": n})
                    return redirect("platforms_reports")
                except ValidationError as exc:
                    _bind_errors(open_form, exc)
        elif action == "evaluate":
            evaluate_form = EvaluateForm(request.POST)
            if evaluate_form.is_valid():
                try:
                    done = reports.evaluate(
                        request.user,
                        evaluate_form.cleaned_data["year"],
                        evaluate_form.cleaned_data["subject"],
                    )
                    messages.success(request, _("已完成评价：%(n)s份报告已评分定级") % {"n": len(done)})
                    return redirect(f"{request.path}?status=graded")
                except ValidationError as exc:
                    _bind_errors(evaluate_form, exc)
    qs = qs.order_by("-year", "status", "pk")
    return render(
        request,
        "platforms/reports.html",
        {
            "form": form, "page": _page(request, qs), "query": _query(request), "can_manage": can_manage,
            "open_form": open_form, "evaluate_form": evaluate_form, "bands": reports.bands(),
        },
    )  # fmt: skip


@login_required
def report_detail(request, pk: int):
    report = reports.get_report(request.user, pk)
    system = reports.indicators(report.subject)
    can_file = reports.can_file(request.user, report)
    editable = can_file and report.status in (AnnualReport.Status.DRAFT, AnnualReport.Status.RETURNED)
    initial = {f"f_{k}": v for k, v in report.figures.items()} | {"summary": report.summary}
    form = ReportForm(request.POST or None, system=system, initial=initial)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied(_("当前状态不能修改，或您不是该报告的填报单位"))
        if form.is_valid():
            try:
                report = reports.save_report(
                    request.user, report, form.figures(), form.cleaned_data["summary"]
                )
                if request.POST.get("submit"):
                    reports.submit_report(request.user, report)
                    messages.success(request, _("年度报告已提交"))
                else:
                    messages.success(request, _("已保存第%(v)s版") % {"v": report.version})
                return redirect("platforms_report_detail", pk)
            except ValidationError as exc:
                _bind_errors(form, exc)
    rows = [(ind, report.figures.get(ind.code)) for ind in system]
    decide_form = DecideForm(initial={"decision": reports.suggested_decision(report)})
    return render(
        request,
        "platforms/report_detail.html",
        {
            "r": report, "carrier": report.carrier, "form": form, "editable": editable, "rows": rows,
            "can_manage": services.can_manage(request.user), "decide_form": decide_form, "reason_form": ReasonForm(),
            "trail": workflow.history(report), "versions": report.history.select_related("history_user")[:10],
        },
    )  # fmt: skip


@login_required
@require_POST
def report_review(request, pk: int):
    """The bureau accepts a submitted report, sends it back, or decides on a graded one."""
    report = reports.get_report(request.user, pk)
    action = request.POST.get("action")
    try:
        if action == "accept":
            reports.accept(request.user, report)
            messages.success(request, _("已审核通过"))
        elif action == "send_back":
            reports.send_back(request.user, report, request.POST.get("reason", ""))
            messages.success(request, _("已退回修改"))
        elif action == "decide":
            form = DecideForm(request.POST)
            if not form.is_valid():
                raise ValidationError({"decision": _("请选择处理结果")})
            reports.decide(request.user, report, form.cleaned_data["decision"], form.cleaned_data["opinion"])
            messages.success(request, _("已作出处理"))
        else:
            raise ValidationError({"action": _("未知的操作")})
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("platforms_report_detail", pk)


@login_required
def report_export(request):
    services.can_view_registry(request.user).enforce()
    columns, rows = exports.report_rows(reports.visible_reports(request.user).order_by("-year", "pk"))
    return audit.export_response(
        request, _("年度报告与评价结果"), _("年度报告与评价结果.xlsx"), columns, rows
    )


@login_required
def evaluation_system(request):
    services.can_view_registry(request.user).enforce()
    from .models import EvaluationIndicator

    return render(
        request,
        "platforms/system.html",
        {"indicators": EvaluationIndicator.objects.all(), "bands": reports.bands()},
    )


# ----------------------------------------------------------------------------------- recognition


@login_required
def recognition(request):
    services.can_manage(request.user).enforce()
    today = timezone.localdate()
    form = RecognitionCallForm(
        request.POST or None,
        initial={"year": today.year, "title": _("%(y)s年度创新平台认定申报通知") % {"y": today.year}},
    )
    if request.method == "POST" and form.is_valid():
        try:
            call = services.open_recognition_call(request.user, **form.cleaned_data)
            messages.success(request, _("已建立认定通知草稿，请送审指南并发布"))
            return redirect("programme_call_detail", call.pk)
        except ValidationError as exc:
            _bind_errors(form, exc)
    calls = Call.objects.filter(programme_type__code=services.RECOGNITION_TYPE["code"]).order_by(
        "-year", "-pk"
    )
    return render(request, "platforms/recognition.html", {"form": form, "calls": calls})
