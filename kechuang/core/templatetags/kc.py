"""Display conventions: money is stored in yuan and shown in 10k yuan; ratios are shown as percentages."""

from decimal import Decimal

from django import template

from kechuang.core import money

register = template.Library()


@register.filter
def wan(yuan):
    if yuan is None or yuan == "":
        return None
    return (Decimal(yuan) / 10000).quantize(Decimal("0.01"))


@register.filter
def wan_plain(yuan):
    """万元 exactly, without trailing zeros (programme amounts: 375 or 37.5, never 37.50)."""
    return money.wan(yuan)


@register.filter
def percent(ratio, digits: int = 2):
    if ratio is None or ratio == "":
        return "—"
    return f"{Decimal(ratio) * 100:.{int(digits)}f}%"


@register.filter
def wan_grouped(yuan):
    """万元 exactly, with thousands separators (1,234.5): amounts people read, not type."""
    return money.show_wan(yuan)
