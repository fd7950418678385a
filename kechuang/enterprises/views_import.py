"""Pages of the yearly-facts import: the upload page (with its per-row report or its summary), the
empty template as .xlsx/.csv, and a run's report as .xlsx. The work itself is in ``importing``."""

from pathlib import Path
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kechuang.core import audit
from kechuang.core.imports import fail_interrupted_imports
from kechuang.core.models import ImportRun, Role
from kechuang.core.spreadsheets import XLSX_TYPE, Column

from . import importing, tasks

MAX_UPLOAD_BYTES = 60 * 1024 * 1024  # a 100,000-row .csv is about 22 MB
# Above this size the import runs in the background and the page follows its progress.
BACKGROUND_BYTES = 512 * 1024
SHOWN_ERRORS = 200  # on the page; the downloadable report holds them all


def _visible_run(user, pk: int) -> ImportRun:
    """A run is seen by whoever uploaded it, and by city staff; others get 404 (no hint it exists)."""
    run = get_object_or_404(ImportRun, pk=pk, kind=importing.KIND)
    city = user.is_superuser or user.role in (Role.ADMIN, Role.BUREAU_STAFF)
    if run.user_id != user.pk and not city:
        raise Http404
    return run


def _run_context(run: ImportRun) -> dict:
    errors = run.errors or []
    shown = [{**e, "label": importing.LABELS_ZH.get(e["column"], e["column"])} for e in errors[:SHOWN_ERRORS]]
    counts = run.counts or {}
    total = run.progress_total or 0
    return {
        "run": run,
        "finished": run.status in (ImportRun.Status.ACCEPTED, ImportRun.Status.REFUSED),
        "errors": shown,
        "error_count": len(errors),
        "more_errors": max(0, len(errors) - SHOWN_ERRORS),
        "counts": counts,
        "affected": counts.get("enterprises", []),
        "percent": int(100 * run.progress_done / total) if total else None,
    }


@login_required
@require_http_methods(["GET", "POST"])
def facts_import(request):
    importing.can_import(request.user).enforce()
    if request.method == "POST":
        return _upload(request)
    if request.GET.get("export") == "xlsx":
        return _export_runs(request)
    # The page the uploader watches is where a run cut off by a restart must show up as such.
    fail_interrupted_imports()
    context = {
        "recent": ImportRun.objects.filter(kind=importing.KIND, user=request.user)[:10],
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
    }
    if run_id := request.GET.get("run", "").strip():
        if not run_id.isdigit():
            raise Http404
        context.update(_run_context(_visible_run(request.user, int(run_id))))
        if request.headers.get("HX-Request"):
            return render(request, "enterprises/import_run.html", context)
    return render(request, "enterprises/import.html", context)


def _export_runs(request):
    """The import log as .xlsx: one's own runs, or every run for city staff."""
    user = request.user
    runs = ImportRun.objects.filter(kind=importing.KIND).select_related("user")
    if not (user.is_superuser or user.role in (Role.ADMIN, Role.BUREAU_STAFF)):
        runs = runs.filter(user=user)
    headers = [
        Column(_("导入时间"), "datetime"),
        _("导入人"),
        _("文件名"),
        Column(_("数据行数"), "int"),
        _("结果"),
    ]
    headers += [
        Column(label, "int")
        for label in (
            _("问题数"),
            _("新增企业"),
            _("更新企业"),
            _("新增年度数据"),
            _("更新年度数据"),
            _("未变化年度数据"),
        )
    ]

    def rows():
        for run in runs.iterator(chunk_size=500):
            c = run.counts or {}
            yield [
                run.created_at,
                str(run.user or _("命令行")),
                run.filename,
                run.rows,
                run.get_status_display(),
                len(run.errors or []),
                *(c.get(k) for k in ("enterprises_created", "enterprises_updated")),
                *(c.get(k) for k in ("facts_created", "facts_updated", "facts_unchanged")),
            ]

    return audit.export_response(
        request, _("年度数据导入记录"), _("年度数据导入记录.xlsx"), headers, rows(), sheet_title=_("导入记录")
    )


def _upload(request):
    upload = request.FILES.get("file")
    problem = None
    if upload is None:
        problem = _("请选择要导入的文件")
    elif Path(upload.name).suffix.lower() not in (".xlsx", ".csv"):
        problem = _("只支持 .xlsx 和 .csv 文件，请用下载的模板填写")
    elif upload.size > MAX_UPLOAD_BYTES:
        problem = _("文件超过 %(mb)s MB，请拆分后分批导入") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}
    if problem:
        context = {
            "problem": problem,
            "recent": ImportRun.objects.filter(kind=importing.KIND, user=request.user)[:10],
            "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        }
        return render(request, "enterprises/import.html", context, status=400)
    data = upload.read()
    name = Path(upload.name).name
    if len(data) > BACKGROUND_BYTES:
        run = importing.start_import(data, name, request.user, status=ImportRun.Status.QUEUED)
        tasks.run_facts_import(run.pk)
    else:
        run = importing.import_facts(data, name, request.user).run
    # Post/redirect/get: reloading the result page never uploads the file again.
    return redirect(f"{reverse('facts_import')}?run={run.pk}")


@login_required
def facts_template(request, fmt: str):
    if fmt == "xlsx":
        response = HttpResponse(importing.template_xlsx_bytes(), content_type=XLSX_TYPE)
        filename = _("年度数据导入模板.xlsx")
    elif fmt == "csv":
        response = HttpResponse(importing.template_csv_bytes(), content_type="text/csv; charset=utf-8")
        filename = _("年度数据导入模板.csv")
    else:
        raise Http404
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def import_report(request, pk: int):
    if not importing.can_import(request.user):
        raise PermissionDenied(importing.can_import(request.user).reason)
    run = _visible_run(request.user, pk)
    return audit.export_response(
        request,
        _("年度数据导入问题报告"),
        _("导入问题报告_%(pk)s.xlsx") % {"pk": run.pk},
        importing.report_headers(),
        importing.report_rows(run.errors or []),
        sheet_title=_("问题清单"),
    )
