"""Progress against a target and the light a leader reads (pure Python, no Django).

``progress`` is actual ÷ target for an indicator where higher is better, target ÷ actual where lower is
better. For a cumulative indicator of the running year, the pace expected at ``today`` (序时进度) is the
share of the year gone by; being at or above it is "on track". Lights: ``ahead`` (the stretch target,
or 110 % of the target when there is none, is reached), ``met``, ``on_track``, ``behind``, or ``none``
when there is no actual or no target.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

AHEAD_WITHOUT_STRETCH = Decimal("1.10")


@dataclass(frozen=True)
class Assessment:
    progress: Decimal | None  # fraction of the target reached
    pace: Decimal | None  # 序时进度: the fraction expected by today (None: not a running cumulative year)
    light: str  # ahead | met | on_track | behind | none


def year_elapsed(year: int, today: dt.date) -> Decimal:
    """The fraction of ``year`` gone by on ``today``: 0 before it starts, 1 once it is over."""
    start, end = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if today < start:
        return Decimal(0)
    if today >= end:
        return Decimal(1)
    return (Decimal((today - start).days + 1) / Decimal((end - start).days)).quantize(Decimal("0.0001"))


def ratio(actual, target, *, lower_is_better: bool = False) -> Decimal | None:
    if actual is None or target is None:
        return None
    actual, target = Decimal(actual), Decimal(target)
    if lower_is_better:
        return None if actual <= 0 else (target / actual).quantize(Decimal("0.0001"))
    if target <= 0:
        return None
    return (actual / target).quantize(Decimal("0.0001"))


def assess(
    actual,
    target,
    *,
    stretch=None,
    lower_is_better: bool = False,
    cumulative: bool = False,
    year: int,
    today: dt.date,
) -> Assessment:
    progress = ratio(actual, target, lower_is_better=lower_is_better)
    if progress is None:
        return Assessment(None, None, "none")
    elapsed = year_elapsed(year, today)
    pace = elapsed if cumulative and elapsed < 1 else None
    stretch_progress = ratio(actual, stretch, lower_is_better=lower_is_better)
    if (stretch_progress is not None and stretch_progress >= 1) or (
        stretch is None and progress >= AHEAD_WITHOUT_STRETCH
    ):
        light = "ahead"
    elif progress >= 1:
        light = "met"
    elif pace is not None and progress >= pace:
        light = "on_track"
    else:
        light = "behind"
    return Assessment(progress, pace, light)


def change(current, previous) -> Decimal | None:
    """Change on the same period last year, as a fraction of last year's figure."""
    if current is None or previous is None or Decimal(previous) == 0:
        return None
    return ((Decimal(current) - Decimal(previous)) / abs(Decimal(previous))).quantize(Decimal("0.0001"))


def split(total: Decimal, weights: list[Decimal], *, places: int = 0) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights`` so that the parts add up exactly: each part is
    rounded down to ``places`` decimals and the remainder goes, one unit at a time, to the largest
    remainders (ties to the earlier part). Equal parts when every weight is zero."""
    total = Decimal(total)
    weights = [Decimal(w) for w in weights]
    if not weights:
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    if sum(weights) == 0:
        weights = [Decimal(1)] * len(weights)
    unit = Decimal(1).scaleb(-places)
    scaled = total / unit
    whole = scaled.to_integral_value(rounding="ROUND_FLOOR")
    sum_w = sum(weights)
    raw = [scaled * w / sum_w for w in weights]
    parts = [r.to_integral_value(rounding="ROUND_FLOOR") for r in raw]
    left = int(whole - sum(parts))
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    # What rounding the total itself dropped (a total with more decimals than ``places``) stays with the first part.
    result = [p * unit for p in parts]
    result[0] += total - sum(result)
    return result
