"""The 变更登记 wizard and the organization page after a change, through real widgets (offscreen), with
the screenshots: the wizard with the changed items marked, the organization's versions, and the
准予变更登记通知书 and the new certificate rendered to PNG."""

from __future__ import annotations

import pypdfium2
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard
from screens import SCREENSHOTS  # noqa: E402

from models.cases import CaseState
from models.print_records import DocumentKind
from models.registry import Organization
from printing.data import CopyKind
from printing.documents import document_pdf, qr_claim
from signing.keys import window_signer
from tests.print_fixtures import case_at, keyed_window  # noqa: F401  (the fixture)
from tests.test_change_registration import ON, change_form, open_change, walk
from tests.test_ui_registry_versions import open_first_organization
from ui.case_wizard import CaseWizard
from ui.context import PageContext
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.tasks import TaskRunner
from workflow.case_documents import case_document
from workflow.queries import get_case

NEW_NAME = "上海市长宁区养老服务促进会"


@pytest.fixture
def window(keyed_window, qtbot):
    """A window with its signing key and one organization registered by a 成立登记."""
    install_fonts(QApplication.instance())
    w = keyed_window
    first = case_at(w, CaseState.CLOSED)
    with w.store.read() as session:
        w.org = session.get(Organization, get_case(w.store, first).organization_id)
    w.tasks = TaskRunner()
    yield w
    w.tasks.shut_down()


def test_the_wizard_opens_only_the_marked_items(window, qtbot):
    wizard = CaseWizard(PageContext(store=window.store, user=window.clerk, tasks=window.tasks),
                        business_type="变更登记", organization_id=window.org.id, today=ON)
    qtbot.addWidget(wizard)
    wizard.resize(1366, 728)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.start is not None, timeout=10000)
    page = wizard.change_page
    assert page.facts.text().startswith("上海市长宁区养老服务协会（社会团体）") and window.org.credit_code in page.facts.text()
    assert page.record_table.rowCount() >= 10 and not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    inputs = wizard.organization_page.inputs
    assert not inputs["name"].widget.isEnabled() and inputs["applicant"].widget.isEnabled()
    for key in ("name", "address", "legal_representative"):
        page.boxes[key].setChecked(True)
    page.decision.set_text(ON.isoformat())
    qtbot.waitUntil(lambda: wizard.button(QWizard.WizardButton.NextButton).isEnabled(), timeout=5000)
    assert inputs["name"].widget.isEnabled() and inputs["street_code"].widget.isEnabled()
    assert not inputs["funds_yuan"].widget.isEnabled() and not wizard.scope_page.table.isEnabled()
    assert wizard.persons_page.table.isEnabled()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert wizard.grab().save(str(SCREENSHOTS / "change_wizard.png"))
    wizard.next()
    assert wizard.currentPage() is wizard.organization_page
    QApplication.processEvents()
    assert wizard.grab().save(str(SCREENSHOTS / "change_wizard_items.png"))
    wizard.back()

    inputs["name"].set_text("随便")
    page.boxes["name"].setChecked(False)  # unmarked: back to the registered name, locked again
    assert inputs["name"].text() == "上海市长宁区养老服务协会" and not inputs["name"].widget.isEnabled()
    page.decision.set_text("2026-08-01")
    assert "已超过 30 日" in page.decision_warning.text()
    wizard.next()
    inputs["applicant"].set_text("王芳")
    inputs["applicant_phone"].set_text("13812345678")
    assert {e.path for e in wizard.errors} == {"persons[0].phone", "persons[1].phone"}  # asked again of a new list
    page.boxes["legal_representative"].setChecked(False)
    inputs["premises_document"].set_text("租赁合同 CN-2026-0101")
    intake = wizard.read_form(wizard.form_data() | {"received": []})
    assert (intake.organization["funds_yuan"], intake.organization["street_code"]) == (30000, window.org.street_code)


def test_the_wizard_finds_the_organization_by_its_code_or_name_typed_in(window, qtbot):
    """新建办件 → 变更登记 without an organization: the clerk types its credit code (or name) and Enter."""
    wizard = CaseWizard(PageContext(store=window.store, user=window.clerk, tasks=window.tasks),
                        business_type="变更登记", today=ON)
    qtbot.addWidget(wizard)
    wizard.show()
    page = wizard.change_page

    def find(text: str, *, by_enter: bool) -> None:
        page.lookup.setText(text)  # Chinese comes through the input method, not key clicks
        if by_enter:
            qtbot.keyClick(page.lookup, Qt.Key.Key_Return)
        else:
            qtbot.mouseClick(page.find_button, Qt.MouseButton.LeftButton)

    find("91310105MA1XXXXXX0", by_enter=True)
    qtbot.waitUntil(lambda: "91310105MA1XXXXXX0" in page.facts.text(), timeout=10000)
    assert wizard.start is None and not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    find(window.org.name, by_enter=False)
    qtbot.waitUntil(lambda: wizard.start is not None, timeout=10000)
    assert wizard.start.organization_id == window.org.id and page.facts.text().startswith(window.org.name)
    assert wizard.organization_page.inputs["name"].text() == window.org.name
    find("上海市长宁区没有这个组织", by_enter=True)
    qtbot.waitUntil(lambda: "没有这个组织" in page.facts.text(), timeout=10000)
    page.boxes["name"].setChecked(True)
    page.decision.set_text(ON.isoformat())
    # the organization found before is no longer the one chosen
    assert wizard.start is None and page.record_table.rowCount() == 0
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    find(window.org.credit_code, by_enter=True)
    qtbot.waitUntil(lambda: page.facts.text().startswith(window.org.name), timeout=10000)


