"""The review statistics engine: exact weighted totals, outliers, severity correction and ranking."""

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.engines import review_stats as rs

RUBRIC = [
    {"code": "innovation", "name": "技术创新性", "weight": 30, "max": 10},
    {"code": "feasibility", "name": "技术方案可行性", "weight": 25, "max": 10},
    {"code": "team", "name": "团队与基础条件", "weight": 20, "max": 10},
    {"code": "benefit", "name": "经济社会效益", "weight": 25, "max": 10},
]


@st.composite
def rubrics(draw):
    n = draw(st.integers(1, 5))
    cuts = sorted(draw(st.lists(st.integers(1, 99), min_size=n - 1, max_size=n - 1, unique=True)))
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    maxes = draw(st.lists(st.sampled_from([5, 10, 20, "12.5", 100]), min_size=n, max_size=n))
    return [
        {"code": f"c{k}", "name": f"指标{k}", "weight": w, "max": m}
        for k, (w, m) in enumerate(zip(weights, maxes, strict=True))
    ]


@st.composite
def rubric_and_scores(draw):
    rubric = draw(rubrics())
    scores = {}
    for c in rubric:
        top = Fraction(str(c["max"]))
        scores[c["code"]] = draw(st.fractions(min_value=0, max_value=top, max_denominator=4))
    return rubric, scores


def test_total_example_is_exact():
    scores = {"innovation": 8, "feasibility": "7.5", "team": Decimal("9"), "benefit": 6}
    # 30×0.8 + 25×0.75 + 20×0.9 + 25×0.6 = 24 + 18.75 + 18 + 15
    assert rs.review_total(scores, RUBRIC) == Fraction("75.75")
    assert rs.review_total(dict.fromkeys(("innovation", "feasibility", "team", "benefit"), 10), RUBRIC) == 100
    # Thirds stay exact: three criteria of weight 100/3 would be a float trap; here 1/3 of a max.
    third = [{"code": "a", "name": "a", "weight": 100, "max": 3}]
    assert rs.review_total({"a": 1}, third) == Fraction(100, 3)


@pytest.mark.parametrize(
    ("scores", "code", "rule"),
    [
        ({"innovation": 8, "feasibility": 7, "team": 9}, "benefit", "missing"),
        ({"innovation": 11, "feasibility": 7, "team": 9, "benefit": 1}, "innovation", "range"),
        ({"innovation": -1, "feasibility": 7, "team": 9, "benefit": 1}, "innovation", "range"),
        ({"innovation": 8, "feasibility": "x", "team": 9, "benefit": 1}, "feasibility", "number"),
        ({"innovation": 8, "feasibility": True, "team": 9, "benefit": 1}, "feasibility", "number"),
        ({"innovation": 8, "feasibility": "nan", "team": 9, "benefit": 1}, "feasibility", "number"),
    ],
)
def test_bad_scores_name_the_criterion(scores, code, rule):
    with pytest.raises(rs.ScoreError) as err:
        rs.review_total(scores, RUBRIC)
    assert (err.value.code, err.value.rule) == (code, rule)


@given(rubric_and_scores())
def test_totals_lie_in_0_to_100(data):
    rubric, scores = data
    total = rs.review_total(scores, rubric)
    assert 0 <= total <= 100
    assert rs.review_total({c["code"]: c["max"] for c in rubric}, rubric) == 100
    assert rs.review_total({c["code"]: 0 for c in rubric}, rubric) == 0


def test_outlier_rule():
    rows = [("a", Fraction(80)), ("b", Fraction(82)), ("c", Fraction(78)), ("d", Fraction(40))]
    found = rs.outliers(rows)
    assert [o.reviewer for o in found] == ["d"]
    assert found[0].deviation == Fraction(40 - 79) and found[0].threshold == 15
    # 14 points off a tight panel is within the 15-point floor.
    assert rs.outliers([("a", Fraction(80)), ("b", Fraction(80)), ("c", Fraction(66))]) == []
    # Two reviews cannot tell which one is odd.
    assert rs.outliers([("a", Fraction(90)), ("b", Fraction(10))]) == []
    # A widely spread panel raises the threshold to 3 × MAD.
    wide = [("a", Fraction(20)), ("b", Fraction(50)), ("c", Fraction(80)), ("d", Fraction(95))]
    assert rs.outliers(wide) == []


def test_summary_mean_spread_and_unreviewed_last():
    reviews = [("x", "r1", Fraction(70)), ("x", "r2", Fraction(90)), ("y", "r1", Fraction(85))]
    result = rs.summarise(["y", "z", "x"], reviews)
    by = result.by_entry()
    assert by["x"].mean == 80 and by["x"].spread == 20 and by["x"].n == 2
    assert [e.entry for e in result.entries] == ["y", "x", "z"]
    assert [e.rank for e in result.entries] == [1, 2, 3]
    assert by["z"].score is None and by["z"].n == 0


def test_ties_break_by_mean_spread_then_order():
    reviews = [
        ("a", "r1", Fraction(80)), ("a", "r2", Fraction(80)),
        ("b", "r1", Fraction(70)), ("b", "r2", Fraction(90)),
        ("c", "r1", Fraction(75)), ("c", "r2", Fraction(85)),
    ]  # fmt: skip
    # Equal means: the smaller spread (the panel agreed) first.
    assert [e.entry for e in rs.summarise(["b", "c", "a"], reviews).entries] == ["a", "c", "b"]
    same = [("p", "r1", Fraction(80)), ("q", "r1", Fraction(80))]
    assert [e.entry for e in rs.summarise(["p", "q"], same, order={"p": 1, "q": 0}).entries] == ["q", "p"]


