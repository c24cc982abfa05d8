"""Establishment cases walked through the state machine, as the database records them."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from models.audit import AuditEvent, verify_chain_in
from models.cases import Case, CaseState, CaseStep, CollectorKind
from models.errors import SoregError
from models.registry import Organization, OrganizationCode
from models.settings import FOUR_EYES, set_setting_in
from registry.credit_code import validate_credit_code
from registry.name_check import check_name_in
from tests.workflow_fixtures import (
    GROUP_FORM,
    SERVICE_FORM,
    form,
    make_window,
    print_certificates,
)
from workflow.amend import amend_case, correction_form
from workflow.case_queries import case_detail
from workflow.catalogue import business
from workflow.intake import open_case
from workflow.materials import receive_material
from workflow.queries import case_history, get_case
from workflow.transitions import (
    Action,
    Collector,
    StepRefused,
    WarningsNotAcknowledged,
    available_transitions,
    perform,
)

ACCEPTED_ON = date(2026, 9, 21)
ESTABLISH = business("成立登记")


@pytest.fixture
def window(tmp_path):
    w = make_window(tmp_path)
    yield w
    w.store.close()


def walk_to(window, case_no, state: CaseState, *, on=date(2026, 9, 22)):
    """Advance a case along the main line until it reaches ``state`` (warnings acknowledged)."""
    actors = {CaseState.ACCEPTED: window.clerk}
    while get_case(window.store, case_no).state != state.value:
        current = CaseState(get_case(window.store, case_no).state)
        if current is CaseState.APPROVAL:
            perform(window.store, case_no, Action.APPROVE, user=window.approver, on=on, acknowledge_warnings=True)
        elif current is CaseState.CERTIFICATE:
            print_certificates(window, case_no)
            perform(window.store, case_no, Action.PRINT, user=window.clerk, on=on)
        elif current is CaseState.ISSUE:
            perform(window.store, case_no, Action.ISSUE, user=window.clerk, on=on,
                    collector=Collector(CollectorKind.LEGAL_REPRESENTATIVE))
        else:
            perform(window.store, case_no, Action.ADVANCE, user=actors.get(current, window.reviewer), on=on,
                    acknowledge_warnings=True)


def corrected_form(window, case_no: str, **items: str) -> dict:
    """The case's correction form with some registered items changed."""
    data = correction_form(case_detail(window.store, case_no))
    data["organization"].update(items)
    return data


@pytest.mark.parametrize("base", [GROUP_FORM, SERVICE_FORM], ids=["社会团体", "民办非企业单位"])
def test_case_walks_from_intake_to_issued(window, base):
    case = open_case(window.store, base, user=window.clerk, today=ACCEPTED_ON)
    assert case.case_no == "310105-W01-2026-000001"
    assert case.state == "受理" and case.due_date == date(2026, 10, 26)
    walk_to(window, case.case_no, CaseState.CLOSED)

    done = get_case(window.store, case.case_no)
    assert done.state == "办结"
    assert validate_credit_code(done.credit_code).valid
    history = case_history(window.store, case.case_no)
    assert [s.to_state for s in history] == ["受理", "名称核准", "业务范围审定", "业务主管单位审查",
                                             "发起人/拟任负责人审查", "核准登记", "制证", "发证", "办结"]
    assert [s.actor for s in history][5:7] == ["reviewer", "approver"]
    with window.store.read() as session:
        org = session.get(Organization, done.organization_id)
        assert (org.name, org.org_type, org.credit_code, org.status) == (base["organization"]["name"],
                                                                         base["organization"]["org_type"], done.credit_code, "正常")
        assert org.established_on == date(2026, 9, 22) and org.certificate_valid_until == date(2031, 9, 21)
        assert session.scalar(select(OrganizationCode.used_by).where(OrganizationCode.used_by == done.credit_code))
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.record_id == case.case_no)).all()
        assert actions.count("case.approve") == 1 and len(actions) == 9
        assert verify_chain_in(session).ok
        # the registry now knows the name: the same name proposed again is refused
        assert check_name_in(session, base["organization"]["name"], base["organization"]["org_type"], date(2026, 9, 23)).verdict == "reject"


def test_case_numbers_count_up_per_window_and_year(window):
    numbers = [open_case(window.store, GROUP_FORM, user=window.clerk, today=day).case_no
               for day in (date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 4))]
    assert numbers == ["310105-W01-2026-000001", "310105-W01-2026-000002", "310105-W01-2027-000001"]


