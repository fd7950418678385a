"""Evaluation pages: systems and their editor, running an evaluation, the ranking, selection rounds.
Thin: each view checks, calls one service and renders."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit
from kechuang.core.spreadsheets import Column

from . import forms_evaluation as forms
from .models.evaluation import IndicatorSystem, SelectionEntry
from .services_evaluation import ranking, scoring, selection, systems


def _require_view(user) -> None:
    if not systems.can_view(user):
        raise PermissionDenied(_("当前角色无权查看企业评价"))


def _errors(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def home(request):
    _require_view(request.user)
    systems.ensure_builtin()
    return render(
        request,
        "cultivation/evaluation/home.html",
        {
            "systems": ranking.system_rows(),
            "run_form": forms.RunForm(initial={"year": ranking.default_year()}),
            "can_manage": systems.can_manage(request.user),
        },
    )


@login_required
@require_POST
def run(request):
    systems.require_manage(request.user)
    form = forms.RunForm(request.POST)
    if not form.is_valid():
        for field, errs in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errs)}")
        return redirect("cultivation_eval_home")
    try:
        done = scoring.run(form.cleaned_data["system"], form.cleaned_data["year"], request.user)
    except ValidationError as exc:
        _errors(request, exc)
        return redirect("cultivation_eval_home")
    messages.success(
        request, _("已完成%(y)s年度评价，共%(n)s家企业参评") % {"y": done.year, "n": done.scored}
    )
    return redirect(f"{_url('cultivation_eval_scores')}?system={done.system_id}&year={done.year}")


def _url(name, *args):
    from django.urls import reverse

    return reverse(name, args=args)


@login_required
def system_detail(request, pk: int):
    _require_view(request.user)
    system = get_object_or_404(IndicatorSystem.objects.prefetch_related("indicators"), pk=pk)
    return render(
        request,
        "cultivation/evaluation/system.html",
        {
            "system": system,
            "rows": ranking.indicator_rows(system),
            "runs": system.runs.order_by("-year"),
            "versions": IndicatorSystem.objects.filter(code=system.code).order_by("-version"),
            "can_manage": systems.can_manage(request.user),
        },
    )


@login_required
def system_edit(request, pk: int | None = None):
    systems.require_manage(request.user)
    base = get_object_or_404(IndicatorSystem, pk=pk) if pk else None
    initial = (
        {
            "code": base.code,
            "name": base.name,
            "description": base.description,
            "weight_method": base.weight_method,
            "composite_method": base.composite_method,
            "normalisation": base.normalisation,
            "subjective_share": base.subjective_share,
        }
        if base
        else {}
    )
    rows = forms.initial_rows(base)
    if request.method == "POST":
        form = forms.SystemForm(request.POST, initial=initial, fixed_code=base is not None)
        rows = forms.rows_from_post(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            code = data.pop("code")
            if base is None and IndicatorSystem.objects.filter(code=code).exists():
                form.add_error("code", _("体系代码“%(c)s”已被使用，请换一个") % {"c": code})
            else:
                try:
                    system = systems.save_version(request.user, code=code, rows=rows, **data)
                except ValidationError as exc:
                    form.add_error(None, exc.message_dict.get("indicators", exc.messages))
                else:
                    messages.success(request, _("已保存为第%(v)s版") % {"v": system.version})
                    return redirect("cultivation_eval_system", pk=system.pk)
        rows = rows + forms.initial_rows(None)[: max(0, forms.BLANK_ROWS - 1)]
    else:
        form = forms.SystemForm(initial=initial, fixed_code=base is not None)
    return render(
        request,
        "cultivation/evaluation/system_edit.html",
        {"form": form, "rows": rows, "formulas": forms.formulas(), "base": base},
    )


@login_required
def scores(request):
    _require_view(request.user)
    listing = ranking.listing(request.user, request.GET)
    if listing is None:
        messages.info(request, _("尚无评价结果，请先发起评价"))
        return redirect("cultivation_eval_home")
    page = Paginator(listing["rows"], 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "cultivation/evaluation/scores.html", {**listing, "page": page, "query": query.urlencode()}
    )


@login_required
def scores_export(request):
    _require_view(request.user)
    listing = ranking.listing(request.user, request.GET)
    if listing is None:
        raise PermissionDenied(_("尚无评价结果"))
    columns = [
        Column(_("全市排名"), "int"),
        Column(_("企业名称")),
        Column(_("统一社会信用代码")),
        Column(_("所属区县")),
        Column(_("综合得分"), "number"),
        Column(_("区县内排名"), "int"),
        Column(_("行业内排名"), "int"),
    ]
    rows = (
        [
            s.rank_city,
            s.enterprise.organisation.name,
            s.enterprise.organisation.uscc or "",
            s.enterprise.organisation.district.name,
            round(s.score, 2),
            s.rank_district,
            s.rank_industry,
        ]
        for s in listing["rows"].iterator(chunk_size=2000)
    )
    what = _("企业创新能力评价结果")
    return audit.export_response(request, what, f"{what}.xlsx", columns, rows)


@login_required
def selections(request):
    rounds = selection.visible_rounds(request.user)
    if not systems.can_view(request.user) and not rounds.exists():
        raise PermissionDenied(_("当前角色无权查看遴选名单"))
    form = None
    if systems.can_manage(request.user):
        systems.ensure_builtin()
        form = forms.RoundForm(request.POST or None, initial={"year": ranking.default_year()})
        if request.method == "POST" and form.is_valid():
            try:
                rnd = selection.create_round(request.user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errs in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errs)
            else:
                messages.success(request, _("已生成建议名单，请逐一确认后发布"))
                return redirect("cultivation_eval_selection", pk=rnd.pk)
    elif request.method == "POST":
        raise PermissionDenied(_("只有市局工作人员可以发起遴选"))
    return render(request, "cultivation/evaluation/selections.html", {"rounds": rounds, "form": form})


@login_required
def selection_detail(request, pk: int):
    rnd = selection.get_round(request.user, pk)
    from kechuang.programs import workflow

    return render(
        request,
        "cultivation/evaluation/selection.html",
        {
            "round": rnd,
            "entries": selection.visible_entries(request.user, rnd),
            "can_manage": systems.can_manage(request.user) and rnd.status == rnd.Status.DRAFT,
            "city": selection.is_city(request.user),
            "log": workflow.history(rnd),
            "included": rnd.entries.filter(status=SelectionEntry.Status.INCLUDED).count(),
        },
    )


@login_required
@require_POST
def selection_decide(request, pk: int, entry_pk: int):
    rnd = selection.get_round(request.user, pk)
    entry = get_object_or_404(SelectionEntry, pk=entry_pk, round=rnd)
    form = forms.DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择入选或不入选"))
    else:
        try:
            selection.decide(
                request.user, entry, form.cleaned_data["decision"] == "include", form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _errors(request, exc)
    return redirect(f"{_url('cultivation_eval_selection', rnd.pk)}#entry-{entry.pk}")


@login_required
@require_POST
def selection_confirm(request, pk: int):
    rnd = selection.get_round(request.user, pk)
    try:
        n = selection.confirm_proposed(request.user, rnd)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("已确认%(n)s家系统建议入选的企业") % {"n": n})
    return redirect("cultivation_eval_selection", pk=rnd.pk)


@login_required
@require_POST
def selection_publish(request, pk: int):
    rnd = selection.get_round(request.user, pk)
    try:
        selection.publish(request.user, rnd)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("名单已发布"))
    return redirect("cultivation_eval_selection", pk=rnd.pk)
