"""Pages of the enterprise ladder: the overview (funnel and rung moves), the cultivation pool and its
candidates, near misses, rungs and their import, the watch lists. Views check, call one service, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit
from kechuang.core.imports import fail_interrupted_imports
from kechuang.core.models import ImportRun
from kechuang.core.spreadsheets import xlsx_response
from kechuang.enterprises import services as enterprise_services
from kechuang.programs import workflow

from . import forms_ladder as forms
from . import importing_ladder as importing
from .models.ladder import Candidate, Rung, RungMembership
from .services_ladder import access, funnel, overview, pool, watch


def _messages_of(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for msgs in exc.message_dict.values() for m in msgs]
    return list(exc.messages)


def _refused(request, exc: ValidationError) -> None:
    for text in _messages_of(exc):
        messages.error(request, text)


def _form_errors(request, form) -> None:
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        for e in errors:
            messages.error(request, f"{label}：{e}" if label else e)


def _page(request, template: str, tab: str, context: dict):
    context.setdefault("is_city", access.is_city_writer(request.user))
    return render(request, template, {"tab": tab, **context})


def _paged(request, qs, name: str) -> dict:
    """One page of ``qs`` under ``name``, with the page object and the query string the pager keeps."""
    page = Paginator(qs, settings.KECHUANG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {name: page.object_list, "page": page, "query": query.urlencode(), "total": page.paginator.count}


def _posted_year(request, default: int) -> int:
    raw = request.POST.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else default


def _year(request, default: int) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else default


@login_required
def ladder_home(request):
    access.can_view_pool(request.user).enforce()
    year = _year(request, overview.default_pool_year())
    context = {
        "year": year,
        "years": overview.pool_years(),
        "funnel": funnel.funnel(request.user, year),
        "sankey": funnel.sankey(request.user, year),
        "rung_counts": overview.rung_counts(request.user, year),
        "stage_labels": funnel.stage_labels(),
        "can_manage": access.is_city_writer(request.user),
    }
    return _page(request, "cultivation/ladder/home.html", "home", context)


@login_required
def pool_list(request):
    access.can_view_pool(request.user).enforce()
    year = _year(request, overview.default_pool_year())
    status = request.GET.get("status", "")
    qs = pool.visible_candidates(request.user).filter(year=year)
    if status in Candidate.Status.values:
        qs = qs.filter(status=status)
    context = {
        "year": year,
        "years": overview.pool_years(),
        "status": status,
        "keep": [("status", status)] if status else [],
        "statuses": Candidate.Status.choices,
        **_paged(
            request,
            qs.order_by("enterprise__organisation__district__order", "enterprise__organisation__name"),
            "candidates",
        ),
        "form": forms.NominateForm(
            enterprises=enterprise_services.visible_enterprises(request.user), initial={"year": year}
        ),
        "can_nominate": bool(access.can_manage_pool(request.user)),
        "is_city": access.is_city_writer(request.user),
    }
    return _page(request, "cultivation/ladder/pool.html", "pool", context)


@login_required
def near_miss_list(request):
    access.can_view_pool(request.user).enforce()
    year = _year(request, overview.default_pool_year())
    raw = request.GET.get("gaps", "")
    max_gaps = int(raw) if raw in ("1", "2", "3") else pool.MAX_GAPS
    items = pool.near_misses(request.user, year=year, max_gaps=max_gaps, limit=300)
    return _page(
        request,
        "cultivation/ladder/near_misses.html",
        "near",
        {
            "year": year,
            "items": items,
            "max_gaps": max_gaps,
            "can_nominate": bool(access.can_manage_pool(request.user)),
            "is_city": access.is_city_writer(request.user),
        },
    )


@login_required
@require_POST
def nominate(request):
    form = forms.NominateForm(request.POST, enterprises=enterprise_services.visible_enterprises(request.user))
    year = request.POST.get("year", "")
    if not form.is_valid():
        _form_errors(request, form)
        return redirect(reverse("cultivation_pool") + (f"?year={year}" if year.isdigit() else ""))
    added = 0
    for enterprise in form.cleaned_data["enterprises"]:
        try:
            pool.nominate(request.user, enterprise, form.cleaned_data["year"], note=form.cleaned_data["note"])
            added += 1
        except ValidationError as exc:
            _refused(request, exc)
    if added:
        messages.success(request, _("已推荐 %(n)s 家企业进入培育库，等待市局审核") % {"n": added})
    return redirect(reverse("cultivation_pool") + f"?year={form.cleaned_data['year']}")


@login_required
@require_POST
def propose(request):
    year = _posted_year(request, overview.default_pool_year())
    n = pool.propose_near_misses(request.user, year=year)
    messages.success(request, _("已将 %(n)s 家近线企业加入%(y)s年度培育库储备") % {"n": n, "y": year})
    return redirect(reverse("cultivation_pool") + f"?year={year}")


def _candidate(request, pk: int) -> Candidate:
    try:
        return pool.get_candidate(request.user, pk)
    except Candidate.DoesNotExist:
        raise Http404(_("未找到该培育企业")) from None


@login_required
def candidate_detail(request, pk: int):
    candidate = _candidate(request, pk)
    context = {
        "c": candidate,
        "actions": candidate.actions.select_related("by"),
        "history": workflow.history(candidate),
        "transitions": pool.available_transitions(request.user, candidate),
        "can_log": bool(access.can_touch_candidate(request.user, candidate))
        and candidate.status in (Candidate.Status.CULTIVATING, Candidate.Status.APPLIED),
        "admit_form": forms.AdmitForm(
            initial={
                "owner_kind": "district",
                "owner_district": candidate.enterprise.organisation.district_id,
            }
        ),
        "reject_form": forms.RejectForm(),
        "action_form": forms.ActionForm(initial={"on": timezone.localdate()}),
        "close_form": forms.CloseForm(),
    }
    return _page(request, "cultivation/ladder/candidate.html", "pool", context)


def _back(candidate: Candidate):
    return redirect("cultivation_candidate", pk=candidate.pk)


@login_required
@require_POST
def candidate_admit(request, pk: int):
    candidate = _candidate(request, pk)
    form = forms.AdmitForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(candidate)
    d = form.cleaned_data
    try:
        pool.admit(
            request.user, candidate, owner_kind=d["owner_kind"], section=d["owner_section"],
            district=d["owner_district"], agency=d["owner_agency"], reason=d["reason"],
        )  # fmt: skip
        messages.success(request, _("已审核入库，进入培育"))
    except ValidationError as exc:
        _refused(request, exc)
    return _back(candidate)


@login_required
@require_POST
def candidate_reject(request, pk: int):
    candidate = _candidate(request, pk)
    form = forms.RejectForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(candidate)
    try:
        pool.reject(request.user, candidate, reason=form.cleaned_data["reason"])
        messages.success(request, _("已登记为不予入库"))
    except ValidationError as exc:
        _refused(request, exc)
    return _back(candidate)


@login_required
@require_POST
def candidate_action(request, pk: int):
    candidate = _candidate(request, pk)
    form = forms.ActionForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(candidate)
    try:
        pool.log_action(request.user, candidate, **form.cleaned_data)
        messages.success(request, _("培育措施已记录"))
    except ValidationError as exc:
        _refused(request, exc)
    return _back(candidate)


@login_required
@require_POST
def candidate_close(request, pk: int):
    candidate = _candidate(request, pk)
    form = forms.CloseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(candidate)
    try:
        pool.close(
            request.user, candidate, outcome=form.cleaned_data["outcome"], reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("年度培育结果已登记"))
    except ValidationError as exc:
        _refused(request, exc)
    return _back(candidate)


# ---------------------------------------------------------------------------------------- rungs


@login_required
def rung_list(request):
    access.can_view_pool(request.user).enforce()
    year = _year(request, overview.default_rung_year())
    rung = request.GET.get("rung", "")
    flagged = request.GET.get("flagged") == "1"
    qs = (
        RungMembership.objects.filter(access.pool_scope(request.user), year=year)
        .select_related("enterprise__organisation__district", "approved_by", "policy_version")
        .order_by("rung", "enterprise__organisation__name")
    )
    if rung in Rung.values:
        qs = qs.filter(rung=rung)
    if flagged:
        qs = qs.exclude(flag="")
    district = request.GET.get("district", "")
    if district.isdigit():
        qs = qs.filter(enterprise__organisation__district_id=int(district))
    context = {
        "year": year,
        "years": overview.rung_years(),
        "rung": rung,
        "flagged": flagged,
        "rungs": Rung.choices,
        **_paged(request, qs, "rows"),
        "counts": overview.rung_counts(request.user, year),
        "form": forms.StaffRungForm(initial={"year": year}) if access.is_city_writer(request.user) else None,
    }
    return _page(request, "cultivation/ladder/rungs.html", "rungs", context)


@login_required
@require_POST
def rung_grant(request):
    access.require_city_writer(request.user)
    form = forms.StaffRungForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("cultivation_rungs")
    d = form.cleaned_data
    try:
        for enterprise in d["enterprises"]:
            overview.staff_grant(
                request.user, enterprise, d["year"], d["rung"], reason=d["reason"], approver=d["approver"]
            )
        messages.success(request, _("已登记工作人员认定 %(n)s 家") % {"n": len(d["enterprises"])})
    except ValidationError as exc:
        _refused(request, exc)
    return redirect(reverse("cultivation_rungs") + f"?year={d['year']}&rung={d['rung']}")


@login_required
def rung_import(request):
    access.require_city_writer(request.user)
    fail_interrupted_imports()
    form = forms.UploadForm(request.POST or None, request.FILES or None)
    context = {
        "form": form,
        "columns": {kind: list(cols.values()) for kind, cols in importing.COLUMNS.items()},
        "titles": importing.TITLES,
        "recent": ImportRun.objects.filter(kind__in=importing.KINDS).select_related("user")[:10],
    }
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"]
            outcome = importing.import_list(kind, upload.read(), upload.name, request.user)
            report = [
                {**e.as_dict(), "label": importing.label_of(kind, e.column)} for e in outcome.errors[:300]
            ]
            context.update(outcome=outcome, report=report, more=max(0, len(outcome.errors) - 300))
        else:
            _form_errors(request, form)
    return _page(request, "cultivation/ladder/import.html", "import", context)


@login_required
def rung_template(request, kind: str):
    access.require_city_writer(request.user)
    if kind not in importing.KINDS:
        raise Http404
    headers, rows = importing.template_columns(kind)
    title = str(importing.TITLES[kind])
    return xlsx_response(f"{title}模板.xlsx", headers, rows, sheet_title=title)


# ---------------------------------------------------------------------------------------- watch lists


@login_required
def watch_lists(request):
    access.can_view_pool(request.user).enforce()
    code = request.GET.get("list", watch.LISTS[0].code)
    if code not in watch.BY_CODE:
        code = watch.LISTS[0].code
    year = _year(request, overview.default_facts_year())
    items = watch.rows(request.user, code, year)
    context = {
        "lists": watch.LISTS,
        "current": watch.BY_CODE[code],
        "year": year,
        "years": overview.facts_years(),
        "items": items[:500],
        "total": len(items),
        "pending": watch.pending_pushes(request.user),
        "show_revenue": code not in ("cert_expiring", "dishonest"),
        "can_push": access.is_city_writer(request.user),
    }
    return _page(request, "cultivation/ladder/watch.html", "watch", context)


@login_required
def watch_export(request, code: str):
    access.can_view_pool(request.user).enforce()
    if code not in watch.BY_CODE:
        raise Http404
    year = _year(request, overview.default_facts_year())
    items = watch.rows(request.user, code, year)
    label = str(watch.BY_CODE[code].label)
    return audit.export_response(
        request, label, f"{label}（{year}）.xlsx", watch.export_columns(code), watch.export_rows(code, items)
    )


@login_required
@require_POST
def watch_push(request, code: str):
    if code not in watch.BY_CODE:
        raise Http404
    year = _posted_year(request, overview.default_facts_year())
    n = watch.push(request.user, code, year)
    messages.success(request, _("已推送到 %(n)s 个区县") % {"n": n})
    return redirect(reverse("cultivation_watch") + f"?list={code}&year={year}")


@login_required
@require_POST
def watch_handled(request, pk: int):
    try:
        item = watch.mark_handled(request.user, pk)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
        return redirect("cultivation_watch")
    messages.success(request, _("已标记为处理完毕"))
    return redirect(reverse("cultivation_watch") + f"?list={item.code}&year={item.year}")
