"""Exact evaluation of a policy for one enterprise, with a full trace.

All arithmetic is on ``fractions.Fraction``: money, ratios and thresholds are exact, so a boundary
such as "R&D / revenue >= 5 %" is decided without rounding. Blank facts make values *unknown*;
unknowns flow through Kleene three-valued logic, and score tables through (lo, hi) intervals, so a
score is decided as soon as the blanks can no longer change the outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from .facts import FACT_KINDS, EnterpriseFacts, enterprise_facts, fact_label, to_fraction
from .messages import fmt, missing_text, render_zh
from .model import (
    SCORE_NODES,
    Add,
    AddScore,
    All,
    Any_,
    BandsOf,
    Cagr,
    Cmp,
    CodeIn,
    Condition,
    DaysSince,
    Fact,
    IsBool,
    Lit,
    MaxScore,
    Not,
    Param,
    Policy,
    PolicyError,
    Ratio,
    Ref,
    Sum,
    TierOf,
)
from .results import (
    CONDITION_STATUS,
    MET,
    POLICY_STATUS,
    UNKNOWN,
    UNMET,
    ConditionResult,
    PolicyResult,
    RouteResult,
    TraceStep,
    exact_str,
)


class PolicyNotInForce(PolicyError):
    pass


Missing = dict[str, frozenset[int]]  # fact -> years concerned (empty for static facts)


def _merge(*ms: Missing) -> Missing:
    out: dict[str, frozenset[int]] = {}
    for m in ms:
        for k, v in m.items():
            out[k] = out.get(k, frozenset()) | v
    return out


@dataclass(frozen=True)
class _V:
    """A value: exact, unknown (``missing`` non-empty) or undefined (zero denominator)."""

    value: Fraction | None
    missing: Missing = field(default_factory=dict)
    undefined: bool = False
    note: str = ""  # the tier label a threshold came from

    @property
    def known(self) -> bool:
        return not self.missing and not self.undefined


@dataclass(frozen=True)
class _S:
    lo: int
    hi: int
    missing: Missing = field(default_factory=dict)


@dataclass(frozen=True)
class _T:
    status: int
    missing: Missing = field(default_factory=dict)


class _Evaluator:
    def __init__(self, policy: Policy, facts: EnterpriseFacts, trace: bool):
        self.p = policy
        self.f = facts
        self.on = facts.on
        self.Y = facts.reference_year
        self.want_trace = trace
        self.trace: list[TraceStep] = []
        self.params_used: dict[str, dict] = {}

    def _step(self, expr: str, value, missing: Missing = None) -> None:  # type: ignore[assignment]
        if self.want_trace:
            self.trace.append(TraceStep(expr, value, tuple(sorted(missing or ()))))

    def param(self, name: str, on: dt.date | None = None):
        pv = self.p.parameters[name].at(on or self.on)
        self.params_used[name] = {
            "value": _param_json(pv.value),
            "from": pv.start.isoformat(),
            "reference": pv.reference,
        }
        return pv.value

    # ------------------------------------------------------------ values
    def value(self, node) -> _V:
        v = self._value(node)
        self._step(_describe(node, self.Y), None if v.undefined else v.value, v.missing)
        return v

    def _value(self, node) -> _V:
        if isinstance(node, Lit):
            return _V(node.value)
        if isinstance(node, Param):
            return _V(self.param(node.name, dt.date(self.Y, 12, 31) if node.at_fiscal_year_end else None))
        if isinstance(node, TierOf):
            by = self.value(node.by)
            if not by.known:
                return _V(None, by.missing, by.undefined)
            for tier in self.param(node.param):
                if tier.upto is None or by.value < tier.upto or (tier.inclusive and by.value == tier.upto):
                    return _V(tier.value, note=tier.label_zh)
            raise AssertionError("tiers end with an open tier")
        if isinstance(node, Fact):
            year = self.Y - node.offset
            x = self.f.yearly(node.name, node.offset)
            return _V(None, {node.name: frozenset({year})}) if x is None else _V(to_fraction(x))
        if isinstance(node, Sum):
            reg = self.f.registered_on
            total, blank = Fraction(0), []
            for k in range(node.years):
                year = self.Y - k
                if node.clip_registration and reg is not None and year < reg.year:
                    continue
                x = self.f.yearly(node.name, k)
                if x is None:
                    blank.append(year)
                else:
                    total += to_fraction(x)
            if blank:
                missing = {node.name: frozenset(blank)}
                if node.clip_registration and reg is None:
                    missing["registered_on"] = frozenset()
                return _V(None, missing)
            return _V(total)
        if isinstance(node, Add):
            parts = [self.value(x) for x in node.items]
            return _combine(parts, lambda xs: sum(xs, Fraction(0)))
        if isinstance(node, Ratio):
            num, den = self.value(node.num), self.value(node.den)
            if num.missing or den.missing:
                return _V(None, _merge(num.missing, den.missing))
            if num.undefined or den.undefined or den.value == 0:
                return _V(None, undefined=True)
            return _V(num.value / den.value)  # type: ignore[operator]
        if isinstance(node, Cagr):
            cur, base = self.value(Fact(node.name, 0)), self.value(Fact(node.name, node.years))
            if cur.missing or base.missing:
                return _V(None, _merge(cur.missing, base.missing))
            if base.value <= 0:  # type: ignore[operator]
                return _V(None, undefined=True)
            return _V(cur.value / base.value)  # type: ignore[operator]  # the growth factor
        if isinstance(node, DaysSince):
            day = self.f.static.get(node.name)
            if day is None:
                return _V(None, {node.name: frozenset()})
            return _V(Fraction((self.on - day).days))  # type: ignore[operator]
        raise PolicyError(f"not a value node: {node!r}")

    # ------------------------------------------------------------ scores
    def score(self, node) -> _S:
        s = self._score(node)
        self._step(_describe(node, self.Y), s.lo if s.lo == s.hi else (s.lo, s.hi), s.missing)
        return s

    def _score(self, node) -> _S:
        if isinstance(node, BandsOf):
            bands = self.param(node.param)
            v = self.value(node.of)
            if v.missing:
                return _S(bands.lo, bands.hi, v.missing)
            if v.undefined:
                return _S(bands.below, bands.below)
            p = bands.points(v.value)
            return _S(p, p)
        parts = [self.score(x) for x in node.items]
        missing = _merge(*(s.missing for s in parts))
        if isinstance(node, MaxScore):
            return _S(max(s.lo for s in parts), max(s.hi for s in parts), missing)
        if isinstance(node, AddScore):
            return _S(sum(s.lo for s in parts), sum(s.hi for s in parts), missing)
        raise PolicyError(f"not a score node: {node!r}")

    # ------------------------------------------------------------ tests
    def test(self, node) -> _T:
        if isinstance(node, Cmp):
            return self.cmp(node)[0]
        if isinstance(node, IsBool):
            x = self.f.yearly(node.name)
            t = (
                _T(UNKNOWN, {node.name: frozenset({self.Y})})
                if x is None
                else _T(MET if bool(x) == node.expected else UNMET)
            )
            self._step(f"{node.name}@{self.Y} is {node.expected}", x)
            return t
        if isinstance(node, CodeIn):
            code = self.f.static.get(node.name)
            prefixes = self.param(node.param)
            self._step(f"{node.name} starts with one of {','.join(prefixes)}", code)
            if code is None:
                return _T(UNKNOWN, {node.name: frozenset()})
            return _T(MET if str(code).upper().startswith(prefixes) else UNMET)
        if isinstance(node, All | Any_):
            parts = [self.test(x) for x in node.items]
            status = (min if isinstance(node, All) else max)(t.status for t in parts)
            return _T(status, _merge(*(t.missing for t in parts if t.status == UNKNOWN)))
        if isinstance(node, Not):
            t = self.test(node.item)
            return _T(2 - t.status, t.missing)
        raise PolicyError(f"not a test node: {node!r}")

    def cmp(self, node: Cmp):
        """-> (_T, value, threshold, gap, gap_norm, tier label, undefined)"""
        if isinstance(node.left, SCORE_NODES):
            s = self.score(node.left)
            t = self.value(node.right).value
            lo, hi = s.lo, s.hi
            status = _interval_cmp(node.op, lo, hi, t)
            shortfall = None
            if status == MET:
                shortfall = Fraction(0)
            elif status == UNMET:
                shortfall = t - hi if node.op in ("ge", "gt") else lo - t
            value = lo if lo == hi else (lo, hi)
            return (
                _T(status, s.missing if status == UNKNOWN else {}),
                value,
                t,
                shortfall,
                _norm(shortfall, t),
                "",
                False,
            )
        left, right = self.value(node.left), self.value(node.right)
        if left.missing or right.missing:
            return (
                _T(UNKNOWN, _merge(left.missing, right.missing)),
                None,
                right.value,
                None,
                None,
                right.note,
                False,
            )
        if left.undefined or right.undefined:
            return _T(UNMET), None, right.value, None, 1.0, right.note, True
        v, t = left.value, right.value
        if isinstance(node.left, Cagr):
            t_factor = (1 + t) ** node.left.years  # CAGR >= t  <=>  growth factor >= (1 + t)^n
            met = _compare(node.op, v, t_factor)
            shortfall = Fraction(0) if met else abs(t_factor - v)
            norm = 0.0 if met else float(shortfall / t_factor)
            cagr = float(v) ** (1 / node.left.years) - 1  # display only: decisions use exact factors
            return (
                _T(MET if met else UNMET),
                cagr,
                t,
                (0.0 if met else float(t) - cagr),
                norm,
                right.note,
                False,
            )
        met = _compare(node.op, v, t)
        shortfall = Fraction(0) if met else abs(t - v)
        return _T(MET if met else UNMET), v, t, shortfall, _norm(shortfall, t), right.note, False

    # ------------------------------------------------------------ conditions
    def condition(self, c: Condition) -> ConditionResult:
        start = len(self.trace)
        test = c.test
        value = threshold = gap = None
        gap_norm: float | None
        who, undefined = "", False
        if isinstance(test, Cmp):
            t, value, threshold, gap, gap_norm, who, undefined = self.cmp(test)
        else:
            t = self.test(test)
            gap_norm = {MET: 0.0, UNMET: 1.0, UNKNOWN: None}[t.status]
        missing_years = {k: tuple(sorted(v)) for k, v in t.missing.items()} if t.status == UNKNOWN else {}
        label = c.label_zh
        if t.status == UNKNOWN:
            code, params = "rules.unknown", {"label": label, "missing": missing_text(missing_years)}
        elif undefined:
            code, params = (
                "rules.undefined",
                {"label": label, "reason": _undefined_reason(test.left), "text": c.text_zh},
            )
        elif isinstance(test, Cmp):
            status = "met" if t.status == MET else "unmet"
            towards = None
            if t.status == UNMET:
                towards = "down" if test.op in ("ge", "gt") else "up"
            other = None if isinstance(value, float | tuple) else threshold
            code = f"rules.cmp.{test.op}.{status}"
            if test.op == "gt" and threshold == 0 and not isinstance(value, float | tuple):
                code = f"rules.cmp.positive.{status}"
            params = {
                "label": label,
                "value": fmt(value, c.unit, towards=towards, other=other),
                "threshold": fmt(threshold, c.unit, strip=True),
                "who": who,
                "unit": c.unit,
                "gap": "" if t.status == MET or gap is None else fmt(gap, c.unit, strip=True),
                "text": c.text_zh,
            }
        else:
            code = f"rules.test.{'met' if t.status == MET else 'unmet'}"
            params = {"text": c.text_zh}
        return ConditionResult(
            id=c.full_id,
            status=CONDITION_STATUS[t.status],
            value=value,
            threshold=threshold,
            gap=gap,
            gap_norm=gap_norm,
            message_code=code,
            params=params,
            text_zh=render_zh(code, params),
            missing=tuple(sorted(missing_years)),
            missing_years=missing_years,
            trace=tuple(self.trace[start:]),
        )


def _interval_cmp(op: str, lo, hi, t) -> int:
    if op == "ge":
        return MET if lo >= t else UNMET if hi < t else UNKNOWN
    if op == "gt":
        return MET if lo > t else UNMET if hi <= t else UNKNOWN
    if op == "le":
        return MET if hi <= t else UNMET if lo > t else UNKNOWN
    return MET if hi < t else UNMET if lo >= t else UNKNOWN


def _compare(op: str, v: Fraction, t: Fraction) -> bool:
    return {"ge": v >= t, "gt": v > t, "le": v <= t, "lt": v < t}[op]


def _norm(shortfall, t) -> float | None:
    if shortfall is None:
        return None
    return float(shortfall / abs(t)) if t else float(shortfall)


def _combine(parts: list[_V], fn) -> _V:
    missing = _merge(*(p.missing for p in parts))
    if missing:
        return _V(None, missing)
    if any(p.undefined for p in parts):
        return _V(None, undefined=True)
    return _V(fn([p.value for p in parts]))


def _param_json(value):
    if isinstance(value, Fraction):
        return exact_str(value)
    if isinstance(value, tuple) and value and isinstance(value[0], str):
        return list(value)
    if isinstance(value, tuple):
        return [
            {"upto": exact_str(t.upto), "inclusive": t.inclusive, "value": exact_str(t.value)} for t in value
        ]
    return {
        "bands": [{"min": exact_str(b.min), "points": b.points} for b in value.bands],
        "below": value.below,
    }


def _undefined_reason(node) -> str:
    """Why a ratio or a growth rate has no value, in the words of the data behind it."""
    if isinstance(node, Cagr):
        label = fact_label(node.name) if node.name in FACT_KINDS else node.name
        return f"基期{label}为0或未发生"
    den = getattr(node, "den", None)
    name = getattr(den, "name", None)
    if name in FACT_KINDS:
        return f"{fact_label(name)}为0"
    return "作为分母的数据为0"


def _describe(node, Y: int) -> str:
    if isinstance(node, Lit):
        return exact_str(node.value) or ""
    if isinstance(node, Param):
        return f"param {node.name}"
    if isinstance(node, TierOf):
        return f"tier {node.param} by {_describe(node.by, Y)}"
    if isinstance(node, Fact):
        return f"{node.name}@{Y - node.offset}"
    if isinstance(node, Sum):
        return f"sum {node.name}@{Y - node.years + 1}..{Y}" + (
            " since registration" if node.clip_registration else ""
        )
    if isinstance(node, Add):
        return " + ".join(_describe(x, Y) for x in node.items)
    if isinstance(node, Ratio):
        return f"({_describe(node.num, Y)}) / ({_describe(node.den, Y)})"
    if isinstance(node, Cagr):
        return f"growth factor {node.name}@{Y} / {node.name}@{Y - node.years}"
    if isinstance(node, DaysSince):
        return f"days since {node.name}"
    if isinstance(node, BandsOf):
        return f"bands {node.param} of {_describe(node.of, Y)}"
    if isinstance(node, MaxScore):
        return "max(" + ", ".join(_describe(x, Y) for x in node.items) + ")"
    if isinstance(node, AddScore):
        return " + ".join(_describe(x, Y) for x in node.items)
    return repr(node)


def _rule_status(rule, statuses: Mapping[str, int]) -> int:
    if isinstance(rule, Ref):
        return statuses[rule.id]
    if isinstance(rule, Not):
        return 2 - _rule_status(rule.item, statuses)
    parts = [_rule_status(x, statuses) for x in rule.items]
    return min(parts) if isinstance(rule, All) else max(parts)


def evaluate_facts(policy: Policy, facts: EnterpriseFacts, *, trace: bool = True) -> PolicyResult:
    """Evaluate ``policy`` on one enterprise's prepared facts (see ``facts.enterprise_facts``)."""
    on = facts.on
    if not policy.in_force(on):
        raise PolicyNotInForce(f"policy {policy.code} {policy.version} is not in force on {on.isoformat()}")
    ev = _Evaluator(policy, facts, trace)
    results = [ev.condition(c) for c in policy.conditions]
    codes = {v: k for k, v in CONDITION_STATUS.items()}
    statuses = {c.id: codes[r.status] for c, r in zip(policy.conditions, results, strict=True)}
    route_status = [(r, _rule_status(r.rule, statuses)) for r in policy.routes]
    status = max(s for _, s in route_status)
    route = next((r.id for r, s in route_status if s == MET), None)
    score = score_range = None
    if policy.score is not None:
        s = ev.score(policy.score)
        score_range = (s.lo, s.hi)
        score = s.lo if s.lo == s.hi else None
    outputs = {}
    for name, node in policy.outputs.items():
        v = ev.value(node)
        outputs[name] = v.value if v.known else None
    eligible = status == MET
    failed = () if eligible else tuple(r.id for r in results if r.status == "unmet")
    missing = () if eligible else tuple(sorted({m for r in results for m in r.missing}))
    return PolicyResult(
        policy=policy.code,
        version=policy.version,
        jurisdiction=policy.jurisdiction,
        on=on,
        fiscal_year=facts.reference_year,
        uscc=facts.uscc,
        status=POLICY_STATUS[status],
        score=score,
        score_range=score_range,
        route=route,
        routes=tuple(RouteResult(r.id, r.label_zh, POLICY_STATUS[s]) for r, s in route_status),
        conditions=tuple(results),
        outputs=outputs,
        parameters=ev.params_used,
        failed=failed,
        missing=missing,
    )


