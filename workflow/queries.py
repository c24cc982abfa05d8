"""Reading cases as plain data (办件查询): what the window shows, with no session attached."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.cases import Case, CaseStep
from models.errors import SoregError
from models.registry import Organization
from models.store import Store
from workflow.deadlines import DeadlineStatus, deadline_status
from workflow.history import ItemChange, changes_of, step_title


@dataclass(frozen=True)
class CertificateCollector:
    """Who collected the certificate at 发证 (领证人): ``kind`` is a ``CollectorKind`` value."""

    kind: str
    name: str
    id_number: str
    collected_at: datetime


@dataclass(frozen=True)
class CaseSummary:
    id: uuid.UUID
    case_no: str
    business_type: str
    org_type: str
    state: str
    resume_state: str | None
    name: str
    legal_representative: str
    accepted_by: str
    accepted_at: datetime
    due_date: date
    statutory_due_date: date
    stopped_since: date | None
    stopped_working_days: int
    credit_code: str | None
    organization_id: uuid.UUID | None
    collector: CertificateCollector | None = None

    def deadline(self, today: date) -> DeadlineStatus:
        return deadline_status(self.due_date, self.statutory_due_date, self.stopped_since, today)


@dataclass(frozen=True)
class StepRecord:
    """One entry of a case's history (办理过程)."""

    seq: int
    action: str
    from_state: str | None
    to_state: str
    actor: str
    at: datetime
    note: str
    reasons: tuple[str, ...]
    opinion: str = ""
    changes: tuple[ItemChange, ...] = ()

    @property
    def title(self) -> str:
        """The action as performed, e.g. "审查通过（名称核准）"."""
        return step_title(self.action, self.from_state, self.to_state)


def collector_of(case: Case) -> CertificateCollector | None:
    if case.collector_kind is None:
        return None
    return CertificateCollector(case.collector_kind, case.collector_name or "", case.collector_id_number or "",
                                case.collected_at)


def summary_of(case: Case) -> CaseSummary:
    return CaseSummary(
        id=case.id, case_no=case.case_no, business_type=case.business_type, org_type=case.org_type,
        state=case.state, resume_state=case.resume_state, name=case.name,
        legal_representative=case.legal_representative, accepted_by=case.accepted_by,
        accepted_at=case.accepted_at, due_date=case.due_date, statutory_due_date=case.statutory_due_date,
        stopped_since=case.stopped_since, stopped_working_days=case.stopped_working_days,
        credit_code=case.credit_code, organization_id=case.organization_id, collector=collector_of(case),
    )


# 统一社会信用代码 of an approved case's organization: assigned by the case (成立登记), or the
# organization's own (a business on a registered organization, e.g. 变更登记, whose code stays)
CASE_CREDIT_CODE = func.coalesce(Case.credit_code, select(Organization.credit_code).where(
    Organization.id == Case.organization_id, Case.approved_on.is_not(None)).scalar_subquery())


def case_credit_code_in(session: Session, case: Case) -> str | None:
    """The 统一社会信用代码 of ``case``'s organization once approved (see ``CASE_CREDIT_CODE``)."""
    if case.credit_code or case.organization_id is None or case.approved_on is None:
        return case.credit_code
    return session.scalar(select(Organization.credit_code).where(Organization.id == case.organization_id))


def find_case_in(session: Session, case_no: str) -> Case:
    case = session.scalar(select(Case).where(Case.case_no == case_no.strip()))
    if case is None:
        raise SoregError(f"办件 {case_no} 不存在，请核对办件编号。", field="办件编号")
    return case


def get_case(store: Store, case_no: str) -> CaseSummary:
    with store.read() as session:
        return summary_of(find_case_in(session, case_no))


def case_history(store: Store, case_no: str) -> list[StepRecord]:
    """The history (办理过程) of case ``case_no``, oldest step first."""
    with store.read() as session:
        return case_history_in(session, find_case_in(session, case_no))


def case_history_in(session: Session, case: Case) -> list[StepRecord]:
    """The history of ``case``, in the caller's transaction."""
    steps = session.scalars(select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.seq))
    return [
        StepRecord(s.seq, s.action, s.from_state, s.to_state, s.actor, s.at, s.note, tuple(json.loads(s.reasons)),
                   s.opinion, changes_of(s))
        for s in steps
    ]
