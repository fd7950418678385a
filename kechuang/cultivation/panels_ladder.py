"""The ladder's contributions to shared pages: workbench to-dos, the enterprise profile section and the
``tech_sme_count`` indicator rule."""

from django.db.models import Count
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.models import Role
from kechuang.core.permissions import role_of
from kechuang.core.registry import IndicatorRule, IndicatorValue, Todo

from .models.ladder import Candidate, Rung, RungMembership
from .services_ladder import access, watch

TECH_SME_RULE_VERSION = "ladder-tech_sme-1"


def todos(user):
    role = role_of(user)
    if access.is_city_writer(user):
        waiting = Candidate.objects.filter(status=Candidate.Status.PROPOSED).count()
        yield Todo(_("培育库待审核企业"), waiting, reverse("cultivation_pool") + "?status=proposed")
        flagged = RungMembership.objects.exclude(flag="").count()
        yield Todo(_("梯次认定待核实"), flagged, reverse("cultivation_rungs") + "?flagged=1")
    elif role == Role.DISTRICT_STAFF and user.district_id:
        pending = watch.pending_pushes(user)
        yield Todo(_("市局推送的预警名单待处理"), pending.count(), reverse("cultivation_watch"))


def profile_section(request, enterprise) -> str:
    """The enterprise's rungs over the years and its cultivation log. The profile page has already
    checked that the user may read this enterprise; experts and institutes never reach it."""
    memberships = list(
        RungMembership.objects.filter(enterprise=enterprise)
        .select_related("approved_by")
        .order_by("-year", "rung")
    )
    candidates = list(
        Candidate.objects.filter(enterprise=enterprise)
        .select_related("owner_section", "owner_district")
        .prefetch_related("actions")
        .order_by("-year")
    )
    if not memberships and not candidates:
        return ""
    years = sorted({m.year for m in memberships}, reverse=True)
    grid = []
    for y in years:
        cells = {m.rung: m for m in memberships if m.year == y}
        grid.append({"year": y, "cells": [cells.get(r.value) for r in Rung]})
    return render_to_string(
        "cultivation/ladder/profile_section.html",
        {
            "rungs": Rung.choices,
            "grid": grid,
            "candidates": candidates,
            "can_open_pool": bool(access.can_view_pool(request.user)),
        },
        request=request,
    )


def _tech_sme_compute(year: int) -> dict:
    rows = (
        RungMembership.objects.filter(rung=Rung.TECH_SME, year=year)
        .values_list("enterprise__organisation__district_id")
        .annotate(n=Count("enterprise", distinct=True))
    )
    out = {district: IndicatorValue(value=n) for district, n in rows}
    total = (
        RungMembership.objects.filter(rung=Rung.TECH_SME, year=year).values("enterprise").distinct().count()
    )
    out[None] = IndicatorValue(value=total)
    return out


def _tech_sme_records(year: int, district_id=None) -> str:
    url = reverse("cultivation_rungs") + f"?year={year}&rung=tech_sme"
    return url + (f"&district={district_id}" if district_id else "")


def tech_sme_rule() -> IndicatorRule:
    return IndicatorRule(
        code="tech_sme_count",
        version=TECH_SME_RULE_VERSION,
        compute=_tech_sme_compute,
        name=gettext_lazy("科技型中小企业数量"),
        unit="count",
        records_url=_tech_sme_records,
        order=20,
    )
