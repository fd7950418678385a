"""The indicators this app computes from its own records (registered in ``apps.ready`` into
``core.registry``): 科技类平台总数, 新增省级以上创新平台, 规上工业企业研发机构覆盖率.

A platform counts for a year when it was recognised by the end of that year (or its date is not
recorded) and is neither pending nor withdrawn now. Above-scale industrial enterprises are those whose
``above_scale`` label of that year is "yes" (kechuang.enterprises: the label is computed from the
GB/T 4754 section B/C/D industry code and revenue ≥ 20 M yuan, so it already means *industrial*);
an enterprise whose label is unknown is left out of both numerator and denominator and counted in
``unknown``.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kechuang.core.registry import IndicatorRule, IndicatorValue
from kechuang.enterprises.models import DerivedLabel

from .models import CarrierStatus, Level, Platform

VERSION = "platforms-2026.1"
COUNTED = Q(status__in=[CarrierStatus.ACTIVE, CarrierStatus.UNDER_EVALUATION, CarrierStatus.WARNED])


def _counted(year: int):
    end = dt.date(year, 12, 31)
    return Platform.objects.filter(COUNTED).filter(Q(recognised_on__lte=end) | Q(recognised_on__isnull=True))


def _by_district(rows) -> dict:
    counts = Counter(rows)
    out = {d: IndicatorValue(value=n) for d, n in counts.items()}
    out[None] = IndicatorValue(value=sum(counts.values()))
    return out


def platform_count(year: int) -> dict:
    return _by_district(_counted(year).values_list("host__district_id", flat=True))


def new_provincial_platforms(year: int) -> dict:
    qs = Platform.objects.filter(COUNTED).filter(
        level__in=[Level.PROVINCIAL, Level.NATIONAL], recognised_on__year=year
    )
    return _by_district(qs.values_list("host__district_id", flat=True))


def rd_institution_coverage(year: int) -> dict:
    labels = DerivedLabel.objects.filter(code="above_scale", year=year).values_list(
        "enterprise_id", "enterprise__organisation__district_id", "status"
    )
    hosting = set(_counted(year).values_list("host_id", flat=True))
    num, den, unknown = Counter(), Counter(), Counter()
    for enterprise_id, district_id, status in labels:
        if status == DerivedLabel.Status.UNKNOWN:
            unknown[district_id] += 1
        elif status == DerivedLabel.Status.YES:
            den[district_id] += 1
            if enterprise_id in hosting:
                num[district_id] += 1
    out = {}
    for district_id in set(den) | set(unknown):
        out[district_id] = _ratio(num[district_id], den[district_id], unknown[district_id])
    out[None] = _ratio(sum(num.values()), sum(den.values()), sum(unknown.values()))
    return out


def _ratio(num: int, den: int, unknown: int) -> IndicatorValue:
    if not den:
        return IndicatorValue(
            value=None,
            numerator=num,
            denominator=0,
            unknown=unknown,
            note=_("没有规上工业企业，无法计算覆盖率"),
        )
    return IndicatorValue(value=Decimal(num) / Decimal(den), numerator=num, denominator=den, unknown=unknown)


def records_url(year: int, district_id=None) -> str:
    query = {"district": district_id} if district_id else {}
    return reverse("platforms_list") + ("?" + urlencode(query) if query else "")


RULES = [
    IndicatorRule(
        code="platform_count", version=VERSION, compute=platform_count, name=_lazy("科技类平台总数"),
        unit="count", records_url=records_url, order=60,
    ),
    IndicatorRule(
        code="new_provincial_platforms", version=VERSION, compute=new_provincial_platforms,
        name=_lazy("新增省级以上创新平台"), unit="count", records_url=records_url, order=61,
    ),
    IndicatorRule(
        code="rd_institution_coverage", version=VERSION, compute=rd_institution_coverage,
        name=_lazy("规上工业企业研发机构覆盖率"), unit="ratio", records_url=records_url, order=62,
    ),
]  # fmt: skip
