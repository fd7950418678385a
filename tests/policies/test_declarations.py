"""The adapter between forms and the engine's declarations: lines of errors, edits, display units."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError

from kechuang.policies import declarations
from kechuang.policies.services import BUILTIN_DIR

from .conftest import POLICY_YAML


def test_yaml_syntax_error_names_its_line():
    broken = POLICY_YAML.replace("  - id: integrity", "  - id: integrity: [")
    with pytest.raises(ValidationError) as exc:
        declarations.compile_text(broken)
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if "integrity: [" in t)
    message = exc.value.message_dict["yaml_text"][0]
    assert f"第 {line} 行" in message and "YAML 格式错误" in message


def test_unknown_rule_text_is_passed_through():
    assert declarations.explain("something new") == "something new"


def test_unknown_condition_in_a_route_names_the_route_line():
    broken = POLICY_YAML.replace("all: [intensity, integrity]", "all: [intensity, integrity, age]")
    with pytest.raises(ValidationError) as exc:
        declarations.compile_text(broken)
    message = exc.value.message_dict["yaml_text"][0]
    line = next(i for i, t in enumerate(broken.splitlines(), 1) if "integrity, age]" in t)
    assert message == f"政策定义有误（第 {line} 行）：routes[0].all[2]：没有定义条件“age”"


def test_apply_edits_appends_a_dated_value_and_keeps_exact_numbers():
    text = declarations.apply_edits(
        POLICY_YAML,
        {"name_zh": "研发投入后补助（修订）", "effective_until": dt.date(2030, 12, 31)},
        [
            {
                "name": "min_intensity",
                "value": Decimal("0.045"),
                "from": dt.date(2026, 1, 1),
                "reference": "新文件",
            }
        ],
    )
    policy = declarations.compile_text(text)
    assert policy.name_zh == "研发投入后补助（修订）" and policy.effective_until == dt.date(2030, 12, 31)
    values = policy.parameters["min_intensity"].values
    assert [(v.start, v.value, v.reference) for v in values][1] == (
        dt.date(2026, 1, 1),
        Fraction(45, 1000),
        "新文件",
    )
    assert values[0].value == Fraction(1, 20)


def test_thresholds_are_shown_in_percent_and_wan_yuan():
    policy = declarations.compile_text((BUILTIN_DIR / "tech_sme.yaml").read_text(encoding="utf-8"))
    rows = {r["name"]: r for r in declarations.scalar_parameters(policy, dt.date(2026, 1, 1))}
    assert rows["max_revenue"]["value"] == "20000万元" and rows["max_revenue"]["factor"] == 10000
    assert "（元）" not in rows["max_revenue"]["label"]
    assert rows["max_employees"]["value"] == "500" and rows["max_employees"]["input_unit"] == ""
    policy = declarations.compile_text(POLICY_YAML)
    assert declarations.scalar_parameters(policy, dt.date(2026, 1, 1))[0]["value"] == "5%"


@pytest.mark.parametrize(
    ("value", "unit", "gap", "text"),
    [
        (Fraction(1, 25), "percent", False, "4.00%"),
        (Fraction(1, 100), "percent", True, "1.00 个百分点"),
        (Fraction(123456789, 100), "wan_yuan", False, "123.46 万元"),
        (12, "count", False, "12"),
        ((40, 70), "points", False, "40分～70分"),
        (None, "percent", False, "—"),
    ],
)
def test_display(value, unit, gap, text):
    assert declarations.display(value, unit, gap=gap) == text
