"""The business catalogue (workflow/catalogue.py): 成立登记 as declared, the refusals of a wrong
declaration, and a business declared here — data and one effect function — that the state
machine, the case page, the 办件 list and the dashboard run without any change of theirs."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from models.accounts import Role
from models.audit import AuditEvent, record_event_in
from models.errors import SoregError
from models.print_records import DocumentKind
from tests.workflow_fixtures import GROUP_FORM, make_window
from workflow.case_page import case_page
from workflow.case_queries import CaseFilter, CaseOrder, case_list_page, dashboard
from workflow.catalogue import (
    BUSINESSES,
    Business,
    Step,
    business,
    businesses,
    declare,
    parse_business,
)
from workflow.intake import open_case
from workflow.queries import get_case
from workflow.transitions import Action, perform

ACCEPTED_ON, ON = date(2026, 9, 21), date(2026, 9, 22)
TEST_BUSINESS = "测试备案"
SITE_VISIT = "实地核查"  # a step of its own, not a CaseState


def record_filing_in(session, case, rules, *, actor: str, on: date) -> None:
    """The test business's effect: an audit event in the approval's own transaction."""
    record_event_in(session, actor=actor, action="test.filing", record_type="case", record_id=case.case_no,
                 before=None, after={"address": case.address, "on": on})


def filing() -> Business:
    return Business(
        name=TEST_BUSINESS, org_types=("社会团体",), items=("name", "address", "street_code"),
        steps=(Step("受理", Role.CLERK, "submit", ("materials",)),
               Step(SITE_VISIT, Role.REVIEWER, "advance", needed_when=frozenset({"address", "street_code"})),
               Step("核准登记", Role.APPROVER, "approve"),
               Step("办结")),
        effect=record_filing_in,
        documents={"*": (DocumentKind.RECEIPT,), "补正": (DocumentKind.CORRECTION_NOTICE,)},
        materials="成立登记", deadlines="变更登记",
    )


@pytest.fixture
def declared():
    undo = declare(filing())
    yield business(TEST_BUSINESS)
    undo()


@pytest.fixture
def window(tmp_path):
    w = make_window(tmp_path)
    yield w
    w.store.close()


def labels(page) -> list[str]:
    return [t.label for t in page.actions]


def test_establishment_is_declared_once_with_every_step_and_its_effect():
    establish = business("成立登记")
    assert [b.name for b in businesses()] == ["成立登记", "变更登记"]  # in BusinessType order
    assert [s.state for s in establish.main_line()] == [
        "受理", "名称核准", "业务范围审定", "业务主管单位审查", "发起人/拟任负责人审查", "核准登记", "制证", "发证", "办结"]
    assert establish.approval_step.checks[-2:] == ("conditions", "certificate")
    assert establish.effect.__module__ == "workflow.businesses.establish"
    assert establish.documents_in("发证") == (DocumentKind.RECEIPT, DocumentKind.CERTIFICATE, DocumentKind.COLLECTION_RECEIPT)
    with pytest.raises(SoregError, match="本窗口不办理“注销登记”"):
        business("注销登记")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["steps"][1].update(checks=["nosuch"]), "环节“名称核准”的审查“nosuch”不存在"),
    (lambda d: d["steps"][1].update(role="boss"), "role “boss”不存在"),
    (lambda d: d["steps"][2].update(needed_when=["colour"]), "needed_when 中的“colour”不在本业务的 items 中"),
    (lambda d: d.update(effect="os:system"), "effect “os:system”在 workflow/businesses/ 中找不到"),
    (lambda d: d.update(org_types=["公司"]), "组织类型“公司”不存在"),
    (lambda d: d["steps"].pop(), "steps 应从“受理”开始、到“办结”结束"),
    (lambda d: d["steps"][5].update(action="advance"), "应有且只有一个 action 为 approve"),
    (lambda d: d["documents"].update({"年检": ["受理回执"]}), "documents 中的“年检”不是本业务的环节"),
    (lambda d: d.update(materials="无此清单"), "尚未配置“社会团体无此清单”的材料清单"),
])
def test_a_wrong_declaration_is_refused_naming_what_is_wrong(change, message):
    data = json.loads((BUSINESSES / "establish.json").read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(SoregError, match=message):
        parse_business(data, "establish.json")


def test_a_business_declared_in_data_runs_through_the_unchanged_engine(window, declared):
    both = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON, business_type=TEST_BUSINESS,
                     changed_items=["address"]).case_no
    plain = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON, business_type=TEST_BUSINESS).case_no
    with pytest.raises(SoregError, match="“purpose”不是“测试备案”可以变更的登记事项"):
        open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON, business_type=TEST_BUSINESS,
                  changed_items=["purpose"])
    assert get_case(window.store, both).due_date == date(2026, 10, 19)  # its limits: 15 working days over 国庆

    # its actions, roles and steps, on the case page
    page = case_page(window.store, both, window.clerk, today=ON)
    assert labels(page) == ["提交审查", "通知补正", "撤回"] and page.documents == (DocumentKind.RECEIPT,)
    with pytest.raises(SoregError, match="没有“窗口受理”角色"):
        perform(window.store, both, Action.ADVANCE, user=window.reviewer, on=ON)
    assert perform(window.store, both, Action.ADVANCE, user=window.clerk, on=ON).case.state == SITE_VISIT
    page = case_page(window.store, both, window.reviewer, today=ON)
    assert page.step == SITE_VISIT and not page.step_has_checks
    assert labels(page) == ["审查通过", "通知补正", "退回"] and page.return_targets == ("受理",)
    assert perform(window.store, both, Action.ADVANCE, user=window.reviewer, on=ON).case.state == "核准登记"
    assert labels(case_page(window.store, both, window.approver, today=ON)) == ["核准登记", "退回", "不予登记"]

    # a case that does not change the address skips the conditional step
    assert perform(window.store, plain, Action.ADVANCE, user=window.clerk, on=ON).case.state == "核准登记"
    assert case_page(window.store, plain, window.approver, today=ON).return_targets == ("受理",)

    # the list's business filter and the dashboard count it
    listed = case_list_page(window.store, CaseFilter(business_type=TEST_BUSINESS), CaseOrder(), ON)
    assert listed.total == 2 and {r.case_no for r in listed.rows} == {both, plain}
    assert dict(dashboard(window.store, window.approver, ON).open_by_business) == {"成立登记": 0, "变更登记": 0, TEST_BUSINESS: 2}
    mine = case_list_page(window.store, CaseFilter(mine=window.approver), CaseOrder(), ON)
    assert {r.case_no for r in mine.rows} == {both, plain}

    # approval runs its effect in the same transaction, and the case ends at 办结
    outcome = perform(window.store, both, Action.APPROVE, user=window.approver, on=ON)
    assert outcome.case.state == "办结" and outcome.registration is None
    with window.store.read() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "test.filing"))
    assert event is not None and event.record_id == both and event.actor == window.approver.username
    assert dict(dashboard(window.store, window.approver, ON).open_by_business)[TEST_BUSINESS] == 1
    assert case_page(window.store, both, window.approver, today=ON).actions == ()


def test_a_business_the_window_does_not_declare_cannot_be_opened(window):
    with pytest.raises(SoregError, match="本窗口不办理“测试备案”"):
        open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON, business_type=TEST_BUSINESS)


def test_the_cases_page_offers_a_declared_business_and_opens_its_case(tmp_path, qtbot, declared):
    from PySide6.QtWidgets import QApplication

    from ui.context import PageContext
    from ui.fonts import install_fonts
    from ui.pages.cases_page import CasesPage
    from ui.pages.dashboard_page import DashboardPage
    from ui.tasks import TaskRunner

    install_fonts(QApplication.instance())
    w = make_window(tmp_path)
    tasks = TaskRunner()
    try:
        case_no = open_case(w.store, GROUP_FORM, user=w.clerk, business_type=TEST_BUSINESS, changed_items=["address"]).case_no
        perform(w.store, case_no, Action.ADVANCE, user=w.clerk)
        context = PageContext(store=w.store, user=w.reviewer, tasks=tasks)
        page = CasesPage(context)
        qtbot.addWidget(page)
        combo = page.business_combo
        assert [combo.itemText(i) for i in range(combo.count())] == ["全部业务", "成立登记", "变更登记", TEST_BUSINESS]
        assert page.state_combo.findData(SITE_VISIT) > 0
        assert [a.text() for a in page.new_menu.actions()] == ["成立登记", "变更登记", TEST_BUSINESS]
        combo.setCurrentIndex(combo.findData(TEST_BUSINESS))
        qtbot.waitUntil(lambda: page.model.ready and page.model.rowCount() == 1, timeout=10000)
        page.open_case(page.model.row(0).case_no)
        view = page.case_view
        qtbot.waitUntil(lambda: view.snapshot is not None and not view.loading, timeout=10000)
        assert view.case_no == case_no and view.snapshot.step == SITE_VISIT
        assert set(view.action_buttons) >= {Action.ADVANCE, Action.RETURN}
        dashboard_page = DashboardPage(context)
        qtbot.addWidget(dashboard_page)
        qtbot.waitUntil(lambda: TEST_BUSINESS in dashboard_page.business_buttons, timeout=10000)
        assert dashboard_page.business_buttons[TEST_BUSINESS].text() == f"{TEST_BUSINESS} 1 件"
    finally:
        tasks.shut_down()
        w.store.close()
