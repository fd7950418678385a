"""Policy declarations: dated parameters, named formulas, conditions and alternative routes.

A policy is declared in YAML (see ``kechuang/policies/builtin/*.yaml`` and ``docs`` in each file) and
compiled here into immutable node trees that both evaluators walk: the exact single-enterprise
evaluator (``single.py``) and the vectorised one (``bulk.py``).

Expression language (YAML mappings; every number is read as an exact decimal, never a float):

values      ``3``, ``"0.05"``                        a literal
            ``{param: NAME}``                        a dated scalar parameter
            ``{tier: NAME, by: VALUE}``              the value of the tier ``VALUE`` falls in
            ``{fact: NAME}`` / ``{fact: NAME, year: -1}``  a yearly fact in year Y (or Y-1, ...);
                                                     a static fact (``registered_on``) takes no year
            ``{sum: NAME, years: N}``                sum over Y-N+1..Y, clipped to the years since
                                                     registration (``clip_registration: false`` to not)
            ``{add: [VALUE, ...]}``                  sum of values
            ``{ratio: [VALUE, VALUE]}``              exact quotient; a zero denominator is *undefined*
            ``{cagr: NAME, years: N}``               compound annual growth from Y-N to Y
            ``{days_since: registered_on}``          whole days from a date fact to the evaluation date
            ``{formula: NAME}``                      a named formula of the policy
scores      ``{bands: NAME, of: VALUE}``             points of the highest band reached (inclusive min)
            ``{max: [SCORE, ...]}``, ``{add: [SCORE, ...]}``
tests       ``{ge|gt|le|lt: [VALUE|SCORE, VALUE]}``  comparison
            ``{is_true: NAME}``, ``{is_false: NAME}``    a yearly yes/no fact in year Y
            ``{code_in: NAME, param: NAME}``         a code fact starts with one of the listed prefixes
            ``{all: [...]}``, ``{any: [...]}``, ``{not: TEST}``
rules       a condition id, or ``{all|any: [RULE, ...]}``, ``{not: RULE}`` (routes combine conditions)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import yaml

from .facts import BOOL, CODE, DATE, FACT_KINDS, NUMERIC_KINDS, fact_kind, to_fraction


class PolicyError(ValueError):
    """A policy declaration is malformed. The message names the policy and the offending part."""


# ---------------------------------------------------------------- parameters


@dataclass(frozen=True)
class Tier:
    upto: Fraction | None  # upper bound of the tier; None = no bound (the last tier)
    inclusive: bool  # 含: the bound belongs to this tier
    value: Fraction
    label_zh: str


@dataclass(frozen=True)
class Band:
    min: Fraction  # inclusive lower bound (含)
    points: int
    label_zh: str


@dataclass(frozen=True)
class Bands:
    bands: tuple[Band, ...]  # sorted by min, descending
    below: int  # points below every band (and for an undefined ratio)

    @property
    def lo(self) -> int:
        return min([self.below, *(b.points for b in self.bands)])

    @property
    def hi(self) -> int:
        return max([self.below, *(b.points for b in self.bands)])

    def points(self, x: Fraction) -> int:
        for band in self.bands:
            if x >= band.min:
                return band.points
        return self.below


@dataclass(frozen=True)
class ParamValue:
    start: dt.date  # the value holds from this date (inclusive) until the next value's start
    value: object  # Fraction | tuple[Tier, ...] | Bands | tuple[str, ...]
    reference: str  # legal source of this value


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # "scalar" | "tiers" | "bands" | "codes"
    label_zh: str
    values: tuple[ParamValue, ...]  # sorted by start

    def at(self, on: dt.date) -> ParamValue:
        """The value in force on ``on``. Raises PolicyError if none is (no silent default)."""
        current = None
        for pv in self.values:
            if pv.start <= on:
                current = pv
        if current is None:
            raise PolicyError(f"parameter {self.name} has no value on {on.isoformat()}")
        return current


# ---------------------------------------------------------------- nodes


@dataclass(frozen=True)
class Lit:
    value: Fraction


@dataclass(frozen=True)
class Param:
    name: str
    at_fiscal_year_end: bool = False  # look up on Dec 31 of Y instead of the evaluation date


@dataclass(frozen=True)
class TierOf:
    param: str
    by: object


@dataclass(frozen=True)
class Fact:
    name: str
    offset: int = 0  # 0 = Y, 1 = Y-1, ...


@dataclass(frozen=True)
class Sum:
    name: str
    years: int
    clip_registration: bool = True


@dataclass(frozen=True)
class Add:
    items: tuple


@dataclass(frozen=True)
class Ratio:
    num: object
    den: object


@dataclass(frozen=True)
class Cagr:
    name: str
    years: int


@dataclass(frozen=True)
class DaysSince:
    name: str


@dataclass(frozen=True)
class BandsOf:
    param: str
    of: object


@dataclass(frozen=True)
class MaxScore:
    items: tuple


@dataclass(frozen=True)
class AddScore:
    items: tuple


@dataclass(frozen=True)
class Cmp:
    op: str  # ge gt le lt
    left: object
    right: object


@dataclass(frozen=True)
class IsBool:
    name: str
    expected: bool


@dataclass(frozen=True)
class CodeIn:
    name: str
    param: str


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class Any_:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: object


@dataclass(frozen=True)
class Ref:
    """A condition id inside a route's rule."""

    id: str


