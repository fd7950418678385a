"""Multi-criteria scoring: normalisation, weights and composite scores over plain numpy arrays.

Public API (import only from this package):

- ``normalise(matrix, benefit, method="minmax") -> ndarray``: ``matrix`` is (alternatives × criteria) float,
  NaN where a value is missing; ``benefit`` is a bool sequence, one per criterion (True: higher is better,
  False: a cost criterion, lower is better). Methods: ``"minmax"``, ``"vector"``, ``"zscore"``. Every
  result is oriented so that higher is better. A constant column normalises to 1.0 for every alternative
  with a value (nobody is better or worse on it). Missing values stay NaN.
- ``weighted_sum(normalised, weights) -> ndarray``: one score per alternative; ``weights`` are non-negative
  and are rescaled to sum to 1. A missing value counts as the worst value of its column (a stated rule,
  never a silent zero on a scale where zero may be good).

No Django here: the apps pass arrays in and store what comes back.
"""

from .composite import weighted_sum
from .normalise import normalise

__all__ = ["normalise", "weighted_sum"]
