"""Pages of the indicators app. Thin: each checks, calls one service and renders."""

from decimal import Decimal
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kechuang.core import audit
from kechuang.core.models import AccessLog, District, ImportRun
from kechuang.core.spreadsheets import XLSX_TYPE, xlsx_bytes

from .models import RecomputeRun, Report, Target
from .services import cockpit as cockpit_service
from .services import compute, reports, targets
from .tasks import queue_recompute

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
def cockpit(request):
    cockpit_service.require_view(request.user)
    data = cockpit_service.cockpit(
        request.user,
        year=_int(request.GET.get("year")),
        district_id=_int(request.GET.get("district")),
        code=request.GET.get("indicator", "")[:48],
    )
    data["chart"] = {
        "trend": data["trend"],
        "map": data["map"],
        "unit": cockpit_service.chart_unit(data["chosen"].unit) if data["chosen"] else "",
        "indicator": data["chosen"].name if data["chosen"] else "",
        "showMap": bool(data["map"]),
    }
    data["run"] = compute.latest_run()
    data["computed_at"] = compute.last_computed()
    data["can_recompute"] = targets.can_set_targets(request.user).allowed
    data["can_report"] = reports.can_make(request.user).allowed
    return render(request, "indicators/cockpit.html", data)


@login_required
@require_POST
def recompute(request):
    targets.can_set_targets(request.user).enforce()
    run = queue_recompute()
    messages.success(request, _("已开始重新计算全部指标（第 %(n)s 次计算）") % {"n": run.pk})
    return redirect(f"{reverse('indicators_cockpit')}?run={run.pk}")


@login_required
def recompute_status(request, pk: int):
    cockpit_service.require_view(request.user)
    run = get_object_or_404(RecomputeRun, pk=pk)
    return render(request, "indicators/_run.html", {"run": run})


@login_required
@require_http_methods(["GET", "POST"])
def target_list(request):
    cockpit_service.require_view(request.user)
    year = _int(request.GET.get("year")) or cockpit_service.default_year()
    context = {"year": year, "can_edit": targets.can_set_targets(request.user).allowed}
    if request.method == "POST":
        targets.can_set_targets(request.user).enforce()
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, _("请选择要导入的目标文件（.xlsx 或 .csv）"))
        elif upload.size > targets_max_bytes():
            messages.error(request, _("文件超过 5 MB，请拆分后分批导入"))
        else:
            run = targets.import_targets(request.user, upload.read(), upload.name)
            context["run"] = run
            if run.status == ImportRun.Status.ACCEPTED:
                c = run.counts
                messages.success(
                    request,
                    _("目标已导入：新增 %(a)s 条，更新 %(b)s 条，未变 %(c)s 条")
                    % {"a": c["created"], "b": c["updated"], "c": c["unchanged"]},
                )
            else:
                messages.error(request, _("文件有误，未导入任何目标，请按下表修改后重新上传"))
    districts = cockpit_service.visible_districts(request.user)
    qs = Target.objects.filter(year=year).select_related("indicator", "district")
    if cockpit_service.role_of(request.user) == "district_staff":
        qs = qs.filter(district_id=request.user.district_id)
    context["targets"] = qs.order_by("indicator__order", "district__order", "kind")
    context["years"] = sorted({*Target.objects.values_list("year", flat=True).distinct(), year}, reverse=True)
    context["splittable"] = Target.objects.filter(year=year, district=None).select_related("indicator")
    context["districts"] = districts
    return render(request, "indicators/targets.html", context)


def targets_max_bytes() -> int:
    return 5 * 1024 * 1024


@login_required
def target_template(request):
    cockpit_service.require_view(request.user)
    data = xlsx_bytes(targets.template_columns(), targets.template_rows(), sheet_title=_("指标目标"))
    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(_('指标目标导入模板') + '.xlsx')}"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def target_split(request, pk: int):
    targets.can_set_targets(request.user).enforce()
    city = get_object_or_404(Target.objects.select_related("indicator"), pk=pk, district=None)
    districts = list(District.objects.all())
    existing = {
        t.district_id: t.value
        for t in Target.objects.filter(
            indicator=city.indicator, year=city.year, kind=city.kind, district__isnull=False
        )
    }
    suggestion = targets.suggest_split(
        city.indicator, city.value, targets.split_weights(city.indicator, city.year, districts)
    )
    values = {d.pk: existing.get(d.pk, suggestion.get(d.pk)) for d in districts}
    errors = {}
    if request.method == "POST":
        parts = {}
        for d in districts:
            raw = request.POST.get(f"d{d.pk}", "").strip()
            try:
                parts[d.pk] = targets.parse_value(raw, city.indicator.unit) if raw else Decimal(0)
            except ValueError as exc:
                errors[d.pk] = f"{d.name}：{exc}"
            values[d.pk] = raw
        if not errors:
            try:
                targets.split_target(request.user, city.indicator, city.year, city.kind, parts)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("已将全市目标分解下达到 %(n)s 个区县") % {"n": len(parts)})
                return redirect(f"{reverse('indicators_targets')}?year={city.year}")
    rows = [{"district": d, "value": values.get(d.pk), "error": errors.get(d.pk)} for d in districts]
    check = targets.check_split(city.indicator, city.value, {k: v for k, v in existing.items()})
    return render(
        request,
        "indicators/split.html",
        {"city": city, "rows": rows, "check": check, "errors": list(errors.values())},
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_list(request):
    cockpit_service.require_view(request.user)
    if request.method == "POST":
        reports.can_make(request.user).enforce()
        try:
            report = reports.make_report_from_form(request.user, request.POST)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("已生成%(name)s") % {"name": reports.title(report)})
            return redirect("indicators_reports")
    return render(
        request,
        "indicators/reports.html",
        {"reports": Report.objects.all()[:36], "can_make": reports.can_make(request.user).allowed},
    )


@login_required
def report_file(request, pk: int, fmt: str):
    cockpit_service.require_view(request.user)
    report = get_object_or_404(Report, pk=pk)
    name = reports.title(report)
    if fmt == "docx":
        data, ctype, filename = bytes(report.docx), DOCX_TYPE, f"{name}.docx"
    elif fmt == "xlsx":
        data, ctype, filename = bytes(report.xlsx), XLSX_TYPE, f"{name}.xlsx"
    else:
        raise Http404
    audit.record(request, AccessLog.Kind.DOWNLOAD, name, report)
    response = HttpResponse(data, content_type=ctype)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def cockpit_export(request):
    """The cockpit's tables (cards and ranking) as .xlsx."""
    cockpit_service.require_view(request.user)
    year = _int(request.GET.get("year")) or cockpit_service.default_year()
    columns, rows = reports.table_rows(request.user, year, district_id=_int(request.GET.get("district")))
    return audit.export_response(request, _("指标监测表"), _("指标监测表.xlsx"), columns, rows)
