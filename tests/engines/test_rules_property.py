"""Property: the vectorised evaluator and the exact single-enterprise evaluator agree, enterprise by
enterprise and condition by condition, on random facts with blanks, absent years, young enterprises
and values sitting on the built-in boundaries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.engines.rules import FactsTable, evaluate, evaluate_bulk
from kechuang.engines.rules.results import CONDITION_STATUS, POLICY_STATUS
from tests.engines.test_rules_builtin import POLICIES

CENT = D("0.01")
BOUNDARY_MONEY = [D("10000000"), D("50000000"), D("100000000"), D("200000000"), D("500000000")]
RATIOS = [
    D("0.02"),
    D("0.03"),
    D("0.04"),
    D("0.05"),
    D("0.06"),
    D("0.1"),
    D("0.15"),
    D("0.2"),
    D("0.3"),
    D("0.6"),
]
CODES = ["C3976", "C1610", "F5123", "H6110", "K7010", "L7212", "R9011", "R8910", "I6513", "M7320"]

maybe = lambda s: st.one_of(st.none(), s)  # noqa: E731
nudge = st.sampled_from([-CENT, D(0), D(0), CENT])
money = st.one_of(
    st.sampled_from(BOUNDARY_MONEY).flatmap(lambda m: nudge.map(lambda d: m + d)),
    st.decimals(min_value=0, max_value=700_000_000, places=2),
    st.just(D(0)),
)


@st.composite
def enterprise(draw, uscc: str) -> list[dict]:
    years = sorted(draw(st.sets(st.integers(2019, 2025), min_size=1, max_size=4)))
    reg = draw(maybe(st.dates(dt.date(2012, 1, 1), dt.date(2025, 12, 31))))
    code = draw(maybe(st.sampled_from(CODES)))
    rows = []
    for y in years:
        revenue = draw(maybe(money))
        rd = None
        if revenue is not None and draw(st.booleans()):
            rd = (revenue * draw(st.sampled_from(RATIOS))).quantize(CENT) + draw(nudge)  # on a ratio boundary
            rd = max(rd, D(0))
        elif draw(st.booleans()):
            rd = draw(maybe(money))
        employees = draw(maybe(st.integers(0, 600)))
        st_staff = None
        if employees is not None and draw(st.booleans()):
            st_staff = employees * draw(st.sampled_from([0, 1, 2, 3])) // 10 + draw(
                st.sampled_from([-1, 0, 1])
            )
            st_staff = max(st_staff, 0)
        rows.append(
            {
                "uscc": uscc,
                "year": y,
                "registered_on": reg if draw(st.booleans()) else None,
                "industry_code": code,
                "employees": employees,
                "st_staff": st_staff,
                "revenue": revenue,
                "total_assets": draw(maybe(money)),
                "total_costs": draw(maybe(money)),
                "rd_expense": rd,
                "domestic_rd_expense": None
                if rd is None
                else (rd * draw(st.sampled_from(RATIOS))).quantize(CENT),
                "high_tech_revenue": None
                if revenue is None
                else (revenue * draw(st.sampled_from(RATIOS))).quantize(CENT),
                "invention_patents": draw(maybe(st.integers(0, 3))),
                "class1_ip": draw(maybe(st.integers(0, 2))),
                "class2_ip": draw(maybe(st.integers(0, 5))),
                "in_key_field": draw(maybe(st.booleans())),
                "innovation_score": draw(maybe(st.sampled_from([D(70), D("70.01"), D(71), D(65)]))),
                "major_incident": draw(maybe(st.booleans())),
                "dishonest": draw(maybe(st.booleans())),
                "high_tech_cert_valid": draw(maybe(st.booleans())),
            }
        )
    if reg is not None:  # the static value is usually on one row only
        rows[draw(st.integers(0, len(rows) - 1))]["registered_on"] = reg
    return rows


companies = st.integers(1, 6).flatmap(
    lambda n: st.tuples(*(enterprise(f"9137030300000000{i:02d}") for i in range(n)))
)
dates = st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(companies, dates)
def test_bulk_and_single_agree(ents, on):
    records = [r for rows in ents for r in rows]
    policies = [p for p in POLICIES.values() if p.in_force(on)]
    table = FactsTable.from_records(records, on, depth=3)
    bulk = evaluate_bulk(policies, table)
    frame = bulk.to_frame()
    for i, uscc in enumerate(table.uscc):
        rows = [r for r in records if r["uscc"] == uscc]
        assert table.reference_year[i] == evaluate(policies[0], rows, on).fiscal_year
        for p in policies:
            single = evaluate(p, rows, on)
            b = bulk.policies[p.code]
            assert POLICY_STATUS[int(b.status[i])] == single.status, (p.code, uscc)
            route = int(b.route[i])
            assert (p.routes[route].id if route >= 0 else None) == single.route
            if b.score_lo is not None:
                assert (int(b.score_lo[i]), int(b.score_hi[i])) == single.score_range
            for c in single.conditions:
                assert CONDITION_STATUS[int(b.conditions[c.id][i])] == c.status, (c.id, uscc)
                assert sorted(f for f, m in b.missing[c.id].items() if m[i]) == list(c.missing), c.id
                g = b.gap_norm[c.id][i]
                if c.gap_norm is None:
                    assert np.isnan(g)
                else:
                    assert g == pytest.approx(c.gap_norm, rel=1e-9, abs=1e-12), c.id
            row = frame.filter((frame["uscc"] == uscc) & (frame["policy"] == p.code)).row(0, named=True)
            assert (row["status"], row["score"]) == (single.status, single.score)
            assert row["failed"] == ";".join(single.failed)
            assert row["missing"] == ";".join(single.missing)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 10**13),
    st.integers(1, 10**13),
    st.integers(1, 10**13),
    st.sampled_from([D("0.0"), D("0.01"), D("-0.01")]),
)
def test_agreement_survives_amounts_beyond_int64_products(a, b, c, nudge_):
    """Sums of trillions of yuan in cents times thresholds leave int64: the bulk path must switch to
    exact Python integers rather than wrap around."""
    rows = [
        {"uscc": "X", "year": 2022, "revenue": D(a), "rd_expense": D(a) * D("0.05")},
        {"uscc": "X", "year": 2023, "revenue": D(b), "rd_expense": D(b) * D("0.05")},
        {"uscc": "X", "year": 2024, "revenue": D(c), "rd_expense": D(c) * D("0.05") + nudge_},
    ]
    rows = [dict(r, registered_on=dt.date(2010, 1, 1)) for r in rows]
    on = dt.date(2025, 6, 1)
    for code in ("high_tech", "gazelle"):
        p = POLICIES[code]
        single = evaluate(p, rows, on)
        b_ = evaluate_bulk([p], FactsTable.from_records(rows, on)).policies[code]
        for cond in single.conditions:
            assert CONDITION_STATUS[int(b_.conditions[cond.id][0])] == cond.status, cond.id
    rd = evaluate(POLICIES["high_tech"], rows, on).conditions[4]
    assert rd.id == "high_tech.rd_ratio"
    assert rd.status == ("unmet" if nudge_ < 0 and c <= 50_000_000 else "met")
