"""Intake (受理): a valid intake form becomes a case with its number, checklist and due dates.

The form is read with the window's rules on the day of intake (forms/intake.py), and the proposed
name is checked (名称核准, registry/name_check.py) in the same transaction: a name the check
refuses is accepted only with the clerk's reason, which the case keeps for the reviewer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.users import UserInfo
from forms.conditions import later_than
from forms.fields import FieldError, field_error, read_fields
from forms.intake import (
    DECISION_FIELD,
    NAME_OVERRIDE_FIELD,
    ORGANIZATION_FIELDS,
    Intake,
    IntakeInvalid,
    birth_date_of,
    material_conditions,
    organization_condition_errors,
    read_intake,
)
from forms.materials import required_items
from models.accounts import Role
from models.base import utcnow
from models.case_rules import case_rules_in
from models.cases import (
    BusinessType,
    Case,
    CaseMaterial,
    CasePerson,
    CaseScopeItem,
    CaseState,
)
from models.errors import SoregError
from models.registry import Organization
from models.settings import RECOVERY_PENDING, get_setting_in
from models.store import Store
from registry.name_check import check_name_in
from registry.name_rules import REJECT
from registry.organizations import organization_in
from registry.records import RegisteredRecord, current_record_in, record_items
from registry.registry_query import street_name
from workflow.case_numbers import next_case_no_in, this_window_in
from workflow.catalogue import Business, business
from workflow.checks import registered_refusal
from workflow.deadlines import initial_due_dates, limits_for
from workflow.history import append_step_in
from workflow.permissions import require_role
from workflow.queries import CaseSummary, summary_of


def build_case(intake: Intake, *, case_no: str, window: str, user: str, accepted_on: date,
               due_date: date, statutory_due_date: date, changed: frozenset[str] = frozenset()) -> Case:
    """The case object for a valid intake form (not yet added to a session); ``changed``: the
    registered items the case changes (none for 成立登记)."""
    org = intake.organization
    received = intake.received
    kind = business(intake.business_type)
    items = required_items(kind.materials, org["org_type"], material_conditions(org, intake.scope_items, changed))
    return Case(
        case_no=case_no, business_type=kind.name, org_type=org["org_type"], changed_items=",".join(sorted(changed)),
        state=CaseState.ACCEPTED.value, window_code=window, accepted_by=user, accepted_at=utcnow(),
        applicant=org["applicant"], applicant_phone=org["applicant_phone"],
        due_date=due_date, statutory_due_date=statutory_due_date,
        name=org["name"], address=org["address"], street_code=org["street_code"], purpose=org["purpose"],
        activity_area=org["activity_area"], legal_representative=intake.legal_representative,
        funds_yuan=org["funds_yuan"], sponsor=org["sponsor"], sponsor_consent_doc_no=org["sponsor_consent_doc_no"],
        sponsor_consent_date=org["sponsor_consent_date"], direct_category=org["direct_category"],
        direct_justification=org["direct_justification"], individual_members=org["individual_members"],
        unit_members=org["unit_members"], premises_document=org["premises_document"],
        premises_valid_until=org["premises_valid_until"], name_override_reason=intake.name_override_reason,
        scope_items=[CaseScopeItem(position=n, **item) for n, item in enumerate(intake.scope_items)],
        persons=[
            CasePerson(position=n, name=p["name"], id_number=p["id_number"], birth_date=p["birth_date"],
                       phone=p["phone"], roles=",".join(p["roles"]), title=p["title"] or "",
                       appointed_on=p["appointed_on"])
            for n, p in enumerate(intake.persons)
        ],
        materials=[
            CaseMaterial(position=n, item_code=i.code, label=i.label, received=i.code in received,
                         received_on=accepted_on if i.code in received else None)
            for n, i in enumerate(items)
        ],
    )


def open_case(store: Store, data: Mapping[str, Any], *, user: UserInfo, today: date | None = None,
              business_type: str = BusinessType.ESTABLISH.value, changed_items: Iterable[str] = (),
              organization_id: uuid.UUID | None = None) -> CaseSummary:
    """受理: validate the form (nothing is saved if any value is invalid) and open a case of the
    catalogue's business ``business_type`` that changes the registered items ``changed_items``.

    A business on a registered organization (变更登记) is opened on ``organization_id``: refused,
    with the reason, for one that may not change now; the items not marked as changing are taken
    from its current record, whatever the form says, and the form needs the 内部决议日期."""
    require_role(user, frozenset({Role.CLERK}), "受理办件")
    today = today or date.today()
    kind = business(business_type)
    changed = frozenset(changed_items)
    if unknown := sorted(changed - set(kind.items)):
        raise SoregError(f"“{'、'.join(unknown)}”不是“{kind.name}”可以变更的登记事项。", field="变更事项")
    if kind.on_registered and (organization_id is None or not changed):
        raise SoregError(f"“{kind.name}”须从登记库中的组织发起，并勾选至少一项变更事项。", field="变更事项")
    with store.write() as session:
        decision_note = ""
        if kind.on_registered:
            org = organization_in(session, organization_id)
            if reason := registered_refusal(org):
                raise SoregError(reason, field="登记状态")
            intake, decided_on = _change_intake(session, data, kind, org, changed, today)
            decision_note = f"内部决议日期 {decided_on:%Y-%m-%d}" + "".join(
                f"；{w}" for w in [decision_warning(decided_on, today, case_rules_in(session))] if w)
        else:
            intake = _checked_intake(session, data, kind, today)
        window = this_window_in(session)
        if get_setting_in(session, RECOVERY_PENDING):
            raise SoregError("本窗口是从备份恢复或重新安装的，须先与中心同步一次，取回本窗口的办件和办件编号后才能受理新办件："
                             "请到“同步”页面点“立即同步”（或运行 python main.py sync）。", field="办件编号")
        due, statutory_due = initial_due_dates(limits_for(case_rules_in(session), kind.deadlines), today)
        case = build_case(intake, case_no=next_case_no_in(session, today.year), window=window, user=user.username,
                          accepted_on=today, due_date=due, statutory_due_date=statutory_due, changed=changed)
        case.organization_id = organization_id
        session.add(case)
        session.flush()
        missing = [m.label for m in case.materials if not m.received]
        note = "材料齐全" if not missing else f"待补材料：{'、'.join(missing)}"
        if changed:
            labels = {f.key: f.label for f in ORGANIZATION_FIELDS} | {k: c.label for k, c in kind.changes.items()}
            note += f"；变更事项：{'、'.join(labels[k] for k in kind.items if k in changed)}"
        if decision_note:
            note += f"；{decision_note}"
        if case.name_override_reason:
            note += f"；名称核准未通过，受理理由：{case.name_override_reason}"
        append_step_in(session, case, action="accept", from_state=None, actor=user.username, note=note,
                       audit_after={"case_no": case.case_no, "name": case.name, "org_type": case.org_type,
                                 "due_date": due, "statutory_due_date": statutory_due,
                                 "name_override_reason": case.name_override_reason})
        return summary_of(case)


def intake_rules(store: Store) -> dict[str, Any]:
    """The rules this window's intake measures the registration conditions with (for the wizard)."""
    with store.read() as session:
        return case_rules_in(session)


