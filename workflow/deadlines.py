"""Deadlines (办理时限): each case's due date, days left, and the clock stopped during 补正.

Two limits per business type, both data (models/case_rules.py): the statutory limit in calendar
days (法定时限, e.g. 60 days for 成立登记) and the window's own commitment in working days (承诺
时限, e.g. 20 working days), both counted from the day of acceptance. While a case waits for
supplementary materials (补正) its clock stops: the days from the notice up to (not including)
the day the materials arrive are added to both limits — working days to the commitment,
calendar days to the statutory limit.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from models.cases import Case
from models.errors import SoregError
from workflow.workdays import add_working_days, is_estimated, working_days_between


@dataclass(frozen=True)
class Limits:
    statutory_calendar_days: int
    local_working_days: int


def months_after(day: date, months: int) -> date:
    """The same day ``months`` later (the month's last day when it has no such day)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def limits_for(rules: dict[str, Any], business_type: str) -> Limits:
    spec = rules["deadlines"].get(business_type)
    if spec is None:
        raise SoregError(f"尚未设定“{business_type}”的办理时限，请在办件规则中补充。", field="办理时限")
    return Limits(int(spec["statutory_calendar_days"]), int(spec["local_working_days"]))


def initial_due_dates(limits: Limits, accepted_on: date) -> tuple[date, date]:
    """(commitment due date, statutory due date) of a case accepted on ``accepted_on``."""
    return (
        add_working_days(accepted_on, limits.local_working_days),
        accepted_on + timedelta(days=limits.statutory_calendar_days),
    )


def stop_clock(case: Case, on: date) -> None:
    """补正 notice issued on ``on``: the clock stops from that day."""
    if case.stopped_since is not None:
        raise SoregError("该办件的时限已经中止（补正中），不能再次中止。", field="办理时限")
    case.stopped_since = on


def resume_clock(case: Case, on: date) -> int:
    """Materials arrived on ``on``: move both due dates by the stopped days; return the working days."""
    if case.stopped_since is None:
        raise SoregError("该办件的时限没有中止，无需恢复。", field="办理时限")
    if on < case.stopped_since:
        raise SoregError(f"补齐材料的日期不能早于补正通知日期 {case.stopped_since:%Y-%m-%d}。", field="补齐日期")
    stopped_work = working_days_between(case.stopped_since, on)
    stopped_calendar = (on - case.stopped_since).days
    case.due_date = add_working_days(case.due_date, stopped_work)
    case.statutory_due_date = case.statutory_due_date + timedelta(days=stopped_calendar)
    case.stopped_working_days += stopped_work
    case.stopped_calendar_days += stopped_calendar
    case.stopped_since = None
    return stopped_work


@dataclass(frozen=True)
class DeadlineStatus:
    """What the window shows about a case's time: due dates, working days left, overdue, stopped."""

    due_date: date
    statutory_due_date: date
    working_days_left: int
    overdue: bool
    stopped: bool
    estimated: bool


def deadline_status(due_date: date, statutory_due_date: date, stopped_since: date | None, today: date) -> DeadlineStatus:
    """Working days left counts the days after ``today`` up to and including the due date;
    while the clock is stopped, time is counted as of the day it stopped."""
    reference_day = stopped_since or today
    left = working_days_between(reference_day + timedelta(days=1), due_date + timedelta(days=1))
    return DeadlineStatus(
        due_date=due_date,
        statutory_due_date=statutory_due_date,
        working_days_left=left,
        overdue=reference_day > due_date,
        stopped=stopped_since is not None,
        estimated=is_estimated(due_date),
    )
