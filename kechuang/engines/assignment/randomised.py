"""Randomised assignment (随机抽取) with a cap q on every expert–item probability, and reserves (候补).

Method (Jecmen et al., NeurIPS 2020, "Mitigating manipulation in peer review via randomized reviewer
assignments"):

1. The fractional assignment LP — maximise Σ score·x subject to Σ_j x_ij = K_i, loads in
   [min, max], at most T per organisation per item, 0 ≤ x_ij ≤ q — is a flow problem. With q = p/D
   (D ≤ 1000) the network scaled by D has integral data, so its integral min-cost flow divided by D
   is an exact LP optimum (network matrices are totally unimodular). Marginals are therefore exact
   multiples of 1/D and are stored as integers ("units").
2. Dependent rounding on that network (Gandhi et al. 2006, as in Jecmen et al.'s BvN sampler):
   repeatedly find a cycle of arcs whose flow is not a multiple of D and push flow around it one way or
   the other, with probabilities chosen so each arc's expected flow is unchanged, until every arc is
   integral. Each pair is then chosen with probability exactly x_ij ≤ q, every item gets exactly K
   experts, every load and per-organisation count stays between the floor and ceiling of its
   fractional value (hence within its bounds). All arithmetic is on integers, and the coin flips come
   from an explicitly seeded PCG64 generator, so the same inputs and seed give the same draw.

   Written here rather than taken from a library: openreview-matcher's sampler is a C extension built
   for the bipartite graph only (not our per-organisation layer) and works in rounded floats.

3. Reserves: after the panel is drawn, reserve marginals y are solved with y_ij ≤ (q − x_ij)/(1 − x_ij)
   for every pair not on the panel (rounded down to a multiple of 1/D), then rounded the same way. So
   P(j on i's panel or reserve list) ≤ x + (1 − x)·(q − x)/(1 − x) = q: the cap holds even if every
   reserve is called up.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .flow import FlowNetwork, _full_flows, build_network, solve_or_explain
from .messages import AssignmentError, Issue, invalid
from .optimal import Assignment, assignment_from_pairs
from .problem import AssignmentProblem

RECORD_FORMAT = "kechuang.assignment.draw/1"
MAX_DENOMINATOR = 1000


def probability_cap(q) -> Fraction:
    """q as an exact fraction p/D with D ≤ 1000, never above the value given (0 < q ≤ 1)."""
    exact = Fraction(q.strip()) if isinstance(q, str) else Fraction(q)
    if not (0 < exact <= 1):
        raise invalid("max_probability", "must be in (0, 1]")
    near = exact.limit_denominator(MAX_DENOMINATOR)
    # A float such as 0.3 is 0.29999…; accept the nearby short fraction only within float noise.
    if near > exact and float(near - exact) > 1e-12:
        near = Fraction(int(exact * MAX_DENOMINATOR), MAX_DENOMINATOR)
    if near <= 0:
        raise invalid("max_probability", f"must be at least 1/{MAX_DENOMINATOR}")
    return near


@dataclass(frozen=True, eq=False)
class Marginals:
    """Fractional assignment: pair k is chosen with probability ``units[k] / denominator``.

    ``units`` is int64 ``(n_pairs,)`` aligned with the problem's pairs; ``expected_affinity`` is
    Σ score·units/denominator.
    """

    units: np.ndarray
    denominator: int
    max_probability: Fraction
    expected_affinity: float

    @property
    def probability(self) -> np.ndarray:
        return self.units / self.denominator


def fractional_assignment(problem: AssignmentProblem, max_probability) -> Marginals:
    """Solve the marginal-probability LP (x_ij ≤ q) exactly as a scaled min-cost flow."""
    q = probability_cap(max_probability)
    unit = q.denominator
    _, units = solve_or_explain(problem, unit=unit, pair_cap=q.numerator, q_text=str(q))
    return Marginals(units, unit, q, float(problem.score @ units) / unit)


def full_flows(net: FlowNetwork, pair_units: np.ndarray) -> np.ndarray:
    """Every arc's flow, reconstructed from the pair arcs (the rest follows by conservation)."""
    return _full_flows(net, np.asarray(pair_units, dtype=np.int64))


