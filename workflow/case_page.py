"""Everything the case page (办件页) shows, read in one transaction: the page only renders it.

``case_page`` returns the case's items with their labels (forms/case_items.py), persons, scope,
materials, history (办理过程), the findings of the step it answers to, the actions this user is
offered with the four-eyes rule (四眼原则) applied, whether the user may correct the case or
receive materials, the steps a 退回 may go back to, and the documents (文书) the case has now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from accounts.users import UserInfo
from forms.case_items import CASE_ITEMS, RECORD_ITEMS, SHOWN_WHEN_EMPTY
from models.accounts import Role
from models.cases import Case
from models.print_records import DocumentKind
from models.reference import streets
from models.store import Store
from registry.name_rules import Finding
from registry.organizations import organization_in
from registry.records import (
    ItemChange,
    case_changes_in,
    current_record_in,
    record_changes,
    record_keys_of,
    record_of_case,
)
from workflow.amend import may_amend
from workflow.case_queries import CaseDetail, case_detail_in
from workflow.catalogue import Business, business, changed_items
from workflow.deadlines import DeadlineStatus, deadline_status
from workflow.permissions import four_eyes_forbids_in
from workflow.queries import StepRecord, case_history_in, find_case_in
from workflow.states import is_open
from workflow.transitions import (
    Action,
    Transition,
    available_transitions,
    findings_in,
    return_targets,
    review_step,
    step_checks,
)


@dataclass(frozen=True)
class CaseItem:
    """One line of the 基本信息 tab: the item's key, its label and its value (a street by its name)."""

    key: str
    label: str
    value: object


@dataclass(frozen=True)
class CasePage:
    """What the case page shows of one case for one user, as plain data."""

    detail: CaseDetail
    items: tuple[CaseItem, ...]
    history: tuple[StepRecord, ...]
    findings: tuple[Finding, ...]
    step: str  # the step whose checks the findings are (in 补正: the one the case returns to)
    step_has_checks: bool
    actions: tuple[Transition, ...]  # offered to this user, the four-eyes rule applied
    four_eyes_withheld: bool  # the user could approve but the four-eyes rule forbids it
    return_targets: tuple[str, ...]  # the steps a 退回 may go back to
    may_amend: bool  # 更正登记事项
    may_receive: bool  # 登记收到 materials and attach scans
    documents: tuple[DocumentKind, ...]  # the documents the case has now, for its print buttons
    today: date
    # a case on a registered organization (变更登记): its marked items, registered → applied for
    # (after approval: as the case's version of the record changed them)
    changes: tuple[ItemChange, ...] = ()

    @property
    def deadline(self) -> DeadlineStatus:
        i = self.detail.items
        return deadline_status(i["due_date"], i["statutory_due_date"], i["stopped_since"], self.today)


def case_page(store: Store, case_no: str, user: UserInfo, *, today: date | None = None) -> CasePage:
    """The case page of case ``case_no`` as ``user`` sees it on ``today`` (default: today)."""
    today = today or date.today()
    with store.read() as session:
        case = find_case_in(session, case_no)
        detail = case_detail_in(session, case)
        history = tuple(case_history_in(session, case))
        findings = tuple(findings_in(session, case, today))
        four_eyes = four_eyes_forbids_in(session, case.accepted_by, user)
        kind, changed = business(case.business_type), changed_items(case)
        changes = changes_in(session, case, kind, changed, today)
    allowed = available_transitions(kind, detail.state, user, changed)
    withheld = four_eyes and any(t.action is Action.APPROVE for t in allowed)
    step = review_step(detail.state, detail.items["resume_state"])
    return CasePage(
        detail=detail, items=case_items(detail), history=history, findings=findings, step=step,
        step_has_checks=bool(step_checks(kind, step, changed)),
        actions=tuple(t for t in allowed if not (withheld and t.action is Action.APPROVE)),
        four_eyes_withheld=withheld,
        return_targets=tuple(return_targets(kind, detail.state, (s.to_state for s in history), changed)),
        may_amend=may_amend(detail.state, user),
        may_receive=Role.CLERK in user.roles and is_open(detail.state),
        documents=printable_documents(detail), today=today, changes=changes,
    )


def changes_in(session: Session, case: Case, kind: Business, changed: frozenset[str], today: date) -> tuple[ItemChange, ...]:
    """The items ``case`` changes in its organization's record, before → after (none for a new organization)."""
    if case.organization_id is None or not kind.on_registered:
        return ()
    org = organization_in(session, case.organization_id)
    if case.approved_on is not None:
        return case_changes_in(session, org, case.case_no)
    labels = dict(RECORD_ITEMS)
    wanted = {labels[k] for k in record_keys_of(f for item in changed for f in kind.changes[item].fields)}
    return tuple(c for c in record_changes(current_record_in(session, org), record_of_case(case, today))
                 if c.label in wanted)


def case_items(detail: CaseDetail) -> tuple[CaseItem, ...]:
    """The 基本信息 lines: every labelled item that has a value, streets by name."""
    street_names = {s.code: s.name for s in streets()}
    items = detail.items
    return tuple(
        CaseItem(key, label, street_names.get(items[key], items[key]) if key == "street_code" else items[key])
        for key, label in CASE_ITEMS if items[key] not in (None, "", 0) or key in SHOWN_WHEN_EMPTY
    )


def printable_documents(detail: CaseDetail) -> tuple[DocumentKind, ...]:
    """The documents (文书) a case in its state has, as its business declares them."""
    return business(detail.items["business_type"]).documents_in(detail.state)
