"""A thin adapter between the pages and the rules engine's YAML declarations.

The engine compiles a declaration and names the offending part of a bad one (``conditions[2](score)
.test: unknown fact 'x'``) but not its line; the forms need the line, so ``locate`` walks the YAML
node tree along that path. ``apply_edits`` turns the structured form fields (name, dates, a new
dated parameter value with its legal reference) into a new declaration text.
"""

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import yaml
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kechuang.engines import rules as engine


class _Loader(yaml.SafeLoader):
    """Floats read as Decimal, as the engine reads them, so 0.05 stays exactly 0.05 through an edit."""


_Loader.add_constructor(
    "tag:yaml.org,2002:float", lambda loader, node: Decimal(loader.construct_scalar(node))
)


class _Dumper(yaml.SafeDumper):
    pass


def _decimal_repr(dumper, value: Decimal):
    text = format(value, "f")
    if "." not in text:
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


_Dumper.add_representer(Decimal, _decimal_repr)


def load_raw(text: str) -> dict:
    raw = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass
    return raw if isinstance(raw, dict) else {}


def dump_raw(raw: dict) -> str:
    return yaml.dump(raw, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1000)


_SEGMENT = re.compile(r"([A-Za-z_]\w*)|\[(\d+)\]|\(\w+\)")


def locate(text: str, message: str) -> int | None:
    """The 1-based line of the part an engine error names, or of a YAML syntax error."""
    mark = re.search(r"line (\d+), column \d+", message)
    if message.startswith("not valid YAML") and mark:
        return int(mark.group(1))
    match = re.match(r"(?:[\w.-]+\.yaml: )?policy \w+: ([\w.\[\]()]+):", message)
    if not match:
        return None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    line = None
    for m in _SEGMENT.finditer(match.group(1)):
        key, index = m.group(1), m.group(2)
        if key is not None and isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == key), None)
            if found is None:
                break
            line, node = found.start_mark.line + 1, found
        elif index is not None and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
            node = node.value[int(index)]
            line = node.start_mark.line + 1
    return line


# The engine words its errors in English for developers; staff read them in Chinese. Each pattern
# keeps the engine's own facts (names, values) and puts the rule in words; anything unmatched is shown
# as the engine gave it.
_RULES_ZH = [
    (r"unknown fact '(\w+)'", "没有名为“{0}”的数据项（可用的数据项见年度数据模板）"),
    (r"unknown parameter '(\w+)'", "没有定义参数“{0}”"),
    (r"unknown condition '(\w+)'", "没有定义条件“{0}”"),
    (r"unknown formula '(\w+)'", "没有定义公式“{0}”"),
    (r"formula '(\w+)' refers to itself", "公式“{0}”引用了自身"),
    (r"(\w+) is required", "缺少必填项 {0}"),
    (r"every value carries its legal reference", "每个取值都必须注明出处（reference）"),
    (r"needs text_zh and reference", "每个条件都必须有条件原文（text_zh）和出处（reference）"),
    (r"conditions used by no route: (.*)", "以下条件没有被任何认定路径（routes）使用：{0}"),
    (r"condition ids must be unique", "条件编号（id）不能重复"),
    (r"not a date \(YYYY-MM-DD\): (.*)", "日期应为 YYYY-MM-DD 格式：{0}"),
    (r"not an exact number: (.*)", "不是有效的数字：{0}"),
    (r"parameter '(\w+)' is (\w+), expected (\w+)", "参数“{0}”的类型是 {1}，此处需要 {2}"),
    (r"fact '(\w+)' is (\w+), expected one of .*", "数据项“{0}”的类型（{1}）不能用于此处"),
    (r"policy code must be an identifier, got (.*)", "政策代码须由字母、数字和下划线组成：{0}"),
    (
        r"parameter (\w+) has no value on ([\d-]+)",
        "参数“{0}”在 {1} 没有适用的取值（请补充该日期前生效的取值）",
    ),
    (r"needs values: ", "参数须列出取值（values：from、value、reference）"),
    (r"unknown (?:expression|test) (.*)", "无法识别的写法：{0}"),
    (r"expected a condition id or all/any/not", "认定路径只能由条件编号及 all/any/not 组合而成"),
    (r"(?:condition|route) id must be an identifier, got (.*)", "编号须由字母、数字和下划线组成：{0}"),
    (r"not valid YAML", "YAML 格式错误，请检查缩进、冒号和括号"),
    (r"a policy is a YAML mapping", "政策定义应为“键: 值”的结构"),
]


def explain(message: str) -> str:
    """The engine's error message with its rule in Chinese where the rule is a known one."""
    where = re.match(r"(?:[\w.-]+\.yaml: )?policy \w+: ([\w.\[\]()]+): ", message)
    for pattern, text in _RULES_ZH:
        if found := re.search(pattern, message):
            rule = text.format(*found.groups())
            return f"{where.group(1)}：{rule}" if where else rule
    return message


@lru_cache(maxsize=128)
def _compiled(text: str) -> engine.Policy:
    return engine.load_policy(text)