def test_normalisation_corrects_a_harsh_reviewer():
    # r1 is harsh (totals 50/60), r2 lenient (80/90): both put "a" first by 10.
    reviews = [
        ("a", "r1", Fraction(60)), ("b", "r1", Fraction(50)),
        ("a", "r2", Fraction(90)), ("b", "r2", Fraction(80)),
        ("c", "r2", Fraction(85)),
    ]  # fmt: skip
    corrected = rs.normalise(reviews)
    # r1's two totals become equal-height with r2's ordering of the same entries.
    assert corrected[0] > corrected[1]
    overall = sum(t for *_x, t in reviews) / 5
    # A reviewer's corrected totals average to the round's mean.
    assert (corrected[0] + corrected[1]) / 2 == overall
    # One review, or zero spread: kept raw.
    assert (
        rs.normalise([("a", "solo", Fraction(77)), ("a", "r", Fraction(50)), ("b", "r", Fraction(60))])[0]
        == 77
    )
    assert rs.normalise([("a", "flat", Fraction(70)), ("b", "flat", Fraction(70))]) == [70, 70]


# ------------------------------------------------------------------------------------ properties

ENTRIES = ["e1", "e2", "e3", "e4", "e5"]
REVIEWERS = ["r1", "r2", "r3", "r4"]
totals = st.fractions(min_value=0, max_value=100, max_denominator=4)


@st.composite
def rounds(draw, *, every_reviewer_varies=False):
    if every_reviewer_varies:
        # Built so that each reviewer scores at least two entries with different totals (filtering
        # random rounds for that discards too many of them).
        reviews = []
        for r in draw(st.lists(st.sampled_from(REVIEWERS), min_size=1, max_size=4, unique=True)):
            entries = draw(st.lists(st.sampled_from(ENTRIES), min_size=2, max_size=5, unique=True))
            scores = draw(st.lists(totals, min_size=len(entries), max_size=len(entries), unique=True))
            reviews += [(e, r, t) for e, t in zip(entries, scores, strict=True)]
        return reviews
    pairs = draw(
        st.lists(
            st.tuples(st.sampled_from(ENTRIES), st.sampled_from(REVIEWERS)),
            min_size=1,
            max_size=16,
            unique=True,
        )
    )
    return [(e, r, draw(totals)) for e, r in pairs]


@given(rounds(), st.booleans(), st.randoms())
def test_ranking_is_a_permutation_consistent_with_scores(reviews, normalised, rnd):
    result = rs.summarise(ENTRIES, reviews, normalised=normalised)
    assert sorted(e.rank for e in result.entries) == list(range(1, len(ENTRIES) + 1))
    scored = [e for e in result.entries if e.score is not None]
    for better, worse in itertools.pairwise(scored):
        assert better.score >= worse.score
    assert all(e.score is None for e in result.entries[len(scored) :])
    # The order of the input does not matter.
    shuffled = list(reviews)
    rnd.shuffle(shuffled)
    again = rs.summarise(ENTRIES, shuffled, normalised=normalised)
    assert [(e.entry, e.rank) for e in again.entries] == [(e.entry, e.rank) for e in result.entries]
    for e in result.entries:
        if e.n:
            values = [t for x, _r, t in reviews if x == e.entry]
            assert min(values) <= e.mean <= max(values)
            assert e.spread == max(values) - min(values)


@given(
    st.lists(st.tuples(st.sampled_from(ENTRIES), totals), min_size=1, max_size=5, unique_by=lambda p: p[0])
)
def test_single_reviewer_round_is_unchanged_by_normalisation(pairs):
    reviews = [(e, "only", t) for e, t in pairs]
    corrected = rs.normalise(reviews)
    # One reviewer: their mean and sd are the round's, so every total maps to itself.
    assert all(abs(c - t) < Fraction(1, 10**30) for c, (_e, _r, t) in zip(corrected, reviews, strict=True))
    plain = rs.summarise(ENTRIES, reviews)
    norm = rs.summarise(ENTRIES, reviews, normalised=True)
    assert [e.entry for e in plain.entries] == [e.entry for e in norm.entries]


@given(
    rounds(every_reviewer_varies=True), st.sampled_from(REVIEWERS), st.fractions(-30, 30, max_denominator=4)
)
def test_a_constant_added_to_one_reviewer_leaves_normalised_ranks(reviews, who, shift):
    shifted = [(e, r, t + shift if r == who else t) for e, r, t in reviews]
    before = rs.summarise(ENTRIES, reviews, normalised=True)
    after = rs.summarise(ENTRIES, shifted, normalised=True)
    assert [e.entry for e in before.entries] == [e.entry for e in after.entries] or _tied(before, after)


def _tied(before, after) -> bool:
    """Ranks may only differ where normalised scores tie and the raw-mean tie-break moved."""
    b = {e.entry: e.score for e in before.entries}
    a = {e.entry: e.score for e in after.entries}
    for x, y in zip(before.entries, after.entries, strict=True):
        if x.entry != y.entry and not (b[x.entry] == b[y.entry] or a[x.entry] == a[y.entry]):
            return False
    return True


@given(rounds())
def test_outliers_lie_beyond_the_threshold(reviews):
    result = rs.summarise(ENTRIES, reviews)
    for e in result.entries:
        for o in e.outliers:
            assert (
                abs(o.deviation) > max(rs.OUTLIER_FLOOR, o.threshold - 0) and o.threshold >= rs.OUTLIER_FLOOR
            )


def test_to_decimal_rounds_half_up():
    assert rs.to_decimal(Fraction(1, 8)) == Decimal("0.13")
    assert rs.to_decimal(Fraction(200, 3)) == Decimal("66.67")
    assert rs.to_decimal(None) is None
