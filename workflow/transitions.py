"""Transitions (流转): who may move a case from which state to which, and on what conditions.

``perform`` is the one way a case changes state: in ONE write transaction it checks the state and
the user's role, runs the step's checks (workflow/checks.py; any reject refuses, warnings must be
acknowledged), applies the side effects (clock stopped or resumed, code assigned and organization
registered at approval, the certificate's collector recorded at 发证), sets the new state and
appends a ``CaseStep`` with the reviewer's opinion (审查意见) and its audit event. A reviewer may
return a case (退回) to a step it has already passed, with reasons.

The transitions are built from the case's business in the catalogue (workflow/catalogue.py): on
along the steps its changed items need, 核准登记 at the approval step (which applies the business's
effect), and the side exits (补正, 退回, 不予登记, 撤回) that every business shares.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.users import UserInfo
from forms.case_items import ACTION_LABELS
from forms.fields import read_fields
from forms.review import OPINION, read_agent, read_reasons
from models.accounts import Role
from models.base import utcnow
from models.case_rules import case_rules_in
from models.cases import Case, CaseState, CaseStep, CollectorKind, PersonRole
from models.errors import SoregError
from models.store import Store
from registry.name_rules import Finding
from workflow.approval import Registration
from workflow.catalogue import Business, apply_effect_in, business, changed_items
from workflow.checks import has_rejects, run_checks_in, warnings_of
from workflow.deadlines import resume_clock, stop_clock
from workflow.history import append_step_in
from workflow.name_reservation import follow_case_in
from workflow.permissions import require_role, require_second_person_in
from workflow.print_records import require_certificate_printed_in
from workflow.queries import CaseSummary, find_case_in, summary_of
from workflow.states import FINAL


class Action(enum.StrEnum):
    ADVANCE = "advance"  # 审查通过 / 提交审查: on to the next step
    APPROVE = "approve"  # 核准登记
    PRINT = "print"  # 制证完成
    ISSUE = "issue"  # 发证（领证签收）
    SUPPLEMENT = "supplement"  # 通知补正
    RETURN = "return"  # 退回至已经过的环节
    RESUME = "resume"  # 材料补齐，恢复办理
    REJECT = "reject"  # 不予登记
    WITHDRAW = "withdraw"  # 申请人撤回


@dataclass(frozen=True)
class Transition:
    action: Action
    label: str
    sources: frozenset[str]
    roles: frozenset[Role]
    needs_reasons: bool = False


FORWARD = {"submit": Action.ADVANCE, "advance": Action.ADVANCE, "approve": Action.APPROVE, "print": Action.PRINT,
           "issue": Action.ISSUE}  # a step's action in the catalogue → the transition that moves the case on
CLERK, REVIEWER, APPROVER = frozenset({Role.CLERK}), frozenset({Role.REVIEWER}), frozenset({Role.APPROVER})
SUPPLEMENT, REJECTED, WITHDRAWN = CaseState.SUPPLEMENT.value, CaseState.REJECTED.value, CaseState.WITHDRAWN.value


@cache
def transitions_of(business: Business, changed: frozenset[str] = frozenset()) -> tuple[Transition, ...]:
    """The transitions of a case of ``business`` that changes ``changed``: on along its main line
    (the declared steps it needs), back (退回) to a passed step, and the side exits common to all."""
    line = business.main_line(changed)
    review = business.under_review(changed)
    forward = [Transition(FORWARD[s.action], ACTION_LABELS[s.action], frozenset({s.state}), frozenset({s.role}))
               for s in line[:-1]]
    returns: dict[Role, set[str]] = {}
    for s in line[1:len(review)]:
        returns.setdefault(s.role, set()).add(s.state)
    open_review = frozenset(review) | {SUPPLEMENT}
    return (
        *forward,
        Transition(Action.SUPPLEMENT, ACTION_LABELS["supplement"], frozenset(review), CLERK | REVIEWER, needs_reasons=True),
        *(Transition(Action.RETURN, ACTION_LABELS["return"], frozenset(states), frozenset({role}), needs_reasons=True)
          for role, states in returns.items()),
        Transition(Action.RESUME, ACTION_LABELS["resume"], frozenset({SUPPLEMENT}), CLERK),
        Transition(Action.REJECT, ACTION_LABELS["reject"], open_review, APPROVER, needs_reasons=True),
        Transition(Action.WITHDRAW, ACTION_LABELS["withdraw"], open_review, CLERK, needs_reasons=True),
    )


def transition_for(transitions: Iterable[Transition], action: Action, state: str) -> Transition:
    transitions = tuple(transitions)
    for t in transitions:
        if t.action is action and state in t.sources:
            return t
    labels = {t.label for t in transitions if t.action is action}
    raise SoregError(f"办件当前处于“{state}”，不能执行“{'/'.join(sorted(labels)) or action.value}”。", field="办件状态")


def available_transitions(business: Business, state: str, user: UserInfo,
                          changed: frozenset[str] = frozenset()) -> list[Transition]:
    """The actions ``user`` may take on a case of ``business`` in ``state`` (what the case page offers)."""
    return [t for t in transitions_of(business, changed) if state in t.sources and t.roles & user.roles]


def return_targets(business: Business, state: str, passed: Iterable[str],
                   changed: frozenset[str] = frozenset()) -> list[str]:
    """The steps a case in ``state`` may be returned to (退回): the earlier steps of its main line
    that it has been in (``passed``: the states of its history)."""
    line = [s.state for s in business.main_line(changed)]
    if state not in line:
        return []
    been = set(passed)
    return [s for s in line[: line.index(state)] if s in been]


def review_step(state: str, resume_state: str | None) -> str:
    """The step whose checks a case answers to: its own, or in 补正 the one it will return to."""
    return resume_state if state == SUPPLEMENT and resume_state else state


def step_checks(business: Business, state: str, changed: frozenset[str] = frozenset()) -> tuple[str, ...]:
    """The check ids the step ``state`` of ``business`` runs for a case changing ``changed`` (none in a side state)."""
    step = business.step(state)
    return step.checks_for(changed) if step is not None else ()


@dataclass(frozen=True)
class Collector:
    """Who comes for the certificate at 发证 (领证人), as the clerk gave it: the legal representative,
    or an agent (代理人) with the name and ID number as typed."""

    kind: CollectorKind
    name: str = ""
    id_number: str = ""


class StepRefused(SoregError):
    """The step's checks found reasons to refuse; ``findings`` has all of them."""

    def __init__(self, step: str, findings: Sequence[Finding]) -> None:
        rejects = [f for f in findings if f.level == "reject"]
        more = f"（共 {len(rejects)} 项问题）" if len(rejects) > 1 else ""
        super().__init__(f"“{step}”未通过：{rejects[0].message}{more}", field=step)
        self.findings = tuple(findings)


