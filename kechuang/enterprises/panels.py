"""This app's contributions to the shared home page."""

from django.template.loader import render_to_string

from kechuang.core import statyear
from kechuang.core.models import Role

from . import importing, services


def registry_overview(request) -> str:
    user = request.user
    if not (
        user.is_superuser or user.role in (Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF)
    ):
        return ""
    return render_to_string(
        "enterprises/panel_overview.html",
        {
            "overview": services.overview(user, picked_year(request)),
            "can_import": importing.can_import(user),
            "can_close_year": statyear.can_close(user).allowed,
        },
        request=request,
    )


def picked_year(request) -> int | None:
    """The year the user picked on the home page (``?year=``), or None for the statistical year; a year
    without facts is ignored rather than showing an empty city."""
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in services.fact_years():
        return int(raw)
    return None


def my_enterprise(request) -> str:
    user = request.user
    if user.role != Role.ENTERPRISE or not user.organisation_id:
        return ""
    enterprise = services.visible_enterprises(user).select_related("organisation__district").first()
    if enterprise is None:
        return ""
    return render_to_string(
        "enterprises/panel_mine.html",
        {"enterprise": enterprise, "missing": services.missing_facts(enterprise)},
        request=request,
    )
