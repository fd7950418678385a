"""The indicators computed from the enterprise registry's yearly facts and derived labels.

One aggregate query per year, grouped by district, gives every rule's figures (no loop over
enterprises; within a recompute it runs once per year for all five rules): the database counts and sums, and the city figure is computed from the exact district numerators and denominators
(never from rounded district figures). A blank fact is unknown: it counts in neither numerator nor
denominator, and how many were left out is reported with the figure.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.db import connection
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kechuang.core.models import Organisation
from kechuang.core.registry import IndicatorRule, IndicatorValue, add_indicator_rule
from kechuang.enterprises.models import DerivedLabel, YearlyFacts

VERSION = "ind-2026.1"
RATIO_PLACES = Decimal("0.00000001")


@dataclass
class _Area:
    """One district's sums over its enterprises' facts of a year (district None: no district)."""

    facts: int = 0
    high_tech: int = 0
    high_tech_unknown: int = 0
    above: int = 0
    above_unknown: int = 0
    rd_num: int = 0  # above scale, R&D > 0
    rd_den: int = 0  # above scale, R&D known
    rd_unknown: int = 0  # above scale, R&D blank
    rd_sum: Decimal = Decimal(0)
    rd_known: int = 0
    rd_blank: int = 0
    ht_num: Decimal = Decimal(0)
    ht_den: Decimal = Decimal(0)
    ht_unknown: int = 0

    def add(self, other: "_Area") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


# One pass over a year's facts computes every figure of this module: a LEFT JOIN to the year's
# above-scale label and conditional sums grouped by district. Written once for PostgreSQL and SQLite
# (CASE rather than FILTER); the tables are the models' own.
_SQL = """
SELECT o.district_id,
  COUNT(*),
  SUM(CASE WHEN f.high_tech_cert_valid THEN 1 ELSE 0 END),
  SUM(CASE WHEN f.high_tech_cert_valid IS NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN l.status = %s THEN 1 ELSE 0 END),
  SUM(CASE WHEN l.status = %s THEN 1 ELSE 0 END),
  SUM(CASE WHEN l.status = %s AND f.rd_expense > 0 THEN 1 ELSE 0 END),
  SUM(CASE WHEN l.status = %s AND f.rd_expense IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN l.status = %s AND f.rd_expense IS NULL THEN 1 ELSE 0 END),
  SUM(f.rd_expense),
  SUM(CASE WHEN f.rd_expense IS NOT NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN f.rd_expense IS NULL THEN 1 ELSE 0 END),
  SUM(CASE WHEN l.status = %s AND f.revenue IS NOT NULL AND f.high_tech_revenue IS NOT NULL
      THEN f.high_tech_revenue END),
  SUM(CASE WHEN l.status = %s AND f.revenue IS NOT NULL AND f.high_tech_revenue IS NOT NULL
      THEN f.revenue END),
  SUM(CASE WHEN l.status = %s AND (f.revenue IS NULL OR f.high_tech_revenue IS NULL) THEN 1 ELSE 0 END)
