"""The home dashboard (工作台): counts the window looks at first each morning.

My open cases, cases due this week, overdue cases, cases waiting for 补正 and certificates that
expire within the warning period (seed §6.2; 90 days by default). "Due" and "overdue" use the
commitment due date (承诺办结日) and leave out cases whose clock is stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from models.cases import Case, CaseState
from models.registry import Organization, OrgStatus
from models.store import Store
from workflow.states import FINAL

EXPIRY_WARNING_DAYS = 90
OPEN = [s.value for s in CaseState if s not in FINAL]


@dataclass(frozen=True)
class Dashboard:
    my_open: int
    due_this_week: int
    overdue: int
    waiting_supplement: int
    certificates_expiring: int


def dashboard(store: Store, username: str, today: date, *, expiry_days: int = EXPIRY_WARNING_DAYS) -> Dashboard:
    """The counts for ``username`` on ``today`` (the week runs Monday to Sunday)."""
    week_end = today + timedelta(days=6 - today.weekday())
    running = (Case.state.in_(OPEN), Case.stopped_since.is_(None))

    def count(*where) -> int:
        return session.scalar(select(func.count()).select_from(Case).where(*where))

    with store.read() as session:
        return Dashboard(
            my_open=count(Case.state.in_(OPEN), Case.accepted_by == username),
            due_this_week=count(*running, Case.due_date.between(today, week_end)),
            overdue=count(*running, Case.due_date < today),
            waiting_supplement=count(Case.state == CaseState.SUPPLEMENT.value),
            certificates_expiring=session.scalar(
                select(func.count()).select_from(Organization).where(
                    Organization.status == OrgStatus.ACTIVE.value,
                    Organization.certificate_valid_until.between(today, today + timedelta(days=expiry_days)))),
        )