def check_flow(net: FlowNetwork, flows: np.ndarray) -> bool:
    """Capacities respected and every node balanced (supply + in = out)."""
    if (flows < 0).any() or (flows > net.caps).any():
        return False
    bal = net.supplies.copy()
    np.add.at(bal, net.heads, flows)
    np.subtract.at(bal, net.tails, flows)
    return not bal.any()


def dependent_round(
    tails: np.ndarray, heads: np.ndarray, flows: np.ndarray, unit: int, rng: np.random.Generator
) -> np.ndarray:
    """Round a flow whose node balances are multiples of ``unit`` to one whose arcs all are.

    Each arc's expected result equals its input and stays within [floor, ceil] of flow/unit. The cycle
    search walks a path over fractional arcs (every node touching one has at least two, because its
    balance is a multiple of ``unit``) until it meets itself; the walk order is deterministic, so the
    only randomness is the ``rng`` draws.
    """
    flows = np.asarray(flows, dtype=np.int64).copy()
    frac_idx = np.flatnonzero(flows % unit)
    if unit == 1 or not len(frac_idx):
        return flows
    t = tails[frac_idx].tolist()
    h = heads[frac_idx].tolist()
    r = (flows[frac_idx] % unit).tolist()
    delta = [0] * len(t)
    adj: dict[int, dict[int, None]] = {}
    for a in range(len(t)):
        adj.setdefault(t[a], {})[a] = None
        adj.setdefault(h[a], {})[a] = None
    integers = rng.integers
    path_nodes: list[int] = []
    path_arcs: list[int] = []
    pos: dict[int, int] = {}
    while adj:
        if not path_nodes:
            start = next(iter(adj))
            path_nodes, path_arcs, pos = [start], [], {start: 0}
        u = path_nodes[-1]
        came = path_arcs[-1] if path_arcs else -1
        it = iter(adj[u])
        a = next(it)
        if a == came:
            a = next(it)
        w = h[a] if t[a] == u else t[a]
        k = pos.get(w)
        if k is None:
            pos[w] = len(path_nodes)
            path_nodes.append(w)
            path_arcs.append(a)
            continue
        cycle = path_arcs[k:]
        cycle.append(a)
        froms = path_nodes[k:]
        up = down = unit
        forward = []
        for b, x in zip(cycle, froms, strict=True):
            fwd = t[b] == x
            forward.append(fwd)
            if fwd:
                up = min(up, unit - r[b])
                down = min(down, r[b])
            else:
                up = min(up, r[b])
                down = min(down, unit - r[b])
        step = up if int(integers(up + down)) < down else -down
        for b, fwd in zip(cycle, forward, strict=True):
            d = step if fwd else -step
            delta[b] += d
            nr = r[b] + d
            if nr in (0, unit):
                r[b] = 0
                for node in (t[b], h[b]):
                    arcs = adj[node]
                    del arcs[b]
                    if not arcs:
                        del adj[node]
            else:
                r[b] = nr
        for node in path_nodes[k + 1 :]:
            del pos[node]
        del path_nodes[k + 1 :]
        del path_arcs[k:]
        if w not in adj:
            path_nodes, path_arcs, pos = [], [], {}
    flows[frac_idx] += np.asarray(delta, dtype=np.int64)
    return flows


