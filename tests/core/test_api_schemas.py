"""The OpenAPI document states exactly what the API accepts (``make api-check`` relies on it).

Each input below is judged twice, by the document's JSON schema and by the API's validation; the
two must agree, so a schema-valid request is never refused for its shape, nor an invalid one taken.
"""

import jsonschema
import pytest
from django.test import Client
from pydantic import TypeAdapter, ValidationError

from kechuang.core.api_schemas import decimal_text, whole_number
from kechuang.matching import services as matching_services

SAMPLES = [
    "0", "12", "12.5", "12.50", "12.505", "-3", "-3.5", "100", "100.0", "100.00", "100.01", "101",
    "99.99", "007", "1e5", "1,000", " 12", "12\n", "12.", ".5", "NaN", "Infinity", "", "١٢",
    "999999999999999", "1000000000000000", "-999999999999999.99",
    0, 5, -5, 100, 101, 10**9, 10**9 + 1, 10**15 - 1, 10**15, -(10**15 - 1),
    1.5, 12.0, 1e20, True, None, [], {},
]  # fmt: skip


def _document() -> dict:
    return Client().get("/api/openapi.json").json()


def _agree(annotated, samples=SAMPLES) -> None:
    adapter = TypeAdapter(annotated)
    schema = adapter.json_schema()
    for value in samples:
        documented = jsonschema.Draft202012Validator(schema).is_valid(value)
        try:
            adapter.validate_python(value)
            accepted = True
        except ValidationError:
            accepted = False
        assert documented == accepted, (value, schema)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"digits": 15},
        {"digits": 15, "signed": True},
        {"digits": 14},
        {"digits": 3, "maximum": 100},
    ],
)
def test_a_decimal_is_accepted_exactly_when_the_document_allows_it(kwargs):
    _agree(decimal_text(**kwargs))
    _agree(decimal_text(**kwargs) | None)


def test_a_whole_number_is_accepted_exactly_when_the_document_allows_it():
    _agree(whole_number(minimum=0, maximum=10**9) | None)


def test_a_refused_decimal_names_the_rule_and_a_float_says_how_to_send_it():
    adapter = TypeAdapter(decimal_text(digits=3, maximum=100, explain=lambda raw: f"规则：{raw}"))
    with pytest.raises(ValidationError, match="规则：101"):
        adapter.validate_python("101")
    with pytest.raises(ValidationError, match="十进制字符串或整数"):
        adapter.validate_python(1.5)
    with pytest.raises(ValidationError, match="0 至 100"):
        TypeAdapter(decimal_text(digits=3, maximum=100)).validate_python("100.5")


def _property(document, component: str, field: str) -> dict:
    return document["components"]["schemas"][component]["properties"][field]


def _members(prop: dict) -> dict[str, dict]:
    return {member["type"]: member for member in prop["anyOf"]}


def test_the_document_bounds_yearly_facts_as_the_template_does(db):
    document = _document()
    revenue = _members(_property(document, "FactsIn", "revenue"))
    assert revenue["integer"]["minimum"] == 0 and not revenue["string"]["pattern"].startswith("^-")
    net_profit = _members(_property(document, "FactsIn", "net_profit"))
    assert net_profit["integer"]["minimum"] < 0 and net_profit["string"]["pattern"].startswith("^-?")
    score = _members(_property(document, "FactsIn", "innovation_score"))
    assert (score["integer"]["minimum"], score["integer"]["maximum"]) == (0, 100)
    employees = _members(_property(document, "FactsIn", "employees"))
    assert (employees["integer"]["minimum"], employees["integer"]["maximum"]) == (0, 10**9)


def test_the_document_lists_the_match_transitions(db):
    action = _property(_document(), "TransitionIn", "action")
    assert set(action["enum"]) == set(matching_services.ACTIONS)


def test_money_is_documented_as_a_decimal_string_or_an_integer_never_a_float(db):
    document = _document()
    for component, field in [
        ("ApplicationIn", "requested_yuan"),
        ("DemandIn", "budget"),
        ("TransitionIn", "amount"),
    ]:
        members = _members(_property(document, component, field))
        assert set(members) - {"null"} == {"string", "integer"}, (component, field)
        assert members["integer"]["minimum"] == 0


def test_one_error_schema_serves_every_app(db):
    schemas = _document()["components"]["schemas"]
    assert [name for name in schemas if "Error" in name] == ["ErrorOut"]
