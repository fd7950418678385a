"""This app's contribution to the shared home page."""

from django.template.loader import render_to_string

from . import services
from .models import Match


def matching_panel(request) -> str:
    user = request.user
    if not user.is_authenticated:
        return ""
    return render_to_string(
        "matching/panel.html",
        {
            "overview": services.overview(user),
            "statuses": Match.Status.choices,
            "can_post_demand": services.can_post_demand(user),
            "can_post_achievement": services.can_post_achievement(user),
        },
        request=request,
    )
