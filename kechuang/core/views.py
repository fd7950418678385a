from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from . import backups, health
from .registry import PANELS


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
