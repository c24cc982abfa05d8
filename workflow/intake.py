"""Intake (受理): a valid intake form becomes a case with its number, checklist and due dates.

The form is read with the window's rules on the day of intake (forms/intake.py), and the proposed
name is checked (名称核准, registry/name_check.py) in the same transaction: a name the check
refuses is accepted only with the clerk's reason, which the case keeps for the reviewer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from accounts.users import UserInfo
from forms.fields import FieldError
from forms.intake import (
    NAME_OVERRIDE_FIELD,
    Intake,
    IntakeInvalid,
    material_conditions,
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
from models.settings import RECOVERY_PENDING, get_setting_in
from models.store import Store
from registry.name_check import check_name_in
from registry.name_rules import REJECT
from workflow.case_numbers import next_case_no_in, this_window_in
from workflow.catalogue import Business, business
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
    items = required_items(kind.materials, org["org_type"], material_conditions(org, intake.scope_items))
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
              business_type: str = BusinessType.ESTABLISH.value, changed_items: Iterable[str] = ()) -> CaseSummary:
    """受理: validate the form (nothing is saved if any value is invalid) and open a case of the
    catalogue's business ``business_type`` that changes the registered items ``changed_items``."""
    require_role(user, frozenset({Role.CLERK}), "受理办件")
    today = today or date.today()
    kind = business(business_type)
    changed = frozenset(changed_items)
    if unknown := sorted(changed - set(kind.items)):
        raise SoregError(f"“{'、'.join(unknown)}”不是“{kind.name}”可以变更的登记事项。", field="变更事项")
    with store.write() as session:
        intake = _checked_intake(session, data, kind, today)
        window = this_window_in(session)
        if get_setting_in(session, RECOVERY_PENDING):
            raise SoregError("本窗口是从备份恢复或重新安装的，须先与中心同步一次，取回本窗口的办件和办件编号后才能受理新办件："
                             "请到“同步”页面点“立即同步”（或运行 python main.py sync）。", field="办件编号")
        due, statutory_due = initial_due_dates(limits_for(case_rules_in(session), kind.deadlines), today)
        case = build_case(intake, case_no=next_case_no_in(session, today.year), window=window, user=user.username,
                          accepted_on=today, due_date=due, statutory_due_date=statutory_due, changed=changed)
        session.add(case)
        session.flush()
        missing = [m.label for m in case.materials if not m.received]
        note = "材料齐全" if not missing else f"待补材料：{'、'.join(missing)}"
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


def _checked_intake(session: Session, data: Mapping[str, Any], kind: Business, today: date) -> Intake:
    """The form read under this window's rules on ``today``, its name checked against the registry.

    A refused name needs the clerk's reason; a reason given for a name that passes is not kept.
    """
    intake = read_intake(data, business_type=kind.name, materials=kind.materials, today=today, rules=case_rules_in(session))
    org = intake.organization
    if org["org_type"] not in kind.org_types:
        raise IntakeInvalid([FieldError("org_type", "组织类型", f"“{kind.name}”只办理{'、'.join(kind.org_types)}，"
                                                                f"不办理{org['org_type']}，请核对组织类型。")])
    verdict = check_name_in(session, org["name"], org["org_type"], today)
    if verdict.verdict != "reject":
        return replace(intake, name_override_reason=None)
    if not intake.name_override_reason:
        reasons = "；".join(f.message for f in verdict.findings if f.level == REJECT)
        raise IntakeInvalid([FieldError(NAME_OVERRIDE_FIELD.key, NAME_OVERRIDE_FIELD.label,
                                        f"“拟定名称”未通过名称核准（{reasons}）。请更改名称，"
                                        f"或在“{NAME_OVERRIDE_FIELD.label}”中写明仍予受理的理由。")])
    return intake
