"""The history of a case (办理过程): one append-only ``CaseStep`` and one audit event per change."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.audit import record_event
from models.base import utcnow
from models.cases import Case, CaseStep


def append_step(session: Session, case: Case, *, action: str, from_state: str | None, actor: str,
                note: str = "", reasons: Sequence[str] = (), audit_after: dict | None = None) -> CaseStep:
    """Record that ``case`` went from ``from_state`` to its current state, in the caller's transaction."""
    last = session.scalar(select(func.max(CaseStep.seq)).where(CaseStep.case_id == case.id)) or 0
    step = CaseStep(case_id=case.id, seq=last + 1, action=action, from_state=from_state, to_state=case.state,
                    actor=actor, at=utcnow(), note=note, reasons=json.dumps(list(reasons), ensure_ascii=False))
    session.add(step)
    session.flush()
    record_event(session, actor=actor, action=f"case.{action}", record_type="case", record_id=case.case_no,
                 before={"state": from_state} if from_state else None,
                 after={"state": case.state, "note": note, "reasons": list(reasons)} | (audit_after or {}))
    return step
