"""User-management pages (thin: who may do what, and every change, live in services.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..sessions import live_sessions
from . import services
from .forms import UserFilterForm, UserForm


def _add_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        target = field if field in form.fields else None
        for error in errors:
            form.add_error(target, error)


def _flash(request, exc) -> None:
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc))
        return
    for errors in exc.message_dict.values():
        for error in errors:
            messages.error(request, error)


def _link_page(request, user, title: str):
    """The one-time link, shown once: it is not stored, and reloading makes a new one."""
    return render(
        request,
        "core/users/link.html",
        {
            "target": user,
            "title": title,
            "link": request.build_absolute_uri(services.password_link(user)),
            "days": services.link_valid_days(),
        },
    )


@login_required
def user_list(request):
    actor = request.user
    services.can_manage_users(actor).enforce()
    form = UserFilterForm(request.GET or None, actor=actor)
    page = Paginator(services.search(actor, **form.filters()), settings.KECHUANG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "core/users/list.html", {"form": form, "page": page, "query": query.urlencode()})


@login_required
def user_new(request):
    actor = request.user
    services.can_manage_users(actor).enforce()
    form = UserForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(actor, form.service_data(), form.cleaned_data.get("reason", ""))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _link_page(request, user, _("账号已创建"))
    return render(request, "core/users/form.html", {"form": form, "target": None})


@login_required
def user_detail(request, pk: int):
    actor = request.user
    target = services.get_user(actor, pk)
    decision = services.can_manage(actor, target)
    return render(
        request,
        "core/users/detail.html",
        {
            "target": target,
            "can_manage": decision.allowed,
            "why_not": decision.reason,
            "history": services.history_rows(target),
            "tokens": target.api_tokens.filter(revoked_at__isnull=True).count(),
            "days": services.link_valid_days(),
            "sessions": live_sessions(target) if decision.allowed else [],
        },
    )


@login_required
def user_edit(request, pk: int):
    actor = request.user
    target = services.get_user(actor, pk)
    services.can_manage(actor, target).enforce()
    form = UserForm(request.POST or None, actor=actor, user=target, initial=UserForm.initial_for(target))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(actor, target, form.service_data(), form.cleaned_data.get("reason", ""))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("账号信息已保存"))
            return redirect("user_detail", pk)
    return render(request, "core/users/form.html", {"form": form, "target": target})


@login_required
@require_POST
def user_action(request, pk: int, action: str):
    actor = request.user
    target = services.get_user(actor, pk)
    reason = request.POST.get("reason", "")
    try:
        if action == "deactivate":
            services.deactivate(actor, target, reason)
            messages.success(request, _("账号已停用，该用户已退出登录，接口令牌已作废"))
        elif action == "reactivate":
            services.reactivate(actor, target, reason)
            messages.success(request, _("账号已启用"))
        elif action == "reset":
            user = services.reset_password(actor, target, reason)
            return _link_page(request, user, _("密码已重置"))
        else:
            raise ValidationError({"action": _("未知的操作")})
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    return redirect("user_detail", pk)


@login_required
@require_POST
def user_end_session(request, pk: int):
    actor = request.user
    target = services.get_user(actor, pk)
    try:
        services.end_user_session(actor, target, request.POST.get("session", ""))
    except (ValidationError, PermissionDenied) as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("该会话已退出登录"))
    return redirect("user_detail", pk)


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The one-time link: the user chooses their own password (Django's reset confirmation); a
    deactivated account cannot use it."""

    template_name = "core/users/password_set.html"
    success_url = reverse_lazy("password_set_done")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        form.user._history_user = form.user
        form.user._change_reason = _("本人通过一次性链接设置密码")
        return super().form_valid(form)


class PasswordSetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "core/users/password_set_done.html"
