"""The 准予变更登记通知书 (notice of approval of a change) of a case, from the items that changed.

The caller names the changed items as plain (变更事项, 变更前, 变更后) values; the case gives the
case number, the day it was received and the day it was approved, and the registry the credit code.
When the 名称 is among the items the notice is addressed to the new name and names the former one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from models.base import local_time
from models.cases import Case
from models.errors import SoregError
from models.registry import Organization
from models.store import Store
from printing.data import ChangeNoticeData
from workflow.queries import find_case_in

NAME_ITEM = "名称"


def _checked(changes: Sequence[tuple[str, str, str]]) -> tuple[tuple[str, str, str], ...]:
    rows = tuple((label.strip(), before.strip(), after.strip()) for label, before, after in changes)
    if not rows:
        raise SoregError("准予变更登记通知书须列明变更事项，请至少填写一项变更事项及其变更前、变更后的内容。",
                         field="变更事项")
    for label, before, after in rows:
        if not label:
            raise SoregError("有一行变更事项没有填写事项名称（如“住所”），请补填。", field="变更事项")
        if not after:
            raise SoregError(f"“{label}”没有填写变更后的内容，请补填。", field=label)
        if before == after:
            raise SoregError(f"“{label}”变更前后的内容相同，不是变更事项；请核对或删去这一行。", field=label)
    labels = [label for label, _, _ in rows]
    if len(set(labels)) < len(labels):
        twice = next(label for label in labels if labels.count(label) > 1)
        raise SoregError(f"变更事项“{twice}”填写了两次，请合并为一行。", field="变更事项")
    return rows


def change_approval_notice(store: Store, case_no: str, changes: Sequence[tuple[str, str, str]], *,
                           today: date | None = None) -> ChangeNoticeData:
    """准予变更登记通知书 of approved case ``case_no`` listing ``changes`` (变更事项, 变更前, 变更后);
    refused in Chinese before the case is approved or when a row is empty, unchanged or repeated."""
    with store.read() as session:
        return change_notice_in(session, find_case_in(session, case_no), changes, today or date.today())


def change_notice_in(session: Session, case: Case, changes: Sequence[tuple[str, str, str]],
                     today: date) -> ChangeNoticeData:
    """``change_approval_notice`` of ``case``, in the caller's transaction."""
    rows = _checked(changes)
    org = session.get(Organization, case.organization_id) if case.organization_id else None
    if case.approved_on is None or org is None:
        raise SoregError(f"办件 {case.case_no} 当前处于“{case.state}”，尚未核准，"
                         "准予变更登记通知书须在核准之后打印。", field="办件状态")
    if not org.credit_code:
        raise SoregError(f"登记库中“{org.name}”没有统一社会信用代码，请先在登记库中核对补全，再打印通知书。",
                         field="统一社会信用代码")
    name_row = next((row for row in rows if row[0] == NAME_ITEM), None)
    return ChangeNoticeData(
        case_no=case.case_no, organization_name=name_row[2] if name_row else org.name,
        former_name=name_row[1] if name_row else "", credit_code=org.credit_code,
        received_on=local_time(case.accepted_at).date(), decided_on=case.approved_on, changes=rows, issued_on=today)
