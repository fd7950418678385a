"""The rules engine itself: declarations, dated parameters, fiscal years, three-valued logic, traces."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from fractions import Fraction

import pytest

from kechuang.engines.rules import (
    FactsTable,
    PolicyError,
    PolicyNotInForce,
    enterprise_facts,
    evaluate,
    evaluate_bulk,
    load_policy,
    resolve,
)
from kechuang.engines.rules.facts import fact_label, to_fraction

MINI = """
code: mini
version: "1"
jurisdiction: "370000"
name_zh: 测试政策
source: 测试文件 第一条
effective_from: 2020-01-01
effective_until: 2030-12-31
parameters:
  min_ratio:
    label_zh: 比例下限
    values:
      - {from: 2020-01-01, value: 0.1, reference: 第一条}
      - {from: 2024-07-01, value: 0.2, reference: 第一条（修订）}
conditions:
  - id: ratio
    text_zh: 研发人员占比不低于下限
    label_zh: 研发人员占比
    reference: 第一条
    test: {ge: [{ratio: [{fact: rd_staff}, {fact: employees}]}, {param: min_ratio}]}
  - id: clean
    text_zh: 无失信
    reference: 第二条
    test: {is_false: dishonest}
  - id: listed
    text_zh: 已上市
    reference: 第三条
    test: {is_true: listed}
routes:
  - id: main
    label_zh: 一般
    rule: {all: [ratio, clean]}
  - id: listed
    label_zh: 上市企业
    rule: {all: [listed, {not: {any: [ratio]}}]}
