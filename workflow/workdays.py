"""The working-day calendar (工作日历): Chinese public holidays and adjusted working days (调休).

The ``chinesecalendar`` library knows the State Council's holiday arrangements up to the year
it was released for; resources/reference/holidays_override.json gives later years (or corrects
a year) with its holidays and adjusted working days. A year known to neither is counted with
weekends only, and ``is_estimated`` says so, so the window can show the due date as provisional.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import chinese_calendar

from models import reference


@reference.loader("holidays_override.json")
def _overrides(data: Any) -> dict[int, tuple[frozenset[date], frozenset[date]]]:
    years = data["years"]
    return {
        int(year): (
            frozenset(date.fromisoformat(d) for d in spec.get("holidays", [])),
            frozenset(date.fromisoformat(d) for d in spec.get("workdays", [])),
        )
        for year, spec in years.items()
    }


def _library_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def is_estimated(day: date) -> bool:
    """Whether ``day``'s year is known to neither the library nor the override file."""
    return day.year not in _overrides() and not _library_knows(day.year)


@lru_cache(maxsize=16384)
def is_working_day(day: date) -> bool:
    """A day the window is open: not a weekend or public holiday, or an adjusted working day."""
    override = _overrides().get(day.year)
    if override is not None:
        holidays, workdays = override
        if day in workdays:
            return True
        return day.weekday() < 5 and day not in holidays
    if _library_knows(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


reference.on_change(is_working_day.cache_clear)


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself not counted); ``start`` for 0."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days in the half-open range [start, end); negative when ``end`` is before ``start``."""
    if end < start:
        return -working_days_between(end, start)
    return sum(1 for n in range((end - start).days) if is_working_day(start + timedelta(days=n)))