def test_supplement_round_trip_stops_the_clock_over_national_day(window):
    case = open_case(window.store, SERVICE_FORM, user=window.clerk, today=ACCEPTED_ON)
    walk_to(window, case.case_no, CaseState.SPONSOR_REVIEW, on=date(2026, 9, 24))
    with pytest.raises(SoregError, match="须写明理由"):
        perform(window.store, case.case_no, Action.SUPPLEMENT, user=window.reviewer, on=date(2026, 9, 29))
    perform(window.store, case.case_no, Action.SUPPLEMENT, user=window.reviewer, on=date(2026, 9, 29),
            reasons=["直接登记理由不充分，请补充说明材料"])
    stopped = get_case(window.store, case.case_no)
    assert (stopped.state, stopped.resume_state, stopped.stopped_since) == ("补正", "业务主管单位审查", date(2026, 9, 29))
    # while stopped, the days left are counted as of the day the clock stopped, and do not run out
    assert stopped.deadline(date(2026, 10, 20)).working_days_left == stopped.deadline(date(2026, 9, 29)).working_days_left
    assert not stopped.deadline(date(2026, 11, 20)).overdue
    with pytest.raises(SoregError, match="不能执行“审查通过"):
        perform(window.store, case.case_no, Action.ADVANCE, user=window.reviewer, on=date(2026, 10, 9))

    corrected = corrected_form(window, case.case_no, direct_justification="主要为本区社区老年居民提供日间照料，属城乡社区服务类")
    amend_case(window.store, case.case_no, corrected, reason="申请人补充了说明材料", user=window.clerk)
    outcome = perform(window.store, case.case_no, Action.RESUME, user=window.clerk, on=date(2026, 10, 9))
    # stopped 2026-09-29 up to 10-09: 9-29, 9-30 and 10-08 are working days; 10-01..10-07 is 国庆
    assert outcome.case.state == "业务主管单位审查" and outcome.case.resume_state is None
    assert outcome.case.stopped_working_days == 3
    assert outcome.case.due_date == date(2026, 10, 29)  # was 10-26, plus 3 working days
    assert outcome.case.statutory_due_date == date(2026, 11, 30)  # was 11-20, plus 10 calendar days
    walk_to(window, case.case_no, CaseState.CLOSED, on=date(2026, 10, 12))
    history = case_history(window.store, case.case_no)
    assert [s.title for s in history if s.to_state in ("补正", "业务主管单位审查")][:4] == [
        "审查通过（业务范围审定）", "通知补正", "更正登记事项", "材料补齐，恢复业务主管单位审查"]
    assert history[4].reasons == ("直接登记理由不充分，请补充说明材料",)
    amended = history[5]
    assert (amended.from_state, amended.to_state, amended.actor, amended.reasons) == ("补正", "补正", "clerk", ("申请人补充了说明材料",))
    assert [str(c) for c in amended.changes] == [
        "直接登记理由：主要面向本区社区居民提供服务，属城乡社区服务类 → 主要为本区社区老年居民提供日间照料，属城乡社区服务类"]


def test_rejection_needs_reasons_and_is_final(window):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    walk_to(window, case.case_no, CaseState.PERSONS_REVIEW)
    with pytest.raises(SoregError, match="须写明理由"):
        perform(window.store, case.case_no, Action.REJECT, user=window.approver, reasons=["  "])
    with pytest.raises(SoregError, match="没有“审批”角色"):
        perform(window.store, case.case_no, Action.REJECT, user=window.reviewer, reasons=["x"])
    reasons = ["拟任法定代表人不具备完全民事行为能力", "会员名单与实际不符"]
    outcome = perform(window.store, case.case_no, Action.REJECT, user=window.approver, on=date(2026, 9, 30), reasons=reasons)
    assert outcome.case.state == "不予登记"
    assert case_history(window.store, case.case_no)[-1].reasons == tuple(reasons)
    for action, user in ((Action.ADVANCE, window.reviewer), (Action.RESUME, window.clerk), (Action.WITHDRAW, window.clerk)):
        with pytest.raises(SoregError, match="当前处于“不予登记”"):
            perform(window.store, case.case_no, action, user=user, reasons=["x"])
    assert available_transitions(ESTABLISH, "不予登记", window.approver) == []


def test_four_eyes_refuses_the_accepting_user_and_can_be_turned_off(window):
    case = open_case(window.store, GROUP_FORM, user=window.clerk_approver, today=ACCEPTED_ON)
    walk_to(window, case.case_no, CaseState.APPROVAL)
    with pytest.raises(SoregError, match="四眼原则"):
        perform(window.store, case.case_no, Action.APPROVE, user=window.clerk_approver)
    assert get_case(window.store, case.case_no).state == "核准登记"
    with window.store.write() as session:
        set_setting_in(session, FOUR_EYES, False)
    assert perform(window.store, case.case_no, Action.APPROVE, user=window.clerk_approver).case.state == "制证"