def evaluate(
    policy: Policy,
    records: Iterable[Mapping[str, object]],
    on: dt.date,
    *,
    fiscal_year: int | None = None,
    trace: bool = True,
) -> PolicyResult:
    """Evaluate ``policy`` for one enterprise on date ``on``.

    ``records``: that enterprise's yearly-facts records (dicts keyed by the template's columns, one
    per year; see ``facts``). ``fiscal_year`` pins the reference year Y (default: the latest year
    before ``on.year`` with a record). Raises PolicyNotInForce if ``on`` is outside the policy's
    effective dates, ValueError on inconsistent records.
    """
    return evaluate_facts(policy, enterprise_facts(records, on, fiscal_year), trace=trace)


def evaluate_all(
    policies: Iterable[Policy], records: Iterable[Mapping[str, object]], on: dt.date, *, trace: bool = True
) -> list[PolicyResult]:
    """Every policy in force on ``on`` for one enterprise (policies not in force are skipped)."""
    records = list(records)
    return [evaluate(p, records, on, trace=trace) for p in policies if p.in_force(on)]


def describe_missing(result: ConditionResult) -> str:
    """'2023年研发费用、成立日期' for an unknown condition (empty otherwise)."""
    return missing_text(result.missing_years)


__all__ = ["PolicyNotInForce", "describe_missing", "evaluate", "evaluate_all", "evaluate_facts", "fact_label"]
