"""Properties of the scoring engine over generated matrices (with missing values, ties and constants)."""

import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kechuang.engines import scoring

values = st.one_of(
    st.floats(0, 1e6, allow_nan=False, allow_infinity=False), st.just(np.nan), st.sampled_from([0.0, 1.0])
)


@st.composite
def problems(draw, nan=True):
    rows = draw(st.integers(1, 12))
    cols = draw(st.integers(1, 6))
    elements = values if nan else st.floats(0, 1e6, allow_nan=False, allow_infinity=False)
    m = draw(arrays(float, (rows, cols), elements=elements))
    benefit = np.array(draw(st.lists(st.booleans(), min_size=cols, max_size=cols)))
    w = np.array(draw(st.lists(st.floats(0.01, 10), min_size=cols, max_size=cols)))
    return m, benefit, w


@given(problems(), st.sampled_from(["vector", "minmax"]))
def test_topsis_scores_lie_in_unit_interval(p, norm):
    m, b, w = p
    s = scoring.topsis(m, w, b, norm)
    assert s.shape == (m.shape[0],)
    assert np.all((s >= 0) & (s <= 1))


@given(problems())
def test_grey_grades_lie_in_unit_interval(p):
    m, b, w = p
    g = scoring.grey_relational(m, w, b)
    assert np.all((g > 0) & (g <= 1 + 1e-12))


@given(problems())
def test_objective_weights_sum_to_one_and_are_non_negative(p):
    m, b, _w = p
    for w in (scoring.entropy_weights(scoring.normalise(m, b, "minmax")), scoring.critic_weights(m, b)):
        assert np.all(w >= 0)
        assert abs(w.sum() - 1) < 1e-9


@given(problems(), st.floats(0, 1))
def test_combined_weights_sum_to_one(p, alpha):
    m, b, w = p
    combined = scoring.combine_weights(w / w.sum(), scoring.critic_weights(m, b), alpha=alpha)
    assert abs(combined.sum() - 1) < 1e-9


@given(problems(nan=False), st.floats(0.01, 1000), st.sampled_from(["vector", "minmax"]))
def test_topsis_ranking_invariant_under_positive_scaling_of_a_criterion(p, factor, norm):
    m, b, w = p
    assume(np.all(np.abs(m) < 1e5))
    scaled = m.copy()
    scaled[:, 0] *= factor
    np.testing.assert_allclose(scoring.topsis(scaled, w, b, norm), scoring.topsis(m, w, b, norm), atol=1e-9)


@given(problems(), st.floats(0.01, 1000))
def test_weighted_sum_minmax_invariant_under_positive_scaling(p, factor):
    m, b, w = p
    before = scoring.weighted_sum(scoring.normalise(m, b, "minmax"), w)
    after = scoring.weighted_sum(scoring.normalise(m * factor, b, "minmax"), w)
    np.testing.assert_allclose(after, before, atol=1e-9)


@given(problems())
def test_better_on_every_criterion_never_ranks_lower(p):
    m, b, w = p
    m = np.nan_to_num(m, nan=0.0)
    best = np.where(b, m.max(axis=0) + 1, m.min(axis=0) - 1)
    stacked = np.vstack([m, best])
    for method in (scoring.topsis, scoring.grey_relational):
        assert scoring.rank(method(stacked, w, b))[-1] == 1


@given(st.lists(st.floats(0.1, 10), min_size=1, max_size=9))
def test_ahp_recovers_priorities_of_a_consistent_matrix(priorities):
    v = np.array(priorities)
    r = scoring.ahp_weights(v[:, None] / v[None, :])
    np.testing.assert_allclose(r.weights, v / v.sum(), rtol=1e-6)
    assert r.cr < 1e-6


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30))
def test_rank_is_a_competition_ranking(scores):
    s = np.array(scores)
    r = scoring.rank(s)
    assert r.min() == 1
    for i in range(len(s)):
        assert r[i] == 1 + int(np.sum(np.round(s, 12) > np.round(s[i], 12)))
