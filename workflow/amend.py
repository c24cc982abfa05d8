"""Correcting a case's registered items during review (更正登记事项).

``amend_case`` is the one way to change what intake recorded: the registered items with the
sponsor's approval (批准文号, 日期), the 业务范围 items with their 前置审批 (number and date) and the
persons (added, removed, replaced). It takes the whole corrected form as ``correction_form`` gives
it and reads it with the intake form (forms/intake.py), so the same limits, text policy and Chinese
messages apply; a reason (更正理由) is required. In ONE transaction it writes what changed, keeps
the materials checklist in step (a new 前置审批 or sponsor brings its document), appends a history
entry listing each item before → after with who and why, with its audit event (the outbox rows
follow the writes), and re-runs the checks of the step the case answers to. Clerks and reviewers
may correct while the case is under review or in 补正.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any

from accounts.users import UserInfo
from forms.fields import FieldError, FieldInvalid
from forms.intake import (
    ORGANIZATION_FIELDS,
    PERSON_FIELDS,
    SCOPE_FIELDS,
    Intake,
    IntakeInvalid,
    material_conditions,
    read_intake,
)
from forms.materials import required_items
from forms.review import CORRECTION_REASON
from models.accounts import Role
from models.cases import Case, CaseMaterial, CasePerson, CaseScopeItem, CaseState
from models.errors import SoregError
from models.reference import streets
from models.store import Store
from registry.name_reservations import end_in
from registry.name_rules import Finding
from workflow.case_queries import CaseDetail
from workflow.catalogue import business, under_review_states
from workflow.history import ItemChange, append_step_in
from workflow.name_reservation import RENAMED
from workflow.permissions import require_role
from workflow.queries import CaseSummary, find_case_in, summary_of
from workflow.transitions import findings_in

FIXED = ("org_type", "applicant", "applicant_phone")  # on the form, but not registered items
ITEM_FIELDS = tuple(f for f in ORGANIZATION_FIELDS if f.key not in FIXED)
EDITORS = frozenset({Role.CLERK, Role.REVIEWER})
PERSON_LABELS = {f.key: f.label for f in PERSON_FIELDS}


@dataclass(frozen=True)
class Amended:
    """A correction made: the case now, each item changed, and the findings of its step now."""

    case: CaseSummary
    changes: tuple[ItemChange, ...]
    findings: tuple[Finding, ...]


def amendable(state: str) -> bool:
    """Whether a case in ``state`` may still be corrected: under review in its business, or in 补正."""
    return state == CaseState.SUPPLEMENT or state in under_review_states()


def may_amend(state: str, user: UserInfo) -> bool:
    """Whether ``user`` may correct a case in ``state`` (what the case page offers)."""
    return amendable(state) and bool(EDITORS & user.roles)


def _check_amendable(state: str, case_no: str) -> None:
    if not amendable(state):
        raise SoregError(f"办件 {case_no} 当前处于“{state}”，登记事项已不能更改。", field="办件状态")


# ---- the form ------------------------------------------------------------------------------

def _text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _catalogue_choice(code: str | None) -> str:
    """The catalogue item as the form's choice ("YL02 养老服务…"), or empty."""
    choices = SCOPE_FIELDS[0].choices() if code else ()
    return next((c for c in choices if c.split(" ", 1)[0] == code), code or "")


def correction_form(detail: CaseDetail) -> dict[str, Any]:
    """The case as the intake form's text: what a correction starts from and hands back changed."""
    items = detail.items
    organization = {f.key: _text(items[f.key]) for f in (*ITEM_FIELDS, *(f for f in ORGANIZATION_FIELDS if f.key in FIXED))}
    organization["street_code"] = _street_name(items["street_code"])
    scope = [{"catalogue_code": _catalogue_choice(s.catalogue_code),
              "text": "" if s.catalogue_code and _catalogue_choice(s.catalogue_code).endswith(" " + s.text) else s.text,
              "approval_doc_no": s.approval_doc_no or "", "approval_date": _text(s.approval_date)} for s in detail.scope]
    persons = [{"name": p.name, "id_number": p.id_number, "phone": p.phone, "roles": p.roles.replace(",", "、"),
                "title": p.title, "appointed_on": _text(p.appointed_on)} for p in detail.persons]
    return {"organization": organization, "scope_items": scope, "persons": persons}


