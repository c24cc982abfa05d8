"""The history of a case (办理过程): one append-only ``CaseStep`` and one audit event per change.

Each entry names the action as performed (``step_title``: "审查通过（名称核准）", "退回至名称核准",
"更正登记事项"), who did it, from which state to which, with the reviewer's opinion (审查意见), the
reasons, and for a correction the items it changed (before → after).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms.case_items import ACTION_LABELS
from models.audit import record_event_in
from models.base import utcnow
from models.cases import Case, CaseState, CaseStep

EMPTY = "（空）"


@dataclass(frozen=True)
class ItemChange:
    """One corrected item (更正内容): its label and its value before and after, as the clerk sees them."""

    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.label}：{self.before or EMPTY} → {self.after or EMPTY}"


def step_title(action: str, from_state: str | None, to_state: str) -> str:
    """The action as performed, in words: 提交审查, 审查通过（名称核准）, 退回至名称核准, 恢复办理（…）…"""
    if action == "advance":
        return ACTION_LABELS["submit"] if from_state == CaseState.ACCEPTED else f"{ACTION_LABELS[action]}（{from_state}）"
    if action == "return":
        return f"{ACTION_LABELS[action]}至{to_state}"
    if action == "resume":
        return f"{ACTION_LABELS[action]}，恢复{to_state}"
    return ACTION_LABELS.get(action, action)


def append_step_in(session: Session, case: Case, *, action: str, from_state: str | None, actor: str,
                   note: str = "", reasons: Sequence[str] = (), opinion: str = "", changes: Sequence[ItemChange] = (),
                   audit_after: dict | None = None) -> CaseStep:
    """Record that ``case`` went from ``from_state`` to its current state (or, for a correction,
    stayed in it), in the caller's transaction."""
    last = session.scalar(select(func.max(CaseStep.seq)).where(CaseStep.case_id == case.id)) or 0
    rows = [[c.label, c.before, c.after] for c in changes]
    step = CaseStep(case_id=case.id, seq=last + 1, action=action, from_state=from_state, to_state=case.state,
                    actor=actor, at=utcnow(), note=note, reasons=json.dumps(list(reasons), ensure_ascii=False),
                    opinion=opinion, changes=json.dumps(rows, ensure_ascii=False))
    session.add(step)
    session.flush()
    before = {"state": from_state} if from_state else None
    after = {"state": case.state, "note": note, "reasons": list(reasons)}
    if opinion:
        after["opinion"] = opinion
    if changes:
        after["changes"] = rows  # [item, before, after]
    record_event_in(session, actor=actor, action=f"case.{action}", record_type="case", record_id=case.case_no,
                 before=before, after=after | (audit_after or {}))
    return step


def changes_of(step: CaseStep) -> tuple[ItemChange, ...]:
    return tuple(ItemChange(*row) for row in json.loads(step.changes))
