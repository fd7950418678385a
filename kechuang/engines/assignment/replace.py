"""Replacement (递补) of an expert who declines, leaving the rest of the panel as it is."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .messages import AssignmentError, Issue
from .problem import AssignmentProblem


@dataclass(frozen=True)
class Replacement:
    """The expert who takes the declined seat.

    ``source`` is ``"reserve"`` (taken from the item's reserve list, rank ``reserve_rank``) or
    ``"best_available"`` (the eligible expert with the highest affinity who fits).
    ``skipped`` lists ``(expert, reason_code)`` of reserves passed over, for the audit trail
    (``at_max_load``, ``org_full``, ``on_panel``, ``excluded``, ``not_eligible``).
    """

    item: int
    declined: int
    expert: int
    score: float
    source: str
    reserve_rank: int | None
    skipped: tuple[tuple[int, str], ...] = ()


def replace_expert(
    problem: AssignmentProblem,
    panel_item: np.ndarray,
    panel_expert: np.ndarray,
    item: int,
    declined: int,
    *,
    reserves: list[int] | None = None,
    exclude=(),
    reserves_only: bool = False,
) -> Replacement:
    """Pick a replacement for ``declined`` on ``item``; no other seat changes.

    Args:
        problem: the instance the panel was made from (its pairs are the eligible, conflict-free ones).
        panel_item, panel_expert: ``(p,)`` the current assignment of the whole round (for loads).
        item, declined: the seat to fill.
        reserves: the item's reserve experts in call order (from :meth:`Draw.reserves`); tried first.
        exclude: experts not to use (e.g. others who already declined this item).
        reserves_only: in a randomised round, set True so the probability cap q still holds (only
            reserves are used); otherwise the best available expert is taken when no reserve fits.

    The candidate must be eligible for the item, not on its panel, below ``max_load``, and keep the item
    within ``max_per_org``. The declined expert's load drops by one; a min_load is not enforced here
    (the decline is the expert's own choice).
    """
    panel_item = np.asarray(panel_item, np.int64)
    panel_expert = np.asarray(panel_expert, np.int64)
    seat = (panel_item == item) & (panel_expert == declined)
    if not seat.any():
        raise AssignmentError(
            [
                Issue(
                    "invalid_input", {"field": "declined", "rule": f"expert {declined} is not on item {item}"}
                )
            ]
        )
    keep = ~seat
    loads = np.bincount(panel_expert[keep], minlength=problem.n_experts)
    on_panel = set(panel_expert[keep & (panel_item == item)].tolist())
    excluded = set(int(x) for x in exclude) | {int(declined)}
    org_count: dict[int, int] = {}
    if problem.max_per_org is not None:
        for j in on_panel:
            o = int(problem.expert_org[j])
            if o >= 0:
                org_count[o] = org_count.get(o, 0) + 1
    rows = np.flatnonzero(problem.item == item)
    score_of = dict(zip(problem.expert[rows].tolist(), problem.score[rows].tolist(), strict=True))

    def why_not(j: int) -> str | None:
        if j in excluded:
            return "excluded"
        if j not in score_of:
            return "not_eligible"
        if j in on_panel:
            return "on_panel"
        if loads[j] >= problem.max_load[j]:
            return "at_max_load"
        if problem.max_per_org is not None:
            o = int(problem.expert_org[j])
            if o >= 0 and org_count.get(o, 0) >= problem.max_per_org:
                return "org_full"
        return None

    skipped: list[tuple[int, str]] = []
    for rank, j in enumerate(reserves or [], start=1):
        reason = why_not(int(j))
        if reason is None:
            return Replacement(item, declined, int(j), score_of[int(j)], "reserve", rank, tuple(skipped))
        skipped.append((int(j), reason))
    if not reserves_only:
        order = np.lexsort((problem.expert[rows], -problem.score[rows]))
        for j in problem.expert[rows][order].tolist():
            if why_not(j) is None:
                return Replacement(item, declined, j, score_of[j], "best_available", None, tuple(skipped))
    raise AssignmentError(
        [
            Issue(
                "no_replacement", {"item": problem.item_label(item), "expert": problem.expert_label(declined)}
            )
        ]
    )
