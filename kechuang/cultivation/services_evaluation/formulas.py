"""The catalogue of indicator formulas over yearly facts. A system's indicator names one of these; staff pick
from the list (no expressions typed by users). Each formula maps arrays of this year's and last year's facts
(NaN = unknown) to one value per enterprise, NaN where it cannot be computed (a zero denominator, a blank)."""

from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _

# The facts read for every enterprise, in this order (one query for the year and the year before).
FACT_FIELDS = (
    "employees",
    "st_staff",
    "rd_staff",
    "revenue",
    "rd_expense",
    "high_tech_revenue",
    "invention_patents",
    "class1_ip",
    "transfers",
    "net_profit",
    "total_assets",
)


@dataclass(frozen=True)
class Formula:
    code: str
    label: object
    unit: str  # "ratio" (shown as %), "count", "yuan" (shown in 万元), "per100"
    benefit: bool  # the usual direction
    compute: object  # (cur: dict[str, ndarray], prev: dict[str, ndarray]) -> ndarray


def _ratio(num, den, scale=1.0):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0) * scale, np.nan)


def _growth(cur, prev):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(prev > 0, cur / np.where(prev > 0, prev, 1.0) - 1.0, np.nan)


FORMULAS: dict[str, Formula] = {
    f.code: f
    for f in (
        Formula(
            "rd_intensity",
            _("研发投入强度"),
            "ratio",
            True,
            lambda c, p: _ratio(c["rd_expense"], c["revenue"]),
        ),
        Formula(
            "rd_staff_share",
            _("研发人员占比"),
            "ratio",
            True,
            lambda c, p: _ratio(c["rd_staff"], c["employees"]),
        ),
        Formula(
            "st_staff_share",
            _("科技人员占比"),
            "ratio",
            True,
            lambda c, p: _ratio(c["st_staff"], c["employees"]),
        ),
        Formula(
            "patents_per_100",
            _("每百名职工发明专利数"),
            "per100",
            True,
            lambda c, p: _ratio(c["invention_patents"], c["employees"], 100.0),
        ),
        Formula("invention_patents", _("发明专利数"), "count", True, lambda c, p: c["invention_patents"]),
        Formula("class1_ip", _("Ⅰ类知识产权数"), "count", True, lambda c, p: c["class1_ip"]),
        Formula("transfers", _("科技成果转化数"), "count", True, lambda c, p: c["transfers"]),
        Formula(
            "high_tech_share",
            _("高新技术产品（服务）收入占比"),
            "ratio",
            True,
            lambda c, p: _ratio(c["high_tech_revenue"], c["revenue"]),
        ),
        Formula(
            "revenue_growth",
            _("营业收入增长率"),
            "ratio",
            True,
            lambda c, p: _growth(c["revenue"], p["revenue"]),
        ),
        Formula(
            "rd_growth",
            _("研发费用增长率"),
            "ratio",
            True,
            lambda c, p: _growth(c["rd_expense"], p["rd_expense"]),
        ),
        Formula(
            "employee_growth",
            _("从业人员增长率"),
            "ratio",
            True,
            lambda c, p: _growth(c["employees"], p["employees"]),
        ),
        Formula(
            "profit_margin",
            _("营业利润率"),
            "ratio",
            True,
            lambda c, p: _ratio(c["net_profit"], c["revenue"]),
        ),
        Formula("rd_expense", _("研发费用总额"), "yuan", True, lambda c, p: c["rd_expense"]),
        Formula("revenue", _("营业收入"), "yuan", True, lambda c, p: c["revenue"]),
        Formula("total_assets", _("资产总额"), "yuan", True, lambda c, p: c["total_assets"]),
        Formula(
            "revenue_per_employee",
            _("人均营业收入"),
            "yuan",
            True,
            lambda c, p: _ratio(c["revenue"], c["employees"]),
        ),
    )
}


def formula_choices() -> list[tuple[str, object]]:
    return [(f.code, f.label) for f in FORMULAS.values()]


def display(value, unit: str) -> str:
    """A raw indicator value as a person reads it, with its unit."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return str(_("未填报"))
    if unit == "ratio":
        return f"{value * 100:.1f}%"
    if unit == "yuan":
        return f"{value / 10000:,.1f}{_('万元')}"
    if unit == "per100":
        return f"{value:.1f}{_('件/百人')}"
    return f"{value:,.0f}{_('件')}"
