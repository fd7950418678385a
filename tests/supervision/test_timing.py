"""The milestone status as a pure function of dates: the boundaries the issue names, and properties over
any dates."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from kechuang.supervision import timing
from kechuang.supervision.timing import DONE_LATE, DONE_ON_TIME, NOT_DUE, ON_TRACK, OVERDUE, milestone_status

DUE = dt.date(2022, 6, 30)


def test_due_today_is_still_on_track():
    assert milestone_status(DUE, None, DUE) == ON_TRACK


def test_due_yesterday_and_not_done_is_overdue():
    assert milestone_status(DUE, None, DUE + dt.timedelta(days=1)) == OVERDUE


def test_done_on_the_due_day_is_on_time_and_the_day_after_is_late():
    assert milestone_status(DUE, DUE, dt.date(2022, 12, 31)) == DONE_ON_TIME
    assert milestone_status(DUE, DUE + dt.timedelta(days=1), dt.date(2022, 12, 31)) == DONE_LATE


def test_done_late_is_overdue_until_the_report_says_done():
    done = dt.date(2022, 7, 20)
    assert milestone_status(DUE, done, dt.date(2022, 7, 19)) == OVERDUE
    assert milestone_status(DUE, done, done) == DONE_LATE


def test_not_due_before_its_quarter_begins():
    assert milestone_status(DUE, None, dt.date(2022, 3, 31)) == NOT_DUE
    assert milestone_status(DUE, None, dt.date(2022, 4, 1)) == ON_TRACK


def test_report_lateness_at_the_due_day():
    due = dt.date(2022, 5, 27)
    assert not timing.report_late(due, due, dt.date(2022, 6, 30))
    assert timing.report_late(due, due + dt.timedelta(days=1), dt.date(2022, 6, 30))
    assert not timing.report_late(due, None, due)
    assert timing.report_late(due, None, due + dt.timedelta(days=1))


dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2026, 12, 31))


@given(due=dates, done=st.none() | dates, on=dates)
def test_status_follows_the_dates(due, done, on):
    status = milestone_status(due, done, on)
    assert status in timing.STATUSES
    reported_done = done is not None and done <= on
    assert (status in (DONE_ON_TIME, DONE_LATE)) == reported_done
    if reported_done:
        assert (status == DONE_ON_TIME) == (done <= due)
    else:
        assert (status == OVERDUE) == (on > due)
        if on <= due:
            assert status == (NOT_DUE if on < timing.quarter_start(due) else ON_TRACK)


@given(due=dates, done=st.none() | dates, on=dates, later=st.integers(min_value=0, max_value=800))
def test_a_milestone_never_goes_back_to_not_done(due, done, on, later):
    """Time only moves a milestone forward: once done or overdue it never becomes not due or on track."""
    then = on + dt.timedelta(days=later)
    first, second = milestone_status(due, done, on), milestone_status(due, done, then)
    order = {NOT_DUE: 0, ON_TRACK: 1, OVERDUE: 2, DONE_LATE: 3, DONE_ON_TIME: 3}
    assert order[second] >= order[first]


@given(day=dates)
def test_quarter_start_is_the_first_day_of_its_quarter(day):
    start = timing.quarter_start(day)
    assert start <= day and start.day == 1 and start.month in (1, 4, 7, 10)
    assert timing.quarter_of(start) == timing.quarter_of(day)
