from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

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
