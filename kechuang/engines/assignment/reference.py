"""The assignment LP written out for scipy's HiGHS: an independent reference for tests and benchmarks.

The constraint matrix is a network matrix (totally unimodular), so the LP optimum with x ≤ 1 equals
the integral optimum and, with x ≤ q, it is the fractional optimum the randomised mode starts from.
Not used at run time: the flow solver is far faster at scale.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_matrix, vstack

from .problem import AssignmentProblem


@dataclass(frozen=True)
class LpResult:
    feasible: bool
    objective: float  # maximised total affinity (nan when infeasible)
    x: np.ndarray | None  # (n_pairs,) values


def lp_optimum(problem: AssignmentProblem, max_probability: float = 1.0) -> LpResult:
    p = problem
    m = p.n_pairs
    if m == 0:
        ok = not p.per_item.any() and not p.min_load.any()
        return LpResult(ok, 0.0 if ok else float("nan"), np.zeros(0) if ok else None)
    cols = np.arange(m)
    ones = np.ones(m)
    a_eq = coo_matrix((ones, (p.item, cols)), shape=(p.n_items, m))
    loads = coo_matrix((ones, (p.expert, cols)), shape=(p.n_experts, m))
    blocks = [loads, -loads]
    rhs = [p.max_load, -p.min_load]
    if p.max_per_org is not None and m:
        org = p.expert_org[p.expert]
        known = org >= 0
        key = p.item[known] * (int(p.expert_org.max()) + 1) + org[known]
        _, inv = np.unique(key, return_inverse=True)
        n_groups = int(inv.max()) + 1 if len(inv) else 0
        blocks.append(coo_matrix((np.ones(len(inv)), (inv, cols[known])), shape=(n_groups, m)))
        rhs.append(np.full(n_groups, p.max_per_org))
    res = linprog(
        -p.score,
        A_ub=vstack(blocks).tocsr(),
        b_ub=np.concatenate(rhs).astype(float),
        A_eq=a_eq.tocsr(),
        b_eq=p.per_item.astype(float),
        bounds=(0, float(max_probability)),
        method="highs",
    )
    if res.status == 2:
        return LpResult(False, float("nan"), None)
    if res.status != 0:
        raise RuntimeError(f"HiGHS failed: {res.message}")
    return LpResult(True, float(-res.fun), res.x)