def test_roles_and_illegal_transitions_are_refused_in_chinese(window):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    with pytest.raises(SoregError, match="没有“窗口受理”角色，不能提交审查"):
        perform(window.store, case.case_no, Action.ADVANCE, user=window.reviewer)
    with pytest.raises(SoregError, match="当前处于“受理”，不能执行“核准登记”"):
        perform(window.store, case.case_no, Action.APPROVE, user=window.approver)
    with pytest.raises(SoregError, match="没有“窗口受理”角色，不能受理办件"):
        open_case(window.store, GROUP_FORM, user=window.reviewer)
    assert [t.label for t in available_transitions(ESTABLISH, "受理", window.clerk)] == ["提交审查", "通知补正", "撤回"]
    assert [t.label for t in available_transitions(ESTABLISH, "名称核准", window.reviewer)] == ["审查通过", "通知补正", "退回"]
    assert [t.label for t in available_transitions(ESTABLISH, "核准登记", window.approver)] == ["核准登记", "退回", "不予登记"]
    assert get_case(window.store, case.case_no).state == "受理"


def test_missing_materials_block_review_until_received(window):
    data = form(GROUP_FORM)
    data["received"] = [c for c in data["received"] if c != "HYMD"]
    case = open_case(window.store, data, user=window.clerk, today=ACCEPTED_ON)
    with pytest.raises(StepRefused, match="会员名单 尚未收到") as refused:
        perform(window.store, case.case_no, Action.ADVANCE, user=window.clerk)
    assert [f.rule for f in refused.value.findings] == ["materials.missing"]
    receive_material(window.store, case.case_no, "HYMD", user=window.clerk)
    assert perform(window.store, case.case_no, Action.ADVANCE, user=window.clerk).case.state == "名称核准"


def test_name_warnings_need_the_reviewers_acknowledgement(window):
    case = open_case(window.store, form(SERVICE_FORM, name="上海市长宁区国际文化交流中心"), user=window.clerk,
                     today=ACCEPTED_ON)
    perform(window.store, case.case_no, Action.ADVANCE, user=window.clerk)
    with pytest.raises(WarningsNotAcknowledged, match="国际"):
        perform(window.store, case.case_no, Action.ADVANCE, user=window.reviewer)
    perform(window.store, case.case_no, Action.ADVANCE, user=window.reviewer, acknowledge_warnings=True)
    with window.store.read() as session:
        row = session.scalar(select(Case).where(Case.case_no == case.case_no))
        assert row.name_warnings_ack_by == "reviewer" and row.state == "业务范围审定"
    assert "已确认提示" in case_history(window.store, case.case_no)[-1].note


def test_name_taken_before_approval_is_refused_at_approval(window):
    first = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    second = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    walk_to(window, second.case_no, CaseState.APPROVAL)
    # the second holds the name (名称保留): the first is refused at 名称核准 until the 保留期 runs out
    with pytest.raises(StepRefused, match=second.case_no):
        walk_to(window, first.case_no, CaseState.CERTIFICATE)
    walk_to(window, first.case_no, CaseState.CERTIFICATE, on=date(2027, 3, 22))
    with pytest.raises(StepRefused, match="核准登记"):
        perform(window.store, second.case_no, Action.APPROVE, user=window.approver, acknowledge_warnings=True,
                on=date(2027, 3, 22))
    with window.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Organization)) == 1
        assert session.scalar(select(func.count()).where(OrganizationCode.used_by.is_not(None))) == 1


def test_withdrawal_by_the_clerk(window):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    perform(window.store, case.case_no, Action.SUPPLEMENT, user=window.clerk, reasons=["缺少会员名单原件"])
    outcome = perform(window.store, case.case_no, Action.WITHDRAW, user=window.clerk, reasons=["申请人书面申请撤回"])
    assert outcome.case.state == "撤回"


def test_history_is_append_only(window):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    for statement in ("UPDATE case_steps SET note = 'x'", "DELETE FROM case_steps"):
        with pytest.raises(IntegrityError, match="只能追加"), window.store.write() as session:
            session.execute(text(statement))
    with window.store.read() as session:
        step = session.scalar(select(CaseStep).where(CaseStep.case_id == case.id))
        assert (step.action, step.to_state, json.loads(step.reasons)) == ("accept", "受理", [])

