"""Built-in policies, condition by condition: at, just below and just above each boundary, as the
texts state them (含 = inclusive). Every case runs through both evaluators, which must agree."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from kechuang.engines.rules import FactsTable, evaluate, evaluate_bulk, load_policies_dir
from kechuang.engines.rules.results import CONDITION_STATUS, POLICY_STATUS

BUILTIN = Path(__file__).resolve().parents[2] / "kechuang" / "policies" / "builtin"
POLICIES = {p.code: p for p in load_policies_dir(BUILTIN)}
ON = dt.date(2025, 6, 30)  # reference fiscal year Y = 2024
CENT = D("0.01")


def run(code: str, records: list[dict], on: dt.date = ON):
    """Single-enterprise result, after checking that the vectorised path says exactly the same."""
    policy = POLICIES[code]
    single = evaluate(policy, records, on)
    bulk = evaluate_bulk([policy], FactsTable.from_records(records, on, depth=3)).policies[code]
    assert POLICY_STATUS[int(bulk.status[0])] == single.status
    for c in single.conditions:
        assert CONDITION_STATUS[int(bulk.conditions[c.id][0])] == c.status, c.id
        bulk_missing = sorted(f for f, m in bulk.missing[c.id].items() if m[0])
        assert bulk_missing == list(c.missing), c.id
        g = bulk.gap_norm[c.id][0]
        if c.gap_norm is None:
            assert np.isnan(g), c.id
        else:
            assert g == pytest.approx(c.gap_norm, rel=1e-9, abs=1e-12), c.id
    if bulk.score_lo is not None:
        assert (int(bulk.score_lo[0]), int(bulk.score_hi[0])) == single.score_range
    frame = evaluate_bulk([policy], FactsTable.from_records(records, on)).to_frame().row(0, named=True)
    assert frame["failed"] == ";".join(single.failed)
    assert frame["missing"] == ";".join(single.missing)
    assert frame["score"] == single.score
    return single


def cond(result, cid: str):
    return result.conditions[[c.id for c in result.conditions].index(f"{result.policy}.{cid}")]


def status(code: str, records, cid: str, on: dt.date = ON) -> str:
    return cond(run(code, records, on), cid).status


# ---------------------------------------------------------------- 高新技术企业


def ht_records(**latest) -> list[dict]:
    """An enterprise meeting every high-tech condition; ``latest`` overrides facts of 2024."""
    common = dict(
        uscc="91370303MA3C000001",
        registered_on=dt.date(2015, 3, 1),
        industry_code="C3976",
        employees=100,
        st_staff=20,
        rd_staff=15,
        total_assets=D("80000000"),
        total_costs=D("35000000"),
        class1_ip=1,
        class2_ip=2,
        invention_patents=1,
        in_key_field=True,
        innovation_score=D("80"),
        major_incident=False,
        dishonest=False,
        high_tech_cert_valid=False,
        listed=False,
    )
    rows = [
        dict(
            common,
            year=2022,
            revenue=D("30000000"),
            rd_expense=D("2000000"),
            domestic_rd_expense=D("2000000"),
        ),
        dict(
            common,
            year=2023,
            revenue=D("35000000"),
            rd_expense=D("2000000"),
            domestic_rd_expense=D("2000000"),
        ),
        dict(
            common,
            year=2024,
            revenue=D("40000000"),
            rd_expense=D("2500000"),
            domestic_rd_expense=D("2500000"),
            high_tech_revenue=D("30000000"),
        ),
    ]
    rows[-1].update(latest)
    return rows


def test_high_tech_baseline_is_eligible_and_cites_its_source():
    r = run("high_tech", ht_records())
    assert r.status == "eligible" and r.route == "standard" and r.fiscal_year == 2024
    assert all(c.status == "met" for c in r.conditions)
    assert "国科发火〔2016〕32号" in POLICIES["high_tech"].source
    assert "第十一条（五）" in r.parameters["rd_ratio_min"]["reference"]


@pytest.mark.parametrize(("days", "expected"), [(364, "unmet"), (365, "met"), (366, "met")])
def test_high_tech_registered_365_days(days, expected):
    rows = ht_records()
    for row in rows:
        row["registered_on"] = ON - dt.timedelta(days=days)
    assert status("high_tech", rows, "age") == expected


@pytest.mark.parametrize(
    ("c1", "c2", "expected"), [(0, 0, "unmet"), (0, 1, "met"), (1, 0, "met"), (0, 2, "met")]
)
def test_high_tech_owns_ip(c1, c2, expected):
    assert status("high_tech", ht_records(class1_ip=c1, class2_ip=c2), "ip") == expected


@pytest.mark.parametrize(("value", "expected"), [(True, "met"), (False, "unmet"), (None, "unknown")])
def test_high_tech_key_field(value, expected):
    assert status("high_tech", ht_records(in_key_field=value), "key_field") == expected


@pytest.mark.parametrize(("st", "expected"), [(9, "unmet"), (10, "met"), (11, "met")])
def test_high_tech_st_staff_ratio_10_percent(st, expected):
    assert status("high_tech", ht_records(employees=100, st_staff=st), "st_ratio") == expected


def test_high_tech_st_ratio_exact_on_awkward_numbers():
    # 1/3 of 30 staff vs 10 %: fine; 33 of 331 is 9.97 % (unmet); 34 of 340 exactly 10 %
    assert status("high_tech", ht_records(employees=331, st_staff=33), "st_ratio") == "unmet"
    assert status("high_tech", ht_records(employees=340, st_staff=34), "st_ratio") == "met"


def rd_case(latest_revenue: D, ratio: D, delta: D = D(0)) -> list[dict]:
    """Three years whose total R&D is exactly ``ratio`` of total revenue, plus ``delta`` yuan."""
    rows = ht_records(revenue=latest_revenue)
    rows[0]["revenue"] -= latest_revenue % 1  # whole-yuan total, so the exact boundary is a cent amount
    total_rev = sum(r["revenue"] for r in rows)
    total_rd = total_rev * ratio + delta
    share = (total_rd / 3).quantize(CENT)
    for r in rows:
        r["rd_expense"] = r["domestic_rd_expense"] = share
    rows[-1]["rd_expense"] = rows[-1]["domestic_rd_expense"] = total_rd - 2 * share
    rows[-1]["high_tech_revenue"] = latest_revenue
    return rows


@pytest.mark.parametrize(
    ("latest", "ratio"),
    [
        (D("50000000"), D("0.05")),  # 5000万元（含）: 5 %
        (D("50000000.01"), D("0.04")),  # above 5000万元: 4 %
        (D("200000000"), D("0.04")),  # 2亿元（含）: 4 %
        (D("200000000.01"), D("0.03")),  # above 2亿元: 3 %
    ],
)
def test_high_tech_rd_ratio_tiers_at_below_above(latest, ratio):
    assert status("high_tech", rd_case(latest, ratio), "rd_ratio") == "met"
    assert status("high_tech", rd_case(latest, ratio, -CENT), "rd_ratio") == "unmet"
    assert status("high_tech", rd_case(latest, ratio, CENT), "rd_ratio") == "met"


def test_high_tech_tier_is_chosen_by_latest_revenue_inclusive():
    # exactly 4.5 %: enough for an enterprise above 5000万元, not for one at 5000万元
    assert status("high_tech", rd_case(D("50000000"), D("0.045")), "rd_ratio") == "unmet"
    assert status("high_tech", rd_case(D("50000000.01"), D("0.045")), "rd_ratio") == "met"


def test_high_tech_rd_gap_message_reads_like_the_text():
    rows = rd_case(D("40000000"), D("0.0467"))
    c = cond(run("high_tech", rows), "rd_ratio")
    assert c.status == "unmet"
    assert (
        c.text_zh == "近三年研发费用占销售收入比例 4.67%，低于最近一年销售收入5000万元以下（含）企业要求的5%"
    )
    assert c.threshold == D("0.05")
    assert c.gap == Fraction("0.0033")  # exact shortfall: 5 % - 4.67 %
    assert c.gap_norm == pytest.approx(0.066)
    assert c.message_code == "rules.cmp.ge.unmet" and c.params["who"].startswith("最近一年销售收入5000万元")


def test_high_tech_failing_display_never_rounds_up_to_the_threshold():
    rows = rd_case(D("40000000"), D("0.05"), -CENT)  # 4.99999…%
    c = cond(run("high_tech", rows), "rd_ratio")
    assert c.status == "unmet" and "5.00%" not in c.text_zh and c.params["value"].startswith("4.99")


def test_high_tech_rd_years_since_registration_when_younger_than_three_years():
    rows = ht_records()
    for r in rows:
        r["registered_on"] = dt.date(2023, 5, 1)
    rows[0]["rd_expense"] = D("0")  # 2022, before registration: must be ignored
    rows = [r for r in rows if r["year"] != 2022]  # and the row may be absent altogether
    r = run("high_tech", rows)
    assert cond(r, "rd_ratio").status == "met"
    assert not any(s.missing for s in cond(r, "rd_ratio").trace)


def test_high_tech_rd_absent_year_makes_it_unknown_and_names_the_year():
    rows = [r for r in ht_records() if r["year"] != 2023]
    c = cond(run("high_tech", rows), "rd_ratio")
    assert c.status == "unknown"
    assert c.missing == ("rd_expense", "revenue")
    assert c.missing_years == {"rd_expense": (2023,), "revenue": (2023,)}
    assert c.text_zh.startswith(
        "近三年研发费用占销售收入比例：2023年研发费用、2023年营业收入尚未填报，请补充填报"
    )


@pytest.mark.parametrize(("delta", "expected"), [(-CENT, "unmet"), (D(0), "met"), (CENT, "met")])
def test_high_tech_domestic_rd_60_percent(delta, expected):
    rows = ht_records()  # R&D 2,000,000 + 2,000,000 + 2,500,000 = 6,500,000; 60 % = 3,900,000
    rows[0]["domestic_rd_expense"] = D(0)
    rows[1]["domestic_rd_expense"] = D("1400000") + delta
    assert status("high_tech", rows, "domestic_rd") == expected


@pytest.mark.parametrize(("delta", "expected"), [(-CENT, "unmet"), (D(0), "met"), (CENT, "met")])
def test_high_tech_revenue_60_percent_of_latest_year(delta, expected):
    rows = ht_records(revenue=D("40000000.10"), high_tech_revenue=D("24000000.06") + delta)
    assert status("high_tech", rows, "high_tech_revenue") == expected


@pytest.mark.parametrize(
    ("score", "expected"), [(D("70"), "unmet"), (D("69.99"), "unmet"), (D("70.01"), "met"), (D("71"), "met")]
)
def test_high_tech_innovation_score_above_70_exclusive(score, expected):
    assert status("high_tech", ht_records(innovation_score=score), "innovation") == expected


@pytest.mark.parametrize(("value", "expected"), [(False, "met"), (True, "unmet"), (None, "unknown")])
def test_high_tech_no_major_incident(value, expected):
    assert status("high_tech", ht_records(major_incident=value), "no_incident") == expected


def test_high_tech_three_valued_policy_status():
    assert run("high_tech", ht_records(major_incident=None)).status == "unknown"
    r = run("high_tech", ht_records(major_incident=None, in_key_field=False))
    assert (
        r.status == "ineligible" and r.failed == ("high_tech.key_field",) and r.missing == ("major_incident",)
    )


# ---------------------------------------------------------------- 科技型中小企业


def sme_records(**latest) -> list[dict]:
    """Score route: S&T 20 % (12) + R&D/revenue 4 % (30) + 3 class-II IP (18) = 60."""
    row = dict(
        uscc="91370303MA3C000002",
        year=2024,
        registered_on=dt.date(2020, 1, 1),
        industry_code="I6513",
        employees=100,
        st_staff=20,
        revenue=D("10000000"),
        rd_expense=D("400000"),
        total_costs=D("9000000"),
        total_assets=D("20000000"),
        class1_ip=0,
        class2_ip=3,
        major_incident=False,
        dishonest=False,
        high_tech_cert_valid=False,
    )
    row.update(latest)
    return [row]


def test_tech_sme_baseline_scores_exactly_60():
    r = run("tech_sme", sme_records())
    assert (r.status, r.score, r.route) == ("eligible", 60, "score")
    assert cond(r, "score").text_zh == "综合评价得分 60分，不低于要求的60分"


@pytest.mark.parametrize(
    ("field", "limit", "step"),
    [("employees", 500, 1), ("revenue", D("200000000"), CENT), ("total_assets", D("200000000"), CENT)],
)
def test_tech_sme_size_limits_inclusive(field, limit, step):
    assert status("tech_sme", sme_records(**{field: limit - step}), field) == "met"
    assert status("tech_sme", sme_records(**{field: limit}), field) == "met"
    above = sme_records(**{field: limit + step})
    assert status("tech_sme", above, field) == "unmet"
    assert run("tech_sme", above).status == "ineligible"


@pytest.mark.parametrize(
    ("st", "points"),
    [(9, 0), (10, 4), (14, 4), (15, 8), (19, 8), (20, 12), (24, 12), (25, 16), (29, 16), (30, 20)],
)
def test_tech_sme_st_staff_bands(st, points):
    r = run("tech_sme", sme_records(st_staff=st))
    assert r.score == 30 + 18 + points
    assert cond(r, "st_score").status == ("unmet" if points == 0 else "met")


@pytest.mark.parametrize(
    ("rd", "points"),
    [("199999.99", 0), ("200000", 10), ("300000", 20), ("399999.99", 20), ("400000", 30), ("500000", 40),
     ("599999.99", 40), ("600000", 50)],
)  # fmt: skip
def test_tech_sme_rd_revenue_bands(rd, points):
    r = run("tech_sme", sme_records(rd_expense=D(rd), total_costs=D("100000000")))  # cost ratio stays < 10 %
    assert r.score == 12 + 18 + points


@pytest.mark.parametrize(
    ("costs", "points"),
    [("4000000.01", 0), ("4000000", 10), ("2666666.67", 10), ("2666666.66", 20), ("2000000.01", 20),
     ("2000000", 30), ("1600000.01", 30), ("1600000", 40), ("1333333.34", 40), ("1333333.33", 50)],
)  # fmt: skip
def test_tech_sme_rd_cost_bands_and_the_better_of_two(costs, points):
    # R&D 400,000 on revenue 1e9: revenue measure 0 points; cost measure decides
    r = run("tech_sme", sme_records(revenue=D("100000000"), rd_expense=D("400000"), total_costs=D(costs)))
    assert r.score == 12 + 18 + points


@pytest.mark.parametrize(
    ("c1", "c2", "points"),
    [(0, 0, 0), (0, 1, 6), (0, 2, 12), (0, 3, 18), (0, 4, 24), (0, 9, 24), (1, 0, 30), (2, 4, 30)],
)
def test_tech_sme_ip_points(c1, c2, points):
    r = run("tech_sme", sme_records(class1_ip=c1, class2_ip=c2))
    assert r.score == 12 + 30 + points


def test_tech_sme_score_59_or_60_at_the_boundary():
    # 12 + 30 + 12 = 54: unmet; 12 + 30 + 18 = 60: met
    assert status("tech_sme", sme_records(class2_ip=2), "score") == "unmet"
    assert status("tech_sme", sme_records(class2_ip=3), "score") == "met"


def test_tech_sme_zero_st_score_fails_even_with_a_high_score():
    r = run("tech_sme", sme_records(st_staff=9, class1_ip=1, rd_expense=D("600000")))
    assert (
        r.score == 80
        and r.status == "ineligible"
        and r.failed == ("tech_sme.st_score", "tech_sme.high_tech_cert")
    )


def test_tech_sme_blank_facts_give_a_score_interval_decided_when_it_can_be():
    r = run("tech_sme", sme_records(class1_ip=None, class2_ip=4))  # ip in [24, 30]: total in [66, 72]
    assert r.status == "eligible" and r.score is None and r.score_range == (66, 72)
    r = run("tech_sme", sme_records(class1_ip=None, class2_ip=0))  # ip in [0, 30]: total in [42, 72]
    assert r.status == "unknown" and r.score_range == (42, 72) and r.missing == ("class1_ip",)
    r = run("tech_sme", sme_records(class1_ip=1, class2_ip=None))  # class-I decides: 30 whatever class-II
    assert (r.status, r.score) == ("eligible", 72)


def test_tech_sme_direct_route_by_high_tech_certificate():
    r = run("tech_sme", sme_records(high_tech_cert_valid=True, st_staff=0, class2_ip=0))
    assert r.status == "eligible" and r.route == "direct"
    assert run("tech_sme", sme_records(high_tech_cert_valid=True, employees=501)).status == "ineligible"


@pytest.mark.parametrize("field", ["dishonest", "major_incident"])
def test_tech_sme_integrity_bars_both_routes(field):
    r = run("tech_sme", sme_records(high_tech_cert_valid=True, **{field: True}))
    assert r.status == "ineligible"
    assert cond(r, "integrity" if field == "dishonest" else "no_incident").status == "unmet"
    assert run("tech_sme", sme_records(**{field: None})).status == "unknown"


# ---------------------------------------------------------------- 研发费用加计扣除


def sd_records(**latest) -> list[dict]:
    row = dict(uscc="91370303MA3C000003", year=2024, industry_code="C3976", rd_expense=D("1"))
    row.update(latest)
    return [row]


@pytest.mark.parametrize(("rd", "expected"), [(D(0), "unmet"), (CENT, "met"), (None, "unknown")])
def test_super_deduction_needs_rd_expense(rd, expected):
    assert status("rd_super_deduction", sd_records(rd_expense=rd), "has_rd") == expected


@pytest.mark.parametrize(
    ("code", "excluded"),
    [("C1610", True), ("C16", True), ("C1700", False), ("C15", False), ("H6110", True), ("H", True),
     ("F5123", True), ("K7010", True), ("L7212", True), ("R9011", True), ("R90", True), ("R8910", False),
     ("R8610", False), ("M7320", False), ("I6513", False), ("c1610", True)],
)  # fmt: skip
def test_super_deduction_excluded_industries_by_gbt4754_prefix(code, excluded):
    assert status("rd_super_deduction", sd_records(industry_code=code), "industry") == (
        "unmet" if excluded else "met"
    )


def test_super_deduction_rate_follows_the_fiscal_year():
    p = POLICIES["rd_super_deduction"]
    rates = {
        y: evaluate(p, sd_records(year=y), dt.date(y + 1, 5, 31)).outputs["rate"]
        for y in (2017, 2018, 2022, 2023)
    }
    assert rates == {2017: D("0.5"), 2018: D("0.75"), 2022: D("0.75"), 2023: D(1)}
    assert evaluate(p, sd_records(industry_code=None), ON).status == "unknown"


# ---------------------------------------------------------------- 瞪羚企业


def gz_records(base: D, latest: D, **facts) -> list[dict]:
    common = dict(uscc="91370303MA3C000004", rd_expense=D(0), invention_patents=1, class1_ip=0,
                  major_incident=False, dishonest=False)  # fmt: skip
    rows = [
        dict(common, year=2022, revenue=base),
        dict(common, year=2023, revenue=((base + latest) / 2).quantize(CENT)),
    ]
    rows.append(dict(common, year=2024, revenue=latest, rd_expense=(latest * D("0.03")).quantize(CENT)))
    rows[-1].update(facts)
    return rows


@pytest.mark.parametrize(
    ("base", "latest", "expected"),
    [
        (D("10000000"), D("16900000"), "met"),  # 1.3² exactly: 30 % CAGR, tier ≤ 1亿
        (D("10000000"), D("16899999.99"), "unmet"),
        (D("10000000"), D("16900000.01"), "met"),
        (D("100000000"), D("144000000"), "met"),  # 1.2²: 20 %, tier 1–5亿
        (D("100000000"), D("143999999.99"), "unmet"),
        (D("60000000"), D("100000000"), "unmet"),  # 1亿（含）: needs 30 %, has 29.1 %
        (D("60000000"), D("100000000.01"), "met"),  # above 1亿: needs 20 %
        (D("500000000"), D("605000000"), "met"),  # 1.1²: 10 %, tier above 5亿
        (D("500000000"), D("604999999.99"), "unmet"),
    ],
)
def test_gazelle_growth_by_revenue_tier(base, latest, expected):
    assert status("gazelle", gz_records(base, latest), "growth") == expected


def test_gazelle_growth_from_zero_base_is_undefined_and_unmet():
    c = cond(run("gazelle", gz_records(D(0), D("20000000"))), "growth")
    assert c.status == "unmet" and c.message_code == "rules.undefined"


@pytest.mark.parametrize(("delta", "expected"), [(-CENT, "unmet"), (D(0), "met"), (CENT, "met")])
def test_gazelle_revenue_floor_and_rd_intensity(delta, expected):
    rows = gz_records(D("5000000"), D("10000000") + delta)
    assert status("gazelle", rows, "revenue") == expected
    rows = gz_records(D("5000000"), D("20000000"), rd_expense=D("600000") + delta)
    assert status("gazelle", rows, "rd_intensity") == expected


@pytest.mark.parametrize(
    ("inv", "c1", "expected"),
    [
        (1, 0, "met"),
        (0, 1, "met"),
        (0, 0, "unmet"),
        (None, 1, "met"),
        (None, 0, "unknown"),
        (None, None, "unknown"),
    ],
)
def test_gazelle_ip_any_of_two(inv, c1, expected):
    assert (
        status("gazelle", gz_records(D("5000000"), D("20000000"), invention_patents=inv, class1_ip=c1), "ip")
        == expected
    )


@pytest.mark.parametrize("field", ["dishonest", "major_incident"])
@pytest.mark.parametrize(("value", "expected"), [(False, "met"), (True, "unmet"), (None, "unknown")])
def test_gazelle_integrity_and_incidents(field, value, expected):
    cid = "integrity" if field == "dishonest" else "no_incident"
    assert status("gazelle", gz_records(D("5000000"), D("20000000"), **{field: value}), cid) == expected


def test_every_builtin_condition_is_exercised_here():
    """Guards the rule "every built-in condition is tested at its boundary": a new condition in a
    YAML file fails this test until a boundary test names it."""
    source = Path(__file__).read_text(encoding="utf-8")
    for p in POLICIES.values():
        for c in p.conditions:
            assert f'"{c.id}"' in source or c.full_id in source, c.full_id


# ---------------------------------------------------------------- wording a civil servant would write


def test_no_rd_expense_is_said_plainly():
    c = cond(run("rd_super_deduction", sd_records(rd_expense=D(0))), "has_rd")
    assert c.message_code == "rules.cmp.positive.unmet"
    assert c.text_zh.startswith("研发费用为0，不符合“") and "要求的0" not in c.text_zh
    c = cond(run("rd_super_deduction", sd_records(rd_expense=D("123400"))), "has_rd")
    assert c.text_zh.startswith("研发费用 12.34万元，符合“")


def test_zero_revenue_names_the_figure_not_a_denominator():
    rows = gz_records(D("5000000"), D(0))
    c = cond(run("gazelle", rows), "rd_intensity")
    assert c.message_code == "rules.undefined"
    assert c.text_zh.startswith("营业收入为0，无法计算") and "分母" not in c.text_zh
    c = cond(run("gazelle", gz_records(D(0), D("20000000"))), "growth")
    assert c.text_zh.startswith("基期营业收入为0或未发生，无法计算")


def test_yes_no_conditions_read_as_sentences():
    c = cond(run("gazelle", gz_records(D("5000000"), D("20000000"), invention_patents=0)), "ip")
    assert c.text_zh == "不符合“拥有发明专利或Ⅰ类知识产权（主导制定标准的，另行提交证明材料核实）”"
    assert "模板未采集" not in c.text_zh and "：不符合" not in c.text_zh
