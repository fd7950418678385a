"""The indicators of the talent app (registered in ``apps.ready``): 科技副总人数, 科技特派员人数 and
引进外国专家人次, for a year and by district.

A 科技副总 counts in a year when a term of theirs overlaps it (one person at one enterprise counts once,
renewed or not), in the enterprise's district. A commissioner counts its persons (a team its members)
when serving in the year, in the district served. A foreign expert's visit counts once (one 人次) in the
year it began, in the host organisation's district.
"""

from collections import Counter

from django.urls import reverse
from django.utils.translation import gettext_lazy as _lazy

from kechuang.core.registry import IndicatorRule, IndicatorValue

from .models import Appointment, Commissioner
from .services import serving_in, visits_in

VERSION = "talent-2026.1"


def _out(counts: Counter) -> dict:
    out = {d: IndicatorValue(value=n) for d, n in counts.items()}
    out[None] = IndicatorValue(value=sum(counts.values()))
    return out


def tech_vp_count(year: int) -> dict:
    rows = set(
        Appointment.objects.filter(serving_in(year)).values_list(
            "person", "enterprise_id", "enterprise__organisation__district_id"
        )
    )
    return _out(Counter(d for _p, _e, d in rows))


def commissioner_count(year: int) -> dict:
    counts = Counter()
    for district_id, members in Commissioner.objects.filter(serving_in(year)).values_list(
        "district_id", "members"
    ):
        counts[district_id] += members
    return _out(counts)


def foreign_expert_visits(year: int) -> dict:
    return _out(Counter(visits_in(year).values_list("project__host__district_id", flat=True)))


def _url(name):
    def records_url(year, district_id=None) -> str:
        return reverse(name)

    return records_url


RULES = [
    IndicatorRule(code="tech_vp_count", version=VERSION, compute=tech_vp_count, name=_lazy("科技副总人数"),
                  unit="persons", records_url=_url("talent_appointments"), order=70),
    IndicatorRule(code="commissioner_count", version=VERSION, compute=commissioner_count,
                  name=_lazy("科技特派员人数"), unit="persons", records_url=_url("talent_commissioners"), order=71),
    IndicatorRule(code="foreign_expert_visits", version=VERSION, compute=foreign_expert_visits,
                  name=_lazy("引进外国专家人次"), unit="persons", records_url=_url("talent_foreign"), order=72),
]  # fmt: skip
