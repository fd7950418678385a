"""Statistics of an expert review round (专家评审): weighted totals, per-application mean, spread and
outliers, optional correction of reviewer severity, and the ranking.

Pure Python (no Django, no app): plain inputs, plain outputs.

Exactness. Every number here is a ``fractions.Fraction`` (a criterion score of 7.5 out of 10 with
weight 30 is exactly 45/2 points). Totals are compared to rank applications and to break ties, and
a float would make 1/3-weights or 0.1-steps compare unequal on one machine and equal on another, so
two equal totals could rank in either order. Fractions keep every comparison exact and the result
independent of the order of the reviews; callers round once, for storage and display
(``to_decimal``). The one irrational step, the square root in the standard deviation used by the
severity correction, is taken with ``decimal`` at 50 significant digits and then made a Fraction, so
everything after it is exact again.

Units: a review's total is in points, 0..100 (the rubric's weights sum to 100). Scores are in each
criterion's own units, 0..max.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

__all__ = [
    "OUTLIER_FLOOR",
    "OUTLIER_MADS",
    "EntryResult",
    "Outlier",
    "RoundResult",
    "ScoreError",
    "median",
    "normalise",
    "rank",
    "review_total",
    "summarise",
    "to_decimal",
    "to_fraction",
]

# A review is an outlier when its total lies further from the median of the entry's totals than
# max(OUTLIER_FLOOR points, OUTLIER_MADS × MAD), MAD being the median absolute deviation of those
# totals. The floor keeps a tight panel (MAD near 0) from flagging an ordinary 3-point difference;
# 3 × MAD is the usual robust cut-off (about 2 standard deviations for normal data). Entries with
# fewer than 3 reviews flag nothing: with two reviews the median is their midpoint and neither can
# be told to be the odd one.
OUTLIER_FLOOR = Fraction(15)
OUTLIER_MADS = Fraction(3)
MIN_REVIEWS_FOR_OUTLIERS = 3

Number = int | str | Fraction | decimal.Decimal | float


class ScoreError(ValueError):
    """A score that is missing, not a number, or outside 0..max. ``code`` names the criterion and
    ``rule`` says which rule failed: "missing", "number" or "range"."""

    def __init__(self, code: str, rule: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.rule = rule


def to_fraction(value: Number) -> Fraction:
    """An exact Fraction of an int, Decimal, numeric string or float (a float via its shortest
    decimal text, so 0.1 becomes 1/10). Raises ValueError for bool, NaN, infinities and non-numbers."""
    if isinstance(value, bool):
        raise ValueError("a bool is not a score")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float | decimal.Decimal | str):
        try:
            number = decimal.Decimal(str(value).strip())
        except decimal.InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
        if not number.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return Fraction(number)
    raise ValueError(f"not a number: {value!r}")


def to_decimal(value: Fraction | None, places: int = 2) -> decimal.Decimal | None:
    """Round an exact value half-up to ``places`` decimals for storage and display."""
    if value is None:
        return None
    quantum = decimal.Decimal(1).scaleb(-places)
    with decimal.localcontext() as ctx:
        ctx.prec = 60
        exact = decimal.Decimal(value.numerator) / decimal.Decimal(value.denominator)
        return exact.quantize(quantum, rounding=decimal.ROUND_HALF_UP)


def review_total(scores: Mapping[str, Number], rubric: Sequence[Mapping]) -> Fraction:
    """The weighted total of one review: Σ weight × score / max over the rubric's criteria.

    ``rubric``: criteria ``{"code", "weight", "max", ...}`` (weights > 0 summing to 100, max > 0,
    as the call's rubric is checked). ``scores``: criterion code → score in 0..max (criterion units).
    Returns points in 0..100, exact. Raises ScoreError naming the first criterion whose score is
    missing, not a number or out of range (codes not in the rubric are ignored).
    """
    total = Fraction(0)
    for criterion in rubric:
        code = str(criterion["code"])
        top = to_fraction(criterion["max"])
        weight = to_fraction(criterion["weight"])
        if code not in scores or scores[code] is None or scores[code] == "":
            raise ScoreError(code, "missing", f"score of {code} is missing")
        try:
            score = to_fraction(scores[code])
        except ValueError:
            raise ScoreError(code, "number", f"score of {code} is not a number") from None
        if not 0 <= score <= top:
            raise ScoreError(code, "range", f"score of {code} must lie in 0..{top}")
        total += weight * score / top
    return total


def median(values: Sequence[Fraction]) -> Fraction:
    """The median (mean of the two middle values for an even count). ``values`` must not be empty."""
    ordered = sorted(values)
    n = len(ordered)
    if n == 0:
        raise ValueError("median of nothing")
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _mean(values: Sequence[Fraction]) -> Fraction:
    return sum(values, Fraction(0)) / len(values)


def _sd(values: Sequence[Fraction]) -> Fraction:
    """Population standard deviation, the square root taken at 50 digits (see the module text)."""
    m = _mean(values)
    var = sum(((v - m) ** 2 for v in values), Fraction(0)) / len(values)
    if var == 0:
        return Fraction(0)
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        root = (decimal.Decimal(var.numerator) / decimal.Decimal(var.denominator)).sqrt()
    return Fraction(root)


# ----------------------------------------------------------------------------------- normalisation


def normalise(reviews: Sequence[tuple[Hashable, Hashable, Fraction]]) -> list[Fraction]:
    """Correct each reviewer's severity (打分宽严校正).

    ``reviews``: (entry, reviewer, total) triples of one round, totals in points. Returns the
    corrected total of each review, in the same order.

    Rule: a reviewer's totals are standardised by that reviewer's own mean and population standard
    deviation over their reviews in the round, z = (t − mean_r) / sd_r, then rescaled to the round's
    overall mean M and standard deviation S of all totals: t' = M + S × z. So a harsh reviewer's
    best application and a lenient reviewer's best land at the same height. A reviewer with a
    single review, or whose totals are all equal (sd 0), carries no information about their own
    scale: their totals are kept as given. The corrected values are not clipped to 0..100 (clipping
    would create ties that are not in the data).
    """
    by_reviewer: dict[Hashable, list[Fraction]] = defaultdict(list)
    for _entry, reviewer, total in reviews:
        by_reviewer[reviewer].append(total)
    totals = [t for _e, _r, t in reviews]
    if not totals:
        return []
    overall_mean, overall_sd = _mean(totals), _sd(totals)
    scale: dict[Hashable, tuple[Fraction, Fraction] | None] = {}
    for reviewer, values in by_reviewer.items():
        sd = _sd(values) if len(values) > 1 else Fraction(0)
        scale[reviewer] = (_mean(values), sd) if sd > 0 else None
    out = []
    for _entry, reviewer, total in reviews:
        own = scale[reviewer]
        if own is None:
            out.append(total)
        else:
            mean_r, sd_r = own
            out.append(overall_mean + overall_sd * (total - mean_r) / sd_r)
    return out


# --------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Outlier:
    """A review far from its entry's others: ``deviation`` = total − median, in points."""

    reviewer: Hashable
    total: Fraction
    median: Fraction
    deviation: Fraction
    threshold: Fraction


@dataclass(frozen=True)
class EntryResult:
    """One entry's figures, in points. ``mean``, ``spread`` (max − min) and ``median`` are of the raw
    totals; ``normalised`` is the mean of the corrected totals (None when not asked for); ``score`` is
    what ranks (``normalised`` if asked for, else ``mean``); all None when the entry has no review."""

    entry: Hashable
    n: int
    mean: Fraction | None
    median: Fraction | None
    spread: Fraction | None
    normalised: Fraction | None
    score: Fraction | None
    outliers: tuple[Outlier, ...] = ()
    rank: int = 0


@dataclass
class RoundResult:
    """Per entry, best first (``entries``), and each review's corrected total keyed by (entry,
    reviewer) when normalisation was asked for."""

    entries: list[EntryResult]
    corrected: dict[tuple[Hashable, Hashable], Fraction] = field(default_factory=dict)

    def by_entry(self) -> dict[Hashable, EntryResult]:
        return {e.entry: e for e in self.entries}


def outliers(
    totals: Sequence[tuple[Hashable, Fraction]],
    *,
    floor: Fraction = OUTLIER_FLOOR,
    mads: Fraction = OUTLIER_MADS,
) -> list[Outlier]:
    """(reviewer, total) pairs of one entry → the reviews further than max(floor, mads × MAD) points
    from the median (see OUTLIER_FLOOR); none with fewer than 3 reviews."""
    if len(totals) < MIN_REVIEWS_FOR_OUTLIERS:
        return []
    values = [t for _r, t in totals]
    mid = median(values)
    mad = median([abs(v - mid) for v in values])
    threshold = max(floor, mads * mad)
    return [Outlier(r, t, mid, t - mid, threshold) for r, t in totals if abs(t - mid) > threshold]


def rank(results: Iterable[EntryResult], order: Mapping[Hashable, int] | None = None) -> list[EntryResult]:
    """Best first, each with its 1-based ``rank``; ranks are 1..n with no ties.

    Order: higher ``score``; on equal scores, higher raw ``mean``; then smaller ``spread`` (the
    panel agreed more); then the entry's position in ``order`` (the caller's stable key, e.g. the
    earlier application first), or the entry key itself. Entries without a review come last, in that
    same order. The result does not depend on the order of the input.
    """
    items = list(results)
    order = order or {}

    def key(e: EntryResult):
        tie = order.get(e.entry, e.entry)
        if e.score is None:
            return (1, 0, 0, 0, tie)
        return (0, -e.score, -e.mean, e.spread, tie)

    items.sort(key=key)
    return [
        EntryResult(
            entry=e.entry,
            n=e.n,
            mean=e.mean,
            median=e.median,
            spread=e.spread,
            normalised=e.normalised,
            score=e.score,
            outliers=e.outliers,
            rank=k,
        )
        for k, e in enumerate(items, start=1)
    ]


def summarise(
    entries: Sequence[Hashable],
    reviews: Sequence[tuple[Hashable, Hashable, Fraction]],
    *,
    normalised: bool = False,
    order: Mapping[Hashable, int] | None = None,
    floor: Fraction = OUTLIER_FLOOR,
    mads: Fraction = OUTLIER_MADS,
) -> RoundResult:
    """The results table of a round.

    ``entries``: every entry key of the round (those without reviews are ranked last).
    ``reviews``: (entry, reviewer, total) triples of the submitted reviews, totals in points 0..100,
    at most one per (entry, reviewer). ``normalised``: rank by the severity-corrected mean
    (``normalise``) instead of the raw mean. ``order``: tie-break position of each entry (``rank``).
    Outliers are judged on the raw totals (what the experts actually gave).
    """
    known = set(entries)
    for e, _r, _t in reviews:
        if e not in known:
            raise ValueError(f"review of unknown entry {e!r}")
    corrected_list = normalise(reviews) if normalised else []
    corrected = {
        (e, r): c for (e, r, _t), c in zip(reviews, corrected_list, strict=True)
    } if normalised else {}  # fmt: skip
    per_entry: dict[Hashable, list[tuple[Hashable, Fraction]]] = defaultdict(list)
    for e, r, t in reviews:
        per_entry[e].append((r, t))
    results = []
    for e in dict.fromkeys(entries):
        rows = per_entry.get(e, [])
        if not rows:
            results.append(EntryResult(e, 0, None, None, None, None, None))
            continue
        values = [t for _r, t in rows]
        mean = _mean(values)
        norm = _mean([corrected[(e, r)] for r, _t in rows]) if normalised else None
        results.append(
            EntryResult(
                entry=e,
                n=len(rows),
                mean=mean,
                median=median(values),
                spread=max(values) - min(values),
                normalised=norm,
                score=norm if normalised else mean,
                outliers=tuple(outliers(rows, floor=floor, mads=mads)),
            )
        )
    return RoundResult(rank(results, order), corrected)
