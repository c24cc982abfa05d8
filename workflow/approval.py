"""Approval (核准登记): the case's organization enters the registry with its 统一社会信用代码.

Called inside the transition's write transaction: the code is taken from the window's reserved
block (registry/code_blocks.py), the organization added with its name index
(registry/organizations.py) and version 1 of its registered record written (registry/records.py),
so the state change, the code and the registry entry commit together or not at all.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from models.cases import Case
from registry.code_blocks import assign_credit_code_in
from registry.name_check import anniversary
from registry.organizations import OrganizationRecord, add_organization_in
from registry.records import add_version_in, record_of_case


@dataclass(frozen=True)
class Registration:
    """What approval produced: the code, the new organization and how many codes are left."""

    credit_code: str
    organization_id: uuid.UUID
    certificate_valid_until: date
    codes_remaining: int
    codes_low: bool


def certificate_valid_until(rules: dict[str, Any], issued_on: date) -> date:
    """有效期限: the day before the N-th anniversary of the approval (5 years by default)."""
    return anniversary(issued_on, int(rules["certificate"]["valid_years"])) - timedelta(days=1)


def register_organization_in(session: Session, case: Case, rules: dict[str, Any], *, actor: str, on: date) -> Registration:
    """Assign the credit code and add the organization; record both on the case."""
    assigned = assign_credit_code_in(session, case.org_type)
    valid_until = certificate_valid_until(rules, on)
    org = add_organization_in(session, OrganizationRecord(
        name=case.name, org_type=case.org_type, credit_code=assigned.code, street_code=case.street_code,
        address=case.address, legal_representative=case.legal_representative, sponsor=case.sponsor,
        established_on=on, certificate_valid_until=valid_until,
    ), actor=actor)
    add_version_in(session, org, record_of_case(case, on), actor=actor, case_id=case.id, business=case.business_type,
                   on=on)
    case.organization_id, case.credit_code = org.id, assigned.code
    case.approved_by, case.approved_on = actor, on
    return Registration(assigned.code, org.id, valid_until, assigned.remaining, assigned.remaining < assigned.low_threshold)
