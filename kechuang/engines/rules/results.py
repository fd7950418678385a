"""Result records of an evaluation, and the three-valued logic they share.

Status codes are ordered so that Kleene logic is arithmetic: AND = min, OR = max, NOT = 2 - x.
Both evaluators use these codes; the strings are what the app stores and shows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

UNMET, UNKNOWN, MET = 0, 1, 2
CONDITION_STATUS = {UNMET: "unmet", UNKNOWN: "unknown", MET: "met"}
POLICY_STATUS = {UNMET: "ineligible", UNKNOWN: "unknown", MET: "eligible"}


def exact_str(value, places: int = 6) -> str | None:
    """JSON-friendly text of an exact value: Fractions as decimals rounded half-even to ``places``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        d = Decimal(value.numerator) / Decimal(value.denominator)
        return str(d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN).normalize())
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class TraceStep:
    """One evaluated sub-expression: what it is (``expr``), its exact value, and the facts it read."""

    expr: str
    value: object
    missing: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"expr": self.expr, "value": exact_str(self.value), "missing": list(self.missing)}


@dataclass(frozen=True)
class ConditionResult:
    """One condition on one enterprise.

    ``value``/``threshold``: exact (Fraction for numbers and ratios, int for scores and days; a
    score still partly unknown is a (lo, hi) tuple); ``gap``: shortfall in the value's own unit
    (0 when met, None when unknown or not a comparison); ``gap_norm``: shortfall relative to the
    threshold, a float for near-miss sorting (0.0 met, None unknown, 1.0 for a failed yes/no test);
    ``missing``: blank facts that make an unknown condition unknown, as ``fact`` names (the years
    concerned are in ``missing_years``); ``message_code`` + ``params`` let the app render the message
    in any language; ``text_zh`` is the default Chinese rendering.
    """

    id: str
    status: str
    value: object
    threshold: object
    gap: object
    gap_norm: float | None
    message_code: str
    params: dict
    text_zh: str
    missing: tuple[str, ...]
    missing_years: dict[str, tuple[int, ...]] = field(default_factory=dict)
    trace: tuple[TraceStep, ...] = ()

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "status": self.status,
            "value": _json(self.value),
            "threshold": _json(self.threshold),
            "gap": _json(self.gap),
            "gap_norm": self.gap_norm,
            "message_code": self.message_code,
            "params": {k: _json(v) for k, v in self.params.items()},
            "text_zh": self.text_zh,
            "missing": list(self.missing),
            "missing_years": {k: list(v) for k, v in self.missing_years.items()},
            "trace": [s.as_dict() for s in self.trace],
        }


@dataclass(frozen=True)
class RouteResult:
    id: str
    label_zh: str
    status: str


@dataclass(frozen=True)
class PolicyResult:
    """One policy on one enterprise.

    ``score``: exact int when the policy has a score and it is determined, else None;
    ``score_range``: (lo, hi) bounds of the score given the blanks (equal when determined).
    ``route``: id of the first route that qualified (None unless eligible). ``failed``/``missing``:
    unmet condition ids and blank fact names that matter, both empty when eligible.
    ``parameters``: every parameter value used, with its legal reference.
    """

    policy: str
    version: str
    jurisdiction: str
    on: dt.date
    fiscal_year: int
    uscc: str | None
    status: str
    score: int | None
    score_range: tuple[int, int] | None
    route: str | None
    routes: tuple[RouteResult, ...]
    conditions: tuple[ConditionResult, ...]
    outputs: dict
    parameters: dict
    failed: tuple[str, ...]
    missing: tuple[str, ...]

    def as_dict(self) -> dict:
        return {
            "policy": self.policy,
            "version": self.version,
            "jurisdiction": self.jurisdiction,
            "on": self.on.isoformat(),
            "fiscal_year": self.fiscal_year,
            "uscc": self.uscc,
            "status": self.status,
            "score": self.score,
            "score_range": list(self.score_range) if self.score_range else None,
            "route": self.route,
            "routes": [{"id": r.id, "label_zh": r.label_zh, "status": r.status} for r in self.routes],
            "conditions": [c.as_dict() for c in self.conditions],
            "outputs": {k: _json(v) for k, v in self.outputs.items()},
            "parameters": self.parameters,
            "failed": list(self.failed),
            "missing": list(self.missing),
        }


def _json(value):
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
        return value
    return exact_str(value)