SCORE_NODES = (BandsOf, MaxScore, AddScore)
OPS = ("ge", "gt", "le", "lt")


@dataclass(frozen=True)
class Condition:
    id: str  # short, local to the policy: "rd_ratio"; the stable full id is "<policy>.<id>"
    full_id: str
    text_zh: str  # the condition as the source states it
    label_zh: str  # what is measured, for messages: "近三年研发费用占销售收入比例"
    test: object
    unit: str  # percent | wan_yuan | yuan | count | days | points | none
    reference: str
    facts: tuple[str, ...]  # every fact the test reads


@dataclass(frozen=True)
class Route:
    id: str
    label_zh: str
    rule: object


@dataclass(frozen=True)
class Policy:
    code: str
    version: str
    jurisdiction: str  # administrative division code: "CN" national, "330000" a province, "330100" a city
    name_zh: str
    source: str
    effective_from: dt.date
    effective_until: dt.date | None  # inclusive last day, None = open
    parameters: dict[str, Parameter]
    formulas: dict[str, object]
    conditions: tuple[Condition, ...]
    routes: tuple[Route, ...]
    score: object | None  # a score node reported with the result
    score_label_zh: str
    outputs: dict[str, object]  # name -> value node, reported with the result (e.g. a deduction rate)
    lookback: int  # fiscal years read back from Y, inclusive of Y
    text: str = field(default="", repr=False, compare=False)  # the YAML it came from

    @property
    def digest(self) -> str:
        """sha256 of the YAML text: with ``version``, identifies exactly the rules that produced a result."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def in_force(self, on: dt.date) -> bool:
        return self.effective_from <= on and (self.effective_until is None or on <= self.effective_until)

    def condition(self, cid: str) -> Condition:
        for c in self.conditions:
            if cid in (c.id, c.full_id):
                return c
        raise KeyError(cid)


# ---------------------------------------------------------------- YAML loading


class _Loader(yaml.SafeLoader):
    """SafeLoader reading YAML floats as Decimal, so 0.05 in a file is exactly 5/100."""


_Loader.add_constructor(
    "tag:yaml.org,2002:float", lambda loader, node: Decimal(loader.construct_scalar(node))
)


def _number(raw, where: str) -> Fraction:
    try:
        return to_fraction(raw)
    except (TypeError, ArithmeticError, ValueError) as exc:
        raise PolicyError(f"{where}: not an exact number: {raw!r}") from exc


def _date(raw, where: str) -> dt.date:
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as exc:
        raise PolicyError(f"{where}: not a date (YYYY-MM-DD): {raw!r}") from exc


class _Compiler:
    def __init__(self, code: str, params: dict[str, Parameter], formulas_raw: dict):
        self.code = code
        self.params = params
        self.formulas_raw = formulas_raw
        self.formulas: dict[str, object] = {}
        self.lookback = 1
        self._stack: list[str] = []

    def err(self, where: str, msg: str) -> PolicyError:
        return PolicyError(f"policy {self.code}: {where}: {msg}")

    def param(self, name, kind: str, where: str) -> str:
        p = self.params.get(name)
        if p is None:
            raise self.err(where, f"unknown parameter {name!r}")
        if p.kind != kind:
            raise self.err(where, f"parameter {name!r} is {p.kind}, expected {kind}")
        return name

    def fact(self, name, where: str, kinds: tuple[str, ...]) -> str:
        if name not in FACT_KINDS:
            raise self.err(where, f"unknown fact {name!r}")
        if fact_kind(name) not in kinds:
            raise self.err(where, f"fact {name!r} is {fact_kind(name)}, expected one of {kinds}")
        return name

    def formula(self, name, where: str):
        if name in self.formulas:
            return self.formulas[name]
        if name not in self.formulas_raw:
            raise self.err(where, f"unknown formula {name!r}")
        if name in self._stack:
            raise self.err(where, f"formula {name!r} refers to itself")
        self._stack.append(name)
        node = self.expr(self.formulas_raw[name], f"formulas.{name}")
        self._stack.pop()
        self.formulas[name] = node
        return node

    def expr(self, raw, where: str):
        """A value or score node."""
        if isinstance(raw, int | Decimal | str) and not isinstance(raw, bool):
            return Lit(_number(raw, where))
        if not isinstance(raw, dict) or not raw:
            raise self.err(where, f"expected a value, got {raw!r}")
        if "param" in raw:
            at = raw.get("at", "evaluation_date")
            if at not in ("evaluation_date", "fiscal_year_end"):
                raise self.err(where, "param 'at' is evaluation_date or fiscal_year_end")
            return Param(self.param(raw["param"], "scalar", where), at == "fiscal_year_end")
        if "tier" in raw:
            return TierOf(self.param(raw["tier"], "tiers", where), self.value(raw.get("by"), where + ".by"))
        if "fact" in raw:
            name = self.fact(raw["fact"], where, NUMERIC_KINDS)
            year = int(raw.get("year", 0))
            if year > 0:
                raise self.err(where, "year is an offset back from the reference year: 0, -1, -2 ...")
            self.lookback = max(self.lookback, 1 - year)
            return Fact(name, -year)
        if "sum" in raw:
            years = int(raw.get("years", 0))
            if years < 1:
                raise self.err(where, "sum needs years >= 1")
            self.lookback = max(self.lookback, years)
            name = self.fact(raw["sum"], where, NUMERIC_KINDS)
            return Sum(name, years, bool(raw.get("clip_registration", True)))
        if "cagr" in raw:
            years = int(raw.get("years", 0))
            if years < 1:
                raise self.err(where, "cagr needs years >= 1")
            self.lookback = max(self.lookback, years + 1)
            return Cagr(self.fact(raw["cagr"], where, NUMERIC_KINDS), years)
        if "days_since" in raw:
            return DaysSince(self.fact(raw["days_since"], where, (DATE,)))
        if "ratio" in raw:
            parts = raw["ratio"]
            if not isinstance(parts, list) or len(parts) != 2:
                raise self.err(where, "ratio takes [numerator, denominator]")
            return Ratio(self.value(parts[0], where + ".num"), self.value(parts[1], where + ".den"))
        if "formula" in raw:
            return self.formula(raw["formula"], where)
        if "bands" in raw:
            return BandsOf(self.param(raw["bands"], "bands", where), self.value(raw.get("of"), where + ".of"))
        if "max" in raw:
            return MaxScore(tuple(self.score(x, f"{where}.max[{i}]") for i, x in enumerate(raw["max"])))
        if "add" in raw:
            items = tuple(self.expr(x, f"{where}.add[{i}]") for i, x in enumerate(raw["add"]))
            scores = [isinstance(x, SCORE_NODES) for x in items]
            if all(scores):
                return AddScore(items)
            if any(scores):
                raise self.err(where, "add mixes scores and values")
            return Add(items)
        raise self.err(where, f"unknown expression {sorted(raw)}")

    def value(self, raw, where: str):
        node = self.expr(raw, where)
        if isinstance(node, SCORE_NODES):
            raise self.err(where, "a score is not allowed here")
        return node

    def score(self, raw, where: str):
        node = self.expr(raw, where)
        if not isinstance(node, SCORE_NODES):
            raise self.err(where, "expected a score (bands, max or add of scores)")
        return node

    def test(self, raw, where: str):
        if not isinstance(raw, dict) or len(raw) < 1:
            raise self.err(where, f"expected a test, got {raw!r}")
        for op in OPS:
            if op in raw:
                parts = raw[op]
                if not isinstance(parts, list) or len(parts) != 2:
                    raise self.err(where, f"{op} takes [left, right]")
                left = self.expr(parts[0], where + ".left")
                right = self.value(parts[1], where + ".right")
                if isinstance(left, SCORE_NODES) and not (
                    isinstance(right, Lit) or (isinstance(right, Param) and not right.at_fiscal_year_end)
                ):
                    raise self.err(where, "a score is compared with a literal or a parameter")
                if isinstance(right, Cagr | Sum | Fact | Ratio | Add | DaysSince) and isinstance(left, Cagr):
                    raise self.err(where, "a growth rate is compared with a literal, parameter or tier")
                return Cmp(op, left, right)
        if "is_true" in raw or "is_false" in raw:
            expected = "is_true" in raw
            return IsBool(self.fact(raw["is_true" if expected else "is_false"], where, (BOOL,)), expected)
        if "code_in" in raw:
            return CodeIn(
                self.fact(raw["code_in"], where, (CODE,)), self.param(raw.get("param"), "codes", where)
            )
        if "all" in raw:
            return All(tuple(self.test(x, f"{where}.all[{i}]") for i, x in enumerate(raw["all"])))
        if "any" in raw:
            return Any_(tuple(self.test(x, f"{where}.any[{i}]") for i, x in enumerate(raw["any"])))
        if "not" in raw:
            return Not(self.test(raw["not"], where + ".not"))
        raise self.err(where, f"unknown test {sorted(raw)}")


def _parameter(code: str, name: str, raw: dict) -> Parameter:
    where = f"policy {code}: parameters.{name}"
    if not isinstance(raw, dict) or not raw.get("values"):
        raise PolicyError(f"{where}: needs values: [{{from, value, reference}}, ...]")
    kind = raw.get("kind", "scalar")
    values = []
    for i, v in enumerate(raw["values"]):
        w = f"{where}.values[{i}]"
        if not v.get("reference"):
            raise PolicyError(f"{w}: every value carries its legal reference")
        start = _date(v.get("from"), w + ".from")
        val = v.get("value")
        if kind == "scalar":
            parsed: object = _number(val, w)
        elif kind == "tiers":
            tiers = []
            for j, t in enumerate(val or []):
                upto = t.get("upto")
                tiers.append(
                    Tier(
                        None if upto is None else _number(upto, f"{w}[{j}].upto"),
                        bool(t.get("inclusive", True)),
                        _number(t.get("value"), f"{w}[{j}].value"),
                        str(t.get("label_zh", "")),
                    )
                )
            if not tiers or tiers[-1].upto is not None or any(t.upto is None for t in tiers[:-1]):
                raise PolicyError(f"{w}: tiers ascend by upto and end with one open tier (no upto)")
            if any(a.upto >= b.upto for a, b in itertools.pairwise(tiers[:-1])):  # type: ignore[operator]
                raise PolicyError(f"{w}: tiers must ascend by upto")
            parsed = tuple(tiers)
        elif kind == "bands":
            bands = sorted(
                (
                    Band(_number(b.get("min"), f"{w}[{j}].min"), int(b["points"]), str(b.get("label_zh", "")))
                    for j, b in enumerate(val.get("bands", []))
                ),
                key=lambda b: b.min,
                reverse=True,
            )
            if not bands:
                raise PolicyError(f"{w}: bands needs at least one band")
            parsed = Bands(tuple(bands), int(val.get("below", 0)))
        elif kind == "codes":
            if not isinstance(val, list) or not all(isinstance(c, str) and c for c in val):
                raise PolicyError(f"{w}: codes is a list of code prefixes")
            parsed = tuple(c.upper() for c in val)
        else:
            raise PolicyError(f"{where}: unknown kind {kind!r}")
        values.append(ParamValue(start, parsed, str(v["reference"])))
    values.sort(key=lambda pv: pv.start)
    return Parameter(name, kind, str(raw.get("label_zh", name)), tuple(values))


def _facts_of(node) -> set[str]:
    if isinstance(node, Fact | Sum | Cagr | DaysSince | IsBool | CodeIn):
        out = {node.name}
        if isinstance(node, Sum) and node.clip_registration:
            out.add("registered_on")
        return out
    out: set[str] = set()
    for attr in ("left", "right", "by", "of", "num", "den", "item"):
        if hasattr(node, attr):
            out |= _facts_of(getattr(node, attr))
    for item in getattr(node, "items", ()):
        out |= _facts_of(item)
    return out


def _infer_unit(test) -> str:
    if isinstance(test, Cmp):
        left = test.left
        if isinstance(left, Ratio | Cagr):
            return "percent"
        if isinstance(left, SCORE_NODES):
            return "points"
        if isinstance(left, DaysSince):
            return "days"
        if isinstance(left, Fact | Sum):
            return {"money": "wan_yuan", "count": "count", "number": "points"}[fact_kind(left.name)]
        if isinstance(left, Add):
            return _infer_unit(Cmp(test.op, left.items[0], test.right))
    return "none"


def _rule(raw, ids: set[str], code: str, where: str):
    if isinstance(raw, str):
        if raw not in ids:
            raise PolicyError(f"policy {code}: {where}: unknown condition {raw!r}")
        return Ref(raw)
    if isinstance(raw, dict) and len(raw) == 1:
        ((key, val),) = raw.items()
        if key in ("all", "any") and isinstance(val, list) and val:
            items = tuple(_rule(x, ids, code, f"{where}.{key}[{i}]") for i, x in enumerate(val))
            return All(items) if key == "all" else Any_(items)
        if key == "not":
            return Not(_rule(val, ids, code, where + ".not"))
    raise PolicyError(f"policy {code}: {where}: expected a condition id or all/any/not, got {raw!r}")


def _refs(rule) -> set[str]:
    if isinstance(rule, Ref):
        return {rule.id}
    if isinstance(rule, Not):
        return _refs(rule.item)
    return set().union(*(_refs(x) for x in rule.items))


def load_policy(text: str) -> Policy:
    """Compile one policy from YAML text. Raises PolicyError naming what is wrong and where."""
    try:
        raw = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise PolicyError("a policy is a YAML mapping")
    code = raw.get("code")
    if not isinstance(code, str) or not code.isidentifier():
        raise PolicyError(f"policy code must be an identifier, got {code!r}")
    for key in ("version", "name_zh", "source", "effective_from", "conditions", "routes"):
        if raw.get(key) in (None, "", []):
            raise PolicyError(f"policy {code}: {key} is required")
    params = {n: _parameter(code, n, p) for n, p in (raw.get("parameters") or {}).items()}
    comp = _Compiler(code, params, raw.get("formulas") or {})
    for name in comp.formulas_raw:
        comp.formula(name, f"formulas.{name}")
    conditions = []
    for i, c in enumerate(raw["conditions"]):
        where = f"conditions[{i}]"
        cid = c.get("id")
        if not isinstance(cid, str) or not cid.isidentifier():
            raise comp.err(where, f"condition id must be an identifier, got {cid!r}")
        if not c.get("text_zh") or not c.get("reference"):
            raise comp.err(where, f"condition {cid} needs text_zh and reference")
        test = comp.test(c.get("test"), f"{where}({cid}).test")
        conditions.append(
            Condition(
                id=cid,
                full_id=f"{code}.{cid}",
                text_zh=str(c["text_zh"]),
                label_zh=str(c.get("label_zh", c["text_zh"])),
                test=test,
                unit=str(c.get("unit") or _infer_unit(test)),
                reference=str(c["reference"]),
                facts=tuple(sorted(_facts_of(test))),
            )
        )
    ids = [c.id for c in conditions]
    if len(set(ids)) != len(ids):
        raise comp.err("conditions", "condition ids must be unique")
    routes = []
    for i, r in enumerate(raw["routes"]):
        rid = r.get("id")
        if not isinstance(rid, str) or not rid.isidentifier():
            raise comp.err(f"routes[{i}]", f"route id must be an identifier, got {rid!r}")
        body = r.get("rule", {"all": r.get("all")} if "all" in r else None)
        routes.append(Route(rid, str(r.get("label_zh", rid)), _rule(body, set(ids), code, f"routes[{i}]")))
    unused = set(ids) - set().union(*(_refs(r.rule) for r in routes))
    if unused:
        raise comp.err("routes", f"conditions used by no route: {sorted(unused)}")
    score = raw.get("score")
    score_node = comp.score(score, "score") if score else None
    outputs = {n: comp.value(v, f"outputs.{n}") for n, v in (raw.get("outputs") or {}).items()}
    until = raw.get("effective_until")
    return Policy(
        code=code,
        version=str(raw["version"]),
        jurisdiction=str(raw.get("jurisdiction", "CN")),
        name_zh=str(raw["name_zh"]),
        source=str(raw["source"]).strip(),
        effective_from=_date(raw["effective_from"], f"policy {code}: effective_from"),
        effective_until=None if until is None else _date(until, f"policy {code}: effective_until"),
        parameters=params,
        formulas=comp.formulas,
        conditions=tuple(conditions),
        routes=tuple(routes),
        score=score_node,
        score_label_zh=str(raw.get("score_label_zh", "得分")),
        outputs=outputs,
        lookback=comp.lookback,
        text=text,
    )


def load_policy_file(path: str | Path) -> Policy:
    path = Path(path)
    try:
        return load_policy(path.read_text(encoding="utf-8"))
    except PolicyError as exc:
        raise PolicyError(f"{path.name}: {exc}") from exc


def load_policies_dir(path: str | Path) -> list[Policy]:
    """Every ``*.yaml`` policy in a directory, sorted by (code, jurisdiction, version)."""
    policies = [load_policy_file(p) for p in sorted(Path(path).glob("*.yaml"))]
    keys = [(p.code, p.jurisdiction, p.version) for p in policies]
    if len(set(keys)) != len(keys):
        raise PolicyError(f"duplicate (code, jurisdiction, version) in {path}")
    return sorted(policies, key=lambda p: (p.code, p.jurisdiction, p.version))


def resolve(policies: list[Policy], code: str, jurisdictions: list[str], on: dt.date) -> Policy | None:
    """The policy ``code`` that applies on ``on``, looking through ``jurisdictions`` from the most
    specific (e.g. ``["330102", "330100", "330000", "CN"]``): the first jurisdiction holding a variant
    in force wins; among its variants in force, the latest ``effective_from``. None if none applies.
    """
    for j in dict.fromkeys(jurisdictions):
        found = [p for p in policies if p.code == code and p.jurisdiction == j and p.in_force(on)]
        if found:
            return max(found, key=lambda p: p.effective_from)
    return None
