"""The 办件 GUI driven through real widgets (offscreen) on a real store: the intake wizard, the case
page through every review step to approval by a second user, the list, the ledger and the 首页."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QPushButton, QWizard

from models.cases import CaseState
from tests.workflow_fixtures import GROUP_FORM, demo_cases, make_window
from ui.case_view import CaseView, ReasonsDialog
from ui.case_wizard import CaseWizard
from ui.context import PageContext
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.pages import PAGES
from ui.pages.cases_page import CasesPage
from ui.pages.dashboard_page import DashboardPage
from ui.tasks import TaskRunner
from workflow.case_queries import CaseFilter, count_cases_in
from workflow.queries import get_case

from screens import SCREENSHOTS  # noqa: E402


@pytest.fixture
def window(tmp_path, qtbot):
    install_fonts(QApplication.instance())
    w = make_window(tmp_path)
    tasks = TaskRunner()
    w.tasks = tasks
    yield w
    tasks.shut_down()
    w.store.close()


def context(window, user) -> PageContext:
    return PageContext(store=window.store, user=user, tasks=window.tasks)


def shot(widget, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert widget.grab().save(str(SCREENSHOTS / name))


def next_button(wizard: CaseWizard) -> QPushButton:
    return wizard.button(QWizard.WizardButton.NextButton)


def fill_wizard(qtbot, wizard: CaseWizard, form: dict, screenshots: bool = False) -> None:
    """Type ``form`` into the wizard page by page, pressing 下一步 (Enter) after each."""
    for key, value in form["organization"].items():
        wizard.organization_page.inputs[key].set_text(value)
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=15000)  # the name check's verdict has come
    if screenshots:
        shot(wizard, "case_wizard_1_items.png")
    qtbot.keyClick(wizard, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.scope_page
    for n, item in enumerate(form["scope_items"]):
        if n:
            qtbot.mouseClick(wizard.scope_page.add_button, Qt.MouseButton.LeftButton)
        for key, value in item.items():
            text = next((c for c in wizard.scope_page.table.fields[0].choices() if c.startswith(value + " ")), value) \
                if key == "catalogue_code" else value
            wizard.scope_page.table.set_cell(n, key, text)
    assert next_button(wizard).isEnabled(), [e.message for e in wizard.errors]
    if screenshots:
        shot(wizard, "case_wizard_2_scope.png")
    qtbot.keyClick(wizard, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.persons_page
    for n, person in enumerate(form["persons"]):
        if n:
            qtbot.mouseClick(wizard.persons_page.add_button, Qt.MouseButton.LeftButton)
        for key, value in person.items():
            wizard.persons_page.table.set_cell(n, key, value)
    assert next_button(wizard).isEnabled(), [e.message for e in wizard.errors]
    if screenshots:
        shot(wizard, "case_wizard_3_persons.png")
    qtbot.keyClick(wizard, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.materials_page
    for code in form["received"]:
        wizard.materials_page.boxes[code].setChecked(True)
    if screenshots:
        shot(wizard, "case_wizard_4_materials.png")
    qtbot.keyClick(wizard, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.confirm_page


def test_an_invalid_field_is_marked_and_disables_next(window, qtbot):
    wizard = CaseWizard(context(window, window.clerk))
    qtbot.addWidget(wizard)
    wizard.show()
    for key, value in GROUP_FORM["organization"].items():
        wizard.organization_page.inputs[key].set_text(value)
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=15000)
    name = wizard.organization_page.inputs["name"]
    name.set_text("ABC Association")
    assert not next_button(wizard).isEnabled()
    assert name.message.isVisible() and name.message.text() == "“拟定名称”应使用中文填写。"
    assert wizard.organization_page.name_verdict.verdict.text() == "名称核准：拟定名称更正后自动核准"
    assert "#c62828" in name.widget.styleSheet()
    phone = wizard.organization_page.inputs["applicant_phone"]
    phone.set_text("12345")
    assert phone.message.text() == "“申请人电话”应为 11 位手机号或固定电话（如 021-62345678），请核对。"
    qtbot.keyClick(wizard, Qt.Key.Key_Return)
    assert wizard.currentPage() is wizard.organization_page  # Enter does not pass a bad page
    wizard.resize(1366, 768)
    shot(wizard, "case_wizard_invalid.png")
    name.set_text(GROUP_FORM["organization"]["name"])
    phone.set_text("13812345678")
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=15000)
    assert not name.message.isVisible() and name.widget.styleSheet() == ""


def test_wizard_tables_mark_bad_cells_and_require_one_legal_representative(window, qtbot):
    wizard = CaseWizard(context(window, window.clerk))
    qtbot.addWidget(wizard)
    wizard.show()
    for key, value in GROUP_FORM["organization"].items():
        wizard.organization_page.inputs[key].set_text(value)
    qtbot.waitUntil(next_button(wizard).isEnabled, timeout=15000)
    wizard.next()
    wizard.scope_page.table.set_cell(0, "text", "组织会员交流活动")
    wizard.next()
    page = wizard.persons_page
    person = dict(GROUP_FORM["persons"][0], roles="发起人")
    for key, value in person.items():
        page.table.set_cell(0, key, value)
    assert not next_button(wizard).isEnabled()
    assert "应有且只有一位拟任法定代表人" in page.messages.text()
    page.table.set_cell(0, "id_number", person["id_number"][:-1] + ("0" if person["id_number"][-1] != "0" else "1"))
    assert "“第 1 位人员的身份证号”校验位（最后一位）不正确" in page.messages.text()
    assert page.table.item(0, 1).background().color().name() == "#ffcdd2"
    page.table.set_cell(0, "id_number", person["id_number"])
    page.table.set_cell(0, "roles", "发起人、法定代表人")
    assert next_button(wizard).isEnabled() and page.messages.text() == ""


def open_view(qtbot, window, user, case_no: str) -> CaseView:
    view = CaseView(context(window, user))
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    view.show_case(case_no)
    qtbot.waitUntil(lambda: view.snapshot is not None and not view.loading, timeout=10000)
    return view


def act(qtbot, view: CaseView, action: str) -> None:
    before = view.snapshot.detail.state
    if view.acknowledge.isVisible():
        view.acknowledge.setChecked(True)
    qtbot.mouseClick(view.action_buttons[next(a for a in view.action_buttons if a.value == action)], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.loading and view.snapshot.detail.state != before, timeout=10000)


def buttons(view: CaseView) -> list[str]:
    return [b.text() for b in view.action_buttons.values()]


def button_for(view: CaseView, action: str) -> QPushButton:
    return view.action_buttons[next(a for a in view.action_buttons if a.value == action)]


def shown_child(parent, kind, name: str = ""):
    """The visible child window of ``parent`` of type ``kind`` (and object name ``name``), if any."""
    return next((w for w in parent.findChildren(kind) if w.isVisible() and (not name or w.objectName() == name)), None)


def when_shown(find, act) -> dict:
    """Once ``find()`` gives a visible dialog, run ``act(dialog)`` on it (from the dialog's own event
    loop). If ``act`` fails, the dialog is closed so that the test reports the failure, not a hang.
    Setting ``["stop"]`` of the returned dict stops the waiting."""
    waiting = {"stop": False}

    def attempt() -> None:
        if waiting["stop"]:
            return
        dialog = find()
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(50, attempt)
            return
        try:
            act(dialog)
        except BaseException:
            dialog.done(0)
            raise

    QTimer.singleShot(0, attempt)
    return waiting


def answer_box(qtbot, view, name: str, button: str, seen: dict | None = None) -> dict:
    """When the message box ``name`` opens over ``view``, note its text and buttons and click ``button``."""
    def act(box: QMessageBox) -> None:
        if seen is not None:
            seen.update(text=box.text(), buttons=[b.text() for b in box.buttons()], format=box.textFormat())
        qtbot.mouseClick(next(b for b in box.buttons() if b.text() == button), Qt.MouseButton.LeftButton)

    return when_shown(lambda: shown_child(view, QMessageBox, name), act)


def test_a_whole_case_from_the_wizard_to_certificate_printing(window, qtbot):
    # intake by a user who is both clerk and approver: four-eyes keeps them from approving it
    wizard = CaseWizard(context(window, window.clerk_approver))
    qtbot.addWidget(wizard)
    wizard.resize(1366, 768)
    wizard.show()
    fill_wizard(qtbot, wizard, GROUP_FORM, screenshots=True)
    assert "材料齐全" in wizard.confirm_page.summary.text() and "李建国" in wizard.confirm_page.summary.text()
    shot(wizard, "case_wizard_5_confirm.png")
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.result_page, timeout=10000)
    case_no = wizard.case.case_no
    assert wizard.result_page.case_label.text() == f"办件编号：{case_no}"
    assert wizard.result_page.print_button.text() == "打印受理回执(&P)…"
    shot(wizard, "case_wizard_6_done.png")
    case = get_case(window.store, case_no)
    assert (case.state, case.accepted_by, case.name) == ("受理", "both", GROUP_FORM["organization"]["name"])

    # 受理 → 名称核准: the clerk submits for review; a reviewer's buttons would be refused, so none are shown
    clerk_view = open_view(qtbot, window, window.clerk_approver, case_no)
    assert buttons(clerk_view) == ["提交审查", "通知补正", "不予登记", "撤回"]
    assert [clerk_view.tabs.tabText(i) for i in range(clerk_view.tabs.count())] == ["基本信息", "人员", "材料", "审查", "历史"]
    reviewer_view = open_view(qtbot, window, window.reviewer, case_no)
    assert buttons(reviewer_view) == ["通知补正"]
    clerk_view.tabs.setCurrentWidget(clerk_view.review)
    reviewer_view.tabs.setCurrentWidget(reviewer_view.review)
    act(qtbot, clerk_view, "advance")
    assert clerk_view.snapshot.detail.state == "名称核准"

    for step in ("名称核准", "业务范围审定", "业务主管单位审查", "发起人/拟任负责人审查"):
        reviewer_view.reload()
        qtbot.waitUntil(lambda step=step: not reviewer_view.loading and reviewer_view.snapshot.detail.state == step, timeout=10000)
        assert reviewer_view.step_label.text() == f"当前环节：{step}"
        assert buttons(reviewer_view) == ["审查通过", "通知补正", "退回"]
        assert reviewer_view.opinion.isVisible()
        reviewer_view.opinion.setFocus()
        reviewer_view.opinion.insertPlainText(f"{step}审查无误，同意。")  # as an input method commits Chinese text
        act(qtbot, reviewer_view, "advance")
        assert reviewer_view.opinion.toPlainText() == ""
    assert reviewer_view.snapshot.detail.state == "核准登记"
    reviewer_view.tabs.setCurrentIndex(3)
    shot(reviewer_view, "case_review.png")

    # the user who accepted the case holds the approver role, but is not offered 核准登记
    own_view = open_view(qtbot, window, window.clerk_approver, case_no)
    assert "核准登记" not in buttons(own_view) and "四眼原则" in own_view.note_label.text()
    approver_view = open_view(qtbot, window, window.approver, case_no)
    assert buttons(approver_view) == ["核准登记", "退回", "不予登记"]
    # 核准登记 asks first; 取消 leaves the case as it was
    seen: dict = {}
    answer_box(qtbot, approver_view, "confirmApprove", "取消", seen)
    qtbot.mouseClick(button_for(approver_view, "approve"), Qt.MouseButton.LeftButton)
    assert seen["buttons"] == ["核准登记", "取消"] and "核准“上海市长宁区养老服务协会”的成立登记？" in seen["text"]
    assert get_case(window.store, case_no).state == "核准登记" and not approver_view.loading
    answer_box(qtbot, approver_view, "confirmApprove", "核准登记")
    act(qtbot, approver_view, "approve")
    qtbot.waitUntil(lambda: approver_view.findChild(QMessageBox, "approvedBox") is not None, timeout=5000)
    box = approver_view.findChild(QMessageBox, "approvedBox")
    done = get_case(window.store, case_no)
    assert done.state == CaseState.CERTIFICATE.value and done.credit_code
    assert done.credit_code in box.text()
    qtbot.waitUntil(lambda: approver_view.result_label.text() == f"统一社会信用代码：{done.credit_code}", timeout=5000)
    box.close()
    assert buttons(approver_view) == [] and "没有可执行的操作" in approver_view.note_label.text()
    assert [b.text() for b in approver_view.print_buttons.values()] == ["打印受理回执…", "打印登记证书…", "打印领证回执…"]
    table = approver_view.history_table
    history = [[table.item(r, c).text() for c in (2, 3, 4)] for r in range(table.rowCount())]
    assert history == [
        ["受理", "both", "受理"], ["提交审查", "both", "受理 → 名称核准"],
        ["审查通过（名称核准）", "reviewer", "名称核准 → 业务范围审定"],
        ["审查通过（业务范围审定）", "reviewer", "业务范围审定 → 业务主管单位审查"],
        ["审查通过（业务主管单位审查）", "reviewer", "业务主管单位审查 → 发起人/拟任负责人审查"],
        ["审查通过（发起人/拟任负责人审查）", "reviewer", "发起人/拟任负责人审查 → 核准登记"],
        ["核准登记", "approver", "核准登记 → 制证"]]
    assert table.item(2, 6).text().startswith("审查意见：名称核准审查无误，同意。")
    approver_view.tabs.setCurrentIndex(0)
    shot(approver_view, "case_page.png")


def answer_reasons(qtbot, view: CaseView, typed: str, seen: dict) -> None:
    """When the reasons dialog opens, note its ticked items, type ``typed`` and press 确定."""
    def answer() -> None:
        dialog = view.findChild(ReasonsDialog)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(50, answer)
            return
        seen["items"] = [b.text() for b in dialog.boxes if b.isChecked()]
        seen["ok_enabled_before"] = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
        dialog.text.insertPlainText(typed)  # as an input method commits Chinese text
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, answer)


def test_refusals_supplement_and_rejection_with_reasons(window, qtbot):
    from workflow.intake import open_case

    form = dict(GROUP_FORM, received=[c for c in GROUP_FORM["received"] if c != "HYMD"])
    case = open_case(window.store, form, user=window.clerk)
    view = open_view(qtbot, window, window.clerk, case.case_no)
    assert any("会员名单 尚未收到" in v.finding.message for v in view.finding_views)
    qtbot.mouseClick(view.action_buttons[next(a for a in view.action_buttons if a.value == "advance")], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.findChild(QMessageBox, "refusedBox") is not None, timeout=5000)
    refused = view.findChild(QMessageBox, "refusedBox")
    assert "“受理”未通过：申请材料不齐：会员名单 尚未收到" in refused.text()
    refused.close()
    assert get_case(window.store, case.case_no).state == "受理"
    view.tabs.setCurrentIndex(3)
    shot(view, "case_review_findings.png")

    # 通知补正 asks for the missing items: the missing material is offered, ticked
    seen: dict = {}
    answer_reasons(qtbot, view, "会员名单须由全体会员签字确认", seen)
    act(qtbot, view, "supplement")
    assert seen["items"] == ["会员名单"]
    assert view.snapshot.detail.state == "补正" and buttons(view) == ["材料补齐", "撤回"]
    assert view.history_table.item(1, 5).text() == "会员名单；会员名单须由全体会员签字确认"

    # 不予登记 asks for reasons: 确定 stays disabled until one is written
    approver_view = open_view(qtbot, window, window.approver, case.case_no)
    assert buttons(approver_view) == ["不予登记"]
    seen = {}
    answer_reasons(qtbot, approver_view, "拟任法定代表人不具备完全民事行为能力", seen)
    act(qtbot, approver_view, "reject")
    assert seen == {"items": [], "ok_enabled_before": False}
    assert approver_view.snapshot.detail.state == "不予登记" and buttons(approver_view) == []
    assert approver_view.history_table.item(2, 5).text() == "拟任法定代表人不具备完全民事行为能力"


def cases_page_with(window, qtbot, count: int, *, seed: int) -> CasesPage:
    """The 办件 list as the clerk sees it, on ``count`` demo cases."""
    demo_cases(window, count, seed=seed)
    page = CasesPage(context(window, window.clerk))
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitUntil(lambda: page.model.ready and page.model.rowCount() == count, timeout=10000)
    return page


def test_list_filters_exports_the_ledger_and_opens_a_case(window, qtbot, tmp_path):
    page = cases_page_with(window, qtbot, 48, seed=5)
    page.state_combo.setCurrentIndex(page.state_combo.findData("名称核准"))
    qtbot.waitUntil(lambda: page.model.ready and page.model.rowCount() == 4, timeout=10000)
    assert page.count_label.text() == "共 4 件"
    listed = [page.model.row(r).case_no for r in range(4)]
    assert all(page.model.row(r).state == "名称核准" for r in range(4))

    target = tmp_path / "台账.xlsx"
    page.export_ledger(target)
    qtbot.waitUntil(lambda: page.last_export is not None, timeout=10000)
    done_box = page.findChild(QMessageBox, "exportDone")
    assert done_box.text() == f"已导出 4 件到 {target}"
    done_box.close()
    sheet = load_workbook(target, read_only=True)["办件台账"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("办件编号", "名称", "组织类型", "业务类型", "状态")
    assert [r[0] for r in rows[1:]] == listed and {r[4] for r in rows[1:]} == {"名称核准"}

    page.state_combo.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.model.ready and page.model.rowCount() == 48, timeout=10000)
    page.table.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # a click on 名称: sorted by SQL
    qtbot.waitUntil(lambda: page.model.ready and page.model.current_order.key.value == "name", timeout=10000)
    names = [page.model.row(r).name for r in range(48)]
    assert names == sorted(names)

    page.due_combo.setCurrentIndex(page.due_combo.findData("已超期"))
    with window.store.read() as session:
        from workflow.case_queries import DueFilter

        overdue = count_cases_in(session, CaseFilter(due=DueFilter.OVERDUE), date.today())
    qtbot.waitUntil(lambda: page.model.ready and page.model.rowCount() == overdue, timeout=10000)
    if overdue:
        index = page.model.index(0, 8)
        assert page.model.data(index, Qt.ItemDataRole.BackgroundRole) is not None
        page.table.setCurrentIndex(page.model.index(0, 0))
        page.table.setFocus()
        qtbot.keyClick(page.table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.case_view.snapshot is not None and not page.case_view.loading, timeout=10000)
        assert page.stack.currentIndex() == 1 and page.case_view.case_no == page.model.row(0).case_no
        page.activateWindow()
        qtbot.waitUntil(page.isActiveWindow, timeout=3000)
        qtbot.keyClick(page, Qt.Key.Key_Escape)
        assert page.stack.currentIndex() == 0


def test_main_window_dashboard_and_list_screenshots(window, qtbot):
    demo_cases(window, 240, seed=2)
    main = MainWindow(context(window, window.reviewer), idle_lock_ms=3_600_000)
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    assert PAGES[0][1] == "ui.pages.dashboard_page:DashboardPage"
    dashboard = main.pages.currentWidget()
    assert isinstance(dashboard, DashboardPage)
    qtbot.waitUntil(lambda: dashboard.data is not None, timeout=10000)
    today = date.today()
    with window.store.read() as session:
        expected = {key: count_cases_in(session, dashboard.filter_for(key), today)
                    for key in ("mine", "due_this_week", "overdue", "supplement")}
    assert {k: dashboard.cards[k].count for k in expected} == expected
    assert expected["supplement"] == 20 and expected["mine"] > 0
    shot(main, "dashboard.png")

    qtbot.mouseClick(dashboard.cards["supplement"].button, Qt.MouseButton.LeftButton)
    cases = main.pages.currentWidget()
    assert isinstance(cases, CasesPage)
    qtbot.waitUntil(lambda: cases.model.ready and cases.count_label.text() == "共 20 件", timeout=10000)
    assert cases.state_combo.currentText() == "补正"
    cases.state_combo.setCurrentIndex(0)
    qtbot.waitUntil(lambda: cases.model.ready and cases.model.rowCount() == 240, timeout=10000)
    qtbot.waitUntil(lambda: cases.model.row(0) is not None, timeout=5000)
    shot(main, "case_list.png")
    qtbot.keyClick(main, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert cases.search_edit.hasFocus()


def test_ctrl_n_opens_the_wizard_and_the_receipt_goes_to_the_printing_page(window, qtbot):
    main = MainWindow(context(window, window.clerk), idle_lock_ms=3_600_000)
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    main.nav.setCurrentRow(next(i for i, (_t, spec) in enumerate(PAGES) if spec == "ui.pages.cases_page:CasesPage"))
    cases = main.pages.currentWidget()
    assert isinstance(cases, CasesPage)
    main.activateWindow()
    qtbot.waitUntil(main.isActiveWindow, timeout=3000)
    qtbot.keyClick(main, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: cases.wizard is not None and cases.wizard.isVisible(), timeout=3000)
    wizard = cases.wizard
    fill_wizard(qtbot, wizard, GROUP_FORM)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.CommitButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.result_page, timeout=10000)
    case_no = wizard.case.case_no
    qtbot.mouseClick(wizard.result_page.print_button, Qt.MouseButton.LeftButton)
    printing = main.pages.currentWidget()
    assert type(printing).__name__ == "PrintingPage"
    assert printing.case_edit.text() == case_no and printing.document_combo.currentText().startswith("受理回执")
    assert cases.case_view.case_no == case_no  # back on 办件, the new case is open


def test_materials_are_received_with_their_scanned_files(window, qtbot, tmp_path):
    from workflow.intake import open_case

    form = dict(GROUP_FORM, received=[c for c in GROUP_FORM["received"] if c != "HYMD"])
    case = open_case(window.store, form, user=window.clerk)
    view = open_view(qtbot, window, window.clerk, case.case_no)
    table = view.materials_table
    row = next(r for r in range(table.rowCount()) if table.item(r, 1).text() == "HYMD")
    assert table.item(row, 2).text() == "待补"
    scan = tmp_path / "会员名单.png"
    scan.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    table.selectRow(row)
    view.receive(scan)
    qtbot.waitUntil(lambda: not view.loading and view.materials_table.item(row, 2).text() == "已收", timeout=10000)
    assert view.materials_table.item(row, 4).text() == "会员名单.png"
    assert not any("尚未收到" in v.finding.message for v in view.finding_views)

    reviewer_view = open_view(qtbot, window, window.reviewer, case.case_no)
    assert not reviewer_view.receive_button.isEnabled()  # receiving materials is a clerk's duty


def test_a_double_click_opens_the_case_once(window, qtbot):
    """A double-click is also an activation: opened twice, the case page was drawn twice and a
    warning the approver had just ticked as reviewed came back unticked."""
    page = cases_page_with(window, qtbot, 3, seed=7)
    opened = []
    show_case = page.case_view.show_case
    page.case_view.show_case = lambda case_no: (opened.append(case_no), show_case(case_no))
    cell = page.table.visualRect(page.model.index(1, 0)).center()
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=cell)
    qtbot.waitUntil(lambda: page.case_view.snapshot is not None and not page.case_view.loading, timeout=10000)
    assert opened == [page.model.row(1).case_no]
