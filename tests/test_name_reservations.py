"""名称保留 at one window: a name that passed 名称核准 is held for its case until the case ends or
its 保留期 runs out; the name check at intake, at 名称核准 and at approval names the case holding it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from models.name_reservations import NameReservation
from registry.name_check import check_name
from tests.workflow_fixtures import GROUP_FORM, form, make_window
from workflow.intake import open_case
from workflow.transitions import Action, StepRefused, perform

ACCEPTED_ON = date(2026, 9, 21)
REVIEWED_ON = date(2026, 9, 22)


@pytest.fixture
def window(tmp_path):
    w = make_window(tmp_path)
    yield w
    w.store.close()


def to_name_review(window, data=GROUP_FORM):
    case = open_case(window.store, data, user=window.clerk, today=ACCEPTED_ON)
    perform(window.store, case.case_no, Action.ADVANCE, user=window.clerk, on=ACCEPTED_ON)
    return case


def pass_name_review(window, case_no, on=REVIEWED_ON):
    return perform(window.store, case_no, Action.ADVANCE, user=window.reviewer, on=on, acknowledge_warnings=True)


def reservation(window, case_id) -> NameReservation:
    with window.store.read() as session:
        return session.scalar(select(NameReservation).where(NameReservation.case_id == case_id))


def test_the_second_case_with_the_same_name_is_refused_until_the_first_is_withdrawn(window):
    first, second = to_name_review(window), to_name_review(window)
    pass_name_review(window, first.case_no)
    held = reservation(window, first.id)
    assert (held.name, held.window_code, held.reserved_on, held.expires_on, held.ended_on) == (
        GROUP_FORM["organization"]["name"], "W01", REVIEWED_ON, date(2027, 3, 22), None)

    with pytest.raises(StepRefused) as refused:
        pass_name_review(window, second.case_no)
    finding = next(f for f in refused.value.findings if f.rule == "reserved.identical_name")
    assert first.case_no in finding.message and "窗口 W01" in finding.message and "保留至 2027-03-21" in finding.message
    assert finding.organizations == [first.case_no]

    perform(window.store, first.case_no, Action.WITHDRAW, user=window.clerk, reasons=["申请人书面申请撤回"],
            on=REVIEWED_ON)
    assert (reservation(window, first.id).ended_on, reservation(window, first.id).end_reason) == (REVIEWED_ON, "撤回")
    assert pass_name_review(window, second.case_no).case.state == "业务范围审定"
    assert reservation(window, second.id).ended_on is None
    with window.store.read() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.record_type == "name_reservation")))
    assert actions == ["name.reserve", "name.release", "name.reserve"]


def test_a_case_is_not_refused_for_its_own_reservation_and_intake_names_the_holder(window):
    first = to_name_review(window)
    pass_name_review(window, first.case_no)
    # returned to 名称核准 and passed again: its own reservation does not count, the row is reused
    perform(window.store, first.case_no, Action.RETURN, user=window.reviewer, reasons=["重新核名"],
            return_to="名称核准", on=REVIEWED_ON)
    pass_name_review(window, first.case_no, on=date(2026, 9, 23))
    assert reservation(window, first.id).reserved_on == date(2026, 9, 23)

    # intake (the wizard's check): identical name → reject; a one-character-different 字号 → warn
    same = check_name(window.store, GROUP_FORM["organization"]["name"], "社会团体", REVIEWED_ON)
    assert same.verdict == "reject" and first.case_no in same.findings[-1].message
    near = check_name(window.store, "上海市长宁区养老服务者协会", "社会团体", REVIEWED_ON)
    assert [f.rule for f in near.findings if f.rule.startswith("reserved.")] == ["reserved.one_char_zihao"]
    assert near.verdict == "warn"
    # and at approval too: the same name held by another case blocks, as at 名称核准
    assert check_name(window.store, GROUP_FORM["organization"]["name"], "社会团体", REVIEWED_ON,
                      case_id=first.id).verdict == "pass"


def test_a_reservation_past_its_period_no_longer_blocks(window):
    first, second = to_name_review(window), to_name_review(window)
    pass_name_review(window, first.case_no)
    expires = reservation(window, first.id).expires_on
    assert check_name(window.store, GROUP_FORM["organization"]["name"], "社会团体", expires - date.resolution
                      ).verdict == "reject"
    assert check_name(window.store, GROUP_FORM["organization"]["name"], "社会团体", expires).verdict == "pass"
    assert pass_name_review(window, second.case_no, on=expires).case.state == "业务范围审定"


def test_approval_turns_the_reservation_into_the_registered_name(window):
    from models.cases import CaseState
    from tests.test_workflow_cases import walk_to

    case = to_name_review(window)
    walk_to(window, case.case_no, CaseState.CERTIFICATE)
    held = reservation(window, case.id)
    assert held.end_reason == "已登记"
    result = check_name(window.store, GROUP_FORM["organization"]["name"], "社会团体", REVIEWED_ON)
    assert [f.rule for f in result.findings if f.level == "reject"] == ["identical_name"]  # the registry now


def test_other_names_are_not_held(window):
    first = to_name_review(window)
    pass_name_review(window, first.case_no)
    other = form(GROUP_FORM, name="上海市长宁区青少年科技教育协会")
    assert check_name(window.store, other["organization"]["name"], "社会团体", REVIEWED_ON).verdict == "pass"


def test_a_corrected_name_ends_the_reservation_of_the_old_one(window):
    from workflow.amend import amend_case, correction_form
    from workflow.case_queries import case_detail

    first, second = to_name_review(window), to_name_review(window)
    pass_name_review(window, first.case_no)
    corrected = correction_form(case_detail(window.store, first.case_no))
    corrected["organization"]["name"] = "上海市长宁区青少年科技教育协会"
    amend_case(window.store, first.case_no, corrected, reason="申请人更正名称", user=window.reviewer, on=REVIEWED_ON)
    held = reservation(window, first.id)
    assert (held.ended_on, held.end_reason) == (REVIEWED_ON, "名称更正")
    assert pass_name_review(window, second.case_no).case.state == "业务范围审定"
