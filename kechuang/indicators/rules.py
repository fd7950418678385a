"""The indicators computed from the enterprise registry's yearly facts and derived labels.

Each rule is one aggregate query per year grouped by district (no loop over enterprises): the database
counts and sums, and the city figure is computed from the exact district numerators and denominators
(never from rounded district figures). A blank fact is unknown: it counts in neither numerator nor
denominator, and how many were left out is reported with the figure.
"""

from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from kechuang.core.registry import IndicatorRule, IndicatorValue, add_indicator_rule
from kechuang.enterprises.models import DerivedLabel, YearlyFacts

VERSION = "ind-2026.1"
RATIO_PLACES = Decimal("0.00000001")
AREA = "enterprise__organisation__district_id"


def _facts(year: int):
    above = DerivedLabel.objects.filter(
        enterprise_id=OuterRef("enterprise_id"), year=year, code="above_scale", status=DerivedLabel.Status.YES
    )
    # order_by() clears the model's ordering, which would otherwise join the GROUP BY.
    return YearlyFacts.objects.filter(year=year).annotate(above=Exists(above)).order_by()


def _grouped(qs, **aggregates) -> dict:
    """{district_id | None: {aggregate: value}} plus the city row under the key "city"."""
    rows = {r["area"]: r for r in qs.values(area=F(AREA)).annotate(**aggregates)}
    if not rows:
        return {}
    city = {k: _total(r[k] for r in rows.values()) for k in aggregates}
    return {**rows, "city": city}


def _total(values):
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _out(rows: dict, make) -> dict:
    """Map every area's aggregates to an IndicatorValue; district None (no district) only counts in
    the city."""
    out = {area: make(r) for area, r in rows.items() if area not in (None, "city")}
    if rows:
        out[None] = make(rows["city"])
    return out


def _ratio(num, den) -> Decimal | None:
    if not den:
        return None
    return (Decimal(num or 0) / Decimal(den)).quantize(RATIO_PLACES)


def high_tech_count(year: int) -> dict:
    rows = _grouped(
        _facts(year),
        yes=Count("pk", filter=Q(high_tech_cert_valid=True)),
        unknown=Count("pk", filter=Q(high_tech_cert_valid__isnull=True)),
    )
    return _out(rows, lambda r: IndicatorValue(value=r["yes"], numerator=r["yes"], unknown=r["unknown"]))


def above_scale_count(year: int) -> dict:
    qs = DerivedLabel.objects.filter(year=year, code="above_scale").order_by()
    rows = _grouped(
        qs,
        yes=Count("pk", filter=Q(status=DerivedLabel.Status.YES)),
        unknown=Count("pk", filter=Q(status=DerivedLabel.Status.UNKNOWN)),
    )
    return _out(rows, lambda r: IndicatorValue(value=r["yes"], numerator=r["yes"], unknown=r["unknown"]))


def rd_active_share(year: int) -> dict:
    rows = _grouped(
        _facts(year),
        num=Count("pk", filter=Q(above=True, rd_expense__gt=0)),
        den=Count("pk", filter=Q(above=True, rd_expense__isnull=False)),
        unknown=Count("pk", filter=Q(above=True, rd_expense__isnull=True)),
    )

    def make(r):
        value = _ratio(r["num"], r["den"])
        note = "" if value is not None else _("没有填报研发费用的规上工业企业，无法计算占比")
        return IndicatorValue(value, r["num"], r["den"], r["unknown"], note)

    return _out(rows, make)


def enterprise_rd_expense(year: int) -> dict:
    rows = _grouped(
        _facts(year),
        total=Sum("rd_expense"),
        known=Count("pk", filter=Q(rd_expense__isnull=False)),
        unknown=Count("pk", filter=Q(rd_expense__isnull=True)),
    )

    def make(r):
        if not r["known"]:
            return IndicatorValue(None, None, 0, r["unknown"], _("没有企业填报研发费用"))
        return IndicatorValue(Decimal(r["total"] or 0), Decimal(r["total"] or 0), r["known"], r["unknown"])

    return _out(rows, make)


def enterprise_high_tech_revenue_share(year: int) -> dict:
    both = Q(above=True, high_tech_revenue__isnull=False, revenue__isnull=False)
    rows = _grouped(
        _facts(year),
        num=Sum("high_tech_revenue", filter=both),
        den=Sum("revenue", filter=both),
        unknown=Count(
            "pk", filter=Q(above=True) & (Q(high_tech_revenue__isnull=True) | Q(revenue__isnull=True))
        ),
    )

    def make(r):
        value = _ratio(r["num"], r["den"])
        note = "" if value is not None else _("规上工业企业营业收入合计为零或未填报，无法计算占比")
        return IndicatorValue(value, r["num"], r["den"], r["unknown"], note)

    return _out(rows, make)


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
