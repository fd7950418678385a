"""Schemas shared by the apps' APIs: the error answer, and exact decimals sent as text.

A decimal's OpenAPI description is built from the same pattern and bounds that validate it, so the
document states exactly what the API accepts: schemathesis (``make api-check``) then finds no value
the document allows and the API refuses, nor the reverse.
"""

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError


class ErrorOut(Schema):
    detail: str = Field(description="说明")
    errors: dict[str, str] | None = Field(None, description="字段 → 违反的规则")


# Every answer an operation can give, documented so that clients (and schemathesis) know them.
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS = {400: ErrorOut, **ERRORS}  # 400: a body that is not JSON at all


# Given the refused value as text, the rule it breaks in the app's own words (the same words a
# spreadsheet import uses), or None when only the generic rule applies.
Explain = Callable[[str], str | None]


def _whole(value) -> int | None:
    # JSON Schema counts 12.0 as an integer, and a float that is whole (below 2**53) is exact.
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _refuse(value, explain: Explain | None, rule: str) -> PydanticCustomError:
    if isinstance(value, float) and not value.is_integer():
        # Not the value's fault but its JSON type: say how to send it instead.
        rule = str(_("应以十进制字符串或整数表示，不能是小数形式的 JSON 数字"))
    elif explain is not None and isinstance(value, str | int) and not isinstance(value, bool):
        rule = explain(str(value)) or rule
    return PydanticCustomError("kechuang_decimal_text", rule)


def whole_number(*, minimum: int, maximum: int, explain: Explain | None = None) -> Any:
    """A JSON integer from ``minimum`` to ``maximum`` (no "12", no true)."""

    def validate(value) -> int:
        whole = _whole(value)
        if whole is not None and minimum <= whole <= maximum:
            return whole
        rule = _("应为 %(minimum)s 至 %(maximum)s 之间的整数") % {"minimum": minimum, "maximum": maximum}
        raise _refuse(value, explain, str(rule))

    schema = {"type": "integer", "minimum": minimum, "maximum": maximum}
    return Annotated[int, PlainValidator(validate), WithJsonSchema(schema)]


def decimal_text(
    *,
    digits: int,
    places: int = 2,
    signed: bool = False,
    maximum: int | None = None,
    example: str = "",
    explain: Explain | None = None,
) -> Any:
    """A decimal sent as a JSON string (``"12500000.50"``) or a whole JSON number, validated to a
    ``Decimal``. A JSON float is refused: it was rounded to binary before it arrived, so 0.1 + 0.2
    would never become a stored amount. ``digits`` bounds the integer part and ``places`` the
    fraction; ``maximum`` (a power of ten below 10**digits) lowers the upper bound. ``explain``
    words the refusal in the app's terms where it can."""
    limit = 10**digits - 1 if maximum is None else maximum
    minimum = -limit if signed else 0
    fraction = rf"(\.[0-9]{{1,{places}}})?"
    if maximum is None:
        pattern = rf"^{'-?' if signed else ''}[0-9]{{1,{digits}}}{fraction}$"
    else:  # 0 to maximum: below it any fraction, the maximum itself only with zeros after the point
        assert not signed and maximum == 10 ** (digits - 1), "only 0..10**n is needed so far"
        pattern = rf"^({maximum}(\.0{{1,{places}}})?|[0-9]{{1,{digits - 1}}}{fraction})$"
    # Read as Python reads it (as schemathesis and jsonschema do): $ also matches before a final
    # newline, which Decimal() ignores anyway.
    exact = re.compile(pattern)

    def validate(value) -> Decimal:
        whole = _whole(value)
        if whole is not None:
            if minimum <= whole <= limit:
                return Decimal(whole)
        elif isinstance(value, str) and exact.match(value):
            return Decimal(value)
        rule = _("应为 %(minimum)s 至 %(maximum)s 之间的十进制字符串（最多 %(places)s 位小数）或整数")
        raise _refuse(value, explain, str(rule % {"minimum": minimum, "maximum": limit, "places": places}))

    string = {"type": "string", "pattern": pattern, **({"examples": [example]} if example else {})}
    number = {"type": "integer", "minimum": minimum, "maximum": limit}
    return Annotated[Decimal, PlainValidator(validate), WithJsonSchema({"anyOf": [string, number]})]
