"""Matching pages. Thin: scoping, validation and workflow live in services.py."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.shortcuts import render as _render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit

from . import services
from .forms import (
    AchievementFilterForm,
    AchievementForm,
    DemandFilterForm,
    DemandForm,
    EventForm,
    MatchFilterForm,
    ParticipantForm,
    TransitionForm,
)
from .models import Event, Match


def render(request, template: str, context: dict):
    # Every page shows the app's tabs; the brokering tab only to staff.
    return _render(request, template, {"is_staff": services.is_staff(request.user), **context})


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in (
        exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
    ):
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, f"{field}：{error}" if target is None and field != "__all__" else error)


def _page(request, qs):
    page = Paginator(qs, settings.KECHUANG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


# ------------------------------------------------------------------------------------ demands


def _demand_filters(request):
    form = DemandFilterForm(request.GET or None, districts=services.visible_districts(request.user))
    filters = form.cleaned_filters() if form.is_bound and form.is_valid() else {}
    return form, services.search_demands(request.user, **filters)


@login_required
def demand_list(request):
    form, qs = _demand_filters(request)
    page, query = _page(request, qs)
    return render(
        request,
        "matching/demand_list.html",
        {"form": form, "page": page, "query": query, "can_post": services.can_post_demand(request.user)},
    )


@login_required
def demand_export(request):
    form, qs = _demand_filters(request)
    headers, rows = services.demand_export(qs)
    return audit.export_response(request, _("技术需求"), _("技术需求.xlsx"), headers, rows, form=form)


@login_required
def demand_new(request):
    if not services.can_post_demand(request.user):
        raise PermissionDenied(_("当前角色不能发布技术需求"))
    staff = services.is_staff(request.user)
    form = DemandForm(request.POST or None, staff=staff, creating=True)
    if request.method == "POST" and form.is_valid():
        enterprise = None
        if staff:
            enterprise = services.enterprise_by_code(form.cleaned_data.get("enterprise_uscc", ""))
            if enterprise is None:
                form.add_error("enterprise_uscc", _("未找到该统一社会信用代码对应的企业"))
        if not form.errors:
            try:
                demand = services.post_demand(request.user, form.service_data(), enterprise=enterprise)
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("技术需求已发布，系统正在为其匹配科技成果和专家。"))
                return redirect("demand_detail", demand.pk)
    return render(
        request, "matching/posting_form.html", {"form": form, "title": _("发布技术需求"), "kind": "demand"}
    )


@login_required
def demand_edit(request, pk: int):
    demand = services.get_demand(request.user, pk, write=True)
    form = DemandForm(request.POST or None, instance=demand, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_demand(request.user, demand, form.service_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("技术需求已更新，匹配结果将随之刷新。"))
            return redirect("demand_detail", demand.pk)
    return render(
        request,
        "matching/posting_form.html",
        {"form": form, "title": _("修改技术需求"), "kind": "demand", "record": demand},
    )


def _match_context(request, qs) -> dict:
    """Rows of matches with the legal next steps each one offers to this user (one events query)."""
    user = request.user
    rows = []
    for m in qs:
        row = {"match": m, "target": services._target(m), "can_broker": services.can_broker(user, m)}
        row["actions"] = services.available_actions(m) if row["can_broker"] else []
        rows.append(row)
    events = list(services.visible_events(user).values_list("pk", "name")[:200]) if rows else []
    return {"match_rows": rows, "event_choices": events}


@login_required
def demand_detail(request, pk: int):
    demand = services.get_demand(request.user, pk)
    context = {
        "demand": demand,
        "can_edit": services.can_edit(request.user, demand),
        "can_see_matches": services.can_see_matches(request.user, demand),
    }
    if context["can_see_matches"]:
        matches = demand.matches.select_related(
            "achievement__organisation", "expert", "district", "event"
        ).order_by("kind", *Match._meta.ordering)
        context.update(_match_context(request, matches))
        context["history"] = demand.history.select_related("history_user")[:10]
    elif request.user.organisation_id == demand.organisation_id:
        # The firm itself sees the public achievements recommended for its problem (not the brokering).
        context["suggested"] = services.suggested_achievements(demand)
    return render(request, "matching/demand_detail.html", context)


# ------------------------------------------------------------------------------------ achievements


def _achievement_filters(request):
    form = AchievementFilterForm(request.GET or None, districts=services.visible_districts(request.user))
    filters = form.cleaned_filters() if form.is_bound and form.is_valid() else {}
    return form, services.search_achievements(request.user, **filters)


@login_required
def achievement_list(request):
    form, qs = _achievement_filters(request)
    page, query = _page(request, qs)
    return render(
        request,
        "matching/achievement_list.html",
        {"form": form, "page": page, "query": query, "can_post": services.can_post_achievement(request.user)},
    )


@login_required
def achievement_export(request):
    form, qs = _achievement_filters(request)
    headers, rows = services.achievement_export(qs)
    return audit.export_response(request, _("科技成果"), _("科技成果.xlsx"), headers, rows, form=form)


@login_required
def achievement_new(request):
    if not services.can_post_achievement(request.user):
        raise PermissionDenied(_("当前角色不能发布科技成果"))
    institutes = services.institutes_for(request.user) if services.is_staff(request.user) else None
    form = AchievementForm(request.POST or None, institutes=institutes, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            achievement = services.post_achievement(
                request.user, form.service_data(), institute=form.cleaned_data.get("institute")
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("科技成果已发布，系统正在为其匹配需要的企业。"))
            return redirect("achievement_detail", achievement.pk)
    return render(
        request,
        "matching/posting_form.html",
        {"form": form, "title": _("发布科技成果"), "kind": "achievement"},
    )


@login_required
def achievement_edit(request, pk: int):
    achievement = services.get_achievement(request.user, pk, write=True)
    form = AchievementForm(request.POST or None, instance=achievement, creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_achievement(request.user, achievement, form.service_data())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("科技成果已更新，匹配结果将随之刷新。"))
            return redirect("achievement_detail", achievement.pk)
    return render(
        request,
        "matching/posting_form.html",
        {"form": form, "title": _("修改科技成果"), "kind": "achievement", "record": achievement},
    )


@login_required
def achievement_detail(request, pk: int):
    achievement = services.get_achievement(request.user, pk)
    context = {
        "achievement": achievement,
        "can_edit": services.can_edit(request.user, achievement),
        "can_see_matches": services.is_staff(request.user),
    }
    if context["can_see_matches"]:
        # District staff see only the cases of their district's enterprises.
        matches = services.visible_matches(request.user).filter(
            achievement=achievement, kind=Match.Kind.ACHIEVEMENT_ENTERPRISE
        )
        context.update(_match_context(request, matches.order_by(*Match._meta.ordering)))
    return render(request, "matching/achievement_detail.html", context)


# ------------------------------------------------------------------------------------ matches


def _require_staff(user) -> None:
    if not services.is_staff(user):
        raise PermissionDenied(_("对接匹配仅限科技部门工作人员查看"))


def _match_filters(request):
    form = MatchFilterForm(request.GET or None, districts=services.visible_districts(request.user))
    filters = form.cleaned_filters() if form.is_bound and form.is_valid() else {}
    return form, services.search_matches(request.user, **filters)


@login_required
def match_list(request):
    _require_staff(request.user)
    form, qs = _match_filters(request)
    page, query = _page(request, qs)
    context = {"form": form, "page": page, "query": query, "outcomes": services.outcome_counts(request.user)}
    context.update(_match_context(request, page.object_list))
    return render(request, "matching/match_list.html", context)


@login_required
def match_export(request):
    _require_staff(request.user)
    form, qs = _match_filters(request)
    headers, rows = services.match_export(qs)
    return audit.export_response(request, _("对接匹配"), _("对接匹配.xlsx"), headers, rows, form=form)


@login_required
@require_POST
def match_transition(request, pk: int):
    match = get_object_or_404(services.visible_matches(request.user), pk=pk)
    form = TransitionForm(
        request.POST,
        actions=list(services.ACTIONS_LABELS.items()),
        events=services.visible_events(request.user),
        prefix=f"m{pk}",
    )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}) or not back.startswith(
        "/"
    ):
        back = reverse("match_list")
    if not form.is_valid():
        messages.error(request, "；".join(f"{form.fields[k].label}：{v[0]}" for k, v in form.errors.items()))
        return redirect(back)
    data = form.cleaned_data
    amount = data.get("amount_wan")
    try:
        match = services.advance_match(
            request.user,
            match.pk,
            data["action"],
            reason=data.get("reason", ""),
            event=data.get("event"),
            amount=None if amount is None else amount * services.WAN,
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已记录：%(status)s") % {"status": match.get_status_display()})
    return redirect(back)


# ------------------------------------------------------------------------------------ events


@login_required
def event_list(request):
    events = services.visible_events(request.user)
    page, query = _page(request, events)
    return render(
        request,
        "matching/event_list.html",
        {
            "page": page,
            "query": query,
            "can_manage": services.can_manage_events(request.user),
            "totals": services.event_totals(events),
        },
    )


@login_required
def event_export(request):
    headers, rows = services.event_export(services.visible_events(request.user))
    return audit.export_response(request, _("对接活动"), _("对接活动.xlsx"), headers, rows)


@login_required
def event_detail(request, pk: int):
    event = get_object_or_404(services.visible_events(request.user), pk=pk)
    can_edit = services.can_edit_event(request.user, event)
    form = ParticipantForm(request.POST or None) if can_edit else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.add_participant(request.user, event, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("已添加参加方"))
            return redirect("matching_event_detail", event.pk)
    matches = services.visible_matches(request.user).filter(event=event)
    return render(
        request,
        "matching/event_detail.html",
        {
            "event": event,
            "figures": services.event_figures(event),
            "has_records": event.participants.exists() or event.matches.exists(),
            "participants": event.participants.select_related("organisation"),
            "matches": matches,
            "can_edit": can_edit,
            "form": form,
        },
    )


@login_required
def event_edit(request, pk: int | None = None):
    user = request.user
    event = get_object_or_404(Event, pk=pk) if pk else Event()
    if not services.can_manage_events(user) or (pk and not services.can_edit_event(user, event)):
        raise PermissionDenied(_("只有市局和区县科技局工作人员可以登记对接活动"))
    locked = not user.is_city_staff
    form = EventForm(request.POST or None, instance=event, district_locked=locked)
    if request.method == "POST" and form.is_valid():
        try:
            event = services.save_event(user, form.save(commit=False))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("对接活动已保存"))
            return redirect("matching_event_detail", event.pk)
    return render(request, "matching/event_form.html", {"form": form, "event": event if pk else None})
