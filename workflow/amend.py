"""Amending a case's registered items during review (补正或审查中更正登记事项).

The values are read with the intake form's fields (forms/intake.py), so the same Chinese messages
apply; only open cases before approval can be amended, and each amendment is audited with the
values before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from accounts.users import UserInfo
from forms.fields import FieldInvalid, read_fields
from forms.intake import ORGANIZATION_FIELDS, SCOPE_FIELDS
from models.accounts import Role
from models.audit import record_event
from models.cases import CaseState
from models.errors import SoregError
from models.store import Store
from workflow.permissions import require_role
from workflow.queries import find_case
from workflow.states import UNDER_REVIEW

AMENDABLE = {f.key: f for f in ORGANIZATION_FIELDS if f.key not in ("org_type", "applicant", "applicant_phone")}
EDITORS = frozenset({Role.CLERK, Role.REVIEWER})


def _check_amendable(state: str, case_no: str) -> None:
    if CaseState(state) not in UNDER_REVIEW | {CaseState.SUPPLEMENT}:
        raise SoregError(f"办件 {case_no} 当前处于“{state}”，登记事项已不能更改。", field="办件状态")


def amend_items(store: Store, case_no: str, values: Mapping[str, object], *, user: UserInfo) -> dict[str, object]:
    """Change some registered items (keys of the intake form); return the new values."""
    require_role(user, EDITORS, "更改登记事项")
    unknown = [k for k in values if k not in AMENDABLE]
    if unknown:
        raise SoregError(f"“{'、'.join(unknown)}”不是可更改的登记事项。", field=unknown[0])
    fields = [AMENDABLE[k] for k in values]
    parsed, errors = read_fields(fields, values)
    if errors:
        raise SoregError("；".join(e.message for e in errors), field=errors[0].path)
    with store.write() as session:
        case = find_case(session, case_no)
        _check_amendable(case.state, case.case_no)
        before = {k: getattr(case, k) for k in parsed}
        for key, value in parsed.items():
            setattr(case, key, value if value is not None or key not in ("individual_members", "unit_members") else 0)
        session.flush()
        record_event(session, actor=user.username, action="case.amend", record_type="case", record_id=case.case_no,
                     before=before, after=parsed)
        return parsed


def record_prior_approval(store: Store, case_no: str, item: int, doc_no: str, approved_on: str | date, *,
                          user: UserInfo) -> None:
    """Record the 前置审批 (document number and date) of the ``item``-th 业务范围 item (from 1)."""
    require_role(user, EDITORS, "录入前置审批")
    doc_field, date_field = (f for f in SCOPE_FIELDS if f.key in ("approval_doc_no", "approval_date"))
    try:
        number = doc_field.read(doc_no)
        day = approved_on if isinstance(approved_on, date) else date_field.read(approved_on)
    except FieldInvalid as exc:
        raise SoregError(f"前置审批{exc.reason}", field="前置审批") from None
    if not number or day is None:
        raise SoregError("请同时填写前置审批文号和审批日期。", field="前置审批")
    with store.write() as session:
        case = find_case(session, case_no)
        _check_amendable(case.state, case.case_no)
        if not 1 <= item <= len(case.scope_items):
            raise SoregError(f"业务范围只有 {len(case.scope_items)} 项，没有第 {item} 项。", field="业务范围")
        scope = case.scope_items[item - 1]
        before = {"approval_doc_no": scope.approval_doc_no, "approval_date": scope.approval_date}
        scope.approval_doc_no, scope.approval_date = number, day
        session.flush()
        record_event(session, actor=user.username, action="case.prior_approval", record_type="case",
                     record_id=case.case_no, before={"item": item} | before,
                     after={"item": item, "approval_doc_no": number, "approval_date": day})
