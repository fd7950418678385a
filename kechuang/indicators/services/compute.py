"""Recomputing every registered rule (this app's and other apps'), and reading an actual."""

import logging
from decimal import Decimal

from django.core.cache import cache
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kechuang.core.models import District
from kechuang.core.registry import IndicatorValue, indicator_rules
from kechuang.enterprises.models import YearlyFacts

from ..models import Actual, EnteredValue, Indicator, RecomputeRun, Target
from ..rules import batch as rule_batch
from .definitions import sync_indicators

log = logging.getLogger(__name__)
DEFAULT_YEAR_KEY = "indicators:default-year"


def years_to_compute() -> list[int]:
    """Every year with yearly facts or targets, and the running year (other apps' records are dated)."""
    years = set(YearlyFacts.objects.values_list("year", flat=True).distinct())
    years |= set(Target.objects.values_list("year", flat=True).distinct())
    years.add(timezone.localdate().year)
    return sorted(years)


def _dec(value):
    return None if value is None else Decimal(value)


def recompute(run: RecomputeRun | None = None, *, years: list[int] | None = None) -> RecomputeRun:
    """Run every registered rule for every year and replace its stored actuals, one rule at a time
    (each replace is one transaction, so the cockpit never shows half a rule). Progress lands on ``run``."""
    run = run or RecomputeRun.objects.create()
    sync_indicators()
    rules = indicator_rules()
    years = years or years_to_compute()
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=[r.code for r in rules])}
    valid_districts = set(District.objects.values_list("pk", flat=True))
    RecomputeRun.objects.filter(pk=run.pk).update(
        status=RecomputeRun.Status.RUNNING, total=len(rules), done=0
    )
    today, now = timezone.localdate(), timezone.now()
    cache.delete(DEFAULT_YEAR_KEY)
    try:
        with rule_batch():
            written = _run_rules(run, rules, years, indicators, valid_districts, today, now)
    except Exception as exc:
        log.exception("indicator recompute failed")
        RecomputeRun.objects.filter(pk=run.pk).update(
            status=RecomputeRun.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    RecomputeRun.objects.filter(pk=run.pk).update(
        status=RecomputeRun.Status.DONE, done=len(rules), rows=written, stage="", finished_at=timezone.now()
    )
    run.refresh_from_db()
    return run


def _run_rules(run, rules, years, indicators, valid_districts, today, now) -> int:
    written = 0
    for n, rule in enumerate(rules):
        RecomputeRun.objects.filter(pk=run.pk).update(stage=str(rule.name or rule.code), done=n)
        rows = []
        for year in years:
            for district_id, v in (rule.compute(year) or {}).items():
                if district_id is not None and district_id not in valid_districts:
                    continue
                if not isinstance(v, IndicatorValue):
                    v = IndicatorValue(value=v)
                rows.append(
                    Actual(
                        indicator=indicators[rule.code],
                        year=year,
                        district_id=district_id,
                        value=_dec(v.value),
                        numerator=_dec(v.numerator),
                        denominator=_dec(v.denominator),
                        unknown=v.unknown or 0,
                        note=str(v.note)[:200],
                        rule_version=rule.version,
                        data_date=today,
                        computed_at=now,
                    )
                )
        with transaction.atomic():
            Actual.objects.filter(indicator=indicators[rule.code], year__in=years).delete()
            Actual.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
    return written


def queue_recompute() -> RecomputeRun:
    """A queued run, reusing one still waiting (ten imports in a row need one recompute, not ten)."""
    waiting = RecomputeRun.objects.filter(status=RecomputeRun.Status.QUEUED).first()
    return waiting or RecomputeRun.objects.create()


def latest_run() -> RecomputeRun | None:
    return RecomputeRun.objects.first()


def last_computed():
    return Actual.objects.aggregate(at=Max("computed_at"))["at"]


def read_actual(code: str, year: int, district_id=None):
    """The platform's computed figure, else the official one (for supervision milestones)."""
    actual = (
        Actual.objects.filter(indicator__code=code, year=year, district_id=district_id)
        .values_list("value", flat=True)
        .first()
    )
    if actual is not None:
        return actual
    return (
        EnteredValue.objects.filter(indicator__code=code, year=year, district_id=district_id)
        .values_list("value", flat=True)
        .first()
    )


def choices() -> list[tuple[str, str]]:
    return list(Indicator.objects.values_list("code", "name"))


def compute_now(year: int) -> list[tuple[Indicator, int | None, IndicatorValue]]:
    """Every rule's figures for ``year`` straight from the records (the CLI's answer), not the stored ones."""
    sync_indicators()
    indicators = {i.code: i for i in Indicator.objects.all()}
    out = []
    with rule_batch():
        return _compute_now(year, indicators, out)


def _compute_now(year, indicators, out):
    for rule in indicator_rules():
        for district_id, v in (rule.compute(year) or {}).items():
            out.append(
                (
                    indicators[rule.code],
                    district_id,
                    v if isinstance(v, IndicatorValue) else IndicatorValue(v),
                )
            )
    return out


def describe_unknown(v) -> str:
    return _("另有 %(n)s 家企业数据缺失未计入") % {"n": v.unknown} if v.unknown else ""