@dataclass(frozen=True, eq=False)
class Draw:
    """One randomised draw.

    Attributes:
        assignment: the panels (an :class:`Assignment`).
        marginals: the panel marginals it was drawn from.
        reserve_item, reserve_expert, reserve_rank: int64 ``(r,)`` reserves; rank 1 is called first
            (highest affinity first).
        reserve_units: int64 ``(n_pairs,)`` reserve marginals (units of 1/D), zeros without reserves.
        record: the JSON-able audit record (see :func:`draw`).
    """

    assignment: Assignment
    marginals: Marginals
    reserve_item: np.ndarray
    reserve_expert: np.ndarray
    reserve_rank: np.ndarray
    reserve_units: np.ndarray
    record: dict[str, Any]

    def reserves(self) -> dict[int, list[int]]:
        """``{item: [reserve experts in call order]}``."""
        out: dict[int, list[int]] = {}
        order = np.lexsort((self.reserve_rank, self.reserve_item))
        for i, j in zip(self.reserve_item[order].tolist(), self.reserve_expert[order].tolist(), strict=True):
            out.setdefault(i, []).append(j)
        return out


def _generators(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise invalid("seed", "must be a non-negative integer")
    main, reserve = np.random.SeedSequence(int(seed)).spawn(2)
    return np.random.Generator(np.random.PCG64(main)), np.random.Generator(np.random.PCG64(reserve))


def _reserve_problem(
    problem: AssignmentProblem,
    panel: np.ndarray,
    units: np.ndarray,
    q: Fraction,
    reserves: int,
    max_reserve_load,
) -> tuple[AssignmentProblem, np.ndarray, np.ndarray]:
    """Sub-problem of the pairs not on the panel, with per-pair caps ⌊D·(qD − f)/(D − f)⌋ units."""
    unit = q.denominator
    qd = q.numerator
    free = ~panel & (units < unit)
    denom = np.where(free, unit - units, 1)
    cap = np.where(free, (unit * np.maximum(qd - units, 0)) // denom, 0)
    keep = np.flatnonzero(cap > 0)
    max_r = problem.max_load if max_reserve_load is None else max_reserve_load
    max_r = np.broadcast_to(np.asarray(max_r, dtype=np.int64), (problem.n_experts,)).copy()
    sub = dataclasses.replace(
        problem,
        item=problem.item[keep],
        expert=problem.expert[keep],
        score=problem.score[keep],
        per_item=np.full(problem.n_items, int(reserves), np.int64),
        min_load=np.zeros(problem.n_experts, np.int64),
        max_load=max_r,
        expert_org=None,
        max_per_org=None,
    )
    return sub, keep, cap[keep]


def _check_reserve_capacity(sub: AssignmentProblem, cap: np.ndarray, q: Fraction, reserves: int) -> None:
    have = np.bincount(sub.item, weights=cap, minlength=sub.n_items)
    short = np.flatnonzero(have < reserves * q.denominator)
    if len(short):
        i = int(short[0])
        raise AssignmentError(
            [
                Issue(
                    "reserve_infeasible",
                    {
                        "item": sub.item_label(i),
                        "needed": int(reserves),
                        "q": str(q),
                        "available": f"{have[i] / q.denominator:g}",
                    },
                )
            ]
        )


def _rank_reserves(sub: AssignmentProblem, chosen: np.ndarray):
    item, expert, score = sub.item[chosen], sub.expert[chosen], sub.score[chosen]
    order = np.lexsort((expert, -score, item))
    item, expert = item[order], expert[order]
    starts = np.searchsorted(item, item, side="left")
    rank = np.arange(len(item)) - starts + 1
    return item, expert, rank.astype(np.int64)


def _pairs_dict(problem: AssignmentProblem, units: np.ndarray) -> dict[str, list[int]]:
    nz = np.flatnonzero(units)
    return {
        "item": problem.item[nz].tolist(),
        "expert": problem.expert[nz].tolist(),
        "units": units[nz].tolist(),
    }


def _round_panel(problem, q, units, rng) -> tuple[np.ndarray, FlowNetwork]:
    net = build_network(problem, unit=q.denominator, pair_cap=q.numerator, scale=1.0)
    flows = full_flows(net, units)
    if not check_flow(net, flows):
        raise AssignmentError([Issue("record_mismatch", {"what": "marginals violate the constraints"})])
    rounded = dependent_round(net.tails, net.heads, flows, q.denominator, rng)
    return rounded[: net.n_pairs] == q.denominator, net


def _round_reserves(sub, cap, q, units, rng) -> np.ndarray:
    net = build_network(sub, unit=q.denominator, pair_cap=cap, scale=1.0)
    flows = full_flows(net, units)
    if not check_flow(net, flows):
        raise AssignmentError(
            [Issue("record_mismatch", {"what": "reserve marginals violate the constraints"})]
        )
    rounded = dependent_round(net.tails, net.heads, flows, q.denominator, rng)
    return rounded[: net.n_pairs] == q.denominator


def _max_reserve_json(max_reserve_load):
    if max_reserve_load is None:
        return None
    arr = np.asarray(max_reserve_load)
    return int(arr) if arr.ndim == 0 else arr.astype(int).tolist()


def draw(
    problem: AssignmentProblem,
    max_probability,
    seed: int,
    *,
    reserves: int = 0,
    max_reserve_load=None,
    marginals: Marginals | None = None,
) -> Draw:
    """Draw panels at random, each expert–item pair with probability at most ``max_probability``.

    Args:
        problem: the instance (conflicts already excluded).
        max_probability: q, float/str/Fraction in (0, 1]; used as the largest p/D ≤ q with D ≤ 1000.
        seed: non-negative int; the same problem and seed give the same draw.
        reserves: R reserve experts per item (候补), drawn so the cap q holds counting reserves.
        max_reserve_load: scalar or ``(n_experts,)`` cap on reserve slots per expert (default max_load).
        marginals: the result of ``fractional_assignment(problem, max_probability)`` when already
            computed (repeated draws of one round); it must come from this very problem.

    Returns a :class:`Draw` whose ``record`` is the audit record, a JSON-able dict::

        {"format": "kechuang.assignment.draw/1", "input_digest": "sha256:…", "seed": 42,
         "max_probability": "1/2", "denominator": 2,
         "reserves_per_item": 1, "max_reserve_load": null | int | [int…],
         "marginals": {"item": […], "expert": […], "units": […]},        # probability = units/denominator
         "reserve_marginals": {"item": […], "expert": […], "units": […]},
         "panel": [[item, expert], …], "reserves": [[item, expert, rank], …],
         "expected_affinity": float, "affinity": float}

    Store it with the round; :func:`replay` reproduces the panel from it.
    """
    if marginals is None:
        marg = fractional_assignment(problem, max_probability)
    else:
        marg = marginals
        if marg.max_probability != probability_cap(max_probability) or marg.units.shape != (problem.n_pairs,):
            raise invalid("marginals", "do not belong to this problem and probability cap")
    q = marg.max_probability
    rng_main, rng_res = _generators(seed)
    panel, _ = _round_panel(problem, q, marg.units, rng_main)
    reserve_units = np.zeros(problem.n_pairs, np.int64)
    r_item = r_expert = r_rank = np.empty(0, np.int64)
    if reserves:
        sub, keep, cap = _reserve_problem(problem, panel, marg.units, q, reserves, max_reserve_load)
        _check_reserve_capacity(sub, cap, q, reserves)
        _, sub_units = solve_or_explain(sub, unit=q.denominator, pair_cap=cap, q_text=str(q))
        reserve_units[keep] = sub_units
        chosen = _round_reserves(sub, cap, q, sub_units, rng_res)
        r_item, r_expert, r_rank = _rank_reserves(sub, chosen)
    assignment = assignment_from_pairs(problem, panel)
    record = {
        "format": RECORD_FORMAT,
        "input_digest": problem.digest(),
        "seed": int(seed),
        "max_probability": str(q),
        "denominator": q.denominator,
        "reserves_per_item": int(reserves),
        "max_reserve_load": _max_reserve_json(max_reserve_load),
        "marginals": _pairs_dict(problem, marg.units),
        "reserve_marginals": _pairs_dict(problem, reserve_units),
        "panel": [[int(i), int(j)] for i, j in zip(assignment.item, assignment.expert, strict=True)],
        "reserves": [[int(i), int(j), int(k)] for i, j, k in zip(r_item, r_expert, r_rank, strict=True)],
        "expected_affinity": marg.expected_affinity,
        "affinity": assignment.total_affinity,
    }
    return Draw(assignment, marg, r_item, r_expert, r_rank, reserve_units, record)


def _units_from(problem: AssignmentProblem, pairs: dict[str, list[int]], what: str) -> np.ndarray:
    idx = problem.pair_index(np.asarray(pairs["item"], np.int64), np.asarray(pairs["expert"], np.int64))
    if (idx < 0).any():
        raise AssignmentError(
            [Issue("record_mismatch", {"what": f"{what} name a pair that is not eligible"})]
        )
    units = np.zeros(problem.n_pairs, np.int64)
    units[idx] = np.asarray(pairs["units"], np.int64)
    return units


def replay(problem: AssignmentProblem, record: dict[str, Any], *, check_optimal: bool = True) -> Draw:
    """Reproduce a stored draw from its record and the same inputs; raise if anything differs.

    Checks, in order: the record format, the input digest, that the stored marginals satisfy every
    constraint, that they are LP-optimal (re-solved; ties may give other marginals with the same
    value, so only the value is compared), and that rounding them with the stored seed gives exactly
    the stored panel and reserves.
    """

    def mismatch(what: str) -> AssignmentError:
        return AssignmentError([Issue("record_mismatch", {"what": what})])

    if record.get("format") != RECORD_FORMAT:
        raise mismatch(f"unknown format {record.get('format')!r}")
    if record.get("input_digest") != problem.digest():
        raise mismatch("input digest differs")
    q = probability_cap(record["max_probability"])
    if q.denominator != int(record["denominator"]):
        raise mismatch("denominator differs")
    units = _units_from(problem, record["marginals"], "marginals")
    expected = float(problem.score @ units) / q.denominator
    if check_optimal:
        best = fractional_assignment(problem, q)
        tol = 1e-9 * max(1.0, abs(best.expected_affinity)) + problem.n_pairs / build_scale(problem, q)
        if expected < best.expected_affinity - tol:
            raise mismatch(f"marginals are not optimal ({expected:.9g} < {best.expected_affinity:.9g})")
    rng_main, rng_res = _generators(int(record["seed"]))
    panel, _ = _round_panel(problem, q, units, rng_main)
    reserves = int(record.get("reserves_per_item", 0))
    reserve_units = np.zeros(problem.n_pairs, np.int64)
    r_item = r_expert = r_rank = np.empty(0, np.int64)
    if reserves:
        sub, keep, cap = _reserve_problem(problem, panel, units, q, reserves, record.get("max_reserve_load"))
        reserve_units = _units_from(problem, record["reserve_marginals"], "reserve marginals")
        if (reserve_units[np.setdiff1d(np.arange(problem.n_pairs), keep)] != 0).any():
            raise mismatch("reserve marginals exceed the probability cap")
        chosen = _round_reserves(sub, cap, q, reserve_units[keep], rng_res)
        r_item, r_expert, r_rank = _rank_reserves(sub, chosen)
    assignment = assignment_from_pairs(problem, panel)
    got_panel = [[int(i), int(j)] for i, j in zip(assignment.item, assignment.expert, strict=True)]
    got_res = [[int(i), int(j), int(k)] for i, j, k in zip(r_item, r_expert, r_rank, strict=True)]
    if got_panel != record["panel"]:
        raise mismatch("replayed panel differs")
    if got_res != record.get("reserves", []):
        raise mismatch("replayed reserves differ")
    marg = Marginals(units, q.denominator, q, expected)
    return Draw(assignment, marg, r_item, r_expert, r_rank, reserve_units, dict(record))


def build_scale(problem: AssignmentProblem, q: Fraction) -> float:
    """The cost scale the fractional solve uses (for optimality tolerances)."""
    return build_network(problem, unit=q.denominator, pair_cap=q.numerator).scale
