"""The working-day calendar and the deadlines of a case."""

from __future__ import annotations

from datetime import date

import pytest

from models import reference
from workflow.deadlines import Limits, deadline_status, initial_due_dates
from workflow.workdays import add_working_days, is_estimated, is_working_day, working_days_between


def test_holidays_and_adjusted_working_days_2026():
    assert not is_working_day(date(2026, 10, 1)) and not is_working_day(date(2026, 10, 7))
    assert is_working_day(date(2026, 10, 10))  # a Saturday worked in exchange (调休)
    assert not is_working_day(date(2026, 9, 25))  # 中秋节, a Friday
    assert is_working_day(date(2026, 10, 8))
    # 2026-09-30 + 1 working day skips the whole 国庆 week
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert working_days_between(date(2026, 9, 28), date(2026, 10, 12)) == 6  # 9-28,29,30, 10-8,9,10
    assert working_days_between(date(2026, 10, 12), date(2026, 9, 28)) == -6
    assert add_working_days(date(2026, 9, 30), 0) == date(2026, 9, 30)


def test_initial_due_dates():
    due, statutory = initial_due_dates(Limits(60, 20), date(2026, 9, 21))
    assert (due, statutory) == (date(2026, 10, 26), date(2026, 11, 20))


def test_days_left_and_overdue():
    due, statutory = date(2026, 10, 12), date(2026, 11, 20)
    assert deadline_status(due, statutory, None, date(2026, 9, 30)).working_days_left == 4  # 10-8, 9, 10, 12
    on_due = deadline_status(due, statutory, None, date(2026, 10, 12))
    assert (on_due.working_days_left, on_due.overdue) == (0, False)
    late = deadline_status(due, statutory, None, date(2026, 10, 14))
    assert (late.working_days_left, late.overdue) == (-2, True)
    frozen = deadline_status(due, statutory, date(2026, 9, 30), date(2026, 12, 1))
    assert (frozen.working_days_left, frozen.overdue, frozen.stopped) == (4, False, True)


def test_override_file_for_a_year_the_library_does_not_know():
    year = 2040
    assert is_estimated(date(year, 1, 1))
    assert is_working_day(date(year, 1, 2))  # a Monday, counted by weekdays only
    override = {"years": {str(year): {"holidays": ["2040-01-02"], "workdays": ["2040-01-07"]}}}
    assert reference.use_central({"holidays_override.json": override}) == {}
    try:
        assert not is_estimated(date(year, 1, 1))
        assert not is_working_day(date(year, 1, 2))
        assert is_working_day(date(year, 1, 7))  # a Sunday made a working day
        assert add_working_days(date(year, 1, 1), 2) == date(year, 1, 4)
    finally:
        reference.use_central({})
    assert is_working_day(date(year, 1, 2))


@pytest.mark.parametrize("year", [2025, 2026])
def test_known_years_are_not_estimated(year):
    assert not is_estimated(date(year, 6, 1))
