"""Pages of the expert database and of reviewer selection. Thin: the work is in services.py."""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kechuang.core import audit
from kechuang.core.imports import fail_interrupted_imports
from kechuang.core.models import AccessLog, District, ImportRun, Role
from kechuang.core.spreadsheets import xlsx_response

from . import importing, services
from .forms import DeclareForm, ExpertFilterForm, NewProfileForm, ProfileForm, RoundForm, UploadForm
from .models import Expert, SelectionRound

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def _districts(user):
    if user.is_superuser or user.role != Role.DISTRICT_STAFF:
        return District.objects.all()
    return District.objects.filter(pk=user.district_id)


def _filtered(request):
    services.can_view_experts(request.user).enforce()
    form = ExpertFilterForm(request.GET or None, districts=_districts(request.user))
    filters = form.cleaned_filters() if form.is_bound and form.is_valid() else {}
    return form, services.search_experts(request.user, **filters)


@login_required
def expert_list(request):
    form, qs = _filtered(request)
    page = Paginator(qs.prefetch_related("fields"), settings.KECHUANG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "experts/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "can_manage": bool(services.can_manage(request.user)),
        },
    )


@login_required
def expert_export(request):
    form, qs = _filtered(request)
    headers = [_("姓名"), _("工作单位"), _("所在区县"), _("职称"), _("职务"), _("学科/行业代码"),
               _("研究方向关键词"), _("可参加评审"), _("科研诚信状态"), _("入库状态")]  # fmt: skip
    rows = (
        [e.name, e.organisation.name, e.district.name if e.district else "", e.get_title_display(), e.position,
         "、".join(f.code for f in e.fields.all()), e.keywords, _("是") if e.available else _("否"),
         e.get_integrity_display(), e.get_status_display()]
        for e in qs.prefetch_related("fields").iterator(chunk_size=500)
    )  # fmt: skip
    return audit.export_response(request, _("专家名录"), _("专家名录.xlsx"), headers, rows, form=form)


