from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import health
from .registry import PANELS
from .sessions import end_session, live_sessions


@login_required
def home(request):
    panels = [html for p in PANELS if (html := p.render(request))]
    return render(request, "core/home.html", {"panels": [mark_safe(h) for h in panels]})


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request):
    items = request.user.notifications.all()[:200]
    if request.method == "POST":
        request.user.notifications.filter(read_at__isnull=True).update(read_at=timezone.now())
    return render(request, "core/notifications.html", {"items": items})


@never_cache
@require_http_methods(["GET", "HEAD"])
def healthz(request):
    """For a load balancer: 200 when every check passes, 503 naming the failed ones. No sign-in, no
    session, no details beyond ok/fail (the reasons are logged)."""
    checks = health.run_checks()
    failed = [name for name, state in checks.items() if state == "fail"]
    body = {"status": "fail" if failed else "ok", "checks": checks}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


@login_required
def my_sessions(request):
    return render(
        request,
        "core/sessions.html",
        {"sessions": live_sessions(request.user), "current": request.session.session_key},
    )


@login_required
@require_POST
def end_my_session(request):
    key = request.POST.get("session", "")
    if end_session(request.user, key):
        if key == request.session.session_key:
            return redirect("login")
        messages.success(request, _("该会话已退出登录"))
    else:
        messages.error(request, _("该会话已结束"))
    return redirect("my_sessions")