def _street_name(code: object) -> str:
    return next((s.name for s in streets() if s.code == code), _text(code))


def _read(form: Mapping[str, Any], reason: str, business_type: str) -> tuple[Intake | None, str, list[FieldError]]:
    errors: list[FieldError] = []
    try:
        why = CORRECTION_REASON.read(reason)
    except FieldInvalid as exc:
        why = ""
        errors.append(FieldError(CORRECTION_REASON.key, CORRECTION_REASON.label, f"“{CORRECTION_REASON.label}”{exc.reason}"))
    try:
        intake = read_intake(dict(form, received=[]), business_type=business_type,
                             materials=business(business_type).materials)
    except IntakeInvalid as exc:
        return None, why, list(exc.errors) + errors
    return (intake if not errors else None), why, errors


def correction_errors(form: Mapping[str, Any], reason: str, business_type: str) -> list[FieldError]:
    """Every invalid value of a corrected form and its reason (empty when it can be saved)."""
    return _read(form, reason, business_type)[2]


# ---- what changed ----------------------------------------------------------------------------

def _shown(key: str, value: object) -> str:
    return _street_name(value) if key == "street_code" and value else _text(value)


def _correct_items(case: Case, organization: Mapping[str, Any]) -> list[ItemChange]:
    changes = []
    for f in ITEM_FIELDS:
        before, after = getattr(case, f.key), organization[f.key]
        if before != after:
            changes.append(ItemChange(f.label, _shown(f.key, before), _shown(f.key, after)))
            setattr(case, f.key, after)
    return changes


def _getter(row: object) -> Callable[[str], Any]:
    """Read a column of a row, or a key of the form's values for it."""
    return row.get if isinstance(row, Mapping) else partial(getattr, row)


def _scope_text(item: CaseScopeItem | Mapping[str, Any]) -> str:
    get = _getter(item)
    return f"{get('text')}（{get('catalogue_code')}）" if get("catalogue_code") else get("text")


def _correct_scope(case: Case, items: tuple[dict[str, Any], ...]) -> list[ItemChange]:
    changes, kept = [], []
    for n in range(max(len(case.scope_items), len(items))):
        where = f"业务范围第 {n + 1} 项"
        old = case.scope_items[n] if n < len(case.scope_items) else None
        new = items[n] if n < len(items) else None
        if new is None:
            changes.append(ItemChange(where, _scope_text(old), ""))
            continue
        if old is None:
            old = CaseScopeItem(position=n, **new)
            changes.append(ItemChange(where, "", _scope_text(new)))
        else:
            if (old.catalogue_code, old.text) != (new["catalogue_code"], new["text"]):
                changes.append(ItemChange(where, _scope_text(old), _scope_text(new)))
            for f in SCOPE_FIELDS[2:]:  # 前置审批文号, 前置审批日期
                if getattr(old, f.key) != new[f.key]:
                    changes.append(ItemChange(where + f.label, _text(getattr(old, f.key)), _text(new[f.key])))
            for key, value in new.items():
                setattr(old, key, value)
        kept.append(old)
    case.scope_items = kept
    return changes


def _person_text(person: CasePerson | Mapping[str, Any]) -> str:
    get = _getter(person)
    return f"{get('name')}（{get('id_number')}，{get('roles').replace(',', '、')}）"


def _person_values(person: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": person["name"], "id_number": person["id_number"], "birth_date": person["birth_date"],
            "phone": person["phone"], "roles": ",".join(person["roles"]), "title": person["title"] or "",
            "appointed_on": person["appointed_on"]}