def test_a_registered_persons_row_typed_over_with_another_id_number_drops_the_old_appointment_day(window, qtbot):
    """The clerk replaces the legal representative in the row of the one who leaves: the new person's
    任职日期 is not the old one's (left empty, it is the approval day)."""
    wizard = CaseWizard(PageContext(store=window.store, user=window.clerk, tasks=window.tasks),
                        business_type="变更登记", organization_id=window.org.id, today=ON)
    qtbot.addWidget(wizard)
    qtbot.waitUntil(lambda: wizard.start is not None, timeout=10000)
    wizard.change_page.boxes["legal_representative"].setChecked(True)
    table = wizard.persons_page.table
    registered = table.rows()
    assert all(r["appointed_on"] for r in registered)
    table.set_cell(1, "phone", "13900001111")  # another cell of a kept person: nothing else changes
    table.set_cell(0, "id_number", registered[0]["id_number"])  # the same person typed again
    assert [r["appointed_on"] for r in table.rows()] == [r["appointed_on"] for r in registered]
    table.set_cell(0, "name", "周立新")
    table.set_cell(0, "id_number", "310105196802025312")
    assert [r["appointed_on"] for r in table.rows()] == ["", registered[1]["appointed_on"]]


def test_the_organization_page_offers_the_change_and_shows_the_versions_after_it(window, qtbot, tmp_path):
    org = window.org
    data = change_form(window, org, name=NEW_NAME, address="上海市长宁区天山路 300 号", street_code="天山路街道",
                       premises_document="租赁合同 CN-2026-0101")
    data["persons"][0] |= {"name": "周立新", "id_number": "310105196802025312", "phone": "13500005555"}
    data["persons"][1] |= {"phone": "02162345678"}
    case_no = open_change(window, org, {"name", "address", "legal_representative"}, data)
    walk(window, case_no)

    tasks = TaskRunner()
    shell = MainWindow(PageContext(store=window.store, user=window.clerk, tasks=tasks), idle_lock_ms=3_600_000)
    qtbot.addWidget(shell)
    shell.resize(1366, 728)
    shell.show()
    try:
        _registry, view = open_first_organization(shell, qtbot)
        button = view.business_buttons["变更登记"]
        assert button.isEnabled() and button.text() == "办理变更登记(&B)"  # Alt+B, and in the tab order
        assert button.focusPolicy() & Qt.FocusPolicy.TabFocus
        versions = [[view.versions_table.item(r, c).text() for c in range(3)] for r in range(view.versions_table.rowCount())]
        assert versions == [["2", "变更登记", case_no], ["1", "成立登记", versions[1][2]]]
        changes = {view.changes_table.item(r, 0).text(): view.changes_table.item(r, 2).text()
                   for r in range(view.changes_table.rowCount())}
        assert changes["名称"] == NEW_NAME and changes["所属街镇"] == "天山路街道" and changes["法定代表人"] == "周立新"
        QApplication.processEvents()
        assert shell.grab().save(str(SCREENSHOTS / "registry_org_versions_after_change.png"))
        button.setFocus()
        qtbot.keyClick(button, Qt.Key.Key_Space)
        cases = shell.pages.currentWidget()
        qtbot.waitUntil(lambda: getattr(cases, "wizard", None) is not None and cases.wizard.start is not None,
                        timeout=10000)
        assert cases.wizard.start.name == NEW_NAME
        cases.wizard.reject()
        cases.open_case(case_no)
        qtbot.waitUntil(lambda: cases.case_view.snapshot is not None and not cases.case_view.loading, timeout=10000)
        case_view = cases.case_view
        case_view.tabs.setCurrentIndex(0)
        assert not case_view.changes_table.isHidden()
        assert [case_view.changes_table.item(r, 0).text() for r in range(case_view.changes_table.rowCount())] == [
            "名称", "住所", "所属街镇", "法定代表人", "在任人员"]
        assert case_view.result_label.text() == f"统一社会信用代码：{org.credit_code}"  # the organization's own code
        qtbot.wait(300)  # the tab's layout settles
        assert shell.grab().save(str(SCREENSHOTS / "case_page_change.png"))
    finally:
        tasks.shut_down()

    # the documents of the change, rendered as the clerk prints them
    for name, document in (
            ("change_notice_after_change.png", case_document(window.store, case_no, DocumentKind.CHANGE_NOTICE, today=ON)),
            ("change_certificate_original.png", case_document(window.store, case_no, DocumentKind.CERTIFICATE,
                                                              copy=CopyKind.ORIGINAL, serial="SX20260000011"))):
        signer = window_signer(window.store) if qr_claim(document) is not None else None
        pdf = pypdfium2.PdfDocument(document_pdf(document, signer=signer))
        pdf[0].render(scale=1.5).to_pil().save(str(SCREENSHOTS / name))
    assert document.credit_code == org.credit_code and document.name == NEW_NAME
