from dataclasses import dataclass

import numpy as np

from .normalise import as_benefit, as_matrix, fill_worst, normalise

# Saaty's random consistency index for n = 1..15.
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)
CR_LIMIT = 0.1


class InconsistentJudgements(ValueError):
    """The pairwise comparisons contradict each other too much (consistency ratio ≥ 0.1)."""

    def __init__(self, cr: float):
        self.cr = cr
        super().__init__(
            f"consistency ratio {cr:.3f} is not below {CR_LIMIT}: revise the pairwise comparisons"
        )


@dataclass(frozen=True)
class AhpResult:
    weights: np.ndarray
    lambda_max: float
    ci: float
    cr: float


def _unit(w: np.ndarray) -> np.ndarray:
    total = w.sum()
    if not np.isfinite(total) or total <= 0:
        return equal_weights(w.size)
    return w / total


def equal_weights(n: int) -> np.ndarray:
    if n < 1:
        raise ValueError("at least one criterion is needed")
    return np.full(n, 1.0 / n)


def expert_weights(values) -> np.ndarray:
    """Weights given by experts: a vector (one expert) or a matrix with one row per expert. Each row must
    be finite, non-negative and not all zero; rows are rescaled to sum 1 and averaged."""
    v = np.atleast_2d(np.asarray(values, dtype=float))
    if v.ndim != 2 or v.shape[1] < 1:
        raise ValueError("expert weights: one row per expert, one column per criterion")
    if not np.isfinite(v).all() or (v < 0).any():
        raise ValueError("expert weights must be finite and non-negative")
    sums = v.sum(axis=1)
    if (sums <= 0).any():
        raise ValueError("every expert must give some criterion a positive weight")
    return (v / sums[:, None]).mean(axis=0)


def ahp_weights(pairwise, *, refuse_inconsistent: bool = True) -> AhpResult:
    """Weights from a reciprocal pairwise-comparison matrix ``a`` (a[i, j] = how much more important
    criterion i is than j; a[j, i] = 1 / a[i, j]; a[i, i] = 1) by the principal eigenvector. CR = CI / RI
    with CI = (λmax − n) / (n − 1); matrices of 1 or 2 criteria are always consistent."""
    a = np.asarray(pairwise, dtype=float)
    if a.ndim != 2 or a.shape[0] != a.shape[1] or a.shape[0] < 1:
        raise ValueError("the pairwise comparison matrix must be square")
    n = a.shape[0]
    if n > len(RANDOM_INDEX):
        raise ValueError(f"AHP takes at most {len(RANDOM_INDEX)} criteria")
    if not np.isfinite(a).all() or (a <= 0).any():
        raise ValueError("pairwise comparisons must be positive numbers")
    if not np.allclose(np.diag(a), 1.0):
        raise ValueError("a criterion compared with itself must be 1")
    if not np.allclose(a * a.T, 1.0, rtol=1e-6):
        raise ValueError("the matrix must be reciprocal: a[j, i] = 1 / a[i, j]")
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lambda_max = float(values[k].real)
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    ci = (lambda_max - n) / (n - 1) if n > 2 else 0.0
    ci = max(ci, 0.0)
    cr = ci / RANDOM_INDEX[n - 1] if n > 2 else 0.0
    if refuse_inconsistent and cr >= CR_LIMIT:
        raise InconsistentJudgements(cr)
    return AhpResult(weights=w, lambda_max=lambda_max, ci=ci, cr=cr)


def entropy_weights(matrix, benefit=None) -> np.ndarray:
    """Shannon entropy weights on the column shares p_ij = x_ij / Σ_i x_ij of a non-negative matrix (pass
    a min–max normalised matrix to respect cost criteria). e_j = −Σ p ln p / ln m (0 ln 0 = 0), d_j = 1 − e_j,
    w_j = d_j / Σ d. Missing values count as the column's worst (see the package docstring). A constant or
    all-zero column has d = 0; if every column has d = 0 the weights are equal."""
    m = fill_worst(matrix, benefit)
    if (m < 0).any():
        raise ValueError("entropy weights need non-negative values; normalise with minmax first")
    rows, cols = m.shape
    if rows < 2:
        return equal_weights(cols)
    sums = m.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.where(sums > 0, m / np.where(sums > 0, sums, 1.0), 1.0 / rows)
        plogp = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0)
    e = -plogp.sum(axis=0) / np.log(rows)
    d = np.clip(1.0 - e, 0.0, None)
    d[np.isnan(as_matrix(matrix)).all(axis=0)] = 0.0
    return _unit(d)


def critic_weights(matrix, benefit) -> np.ndarray:
    """CRITIC (Diakoulaki et al., 1995): x_ij → (x_ij − worst_j) / (best_j − worst_j), so that a cost
    criterion is reversed; σ_j the population standard deviation of the normalised column, r_jk Pearson's
    correlation between columns; C_j = σ_j Σ_k (1 − r_jk); w_j = C_j / Σ C. A constant column has σ = 0
    and weight 0 (its correlations, undefined, are taken as 0)."""
    raw = as_matrix(matrix)
    b = as_benefit(benefit, raw.shape[1])
    rows, cols = raw.shape
    if rows < 2:
        return equal_weights(cols)
    z = normalise(fill_worst(raw, b), b, "minmax")
    sigma = z.std(axis=0)
    varying = sigma > 0
    centred = z - z.mean(axis=0)
    unit = np.where(varying, centred / np.where(varying, sigma, 1.0), 0.0)
    r = (unit.T @ unit) / rows
    np.fill_diagonal(r, 1.0)
    r = np.clip(r, -1.0, 1.0)
    c = sigma * (1.0 - r).sum(axis=1)
    c[~varying] = 0.0
    c[np.isnan(raw).all(axis=0)] = 0.0
    return _unit(c)


def combine_weights(subjective, objective, alpha: float = 0.5, method: str = "linear") -> np.ndarray:
    """Subjective (expert, AHP) and objective (entropy, CRITIC) weights together. ``linear``:
    α·s + (1 − α)·o; ``product``: s·o rescaled (the multiplicative synthesis; falls back to linear when the
    product is all zero)."""
    s, o = np.asarray(subjective, dtype=float), np.asarray(objective, dtype=float)
    if s.shape != o.shape or s.ndim != 1:
        raise ValueError("both weight vectors need one weight per criterion")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError("alpha must lie between 0 and 1")
    s, o = expert_weights(s), expert_weights(o)
    if method == "linear":
        return _unit(alpha * s + (1.0 - alpha) * o)
    if method == "product":
        p = s * o
        return _unit(p) if p.sum() > 0 else _unit(alpha * s + (1.0 - alpha) * o)
    raise ValueError(f"unknown combination {method!r}; choose linear or product")
