"""Labels derived from one year of an enterprise's facts (规上, R&D-active, R&D intensity).

Pure Python. Three-valued: a label whose inputs are blank is ``None`` (unknown), never False.
Inputs are plain mappings with the yearly-facts template's names; money in yuan as Decimal.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

RULE_VERSION = "labels-2024.1"

# 规模以上工业企业: annual main-business revenue of 20 M yuan or more (国家统计局, since 2011), for
# industry = GB/T 4754 sections B (mining), C (manufacturing), D (utilities).
ABOVE_SCALE_REVENUE = Decimal("20000000")
INDUSTRY_SECTIONS = frozenset("BCD")


@dataclass(frozen=True)
class Label:
    code: str
    status: bool | None  # None: unknown
    value: Decimal | None = None


def above_scale(industry_code: str | None, revenue: Decimal | None) -> Label:
    """Only industrial enterprises can be 规上 under this rule; others are "no" by definition."""
    if not industry_code:
        return Label("above_scale", None)
    if industry_code[0] not in INDUSTRY_SECTIONS:
        return Label("above_scale", False)
    if revenue is None:
        return Label("above_scale", None)
    return Label("above_scale", revenue >= ABOVE_SCALE_REVENUE)


def rd_active(rd_expense: Decimal | None) -> Label:
    if rd_expense is None:
        return Label("rd_active", None)
    return Label("rd_active", rd_expense > 0)


def rd_intensity(rd_expense: Decimal | None, revenue: Decimal | None) -> Label:
    """R&D expense ÷ revenue as a fraction, kept to 6 decimals; unknown when revenue is 0 or blank."""
    if rd_expense is None or revenue is None or revenue <= 0:
        return Label("rd_intensity", None)
    ratio = (rd_expense / revenue).quantize(Decimal("0.000001"))
    return Label("rd_intensity", ratio > 0, ratio)


def derive(facts: Mapping, industry_code: str | None) -> list[Label]:
    return [
        above_scale(industry_code, facts.get("revenue")),
        rd_active(facts.get("rd_expense")),
        rd_intensity(facts.get("rd_expense"), facts.get("revenue")),
    ]