FROM {facts} f
JOIN {orgs} o ON o.id = f.enterprise_id
LEFT JOIN {labels} l ON l.enterprise_id = f.enterprise_id AND l.year = f.year AND l.code = %s
WHERE f.year = %s
GROUP BY o.district_id
"""

_batch: ContextVar[dict | None] = ContextVar("indicator_rules_batch", default=None)


@contextmanager
def batch():
    """Within this block each year's facts are read once for all five rules (a recompute runs every
    rule for every year in turn); outside it every call reads the database afresh."""
    token = _batch.set({})
    try:
        yield
    finally:
        _batch.reset(token)


def _money(value) -> Decimal:
    if value is None:
        return Decimal(0)
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _areas(year: int) -> dict:
    """{district_id | None: _Area} for ``year`` plus the whole city under "city"; {} without facts."""
    cache = _batch.get()
    if cache is not None and year in cache:
        return cache[year]
    sql = _SQL.format(
        facts=YearlyFacts._meta.db_table,
        orgs=Organisation._meta.db_table,
        labels=DerivedLabel._meta.db_table,
    )
    yes, unknown = DerivedLabel.Status.YES, DerivedLabel.Status.UNKNOWN
    # In the order the placeholders appear in _SQL.
    params = [yes, unknown, yes, yes, yes, yes, yes, yes, "above_scale", year]
    out: dict = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            out[row[0]] = _Area(
                *(int(v or 0) for v in row[1:9]),
                rd_sum=_money(row[9]),
                rd_known=int(row[10] or 0),
                rd_blank=int(row[11] or 0),
                ht_num=_money(row[12]),
                ht_den=_money(row[13]),
                ht_unknown=int(row[14] or 0),
            )
    if out:
        city = _Area()
        for area in out.values():
            city.add(area)
        out["city"] = city
    if cache is not None:
        cache[year] = out
    return out


def _out(year: int, make) -> dict:
    """Every district's figure and the city's (district None: enterprises without a district count in
    the city only)."""
    areas = _areas(year)
    out = {key: make(a) for key, a in areas.items() if key not in (None, "city")}
    if areas:
        out[None] = make(areas["city"])
    return out


def _ratio(num, den) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num or 0) / Decimal(den)).quantize(RATIO_PLACES)


def high_tech_count(year: int) -> dict:
    return _out(year, lambda a: IndicatorValue(a.high_tech, a.high_tech, unknown=a.high_tech_unknown))


def above_scale_count(year: int) -> dict:
    return _out(year, lambda a: IndicatorValue(a.above, a.above, unknown=a.above_unknown))


def rd_active_share(year: int) -> dict:
    def make(a):
        value = _ratio(a.rd_num, a.rd_den)
        note = "" if value is not None else _("没有填报研发费用的规上工业企业，无法计算占比")
        return IndicatorValue(value, a.rd_num, a.rd_den, a.rd_unknown, note)

    return _out(year, make)


def enterprise_rd_expense(year: int) -> dict:
    def make(a):
        if not a.rd_known:
            return IndicatorValue(None, None, 0, a.rd_blank, _("没有企业填报研发费用"))
        return IndicatorValue(a.rd_sum, a.rd_sum, a.rd_known, a.rd_blank)

    return _out(year, make)


def enterprise_high_tech_revenue_share(year: int) -> dict:
    def make(a):
        value = _ratio(a.ht_num, a.ht_den)
        note = "" if value is not None else _("规上工业企业营业收入合计为零或未填报，无法计算占比")
        return IndicatorValue(value, a.ht_num, a.ht_den, a.ht_unknown, note)

    return _out(year, make)


def registry_url(**params):
    """``records_url`` for the enterprise registry list filtered by ``params`` plus year and district."""

    def url(year: int, district_id: int | None) -> str:
        query = {"year": year, **params}
        if district_id:
            query["district"] = district_id
        return f"{reverse('enterprise_list')}?{urlencode(query)}"

    return url


RULES = (
    IndicatorRule(
        "high_tech_count",
        VERSION,
        high_tech_count,
        _lazy("高新技术企业数量"),
        "count",
        registry_url(fact="high_tech"),
        order=10,
    ),
    IndicatorRule(
        "above_scale_count",
        VERSION,
        above_scale_count,
        _lazy("规模以上工业企业数量"),
        "count",
        registry_url(label="above_scale"),
        order=20,
    ),
    IndicatorRule(
        "rd_active_share",
        VERSION,
        rd_active_share,
        _lazy("有研发活动的规上工业企业占比"),
        "ratio",
        registry_url(label="above_scale", fact="rd_positive"),
        order=30,
    ),
    IndicatorRule(
        "enterprise_rd_expense",
        VERSION,
        enterprise_rd_expense,
        _lazy("企业研发费用合计"),
        "yuan",
        registry_url(fact="rd_reported"),
        order=40,
    ),
    IndicatorRule(
        "enterprise_high_tech_revenue_share",
        VERSION,
        enterprise_high_tech_revenue_share,
        _lazy("规上工业企业高新技术产品收入占比"),
        "ratio",
        registry_url(label="above_scale", fact="revenue_both"),
        order=50,
    ),
)


def register() -> None:
    for rule in RULES:
        add_indicator_rule(rule)
