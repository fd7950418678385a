"""Conflicts of interest: every reason, checked against a plain double loop."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kechuang.engines.assignment import (
    ConflictInputs,
    Reason,
    compute_conflicts,
    explain_conflict,
    reason_codes,
)
from kechuang.engines.assignment.conflicts import equi_join


def brute_force(inp: ConflictInputs) -> dict[tuple[int, int], int]:
    out: dict[tuple[int, int], int] = {}
    edges = [
        (a, b)
        for a, b, y in zip(inp.collab_a, inp.collab_b, inp.collab_year, strict=True)
        if a >= 0 and b >= 0 and a != b and (inp.since_year is None or y >= inp.since_year)
    ]
    declared = set(zip(inp.declared_app.tolist(), inp.declared_expert.tolist(), strict=True))
    for i in range(inp.n_apps):
        rows = [k for k in range(len(inp.member_app)) if inp.member_app[k] == i]
        persons = {int(inp.member_person[k]) for k in rows if inp.member_person[k] >= 0}
        orgs = {int(inp.member_org[k]) for k in rows if inp.member_org[k] >= 0}
        for j in range(inp.n_experts):
            eo, ed, ep = int(inp.expert_org[j]), int(inp.expert_district[j]), int(inp.expert_person[j])
            bits = 0
            if eo >= 0 and eo == inp.app_org[i]:
                bits |= Reason.APPLICANT_ORG
            if eo >= 0 and eo in orgs:
                bits |= Reason.TEAM_ORG
            if (i, j) in declared:
                bits |= Reason.DECLARED
            if ep >= 0 and any((a in persons and b == ep) or (b in persons and a == ep) for a, b in edges):
                bits |= Reason.COLLABORATOR
            if inp.district_rule[i] and ed >= 0 and ed == inp.app_district[i]:
                bits |= Reason.SAME_DISTRICT
            if ep >= 0 and ep in persons:
                bits |= Reason.OWN_APPLICATION
            if bits:
                out[(i, j)] = int(bits)
    return out


@st.composite
def rounds(draw):
    n_apps = draw(st.integers(1, 6))
    n_exp = draw(st.integers(1, 8))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n_mem = draw(st.integers(0, 12))
    n_edges = draw(st.integers(0, 10))
    n_decl = draw(st.integers(0, 4))
    ids = lambda hi, n: rng.integers(-1, hi, n)  # noqa: E731 -- -1 = unknown
    return ConflictInputs(
        app_org=ids(4, n_apps),
        app_district=ids(3, n_apps),
        expert_org=ids(4, n_exp),
        expert_district=ids(3, n_exp),
        expert_person=rng.permutation(np.arange(100, 100 + n_exp)) * (rng.random(n_exp) > 0.2) - 1,
        member_app=rng.integers(0, n_apps, n_mem),
        member_person=rng.integers(95, 100 + n_exp, n_mem),
        member_org=ids(4, n_mem),
        collab_a=rng.integers(95, 100 + n_exp, n_edges),
        collab_b=rng.integers(95, 100 + n_exp, n_edges),
        collab_year=rng.integers(2018, 2026, n_edges),
        since_year=draw(st.sampled_from([None, 2022])),
        declared_app=rng.integers(0, n_apps, n_decl),
        declared_expert=rng.integers(0, n_exp, n_decl),
        district_rule=rng.random(n_apps) < 0.5,
    )


@settings(max_examples=150, deadline=None)
@given(rounds())
def test_vectorised_equals_brute_force(inp):
    got = compute_conflicts(inp)
    expected = brute_force(inp)
    pairs = {(int(a), int(e)): int(r) for a, e, r in zip(got.app, got.expert, got.reasons, strict=True)}
    assert pairs == expected
    keys = got.app * max(inp.n_experts, 1) + got.expert
    assert (np.diff(keys) > 0).all(), "sorted, unique"


def test_every_reason_with_explanation():
    inp = ConflictInputs(
        app_org=[10, 11],
        app_district=[1, 2],
        district_rule=[False, True],
        member_app=[0, 0, 1],
        member_person=[500, 501, 502],
        member_org=[10, 12, 11],
        expert_org=[10, 12, 30, 31, 32, 33],
        expert_district=[9, 9, 9, 9, 2, 9],
        expert_person=[600, 601, 602, 501, 604, 605],
        collab_a=[500, 502, 605],
        collab_b=[602, 605, 500],
        collab_year=[2024, 2019, 2025],
        since_year=2023,
        declared_app=[1],
        declared_expert=[0],
    )
    cs = compute_conflicts(inp)
    assert cs.reasons_of(0, 0) == Reason.APPLICANT_ORG | Reason.TEAM_ORG
    assert cs.reasons_of(0, 1) == Reason.TEAM_ORG
    assert cs.reasons_of(0, 2) == Reason.COLLABORATOR
    assert cs.reasons_of(0, 3) == Reason.OWN_APPLICATION
    assert cs.reasons_of(1, 4) == Reason.SAME_DISTRICT
    assert cs.reasons_of(1, 0) == Reason.DECLARED
    # 502–605 collaborated in 2019, before since_year; 605–500 in 2025 counts for application 0
    assert cs.reasons_of(1, 5) == 0
    assert cs.reasons_of(0, 5) == Reason.COLLABORATOR
    assert cs.reasons_of(0, 4) == 0  # district rule not required for application 0
    assert reason_codes(cs.reasons_of(0, 0)) == ["conflict_applicant_org", "conflict_team_org"]
    assert cs.count_by_reason()["conflict_collaborator"] == 2
    why = explain_conflict(inp, 0, 2)
    assert why == [
        {
            "code": "conflict_collaborator",
            "text": "专家近年与项目组成员有合作成果或共同承担项目",
            "params": {"persons": [500], "latest_year": 2024, "since_year": 2023},
        }
    ]
    codes = {w["code"] for a in range(2) for e in range(6) for w in explain_conflict(inp, a, e)}
    assert codes == set(reason_codes(0xFF))
    assert cs.mask().sum() == len(cs)


def test_equi_join_ignores_unknown_ids():
    li, ri = equi_join(np.array([1, -1, 2, 1]), np.array([-1, 1, 1, 3]))
    assert sorted(zip(li.tolist(), ri.tolist(), strict=True)) == [(0, 1), (0, 2), (3, 1), (3, 2)]
