"""The assignment as a min-cost flow network, solved with OR-Tools, and the diagnosis of infeasibility.

Network (all quantities in ``unit`` steps, ``unit`` = 1 for an integral assignment and D for a
fractional one with probabilities in multiples of 1/D):

    source ──[0, (max_load-min_load)·unit]──▶ expert j   (expert j also has supply min_load_j·unit)
    expert j ──[0, pair_cap, cost -round(score·scale)]──▶ item i, or ▶ (item i, org o) when T binds
    (item i, org o) ──[0, T·unit]──▶ item i               (the "at most T per organisation" layer)
    item i has demand K_i·unit; the source supplies Σ K·unit - Σ min_load·unit.

The lower load bounds become node supplies instead of arc lower bounds (no circulation transform
needed): each expert must pass on its own ``min_load·unit`` plus whatever the source sends it.

Arc order: pair arcs first (arc k is pair k of the problem), then source→expert arcs, then the
(item, org)→item arcs, so pair flows are ``flows[:n_pairs]``.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from .messages import AssignmentError, Issue, invalid
from .problem import AssignmentProblem

# OR-Tools' cost-scaling push-relabel multiplies costs by (number of nodes + 1) internally and checks
# that this fits int64; keeping two more bits of headroom also keeps Σ flow·cost inside int64.
_INT64_HEADROOM = 2**61
_MAX_SCALE_DIGITS = 9
_MIN_SCALE_DIGITS = 4  # the issue's requirement: scores resolved to at least 1e-4


@dataclass(frozen=True, eq=False)
class FlowNetwork:
    n_nodes: int
    tails: np.ndarray  # int32 (n_arcs,)
    heads: np.ndarray  # int32 (n_arcs,)
    caps: np.ndarray  # int64 (n_arcs,)
    costs: np.ndarray  # int64 (n_arcs,)
    supplies: np.ndarray  # int64 (n_nodes,)
    n_pairs: int
    unit: int
    scale: float  # integer cost = -round(score · scale)
    # (item, org) group nodes: node id = first_group_node + position of item·org_base + org in group_keys
    group_keys: np.ndarray | None = None
    org_base: int = 0
    first_group_node: int = 0


def choose_scale(score: np.ndarray, n_nodes: int, total_flow: int) -> float:
    """Largest power of ten ≤ 1e9/max|score| whose integer costs cannot overflow OR-Tools.

    With scale 10^k the rounding error is at most 0.5·10^-k per unit of flow, so the integer optimum is
    within (assigned pairs)·10^-k of the real-valued optimum and any two scores that differ by 10^-k
    or more keep their order. k ≥ 4 is required (1e-4 resolution); with scores in 0..1 and fewer than
    ~10^8 nodes, k = 9.
    """
    top = float(np.abs(score).max()) if len(score) else 1.0
    digits = _MAX_SCALE_DIGITS - max(0, math.ceil(math.log10(top))) if top > 1 else _MAX_SCALE_DIGITS
    while digits >= _MIN_SCALE_DIGITS:
        max_cost = math.ceil(top * 10.0**digits)
        if max_cost * (n_nodes + 1) < _INT64_HEADROOM and max_cost * max(total_flow, 1) < _INT64_HEADROOM:
            return 10.0**digits
        digits -= 1
    raise invalid("score", "range is too large to be resolved to 1e-4")


def build_network(
    problem: AssignmentProblem,
    *,
    unit: int = 1,
    pair_cap: int | np.ndarray = 1,
    scale: float | None = None,
) -> FlowNetwork:
    p = problem
    n_e, n_i, m = p.n_experts, p.n_items, p.n_pairs
    expert_node = 1 + np.arange(n_e, dtype=np.int64)
    item_node = 1 + n_e + np.arange(n_i, dtype=np.int64)
    caps_pair = np.broadcast_to(np.asarray(pair_cap, dtype=np.int64), (m,)).copy()
    pair_head = item_node[p.item].copy()
    n_nodes = 1 + n_e + n_i
    first_group_node = n_nodes
    group_keys = np.empty(0, np.int64)
    org_base = 0
    group_tail = np.empty(0, np.int64)
    group_head = np.empty(0, np.int64)
    group_cap = np.empty(0, np.int64)
    if p.max_per_org is not None and m:
        org = p.expert_org[p.expert]
        known = org >= 0
        # Only (item, org) groups with more than T usable pairs get a node: elsewhere T cannot bind,
        # neither in the fractional flow nor after rounding it (each pair then carries 0 or one unit).
        org_base = int(p.expert_org.max()) + 1
        gkey = np.where(known & (caps_pair > 0), p.item * org_base + org, -1)
        uniq, inv = np.unique(gkey, return_inverse=True)
        binding = (uniq >= 0) & (np.bincount(inv, minlength=len(uniq)) > p.max_per_org)
        if binding.any():
            group_keys = uniq[binding]
            gid = np.full(len(uniq), -1, np.int64)
            gid[binding] = n_nodes + np.arange(int(binding.sum()))
            pair_gid = gid[inv]
            in_group = pair_gid >= 0
            first = np.unique(inv[in_group], return_index=True)[1]
            group_items = p.item[in_group][first]
            group_tail = np.unique(pair_gid[in_group])
            group_head = item_node[group_items]
            group_cap = np.full(len(group_tail), p.max_per_org * unit, np.int64)
            pair_head[in_group] = pair_gid[in_group]
            n_nodes += len(group_tail)
    total_flow = int(p.per_item.sum()) * unit
    if scale is None:
        scale = choose_scale(p.score, n_nodes, total_flow)
    tails = np.concatenate([expert_node[p.expert], np.zeros(n_e, np.int64), group_tail]).astype(np.int32)
    heads = np.concatenate([pair_head, expert_node, group_head]).astype(np.int32)
    caps = np.concatenate([caps_pair, (p.max_load - p.min_load) * unit, group_cap]).astype(np.int64)
    costs = np.concatenate([-np.rint(p.score * scale), np.zeros(n_e + len(group_tail))]).astype(np.int64)
    supplies = np.zeros(n_nodes, np.int64)
    supplies[expert_node] = p.min_load * unit
    supplies[item_node] = -p.per_item * unit
    supplies[0] = total_flow - int(p.min_load.sum()) * unit
    return FlowNetwork(
        n_nodes, tails, heads, caps, costs, supplies, m, unit, scale, group_keys, org_base, first_group_node
    )


def solve_network(net: FlowNetwork) -> np.ndarray | None:
    """Min-cost flow; the flow on every arc (int64), or None when no feasible flow exists."""
    if net.supplies[0] < 0:
        return None
    smcf = min_cost_flow.SimpleMinCostFlow()
    if len(net.tails):
        smcf.add_arcs_with_capacity_and_unit_cost(net.tails, net.heads, net.caps, net.costs)
    smcf.set_nodes_supplies(np.arange(net.n_nodes, dtype=np.int32), net.supplies)
    status = smcf.solve()
    if status == smcf.OPTIMAL:
        if not len(net.tails):
            return np.zeros(0, np.int64)
        return np.asarray(smcf.flows(np.arange(len(net.tails), dtype=np.int32)), dtype=np.int64)
    if status in (smcf.INFEASIBLE, smcf.UNBALANCED):
        return None
    raise RuntimeError(f"OR-Tools min-cost flow failed with status {status}")


def _fmt(units: int, unit: int) -> str:
    v = Fraction(int(units), int(unit))
    return str(v.numerator) if v.denominator == 1 else f"{float(v):g}"


def _names(labels: list[str], limit: int = 8) -> str:
    shown = "、".join(labels[:limit])
    return shown + (f" 等 {len(labels)} 个" if len(labels) > limit else "")


def diagnose(
    problem: AssignmentProblem,
    *,
    unit: int = 1,
    pair_cap: int | np.ndarray = 1,
    q_text: str | None = None,
    local_only: bool = False,
) -> list[Issue]:
    """Reasons why no assignment exists (empty when the load/panel constraints can all be met).

    Cheap local checks come first (one item, one expert, the totals); then two max-flow min-cuts
    find a group of items whose eligible experts cannot fill them (Hall's condition, upper loads) or
    a group of experts whose eligible items cannot reach their minimum loads.
    """
    p = problem
    issues: list[Issue] = []
    m = p.n_pairs
    caps_pair = np.broadcast_to(np.asarray(pair_cap, dtype=np.int64), (m,))
    bad = np.flatnonzero(p.min_load > p.max_load)
    for j in bad[:5]:
        issues.append(
            Issue(
                "expert_min_above_max",
                {"expert": p.expert_label(j), "min_load": int(p.min_load[j]), "max_load": int(p.max_load[j])},
            )
        )
    counts = np.bincount(p.item, minlength=p.n_items)
    cap_item = np.bincount(p.item, weights=caps_pair, minlength=p.n_items).astype(np.int64)
    need = p.per_item * unit
    for i in np.flatnonzero(cap_item < need)[:5]:
        if unit == 1 or counts[i] < p.per_item[i]:
            issues.append(
                Issue(
                    "item_too_few_experts",
                    {"item": p.item_label(i), "available": int(counts[i]), "needed": int(p.per_item[i])},
                )
            )
        else:
            issues.append(
                Issue(
                    "item_probability_cap",
                    {
                        "item": p.item_label(i),
                        "available": int(counts[i]),
                        "q": q_text or "",
                        "capacity": _fmt(cap_item[i], unit),
                        "needed": int(p.per_item[i]),
                    },
                )
            )
    if p.max_per_org is not None and m:
        org = p.expert_org[p.expert]
        known = org >= 0
        gkey = p.item * (int(p.expert_org.max()) + 1) + org
        uniq, inv = np.unique(gkey[known], return_inverse=True)
        gcap = np.minimum(np.bincount(inv, weights=caps_pair[known]), p.max_per_org * unit)
        gitem = uniq // (int(p.expert_org.max()) + 1)
        cap_org = np.bincount(gitem, weights=gcap, minlength=p.n_items) + np.bincount(
            p.item[~known], weights=caps_pair[~known], minlength=p.n_items
        )
        for i in np.flatnonzero((cap_org < need) & (cap_item >= need))[:5]:
            issues.append(
                Issue(
                    "item_too_few_orgs",
                    {
                        "item": p.item_label(i),
                        "available": _fmt(int(cap_org[i]), unit),
                        "max_per_org": p.max_per_org,
                        "needed": int(p.per_item[i]),
                    },
                )
            )
    cap_exp = np.bincount(p.expert, weights=caps_pair, minlength=p.n_experts).astype(np.int64)
    for j in np.flatnonzero(cap_exp < p.min_load * unit)[:5]:
        issues.append(
            Issue(
                "expert_too_few_items",
                {
                    "expert": p.expert_label(j),
                    "available": _fmt(cap_exp[j], unit),
                    "needed": int(p.min_load[j]),
                },
            )
        )
    total = int(p.per_item.sum())
    if int(p.max_load.sum()) < total:
        issues.append(Issue("total_capacity_short", {"capacity": int(p.max_load.sum()), "needed": total}))
    if int(p.min_load.sum()) > total:
        issues.append(Issue("total_min_load_excess", {"min_total": int(p.min_load.sum()), "needed": total}))
    if issues or local_only:
        return issues
    issues += _cut_items(p, unit, caps_pair)
    if not issues:
        issues += _cut_experts(p, unit, caps_pair)
    return issues


def _group_layer(p: AssignmentProblem, unit: int, caps_pair: np.ndarray, first_group_node: int):
    """(pair → group node or -1, group nodes, group item, n groups) for the per-organisation layer."""
    m = p.n_pairs
    if p.max_per_org is None or not m:
        return np.full(m, -1, np.int64), np.empty(0, np.int64), np.empty(0, np.int64)
    org = p.expert_org[p.expert]
    gkey = np.where(org >= 0, p.item * (int(p.expert_org.max()) + 1) + org, -1)
    uniq, inv = np.unique(gkey, return_inverse=True)
    real = uniq >= 0
    gid = np.full(len(uniq), -1, np.int64)
    gid[real] = first_group_node + np.arange(int(real.sum()))
    pair_g = gid[inv]
    gitem = uniq[real] // (int(p.expert_org.max()) + 1)
    return pair_g, gid[real], gitem


def _cut_items(p: AssignmentProblem, unit: int, caps_pair: np.ndarray) -> list[Issue]:
    # nodes: 0 source, 1 sink, experts 2.., items, groups
    e0, i0 = 2, 2 + p.n_experts
    g0 = i0 + p.n_items
    pair_g, gnodes, gitem = _group_layer(p, unit, caps_pair, g0)
    pair_head = np.where(pair_g >= 0, pair_g, i0 + p.item)
    tails = np.concatenate(
        [np.zeros(p.n_experts, np.int64), e0 + p.expert, gnodes, i0 + np.arange(p.n_items)]
    )
    heads = np.concatenate([e0 + np.arange(p.n_experts), pair_head, i0 + gitem, np.ones(p.n_items, np.int64)])
    caps = np.concatenate(
        [p.max_load * unit, caps_pair, np.full(len(gnodes), (p.max_per_org or 0) * unit), p.per_item * unit]
    )
    smf = max_flow.SimpleMaxFlow()
    smf.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64))
    if smf.solve(0, 1) != smf.OPTIMAL:
        return []
    total = int(p.per_item.sum()) * unit
    flow = int(smf.optimal_flow())
    if flow >= total:
        return []
    sink_side = np.asarray(smf.get_sink_side_min_cut(), dtype=np.int64)
    items = np.sort(sink_side[(sink_side >= i0) & (sink_side < g0)] - i0)
    items = items[p.per_item[items] > 0]
    needed = int(p.per_item[items].sum())
    outside = int(p.per_item.sum()) - needed
    available = flow - outside * unit
    return [
        Issue(
            "items_group_short",
            {
                "items": _names([p.item_label(i) for i in items]),
                "needed": needed,
                "available": _fmt(available, unit),
            },
        )
    ]


def _cut_experts(p: AssignmentProblem, unit: int, caps_pair: np.ndarray) -> list[Issue]:
    if not p.min_load.any():
        return []
    # Reverse direction: source → items → (groups) → experts → sink(min loads).
    i0, e0 = 2, 2 + p.n_items
    g0 = e0 + p.n_experts
    pair_g, gnodes, gitem = _group_layer(p, unit, caps_pair, g0)
    pair_tail = np.where(pair_g >= 0, pair_g, i0 + p.item)
    tails = np.concatenate(
        [np.zeros(p.n_items, np.int64), i0 + gitem, pair_tail, e0 + np.arange(p.n_experts)]
    )
    heads = np.concatenate([i0 + np.arange(p.n_items), gnodes, e0 + p.expert, np.ones(p.n_experts, np.int64)])
    caps = np.concatenate(
        [p.per_item * unit, np.full(len(gnodes), (p.max_per_org or 0) * unit), caps_pair, p.min_load * unit]
    )
    smf = max_flow.SimpleMaxFlow()
    smf.add_arcs_with_capacity(tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64))
    if smf.solve(0, 1) != smf.OPTIMAL:
        return []
    total = int(p.min_load.sum()) * unit
    flow = int(smf.optimal_flow())
    if flow >= total:
        return []
    sink_side = np.asarray(smf.get_sink_side_min_cut(), dtype=np.int64)
    experts = np.sort(sink_side[(sink_side >= e0) & (sink_side < g0)] - e0)
    experts = experts[p.min_load[experts] > 0]
    needed = int(p.min_load[experts].sum())
    available = flow - (int(p.min_load.sum()) - needed) * unit
    return [
        Issue(
            "experts_group_short",
            {
                "experts": _names([p.expert_label(j) for j in experts]),
                "needed": needed,
                "available": _fmt(available, unit),
            },
        )
    ]


def solve_or_explain(
    problem: AssignmentProblem,
    *,
    unit: int = 1,
    pair_cap: int | np.ndarray = 1,
    q_text: str | None = None,
) -> tuple[float, np.ndarray]:
    """Optimal flow on the pairs: ``(cost scale, int64 (n_pairs,) flow per pair in units)``.

    Raises :class:`AssignmentError` with reasons when infeasible.
    """
    # The min-cut diagnosis costs two max-flow solves, so it only runs once the solver has failed.
    issues = diagnose(problem, unit=unit, pair_cap=pair_cap, q_text=q_text, local_only=True)
    if issues:
        raise AssignmentError(issues)
    if problem.n_pairs >= PRUNE_MIN_PAIRS:
        solved = solve_with_candidates(problem, unit=unit, pair_cap=pair_cap)
        if solved is not None:
            return solved
    net = build_network(problem, unit=unit, pair_cap=pair_cap)
    flows = solve_network(net)
    if flows is None:
        issues = diagnose(problem, unit=unit, pair_cap=pair_cap, q_text=q_text)
        raise AssignmentError(issues or [Issue("no_feasible_assignment", {})])
    return net.scale, flows[: net.n_pairs]


# Below this many pairs a direct solve is already fast.
PRUNE_MIN_PAIRS = 50_000
_MAX_ROUNDS = 6


def _top_per_group(group: np.ndarray, score: np.ndarray, n_groups: int, keep: np.ndarray) -> np.ndarray:
    """Bool mask of each group's ``keep[g]`` best-scoring pairs (ties in any order).

    One float sort on group + (1 − normalised score) instead of a two-key lexsort: several times
    faster, and a tie broken either way is harmless because the result is certified afterwards.
    """
    lo, hi = (float(score.min()), float(score.max())) if len(score) else (0.0, 1.0)
    frac = (hi - score) / (hi - lo) if hi > lo else np.zeros(len(score))
    order = np.argsort(group * 2.0 + frac * 0.999)
    g_sorted = group[order]
    starts = np.searchsorted(g_sorted, np.arange(n_groups))
    rank = np.arange(len(order)) - starts[g_sorted]
    mask = np.zeros(len(group), bool)
    mask[order[rank < keep[g_sorted]]] = True
    return mask


def _candidates(p: AssignmentProblem, per_item_keep: np.ndarray, per_expert_keep: np.ndarray) -> np.ndarray:
    counts = np.bincount(p.item, minlength=p.n_items)
    if len(counts) and (counts == p.n_experts).all():
        # Every pair present: the scores form an items × experts matrix, so argpartition along each
        # axis finds the best candidates without any sort.
        mat = p.score.reshape(p.n_items, p.n_experts)
        mask = np.zeros(mat.shape, bool)
        k = int(per_item_keep.max())
        if k < p.n_experts:
            np.put_along_axis(mask, np.argpartition(-mat, k - 1, axis=1)[:, :k], True, axis=1)
        else:
            mask[:] = True
        k = int(per_expert_keep.max())
        if k < p.n_items:
            np.put_along_axis(mask, np.argpartition(-mat, k - 1, axis=0)[:k, :], True, axis=0)
        else:
            mask[:] = True
        return mask.ravel()
    keep = _top_per_group(p.item, p.score, p.n_items, per_item_keep)
    keep |= _top_per_group(p.expert, p.score, p.n_experts, per_expert_keep)
    return keep


def _potentials(net: FlowNetwork, flows: np.ndarray) -> np.ndarray | None:
    """Shortest-path distances in the residual graph (Bellman–Ford from a virtual source, vectorised).

    Exact integers. For an optimal flow the residual graph has no negative cycle, so this converges;
    d then certifies optimality: c(u,v) + d(u) - d(v) ≥ 0 on every residual arc.
    """
    fwd = flows < net.caps
    bwd = flows > 0
    rt = np.concatenate([net.tails[fwd], net.heads[bwd]]).astype(np.int64)
    rh = np.concatenate([net.heads[fwd], net.tails[bwd]]).astype(np.int64)
    rc = np.concatenate([net.costs[fwd], -net.costs[bwd]])
    order = np.argsort(rh, kind="stable")
    rt, rh, rc = rt[order], rh[order], rc[order]
    heads_u, starts = np.unique(rh, return_index=True)
    d = np.zeros(net.n_nodes, np.int64)
    for _ in range(net.n_nodes + 1):
        best = np.minimum.reduceat(d[rt] + rc, starts) if len(rt) else np.empty(0, np.int64)
        improved = best < d[heads_u]
        if not improved.any():
            return d
        d[heads_u[improved]] = best[improved]
    return None


def solve_with_candidates(
    problem: AssignmentProblem, *, unit: int = 1, pair_cap: int | np.ndarray = 1
) -> tuple[float, np.ndarray] | None:
    """Solve on each item's best candidates, then prove the result optimal for all pairs.

    Dense instances have far more pairs than any optimum uses. The flow is solved on the best few
    candidates per item (and per expert, so minimum loads stay reachable); residual-graph potentials
    then check every left-out pair: if none has negative reduced cost, the flow is optimal for the
    whole instance (LP duality), otherwise the violating pairs are added and the solve repeated.
    Returns None (caller solves directly) when the candidate instance is infeasible or does not settle.
    """
    p = problem
    m = p.n_pairs
    caps = np.broadcast_to(np.asarray(pair_cap, dtype=np.int64), (m,))
    min_cap = max(int(caps.min()), 1) if m else 1
    per_item_keep = 2 * (-(-p.per_item * unit // min_cap)) + 10
    per_expert_keep = 2 * (-(-p.min_load * unit // min_cap)) + 3
    keep = _candidates(p, per_item_keep, per_expert_keep)
    total_flow = int(p.per_item.sum()) * unit
    scale = choose_scale(p.score, 1 + p.n_experts + p.n_items + m, total_flow)
    full_cost = -np.rint(p.score * scale).astype(np.int64)
    tail_all = 1 + p.expert
    item_head = 1 + p.n_experts + p.item
    for _ in range(_MAX_ROUNDS):
        idx = np.flatnonzero(keep)
        sub = dataclasses.replace(p, item=p.item[idx], expert=p.expert[idx], score=p.score[idx])
        net = build_network(sub, unit=unit, pair_cap=caps[idx], scale=scale)
        flows = solve_network(net)
        if flows is None:
            return None
        d = _potentials(net, flows)
        if d is None:
            return None
        # Where a left-out pair would enter: its (item, org) node if the candidate network has one.
        head = item_head
        if len(net.group_keys):
            org = p.expert_org[p.expert]
            key = p.item * net.org_base + org
            pos = np.minimum(np.searchsorted(net.group_keys, key), len(net.group_keys) - 1)
            hit = (org >= 0) & (net.group_keys[pos] == key)
            head = np.where(hit, net.first_group_node + pos, item_head)
        reduced = full_cost + d[tail_all] - d[head]
        bad = np.flatnonzero((reduced < 0) & ~keep & (caps > 0))
        if not len(bad):
            pair_units = np.zeros(m, np.int64)
            pair_units[idx] = flows[: net.n_pairs]
            return scale, pair_units
        keep[bad] = True
    return None


def _full_flows(net: FlowNetwork, pair_units: np.ndarray) -> np.ndarray:
    """Every arc's flow from the pair arcs' (the others follow by conservation)."""
    m = net.n_pairs
    inflow = np.bincount(net.heads[:m], weights=pair_units, minlength=net.n_nodes).astype(np.int64)
    outflow = np.bincount(net.tails[:m], weights=pair_units, minlength=net.n_nodes).astype(np.int64)
    rest_t = net.tails[m:]
    rest_h = net.heads[m:]
    src = rest_t == 0
    rest = np.where(src, outflow[rest_h] - net.supplies[rest_h], inflow[rest_t])
    return np.concatenate([pair_units, rest]).astype(np.int64)
