"""This app's contributions to the workbench (to-dos, charts) and to the global search."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kechuang.core.models import ImportRun, Role
from kechuang.core.permissions import CITY_WRITERS, role_of
from kechuang.core.registry import Chart, SearchGroup, SearchHit, Todo

from . import importing, services

FAILED_IMPORT_DAYS = 30


def todos(user):
    """Refused imports not yet followed by an accepted one from the same person: the data is still
    missing until someone uploads a corrected file."""
    if not importing.can_import(user):
        return []
    since = timezone.now() - dt.timedelta(days=FAILED_IMPORT_DAYS)
    runs = ImportRun.objects.filter(kind=importing.KIND, created_at__gte=since)
    if role_of(user) not in CITY_WRITERS:
        runs = runs.filter(user=user)
    last_ok: dict[int | None, dt.datetime] = {}
    failed = []
    for run in runs.order_by("created_at").only("pk", "user_id", "status", "created_at"):
        if run.status == ImportRun.Status.ACCEPTED:
            last_ok[run.user_id] = run.created_at
        elif run.status == ImportRun.Status.REFUSED:
            failed.append(run)
    failed = [r for r in failed if r.user_id not in last_ok or last_ok[r.user_id] < r.created_at]
    if not failed:
        return []
    url = reverse("facts_import") + "?" + urlencode({"run": failed[-1].pk})
    return [Todo(_("导入被拒绝、尚未重新导入的年度数据文件"), len(failed), url)]


def _label_counts(user, years, by_district: bool = False) -> dict:
    """{(year or district, code): enterprises} of the two labels the charts show (cached counts)."""
    out: dict = {}
    for (year, district, code), n in services.label_counts(user, years).items():
        if code in ("above_scale", "rd_active"):
            key = (district if by_district else year, code)
            out[key] = out.get(key, 0) + n
    return out


def trend_chart(user):
    """规上 and R&D-active enterprises year by year, up to the statistical year (a later, partial
    year would show a false collapse)."""
    if not services.can_use_registry(user) or role_of(user) == Role.ENTERPRISE:
        return None
    last = services.statistical_year()
    if last is None:
        return None
    years = sorted(y for y in services.fact_years() if y <= last)[-6:]
    counts = _label_counts(user, years)
    return Chart(
        _("企业培育趋势"),
        [str(y) for y in years],
        [
            {"name": _("规上企业"), "data": [counts.get((y, "above_scale"), 0) for y in years]},
            {"name": _("有研发活动的企业"), "data": [counts.get((y, "rd_active"), 0) for y in years]},
        ],
        kind="line",
        unit=_("家"),
    )


def district_chart(user):
    if not services.can_use_registry(user) or role_of(user) == Role.ENTERPRISE:
        return None
    year = services.statistical_year()
    if year is None:
        return None
    districts = list(services.visible_districts(user))
    if len(districts) < 2:  # a district bureau sees its own figures in the trend and the overview
        return None
    counts = _label_counts(user, [year], by_district=True)
    return Chart(
        _("区县对比（%(y)s年度）") % {"y": year},
        [d.name for d in districts],
        [
            {"name": _("规上企业"), "data": [counts.get((d.pk, "above_scale"), 0) for d in districts]},
            {"name": _("有研发活动的企业"), "data": [counts.get((d.pk, "rd_active"), 0) for d in districts]},
        ],
        unit=_("家"),
    )


def search(user, q: str, limit: int):
    if not services.can_use_registry(user):
        return None
    qs = services.search_enterprises(user, q=q).select_related("organisation__district")
    total = qs.count()
    hits = [
        SearchHit(
            e.organisation.name,
            reverse("enterprise_profile", args=[e.pk]),
            f"{e.organisation.uscc or ''} · {e.organisation.district.name}",
        )
        for e in qs.order_by("pk")[:limit]
    ]
    more = reverse("enterprise_list") + "?" + urlencode({"q": q}) if role_of(user) != Role.ENTERPRISE else ""
    return SearchGroup(_("企业"), hits, total, more)


__all__ = ["district_chart", "search", "todos", "trend_chart"]
