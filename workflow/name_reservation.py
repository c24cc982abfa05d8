"""When a case holds its name (名称保留): from passing 名称核准 until it ends or is approved.

``follow_case_in`` is called by ``perform`` (workflow/transitions.py) in the transaction that
moves the case: passing 名称核准 reserves the name for the case rules' ``reservation_months``
(the 保留期 the 名称核准结果通知书 prints); 核准登记 ends it as 已登记 (the registry holds the name
from then on); 办结, 不予登记 and 撤回 release it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from models.case_rules import case_rules_in
from models.cases import Case, CaseState
from registry.name_reservations import end_in, reserve_in
from workflow.deadlines import months_after

ENDING_STATES = (CaseState.CLOSED, CaseState.REJECTED, CaseState.WITHDRAWN)
REGISTERED = "已登记"
RENAMED = "名称更正"  # 更正登记事项 changed the name: the corrected one is checked at approval


def follow_case_in(session: Session, case: Case, from_state: str, target: str, *, passed: bool,
                   approved: bool, on: date, actor: str) -> None:
    """Reserve, end or release the case's name for the move ``from_state`` → ``target``
    (``passed``: the step's checks passed; ``approved``: the move is 核准登记)."""
    if approved:
        end_in(session, case.id, on=on, reason=REGISTERED, actor=actor)
    elif target in ENDING_STATES:
        end_in(session, case.id, on=on, reason=str(target), actor=actor)
    elif passed and from_state == CaseState.NAME_REVIEW:
        months = int(case_rules_in(session)["name_check"]["reservation_months"])
        reserve_in(session, case_id=case.id, case_no=case.case_no, window_code=case.window_code, name=case.name,
                   org_type=case.org_type, on=on, expires_on=months_after(on, months), actor=actor)
