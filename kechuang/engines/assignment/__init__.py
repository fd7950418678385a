"""Reviewer assignment (专家遴选): conflicts of interest, optimal and randomised assignment, reserves,
replacement. Pure Python (numpy, OR-Tools); no Django.

Public API:
    conflicts:  ConflictInputs, compute_conflicts, explain_conflict, ConflictSet, Reason, reason_codes
    instance:   make_problem, from_dense, AssignmentProblem
    solve:      solve_optimal -> Assignment, violations (check a hand-edited assignment)
    draw:       fractional_assignment -> Marginals, draw -> Draw (Draw.record is the audit record), replay
    replace:    replace_expert -> Replacement
    affinity:   affinity_matrix
    errors:     AssignmentError (.issues: [Issue(code, params)]), Issue
"""

from .affinity import affinity_matrix
from .conflicts import ConflictInputs, ConflictSet, Reason, compute_conflicts, explain_conflict, reason_codes
from .messages import AssignmentError, Issue
from .optimal import Assignment, solve_optimal, violations
from .problem import AssignmentProblem, from_dense, make_problem
from .randomised import RECORD_FORMAT, Draw, Marginals, draw, fractional_assignment, probability_cap, replay
from .replace import Replacement, replace_expert

__all__ = [
    "RECORD_FORMAT",
    "Assignment",
    "AssignmentError",
    "AssignmentProblem",
    "ConflictInputs",
    "ConflictSet",
    "Draw",
    "Issue",
    "Marginals",
    "Reason",
    "Replacement",
    "affinity_matrix",
    "compute_conflicts",
    "draw",
    "explain_conflict",
    "fractional_assignment",
    "from_dense",
    "make_problem",
    "probability_cap",
    "reason_codes",
    "replace_expert",
    "replay",
    "solve_optimal",
    "violations",
]
