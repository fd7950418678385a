"""The application-form builder: rows ↔ the call's JSON Schema, its row-naming messages, the
applicant form it draws, and the preview endpoint."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.programs import services
from kechuang.programs.forms import ApplicationForm
from kechuang.programs.services.formschema import LINE_MAX, rows_to_schema, schema_to_rows


def row(**kw):
    base = {
        "code": "", "kind": "text", "title": "栏目", "required": False, "max_length": None,
        "minimum": None, "maximum": None, "options": [], "help": "",
    }  # fmt: skip
    return {**base, **kw}


def test_default_schema_loads_into_rows_and_saves_back_equal():
    # An unchanged form must save back equal, or every edit of a call would bump its schema version.
    rows = schema_to_rows(services.DEFAULT_SCHEMA)
    assert [r["kind"] for r in rows] == ["text", "textarea", "money", "integer"]
    assert rows[2]["minimum"] == 0 and rows[3]["maximum"] == 500
    assert rows_to_schema(rows) == services.DEFAULT_SCHEMA


def test_money_limits_are_typed_in_wan_and_stored_in_yuan():
    schema = rows_to_schema([row(code="m", kind="money", title="自筹", minimum=Decimal("1.5"))])
    assert schema["properties"]["m"] == {
        "type": "number",
        "format": "money",
        "minimum": 15000,
        "title": "自筹",
        "propertyOrder": 1,
    }
    assert schema_to_rows(schema)[0]["minimum"] == Decimal("1.5")


def test_new_rows_get_codes_and_choices_become_enum_and_array():
    schema = rows_to_schema(
        [
            row(kind="choice", title="单位性质", options=["企业", "高校"], required=True, help="按营业执照"),
            row(kind="multi", title="领域", options=["新材料", "生物医药"]),
            row(kind="date", title="成立日期"),
        ]
    )
    assert list(schema["properties"]) == ["field1", "field2", "field3"]
    assert schema["required"] == ["field1"]
    assert schema["properties"]["field1"] == {
        "type": "string", "enum": ["企业", "高校"], "title": "单位性质", "description": "按营业执照",
        "propertyOrder": 1,
    }  # fmt: skip
    assert schema["properties"]["field2"]["items"]["enum"] == ["新材料", "生物医药"]
    assert schema["properties"]["field3"]["format"] == "date"
    services.check_schema(schema)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (row(kind="choice", options=[]), "第3行：选项不能为空"),
        (row(kind="multi", options=["甲", "甲"]), "第3行：选项不能重复"),
        (row(title="  "), "第3行：标题不能为空"),
        (row(title="甲"), "第3行：标题与第1行重复"),
        (row(kind="integer", minimum=Decimal(5), maximum=Decimal(1)), "第3行：最小值不能大于最大值"),
        (row(kind="integer", minimum=Decimal("0.5")), "第3行：整数字段的最小值和最大值须为整数"),
        (row(kind="text", max_length=LINE_MAX + 1), "第3行：单行文本最多200字"),
    ],
)
def test_bad_rows_are_named_with_the_rule(bad, message):
    with pytest.raises(ValidationError) as exc:
        rows_to_schema([row(title="甲"), row(title="乙"), bad])
    assert any(m.startswith(message) for m in exc.value.message_dict["form_schema"])


def test_no_rows_is_refused():
    with pytest.raises(ValidationError, match="至少要有一个字段"):
        rows_to_schema([])


titles = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80), min_size=1, max_size=8)
bounds = st.none() | st.decimals(min_value=-1000, max_value=1000, places=0)
money = st.none() | st.decimals(min_value=0, max_value=10000, places=4)
options = st.lists(titles, min_size=1, max_size=4, unique=True)


@st.composite
def rows_strategy(draw):
    out = []
    for i, kind in enumerate(draw(st.lists(st.sampled_from(
        ["text", "textarea", "integer", "money", "number", "date", "choice", "multi"]
    ), min_size=1, max_size=6))):  # fmt: skip
        r = row(code=f"c{i}", kind=kind, title=f"{draw(titles)}{i}", required=draw(st.booleans()),
                help=draw(st.sampled_from(["", "说明"])))  # fmt: skip
        if kind == "text":
            r["max_length"] = draw(st.integers(1, LINE_MAX))
        elif kind == "textarea":
            r["max_length"] = draw(st.none() | st.integers(1, 5000))
        elif kind in ("integer", "number"):
            low, high = sorted([draw(bounds) or Decimal(0), draw(bounds) or Decimal(0)])
            r["minimum"], r["maximum"] = draw(st.sampled_from([(low, high), (None, high), (low, None)]))
        elif kind == "money":
            r["minimum"], r["maximum"] = draw(money), None
        elif kind in ("choice", "multi"):
            r["options"] = draw(options)
        out.append(r)
    return out


@settings(max_examples=60, deadline=None)
@given(rows_strategy())
def test_rows_schema_rows_round_trip(rows):
    schema = rows_to_schema(rows)
    services.check_schema(schema)
    assert schema_to_rows(schema) == rows
    assert rows_to_schema(schema_to_rows(schema)) == schema


def test_applicant_form_draws_every_kind_and_checks_answers():
    schema = rows_to_schema(
        [
            row(code="kind", kind="choice", title="单位性质", options=["企业", "高校"], required=True),
            row(code="areas", kind="multi", title="领域", options=["新材料", "生物医药"], help="可多选"),
            row(code="founded", kind="date", title="成立日期"),
        ]
    )
    base = {"title": "项目", "abstract": "摘要", "requested_wan": "10", "months": "12"}
    form = ApplicationForm(
        {**base, "f_kind": "企业", "f_areas": ["新材料"], "f_founded": "2020-05-01"}, schema=schema
    )
    assert form.is_valid(), form.errors
    assert form.fields["f_areas"].help_text == "可多选"
    data = form.service_data()["form_data"]
    assert data == {"kind": "企业", "areas": ["新材料"], "founded": "2020-05-01"}
    assert services.validate_form_data(schema, data) == data
    assert not ApplicationForm({**base, "f_kind": "外星"}, schema=schema).is_valid()
    with pytest.raises(ValidationError) as exc:
        services.validate_form_data(schema, {"kind": "外星", "areas": ["x"], "founded": "2020-13-01"})
    errors = exc.value.message_dict
    assert "只能从给出的选项中选择" in errors["form_data.kind"][0]
    assert "只能从给出的选项中选择" in errors["form_data.areas"][0]
    assert "须为日期" in errors["form_data.founded"][0]
    with pytest.raises(ValidationError, match="为必填项"):
        services.validate_form_data(schema, {"areas": []})


def fields_post(items):
    data = {"fields-TOTAL_FORMS": str(len(items)), "fields-INITIAL_FORMS": "0"}
    for i, item in enumerate(items):
        data.update({f"fields-{i}-{k}": v for k, v in item.items()})
    return data


@pytest.mark.django_db
def test_preview_draws_the_applicant_form_for_staff_only(client, city):
    url = reverse("programme_form_preview")
    rows = [
        {"kind": "choice", "title": "单位性质", "options": "企业\n高校", "ORDER": "2"},
        {"kind": "date", "title": "成立日期", "required": "on", "ORDER": "1"},
    ]
    client.force_login(city["users"]["staff"])
    page = client.post(url, fields_post(rows)).content.decode()
    assert 'data-testid="form-preview-fields"' in page and "项目名称" in page
    assert page.index("成立日期") < page.index("单位性质") < page.index('value="高校"')
    assert 'type="date"' in page and "{" not in page
    page = client.post(url, fields_post([rows[0], {"kind": "multi", "title": "领域"}])).content.decode()
    assert "第2行：选项不能为空" in page and 'data-testid="form-preview-fields"' not in page
    page = client.post(url, fields_post([{"kind": "", "title": "甲"}])).content.decode()
    assert "第1行：字段类型：" in page
    client.force_login(city["users"]["enterprise"])
    assert client.post(url, fields_post(rows)).status_code == 403
    assert client.get(url).status_code == 405


@pytest.mark.django_db
def test_call_form_saves_builder_rows_as_schema(client, city):
    services.seed_programme_types()
    staff = city["users"]["staff"]
    today = dt.date.today()
    call = services.save_call(
        staff,
        {
            "programme_type": services.ProgrammeType.objects.get(code="major_breakthrough"),
            "year": 2026, "title": "通知", "guide": "指南", "topics": [], "eligibility": [],
            "budget_cap_yuan": Decimal(4_000_000), "opens_on": today, "closes_on": today + dt.timedelta(days=9),
        },
    )  # fmt: skip
    client.force_login(staff)
    page = client.get(reverse("programme_call_edit", args=[call.pk])).content.decode()
    assert 'data-testid="fields-editor"' in page and "项目团队人数" in page and "JSON" not in page
    assert 'name="fields-3-maximum" value="500"' in page


def test_field_order_survives_keys_reordered_as_postgresql_jsonb_does():
    # jsonb hands keys back shortest first: the builder's order must not depend on key order.
    schema = rows_to_schema([row(code="self_funding_yuan", title="甲"), row(code="goals", title="乙")])
    reordered = {
        **schema,
        "properties": dict(sorted(schema["properties"].items(), key=lambda kv: len(kv[0]))),
    }
    assert list(reordered["properties"]) == ["goals", "self_funding_yuan"]
    assert [r["title"] for r in schema_to_rows(reordered)] == ["甲", "乙"]
    fields = [n for n in ApplicationForm(schema=reordered).fields if n.startswith("f_")]
    assert fields == ["f_self_funding_yuan", "f_goals"]


@pytest.mark.parametrize("order", ["1", True, 1.5])
def test_a_schema_whose_field_order_is_not_a_whole_number_is_refused(order):
    schema = {"type": "object", "properties": {"a": {"type": "string", "propertyOrder": order}}}
    with pytest.raises(ValidationError, match="顺序（propertyOrder）须为整数"):
        services.check_schema(schema)
