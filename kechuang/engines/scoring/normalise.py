import numpy as np

METHODS = ("minmax", "vector", "zscore")


def as_matrix(matrix) -> np.ndarray:
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError("matrix must be two-dimensional (alternatives × criteria)")
    if np.isinf(m).any():
        raise ValueError("matrix values must be finite numbers or NaN (missing)")
    return m


def as_benefit(benefit, n: int) -> np.ndarray:
    b = np.asarray(benefit, dtype=bool)
    if b.shape != (n,):
        raise ValueError(f"benefit needs one flag per criterion: {n} expected, {b.size} given")
    return b


def fill_worst(matrix, benefit=None) -> np.ndarray:
    """``matrix`` with each missing value replaced by the worst known value of its column (the minimum of a
    benefit column, the maximum of a cost column; ``benefit=None`` means all benefit). A column with no
    known value becomes 0."""
    m = as_matrix(matrix)
    b = np.ones(m.shape[1], dtype=bool) if benefit is None else as_benefit(benefit, m.shape[1])
    missing = np.isnan(m)
    if not missing.any():
        return m
    known_any = ~missing.all(axis=0)
    lo = np.min(np.where(missing, np.inf, m), axis=0)
    hi = np.max(np.where(missing, -np.inf, m), axis=0)
    worst = np.where(known_any, np.where(b, lo, hi), 0.0)
    return np.where(missing, worst, m)


def normalise(matrix, benefit, method: str = "minmax") -> np.ndarray:
    m = as_matrix(matrix)
    b = as_benefit(benefit, m.shape[1])
    if method not in METHODS:
        raise ValueError(f"unknown normalisation {method!r}; choose one of {', '.join(METHODS)}")
    missing = np.isnan(m)
    known = (~missing).sum(axis=0)
    safe = np.where(missing, 0.0, m)
    lo = np.min(np.where(missing, np.inf, m), axis=0)
    hi = np.max(np.where(missing, -np.inf, m), axis=0)
    constant = (known == 0) | (hi == lo)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "minmax":
            span = np.where(constant, 1.0, hi - lo)
            out = np.where(b, (m - lo) / span, (hi - m) / span)
        elif method == "vector":
            norm = np.sqrt(np.sum(safe * safe, axis=0))
            norm = np.where(norm == 0, 1.0, norm)
            out = np.where(b, m / norm, 1.0 - m / norm)
        else:
            mean = np.sum(safe, axis=0) / np.maximum(known, 1)
            std = np.sqrt(np.sum(np.where(missing, 0.0, (m - mean) ** 2), axis=0) / np.maximum(known, 1))
            std = np.where(std == 0, 1.0, std)
            z = (m - mean) / std
            out = np.where(b, z, -z)
    out = np.where(constant, 1.0, out)
    return np.where(missing, np.nan, out)
