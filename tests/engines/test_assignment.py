"""Optimal assignment: constraints always hold, optimum equals the LP, infeasibility is explained."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.engines.assignment import AssignmentError, from_dense, make_problem, solve_optimal, violations
from kechuang.engines.assignment.flow import build_network, choose_scale
from kechuang.engines.assignment.reference import lp_optimum


@st.composite
def instances(draw, max_items=7, max_experts=9):
    n_i = draw(st.integers(1, max_items))
    n_e = draw(st.integers(2, max_experts))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    density = draw(st.sampled_from([0.6, 0.85, 1.0]))
    scores = np.round(rng.random((n_i, n_e)), 4)
    scores[rng.random((n_i, n_e)) > density] = np.nan
    conflict = rng.random((n_i, n_e)) < 0.1
    k = draw(st.integers(1, min(3, n_e - 1)))
    # Mostly enough total capacity, sometimes one short, so both outcomes are exercised.
    enough = -(-n_i * k // n_e)
    max_load = draw(st.integers(max(1, enough - 1), enough + 2))
    min_load = draw(st.integers(0, min(max_load, (n_i * k) // n_e, 2)))
    use_org = draw(st.booleans())
    kwargs = {}
    if use_org:
        kwargs = {"expert_org": rng.integers(-1, 3, n_e), "max_per_org": draw(st.integers(1, 2))}
    problem = from_dense(
        scores, per_item=k, max_load=max_load, min_load=min_load, conflict_mask=conflict, **kwargs
    )
    return problem, conflict


def check_assignment(problem, a, conflict=None):
    """Independent of the engine's own ``violations`` (which is tested against this below)."""
    counts = np.bincount(a.item, minlength=problem.n_items)
    assert (counts == problem.per_item).all(), "every item gets exactly K experts"
    loads = np.bincount(a.expert, minlength=problem.n_experts)
    assert (loads >= problem.min_load).all() and (loads <= problem.max_load).all(), "loads within bounds"
    assert (problem.pair_index(a.item, a.expert) >= 0).all(), "only eligible pairs"
    assert len(set(zip(a.item.tolist(), a.expert.tolist(), strict=True))) == len(a.item), "no pair twice"
    if conflict is not None:
        assert not conflict[a.item, a.expert].any(), "no conflicted pair"
    if problem.max_per_org is not None:
        org = problem.expert_org[a.expert]
        for i in range(problem.n_items):
            o = org[(a.item == i) & (org >= 0)]
            if len(o):
                assert np.bincount(o).max() <= problem.max_per_org
    assert violations(problem, a.item, a.expert) == []


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_optimal_is_feasible_and_matches_lp(inst):
    problem, conflict = inst
    lp = lp_optimum(problem)
    try:
        a = solve_optimal(problem)
    except AssignmentError as exc:
        # The LP of a network matrix is integral: infeasible for the flow iff infeasible for the LP.
        assert not lp.feasible, f"solver said infeasible ({exc}) but the LP found {lp.objective}"
        assert exc.issues and all(i.text() and i.text_en() for i in exc.issues)
        return
    assert lp.feasible
    check_assignment(problem, a, conflict)
    assert a.total_affinity == pytest.approx(lp.objective, rel=1e-9, abs=1e-9)


def test_handmade_optimum_and_org_cap():
    # Experts 0 and 1 share organisation 7; with T=1 item 0 cannot take both, so it takes 0 and 2.
    scores = np.array([[0.9, 0.8, 0.1], [0.5, 0.6, 0.7]])
    p = from_dense(scores, per_item=2, max_load=2, expert_org=[7, 7, 3], max_per_org=1)
    a = solve_optimal(p)
    check_assignment(p, a)
    assert {i: sorted(v) for i, v in a.panels().items()} == {0: [0, 2], 1: [1, 2]}
    assert a.total_affinity == pytest.approx(2.3)
    assert a.total_affinity == pytest.approx(lp_optimum(p).objective)
    no_cap = solve_optimal(from_dense(scores, per_item=2, max_load=2))
    assert sorted(no_cap.panels()[0]) == [0, 1]
    assert no_cap.total_affinity > a.total_affinity


