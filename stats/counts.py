"""Counts of cases (办件) and of organizations (登记库组织) for the 统计 page.

Each family is one ``GROUP BY`` over every dimension at once — cases by state, business type
and month of acceptance; organizations by type, street and status — and the tables are its
margins, summed in Python over a few hundred groups. Each reads a covering index
(``ix_cases_accepted_state_business``, ``ix_organizations_type_street_status``, migration 0010),
so SQLite counts a million organizations from the index alone without touching the table, and
a year of cases from a range of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import reference
from models.cases import BusinessType, Case, CaseState
from models.registry import Organization, OrgStatus
from models.store import Store
from stats.tables import CountTable, count_table


@dataclass(frozen=True)
class Statistics:
    """What the 统计 page shows: the case tables for ``year`` (None: every year) and the registry's."""

    year: int | None
    years: tuple[int, ...]  # the years in which cases were accepted, newest first
    cases: tuple[CountTable, ...]
    organizations: tuple[CountTable, ...]

    @property
    def tables(self) -> tuple[CountTable, ...]:
        return self.cases + self.organizations


def case_years_in(session: Session) -> tuple[int, ...]:
    first, last = session.execute(select(func.min(Case.accepted_at), func.max(Case.accepted_at))).one()
    return tuple(range(last.year, first.year - 1, -1)) if first is not None else ()


def case_tables_in(session: Session, year: int | None = None) -> tuple[CountTable, ...]:
    """办件按状态 / 按业务类型 / 按受理月份, of the cases accepted in ``year`` (None: all)."""
    month = func.strftime("%Y-%m", Case.accepted_at)
    # month first: SQLite then reads the covering index on (accepted_at, state, business_type)
    query = select(Case.state, Case.business_type, month, func.count()).group_by(month, Case.state, Case.business_type)
    if year is not None:
        query = query.where(Case.accepted_at >= datetime(year, 1, 1), Case.accepted_at < datetime(year + 1, 1, 1))
    by_state, by_business, by_month = Counter(), Counter(), Counter()
    for state, business, accepted_month, count in session.execute(query):
        by_state[state] += count
        by_business[business] += count
        by_month[accepted_month] += count
    return (
        count_table("cases_by_state", "办件按状态", "状态", by_state, [s.value for s in CaseState]),
        count_table("cases_by_business", "办件按业务类型", "业务类型", by_business, [b.value for b in BusinessType]),
        count_table("cases_by_month", "办件按受理月份", "受理月份", by_month,
                    [f"{year}-{m:02d}" for m in range(1, 13)] if year is not None else ()),
    )


def organization_tables_in(session: Session) -> tuple[CountTable, ...]:
    """登记库组织按类型 / 按所属街镇 / 按登记状态."""
    query = (select(Organization.org_type, Organization.street_code, Organization.status, func.count())
             .group_by(Organization.org_type, Organization.street_code, Organization.status))
    by_type, by_street, by_status = Counter(), Counter(), Counter()
    for org_type, street, status, count in session.execute(query):
        by_type[org_type] += count
        by_street[street] += count
        by_status[status] += count
    streets = reference.streets()
    return (
        count_table("organizations_by_type", "组织按类型", "组织类型", by_type, reference.org_types()),
        count_table("organizations_by_street", "组织按所属街镇", "所属街镇", by_street, [s.code for s in streets],
                    {s.code: s.name for s in streets}),
        count_table("organizations_by_status", "组织按登记状态", "登记状态", by_status, [s.value for s in OrgStatus]),
    )


def statistics(store: Store, *, year: int | None = None) -> Statistics:
    """Every table of the 统计 page, read in one transaction (so the tables agree with each other)."""
    with store.read() as session:
        return Statistics(year, case_years_in(session), case_tables_in(session, year), organization_tables_in(session))
