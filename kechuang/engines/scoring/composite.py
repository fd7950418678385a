import numpy as np

from .normalise import as_benefit, as_matrix, normalise


def _weights(weights, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"one weight per criterion: {n} expected, {w.size} given")
    if np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    return w / w.sum()


def _worst_filled(normalised: np.ndarray) -> np.ndarray:
    """Normalised (higher is better) values with each missing one set to its column's worst (minimum)."""
    missing = np.isnan(normalised)
    if not missing.any():
        return normalised
    lo = np.min(np.where(missing, np.inf, normalised), axis=0)
    lo = np.where(np.isfinite(lo), lo, 0.0)
    return np.where(missing, lo, normalised)


def weighted_sum(normalised, weights) -> np.ndarray:
    m = as_matrix(normalised)
    w = _weights(weights, m.shape[1])
    return _worst_filled(m) @ w


def topsis(matrix, weights, benefit, normalisation: str = "vector") -> np.ndarray:
    """Relative closeness to the ideal, D− / (D+ + D−), in [0, 1]. The matrix is normalised (oriented
    higher-is-better), weighted, and compared with the best (ideal) and worst (anti-ideal) value of each
    column. An alternative at both (every alternative identical) scores 1.0."""
    m = as_matrix(matrix)
    b = as_benefit(benefit, m.shape[1])
    w = _weights(weights, m.shape[1])
    if m.shape[0] == 0:
        return np.zeros(0)
    v = _worst_filled(normalise(m, b, normalisation)) * w
    ideal, anti = v.max(axis=0), v.min(axis=0)
    d_plus = np.sqrt(((v - ideal) ** 2).sum(axis=1))
    d_minus = np.sqrt(((v - anti) ** 2).sum(axis=1))
    total = d_plus + d_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 1.0)
    return np.clip(score, 0.0, 1.0)


def grey_relational(matrix, weights, benefit, rho: float = 0.5, normalisation: str = "minmax") -> np.ndarray:
    """Weighted grey relational grade to the ideal sequence (each column's best normalised value):
    Δ_ij = |best_j − x_ij|, ξ_ij = (Δmin + ρ Δmax) / (Δ_ij + ρ Δmax) with Δmin, Δmax over the whole matrix,
    grade_i = Σ_j w_j ξ_ij. ρ is the distinguishing coefficient (0 < ρ ≤ 1). When no value differs from
    its column's best (Δmax = 0) every grade is 1.0."""
    if not 0.0 < rho <= 1.0:
        raise ValueError("the distinguishing coefficient rho must lie in (0, 1]")
    m = as_matrix(matrix)
    b = as_benefit(benefit, m.shape[1])
    w = _weights(weights, m.shape[1])
    if m.shape[0] == 0:
        return np.zeros(0)
    x = _worst_filled(normalise(m, b, normalisation))
    delta = np.abs(x.max(axis=0) - x)
    dmin, dmax = delta.min(), delta.max()
    if dmax == 0:
        return np.ones(m.shape[0])
    xi = (dmin + rho * dmax) / (delta + rho * dmax)
    return xi @ w


def rank(scores, *, decimals: int = 12) -> np.ndarray:
    """Competition ranks (1 = highest score; equal scores share the better rank: 1, 2, 2, 4). Scores are
    rounded to ``decimals`` first so that floating-point noise does not break ties. NaN ranks last."""
    s = np.asarray(scores, dtype=float)
    if s.ndim != 1:
        raise ValueError("scores must be one-dimensional")
    key = np.where(np.isnan(s), -np.inf, np.round(s, decimals))
    ordered = np.sort(key)
    # rank = 1 + number of strictly greater scores
    return (s.size - np.searchsorted(ordered, key, side="right") + 1).astype(int)
