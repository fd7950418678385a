"""The demo city's plain records (no database): determinism, template validity, internal consistency."""

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.core.uscc import uscc_error
from kechuang.enterprises import demo, template

TODAY = dt.date(2026, 11, 21)
YEARS = [2023, 2024, 2025]


def generate(seed: int, n: int) -> list[dict]:
    return demo.enterprises(np.random.default_rng(seed), n, today=TODAY)


@pytest.fixture(scope="module")
def city() -> list[dict]:
    return generate(11, 400)


@pytest.fixture(scope="module")
def default_city() -> list[dict]:
    return generate(demo.DEFAULT_SEED, demo.DEFAULT_ENTERPRISES)


def test_fact_years_are_the_last_three_completed_years():
    assert demo.fact_years(TODAY) == YEARS
    assert demo.fact_years(dt.date(2024, 1, 1)) == [2021, 2022, 2023]


def test_same_seed_same_city_different_seed_different_city():
    a, b, c = generate(5, 60), generate(5, 60), generate(6, 60)
    assert a == b
    assert {r["uscc"] for r in a}.isdisjoint({r["uscc"] for r in c})
    assert [r["facts"] for r in a] != [r["facts"] for r in c]


def test_every_row_passes_the_template_and_round_trips(city):
    rows = demo.template_rows(city)
    result = template.parse_rows(rows)
    assert result.errors == []
    assert result.rows == len(city) * 3
    parsed = {(r["uscc"], r["year"]): r for r in result.records}
    for rec in city:
        for year, facts in rec["facts"].items():
            got = parsed[(rec["uscc"], year)]
            assert {c: got[c] for c in facts} == facts
            assert got["registered_on"] == rec["registered_on"]
            assert got["industry_code"] == rec["industry_code"]
            assert got["district"] == rec["district"]


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 25))
def test_any_seed_and_size_pass_the_template(seed, n):
    records = generate(seed, n)
    assert len(records) == n
    assert template.parse_rows(demo.template_rows(records)).errors == []


def test_codes_names_and_places(city):
    districts = {d.code: d for d in demo.DISTRICTS}
    industries = {i.code for i in demo.INDUSTRIES}
    assert len({r["uscc"] for r in city}) == len(city)
    assert len({r["name"] for r in city}) == len(city)
    for r in city:
        assert uscc_error(r["uscc"]) is None
        assert r["uscc"][:2] == "91"
        assert r["uscc"][2:8] == districts[r["district_code"]].uscc_area
        assert r["name"].endswith("有限公司")
        assert r["industry_code"] in industries
        # Older firms carry numeric GB 11714 codes, firms registered since the 2015 reform "MA…" ones.
        assert (r["uscc"][8:10] == "MA") == (r["registered_on"] >= dt.date(2015, 10, 1))
        assert r["registered_on"] < dt.date(YEARS[0] - 1, 1, 1)


def test_real_district_codes_and_zones():
    codes = {d["name"]: d["code"] for d in demo.districts()}
    assert codes["张店区"] == "370303" and codes["沂源县"] == "370323"
    zones = [d for d in demo.districts() if d["kind"] == "zone"]
    assert [z["code"] for z in zones] == ["3703Z1", "3703Z2", "3703Z3"]
    assert len({d["login"] for d in demo.districts()}) == len(demo.districts())


def test_institutes_have_valid_public_institution_codes():
    records = demo.institutes(np.random.default_rng(1))
    assert {"山东理工大学", "淄博职业学院", "山东轻工职业学院", "淄博师范高等专科学校"} <= {
        r["name"] for r in records
    }
    for r in records:
        assert uscc_error(r["uscc"]) is None
        assert r["uscc"][:2] in ("12", "52")
    assert records == demo.institutes(np.random.default_rng(1))


