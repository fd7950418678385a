"""Optimal assignment (最优分配): one min-cost flow solve maximising total affinity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .flow import solve_or_explain
from .problem import AssignmentProblem


@dataclass(frozen=True, eq=False)
class Assignment:
    """An integral assignment.

    Attributes:
        item, expert: int64 ``(p,)`` assigned pairs, sorted by item then expert.
        score: float64 ``(p,)`` their affinities (the caller's original values, not the scaled ones).
        total_affinity: Σ score.
        loads: int64 ``(n_experts,)`` items per expert.
        scale: the integer cost scale used; the result is optimal to within ``p / scale`` in total
            affinity (each pair's cost is rounded by at most 0.5/scale).
    """

    item: np.ndarray
    expert: np.ndarray
    score: np.ndarray
    total_affinity: float
    loads: np.ndarray
    scale: float

    def panels(self) -> dict[int, list[int]]:
        """``{item: [experts…]}`` with experts in decreasing affinity."""
        out: dict[int, list[int]] = {}
        order = np.lexsort((-self.score, self.item))
        for i, j in zip(self.item[order].tolist(), self.expert[order].tolist(), strict=True):
            out.setdefault(i, []).append(j)
        return out


def assignment_from_pairs(problem: AssignmentProblem, chosen: np.ndarray, scale: float = 0.0) -> Assignment:
    """Wrap a boolean ``(n_pairs,)`` selection of the problem's pairs."""
    idx = np.flatnonzero(chosen)
    item, expert, score = problem.item[idx], problem.expert[idx], problem.score[idx]
    return Assignment(
        item=item,
        expert=expert,
        score=score,
        total_affinity=float(score.sum()),
        loads=np.bincount(expert, minlength=problem.n_experts).astype(np.int64),
        scale=scale,
    )


def solve_optimal(problem: AssignmentProblem) -> Assignment:
    """Each item gets exactly K experts, loads within [min_load, max_load], at most T per organisation
    per item, conflicted pairs never (they are not in the problem); total affinity maximised.

    Raises :class:`~kechuang.engines.assignment.messages.AssignmentError` with human reasons when
    no assignment exists.
    """
    scale, units = solve_or_explain(problem)
    return assignment_from_pairs(problem, units > 0, scale)


def violations(problem: AssignmentProblem, item, expert) -> list[str]:
    """Which rules a given assignment breaks (empty = valid); e.g. to check panels edited by hand.

    Codes: ``panel_size`` (an item without exactly K experts), ``load`` (outside [min, max]),
    ``not_eligible`` (a conflicted or unknown pair), ``duplicate`` (a pair twice), ``org_cap``
    (more than T experts of one organisation on an item).
    """
    item = np.asarray(item, np.int64)
    expert = np.asarray(expert, np.int64)
    out: list[str] = []
    if (np.bincount(item, minlength=problem.n_items) != problem.per_item).any():
        out.append("panel_size")
    loads = np.bincount(expert, minlength=problem.n_experts)
    if (loads < problem.min_load).any() or (loads > problem.max_load).any():
        out.append("load")
    if (problem.pair_index(item, expert) < 0).any():
        out.append("not_eligible")
    if len(np.unique(item * problem.n_experts + expert)) != len(item):
        out.append("duplicate")
    if problem.max_per_org is not None and len(item):
        org = problem.expert_org[expert]
        known = org >= 0
        key = item[known] * (int(problem.expert_org.max()) + 1) + org[known]
        if len(key) and np.unique(key, return_counts=True)[1].max() > problem.max_per_org:
            out.append("org_cap")
    return out
