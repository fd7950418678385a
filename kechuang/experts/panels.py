"""This app's contributions to the shared home page."""

from django.template.loader import render_to_string

from kechuang.core.models import Role

from . import services
from .models import Expert, SelectionRound


def staff_overview(request) -> str:
    user = request.user
    if not services.can_view_rounds(user):
        return ""
    context = {
        "approved": Expert.objects.filter(status=Expert.Status.APPROVED).count(),
        "pending": Expert.objects.filter(status=Expert.Status.PENDING).count(),
        "rounds": SelectionRound.objects.exclude(status=SelectionRound.Status.LOCKED)[:5],
        "can_manage": bool(services.can_manage(user)),
    }
    return render_to_string("experts/panel_staff.html", context, request=request)


def my_tasks(request) -> str:
    user = request.user
    if user.role != Role.EXPERT:
        return ""
    assignments = services.my_assignments(user)
    context = {
        "total": assignments.count(),
        "pending": assignments.filter(declaration="pending").count(),
        "has_profile": Expert.objects.filter(user=user).exists(),
    }
    return render_to_string("experts/panel_mine.html", context, request=request)
