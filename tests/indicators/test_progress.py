"""Progress, 序时进度, lights and the split arithmetic (pure functions, with property tests)."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kechuang.indicators import progress

D = Decimal


def test_year_elapsed():
    assert progress.year_elapsed(2026, dt.date(2025, 12, 31)) == 0
    assert progress.year_elapsed(2026, dt.date(2027, 1, 1)) == 1
    assert progress.year_elapsed(2026, dt.date(2026, 12, 31)) == 1
    assert progress.year_elapsed(2026, dt.date(2026, 7, 2)) == D("0.5014")  # day 183 of 365


@pytest.mark.parametrize(
    ("actual", "target", "stretch", "cumulative", "today", "light"),
    [
        (100, 100, None, False, dt.date(2027, 3, 1), "met"),
        (110, 100, None, False, dt.date(2027, 3, 1), "ahead"),
        (105, 100, 105, False, dt.date(2027, 3, 1), "ahead"),
        (104, 100, 105, False, dt.date(2027, 3, 1), "met"),
        (99, 100, None, False, dt.date(2027, 3, 1), "behind"),
        # a cumulative indicator half-way through the year: 60 % done is ahead of the pace, 40 % behind it
        (60, 100, None, True, dt.date(2026, 7, 2), "on_track"),
        (40, 100, None, True, dt.date(2026, 7, 2), "behind"),
        # a stock indicator in the running year is judged against the target itself
        (60, 100, None, False, dt.date(2026, 7, 2), "behind"),
        (None, 100, None, False, dt.date(2027, 3, 1), "none"),
        (100, None, None, False, dt.date(2027, 3, 1), "none"),
        (100, 0, None, False, dt.date(2027, 3, 1), "none"),  # a zero target cannot be divided by
    ],
)
def test_lights(actual, target, stretch, cumulative, today, light):
    a = progress.assess(actual, target, stretch=stretch, cumulative=cumulative, year=2026, today=today)
    assert a.light == light


def test_lower_is_better():
    a = progress.assess(D("0.8"), D("1"), lower_is_better=True, year=2026, today=dt.date(2027, 1, 5))
    assert a.progress == D("1.25") and a.light == "ahead"
    assert progress.assess(0, 1, lower_is_better=True, year=2026, today=dt.date(2027, 1, 5)).light == "none"


def test_change_on_last_year():
    assert progress.change(110, 100) == D("0.1")
    assert progress.change(90, 100) == D("-0.1")
    assert progress.change(5, 0) is None and progress.change(None, 3) is None


def test_split_examples():
    assert progress.split(D(10), [D(1), D(1), D(1)]) == [D(4), D(3), D(3)]
    assert progress.split(D(1260), [D(0), D(0)]) == [D(630), D(630)]
    assert progress.split(D("100.01"), [D(1), D(2)], places=2) == [D("33.34"), D("66.67")]
    assert progress.split(D(5), []) == []
    with pytest.raises(ValueError):
        progress.split(D(5), [D(-1), D(2)])


@given(
    total=st.integers(min_value=0, max_value=10**9),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=15),
    places=st.sampled_from([0, 2]),
)
def test_split_parts_always_add_up_and_follow_the_weights(total, weights, places):
    parts = progress.split(D(total), [D(w) for w in weights], places=places)
    assert sum(parts) == D(total)
    assert all(p >= 0 for p in parts)
    unit = D(1).scaleb(-places)
    effective = weights if sum(weights) else [1] * len(weights)
    for part, w in zip(parts, effective, strict=True):
        exact = D(total) * D(w) / D(sum(effective))
        assert abs(part - exact) < unit  # never more than one unit from the exact share


@given(
    actual=st.decimals(min_value=0, max_value=10**6, places=2),
    target=st.decimals(min_value=D("0.01"), max_value=10**6, places=2),
    day=st.integers(min_value=0, max_value=800),
)
def test_met_exactly_when_actual_reaches_target(actual, target, day):
    today = dt.date(2026, 1, 1) + dt.timedelta(days=day)
    a = progress.assess(actual, target, year=2026, today=today)
    assert (a.light in ("met", "ahead")) == (actual / target >= 1 or a.progress >= 1)


def test_split_money_in_whole_wan():
    parts = progress.split(D("1091753333.33"), [D(3), D(1), D(2)], places=-4)
    assert sum(parts) == D("1091753333.33")
    assert all(p % 10000 == 0 for p in parts[1:])
