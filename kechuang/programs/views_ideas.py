"""Solicitation pages (thin: the use-cases live in services/ideas.py)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kechuang.core import audit
from kechuang.core.spreadsheets import Column

from . import services
from .forms import AdoptForm, DeclineForm, IdeaForm, SolicitationForm
from .models import Idea
from .services import ideas
from .views import _add_errors
from .views_common import flash, page


@login_required
def solicitation_list(request):
    user = request.user
    return render(
        request,
        "programs/ideas/solicitation_list.html",
        {
            "page": page(request, ideas.visible_solicitations(user)),
            "can_manage": services.can_manage(user).allowed,
            "my_ideas": ideas.visible_ideas(user).filter(organisation_id=user.organisation_id)[:20]
            if user.organisation_id
            else [],
        },
    )


def _solicitation_form(request, sol=None):
    services.can_manage(request.user).enforce()
    initial = (
        SolicitationForm.initial_for(sol)
        if sol
        else {
            "year": timezone.localdate().year + 1,
            "opens_on": timezone.localdate(),
            "closes_on": timezone.localdate() + dt.timedelta(days=30),
        }
    )
    form = SolicitationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sol = ideas.save_solicitation(request.user, form.service_data(), sol)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("项目征集已保存"))
            return redirect("programme_solicitation_detail", sol.pk)
    return render(request, "programs/ideas/solicitation_form.html", {"form": form, "sol": sol})


@login_required
def solicitation_new(request):
    return _solicitation_form(request)


@login_required
def solicitation_edit(request, pk: int):
    return _solicitation_form(request, ideas.get_solicitation(request.user, pk))


@login_required
def solicitation_detail(request, pk: int):
    user = request.user
    sol = ideas.get_solicitation(user, pk)
    form = IdeaForm(request.POST or None)
    can_manage = services.can_manage(user).allowed
    can_suggest = ideas.can_suggest(user).allowed
    if request.method == "POST":
        if not (can_manage or can_suggest):
            raise PermissionDenied(_("只有企业、高校院所或市局工作人员可以提交项目建议"))
        if form.is_valid():
            try:
                if can_manage:
                    idea = ideas.add_top_down(user, sol, form.service_data())
                else:
                    idea = ideas.submit_idea(user, sol, form.service_data())
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("项目建议已提交"))
                return redirect("programme_idea_detail", idea.pk)
    qs = ideas.visible_ideas(user).filter(solicitation=sol)
    status = request.GET.get("status", "")
    if status in Idea.Status.values:
        qs = qs.filter(status=status)
    today = timezone.localdate()
    return render(
        request,
        "programs/ideas/solicitation_detail.html",
        {
            "sol": sol,
            "page": page(request, qs),
            "form": form,
            "can_manage": can_manage,
            "can_submit": (can_suggest and sol.status == "open" and sol.opens_on <= today <= sol.closes_on)
            or (can_manage and sol.status != "closed"),
            "statuses": Idea.Status.choices,
            "status": status,
            "transitions": sol.transitions.select_related("actor", "content_type") if can_manage else [],
        },
    )


@login_required
@require_POST
def solicitation_transition(request, pk: int, action: str):
    user = request.user
    sol = ideas.get_solicitation(user, pk)
    try:
        if action == "open":
            ideas.open_solicitation(user, sol)
            messages.success(request, _("已开始征集"))
        elif action == "close":
            ideas.close_solicitation(user, sol, request.POST.get("reason", ""))
            messages.success(request, _("已结束征集"))
        else:
            raise ValidationError({"action": _("未知的操作")})
    except ValidationError as exc:
        flash(request, exc)
    return redirect("programme_solicitation_detail", sol.pk)


@login_required
def idea_detail(request, pk: int):
    user = request.user
    idea = ideas.get_idea(user, pk)
    can_manage = services.can_manage(user).allowed
    return render(
        request,
        "programs/ideas/idea_detail.html",
        {
            "idea": idea,
            "can_manage": can_manage,
            "adopt_form": AdoptForm(),
            "decline_form": DeclineForm(),
            "suggested_wan": services.wan(idea.suggested_yuan),
            "transitions": idea.transitions.select_related("actor", "content_type"),
        },
    )


@login_required
@require_POST
def idea_decide(request, pk: int, action: str):
    user = request.user
    idea = ideas.get_idea(user, pk)
    try:
        if action == "adopt":
            form = AdoptForm(request.POST)
            call = form.cleaned_data["call"] if form.is_valid() else None
            ideas.adopt(user, idea, call, request.POST.get("note", ""))
            messages.success(request, _("已纳入指南"))
        elif action == "decline":
            ideas.decline(user, idea, request.POST.get("note", ""))
            messages.success(request, _("已记录不予采纳"))
        else:
            raise ValidationError({"action": _("未知的操作")})
    except ValidationError as exc:
        flash(request, exc)
    return redirect("programme_idea_detail", idea.pk)


@login_required
def idea_export(request):
    qs = ideas.visible_ideas(request.user)
    sol = request.GET.get("solicitation", "")
    if sol.isdigit():
        qs = qs.filter(solicitation_id=int(sol))
    return audit.export_response(
        request,
        _("项目建议"),
        f"项目建议_{timezone.localdate():%Y%m%d}.xlsx",
        [Column(_(h), kind) for h, kind in ideas.EXPORT_HEADERS],
        ideas.export_rows(qs.order_by("pk")),
    )


urlpatterns = [
    path("solicitations/", solicitation_list, name="programme_solicitations"),
    path("solicitations/new/", solicitation_new, name="programme_solicitation_new"),
    path("solicitations/<int:pk>/", solicitation_detail, name="programme_solicitation_detail"),
    path("solicitations/<int:pk>/edit/", solicitation_edit, name="programme_solicitation_edit"),
    path(
        "solicitations/<int:pk>/do/<slug:action>/",
        solicitation_transition,
        name="programme_solicitation_transition",
    ),
    path("ideas/export.xlsx", idea_export, name="programme_ideas_export"),
    path("ideas/<int:pk>/", idea_detail, name="programme_idea_detail"),
    path("ideas/<int:pk>/do/<slug:action>/", idea_decide, name="programme_idea_decide"),
]
