from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from . import backups, health, statyear, summaries
from .models import ClosedYear
from .registry import PANELS, PICKERS, charts_for, search, todos_for
from .sessions import end_session, live_sessions


@login_required
def home(request):
    """The workbench (工作台): what waits for the user, the role's charts, then each app's panel."""
    panels = [html for p in PANELS if (html := p.render(request))]
    charts = [
        {"id": f"chart-{i}", "title": str(c.title), "categories": c.categories, "series": c.series,
         "kind": c.kind, "unit": str(c.unit)}
        for i, c in enumerate(charts_for(request.user))
    ]  # fmt: skip
    todos = todos_for(request.user)
    # The navigation's count (cached for a minute on other pages) is counted afresh here.
    summaries.remember_todo_count(request.user, sum(t.count for t in todos))
    return render(
        request,
        "core/home.html",
        {
            "todos": todos,
            "today": timezone.localdate(),
            "charts": charts,
            "panels": [mark_safe(h) for h in panels],
        },
    )


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


@login_required
@require_http_methods(["GET", "POST"])
def statistical_years(request):
    statyear.can_close(request.user).enforce()
    error = ""
    if request.method == "POST":
        try:
            closed = statyear.close_year(request.user, request.POST.get("year", "").strip())
        except ValidationError as e:
            error = " ".join(m for msgs in e.message_dict.values() for m in msgs)
        else:
            messages.success(
                request, _("%(y)s年度已关闭，市、区县首页将按该年度数据统计") % {"y": closed.year}
            )
            return redirect("statistical_years")
    return render(
        request,
        "core/statistical_years.html",
        {
            "closed": ClosedYear.objects.select_related("closed_by"),
            "error": error,
            "value": request.POST.get("year", ""),
        },
    )


SEARCH_MIN_LENGTH = 2
SEARCH_MAX_LENGTH = 100


@login_required
def global_search(request):
    """One box in the navigation: every app searches what the user may read and returns its first hits."""
    q = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]  # NUL never gets here: InputHygieneMiddleware
    error = ""
    groups = []
    if q and len(q) < SEARCH_MIN_LENGTH:
        error = _("搜索词至少 %(n)s 个字") % {"n": SEARCH_MIN_LENGTH}
    elif q:
        groups = search(request.user, q)
    return render(request, "core/search.html", {"search_query": q, "groups": groups, "error": error})


@login_required
def backup_list(request):
    backups.can_view_backups(request.user).enforce()
    found = backups.list_backups()
    latest = found[0].created_at if found else None
    return render(
        request,
        "core/backups.html",
        {
            "backups": found,
            "folder": settings.KECHUANG_BACKUP_DIR,
            "keep": settings.KECHUANG_BACKUP_KEEP,
            "hour": settings.KECHUANG_BACKUP_HOUR,
            # A nightly job that stopped running is the failure nobody notices until a restore is needed.
            "overdue": latest is None or timezone.now() - latest > timedelta(hours=36),
        },
    )


PICK_LIMIT = 20


@login_required
def pick(request, kind: str):
    """The results of a type-ahead picker: what this user may pick whose name contains ``q``."""
    search = PICKERS.get(kind)
    if search is None:
        raise Http404
    query = request.GET.get("q", "").strip()[:100]
    results = search(request.user, query, PICK_LIMIT + 1) if query else []
    return render(
        request,
        "core/widgets/_pick_results.html",
        {
            "results": results[:PICK_LIMIT],
            "more": len(results) > PICK_LIMIT,
            "query": query,
            "limit": PICK_LIMIT,
        },
    )
