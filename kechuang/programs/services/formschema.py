"""The application-form builder: rows a person fills in (field type, title, required, limits, help
text) to the call's JSON Schema and back.

The schema keeps the shape ``ApplicationForm`` renders and ``validate_form_data`` checks, so schemas
written by hand before the builder load into rows and, unchanged, save back equal (no version bump).
Money limits are typed in 万元 and stored in yuan like the answers.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kechuang.core.money import WAN, wan

# Longest answer a one-line box takes; longer text is a 多行文本.
LINE_MAX = 200

KINDS = [
    ("text", gettext_lazy("单行文本")),
    ("textarea", gettext_lazy("多行文本")),
    ("integer", gettext_lazy("整数")),
    ("money", gettext_lazy("金额（万元）")),
    ("number", gettext_lazy("数值")),
    ("date", gettext_lazy("日期")),
    ("choice", gettext_lazy("单选")),
    ("multi", gettext_lazy("多选")),
]
CHOICE_KINDS = ("choice", "multi")
NUMBER_KINDS = ("integer", "money", "number")


def json_number(x: Decimal):
    """JSON has no decimal type: whole numbers go as int, others as float."""
    return int(x) if x == x.to_integral_value() else float(x)


def fill_codes(rows: list[dict], prefix: str) -> list[dict]:
    """Give each row without a code the first free ``<prefix><n>``; kept codes are what stored data
    refers to, so they never change."""
    taken = {r["code"] for r in rows if r.get("code")}
    n = 0
    for r in rows:
        if not r.get("code"):
            n += 1
            while f"{prefix}{n}" in taken:
                n += 1
            r["code"] = f"{prefix}{n}"
            taken.add(r["code"])
    return rows


def ordered_properties(schema: dict) -> list[tuple[str, dict]]:
    """The schema's fields in the order the builder gave them. PostgreSQL's jsonb keeps object keys
    sorted by length, not as written, so the order travels in each field's ``propertyOrder`` (the
    json-editor convention); fields without one keep their place after those with one."""
    props = (schema or {}).get("properties") or {}
    return sorted(props.items(), key=lambda item: item[1].get("propertyOrder", float("inf")))


def show_answer(value):
    """An answer as a page shows it: a 多选 answer is a list, shown as the choices joined."""
    return "、".join(map(str, value)) if isinstance(value, list) else value


def _line_error(line: int, message: str) -> str:
    return _("第%(i)s行：%(m)s") % {"i": line, "m": message}


def rows_to_schema(rows: list[dict]) -> dict:
    """Build the form's JSON Schema from rows of {code, kind, title, required, max_length, minimum,
    maximum, options, help} in the order given. Limits that do not apply to a row's type are ignored
    (the person may have switched the type). Raises ValidationError({"form_schema": [...]}) with one
    message per broken rule, each naming the row (``line``, else its place) and the rule."""
    errors: list[str] = []
    if not rows:
        raise ValidationError({"form_schema": [_("申报书表单至少要有一个字段")]})
    rows = fill_codes([dict(r) for r in rows], "field")
    titles: dict[str, int] = {}
    properties: dict[str, dict] = {}
    required: list[str] = []
    for i, row in enumerate(rows, start=1):
        line = row.get("line") or i
        kind, title = row.get("kind"), (row.get("title") or "").strip()
        if kind not in dict(KINDS):
            errors.append(_line_error(line, _("请选择字段类型")))
            continue
        if not title:
            errors.append(_line_error(line, _("标题不能为空")))
        elif title in titles:
            errors.append(_line_error(line, _("标题与第%(j)s行重复") % {"j": titles[title]}))
        else:
            titles[title] = line
        prop: dict = {}
        length = row.get("max_length")
        low, high = row.get("minimum"), row.get("maximum")
        if kind in ("text", "textarea"):
            prop["type"] = "string"
            if kind == "text":
                if length is not None and length > LINE_MAX:
                    errors.append(
                        _line_error(line, _("单行文本最多%(n)s字，更长的请选“多行文本”") % {"n": LINE_MAX})
                    )
                prop["maxLength"] = length or LINE_MAX
            else:
                if length is not None:
                    prop["maxLength"] = length
                    # Without the marker a box this short would render as one line.
                    if length <= LINE_MAX:
                        prop["format"] = "textarea"
        elif kind in NUMBER_KINDS:
            prop["type"] = "integer" if kind == "integer" else "number"
            if kind == "money":
                prop["format"] = "money"
            if low is not None and high is not None and low > high:
                errors.append(_line_error(line, _("最小值不能大于最大值")))
            for key, bound in (("minimum", low), ("maximum", high)):
                if bound is None:
                    continue
                if kind == "integer" and bound != bound.to_integral_value():
                    errors.append(_line_error(line, _("整数字段的最小值和最大值须为整数")))
                    continue
                prop[key] = json_number(bound * WAN if kind == "money" else bound)
        elif kind == "date":
            prop.update(type="string", format="date")
        else:
            options = [o.strip() for o in row.get("options") or [] if o.strip()]
            if not options:
                errors.append(_line_error(line, _("选项不能为空")))
            elif len(set(options)) != len(options):
                errors.append(_line_error(line, _("选项不能重复")))
            enum = {"type": "string", "enum": options}
            prop.update(enum if kind == "choice" else {"type": "array", "items": enum, "uniqueItems": True})
        prop["title"] = title
        prop["propertyOrder"] = i
        if (row.get("help") or "").strip():
            prop["description"] = row["help"].strip()
        properties[row["code"]] = prop
        if row.get("required"):
            required.append(row["code"])
    if errors:
        raise ValidationError({"form_schema": errors})
    schema: dict = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def schema_to_rows(schema: dict) -> list[dict]:
    """The rows of a call's schema, in its order; the inverse of ``rows_to_schema``. Schemas written
    before the builder (money fields named ``*_yuan``, text without a maximum) load too."""
    from . import is_money  # the package imports this module

    required = set(schema.get("required") or [])
    rows = []
    for name, prop in ordered_properties(schema):
        row = {
            "code": name, "kind": "text", "title": prop.get("title", name), "required": name in required,
            "max_length": None, "minimum": None, "maximum": None, "options": [],
            "help": prop.get("description", ""),
        }  # fmt: skip
        kind = prop.get("type")
        if kind == "array":
            row.update(kind="multi", options=list((prop.get("items") or {}).get("enum") or []))
        elif kind == "string" and "enum" in prop:
            row.update(kind="choice", options=list(prop["enum"]))
        elif kind == "string" and prop.get("format") == "date":
            row["kind"] = "date"
        elif kind == "string":
            length = prop.get("maxLength")
            long = prop.get("format") == "textarea" or length is None or length > LINE_MAX
            row.update(kind="textarea" if long else "text", max_length=length)
        else:
            money = is_money(name, prop)
            row["kind"] = "money" if money else kind
            for key in ("minimum", "maximum"):
                bound = _decimal(prop.get(key))
                row[key] = wan(bound) if money and bound is not None else bound
        rows.append(row)
    return rows
