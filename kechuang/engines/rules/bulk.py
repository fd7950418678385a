"""Vectorised evaluation of policies over every enterprise at once (numpy, polars for I/O).

Numbers are exact integers: money in cents, counts as is, scores in hundredths (``facts.SCALE``).
A value is a pair of int64 arrays (numerator, denominator); a comparison ``a/b >= p/q`` is decided
as ``a*q >= p*b`` with positive denominators, so no float ever decides a boundary and the results
agree exactly with the single-enterprise evaluator (property-tested). A product that could leave
int64 is computed on Python integers instead (object arrays): slower, never wrong.

Shapes: n enterprises; yearly facts are (n, K) arrays where column k holds year Y_i - k of
enterprise i (Y_i its reference year, see ``facts``), K the deepest lookback of the policies.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np
import polars as pl

from .facts import BOOL, CODE, DATE, FACT_KINDS, NUMERIC_KINDS, SCALE, STATIC_FACTS, YEARLY_FACTS, fact_kind
from .model import (
    Add,
    AddScore,
    All,
    Any_,
    BandsOf,
    Cagr,
    Cmp,
    CodeIn,
    DaysSince,
    Fact,
    IsBool,
    Lit,
    MaxScore,
    Not,
    Param,
    Policy,
    Ratio,
    Ref,
    Sum,
    TierOf,
    _facts_of,
)
from .results import MET, POLICY_STATUS, UNKNOWN, UNMET

_EPOCH = dt.date(1970, 1, 1)
_SAFE = float(2**62)


# ---------------------------------------------------------------- the facts table


@dataclass
class FactsTable:
    """Every enterprise's facts as seen on ``on``, aligned by reference year.

    ``uscc``: polars Series (n,) of str, sorted; ``reference_year``: (n,) int64; ``values[f]``/``known[f]``: (n, K) int64 /
    bool for numeric and yes/no yearly facts (scaled ints, 0/1); ``registered_days``: (n,) days since
    1970-01-01 with ``registered_known``; ``codes[f]``: polars Series of static code facts (nulls
    for blanks).
    """

    on: dt.date
    depth: int
    uscc: pl.Series
    reference_year: np.ndarray
    values: dict[str, np.ndarray]
    known: dict[str, np.ndarray]
    registered_days: np.ndarray
    registered_known: np.ndarray
    codes: dict[str, pl.Series]

    def __len__(self) -> int:
        return len(self.uscc)

    @classmethod
    def from_records(
        cls,
        records: Iterable[Mapping[str, object]],
        on: dt.date,
        depth: int = 3,
        facts: Iterable[str] | None = None,
    ) -> FactsTable:
        """Records as in ``facts`` (Decimal yuan, int, bool, date, str or None), any order,
        several enterprises. ``facts``: the yearly facts to load (default all; see ``required_facts``).
        Raises ValueError on a duplicated (uscc, year) or money finer than a cent."""
        cols: dict[str, list] = {n: [] for n in ("uscc", "year", *STATIC_FACTS[1:], *YEARLY_FACTS)}
        for rec in records:
            for name, out in cols.items():
                x = rec.get(name)
                if x is not None and name in FACT_KINDS and fact_kind(name) in NUMERIC_KINDS:
                    x = _scaled(x, SCALE[fact_kind(name)], name, rec)
                out.append(x)
        schema = {n: _dtype(n) for n in cols}
        return cls._from_scaled(pl.DataFrame(cols, schema=schema), on, depth, facts)

    @classmethod
    def from_frame(
        cls, frame: pl.DataFrame, on: dt.date, depth: int = 3, facts: Iterable[str] | None = None
    ) -> FactsTable:
        """A long frame with one row per enterprise-year and the template's columns (missing columns
        read as blank). Money and scores in yuan/points as Int64 or Decimal (at most two decimals);
        floats are refused."""
        exprs = []
        for name in ("uscc", "year", *STATIC_FACTS[1:], *YEARLY_FACTS):
            if name not in frame.columns:
                exprs.append(pl.lit(None, dtype=_dtype(name)).alias(name))
                continue
            col, dtype = pl.col(name), frame.schema[name]
            if name in FACT_KINDS and fact_kind(name) in NUMERIC_KINDS:
                if dtype.is_float():
                    raise TypeError(f"{name}: float column refused, use Int64 or Decimal")
                scale = SCALE[fact_kind(name)]
                if isinstance(dtype, pl.Decimal) and (dtype.scale or 0) > 2:
                    raise ValueError(f"{name}: at most two decimals")
                exprs.append((col * scale).cast(pl.Int64).alias(name))
            else:
                exprs.append(col.cast(_dtype(name)).alias(name))
        return cls._from_scaled(frame.select(exprs), on, depth, facts)

    @classmethod
    def _from_scaled(
        cls, df: pl.DataFrame, on: dt.date, depth: int, facts: Iterable[str] | None
    ) -> FactsTable:
        # Sorted by (uscc, year), each enterprise is a run of rows: group boundaries, the reference
        # year and the latest filled static value are then run-wise numpy reductions, much cheaper
        # than hash group-bys and joins over millions of rows.
        if df["uscc"].null_count():
            raise ValueError("a record without uscc")
        yearly = YEARLY_FACTS if facts is None else tuple(f for f in YEARLY_FACTS if f in set(facts))
        df = df.select("uscc", "year", *STATIC_FACTS[1:], *yearly)  # only what is read: less to sort
        key = pl.col("uscc")
        in_order = df.select(
            ((key > key.shift(1)) | ((key == key.shift(1)) & (pl.col("year") >= pl.col("year").shift(1))))
            .fill_null(True)
            .all()
        ).item()
        if not in_order:  # files and queries usually arrive sorted; the sort is the dearest step
            df = df.sort("uscc", "year")
        m = df.height
        uscc = df["uscc"]
        same = (uscc == uscc.shift(1)).fill_null(False).to_numpy()
        year = df["year"].to_numpy().astype(np.int64)
        dup = same & (year == np.roll(year, 1))
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            raise ValueError(f"two records for {uscc[i]} in {year[i]}")
        starts = np.flatnonzero(~same) if m else np.zeros(0, dtype=np.int64)
        n = len(starts)
        ent = np.cumsum(~same) - 1
        done = year < on.year
        Y = np.full(n, on.year - 1, dtype=np.int64)
        if m:
            Y = np.maximum.reduceat(np.where(done, year, -1), starts)
            Y = np.where(Y < 0, on.year - 1, Y)
        k = Y[ent] - year
        keep = done & (k < depth)
        ii, kk = ent[keep], k[keep]
        rowpos = np.arange(m)
        static: dict[str, pl.Series] = {}
        for c in STATIC_FACTS[1:]:
            col = df[c]
            filled = col.is_not_null().to_numpy()
            last = np.maximum.reduceat(np.where(filled, rowpos, -1), starts) if m else np.zeros(0, np.int64)
            picked = col.gather(np.where(last < 0, 0, last)) if m else col.clear()
            static[c] = picked.scatter(np.flatnonzero(last < 0), None) if (last < 0).any() else picked
        values: dict[str, np.ndarray] = {}
        known: dict[str, np.ndarray] = {}
        kept = df.select(yearly).filter(pl.Series(keep))
        flat = ii * depth + kk
        for name in yearly:
            col = kept[name]
            v = np.zeros(n * depth, dtype=np.int64)
            kn = np.zeros(n * depth, dtype=bool)
            if col.null_count() < len(col):
                data = (col.cast(pl.Int64) if fact_kind(name) == BOOL else col).fill_null(0).to_numpy()
                v[flat] = data
                kn[flat] = col.is_not_null().to_numpy()
            values[name], known[name] = v.reshape(n, depth), kn.reshape(n, depth)
        reg = static["registered_on"]
        return cls(
            on=on,
            depth=depth,
            uscc=uscc.gather(starts) if m else uscc.clear(),
            reference_year=Y,
            values=values,
            known=known,
            registered_days=reg.cast(pl.Int32).fill_null(0).to_numpy().astype(np.int64),
            registered_known=reg.is_not_null().to_numpy(),
            codes={c: static[c].str.to_uppercase() for c in STATIC_FACTS if fact_kind(c) == CODE},
        )


def _dtype(name: str):
    if name == "year":
        return pl.Int64
    kind = FACT_KINDS[name][0]
    if kind in NUMERIC_KINDS:
        return pl.Int64
    return {BOOL: pl.Boolean, DATE: pl.Date}.get(kind, pl.Utf8)


def _scaled(x, scale: int, name: str, rec) -> int:
    f = Fraction(Decimal(x)) * scale if not isinstance(x, int) else Fraction(x * scale)
    if f.denominator != 1:
        raise ValueError(f"{rec.get('uscc')} {rec.get('year')} {name}: {x} is finer than 1/{scale}")
    return f.numerator


# ---------------------------------------------------------------- exact integer helpers


def _absmax(x) -> float:
    if isinstance(x, int):
        return float(abs(x))
    if x.dtype == object:
        return math.inf  # already on Python ints: stay there
    return max(float(x.max()), -float(x.min())) if x.size else 0.0  # no temporary |x| array


def _obj(a):
    return a if isinstance(a, int) else np.asarray(a).astype(object)


def _mul(a, b):
    """Exact product of ints/arrays; Python ints (object arrays) when int64 could overflow."""
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    if _absmax(a) * _absmax(b) < _SAFE:
        return a * b
    return _obj(a) * _obj(b)


def _add(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a + b
    if _absmax(a) + _absmax(b) < _SAFE:
        return a + b
    return _obj(a) + _obj(b)


def _pow(a, k: int):
    if isinstance(a, int):
        return a**k
    if _absmax(a) ** k < _SAFE:
        return a**k
    return _obj(a) ** k


_CMP = {"ge": np.greater_equal, "gt": np.greater, "le": np.less_equal, "lt": np.less}


def _fdiv(num, den) -> np.ndarray:
    """Float quotient for gap sorting only (never for a decision)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(num, dtype=np.float64) / np.asarray(den, dtype=np.float64)


