"""变更登记 (change of registered items): approval writes the next version of the organization's
record, with the items the case changes replaced; 发证 takes back and voids the old certificate.

The credit code stays; a new name goes through the name index and the old one becomes a former
name, protected for a year (registry/records.py add_version_in). Items the registry did not hold
(an imported organization) are taken from the case, which asked for them at intake.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models.cases import Case, PersonRole
from models.errors import SoregError
from registry.organizations import organization_in
from registry.records import (
    RegisteredRecord,
    add_version_in,
    current_record_in,
    record_keys_of,
    record_of_case,
)
from workflow.catalogue import Business, business, changed_items
from workflow.checks import registered_refusal
from workflow.print_records import void_old_certificates_in

LEGAL_REPRESENTATIVE = PersonRole.LEGAL_REPRESENTATIVE.value


def changed_record(before: RegisteredRecord, proposed: RegisteredRecord, kind: Business,
                   changed: frozenset[str]) -> RegisteredRecord:
    """``before`` with the items ``changed`` (and the items it did not hold) taken from ``proposed``.
    A new legal representative replaces the old one among the persons in office; the others stay."""
    values = {f: getattr(proposed, f) for f in record_keys_of(x for k in changed for x in kind.changes[k].fields)}
    values |= {f: getattr(proposed, f) for f in ("address", "street_code", "activity_area", "scope", "funds_yuan",
                                                  "purpose", "sponsor", "persons")
               if getattr(before, f) in ("", None, ()) and f not in values}
    if "legal_representative" in changed:
        new_ids = {p.id_number for p in proposed.persons}
        values["persons"] = proposed.persons + tuple(p for p in before.persons
                                                     if LEGAL_REPRESENTATIVE not in p.roles and p.id_number not in new_ids)
    return replace(before, **values)


def change_record_in(session: Session, case: Case, rules: dict[str, Any], *, actor: str, on: date) -> None:
    """核准登记 of a change: the organization's next record version, in the approval's transaction."""
    org = organization_in(session, case.organization_id)
    if reason := registered_refusal(org):
        raise SoregError(reason, field="登记状态")
    record = changed_record(current_record_in(session, org), record_of_case(case, on), business(case.business_type),
                            changed_items(case))
    add_version_in(session, org, record, actor=actor, case_id=case.id, business=case.business_type, on=on)
    case.approved_by, case.approved_on = actor, on


def take_back_certificates_in(session: Session, case: Case, rules: dict[str, Any], *, actor: str, on: date) -> None:
    """发证 of the new certificate: the old copies, handed back, are voided (旧证收回作废)."""
    void_old_certificates_in(session, case, actor=actor)
