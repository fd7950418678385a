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
