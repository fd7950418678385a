from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from .registry import PANELS, PICKERS


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