def test_facts_are_internally_consistent(city):
    for r in city:
        prev = None
        for year in YEARS:
            f = r["facts"][year]
            if None not in (f["rd_staff"], f["st_staff"]):
                assert f["rd_staff"] <= f["st_staff"]
            if None not in (f["invention_patents"], f["class1_ip"]):
                assert f["invention_patents"] <= f["class1_ip"]
            if None not in (f["revenue"], f["total_costs"], f["net_profit"]):
                # Profit has the sign of revenue minus costs (taxed when positive).
                margin = f["revenue"] - f["total_costs"]
                assert (f["net_profit"] > 0) == (margin > 100) or abs(margin) <= 100
                assert f["net_profit"] <= margin + 100
            for money in template.MONEY_COLUMNS:
                if f[money] is not None:
                    assert f[money] % 100 == 0  # reported in 万元 with two decimals
            if prev and None not in (prev["invention_patents"], f["invention_patents"]):
                assert f["invention_patents"] >= prev["invention_patents"]  # a stock never shrinks
            if f["innovation_score"] is not None:
                assert Decimal(0) <= f["innovation_score"] <= Decimal(100)
            prev = f


def test_some_cells_are_blank_but_few(city):
    cells = [v for r in city for f in r["facts"].values() for v in f.values()]
    blank = sum(v is None for v in cells) / len(cells)
    assert 0.005 < blank < 0.05


def test_growth_varies_by_firm(city):
    growth = [
        float(r["facts"][2025]["revenue"] / r["facts"][2023]["revenue"])
        for r in city
        if r["facts"][2025]["revenue"] and r["facts"][2023]["revenue"]
    ]
    assert np.std(np.log(growth)) > 0.1
    assert 1.0 < np.median(growth) < 1.4
    assert min(growth) < 0.9 < 1.5 < max(growth)


def test_sizes_are_log_normal_with_a_long_tail(city):
    revenue = np.array([float(r["facts"][2025]["revenue"]) for r in city if r["facts"][2025]["revenue"]])
    assert np.max(revenue) > 30 * np.median(revenue)
    employees = [r["facts"][2025]["employees"] for r in city if r["facts"][2025]["employees"] is not None]
    assert all(isinstance(e, int) and e >= 3 for e in employees)


def _high_tech_like(f) -> bool:
    keys = ("revenue", "rd_expense", "high_tech_revenue", "employees", "st_staff")
    if any(f[k] is None for k in keys):
        return False
    band = Decimal("0.05") if f["revenue"] <= 50_000_000 else Decimal("0.04")
    band = band if f["revenue"] <= 200_000_000 else Decimal("0.03")
    return (
        f["rd_expense"] >= band * f["revenue"]
        and f["high_tech_revenue"] >= Decimal("0.6") * f["revenue"]
        and 10 * f["st_staff"] >= f["employees"]
    )


def _tech_sme_like(f) -> bool:
    keys = ("employees", "revenue", "total_assets", "st_staff", "rd_expense")
    if any(f[k] is None for k in keys):
        return False
    return (
        f["employees"] <= 500
        and f["revenue"] <= 200_000_000
        and f["total_assets"] <= 200_000_000
        and 10 * f["st_staff"] >= f["employees"]
        and f["rd_expense"] > 0
    )


def test_default_city_resembles_the_published_figures(default_city):
    """indicators.yaml (淄博): 1027 high-tech firms and 1379 tech SMEs in 2021, growing fast."""
    latest = [r["facts"][2025] for r in default_city]
    first = [r["facts"][2023] for r in default_city]
    certified = sum(bool(f["high_tech_cert_valid"]) for f in latest)
    assert 900 <= certified <= 1150
    assert sum(bool(f["high_tech_cert_valid"]) for f in first) < 0.8 * certified  # the count grows
    assert 700 <= sum(_high_tech_like(f) for f in latest) <= 1150
    assert 1200 <= sum(_tech_sme_like(f) for f in latest) <= 1900
    above = sum(
        r["industry_code"][0] in "BCD" and f["revenue"] is not None and f["revenue"] >= 20_000_000
        for r, f in zip(default_city, latest, strict=True)
    )
    assert 1200 <= above <= 2000
    assert 5 <= sum(bool(f["dishonest"]) for f in latest) <= 40
    assert 5 <= sum(bool(f["listed"]) for f in latest) <= 60
    # Zibo's industries dominate: chemicals, ceramics and materials, machinery.
    share = {
        p: sum(r["industry_code"].startswith(p) for r in default_city) / 3000 for p in ("C26", "C30", "C34")
    }
    assert share["C26"] > 0.12 and share["C30"] > 0.08 and share["C34"] > 0.05
