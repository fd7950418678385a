"""The demo city's indicators: 淄博's published figures and 2022 targets (shared/seed-data/indicators.yaml),
those targets split to the districts, the actuals computed from the demo registry, and targets for the
latest demo year set around them so that the cockpit shows met, ahead and behind cases."""

from decimal import Decimal

from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from kechuang.core.models import District

from . import progress
from .models import Actual, Indicator, Target
from .services import compute, definitions, targets

CITY = "淄博市"
DOCUMENT = "演示数据：年度科技工作目标分解方案"
# City target of the latest demo year as a multiple of its actual (below 1: met; above: behind), and
# the stretch target's multiple where there is one.
PLAN = {
    "high_tech_count": (Decimal("0.97"), None),
    "above_scale_count": (Decimal("1.04"), None),
    "rd_active_share": (Decimal("1.02"), None),
    "enterprise_rd_expense": (Decimal("0.90"), Decimal("0.95")),
    "enterprise_high_tech_revenue_share": (Decimal("0.98"), Decimal("1.05")),
}


def _round(value: Decimal, unit: str) -> Decimal:
    if unit in ("count", "persons"):
        return value.quantize(Decimal(1))
    if unit == "yuan":
        return (value / 10000).quantize(Decimal(1)) * 10000
    return value.quantize(Decimal("0.0001"))


def load_indicators(ctx: dict, stdout) -> None:
    rng = ctx["rng_for"]("indicators")
    definitions.sync_indicators()
    counts = definitions.load_city(CITY)
    districts = list(District.objects.all())
    # 2022's published city targets split to the districts by their number of enterprises.
    for t in (
        Target.objects.filter(year=2022, district=None)
        .exclude(kind=Target.Kind.STRETCH)
        .select_related("indicator")
    ):
        parts = targets.suggest_split(
            t.indicator, t.value, targets.split_weights(t.indicator, t.year, districts)
        )
        _save_parts(t, parts)
    run = compute.recompute()
    year = max(ctx["years"])
    n_targets = 0
    for code, (factor, stretch) in PLAN.items():
        indicator = Indicator.objects.get(code=code)
        actuals = {a.district_id: a.value for a in Actual.objects.filter(indicator=indicator, year=year)}
        city_actual = actuals.get(None)
        if city_actual is None:
            continue
        total = _round(Decimal(city_actual) * factor, indicator.unit)
        city = Target.objects.create(
            indicator=indicator, year=year, kind=Target.Kind.TARGET, value=total, document=DOCUMENT
        )
        if stretch:
            Target.objects.create(
                indicator=indicator,
                year=year,
                kind=Target.Kind.STRETCH,
                value=_round(Decimal(city_actual) * stretch, indicator.unit),
                document=DOCUMENT,
            )
        # Each district's part follows its actual, pushed up or down so that some are ahead and some behind.
        noise = {d.pk: Decimal(str(round(float(rng.uniform(0.85, 1.2)), 3))) for d in districts}
        if indicator.unit == "ratio":
            parts = {
                d.pk: _round(total * noise[d.pk], "ratio").min(Decimal(1))
                for d in districts
                if d.pk in actuals
            }
        else:
            weights = [Decimal(actuals.get(d.pk) or 0) * noise[d.pk] for d in districts]
            places = -4 if indicator.unit == "yuan" else 0  # money in whole 万元
            split = progress.split(total, weights, places=places)
            parts = {d.pk: Decimal(format(p, "f")) for d, p in zip(districts, split, strict=True)}
        _save_parts(city, parts)
        n_targets += 1 + len(parts)
    stdout.write(
        _("  指标：统计数据 {e} 条，目标 {t} 条，计算值 {a} 个，{y}年演示目标 {n} 条").format(
            e=counts["entered"], t=counts["targets"], a=run.rows, y=year, n=n_targets
        )
    )


def _save_parts(city: Target, parts: dict) -> None:
    bulk_create_with_history(
        [
            Target(
                indicator=city.indicator,
                year=city.year,
                district_id=pk,
                kind=city.kind,
                value=v,
                document=city.document,
            )
            for pk, v in parts.items()
        ],
        Target,
        default_change_reason=DOCUMENT,
    )