def decision_warning(decided_on: date, today: date, rules: Mapping[str, Any]) -> str | None:
    """A 变更登记 applied for later than the rules' days after the 内部决议 (30 by 社团条例 Art. 18): the warning."""
    days = int(rules["change"]["apply_within_days_of_decision"])
    late = (today - decided_on).days - days
    return (f"申请日距内部决议日期 {decided_on:%Y-%m-%d} 已超过 {days} 日（逾期 {late} 日），"
            "请申请人说明逾期原因。") if late > 0 else None


@dataclass(frozen=True)
class ChangeStart:
    """What the 变更登记 wizard starts from: the organization, why it may not change now (or None),
    and its current record as items and as the form's values."""

    organization_id: uuid.UUID
    credit_code: str | None
    name: str
    org_type: str
    refusal: str | None
    items: tuple[tuple[str, str], ...]
    form: dict[str, Any]


def record_form(record: RegisteredRecord, org_type: str) -> dict[str, Any]:
    """The registered record as the intake form's text values."""
    organization = {"org_type": org_type, "name": record.name, "address": record.address,
                    "street_code": street_name(record.street_code) if record.street_code else "", "purpose": record.purpose,
                    "activity_area": record.activity_area,
                    "funds_yuan": "" if record.funds_yuan is None else str(record.funds_yuan),
                    "sponsor": record.sponsor, "direct_category": record.direct_category}
    scope = [{"text": s.text, "approval_doc_no": s.approval_doc_no,
              "approval_date": s.approval_date.isoformat() if s.approval_date else ""} for s in record.scope]
    persons = [{"name": p.name, "id_number": p.id_number, "phone": "", "roles": "、".join(p.roles), "title": p.title,
                "appointed_on": p.appointed_on.isoformat() if p.appointed_on else ""} for p in record.persons]
    return {"organization": organization, "scope_items": scope, "persons": persons}


