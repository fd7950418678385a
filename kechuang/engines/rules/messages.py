"""Default Chinese rendering of condition results.

The engine cannot use Django's translation machinery, so every message is a *code* plus
parameters (what the app translates), and ``render_zh`` gives the default Chinese text.
Displayed numbers are rounded for people; a rounded value that would read as equal to the
threshold while failing it gets more digits, so the text never contradicts the status.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_UP, Decimal
from fractions import Fraction

from .facts import FACT_KINDS, STATIC_FACTS, fact_label

# message code -> Chinese template (str.format fields are the params of the code)
TEMPLATES_ZH: dict[str, str] = {
    "rules.cmp.ge.met": "{label} {value}，不低于{who}要求的{threshold}",
    "rules.cmp.ge.unmet": "{label} {value}，低于{who}要求的{threshold}",
    "rules.cmp.gt.met": "{label} {value}，超过{who}要求的{threshold}",
    "rules.cmp.gt.unmet": "{label} {value}，未超过{who}要求的{threshold}",
    "rules.cmp.le.met": "{label} {value}，不超过{who}规定的上限{threshold}",
    "rules.cmp.le.unmet": "{label} {value}，超过{who}规定的上限{threshold}",
    "rules.cmp.lt.met": "{label} {value}，低于{who}规定的上限{threshold}",
    "rules.cmp.lt.unmet": "{label} {value}，未低于{who}规定的上限{threshold}",
    # "More than 0" is how a declaration says "has any": say so, not "未超过要求的0万元".
    "rules.cmp.positive.met": "{label} {value}，符合“{text}”",
    "rules.cmp.positive.unmet": "{label}为0，不符合“{text}”",
    "rules.test.met": "符合“{text}”",
    "rules.test.unmet": "不符合“{text}”",
    "rules.unknown": "{label}：{missing}尚未填报，请补充填报后再判定",
    "rules.undefined": "{reason}，无法计算{label}，按不符合处理（{text}）",
}


def render_zh(code: str, params: dict) -> str:
    return TEMPLATES_ZH[code].format(**params)


def _decimal(x: Fraction, places: int, rounding: str) -> Decimal:
    d = Decimal(x.numerator) / Decimal(x.denominator)
    return d.quantize(Decimal(1).scaleb(-places), rounding=rounding)


def _plain(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return text


def fmt(value, unit: str, *, towards: str | None = None, other=None, strip: bool = False) -> str:
    """Human text of an exact value in ``unit``. ``towards``: 'down'/'up' rounds away from a
    threshold ``other`` it must not seem to reach (used for the failing side of a comparison)."""
    if value is None:
        return "—"
    if isinstance(value, tuple):
        return f"{fmt(value[0], unit)}～{fmt(value[1], unit)}"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value * 100:.2f}%" if unit == "percent" else f"{value:.2f}"
    x = Fraction(value)
    scale, suffix, places = {
        "percent": (100, "%", 2),
        "wan_yuan": (Fraction(1, 10000), "万元", 2),
        "yuan": (1, "元", 2),
        "days": (1, "天", 0),
        "points": (1, "分", 2),
        "count": (1, "", 0),
    }.get(unit, (1, "", 6))
    y = x * scale
    if unit in ("points", "count", "days") and y.denominator == 1:
        return f"{y.numerator}{suffix}"
    rounding = ROUND_DOWN if towards == "down" else ROUND_UP if towards == "up" else None
    if rounding is None:
        d = _decimal(y, places, "ROUND_HALF_EVEN")
        return (_plain(d) if strip else format(d, "f")) + suffix
    limit = None if other is None else Fraction(other) * scale
    for p in range(places, 9):
        d = _decimal(y, p, rounding)
        if limit is None or Fraction(d) != limit or y == limit:
            return format(d, "f") + suffix
    return format(d, "f") + suffix


def missing_text(missing_years: dict[str, tuple[int, ...]]) -> str:
    parts = []
    for name, years in sorted(missing_years.items()):
        label = fact_label(name) if name in FACT_KINDS else name
        if years and name not in STATIC_FACTS:
            parts.append("、".join(f"{y}年" for y in years) + label)
        else:
            parts.append(label)
    return "、".join(parts)