@login_required
@require_http_methods(["GET", "POST"])
def expert_detail(request, pk: int):
    expert = services.get_expert(request.user, pk)
    if request.method == "POST":
        services.review_expert(
            request.user,
            expert,
            approve=request.POST.get("action") == "approve",
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("已保存审核结果"))
        return redirect("expert_detail", pk=pk)
    if request.user.pk != expert.user_id:  # an expert reading their own page is no disclosure
        audit.record(request, AccessLog.Kind.READ, _("查看专家个人信息"), expert)
    return render(
        request,
        "experts/detail.html",
        {
            "expert": expert,
            "fields": expert.fields.all(),
            "collaborations": expert.collaborations.order_by("-year"),
            "declared": expert.declared_conflicts.select_related("item"),
            "loads": services.load_history(expert),
            "can_manage": bool(services.can_manage(request.user)),
            "can_edit": bool(services.can_edit_expert(request.user, expert)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def my_profile(request):
    expert = Expert.objects.filter(user=request.user).first()
    if expert is None:
        return _new_profile(request)
    initial = {
        "disciplines": "、".join(expert.fields.filter(kind="discipline").values_list("code", flat=True)),
        "industries": "、".join(expert.fields.filter(kind="industry").values_list("code", flat=True)),
    }
    if request.method == "POST" and request.POST.get("action") == "declare":
        try:
            services.declare_organisation(
                request.user,
                expert,
                organisation=request.POST.get("organisation", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, _("已记录回避声明，今后抽取将自动回避该单位的项目"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("expert_my_profile")
    form = ProfileForm(request.POST or None, instance=expert, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = [("discipline", c) for c in form.cleaned_data["disciplines"]] + [
            ("industry", c) for c in form.cleaned_data["industries"]
        ]
        services.save_profile(request.user, form.save(commit=False), fields=fields)
        messages.success(request, _("已保存，市科技局审核后生效"))
        return redirect("expert_my_profile")
    return render(
        request,
        "experts/profile_form.html",
        {"form": form, "expert": expert, "declared": expert.declared_conflicts.filter(item__isnull=True)},
    )


def _new_profile(request):
    if request.user.role != Role.EXPERT:
        raise PermissionDenied(_("此页面仅供评审专家使用"))
    form = NewProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = [("discipline", c) for c in data["disciplines"]] + [
            ("industry", c) for c in data["industries"]
        ]
        services.apply_for_entry(
            request.user,
            form.save(commit=False),
            organisation_name=data["organisation_name"],
            district=data["district"],
            fields=fields,
        )
        messages.success(request, _("已提交入库申请，市科技局审核后生效"))
        return redirect("expert_my_profile")
    return render(request, "experts/profile_form.html", {"form": form, "expert": None})


# ------------------------------------------------------------------------------------- imports


def _upload(request) -> tuple[bytes, str] | None:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要导入的文件"))
        return None
    upload = form.cleaned_data["file"]
    if upload.size > MAX_UPLOAD_BYTES:
        messages.error(request, _("文件超过 10 MB，请拆分后分批导入"))
        return None
    return upload.read(), upload.name


def _report(outcome, columns) -> list[dict]:
    return [{**e.as_dict(), "label": importing.label_of(columns, e.column)} for e in outcome.errors[:200]]


@login_required
@require_http_methods(["GET", "POST"])
def expert_import(request):
    services.can_manage(request.user).enforce()
    fail_interrupted_imports()  # a run cut off by a restart shows as such in the list below
    context = {
        "columns": importing.EXPERT_COLUMNS.values(),
        "recent": ImportRun.objects.filter(kind=importing.EXPERT_KIND, user=request.user)[:10],
    }
    if request.method == "POST" and (upload := _upload(request)):
        outcome = importing.import_experts(*upload, request.user)
        context.update(outcome=outcome, report=_report(outcome, importing.EXPERT_COLUMNS))
    return render(request, "experts/import.html", context)


@login_required
def import_report(request, pk: int):
    """A refused upload's problems as .xlsx; only its uploader and city staff may fetch it."""
    services.can_manage(request.user).enforce()
    run = ImportRun.objects.filter(pk=pk, kind__in=(importing.EXPERT_KIND, importing.ITEM_KIND)).first()
    if run is None:
        raise Http404
    columns = importing.EXPERT_COLUMNS if run.kind == importing.EXPERT_KIND else importing.ITEM_COLUMNS
    rows = (
        [e["row"] or "", importing.label_of(columns, e["column"]), e["value"], e["rule"]] for e in run.errors
    )
    headers = [_("行号"), _("列"), _("填写的值"), _("问题说明")]
    return audit.export_response(request, _("专家导入问题报告"), _("导入问题报告.xlsx"), headers, rows)


@login_required
def expert_template(request):
    services.can_manage(request.user).enforce()
    headers, rows = importing.template_rows(importing.EXPERT_COLUMNS, importing.EXAMPLE_EXPERT)
    return xlsx_response(_("专家信息导入模板.xlsx"), headers, rows, sheet_title=_("专家信息"))


@login_required
def item_template(request):
    services.can_manage(request.user).enforce()
    headers, rows = importing.template_rows(importing.ITEM_COLUMNS, importing.EXAMPLE_ITEM)
    return xlsx_response(_("评审项目导入模板.xlsx"), headers, rows, sheet_title=_("评审项目"))


# ------------------------------------------------------------------------------------- rounds


@login_required
def round_list(request):
    services.can_view_rounds(request.user).enforce()
    return render(
        request,
        "experts/rounds.html",
        {
            "rounds": services.visible_rounds(request.user),
            "can_manage": bool(services.can_manage(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_edit(request, pk: int | None = None):
    services.can_manage(request.user).enforce()
    rnd = services.get_round(request.user, pk, manage=True) if pk else None
    if rnd is not None and not rnd.editable:
        messages.error(request, _("该批次已锁定或正在遴选，不能修改"))
        return redirect("expert_round", pk=rnd.pk)
    form = RoundForm(request.POST or None, instance=rnd)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if obj.created_by_id is None:
            obj.created_by = request.user
        try:
            services.validate_round(obj)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            obj.save()
            return redirect("expert_round", pk=obj.pk)
    return render(request, "experts/round_form.html", {"form": form, "round": rnd})


@login_required
def round_detail(request, pk: int):
    rnd = services.get_round(request.user, pk)
    done = rnd.status in (SelectionRound.Status.DONE, SelectionRound.Status.LOCKED)
    return render(
        request,
        "experts/round_detail.html",
        {
            "round": rnd,
            "items": rnd.items.select_related("district"),
            "panels": services.panels(rnd) if done else [],
            "loads": services.load_summary(rnd) if done else None,
            "record": rnd.draw_records.first(),
            "runs": rnd.draw_records.count(),
            "can_manage": bool(services.can_manage(request.user)),
            "upload_form": UploadForm(),
            "item_columns": importing.ITEM_COLUMNS.values(),
            "in_progress": rnd.status in (SelectionRound.Status.QUEUED, SelectionRound.Status.RUNNING),
        },
    )


@login_required
def round_status(request, pk: int):
    """The progress card the round page polls while the selection runs."""
    rnd = services.get_round(request.user, pk)
    running = rnd.status in (SelectionRound.Status.QUEUED, SelectionRound.Status.RUNNING)
    response = render(request, "experts/round_status.html", {"round": rnd, "in_progress": running})
    if not running:
        response["HX-Refresh"] = "true"  # the results are on the full page
    return response


@login_required
@require_POST
def round_run(request, pk: int):
    rnd = services.get_round(request.user, pk, manage=True)
    try:
        rnd = services.start_run(request.user, rnd)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect("expert_round", pk=pk)
    if rnd.status == SelectionRound.Status.FAILED:
        messages.error(request, _("遴选未成功，原因见下方说明"))
    elif rnd.status == SelectionRound.Status.DONE:
        messages.success(request, _("遴选完成，请逐项核对专家名单后锁定"))
    return redirect("expert_round", pk=pk)


@login_required
@require_POST
def round_lock(request, pk: int):
    rnd = services.get_round(request.user, pk, manage=True)
    try:
        services.lock_round(request.user, rnd)
        messages.success(request, _("专家名单已锁定，已通知相关专家"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("expert_round", pk=pk)


@login_required
@require_POST
def round_replace(request, pk: int, seat: int):
    rnd = services.get_round(request.user, pk, manage=True)
    assignment = rnd.assignments.filter(pk=seat).select_related("item", "round").first()
    if assignment is None:
        raise Http404
    try:
        taken = services.replace(request.user, assignment, reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request,
            _("已由 %(new)s 递补 %(old)s") % {"new": taken.expert.name, "old": assignment.expert.name},
        )
    return redirect("expert_round", pk=pk)


@login_required
@require_POST
def round_replay(request, pk: int):
    rnd = services.get_round(request.user, pk)
    result = services.replay_latest(rnd)
    (messages.success if result["ok"] else messages.error)(request, result["text"])
    return redirect("expert_round", pk=pk)


@login_required
@require_POST
def round_items_import(request, pk: int):
    rnd = services.get_round(request.user, pk, manage=True)
    upload = _upload(request)
    if upload is None:
        return redirect("expert_round", pk=pk)
    try:
        outcome = importing.import_items(rnd, *upload, request.user)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("expert_round", pk=pk)
    if outcome.ok:
        messages.success(request, _("已导入 %(n)s 个评审项目") % {"n": outcome.counts["created"]})
        return redirect("expert_round", pk=pk)
    return render(
        request,
        "experts/import_report.html",
        {"round": rnd, "report": _report(outcome, importing.ITEM_COLUMNS), "outcome": outcome},
    )


@login_required
def round_pdf(request, pk: int):
    rnd = services.get_round(request.user, pk)
    if rnd.status not in (SelectionRound.Status.DONE, SelectionRound.Status.LOCKED):
        raise Http404(_("该批次还没有遴选结果"))
    from .pdf import draw_record_pdf

    response = HttpResponse(draw_record_pdf(rnd), content_type="application/pdf")
    name = _("专家抽取记录-%(name)s.pdf") % {"name": rnd.name}
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


# ------------------------------------------------------------------------------------- an expert's own


@login_required
def my_assignments(request):
    if request.user.role != Role.EXPERT:
        raise PermissionDenied(_("此页面仅供评审专家使用"))
    return render(
        request,
        "experts/my_assignments.html",
        {"assignments": services.my_assignments(request.user), "form": DeclareForm()},
    )


@login_required
@require_POST
def my_declare(request, pk: int):
    assignment = services.get_my_assignment(request.user, pk)
    form = DeclareForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择是否存在利益冲突"))
        return redirect("expert_my_assignments")
    try:
        services.declare(
            request.user, assignment, conflict=form.cleaned_data["conflict"], note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("expert_my_assignments")
    if assignment.declaration == assignment.Declaration.NO_CONFLICT:
        return redirect("expert_my_item", pk=pk)
    messages.info(request, _("已记录您的回避声明，市科技局将另行安排专家"))
    return redirect("expert_my_assignments")


@login_required
def my_item(request, pk: int):
    assignment = services.get_my_assignment(request.user, pk)
    try:
        item = services.open_item(request.user, assignment)
    except PermissionDenied as exc:
        messages.warning(request, str(exc))
        return redirect("expert_my_assignments")
    return render(request, "experts/my_item.html", {"assignment": assignment, "item": item})
