import numpy as np

METHODS = ("minmax", "vector", "zscore")


def _as_matrix(matrix) -> np.ndarray:
    m = np.asarray(matrix, dtype=float)
    if m.ndim != 2:
        raise ValueError("matrix must be two-dimensional (alternatives × criteria)")
    return m


def normalise(matrix, benefit, method: str = "minmax") -> np.ndarray:
    m = _as_matrix(matrix)
    benefit = np.asarray(benefit, dtype=bool)
    if benefit.shape != (m.shape[1],):
        raise ValueError(f"benefit needs one flag per criterion: {m.shape[1]} expected, {benefit.size} given")
    if method not in METHODS:
        raise ValueError(f"unknown normalisation {method!r}; choose one of {', '.join(METHODS)}")
    out = np.full_like(m, np.nan)
    for j in range(m.shape[1]):
        col = m[:, j]
        known = ~np.isnan(col)
        if not known.any():
            continue
        x = col[known]
        lo, hi = x.min(), x.max()
        if hi == lo:
            out[known, j] = 1.0
            continue
        if method == "minmax":
            y = (x - lo) / (hi - lo) if benefit[j] else (hi - x) / (hi - lo)
        elif method == "vector":
            norm = np.sqrt(np.sum(x * x))
            y = x / norm if benefit[j] else 1.0 - x / norm
        else:
            z = (x - x.mean()) / x.std()
            y = z if benefit[j] else -z
        out[known, j] = y
    return out