def _correct_persons(case: Case, persons: tuple[dict[str, Any], ...]) -> list[ItemChange]:
    """Persons are matched by ID number; the unmatched old and new ones are paired in order as
    replaced (更换), the rest added (新增) or removed (删除)."""
    by_id = {p.id_number: p for p in case.persons}
    new_ids = {p["id_number"] for p in persons}
    gone = [p for p in case.persons if p.id_number not in new_ids]
    changes, rows = [], []
    for values in map(_person_values, persons):
        row = by_id.get(values["id_number"])
        if row is not None:
            for key in ("name", "phone", "roles", "title", "appointed_on"):
                if getattr(row, key) != values[key]:
                    changes.append(ItemChange(f"{row.name}的{PERSON_LABELS[key]}", _text(getattr(row, key)).replace(",", "、"),
                                              _text(values[key]).replace(",", "、")))
        elif gone:
            row = gone.pop(0)
            changes.append(ItemChange("更换人员", _person_text(row), _person_text(values)))
        else:
            row = CasePerson(**values)
            changes.append(ItemChange("新增人员", "", _person_text(row)))
        for key, value in values.items():
            setattr(row, key, value)
        row.position = len(rows)
        rows.append(row)
    changes += [ItemChange("删除人员", _person_text(p), "") for p in gone]
    case.persons = rows
    return changes


def _correct_checklist(case: Case) -> list[ItemChange]:
    """Add the materials the corrected case now needs; drop the unreceived ones it no longer needs."""
    conditions = material_conditions({"direct_category": case.direct_category, "sponsor": case.sponsor},
                                     [{"catalogue_code": s.catalogue_code} for s in case.scope_items])
    needed = {i.code: i for i in required_items(business(case.business_type).materials, case.org_type, conditions)}
    have = {m.item_code for m in case.materials}
    changes = []
    for material in [m for m in case.materials if m.item_code not in needed and not m.received]:
        case.materials.remove(material)
        changes.append(ItemChange("申请材料", f"{material.label}（待补）", ""))
    for code, item in needed.items():
        if code not in have:
            case.materials.append(CaseMaterial(position=len(case.materials), item_code=code, label=item.label,
                                               received=False))
            changes.append(ItemChange("申请材料", "", f"{item.label}（待补）"))
    return changes


def amend_case(store: Store, case_no: str, form: Mapping[str, Any], *, reason: str, user: UserInfo,
               on: date | None = None) -> Amended:
    """Correct case ``case_no`` to the whole corrected ``form`` (as ``correction_form`` gives it),
    for ``reason``; refuse with the form's Chinese messages, changing nothing."""
    require_role(user, EDITORS, "更正登记事项")
    with store.write() as session:
        case = find_case_in(session, case_no)
        _check_amendable(case.state, case.case_no)
        held_name = case.name
        fixed = {"org_type": case.org_type, "applicant": case.applicant, "applicant_phone": case.applicant_phone}
        form = dict(form, organization=dict(form.get("organization") or {}, **fixed))
        intake, why, errors = _read(form, reason, case.business_type)
        if errors:
            raise IntakeInvalid(errors)
        changes = (_correct_items(case, intake.organization) + _correct_scope(case, intake.scope_items)
                   + _correct_persons(case, intake.persons))
        if not changes:
            raise SoregError("登记事项没有改动，无需更正。", field="更正")
        case.legal_representative = intake.legal_representative
        changes += _correct_checklist(case)
        if case.name != held_name:  # the corrected name has not passed 名称核准: the old one is not held
            end_in(session, case.id, on=on or date.today(), reason=RENAMED, actor=user.username)
        session.flush()
        append_step_in(session, case, action="amend", from_state=case.state, actor=user.username, reasons=[why],
                       changes=changes)
        findings = findings_in(session, case, on or date.today())
        return Amended(summary_of(case), tuple(changes), tuple(findings))