def test_one_solve_keeps_small_score_differences():
    # Two assignments differ by 2e-4 in total affinity; 1e-4 resolution must pick the better one.
    base = np.full((2, 2), 0.5)
    base[0, 0] += 2e-4
    base[1, 1] += 1e-4
    a = solve_optimal(from_dense(base, per_item=1, max_load=1))
    assert set(zip(a.item.tolist(), a.expert.tolist(), strict=True)) == {(0, 0), (1, 1)}
    flipped = base.copy()
    flipped[0, 1] += 4e-4
    b = solve_optimal(from_dense(flipped, per_item=1, max_load=1))
    assert set(zip(b.item.tolist(), b.expert.tolist(), strict=True)) == {(0, 1), (1, 0)}


def test_scale_is_fine_and_safe():
    p = from_dense(np.random.default_rng(0).random((5, 5)), per_item=2, max_load=3)
    net = build_network(p)
    assert net.scale == 1e9
    assert choose_scale(np.array([1500.0]), 10, 10) == 1e5
    with pytest.raises(AssignmentError):
        choose_scale(np.array([1e17]), 10, 10)


def test_min_load_is_respected_even_against_affinity():
    # Expert 2 has the lowest scores but min_load=2 forces them onto two items.
    scores = np.array([[0.9, 0.8, 0.1], [0.9, 0.8, 0.1], [0.9, 0.8, 0.1]])
    a = solve_optimal(from_dense(scores, per_item=1, max_load=3, min_load=[0, 0, 2]))
    assert a.loads[2] == 2


@pytest.mark.parametrize(
    ("kwargs", "code", "fragment"),
    [
        ({"per_item": 3, "max_load": 5}, "item_too_few_experts", "item A has 2 eligible experts, 3 needed"),
        (
            {"per_item": 1, "max_load": 5, "min_load": 3},
            "expert_too_few_items",
            "expert y has 2 eligible items, minimum load 3",
        ),
        ({"per_item": 2, "max_load": [2, 0, 0]}, "item_too_few_experts", None),
    ],
)
def test_infeasible_reasons_name_item_and_numbers(kwargs, code, fragment):
    # Item A: experts x, y eligible; item B: x, y; item C: x, z.
    p = make_problem(
        [0, 0, 1, 1, 2, 2],
        [0, 1, 0, 1, 0, 2],
        [0.5] * 6,
        n_items=3,
        n_experts=3,
        item_labels=["A", "B", "C"],
        expert_labels=["x", "y", "z"],
        **kwargs,
    )
    with pytest.raises(AssignmentError) as err:
        solve_optimal(p)
    codes = [i.code for i in err.value.issues]
    if code == "item_too_few_experts" and fragment is None:
        assert "total_capacity_short" in codes
        return
    assert code in codes
    assert fragment in str(err.value)
    assert any("需要" in i.text() or "最低工作量" in i.text() for i in err.value.issues)


def test_hall_violation_found_by_min_cut():
    # Items 0-2 each have 2 eligible experts, all among {0, 1}, each expert max 2: 6 needed, 4 available.
    p = make_problem(
        [0, 0, 1, 1, 2, 2, 3, 3],
        [0, 1, 0, 1, 0, 1, 2, 3],
        [1.0] * 8,
        n_items=4,
        n_experts=4,
        per_item=2,
        max_load=2,
    )
    with pytest.raises(AssignmentError) as err:
        solve_optimal(p)
    issue = err.value.issue
    assert issue.code == "items_group_short"
    assert issue.params["needed"] == 6 and issue.params["available"] == "4"
    assert issue.params["items"] == "0、1、2"