class WarningsNotAcknowledged(SoregError):
    """The step has warnings the user has not confirmed having looked at."""

    def __init__(self, step: str, warnings: Sequence[Finding]) -> None:
        listed = "；".join(w.message for w in warnings)
        super().__init__(f"“{step}”有 {len(warnings)} 项提示需审核人确认：{listed}", field=step)
        self.findings = tuple(warnings)


@dataclass(frozen=True)
class Outcome:
    """A performed transition: the case as it now is, the findings seen, the registration if any."""

    case: CaseSummary
    findings: tuple[Finding, ...] = ()
    registration: Registration | None = None


def _read_words(reasons: Sequence[str], opinion: str) -> tuple[list[str], str]:
    """The reasons and the opinion as typed, read with the text policy."""
    cleaned, errors = read_reasons(reasons)
    values, more = read_fields((OPINION,), {OPINION.key: opinion})
    errors += more
    if errors:
        raise SoregError(errors[0].message, field=errors[0].label)
    return cleaned, values[OPINION.key] or ""


def _record_collector(case: Case, collector: Collector | None) -> str:
    """Write who collected the certificate onto ``case``; return the line for the history."""
    if collector is None:
        raise SoregError("发证须登记领证人：法定代表人本人，或代理人的姓名和身份证号。", field="领证人")
    if collector.kind is CollectorKind.AGENT:
        values, errors = read_agent({"name": collector.name, "id_number": collector.id_number})
        if errors:
            raise SoregError(errors[0].message, field=errors[0].path)
        name, number = values["name"], values["id_number"]
    else:
        person = next(p for p in case.persons if PersonRole.LEGAL_REPRESENTATIVE in p.role_set)
        name, number = person.name, person.id_number
    case.collector_kind, case.collector_name, case.collector_id_number = collector.kind.value, name, number
    case.collected_at = utcnow()
    return f"领证人：{collector.kind.value} {name}（{number}）"


def _checked(session: Session, case: Case, rules: dict, on: date, checks: Sequence[str], state: str, note: str,
             acknowledged: bool) -> tuple[list[Finding], str]:
    """The step's findings, refused on a reject or on warnings not acknowledged; the note with the
    warnings the user confirmed."""
    findings = run_checks_in(session, case, rules, on, checks)
    if has_rejects(findings):
        raise StepRefused(state, findings)
    warnings = warnings_of(findings)
    if warnings and not acknowledged:
        raise WarningsNotAcknowledged(state, warnings)
    if warnings:
        note = "；".join(filter(None, [note, "已确认提示：" + "；".join(w.message for w in warnings)]))
    return findings, note


