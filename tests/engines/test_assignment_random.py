"""Randomised draws (随机抽取), reserves (候补), replay and replacement."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kechuang.engines.assignment import (
    AssignmentError,
    draw,
    fractional_assignment,
    from_dense,
    probability_cap,
    replace_expert,
    replay,
    solve_optimal,
    violations,
)
from kechuang.engines.assignment.randomised import dependent_round
from kechuang.engines.assignment.reference import lp_optimum


@st.composite
def instances(draw, max_items=6, max_experts=10):
    n_i = draw(st.integers(1, max_items))
    n_e = draw(st.integers(3, max_experts))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scores = np.round(rng.random((n_i, n_e)), 4)
    scores[rng.random((n_i, n_e)) > draw(st.sampled_from([0.7, 0.9, 1.0]))] = np.nan
    conflict = rng.random((n_i, n_e)) < 0.1
    k = draw(st.integers(1, min(3, n_e // 2)))
    enough = -(-n_i * k // n_e)
    max_load = draw(st.integers(max(1, enough - 1), enough + 2))
    kwargs = {}
    if draw(st.booleans()):
        kwargs = {"expert_org": rng.integers(-1, 3, n_e), "max_per_org": draw(st.integers(1, 2))}
    problem = from_dense(
        scores,
        per_item=k,
        max_load=max_load,
        min_load=draw(st.integers(0, min(max_load, (n_i * k) // n_e, 2))),
        conflict_mask=conflict,
        **kwargs,
    )
    return problem, conflict


def check_assignment(problem, a, conflict):
    assert violations(problem, a.item, a.expert) == []
    assert not conflict[a.item, a.expert].any()


def small_problem(seed=1, n_i=12, n_e=18, k=3, org=True):
    rng = np.random.default_rng(seed)
    scores = np.round(rng.random((n_i, n_e)), 4)
    kwargs = {"expert_org": rng.integers(0, 6, n_e), "max_per_org": 1} if org else {}
    conflict = rng.random((n_i, n_e)) < 0.15
    return from_dense(scores, per_item=k, max_load=3, min_load=1, conflict_mask=conflict, **kwargs), conflict


def test_probability_cap_parsing():
    assert probability_cap(0.5) == Fraction(1, 2)
    assert probability_cap("1/3") == Fraction(1, 3)
    assert probability_cap(0.3) == Fraction(3, 10)
    assert probability_cap(1 / 3) == Fraction(1, 3)
    assert probability_cap(0.12345) <= Fraction(0.12345)
    for bad in (0, -0.1, 1.5):
        with pytest.raises(AssignmentError):
            probability_cap(bad)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.sampled_from(["1/2", "2/3", "0.4"]), st.integers(0, 10_000))
def test_draw_respects_constraints_and_lp(inst, q, seed):
    problem, conflict = inst
    lp = lp_optimum(problem, float(Fraction(q)))
    try:
        d = draw(problem, q, seed)
    except AssignmentError:
        assert not lp.feasible
        return
    assert lp.feasible
    check_assignment(problem, d.assignment, conflict)
    assert (d.marginals.units <= d.marginals.max_probability.numerator).all()
    assert d.marginals.expected_affinity == pytest.approx(lp.objective, rel=1e-9, abs=1e-9)
    # every drawn pair had positive marginal probability
    idx = problem.pair_index(d.assignment.item, d.assignment.expert)
    assert (d.marginals.units[idx] > 0).all()


def test_empirical_frequencies_match_marginals():
    problem, _ = small_problem()
    marg = fractional_assignment(problem, "1/2")
    n = 600
    counts = np.zeros(problem.n_pairs)
    for seed in range(n):
        a = draw(problem, "1/2", seed).assignment
        counts[problem.pair_index(a.item, a.expert)] += 1
    p = marg.probability
    sd = np.sqrt(np.maximum(p * (1 - p), 1e-12) / n)
    z = np.abs(counts / n - p) / sd
    assert z.max() < 5.0, f"max z-score {z.max():.2f}"
    assert (counts[p == 0] == 0).all()


def test_dependent_round_preserves_expectation_exactly_on_a_cycle():
    # A 4-cycle (two items × two experts, K=1, load 1) at 1/2 each: two outcomes, each with prob 1/2.
    tails = np.array([0, 0, 1, 1])
    heads = np.array([2, 3, 2, 3])
    flows = np.array([1, 1, 1, 1])
    outcomes = set()
    for s in range(40):
        out = dependent_round(tails, heads, flows, 2, np.random.default_rng(s))
        assert set(out.tolist()) <= {0, 2}
        assert out[0] + out[1] == 2 and out[0] + out[2] == 2
        outcomes.add(tuple(out.tolist()))
    assert outcomes == {(2, 0, 0, 2), (0, 2, 2, 0)}


def test_same_seed_same_draw_and_replay_from_json():
    problem, _ = small_problem(seed=4)
    d1 = draw(problem, 0.5, 123, reserves=1)
    d2 = draw(problem, 0.5, 123, reserves=1)
    assert d1.record == d2.record
    others = {tuple(draw(problem, 0.5, s).record["panel"][0]) for s in range(30)}
    assert len(others) > 1, "different seeds give different draws"
    record = json.loads(json.dumps(d1.record))
    again = replay(problem, record)
    assert again.assignment.item.tolist() == d1.assignment.item.tolist()
    assert again.assignment.expert.tolist() == d1.assignment.expert.tolist()
    assert again.reserves() == d1.reserves()


def test_replay_detects_tampering():
    problem, _ = small_problem(seed=5)
    record = json.loads(json.dumps(draw(problem, 0.5, 9).record))
    for change in ("seed", "panel", "digest", "marginals"):
        bad = json.loads(json.dumps(record))
        if change == "seed":
            bad["seed"] = 10
        elif change == "panel":
            bad["panel"][0], bad["panel"][-1] = bad["panel"][-1], bad["panel"][0]
            bad["panel"][0] = [bad["panel"][0][0], (bad["panel"][0][1] + 1) % problem.n_experts]
        elif change == "digest":
            bad["input_digest"] = "sha256:0"
        else:
            bad["marginals"]["units"][0] = 0
        if change == "seed":
            # another seed may happen to give the same panel; then replay is right to accept it
            try:
                replay(problem, bad)
            except AssignmentError as exc:
                assert exc.issue.code == "record_mismatch"
            continue
        with pytest.raises(AssignmentError) as err:
            replay(problem, bad)
        assert err.value.issue.code == "record_mismatch"
    other, _ = small_problem(seed=6)
    with pytest.raises(AssignmentError, match="digest"):
        replay(other, record)


def test_reserves_keep_the_cap_and_are_disjoint():
    problem, _ = small_problem(seed=2, n_i=8, n_e=16, k=2, org=False)
    q = Fraction(1, 2)
    n = 400
    both = np.zeros(problem.n_pairs)
    for seed in range(n):
        d = draw(problem, q, seed, reserves=2)
        res = d.reserves()
        panels = d.assignment.panels()
        for i in range(problem.n_items):
            assert len(res[i]) == 2
            assert not set(res[i]) & set(panels[i])
        # reserve caps are exact: x + y·... ≤ q pair by pair in units
        idx_r = problem.pair_index(d.reserve_item, d.reserve_expert)
        both[problem.pair_index(d.assignment.item, d.assignment.expert)] += 1
        both[idx_r] += 1
    freq = both / n
    assert freq.max() <= float(q) + 5 * np.sqrt(0.25 / n)


def test_reserve_marginal_caps_are_exact():
    problem, _ = small_problem(seed=3, n_i=8, n_e=16, k=2, org=False)
    d = draw(problem, "1/2", 1, reserves=1)
    x = d.marginals.units
    y = d.reserve_units
    unit = d.marginals.denominator
    on_panel = np.zeros(problem.n_pairs, bool)
    on_panel[problem.pair_index(d.assignment.item, d.assignment.expert)] = True
    assert (y[on_panel] == 0).all()
    free = ~on_panel & (x < unit)
    # P(reserve) = (1-x)·y ≤ q - x  ⇔  (unit - x)·y ≤ (q·unit - x)·unit
    assert ((unit - x[free]) * y[free] <= (unit // 2 - x[free]) * unit).all()


def test_replacement_keeps_rest_of_panel():
    problem, _ = small_problem(seed=7)
    a = solve_optimal(problem)
    item = 0
    declined = a.panels()[item][0]
    rep = replace_expert(problem, a.item, a.expert, item, declined)
    assert rep.source == "best_available" and rep.expert != declined
    new_item = np.append(a.item[~((a.item == item) & (a.expert == declined))], item)
    new_expert = np.append(a.expert[~((a.item == item) & (a.expert == declined))], rep.expert)
    loads = np.bincount(new_expert, minlength=problem.n_experts)
    assert (loads <= problem.max_load).all()
    assert np.bincount(new_item, minlength=problem.n_items).tolist() == problem.per_item.tolist()
    assert problem.pair_index(np.array([item]), np.array([rep.expert]))[0] >= 0
    org = problem.expert_org[new_expert[new_item == item]]
    assert np.bincount(org).max() <= problem.max_per_org
    # it is the best expert that fits
    rows = np.flatnonzero(problem.item == item)
    better = [
        j
        for j, s in zip(problem.expert[rows], problem.score[rows], strict=True)
        if s > rep.score and j != declined and j not in a.panels()[item]
    ]
    for j in better:
        fits_load = np.bincount(a.expert, minlength=problem.n_experts)[j] < problem.max_load[j]
        same_org = problem.expert_org[j] in set(
            problem.expert_org[[e for e in a.panels()[item] if e != declined]]
        )
        assert not fits_load or same_org


def test_replacement_uses_reserves_in_order_and_skips_full_ones():
    problem, _ = small_problem(seed=8, org=False)
    d = draw(problem, 0.5, 3, reserves=2)
    a = d.assignment
    item = 1
    declined = a.panels()[item][0]
    reserves = d.reserves()[item]
    loads = np.bincount(a.expert, minlength=problem.n_experts)
    rep = replace_expert(problem, a.item, a.expert, item, declined, reserves=reserves, reserves_only=True)
    first_ok = next(j for j in reserves if loads[j] < problem.max_load[j])
    assert rep.expert == first_ok and rep.source == "reserve"
    assert rep.reserve_rank == reserves.index(first_ok) + 1
    with pytest.raises(AssignmentError) as err:
        replace_expert(problem, a.item, a.expert, item, declined, reserves=[], reserves_only=True)
    assert err.value.issue.code == "no_replacement"
    not_on_panel = next(j for j in range(problem.n_experts) if j not in a.panels()[item])
    with pytest.raises(AssignmentError, match="not on item"):
        replace_expert(problem, a.item, a.expert, item, not_on_panel)


def test_probability_cap_infeasible_is_explained():
    # 3 eligible experts, K=2, q=1/2: at most 1.5 expected experts.
    problem = from_dense(np.array([[0.1, 0.2, 0.3]]), per_item=2, max_load=1)
    assert len(solve_optimal(problem).item) == 2
    with pytest.raises(AssignmentError) as err:
        draw(problem, 0.5, 0)
    issue = err.value.issue
    assert issue.code == "item_probability_cap"
    assert issue.params["capacity"] == "1.5" and issue.params["needed"] == 2


def test_org_cap_holds_after_rounding_when_it_does_not_bind_fractionally():
    # Found by hypothesis: item 1 has four experts of org 1 at q=1/2, so the fractional flow puts at most
    # 2 = T on them without the cap binding, yet rounding could pick three of them.
    scores = np.array(
        [
            [np.nan, 0.2985, 0.8142, 0.0919, 0.6001, 0.7286, 0.1879, 0.0551],
            [0.275, np.nan, 0.5623, 0.1501, 0.4326, 0.6693, 0.4228, 0.6332],
        ]
    )
    org = np.array([0, -1, 1, -1, 1, 1, 1, 0])
    p = from_dense(scores, per_item=3, max_load=1, expert_org=org, max_per_org=2)
    for seed in range(200):
        a = draw(p, "1/2", seed).assignment
        assert violations(p, a.item, a.expert) == [], seed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(), st.integers(0, 1000))
def test_replacement_property(inst, pick):
    import dataclasses

    problem, conflict = inst
    try:
        a = solve_optimal(problem)
    except AssignmentError:
        return
    k = pick % len(a.item)
    item, declined = int(a.item[k]), int(a.expert[k])
    try:
        rep = replace_expert(problem, a.item, a.expert, item, declined)
    except AssignmentError as exc:
        assert exc.issue.code == "no_replacement"
        return
    new_item = a.item.copy()
    new_expert = a.expert.copy()
    new_expert[k] = rep.expert
    assert (new_item == a.item).all() and (np.delete(new_expert, k) == np.delete(a.expert, k)).all()
    assert rep.expert != declined and not conflict[item, rep.expert]
    relaxed = dataclasses.replace(problem, min_load=np.zeros_like(problem.min_load))
    assert violations(relaxed, new_item, new_expert) == []