def _registered_fields(form: Mapping[str, Any]) -> frozenset[str]:
    held = {k for k, v in form["organization"].items() if v}
    return frozenset(held | {part for part in ("scope_items", "persons") if form[part]})


def find_organization_in(session: Session, text: str) -> Organization:
    """The organization with the 统一社会信用代码 or the current name ``text``; refused in Chinese."""
    text = text.strip()
    org = session.scalar(select(Organization).where(Organization.credit_code == text.upper()).limit(1)) or \
        session.scalar(select(Organization).where(Organization.name == text).limit(1))
    if org is None:
        raise SoregError(f"登记库中没有统一社会信用代码或名称为“{text}”的组织，请核对。", field="统一社会信用代码或名称")
    return org


def change_start(store: Store, *, organization_id: uuid.UUID | None = None, text: str = "") -> ChangeStart:
    """The organization ``organization_id`` (or found by its code or name ``text``) as a change starts from it."""
    with store.read() as session:
        org = organization_in(session, organization_id) if organization_id else find_organization_in(session, text)
        record = current_record_in(session, org)
        form = record_form(record, org.org_type)
        return ChangeStart(org.id, org.credit_code, org.name, org.org_type, registered_refusal(org),
                           record_items(record), form)


def _kept_persons(registered: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The persons in office of ``record_form``'s rows as an intake holds them."""
    return [{"name": p["name"], "id_number": p["id_number"], "phone": "", "roles": tuple(filter(None, p["roles"].split("、"))),
             "title": p["title"], "appointed_on": date.fromisoformat(p["appointed_on"]) if p["appointed_on"] else None,
             "birth_date": birth_date_of(p["id_number"])} for p in registered["persons"]]


APPLICANT_FIELDS = frozenset({"applicant", "applicant_phone"})  # who applies: typed for every case


def editable_fields(kind: Business, registered: Mapping[str, Any], changed: Iterable[str]) -> frozenset[str]:
    """The form's fields (and parts) a change may type: those of the marked items ``changed``, of
    the items and the required fields the record does not hold yet (an imported organization),
    and the applicant."""
    held = _registered_fields(registered)
    missing = [k for k, item in kind.changes.items() if not set(item.fields) & held]
    required = {f.key for f in ORGANIZATION_FIELDS if f.required and f.key not in held}
    return frozenset(f for k in {*changed, *missing} for f in kind.changes[k].fields) | required | APPLICANT_FIELDS


def read_change(registered: Mapping[str, Any], data: Mapping[str, Any], kind: Business, changed: frozenset[str],
                today: date, rules: Mapping[str, Any]) -> tuple[Intake, date]:
    """The form of a change of an organization whose record is ``registered`` (``record_form``):
    the marked items (and those the record lacks) as typed, the others as registered, whatever
    the form says; the conditions measured on the marked items only; raise ``IntakeInvalid``."""
    opened = editable_fields(kind, registered, changed)
    typed = dict(data.get("organization") or {})
    organization = {f.key: typed.get(f.key, "") if f.key in opened else registered["organization"].get(f.key, "")
                    for f in ORGANIZATION_FIELDS}
    organization["org_type"] = registered["organization"]["org_type"]
    asked = {part: part in opened for part in ("scope_items", "persons")}
    form = {"organization": organization, "received": data.get("received") or [],
            NAME_OVERRIDE_FIELD.key: data.get(NAME_OVERRIDE_FIELD.key, ""),
            "scope_items": (data.get("scope_items") or []) if asked["scope_items"] else registered["scope_items"],
            "persons": data.get("persons") or []}
    errors: list[FieldError] = []
    decision, decision_errors = read_fields((DECISION_FIELD,), data)
    errors += decision_errors
    if decision.get("decision_date") and (later := later_than(decision["decision_date"], today)):
        errors.append(field_error(DECISION_FIELD, f"{later}，请核对。"))
    try:
        intake = read_intake(form, business_type=kind.name, materials=kind.materials, today=today, rules=rules,
                             conditions=False, kept_persons=None if asked["persons"] else _kept_persons(registered),
                             changed=changed)
    except IntakeInvalid as invalid:
        raise IntakeInvalid([*invalid.errors, *errors]) from None
    errors += [e for e in organization_condition_errors(intake.organization, today=today, rules=rules)
               if e.path in opened and e.path != "individual_members"]
    if errors:
        raise IntakeInvalid(errors)
    return intake, decision["decision_date"]


def validate_change(registered: Mapping[str, Any], data: Mapping[str, Any], *, business_type: str,
                    changed: Iterable[str], today: date, rules: Mapping[str, Any]) -> list[FieldError]:
    """Every invalid value of a change's form (empty when it can be accepted), for the wizard."""
    try:
        read_change(registered, data, business(business_type), frozenset(changed), today, rules)
    except IntakeInvalid as exc:
        return list(exc.errors)
    return []


def _change_intake(session: Session, data: Mapping[str, Any], kind: Business, org: Organization,
                   changed: frozenset[str], today: date) -> tuple[Intake, date]:
    """``read_change`` on ``org``'s current record; a new name checked (its own names are no clash)."""
    registered = record_form(current_record_in(session, org), org.org_type)
    intake, decided_on = read_change(registered, data, kind, changed, today, case_rules_in(session))
    if "name" in changed:
        return _name_checked(session, intake, today, own=org.id), decided_on
    return replace(intake, name_override_reason=None), decided_on


def _name_checked(session: Session, intake: Intake, today: date, *, own: uuid.UUID | None = None) -> Intake:
    """The intake with its name checked: a refused name needs the clerk's reason; a reason given for
    a name that passes is not kept."""
    org = intake.organization
    verdict = check_name_in(session, org["name"], org["org_type"], today, own=own)
    if verdict.verdict != "reject":
        return replace(intake, name_override_reason=None)
    if not intake.name_override_reason:
        reasons = "；".join(f.message for f in verdict.findings if f.level == REJECT)
        raise IntakeInvalid([FieldError(NAME_OVERRIDE_FIELD.key, NAME_OVERRIDE_FIELD.label,
                                        f"“拟定名称”未通过名称核准（{reasons}）。请更改名称，"
                                        f"或在“{NAME_OVERRIDE_FIELD.label}”中写明仍予受理的理由。")])
    return intake


def _checked_intake(session: Session, data: Mapping[str, Any], kind: Business, today: date) -> Intake:
    """The form read under this window's rules on ``today``, its name checked against the registry.

    A refused name needs the clerk's reason; a reason given for a name that passes is not kept.
    """
    intake = read_intake(data, business_type=kind.name, materials=kind.materials, today=today, rules=case_rules_in(session))
    org = intake.organization
    if org["org_type"] not in kind.org_types:
        raise IntakeInvalid([FieldError("org_type", "组织类型", f"“{kind.name}”只办理{'、'.join(kind.org_types)}，"
                                                                f"不办理{org['org_type']}，请核对组织类型。")])
    return _name_checked(session, intake, today)
