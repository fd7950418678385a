from decimal import Decimal

from django import template
from django.utils.translation import gettext as _

from kechuang.core.money import grouped

register = template.Library()


@register.filter
def measure(value, unit):
    """A figure with its unit beside it: 1,234 家 · 12,345.67 万元 · 45.20% · 310 人; — when unknown."""
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    if unit == "yuan":
        # 万元 to two places (hundreds of yuan): a leader reads 12,345.68 万元, not 12,345.678901.
        return _("%(n)s 万元") % {"n": grouped((value / 10000).quantize(Decimal("0.01")))}
    if unit == "ratio":
        return f"{(value * 100).quantize(Decimal('0.01'))}%"
    if unit == "persons":
        return _("%(n)s 人") % {"n": grouped(value.quantize(Decimal(1)))}
    return _("%(n)s 家") % {"n": grouped(value.quantize(Decimal(1)))}


@register.filter
def pct(value, digits=1):
    """A fraction as a percentage: 0.8734 → 87.3%."""
    if value is None:
        return "—"
    q = Decimal(1).scaleb(-int(digits))
    return f"{(Decimal(value) * 100).quantize(q)}%"


@register.filter
def signed_pct(value):
    if value is None:
        return "—"
    text = f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}%"
    return text if value < 0 else "+" + text