@dataclass
class _BV:
    num: object  # int64 array, object array or int
    den: object  # positive where defined
    miss: dict[str, np.ndarray] = field(default_factory=dict)
    undef: np.ndarray | None = None

    def unknown(self, n: int) -> np.ndarray:
        out = np.zeros(n, dtype=bool)
        for m in self.miss.values():
            out |= m
        return out


@dataclass
class _BS:
    lo: np.ndarray
    hi: np.ndarray
    miss: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class _BT:
    status: np.ndarray  # int8: UNMET / UNKNOWN / MET
    miss: dict[str, np.ndarray] = field(default_factory=dict)
    gap: np.ndarray | None = None  # normalised gap (float64), only for a top-level comparison


def _or_merge(*ms: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for m in ms:
        for k, v in m.items():
            out[k] = out[k] | v if k in out else v
    return out


def _undef(*xs, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    for x in xs:
        if x is not None:
            out |= x
    return out


class _BulkEvaluator:
    def __init__(self, policy: Policy, table: FactsTable):
        self.p = policy
        self.t = table
        self.n = len(table)
        self.on = table.on
        if policy.lookback > table.depth:
            raise ValueError(f"policy {policy.code} reads {policy.lookback} years, table holds {table.depth}")
        absent = [f for f in required_facts([policy]) if f in YEARLY_FACTS and f not in table.values]
        if absent:
            raise ValueError(f"policy {policy.code} reads facts the table was built without: {absent}")

    def param(self, name: str):
        return self.p.parameters[name].at(self.on).value

    # ------------------------------------------------------------ values
    def value(self, node) -> _BV:
        n, t = self.n, self.t
        if isinstance(node, Lit):
            return _BV(node.value.numerator, node.value.denominator)
        if isinstance(node, Param):
            if not node.at_fiscal_year_end:
                v = self.param(node.name)
                return _BV(v.numerator, v.denominator)
            num = np.zeros(n, dtype=np.int64)
            den = np.ones(n, dtype=np.int64)
            for year in np.unique(t.reference_year):
                v = self.p.parameters[node.name].at(dt.date(int(year), 12, 31)).value
                sel = t.reference_year == year
                num[sel], den[sel] = v.numerator, v.denominator
            return _BV(num, den)
        if isinstance(node, TierOf):
            by = self.value(node.by)
            tiers = self.param(node.param)
            num = np.full(n, tiers[-1].value.numerator, dtype=np.int64)
            den = np.full(n, tiers[-1].value.denominator, dtype=np.int64)
            chosen = np.zeros(n, dtype=bool)
            for tier in tiers[:-1]:
                # by <= upto  <=>  by.num * q <= p * by.den (by.den > 0)
                lhs, rhs = _mul(by.num, tier.upto.denominator), _mul(tier.upto.numerator, by.den)
                inside = np.asarray(lhs <= rhs if tier.inclusive else lhs < rhs, dtype=bool) & ~chosen
                num[inside], den[inside] = tier.value.numerator, tier.value.denominator
                chosen |= inside
            return _BV(num, den, dict(by.miss), by.undef)
        if isinstance(node, Fact):
            scale = SCALE[fact_kind(node.name)]
            return _BV(
                t.values[node.name][:, node.offset], scale, {node.name: ~t.known[node.name][:, node.offset]}
            )
        if isinstance(node, Sum):
            vals, kn = t.values[node.name], t.known[node.name]
            total = np.zeros(n, dtype=np.int64)
            blank = np.zeros(n, dtype=bool)
            reg_year = _years_of(t.registered_days)
            for k in range(node.years):
                if node.clip_registration:
                    inc = ~t.registered_known | (t.reference_year - k >= reg_year)
                else:
                    inc = np.ones(n, dtype=bool)
                total = _add(total, np.where(inc, vals[:, k], 0))
                blank |= inc & ~kn[:, k]
            miss = {node.name: blank}
            if node.clip_registration:
                miss["registered_on"] = blank & ~t.registered_known
            return _BV(total, SCALE[fact_kind(node.name)], miss)
        if isinstance(node, Add):
            parts = [self.value(x) for x in node.items]
            acc = parts[0]
            for p in parts[1:]:
                if isinstance(acc.den, int) and isinstance(p.den, int):
                    lcm = math.lcm(acc.den, p.den)
                    num = _add(_mul(acc.num, lcm // acc.den), _mul(p.num, lcm // p.den))
                    den: object = lcm
                else:
                    num = _add(_mul(acc.num, p.den), _mul(p.num, acc.den))
                    den = _mul(acc.den, p.den)
                acc = _BV(num, den, _or_merge(acc.miss, p.miss), _undef(acc.undef, p.undef, n=n))
            return acc
        if isinstance(node, Ratio):
            a, b = self.value(node.num), self.value(node.den)
            return self._ratio(a, b)
        if isinstance(node, Cagr):
            return self._ratio(
                self.value(Fact(node.name, 0)), self.value(Fact(node.name, node.years)), base=True
            )
        if isinstance(node, DaysSince):
            on_days = (self.on - _EPOCH).days
            return _BV(on_days - t.registered_days, 1, {node.name: ~t.registered_known})
        raise TypeError(f"not a value node: {node!r}")

    def _ratio(self, a: _BV, b: _BV, base: bool = False) -> _BV:
        n = self.n
        if isinstance(a.den, int) and isinstance(b.den, int):
            g = math.gcd(a.den, b.den)
            num, den = _mul(a.num, b.den // g), _mul(b.num, a.den // g)
        else:
            num, den = _mul(a.num, b.den), _mul(a.den, b.num)
        den = np.broadcast_to(np.asarray(den), (n,))
        num = np.broadcast_to(np.asarray(num), (n,))
        bad = (den <= 0) if base else (den == 0)
        neg = den < 0
        if neg.any():
            num, den = np.where(neg, -num, num), np.where(neg, -den, den)
        den = np.where(bad, 1, den)  # keeps later products harmless; rows are flagged undefined
        return _BV(
            num, den, _or_merge(a.miss, b.miss), _undef(a.undef, b.undef, np.asarray(bad, dtype=bool), n=n)
        )

    # ------------------------------------------------------------ scores
    def score(self, node) -> _BS:
        n = self.n
        if isinstance(node, BandsOf):
            bands = self.param(node.param)
            v = self.value(node.of)
            pts = np.full(n, bands.below, dtype=np.int64)
            for band in reversed(bands.bands):  # ascending min: a higher band overrides
                reached = np.asarray(
                    _mul(v.num, band.min.denominator) >= _mul(band.min.numerator, v.den), dtype=bool
                )
                pts = np.where(reached, band.points, pts)
            unk = v.unknown(n)
            und = _undef(v.undef, n=n)
            pts = np.where(und, bands.below, pts)
            return _BS(np.where(unk, bands.lo, pts), np.where(unk, bands.hi, pts), dict(v.miss))
        parts = [self.score(x) for x in node.items]
        miss = _or_merge(*(s.miss for s in parts))
        if isinstance(node, MaxScore):
            return _BS(
                np.maximum.reduce([s.lo for s in parts]), np.maximum.reduce([s.hi for s in parts]), miss
            )
        if isinstance(node, AddScore):
            return _BS(sum(s.lo for s in parts), sum(s.hi for s in parts), miss)
        raise TypeError(f"not a score node: {node!r}")

    # ------------------------------------------------------------ tests
    def test(self, node) -> _BT:
        t = self.t
        if isinstance(node, Cmp):
            return self.cmp(node)
        if isinstance(node, IsBool):
            kn = t.known[node.name][:, 0]
            hit = (t.values[node.name][:, 0] == 1) == node.expected
            status = np.where(kn, np.where(hit, MET, UNMET), UNKNOWN).astype(np.int8)
            return _BT(status, {node.name: ~kn}, _flag_gap(status))
        if isinstance(node, CodeIn):
            series = t.codes[node.name]
            prefixes = self.param(node.param)
            hit = pl.select(pl.any_horizontal([series.str.starts_with(p) for p in prefixes])).to_series()
            kn = series.is_not_null().to_numpy()
            status = np.where(kn, np.where(hit.fill_null(False).to_numpy(), MET, UNMET), UNKNOWN).astype(
                np.int8
            )
            return _BT(status, {node.name: ~kn}, _flag_gap(status))
        if isinstance(node, All | Any_):
            parts = [self.test(x) for x in node.items]
            stack = np.stack([p.status for p in parts])
            status = (stack.min(axis=0) if isinstance(node, All) else stack.max(axis=0)).astype(np.int8)
            miss = _or_merge(*({k: v & (p.status == UNKNOWN) for k, v in p.miss.items()} for p in parts))
            return _BT(status, miss, _flag_gap(status))
        if isinstance(node, Not):
            inner = self.test(node.item)
            status = (2 - inner.status).astype(np.int8)
            return _BT(status, inner.miss, _flag_gap(status))
        raise TypeError(f"not a test node: {node!r}")

    def cmp(self, node: Cmp) -> _BT:
        n = self.n
        if isinstance(node.left, BandsOf | MaxScore | AddScore):
            s = self.score(node.left)
            tv = self.value(node.right)
            tf = Fraction(tv.num, tv.den)  # a literal or a parameter: one exact value
            lo, hi = s.lo, s.hi
            # integer scores against a rational threshold: compare lo*q with p
            p, q = tf.numerator, tf.denominator
            if node.op == "ge":
                met, unmet = lo * q >= p, hi * q < p
            elif node.op == "gt":
                met, unmet = lo * q > p, hi * q <= p
            elif node.op == "le":
                met, unmet = hi * q <= p, lo * q > p
            else:
                met, unmet = hi * q < p, lo * q >= p
            status = np.where(met, MET, np.where(unmet, UNMET, UNKNOWN)).astype(np.int8)
            short = _fdiv(p - hi * q, q) if node.op in ("ge", "gt") else _fdiv(lo * q - p, q)
            norm = short / abs(float(tf)) if tf else short
            gap = np.where(status == MET, 0.0, np.where(status == UNMET, norm, np.nan))
            unk = status == UNKNOWN
            return _BT(status, {k: v & unk for k, v in s.miss.items()}, gap)
        left, right = self.value(node.left), self.value(node.right)
        if isinstance(node.left, Cagr):
            # CAGR >= t  <=>  growth factor >= (1 + t)^n, t = num/den: ((den + num)/den)^n
            years = node.left.years
            right = _BV(
                _pow(_add(right.den, right.num), years), _pow(right.den, years), right.miss, right.undef
            )
        a = _mul(left.num, right.den)
        b = _mul(right.num, left.den)
        res = np.broadcast_to(np.asarray(_CMP[node.op](a, b), dtype=bool), (n,))
        miss = _or_merge(left.miss, right.miss)
        unk = np.zeros(n, dtype=bool)
        for m in miss.values():
            unk |= m
        und = _undef(left.undef, right.undef, n=n) & ~unk
        status = np.where(unk, UNKNOWN, np.where(und, UNMET, np.where(res, MET, UNMET))).astype(np.int8)
        # shortfall / |threshold| = (b - a) / (left.den * |right.num|) for ge/gt (a - b for le/lt);
        # float only for sorting near misses
        diff = _add(b, -a) if node.op in ("ge", "gt") else _add(a, -b)
        rnum_abs = abs(right.num) if isinstance(right.num, int) else np.abs(right.num)
        zero_t = np.broadcast_to(np.asarray(right.num) == 0, (n,))
        scale = np.where(zero_t, _fdiv(_mul(left.den, right.den), 1), _fdiv(_mul(left.den, rnum_abs), 1))
        norm = _fdiv(diff, scale)
        gap = np.where(status == MET, 0.0, np.where(unk, np.nan, np.where(und, 1.0, norm)))
        return _BT(status, {k: v & unk for k, v in miss.items()}, gap)

    def evaluate(self) -> BulkPolicyResult:
        p = self.p
        conds: dict[str, np.ndarray] = {}
        gaps: dict[str, np.ndarray] = {}
        missing: dict[str, dict[str, np.ndarray]] = {}
        for c in p.conditions:
            r = self.test(c.test)
            conds[c.full_id] = r.status
            gaps[c.full_id] = r.gap if r.gap is not None else _flag_gap(r.status)
            unk = r.status == UNKNOWN
            missing[c.full_id] = {k: v & unk for k, v in r.miss.items() if (v & unk).any()}
        local = {c.id: conds[c.full_id] for c in p.conditions}
        route_status = [_rule_status(r.rule, local) for r in p.routes]
        stack = np.stack(route_status)
        status = stack.max(axis=0).astype(np.int8)
        met = stack == MET
        route = np.where(met.any(axis=0), met.argmax(axis=0), -1).astype(np.int8)
        lo = hi = None
        if p.score is not None:
            s = self.score(p.score)
            lo, hi = s.lo.astype(np.int64), s.hi.astype(np.int64)
        return BulkPolicyResult(p, status, route, lo, hi, conds, gaps, missing)


def _years_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _flag_gap(status: np.ndarray) -> np.ndarray:
    return np.where(status == MET, 0.0, np.where(status == UNMET, 1.0, np.nan))


def _rule_status(rule, statuses: Mapping[str, np.ndarray]) -> np.ndarray:
    if isinstance(rule, Ref):
        return statuses[rule.id]
    if isinstance(rule, Not):
        return (2 - _rule_status(rule.item, statuses)).astype(np.int8)
    parts = np.stack([_rule_status(x, statuses) for x in rule.items])
    return (parts.min(axis=0) if isinstance(rule, All) else parts.max(axis=0)).astype(np.int8)


# ---------------------------------------------------------------- results


@dataclass
class BulkPolicyResult:
    """One policy over n enterprises.

    ``status``: (n,) int8 (UNMET 0 / UNKNOWN 1 / MET 2, ``results.POLICY_STATUS`` names them);
    ``route``: (n,) int8 index into ``policy.routes`` of the first qualifying route, -1 if none;
    ``score_lo``/``score_hi``: (n,) int64 bounds of the score (equal when determined), None if the
    policy has no score; ``conditions[full_id]``: (n,) int8 condition statuses;
    ``gap_norm[full_id]``: (n,) float64, 0 met, NaN unknown, else shortfall / |threshold|;
    ``missing[full_id][fact]``: (n,) bool, that blank fact makes the condition unknown.
    """

    policy: Policy
    status: np.ndarray
    route: np.ndarray
    score_lo: np.ndarray | None
    score_hi: np.ndarray | None
    conditions: dict[str, np.ndarray]
    gap_norm: dict[str, np.ndarray]
    missing: dict[str, dict[str, np.ndarray]]

    def failed_mask(self) -> dict[str, np.ndarray]:
        """Per condition, rows where it is reported as failed (unmet and the policy not eligible)."""
        not_ok = self.status != MET
        return {cid: (s == UNMET) & not_ok for cid, s in self.conditions.items()}

    def missing_mask(self) -> dict[str, np.ndarray]:
        """Per fact, rows where it is reported as missing (policy not eligible)."""
        not_ok = self.status != MET
        out: dict[str, np.ndarray] = {}
        for per_fact in self.missing.values():
            for fact, m in per_fact.items():
                out[fact] = out[fact] | m if fact in out else m
        return {f: m & not_ok for f, m in sorted(out.items())}


@dataclass
class BulkResult:
    on: dt.date
    uscc: pl.Series
    fiscal_year: np.ndarray
    policies: dict[str, BulkPolicyResult]

    def to_frame(self) -> pl.DataFrame:
        """Long frame: uscc, policy, status, score, failed, missing (the CLI's CSV), one row per
        enterprise and policy, enterprises in ``uscc`` order, policies in the order evaluated.
        ``score`` is null when the policy has none or it is not determined; ``failed``/``missing``
        are ';'-joined condition ids / fact names, empty when eligible."""
        frames = list(self.iter_frames())
        if not frames:
            return pl.DataFrame(
                schema={c: pl.Int64 if c == "score" else pl.Utf8 for c in _FRAME_COLUMNS},
            )
        return pl.concat(frames)

    def iter_frames(self):
        """``to_frame`` one policy at a time, so that a writer holds one policy's rows, not all."""
        n = len(self.uscc)
        names = pl.Series(list(POLICY_STATUS.values()), dtype=pl.Utf8)  # index = status code
        for code, r in self.policies.items():
            if r.score_lo is not None:
                score = pl.Series(r.score_lo, dtype=pl.Int64).set(pl.Series(r.score_lo != r.score_hi), None)
            else:
                score = pl.repeat(None, n, eager=True, dtype=pl.Int64)
            yield pl.DataFrame(
                {
                    "uscc": self.uscc,
                    "policy": pl.repeat(code, n, eager=True, dtype=pl.Utf8),
                    "status": names.gather(r.status.astype(np.int64)),
                    "score": score,
                    "failed": _joined(r.failed_mask(), n),
                    "missing": _joined(r.missing_mask(), n),
                }
            )


_FRAME_COLUMNS = ("uscc", "policy", "status", "score", "failed", "missing")


def _joined(masks: dict[str, np.ndarray], n: int) -> pl.Series:
    """';'-joined names of the masks true in each row. Rows share few distinct combinations, so the
    strings are built once per combination (a bit pattern) and gathered."""
    names = list(masks)
    if not names:
        return pl.repeat("", n, eager=True, dtype=pl.Utf8)
    bits = np.zeros(n, dtype=object if len(names) > 62 else np.int64)
    for i, m in enumerate(masks.values()):
        bits = bits | (m.astype(np.int64) << i) if len(names) <= 62 else bits + m.astype(object) * (1 << i)
    uniq, inverse = np.unique(bits, return_inverse=True)
    texts = [";".join(nm for i, nm in enumerate(names) if (int(u) >> i) & 1) for u in uniq]
    return pl.Series(texts, dtype=pl.Utf8).gather(inverse.astype(np.int64).ravel())


def required_facts(policies: Iterable[Policy]) -> set[str]:
    """Every fact the policies read (conditions, score and outputs)."""
    out = {"registered_on"}
    for p in policies:
        out.update(f for c in p.conditions for f in c.facts)
        for node in [p.score, *p.outputs.values()]:
            if node is not None:
                out |= _facts_of(node)
    return out


def evaluate_bulk(policies: Sequence[Policy], table: FactsTable) -> BulkResult:
    """Evaluate each policy (all must be in force on ``table.on``) over every enterprise of ``table``."""
    out: dict[str, BulkPolicyResult] = {}
    for p in policies:
        if not p.in_force(table.on):
            raise ValueError(f"policy {p.code} {p.version} is not in force on {table.on.isoformat()}")
        if p.code in out:
            raise ValueError(f"policy {p.code} given twice")
        out[p.code] = _BulkEvaluator(p, table).evaluate()
    return BulkResult(table.on, table.uscc, table.reference_year, out)
