"""The case page's content (workflow/case_page.py), read without Qt: what a user is offered and sees."""

from __future__ import annotations

from datetime import date

from accounts.window_settings import set_four_eyes
from models.cases import CaseState
from models.print_records import DocumentKind
from tests.test_workflow_cases import ACCEPTED_ON, walk_to, window  # noqa: F401  (the fixture)
from tests.workflow_fixtures import GROUP_FORM
from workflow.case_page import case_page
from workflow.intake import open_case
from workflow.transitions import Action, perform

ON = date(2026, 9, 22)


def actions(page) -> list[str]:
    return [t.label for t in page.actions]


def test_the_user_who_accepted_a_case_is_not_offered_its_approval(window):
    case_no = open_case(window.store, GROUP_FORM, user=window.clerk_approver, today=ACCEPTED_ON).case_no
    walk_to(window, case_no, CaseState.APPROVAL, on=ON)
    own = case_page(window.store, case_no, window.clerk_approver, today=ON)
    assert "核准登记" not in actions(own) and own.four_eyes_withheld
    assert actions(own) == ["通知补正", "退回", "不予登记", "撤回"]  # the rest of both roles
    other = case_page(window.store, case_no, window.approver, today=ON)
    assert actions(other) == ["核准登记", "退回", "不予登记"] and not other.four_eyes_withheld
    set_four_eyes(window.store, False, actor="admin")
    assert "核准登记" in actions(case_page(window.store, case_no, window.clerk_approver, today=ON))


def test_a_user_who_may_not_approve_anyway_is_not_told_about_four_eyes(window):
    case_no = open_case(window.store, GROUP_FORM, user=window.clerk_approver, today=ACCEPTED_ON).case_no
    walk_to(window, case_no, CaseState.NAME_REVIEW, on=ON)
    page = case_page(window.store, case_no, window.clerk_approver, today=ON)
    assert not page.four_eyes_withheld and "核准登记" not in actions(page)


def test_the_page_holds_items_with_the_forms_labels_history_findings_and_documents(window):
    case_no = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON).case_no
    walk_to(window, case_no, CaseState.SCOPE_REVIEW, on=ON)
    page = case_page(window.store, case_no, window.reviewer, today=ON)
    items = {i.label: i.value for i in page.items}
    assert items["业务主管单位批准日期"] == date(2026, 8, 20)  # the intake form's label, not a shorter one
    assert items["所属街镇"] == "华阳路街道" and items["办件编号"] == case_no and "直接登记类别" not in items
    assert [s.title for s in page.history] == ["受理", "提交审查", "审查通过（名称核准）"]
    assert page.step == CaseState.SCOPE_REVIEW and page.step_has_checks
    assert actions(page) == ["审查通过", "通知补正", "退回"]
    assert page.return_targets == (CaseState.ACCEPTED, CaseState.NAME_REVIEW)
    assert page.may_amend and not page.may_receive
    assert page.documents == (DocumentKind.RECEIPT,)
    assert page.deadline.due_date == page.detail.items["due_date"]


def test_a_case_in_correction_offers_the_notice_and_the_clerk_receives_materials(window):
    case_no = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON).case_no
    walk_to(window, case_no, CaseState.NAME_REVIEW, on=ON)
    perform(window.store, case_no, Action.SUPPLEMENT, user=window.reviewer, on=ON, reasons=["章程草案"])
    page = case_page(window.store, case_no, window.clerk, today=ON)
    assert page.documents == (DocumentKind.RECEIPT, DocumentKind.CORRECTION_NOTICE)
    assert page.step == CaseState.NAME_REVIEW  # the step it returns to
    assert page.may_receive and actions(page) == ["材料补齐", "撤回"]
