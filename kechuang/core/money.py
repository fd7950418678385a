"""Money is stored in yuan (Decimal) and shown in 万元 (10k yuan) without trailing zeros."""

from decimal import Decimal

WAN = Decimal(10000)


def wan(amount: Decimal | int | str | None) -> Decimal | None:
    """Yuan → 万元, exact: 4,000,000 → 400; 12,345 → 1.2345."""
    if amount is None or amount == "":
        return None
    # normalize() alone would print 400 as 4E+2.
    value = (Decimal(amount) / WAN).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


def grouped(amount: Decimal | int | str | None) -> str:
    """An amount with thousands separators and no trailing zeros: 12345.5 → 12,345.5."""
    if amount is None or amount == "":
        return ""
    value = Decimal(amount).normalize()
    value = value.quantize(Decimal(1)) if value == value.to_integral_value() else value
    return f"{value:,f}"


def show_wan(yuan: Decimal | int | str | None) -> str:
    """Yuan shown in 万元 with separators: 12,345,600 → 1,234.56."""
    return grouped(wan(yuan))
