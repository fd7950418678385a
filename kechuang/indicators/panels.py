"""The cockpit's panel on the home page of leaders, city staff and district staff."""

from django.template.loader import render_to_string

from .services import cockpit


def cockpit_summary(request) -> str:
    if not cockpit.can_view(request.user):
        return ""
    data = cockpit.cockpit(request.user, cards_only=True)
    if not data["cards"] or all(c.value is None for c in data["cards"]):
        return ""
    return render_to_string("indicators/_panel.html", data, request=request)
