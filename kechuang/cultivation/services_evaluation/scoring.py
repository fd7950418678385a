"""Scoring every enterprise by one system version for one year: facts read in one query into numpy, the
engine computes weights and scores, ranks in the city, district and industry division are computed in
polars, and the run is stored with the system version."""

import numpy as np
import polars as pl
from django.db import transaction
from django.utils.translation import gettext as _

from kechuang.engines import scoring
from kechuang.enterprises.models import YearlyFacts

from ..models.evaluation import CompositeMethod, EnterpriseScore, EvaluationRun, IndicatorSystem, WeightMethod
from .formulas import FACT_FIELDS, FORMULAS

CITY = "city"


def _facts(year: int):
    """Arrays of this year's and last year's facts for every enterprise with facts this year."""
    cols = ("enterprise_id", "year", "enterprise__organisation__district_id", "enterprise__industry_code")
    rows = list(YearlyFacts.objects.filter(year__in=(year, year - 1)).values_list(*cols, *FACT_FIELDS))
    if not rows:
        return None
    schema = ["id", "year", "district", "industry", *FACT_FIELDS]
    df = pl.DataFrame(rows, schema=schema, orient="row", infer_schema_length=None)
    df = df.with_columns([pl.col(c).cast(pl.Float64) for c in FACT_FIELDS])
    cur = df.filter(pl.col("year") == year).sort("id")
    prev = cur.select("id").join(df.filter(pl.col("year") == year - 1), on="id", how="left")
    return cur, prev


def _arrays(frame) -> dict[str, np.ndarray]:
    return {c: frame[c].fill_null(np.nan).to_numpy().astype(float) for c in FACT_FIELDS}


def indicator_matrix(indicators, cur: dict, prev: dict) -> np.ndarray:
    return np.column_stack([FORMULAS[i.formula].compute(cur, prev) for i in indicators])


def system_weights(
    system: IndicatorSystem, indicators, matrix: np.ndarray, benefit: np.ndarray
) -> np.ndarray:
    expert = np.array([float(i.weight) for i in indicators])
    method = system.weight_method
    if method == WeightMethod.EQUAL:
        return scoring.equal_weights(len(indicators))
    if method == WeightMethod.EXPERT:
        return scoring.expert_weights(expert)
    if method == WeightMethod.CRITIC:
        return scoring.critic_weights(matrix, benefit)
    objective = scoring.entropy_weights(scoring.normalise(matrix, benefit, "minmax"))
    if method == WeightMethod.ENTROPY:
        return objective
    return scoring.combine_weights(expert, objective, alpha=float(system.subjective_share))


def composite(system: IndicatorSystem, matrix: np.ndarray, benefit: np.ndarray, weights: np.ndarray):
    if system.composite_method == CompositeMethod.TOPSIS:
        return scoring.topsis(matrix, weights, benefit, system.normalisation)
    if system.composite_method == CompositeMethod.GREY:
        return scoring.grey_relational(matrix, weights, benefit, normalisation=system.normalisation)
    return scoring.weighted_sum(scoring.normalise(matrix, benefit, system.normalisation), weights)


def _nan_to_none(row) -> list:
    return [None if np.isnan(v) else round(float(v), 6) for v in row]


@transaction.atomic
def run(system: IndicatorSystem, year: int, user=None) -> EvaluationRun:
    """Score every enterprise with facts for ``year``; replaces an earlier run of the same version and
    year. Scores are on a 0–100 scale."""
    indicators = list(system.indicators.all())
    if not indicators:
        from django.core.exceptions import ValidationError

        raise ValidationError({"system": _("评价体系“%(s)s”没有指标") % {"s": system.name}})
    loaded = _facts(year)
    evaluation, _created = EvaluationRun.objects.update_or_create(
        system=system, year=year, defaults={"run_by": user if user and user.is_authenticated else None}
    )
    EnterpriseScore.objects.filter(run=evaluation).delete()
    if loaded is None:
        evaluation.weights, evaluation.medians, evaluation.group_sizes, evaluation.scored = [], {}, {}, 0
        evaluation.save()
        return evaluation
    cur, prev = loaded
    benefit = np.array([i.benefit for i in indicators])
    matrix = indicator_matrix(indicators, _arrays(cur), _arrays(prev))
    weights = system_weights(system, indicators, matrix, benefit)
    score = composite(system, matrix, benefit, weights) * 100.0
    display = scoring.normalise(matrix, benefit, "minmax")  # the portrait's 0–1 scale

    industry = cur["industry"].fill_null("")
    division = (
        pl.DataFrame({"c": industry})
        .select(
            pl.when(pl.col("c").str.contains("^[A-Za-z]"))
            .then(pl.col("c").str.slice(0, 3))
            .otherwise(pl.col("c").str.slice(0, 2))
        )
        .to_series()
        .to_numpy()
    )
    district = cur["district"].to_numpy()
    ranks = pl.DataFrame({"score": np.round(score, 9), "district": district, "division": division}).select(
        pl.col("score").rank("min", descending=True).alias("city"),
        pl.col("score").rank("min", descending=True).over("district").alias("district"),
        pl.col("score").rank("min", descending=True).over("division").alias("division"),
    )
    evaluation.weights = [float(w) for w in weights]
    evaluation.medians = _medians(display, matrix, division)
    evaluation.group_sizes = {
        "district": {str(k): int(v) for k, v in zip(*np.unique(district, return_counts=True), strict=True)},
        "division": {str(k): int(v) for k, v in zip(*np.unique(division, return_counts=True), strict=True)},
    }
    evaluation.scored = len(score)
    evaluation.save()
    ids = cur["id"].to_numpy()
    rc, rd, ri = (ranks[c].to_numpy() for c in ("city", "district", "division"))
    EnterpriseScore.objects.bulk_create(
        (
            EnterpriseScore(
                run=evaluation,
                enterprise_id=int(ids[k]),
                year=year,
                score=round(float(score[k]), 4),
                rank_city=int(rc[k]),
                rank_district=int(rd[k]),
                rank_industry=int(ri[k]),
                normalised=_nan_to_none(display[k]),
                values=_nan_to_none(matrix[k]),
            )
            for k in range(len(ids))
        ),
        batch_size=2000,
    )
    return evaluation


def _medians(display: np.ndarray, matrix: np.ndarray, division: np.ndarray) -> dict:
    """Per industry division and for the city: the median normalised and raw value of each indicator."""

    def med(rows: np.ndarray, m: np.ndarray) -> list:
        with np.errstate(all="ignore"):
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                return _nan_to_none(np.nanmedian(m[rows], axis=0))

    out = {CITY: {"norm": med(slice(None), display), "raw": med(slice(None), matrix)}}
    order = np.argsort(division, kind="stable")
    keys, starts = np.unique(division[order], return_index=True)
    bounds = [*starts[1:], len(order)]
    for key, lo, hi in zip(keys, starts, bounds, strict=True):
        rows = order[lo:hi]
        out[str(key)] = {"norm": med(rows, display), "raw": med(rows, matrix)}
    return out


def division_of(industry_code: str | None) -> str:
    """The industry division (行业大类) an industry code belongs to: "C3976" → "C39", "3976" → "39"."""
    code = industry_code or ""
    return code[:3] if code[:1].isalpha() else code[:2]


def latest_run(system: IndicatorSystem, year: int | None = None) -> EvaluationRun | None:
    runs = EvaluationRun.objects.filter(system=system)
    if year:
        runs = runs.filter(year=year)
    return runs.order_by("-year").first()
