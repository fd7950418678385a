"""The yearly facts the rules read, and how an evaluation date picks the fiscal years.

A *record* is one enterprise-year: a dict keyed by the template's column names (see ``FACT_KINDS``),
values typed as ``str``, ``int``, ``Decimal`` (yuan, at most two decimals), ``datetime.date``,
``bool`` or ``None``. ``None`` always means *unknown*, never zero or false.

Fiscal years (the choice documented once, here): a Chinese fiscal year is the calendar year, so a
year is completed before the evaluation date ``on`` iff ``year < on.year``. The *reference year* Y
of an enterprise is the latest year < ``on.year`` for which it has a record ("the last completed
fiscal year where facts exist"); a condition reading "the last N years" reads Y, Y-1, ..., Y-N+1.
An absent year row reads as blank facts. When the enterprise has no record before ``on``, Y is
``on.year - 1`` and every yearly fact is blank. Callers may pin Y with ``fiscal_year=``.

Static attributes (``registered_on``, ``industry_code``, ...) come from the latest year in which
they are filled in, over all of the enterprise's records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

MONEY, COUNT, NUMBER, BOOL, DATE, CODE, TEXT = "money", "count", "number", "bool", "date", "code", "text"

# name -> (kind, static?, Chinese label). Money is yuan; NUMBER has at most two decimals.
FACT_KINDS: dict[str, tuple[str, bool, str]] = {
    "uscc": (TEXT, True, "统一社会信用代码"),
    "name": (TEXT, True, "企业名称"),
    "district": (TEXT, True, "所属区县"),
    "registered_on": (DATE, True, "成立日期"),
    "industry_code": (CODE, True, "国民经济行业代码"),
    "employees": (COUNT, False, "职工总数"),
    "st_staff": (COUNT, False, "科技人员数"),
    "rd_staff": (COUNT, False, "研发人员数"),
    "revenue": (MONEY, False, "营业收入"),
    "total_assets": (MONEY, False, "资产总额"),
    "net_assets": (MONEY, False, "净资产"),
    "total_costs": (MONEY, False, "成本费用总额"),
    "net_profit": (MONEY, False, "净利润"),
    "rd_expense": (MONEY, False, "研发费用"),
    "domestic_rd_expense": (MONEY, False, "境内研发费用"),
    "high_tech_revenue": (MONEY, False, "高新技术产品（服务）收入"),
    "invention_patents": (COUNT, False, "发明专利数"),
    "class1_ip": (COUNT, False, "Ⅰ类知识产权数"),
    "class2_ip": (COUNT, False, "Ⅱ类知识产权数"),
    "transfers": (COUNT, False, "科技成果转化数"),
    "in_key_field": (BOOL, False, "核心技术属于国家重点支持的高新技术领域"),
    "innovation_score": (NUMBER, False, "创新能力评价得分"),
    "major_incident": (BOOL, False, "发生重大安全、质量事故或严重环境违法行为"),
    "dishonest": (BOOL, False, "存在科研严重失信行为或列入失信名单"),
    "high_tech_cert_valid": (BOOL, False, "拥有有效期内的高新技术企业证书"),
    "listed": (BOOL, False, "已上市"),
}
STATIC_FACTS = tuple(n for n, (_, static, _) in FACT_KINDS.items() if static)
YEARLY_FACTS = tuple(n for n, (_, static, _) in FACT_KINDS.items() if not static)
NUMERIC_KINDS = (MONEY, COUNT, NUMBER)
# Exact integer scale of each numeric kind in the vectorised path: money in cents, scores in 1/100.
SCALE = {MONEY: 100, COUNT: 1, NUMBER: 100}


def fact_kind(name: str) -> str:
    return FACT_KINDS[name][0]


def fact_label(name: str) -> str:
    return FACT_KINDS[name][2]


def to_fraction(value) -> Fraction:
    """Exact conversion of int/Decimal/str; floats are refused (they are how boundaries flip)."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, float):
        raise TypeError(f"float {value!r} refused: pass Decimal, int or a decimal string")
    if isinstance(value, Fraction | int):
        return Fraction(value)
    if isinstance(value, Decimal | str):
        return Fraction(Decimal(value))
    raise TypeError(f"not a number: {value!r}")


@dataclass(frozen=True)
class EnterpriseFacts:
    """One enterprise's facts as seen on an evaluation date.

    ``static``: static attribute -> value. ``years``: fiscal year -> record (only years < on.year).
    ``reference_year``: Y, see the module docstring. ``has_reference``: whether a record for Y exists.
    """

    uscc: str | None
    on: dt.date
    reference_year: int
    static: Mapping[str, object]
    years: Mapping[int, Mapping[str, object]]

    def yearly(self, name: str, offset: int = 0):
        """Value of a yearly fact in year Y - offset, or None (blank or no row)."""
        row = self.years.get(self.reference_year - offset)
        return None if row is None else row.get(name)

    @property
    def registered_on(self) -> dt.date | None:
        return self.static.get("registered_on")  # type: ignore[return-value]


def reference_year(years: Iterable[int], on: dt.date) -> int:
    before = [y for y in years if y < on.year]
    return max(before) if before else on.year - 1


def enterprise_facts(
    records: Iterable[Mapping[str, object]], on: dt.date, fiscal_year: int | None = None
) -> EnterpriseFacts:
    """Group one enterprise's records (all with the same ``uscc``) for evaluation on ``on``.

    Raises ValueError on two records for the same year or records of different enterprises.
    """
    rows = sorted(records, key=lambda r: r["year"])  # type: ignore[arg-type, return-value]
    usccs = {r.get("uscc") for r in rows}
    if len(usccs) > 1:
        raise ValueError(f"records of several enterprises given: {sorted(map(str, usccs))}")
    static: dict[str, object] = {}
    years: dict[int, Mapping[str, object]] = {}
    for row in rows:
        year = int(row["year"])  # type: ignore[call-overload]
        if year in years:
            raise ValueError(f"two records for {row.get('uscc')} in {year}")
        for name in STATIC_FACTS:
            if row.get(name) is not None:
                static[name] = row[name]
        if year < on.year:
            years[year] = row
    ref = fiscal_year if fiscal_year is not None else reference_year(years, on)
    return EnterpriseFacts(
        uscc=next(iter(usccs)) if usccs else None, on=on, reference_year=ref, static=static, years=years
    )