def passed_states_in(session: Session, case: Case) -> set[str]:
    """The states ``case`` has been in, from its history."""
    return set(session.scalars(select(CaseStep.to_state).where(CaseStep.case_id == case.id)))


def perform(store: Store, case_no: str, action: Action, *, user: UserInfo, on: date | None = None,
            reasons: Sequence[str] = (), note: str = "", opinion: str = "", acknowledge_warnings: bool = False,
            return_to: str | None = None, collector: Collector | None = None) -> Outcome:
    """Move case ``case_no`` by ``action``; refuse with a Chinese message, changing nothing.

    ``opinion`` is the reviewer's 审查意见; ``return_to`` the step a 退回 goes back to; ``collector``
    who collects the certificate at 发证.
    """
    on = on or date.today()
    with store.write() as session:
        case = find_case_in(session, case_no)
        kind, changed, state = business(case.business_type), changed_items(case), case.state
        transition = transition_for(transitions_of(kind, changed), action, state)
        require_role(user, transition.roles, transition.label)
        reasons, opinion = _read_words(reasons, opinion)
        if transition.needs_reasons and not reasons:
            raise SoregError(f"“{transition.label}”须写明理由，请填写。", field="理由")
        findings: list[Finding] = []
        registration = None
        line = [s.state for s in kind.main_line(changed)]
        if action in (Action.ADVANCE, Action.APPROVE):
            if action is Action.APPROVE:
                require_second_person_in(session, case, user)
            rules = case_rules_in(session)
            checks = step_checks(kind, state, changed)
            findings, note = _checked(session, case, rules, on, checks, state, note, acknowledge_warnings)
            warnings = warnings_of(findings)
            if "name" in checks and action is Action.ADVANCE and warnings:
                case.name_warnings_ack_by, case.name_warnings_ack_at = user.username, utcnow()
            target = line[line.index(state) + 1]
            if action is Action.APPROVE:
                registration = apply_effect_in(session, case, rules, actor=user.username, on=on)
        elif action is Action.SUPPLEMENT:
            stop_clock(case, on)
            case.resume_state, target = state, SUPPLEMENT
        elif action is Action.RESUME:
            stopped = resume_clock(case, on)
            target = case.resume_state
            case.resume_state = None
            note = "；".join(filter(None, [note, f"时限中止 {stopped} 个工作日，承诺办结日顺延至 {case.due_date:%Y-%m-%d}"]))
        elif action is Action.RETURN:
            targets = return_targets(kind, state, passed_states_in(session, case), changed)
            if return_to not in targets:
                raise SoregError(f"请选择退回到的环节（本办件已经过的环节：{'、'.join(targets)}）。", field="退回至")
            target = return_to
        elif action in (Action.PRINT, Action.ISSUE):
            rules = case_rules_in(session)
            findings, note = _checked(session, case, rules, on, step_checks(kind, state, changed), state, note,
                                      acknowledge_warnings)
            if action is Action.PRINT:
                require_certificate_printed_in(session, case)
            else:
                note = "；".join(filter(None, [note, _record_collector(case, collector)]))
            if (effect := kind.step(state).effect) is not None:
                effect(session, case, rules, actor=user.username, on=on)
            target = line[line.index(state) + 1]
        else:  # REJECT, WITHDRAW
            target = {Action.REJECT: REJECTED, Action.WITHDRAW: WITHDRAWN}[action]
        if target in FINAL:
            case.closed_on = on
        case.state = target
        follow_case_in(session, case, state, target, passed=action in (Action.ADVANCE, Action.APPROVE),  # 名称保留
                       approved=action is Action.APPROVE, on=on, actor=user.username)
        extra = {"due_date": case.due_date, "statutory_due_date": case.statutory_due_date}
        if isinstance(registration, Registration):
            extra |= {"credit_code": registration.credit_code, "organization_id": registration.organization_id}
        append_step_in(session, case, action=action.value, from_state=state, actor=user.username,
                       note=note, reasons=reasons, opinion=opinion, audit_after=extra)
        return Outcome(summary_of(case), tuple(findings), registration)


def findings_in(session: Session, case: Case, on: date) -> list[Finding]:
    """The findings of the step the case answers to (in 补正: the step it returns to)."""
    checks = step_checks(business(case.business_type), review_step(case.state, case.resume_state), changed_items(case))
    return run_checks_in(session, case, case_rules_in(session), on, checks)


def preview_findings(store: Store, case_no: str, *, on: date | None = None) -> list[Finding]:
    """The findings the case's current step would see now, without changing anything."""
    with store.read() as session:
        return findings_in(session, find_case_in(session, case_no), on or date.today())