def compile_text(text: str, *, field: str = "yaml_text") -> engine.Policy:
    """The engine's policy, or ValidationError on ``field`` naming the line and the rule broken."""
    try:
        return _compiled(text)
    except engine.PolicyError as exc:
        line = locate(text, str(exc))
        rule = explain(str(exc))
        if line:
            message = _("政策定义有误（第 %(line)s 行）：%(rule)s") % {"line": line, "rule": rule}
        else:
            message = _("政策定义有误：%(rule)s") % {"rule": rule}
        raise ValidationError({field: message}, code="policy") from None


# How a threshold is typed in a form: a ratio as a percentage, money in 万元 (stored as a fraction and
# in yuan); the factor turns the typed number into the stored one.
INPUT_UNITS = {"percent": ("%", Decimal("0.01")), "wan_yuan": ("万元", Decimal(10000))}


def parameter_units(policy: engine.Policy) -> dict[str, str]:
    """The unit of each scalar parameter a condition compares with (its condition's unit)."""
    from kechuang.engines.rules.model import Cmp, Param

    units: dict[str, str] = {}
    for c in policy.conditions:
        if isinstance(c.test, Cmp) and isinstance(c.test.right, Param):
            units.setdefault(c.test.right.name, c.unit)
    return units


def scalar_parameters(policy: engine.Policy, on: dt.date) -> list[dict]:
    """The scalar parameters (thresholds) with the value in force on ``on``, its reference, its unit
    for input (``input_unit``: "%", "万元" or "") and every dated value, shown in that unit."""
    units = parameter_units(policy)
    rows = []
    for name, p in policy.parameters.items():
        if p.kind != "scalar":
            continue
        try:
            current = p.at(on)
        except engine.PolicyError:
            current = p.values[-1]
        unit = units.get(name, "")
        suffix, factor = INPUT_UNITS.get(unit, ("", Decimal(1)))
        label = p.label_zh.replace("（元）", "") if unit == "wan_yuan" else p.label_zh
        rows.append(
            {
                "name": name,
                "label": label,
                "unit": unit,
                "input_unit": suffix,
                "factor": factor,
                "value": _shown(current.value, factor) + suffix,
                "from": current.start,
                "reference": current.reference,
                "history": [(v.start, _shown(v.value, factor) + suffix, v.reference) for v in p.values],
            }
        )
    return rows


def condition_rows(policy: engine.Policy) -> list[dict]:
    """The conditions for display, with the facts they read named in Chinese."""
    return [
        {
            "id": c.id,
            "text": c.text_zh,
            "facts": [engine.fact_label(f) if f in engine.FACT_KINDS else f for f in c.facts],
            "reference": c.reference,
        }
        for c in policy.conditions
    ]


def _shown(value, factor: Decimal) -> str:
    if isinstance(value, Fraction):
        d = Decimal(value.numerator) / Decimal(value.denominator) / factor
        return format(d.normalize(), "f")
    return str(value)


def apply_edits(
    text: str, edits: dict, new_values: list[dict], condition_edits: dict[str, dict] | None = None
) -> str:
    """``text`` with top-level fields replaced (``edits``: name_zh, source, version, effective_from,
    effective_until), for each ``new_values`` item {name, value: Decimal, from: date, reference}
    a new dated value appended to that parameter, and ``condition_edits`` {condition id: {text_zh,
    reference}} written into those conditions. Comments are not kept (PyYAML drops them)."""
    raw = load_raw(text)
    for key, value in edits.items():
        raw[key] = value
    for condition in raw.get("conditions") or []:
        condition.update((condition_edits or {}).get(condition.get("id"), {}))
    params = raw.get("parameters") or {}
    for item in new_values:
        values = params[item["name"]]["values"]
        values[:] = [v for v in values if _date(v.get("from")) != item["from"]]
        values.append({"from": item["from"], "value": item["value"], "reference": item["reference"]})
        values.sort(key=lambda v: _date(v.get("from")))
    return dump_raw(raw)


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


UNITS = {"percent": "%", "wan_yuan": "万元", "yuan": "元", "days": "天", "points": "分", "count": ""}


def display(value, unit: str, *, gap: bool = False) -> str:
    """A value (Fraction, int, float, (lo, hi)) for people: money in 万元, ratios as %."""
    if value is None:
        return "—"
    if isinstance(value, tuple | list):
        return f"{display(value[0], unit)}～{display(value[1], unit)}"
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, str):
        value = Fraction(Decimal(value))
    x = Fraction(value) if not isinstance(value, float) else value
    if unit == "percent":
        number = f"{float(x) * 100:.2f}"
        return _("%(n)s 个百分点") % {"n": number} if gap else f"{number}%"
    if unit == "wan_yuan":
        return f"{float(x) / 10000:,.2f} 万元"
    if unit in ("count", "days", "points") and not isinstance(x, float) and x.denominator == 1:
        return f"{x.numerator}{UNITS[unit]}"
    return f"{float(x):.2f}{UNITS.get(unit, '')}"
