import numpy as np


def _weights(weights, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"one weight per criterion: {n} expected, {w.size} given")
    if np.any(w < 0) or not np.isfinite(w).all() or w.sum() <= 0:
        raise ValueError("weights must be finite, non-negative and not all zero")
    return w / w.sum()


def weighted_sum(normalised, weights) -> np.ndarray:
    m = np.asarray(normalised, dtype=float)
    w = _weights(weights, m.shape[1])
    worst = np.where(np.isnan(m).all(axis=0), 0.0, np.nanmin(np.where(np.isnan(m), np.inf, m), axis=0))
    filled = np.where(np.isnan(m), worst, m)
    return filled @ w
