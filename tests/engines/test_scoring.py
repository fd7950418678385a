"""The scoring engine against pymcdm where pymcdm applies, and against hand-computed cases where it does not
(CRITIC with cost criteria, entropy with zeros, grey relational analysis, missing values, edges)."""

import math

import numpy as np
import pytest
from pymcdm import methods as pm
from pymcdm import normalizations as pn
from pymcdm import weights as pw

from kechuang.engines import scoring

RNG = np.random.default_rng(14)
M = RNG.uniform(1, 100, size=(12, 5))
BENEFIT = np.array([True, True, False, True, False])
TYPES = np.where(BENEFIT, 1, -1)


# --- normalisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "reference"), [("minmax", pn.minmax_normalization), ("vector", pn.vector_normalization)]
)
def test_normalise_matches_pymcdm(method, reference):
    ours = scoring.normalise(M, BENEFIT, method)
    for j in range(M.shape[1]):
        np.testing.assert_allclose(ours[:, j], reference(M[:, j], cost=not BENEFIT[j]))


def test_zscore_reverses_cost_criteria():
    z = scoring.normalise([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], [True, False], "zscore")
    np.testing.assert_allclose(z[:, 0], [-math.sqrt(1.5), 0, math.sqrt(1.5)])
    np.testing.assert_allclose(z[:, 1], -z[:, 0])


def test_constant_and_missing_columns_normalise_explicitly():
    m = np.array([[5.0, 1.0, np.nan], [5.0, np.nan, np.nan], [5.0, 3.0, np.nan]])
    out = scoring.normalise(m, [True, True, True], "minmax")
    assert out[:, 0].tolist() == [1.0, 1.0, 1.0]  # constant: nobody better or worse
    assert out[0, 1] == 0.0 and out[2, 1] == 1.0 and math.isnan(out[1, 1])  # missing stays missing
    assert np.isnan(out[:, 2]).all()


def test_unknown_normalisation_and_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="unknown normalisation"):
        scoring.normalise(M, BENEFIT, "sum")
    with pytest.raises(ValueError, match="one flag per criterion"):
        scoring.normalise(M, [True], "minmax")
    with pytest.raises(ValueError, match="two-dimensional"):
        scoring.normalise([1.0, 2.0], [True], "minmax")


# --- weights -------------------------------------------------------------------------------------


def test_entropy_matches_pymcdm_on_positive_data():
    np.testing.assert_allclose(scoring.entropy_weights(M), pw.entropy_weights(M))


def test_entropy_hand_computed_with_a_constant_column_and_a_zero():
    # column 1 constant: e = 1, no information; column 2 shares (1/4, 3/4)
    np.testing.assert_allclose(scoring.entropy_weights([[1.0, 1.0], [1.0, 3.0]]), [0.0, 1.0])
    # a zero share contributes 0·ln 0 = 0 (pymcdm instead sets the whole column's entropy to 0)
    w = scoring.entropy_weights([[0.0, 1.0], [1.0, 2.0], [1.0, 3.0]])
    e1 = -(2 * 0.5 * math.log(0.5)) / math.log(3)
    shares = np.array([1, 2, 3]) / 6
    e2 = -(shares * np.log(shares)).sum() / math.log(3)
    d = np.array([1 - e1, 1 - e2])
    np.testing.assert_allclose(w, d / d.sum())


def test_entropy_refuses_negative_values_and_gives_equal_weights_when_nothing_varies():
    with pytest.raises(ValueError, match="non-negative"):
        scoring.entropy_weights([[-1.0, 1.0], [1.0, 2.0]])
    np.testing.assert_allclose(scoring.entropy_weights([[2.0, 3.0], [2.0, 3.0]]), [0.5, 0.5])


def test_critic_matches_pymcdm_for_benefit_criteria():
    benefit = np.ones(M.shape[1], dtype=bool)
    np.testing.assert_allclose(scoring.critic_weights(M, benefit), pw.critic_weights(M))