"""


def rec(year=2023, **kw):
    base = {"uscc": "X", "year": year, "employees": 10, "rd_staff": 1, "dishonest": False, "listed": False}
    return {**base, **kw}


def test_yaml_numbers_are_exact_decimals():
    p = load_policy(MINI)
    assert p.parameters["min_ratio"].values[0].value == Fraction(1, 10)
    assert to_fraction(D("0.1")) + to_fraction(D("0.2")) == Fraction(3, 10)
    with pytest.raises(TypeError):
        to_fraction(0.1)


def test_dated_parameter_value_and_reference_follow_the_evaluation_date():
    p = load_policy(MINI)
    early = evaluate(p, [rec()], dt.date(2024, 6, 30))
    late = evaluate(p, [rec()], dt.date(2024, 7, 1))
    assert (early.status, late.status) == ("eligible", "ineligible")
    assert early.parameters["min_ratio"] == {"value": "0.1", "from": "2020-01-01", "reference": "第一条"}
    assert late.parameters["min_ratio"]["reference"] == "第一条（修订）"
    with pytest.raises(PolicyError, match="no value on 2019"):
        p.parameters["min_ratio"].at(dt.date(2019, 12, 31))


def test_effective_dates_are_enforced():
    p = load_policy(MINI)
    with pytest.raises(PolicyNotInForce):
        evaluate(p, [rec()], dt.date(2031, 1, 1))
    with pytest.raises(ValueError, match="not in force"):
        evaluate_bulk([p], FactsTable.from_records([rec()], dt.date(2019, 6, 1)))


@pytest.mark.parametrize(
    ("broken", "message"),
    [
        (MINI.replace("reference: 第一条}", "reference: ''}", 1), "legal reference"),
        (MINI.replace("fact: rd_staff", "fact: rd_people"), "unknown fact 'rd_people'"),
        (MINI.replace("param: min_ratio}", "param: max_ratio}"), "unknown parameter 'max_ratio'"),
        (
            MINI.replace("rule: {all: [ratio, clean]}", "rule: {all: [ratio, cleen]}"),
            "unknown condition 'cleen'",
        ),
        (MINI.replace("rule: {all: [ratio, clean]}", "rule: {all: [ratio]}"), "used by no route"),
        (MINI.replace("is_false: dishonest", "is_false: revenue"), "expected one of"),
        (MINI.replace("value: 0.1,", "value: abc,"), "not an exact number"),
        (MINI.replace('version: "1"\n', ""), "version is required"),
    ],
)
def test_malformed_declarations_are_named(broken, message):
    with pytest.raises(PolicyError, match=message):
        load_policy(broken)


def test_kleene_logic_over_routes_and_not():
    p = load_policy(MINI)
    on = dt.date(2024, 1, 1)
    # ratio unknown, clean met: main unknown; listed false: listed route unmet -> unknown
    r = evaluate(p, [rec(employees=None)], on)
    assert (r.status, r.missing, r.failed) == ("unknown", ("employees",), ("mini.listed",))
    # dishonest decides main regardless of the unknown ratio
    r = evaluate(p, [rec(employees=None, dishonest=True)], on)
    assert r.status == "ineligible"
    # listed route: listed and NOT ratio
    r = evaluate(p, [rec(listed=True, rd_staff=0)], on)
    assert (r.status, r.route) == ("eligible", "listed")
    assert [x.status for x in r.routes] == ["ineligible", "eligible"]
    assert r.failed == () and r.missing == ()


def test_zero_denominator_is_unmet_not_an_error():
    r = evaluate(load_policy(MINI), [rec(employees=0, rd_staff=0)], dt.date(2024, 1, 1))
    c = r.conditions[0]
    assert c.status == "unmet" and c.message_code == "rules.undefined"
    # The reader is told which figure is 0, not that "the denominator" is.
    assert c.text_zh.startswith(f"{fact_label('employees')}为0，无法计算") and "分母" not in c.text_zh
    assert c.gap_norm == 1.0


def test_reference_year_is_the_latest_completed_year_with_facts():
    rows = [rec(2021), rec(2022, rd_staff=5), rec(2025, rd_staff=0)]
    assert enterprise_facts(rows, dt.date(2025, 3, 1)).reference_year == 2022  # 2025 not completed
    assert enterprise_facts(rows, dt.date(2026, 1, 1)).reference_year == 2025
    assert enterprise_facts(rows, dt.date(2021, 12, 31)).reference_year == 2020  # nothing before: blank
    assert enterprise_facts(rows, dt.date(2026, 1, 1), fiscal_year=2021).reference_year == 2021
    r = evaluate(load_policy(MINI), rows, dt.date(2021, 12, 31))
    assert r.status == "unknown" and r.fiscal_year == 2020
    assert r.conditions[0].missing_years == {"employees": (2020,), "rd_staff": (2020,)}
    t = FactsTable.from_records(rows, dt.date(2025, 3, 1))
    assert list(t.reference_year) == [2022]


def test_static_facts_come_from_the_latest_year_that_has_them():
    rows = [
        rec(2021, registered_on=dt.date(2010, 1, 1), industry_code="F5123"),
        rec(2022, registered_on=None, industry_code="C3976"),
    ]
    f = enterprise_facts(rows, dt.date(2024, 1, 1))
    assert f.static["registered_on"] == dt.date(2010, 1, 1) and f.static["industry_code"] == "C3976"
    t = FactsTable.from_records(rows, dt.date(2024, 1, 1))
    assert t.registered_known[0] and t.codes["industry_code"][0] == "C3976"


def test_duplicate_years_are_refused_by_both_paths():
    rows = [rec(2022), rec(2022)]
    with pytest.raises(ValueError, match="two records"):
        enterprise_facts(rows, dt.date(2024, 1, 1))
    with pytest.raises(ValueError, match="two records"):
        FactsTable.from_records(rows, dt.date(2024, 1, 1))


def test_money_finer_than_a_cent_is_refused_in_bulk():
    with pytest.raises(ValueError, match="finer than"):
        FactsTable.from_records([rec(revenue=D("1.001"))], dt.date(2024, 1, 1))


def test_trace_and_dict_are_complete_and_json_ready():
    r = evaluate(load_policy(MINI), [rec(rd_staff=1, employees=9)], dt.date(2024, 1, 1))
    c = r.conditions[0]
    exprs = [s.expr for s in c.trace]
    assert exprs == [
        "rd_staff@2023",
        "employees@2023",
        "(rd_staff@2023) / (employees@2023)",
        "param min_ratio",
    ]
    assert c.trace[2].value == Fraction(1, 9) and c.value == Fraction(1, 9)
    assert c.text_zh == "研发人员占比 11.11%，不低于要求的10%"
    data = json.loads(json.dumps(r.as_dict(), ensure_ascii=False))
    assert data["conditions"][0]["value"] == "0.111111" and data["status"] == "eligible"


def test_resolve_prefers_the_most_specific_jurisdiction_in_force():
    province = load_policy(MINI)
    city = load_policy(
        MINI.replace('jurisdiction: "370000"', 'jurisdiction: "370300"').replace(
            "value: 0.1,", "value: 0.05,"
        )
    )
    later = load_policy(
        MINI.replace('version: "1"', 'version: "2"').replace("2020-01-01\neff", "2025-01-01\neff")
    )
    chain = ["370303", "370300", "370000", "CN"]
    assert resolve([province, city], "mini", chain, dt.date(2024, 1, 1)) is city
    assert resolve([province], "mini", chain, dt.date(2024, 1, 1)) is province
    assert resolve([province, later], "mini", ["370000"], dt.date(2025, 6, 1)) is later
    assert resolve([province, later], "mini", ["370000"], dt.date(2024, 6, 1)) is province
    assert resolve([province], "mini", ["CN"], dt.date(2024, 1, 1)) is None
    # the city's variant changes the outcome beside the province's
    rows = [rec(rd_staff=3, employees=40)]  # 7.5 %
    assert evaluate(province, rows, dt.date(2024, 1, 1)).status == "ineligible"
    assert evaluate(city, rows, dt.date(2024, 1, 1)).status == "eligible"


def test_from_frame_reads_decimal_and_integer_yuan_like_records():
    import polars as pl

    rows = [
        rec(2022, revenue=D("100.25"), innovation_score=D("70.5")),
        rec(2023, revenue=D("7"), listed=None),
    ]
    on = dt.date(2024, 1, 1)
    a = FactsTable.from_records(rows, on)
    frame = pl.DataFrame(rows).with_columns(pl.col("revenue").cast(pl.Decimal(20, 2)))
    b = FactsTable.from_frame(frame, on)
    assert (a.values["revenue"] == b.values["revenue"]).all() and a.values["revenue"][0, 1] == 10025
    assert (a.known["listed"] == b.known["listed"]).all() and not b.known["listed"][0, 0]
    assert b.values["innovation_score"][0, 1] == 7050
    with pytest.raises(TypeError, match="float"):
        FactsTable.from_frame(frame.with_columns(pl.col("revenue").cast(pl.Float64)), on)


def test_digest_and_text_identify_the_declaration():
    p, q = load_policy(MINI), load_policy(MINI.replace("测试政策", "测试政策二"))
    assert p.text == MINI and len(p.digest) == 64 and p.digest != q.digest


def test_bulk_on_no_enterprises_gives_an_empty_table():
    t = FactsTable.from_records([], dt.date(2025, 1, 1))
    frame = evaluate_bulk([load_policy(MINI)], t).to_frame()
    assert len(t) == 0 and frame.height == 0
    assert frame.columns == ["uscc", "policy", "status", "score", "failed", "missing"]


def test_a_table_built_without_a_needed_fact_is_refused():
    p = load_policy(MINI)
    t = FactsTable.from_records([rec()], dt.date(2024, 1, 1), facts=["employees", "dishonest", "listed"])
    with pytest.raises(ValueError, match="rd_staff"):
        evaluate_bulk([p], t)
