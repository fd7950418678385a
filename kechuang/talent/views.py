"""Pages of the talent app. Thin: each checks, calls one service and renders."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import audit
from kechuang.core.spreadsheets import Column
from kechuang.programs import workflow

from . import services
from .forms import (
    AppointmentForm,
    AssessForm,
    CommissionerAssessForm,
    CommissionerForm,
    ReasonForm,
    RenewForm,
    ServiceLogForm,
    WorkLogForm,
    YearForm,
)
from .models import Appointment, ForeignExpertProject, TalentPool


def _bind(form, exc: ValidationError) -> None:
    for name, errs in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        form.add_error(name if name in form.fields else None, errs)


def _page(request, qs):
    return Paginator(qs, settings.KECHUANG_PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def appointment_list(request):
    qs = services.visible_appointments(request.user).order_by("-starts_on", "pk")
    return render(
        request,
        "talent/appointments.html",
        {
            "page": _page(request, qs),
            "query": "",
            "can_manage": services.can_manage(request.user),
            "tab": "vp",
        },
    )


@login_required
def appointment_export(request):
    qs = services.visible_appointments(request.user).order_by("pk")
    columns = [Column(_("姓名")), Column(_("职称")), Column(_("派出单位")), Column(_("聘任企业")), Column(_("区县")),
               Column(_("专业领域")), Column(_("任期开始"), "date"), Column(_("任期结束"), "date"), Column(_("状态")),
               Column(_("企业考核等级")), Column(_("合作项目（项）"), "int"), Column(_("申请专利（件）"), "int"),
               Column(_("解决技术难题（项）"), "int")]  # fmt: skip
    rows = (
        [a.person, a.title, a.institute.name, a.enterprise.organisation.name, a.enterprise.organisation.district.name,
         a.tech_field, a.starts_on, a.ends_on, a.get_status_display(), a.get_grade_display(), a.projects, a.patents,
         a.demands_solved]
        for a in qs
    )  # fmt: skip
    return audit.export_response(request, _("科技副总名单"), _("科技副总名单.xlsx"), columns, rows)


@login_required
def appointment_new(request):
    services.can_manage(request.user).enforce()
    form = AppointmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            a = services.appoint(request.user, form.cleaned_data)
            messages.success(request, _("已登记聘任"))
            return redirect("talent_appointment_detail", a.pk)
        except ValidationError as exc:
            _bind(form, exc)
    enterprise = (
        form.cleaned_data.get("enterprise") if form.is_bound and hasattr(form, "cleaned_data") else None
    )
    suggestions = services.candidates(enterprise) if enterprise else []
    return render(
        request, "talent/appointment_form.html", {"form": form, "suggestions": suggestions, "tab": "vp"}
    )


@login_required
def appointment_detail(request, pk: int):
    a = services.get_appointment(request.user, pk)
    today = timezone.localdate()
    log_form = WorkLogForm(initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1})
    assess_form = AssessForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "log":
                log_form = WorkLogForm(request.POST)
                if log_form.is_valid():
                    d = log_form.cleaned_data
                    services.add_work_log(request.user, a, d["year"], d["quarter"], d["days"], d["content"])
                    messages.success(request, _("工作日志已保存"))
                    return redirect("talent_appointment_detail", pk)
            elif action == "assess":
                assess_form = AssessForm(request.POST)
                if assess_form.is_valid():
                    d = assess_form.cleaned_data
                    services.assess(request.user, a, d["grade"], d["opinion"], projects=d["projects"],
                                    patents=d["patents"], demands_solved=d["demands_solved"])  # fmt: skip
                    messages.success(request, _("考核结果已保存"))
                    return redirect("talent_appointment_detail", pk)
            elif action == "renew":
                form = RenewForm(request.POST)
                if not form.is_valid():
                    raise ValidationError({"ends_on": _("请填写新任期结束日期")})
                new = services.renew(request.user, a, form.cleaned_data["ends_on"])
                messages.success(request, _("已续聘"))
                return redirect("talent_appointment_detail", new.pk)
            elif action == "end":
                services.end(request.user, a, request.POST.get("reason", ""))
                messages.success(request, _("已办理期满（解聘）"))
                return redirect("talent_appointment_detail", pk)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    return render(
        request,
        "talent/appointment_detail.html",
        {
            "a": a, "logs": a.logs.all(), "log_form": log_form, "assess_form": assess_form,
            "renew_form": RenewForm(), "reason_form": ReasonForm(), "can_log": services.can_log(request.user, a),
            "can_assess": services.can_assess(request.user, a) and a.status == Appointment.Status.SERVING,
            "can_manage": services.can_manage(request.user), "trail": workflow.history(a), "tab": "vp",
        },
    )  # fmt: skip


@login_required
def commissioner_list(request):
    form = YearForm(request.GET or None)
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or timezone.localdate().year
    qs = services.visible_commissioners(request.user)
    return render(
        request,
        "talent/commissioners.html",
        {
            "page": _page(request, qs), "query": "", "year": year, "counts": services.commissioner_counts(request.user, year),
            "can_manage": services.can_manage(request.user), "tab": "commissioners",
        },
    )  # fmt: skip


@login_required
def commissioner_export(request):
    qs = services.visible_commissioners(request.user).order_by("pk")
    columns = [Column(_("名称")), Column(_("类型")), Column(_("人数"), "int"), Column(_("所在单位")), Column(_("服务区县")),
               Column(_("服务对象类型")), Column(_("服务对象")), Column(_("服务领域")), Column(_("选派日期"), "date"),
               Column(_("服务期满"), "date")]  # fmt: skip
    rows = (
        [c.name, c.get_kind_display(), c.members, c.organisation.name if c.organisation_id else "", c.district.name,
         c.get_served_kind_display(), c.served_name, c.tech_field, c.starts_on, c.ends_on]
        for c in qs
    )  # fmt: skip
    return audit.export_response(request, _("科技特派员名单"), _("科技特派员名单.xlsx"), columns, rows)


@login_required
def commissioner_new(request):
    services.can_manage(request.user).enforce()
    form = CommissionerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            c = services.save_commissioner(request.user, form.cleaned_data)
            messages.success(request, _("已登记科技特派员"))
            return redirect("talent_commissioner_detail", c.pk)
        except ValidationError as exc:
            _bind(form, exc)
    return render(request, "talent/commissioner_form.html", {"form": form, "tab": "commissioners"})


@login_required
def commissioner_detail(request, pk: int):
    c = services.get_commissioner(request.user, pk)
    log_form, assess_form = (
        ServiceLogForm(),
        CommissionerAssessForm(initial={"year": timezone.localdate().year - 1}),
    )
    if request.method == "POST":
        try:
            if request.POST.get("action") == "log":
                log_form = ServiceLogForm(request.POST)
                if log_form.is_valid():
                    services.add_service_log(
                        request.user, c, log_form.cleaned_data["served_on"], log_form.cleaned_data["content"]
                    )
                    messages.success(request, _("服务日志已保存"))
                    return redirect("talent_commissioner_detail", pk)
            else:
                assess_form = CommissionerAssessForm(request.POST)
                if assess_form.is_valid():
                    d = assess_form.cleaned_data
                    services.assess_commissioner(request.user, c, d["year"], d["grade"], d["comment"])
                    messages.success(request, _("考核结果已保存"))
                    return redirect("talent_commissioner_detail", pk)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    return render(
        request,
        "talent/commissioner_detail.html",
        {
            "c": c, "logs": c.logs.all()[:50], "assessments": c.assessments.all(), "log_form": log_form,
            "assess_form": assess_form, "can_log": services.can_log_service(request.user, c),
            "can_manage": services.can_manage(request.user), "tab": "commissioners",
        },
    )  # fmt: skip


@login_required
def foreign(request):
    projects = ForeignExpertProject.objects.select_related("host__district").prefetch_related("visits")[:200]
    return render(request, "talent/foreign.html", {"projects": projects, "tab": "foreign"})


@login_required
def pools(request):
    return render(
        request,
        "talent/pools.html",
        {"pools": TalentPool.objects.prefetch_related("members__organisation"), "tab": "pools"},
    )