def test_critic_reverses_cost_criteria_before_correlating_hand_computed():
    raw = np.array([[10.0, 5.0, 1.0], [20.0, 1.0, 1.0], [30.0, 3.0, 4.0], [25.0, 2.0, 2.0]])
    benefit = np.array([True, False, True])
    # Diakoulaki: towards each criterion's best value; the cost column's best is its minimum.
    x = np.empty_like(raw)
    for j in range(3):
        col = raw[:, j]
        best, worst = (col.max(), col.min()) if benefit[j] else (col.min(), col.max())
        x[:, j] = [(v - worst) / (best - worst) for v in col]
    sd = [float(np.std(x[:, j], ddof=1)) for j in range(3)]
    r = np.corrcoef(x, rowvar=False)
    c = np.array([sd[j] * sum(1 - r[j, k] for k in range(3)) for j in range(3)])
    np.testing.assert_allclose(scoring.critic_weights(raw, benefit), c / c.sum())
    # pymcdm ignores the direction and so gives other weights: it is a reference for benefit columns only
    assert not np.allclose(scoring.critic_weights(raw, benefit), pw.critic_weights(raw))


def test_critic_opposed_criteria_share_equally_and_constant_gets_zero():
    w = scoring.critic_weights([[1.0, 1.0, 7.0], [2.0, 2.0, 7.0], [3.0, 3.0, 7.0]], [True, False, True])
    np.testing.assert_allclose(w, [0.5, 0.5, 0.0])


def test_ahp_consistent_matrix_recovers_the_priorities():
    result = scoring.ahp_weights([[1, 2, 4], [1 / 2, 1, 2], [1 / 4, 1 / 2, 1]])
    np.testing.assert_allclose(result.weights, [4 / 7, 2 / 7, 1 / 7])
    assert result.cr == pytest.approx(0.0, abs=1e-9)
    assert result.lambda_max == pytest.approx(3.0)


def test_ahp_saaty_example_cr_below_limit():
    a = [[1, 3, 5], [1 / 3, 1, 3], [1 / 5, 1 / 3, 1]]
    r = scoring.ahp_weights(a)
    assert r.weights.sum() == pytest.approx(1.0)
    assert r.cr == pytest.approx(0.0332, abs=5e-4)  # λmax ≈ 3.0385, RI(3) = 0.58


def test_ahp_refuses_inconsistent_judgements_with_the_ratio():
    a = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(scoring.InconsistentJudgements, match="consistency ratio") as exc:
        scoring.ahp_weights(a)
    assert exc.value.cr >= 0.1
    assert scoring.ahp_weights(a, refuse_inconsistent=False).cr >= 0.1


@pytest.mark.parametrize(
    ("matrix", "message"),
    [
        ([[1, 2], [2, 1]], "reciprocal"),
        ([[2, 1], [1, 1]], "itself"),
        ([[1, -1], [-1, 1]], "positive"),
        ([[1, 2, 3]], "square"),
    ],
)
def test_ahp_refuses_malformed_matrices(matrix, message):
    with pytest.raises(ValueError, match=message):
        scoring.ahp_weights(matrix)


def test_expert_and_combined_weights():
    np.testing.assert_allclose(scoring.expert_weights([2, 1, 1]), [0.5, 0.25, 0.25])
    np.testing.assert_allclose(scoring.expert_weights([[1, 1], [3, 1]]), [0.625, 0.375])
    with pytest.raises(ValueError):
        scoring.expert_weights([0, 0])
    with pytest.raises(ValueError):
        scoring.expert_weights([1, -1])
    s, o = np.array([0.5, 0.5, 0.0]), np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(scoring.combine_weights(s, o, alpha=0.6), [0.38, 0.42, 0.2])
    np.testing.assert_allclose(scoring.combine_weights(s, o, method="product"), [0.4, 0.6, 0.0])
    with pytest.raises(ValueError):
        scoring.combine_weights(s, o, alpha=1.5)


# --- composites ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "norm"), [("vector", pn.vector_normalization), ("minmax", pn.minmax_normalization)]
)
def test_topsis_matches_pymcdm(method, norm):
    w = scoring.entropy_weights(M)
    reference = pm.TOPSIS(normalization_function=norm)(M, w, TYPES)
    np.testing.assert_allclose(scoring.topsis(M, w, BENEFIT, method), reference)


def test_weighted_sum_matches_pymcdm_wsm():
    w = np.array([0.3, 0.2, 0.2, 0.2, 0.1])
    reference = pm.WSM(normalization_function=pn.minmax_normalization)(M, w, TYPES)
    np.testing.assert_allclose(scoring.weighted_sum(scoring.normalise(M, BENEFIT, "minmax"), w), reference)


