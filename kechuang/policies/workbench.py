"""This app's contributions to the workbench (to-dos, charts)."""

import datetime as dt

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core import summaries
from kechuang.core.models import Role
from kechuang.core.permissions import role_of
from kechuang.core.registry import Chart, Todo

from . import services
from .models import PolicyCase

RATE_MONTHS = 12


def _cases(user):
    return PolicyCase.objects.filter(services._district_scope(user, "enterprise__organisation__district_id"))


def todos(user):
    role = role_of(user)
    if role == Role.ENTERPRISE and user.organisation_id:
        n = PolicyCase.objects.filter(
            enterprise_id=user.organisation_id, state=PolicyCase.State.NOTIFIED
        ).count()
        return [Todo(_("已推送、尚未申报的政策"), n, reverse("policy_my_package"))]
    if role == Role.LEADER or not services.can_view_library(user):
        return []
    claims = _cases(user).filter(state=PolicyCase.State.APPLIED)
    n = claims.count()
    if not n:
        return []
    policies = set(claims.values_list("policy_id", flat=True)[:2])
    url = reverse("policy_coverage", args=[policies.pop()]) if len(policies) == 1 else reverse("policy_list")
    return [Todo(_("企业已申报、待确认兑现的政策"), n, url)]


def _month_ends(today: dt.date, months: int) -> list[dt.date]:
    ends = []
    first = today.replace(day=1)
    for _i in range(months):
        ends.append(first - dt.timedelta(days=1))
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return [today, *ends][:months][::-1]


def _rate_figures(user, today: dt.date) -> dict | None:
    """Of the cases in ``user``'s scope, those notified (n0…) and granted (g0…) by each month's end."""
    cases = _cases(user).exclude(notified_at=None)
    if not cases.exists():
        return None
    ends = _month_ends(today, RATE_MONTHS)
    tz = timezone.get_current_timezone()
    return cases.aggregate(
        **{
            f"n{i}": Count(
                "pk", filter=Q(notified_at__lt=dt.datetime.combine(e + dt.timedelta(days=1), dt.time(), tz))
            )
            for i, e in enumerate(ends)
        },
        **{
            f"g{i}": Count(
                "pk", filter=Q(granted_at__lt=dt.datetime.combine(e + dt.timedelta(days=1), dt.time(), tz))
            )
            for i, e in enumerate(ends)
        },
    )


def rate_chart(user):
    """政策兑现率 month by month: of the firms told they qualify by the end of each month, the share
    granted by then, in percent."""
    if not services.can_view_library(user):
        return None
    today = timezone.localdate()
    district = user.district_id if role_of(user) == Role.DISTRICT_STAFF else "city"
    figures = summaries.cached(
        (summaries.POLICIES, summaries.FACTS),
        f"rate_chart:{today}:{district}",
        lambda: _rate_figures(user, today),
    )
    if figures is None:
        return None
    ends = _month_ends(today, RATE_MONTHS)
    rates = [
        round(100 * figures[f"g{i}"] / figures[f"n{i}"], 1) if figures[f"n{i}"] else None
        for i in range(len(ends))
    ]
    start = next(i for i, r in enumerate(rates) if r is not None)  # months before the first push say nothing
    ends, rates = ends[start:], rates[start:]
    return Chart(
        _("政策兑现率"),
        [f"{e:%Y-%m}" for e in ends],
        [{"name": _("兑现率"), "data": rates}],
        kind="line",
        unit="%",
    )
