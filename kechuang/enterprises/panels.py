"""This app's contributions to the shared home page."""

from django.template.loader import render_to_string

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
        {"overview": services.overview(user), "can_import": importing.can_import(user)},
        request=request,
    )


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