def test_grey_relational_hand_computed():
    # minmax: (0, 1, .5) and (.5, 0, 1); Δ = 1 − x; Δmin 0, Δmax 1; ξ = .5 / (Δ + .5)
    g = scoring.grey_relational([[1.0, 2.0], [3.0, 1.0], [2.0, 3.0]], [1, 1], [True, True])
    np.testing.assert_allclose(g, [5 / 12, 2 / 3, 3 / 4])


def test_grey_relational_with_a_cost_criterion_equals_the_reversed_benefit():
    m = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 3.0]])
    flipped = m.copy()
    flipped[:, 1] = -flipped[:, 1]
    np.testing.assert_allclose(
        scoring.grey_relational(m, [1, 2], [True, False]),
        scoring.grey_relational(flipped, [1, 2], [True, True]),
    )


def test_missing_value_counts_as_the_worst_of_its_column():
    m = np.array([[1.0, 10.0], [np.nan, 20.0], [3.0, 30.0]])
    with_gap = scoring.weighted_sum(scoring.normalise(m, [True, True], "minmax"), [1, 1])
    filled = scoring.weighted_sum(
        scoring.normalise(np.nan_to_num(m, nan=1.0), [True, True], "minmax"), [1, 1]
    )
    np.testing.assert_allclose(with_gap, filled)
    # for a cost criterion the worst is the largest value
    cost = np.array([[1.0], [np.nan], [3.0]])
    assert scoring.topsis(cost, [1], [False]).tolist() == pytest.approx([1.0, 0.0, 0.0])
    np.testing.assert_allclose(scoring.fill_worst(cost, [False])[:, 0], [1.0, 3.0, 3.0])


def test_a_criterion_nobody_reported_carries_no_weight_and_changes_nothing():
    m = np.column_stack([M[:, :2], np.full(12, np.nan)])
    b = [True, True, True]
    assert scoring.entropy_weights(scoring.normalise(m, b, "minmax"))[2] == 0.0
    assert scoring.critic_weights(m, b)[2] == 0.0
    np.testing.assert_array_equal(
        scoring.rank(scoring.topsis(m, [1, 1, 1], b)), scoring.rank(scoring.topsis(M[:, :2], [1, 1], b[:2]))
    )


def test_constant_column_does_not_change_the_ranking():
    with_constant = np.column_stack([M, np.full(12, 7.0)])
    b = np.append(BENEFIT, True)
    w = np.append(np.full(5, 0.2), 0.3)
    for method in (scoring.topsis, scoring.grey_relational):
        np.testing.assert_array_equal(
            scoring.rank(method(with_constant, w, b)), scoring.rank(method(M, np.full(5, 0.2), BENEFIT))
        )


def test_single_alternative_is_best_and_worst_at_once():
    one = [[3.0, 4.0, 5.0]]
    assert scoring.topsis(one, [1, 1, 1], [True, False, True]).tolist() == [1.0]
    assert scoring.grey_relational(one, [1, 1, 1], [True, False, True]).tolist() == [1.0]
    np.testing.assert_allclose(scoring.entropy_weights(one), [1 / 3] * 3)
    np.testing.assert_allclose(scoring.critic_weights(one, [True] * 3), [1 / 3] * 3)
    assert scoring.rank([0.4]).tolist() == [1]


def test_ties_share_the_better_rank():
    assert scoring.rank([3.0, 5.0, 5.0, 1.0]).tolist() == [3, 1, 1, 4]
    assert scoring.rank([0.1 + 0.2, 0.3]).tolist() == [1, 1]  # floating-point noise is not a difference
    assert scoring.rank([np.nan, 1.0]).tolist() == [2, 1]
    identical = np.tile([[1.0, 2.0]], (3, 1))
    assert scoring.rank(scoring.topsis(identical, [1, 1], [True, False])).tolist() == [1, 1, 1]


def test_weights_are_checked():
    with pytest.raises(ValueError, match="one weight per criterion"):
        scoring.topsis(M, [1, 1], BENEFIT)
    with pytest.raises(ValueError, match="non-negative"):
        scoring.topsis(M, [1, 1, 1, 1, -1], BENEFIT)
    with pytest.raises(ValueError, match="rho"):
        scoring.grey_relational(M, np.ones(5), BENEFIT, rho=0)