def test_experts_group_min_load_cut():
    # Experts 0,1 need 2 items each but only items 0,1 (K=1 each) are open to them.
    p = make_problem(
        [0, 0, 1, 1, 2, 3, 4, 4],
        [0, 1, 0, 1, 2, 2, 2, 3],
        [1.0] * 8,
        n_items=5,
        n_experts=4,
        per_item=1,
        max_load=3,
        min_load=[2, 2, 0, 0],
    )
    with pytest.raises(AssignmentError) as err:
        solve_optimal(p)
    assert err.value.issue.code == "experts_group_short"
    assert err.value.issue.params["needed"] == 4


def test_invalid_inputs_are_rejected_with_field():
    with pytest.raises(AssignmentError, match="twice"):
        make_problem([0, 0], [1, 1], [0.1, 0.2], n_items=1, n_experts=2, per_item=1, max_load=1)
    with pytest.raises(AssignmentError, match="finite"):
        make_problem([0], [0], [np.nan], n_items=1, n_experts=1, per_item=1, max_load=1)
    with pytest.raises(AssignmentError, match="expert_org"):
        make_problem([0], [0], [1.0], n_items=1, n_experts=1, per_item=1, max_load=1, max_per_org=1)


def test_top_k_candidates_keep_best_non_conflicted():
    scores = np.array([[0.1, 0.9, 0.8, 0.7]])
    mask = np.array([[False, True, False, False]])
    p = from_dense(scores, per_item=1, max_load=1, conflict_mask=mask, top_k=2)
    assert p.expert.tolist() == [2, 3]


def test_violations_names_each_broken_rule():
    scores = np.array([[0.9, 0.8, 0.1], [0.5, np.nan, 0.7]])
    p = from_dense(scores, per_item=2, max_load=1, expert_org=[7, 7, 3], max_per_org=1)
    assert violations(p, [0, 0, 1, 1], [0, 2, 0, 2]) == ["load"]
    assert violations(p, [0, 0, 1], [0, 1, 2]) == ["panel_size", "org_cap"]
    assert "not_eligible" in violations(p, [0, 0, 1, 1], [0, 2, 1, 2])
    assert "duplicate" in violations(p, [0, 0, 1, 1], [0, 0, 1, 2])


@pytest.mark.parametrize("seed", range(12))
def test_candidate_pruning_is_certified_optimal(monkeypatch, seed):
    # Force the candidate path on instances where it really prunes (2K+10 < 60 experts per item),
    # with scores that make the best candidates collide (popular experts, tight loads, one org).
    from kechuang.engines.assignment import flow, fractional_assignment

    rng = np.random.default_rng(seed)
    n_i, n_e = 30, 60
    popular = rng.random(n_e) ** 3
    scores = np.round(0.7 * popular[None, :] + 0.3 * rng.random((n_i, n_e)), 4)
    if seed % 3 == 0:
        scores[rng.random((n_i, n_e)) < 0.2] = np.nan  # not every pair present: the sorting path
    kw = {"expert_org": rng.integers(0, 8, n_e), "max_per_org": 1} if seed % 2 else {}
    p = from_dense(scores, per_item=3, min_load=int(seed % 4 == 1), max_load=2, **kw)
    lp = lp_optimum(p)
    monkeypatch.setattr(flow, "PRUNE_MIN_PAIRS", 0)
    calls = []
    real = flow.solve_with_candidates
    monkeypatch.setattr(flow, "solve_with_candidates", lambda *a, **k: calls.append(1) or real(*a, **k))
    a = solve_optimal(p)
    assert calls, "the candidate path ran"
    check_assignment(p, a)
    assert a.total_affinity == pytest.approx(lp.objective, rel=1e-9)
    frac = fractional_assignment(p, "1/2")
    assert frac.expected_affinity == pytest.approx(lp_optimum(p, 0.5).objective, rel=1e-9)
    assert (frac.units <= 1).all()
