"""Multi-criteria scoring: normalisation, weights and composite scores over plain numpy arrays.

Shapes: ``matrix`` is (alternatives × criteria) float, NaN where a value is missing; ``benefit`` is a bool
sequence, one per criterion (True: higher is better; False: a cost criterion, lower is better).

Public API (import only from this package):

- ``normalise(matrix, benefit, method="minmax") -> ndarray``: methods ``"minmax"``, ``"vector"``,
  ``"zscore"``. Every result is oriented so that higher is better (a cost criterion is reversed). A constant
  column normalises to 1.0 for every alternative with a value (nobody is better or worse on it). Missing
  values stay NaN.
- Weights (each returns a float vector that sums to 1):
  ``expert_weights(values)`` — one row of weights per expert (or a single row), each rescaled to sum 1, then
  averaged; ``ahp_weights(pairwise) -> AhpResult(weights, lambda_max, ci, cr)`` — principal eigenvector of a
  reciprocal pairwise-comparison matrix (Saaty 1–9 scale); raises ``InconsistentJudgements`` when the
  consistency ratio is 0.1 or more; ``entropy_weights(matrix, benefit=None)`` — Shannon entropy of the
  column shares ``x_ij / Σ_i x_ij`` (values must be non-negative; 0·ln 0 = 0); ``critic_weights(matrix,
  benefit)`` — CRITIC as Diakoulaki, Mavrotas & Papayannakis (1995) define it: each criterion min–max
  normalised towards its own best value (a cost criterion reversed), then C_j = σ_j · Σ_k (1 − r_jk) with
  σ the population standard deviation and r Pearson's correlation; ``combine_weights(subjective,
  objective, alpha=0.5, method="linear"|"product")``; ``equal_weights(n)``.
- Composites (one score per alternative, higher is better):
  ``weighted_sum(normalised, weights)``; ``topsis(matrix, weights, benefit, normalisation="vector")`` —
  relative closeness in [0, 1]; ``grey_relational(matrix, weights, benefit, rho=0.5,
  normalisation="minmax")`` — weighted grey relational grade to the ideal sequence, in (0, 1];
  ``rank(scores)`` — competition ranking (1 = best; ties share the better rank: 1, 2, 2, 4).

Missing values (the stated rule, never a silent zero on a scale where zero may be good): a missing value
counts as the *worst* known value of its criterion — after normalisation in the composites, in the raw
orientation (the minimum of a benefit column, the maximum of a cost column) in the objective weights. A
criterion nobody has a value for has no information: it gets weight 0 from entropy and CRITIC and
contributes its worst value (0) to every composite.

Constant criteria: they normalise to 1.0, carry no information (entropy and CRITIC give them weight 0) and
so do not change any ranking. When every criterion is constant the objective methods fall back to equal
weights. A single alternative is the best and the worst at once: TOPSIS and grey relational give it 1.0.

No Django here: the apps pass arrays in and store what comes back.
"""

from .composite import grey_relational, rank, topsis, weighted_sum
from .normalise import METHODS, fill_worst, normalise
from .weights import (
    AhpResult,
    InconsistentJudgements,
    ahp_weights,
    combine_weights,
    critic_weights,
    entropy_weights,
    equal_weights,
    expert_weights,
)

__all__ = [
    "METHODS",
    "AhpResult",
    "InconsistentJudgements",
    "ahp_weights",
    "combine_weights",
    "critic_weights",
    "entropy_weights",
    "equal_weights",
    "expert_weights",
    "fill_worst",
    "grey_relational",
    "normalise",
    "rank",
    "topsis",
    "weighted_sum",
]
