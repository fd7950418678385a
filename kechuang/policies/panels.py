"""This app's contributions to the shared home page."""

from django.template.loader import render_to_string

from kechuang.core.models import Role
from kechuang.enterprises.models import Enterprise

from . import services


def my_package(request) -> str:
    user = request.user
    if user.role != Role.ENTERPRISE or not user.organisation_id:
        return ""
    enterprise = Enterprise.objects.filter(pk=user.organisation_id).first()
    if enterprise is None:
        return ""
    return render_to_string(
        "policies/panel_package.html",
        {"enterprise": enterprise, "summary": services.package_summary(enterprise)},
        request=request,
    )


def coverage_overview(request) -> str:
    user = request.user
    if not services.can_view_library(user):
        return ""
    return render_to_string(
        "policies/panel_coverage.html", {"items": services.library(user)}, request=request
    )
