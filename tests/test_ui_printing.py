"""The printing page, the calibration and reason dialogs and the QR verify dialog, driven through real widgets."""

from __future__ import annotations

from datetime import date

import pypdf
import pytest
from ui_fixtures import runner  # noqa: F401
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox, QLineEdit
from sqlalchemy import select

from models.cases import CaseState
from models.print_records import DocumentKind, PrintRecord
from printing import specimens
from printing.calibration import Calibration, calibration_for_in
from printing.data import CopyKind
from printing.documents import documents_pdf
from printing.printers import printer_for_in
from printing.render import PrintMode
from signing.keys import window_signer
from signing.qr import CertificateClaim
from tests.print_fixtures import case_at, keyed_window  # noqa: F401
from tests.printing_fixtures import stream_text
from tests.test_qr import _tampered
from tests.workflow_fixtures import GROUP_FORM
from workflow.queries import get_case
from workflow.transitions import Action
from ui.context import PageContext
from ui.pages.printing_page import CHOICES, PrintingPage
from ui.pdf_printing import print_pdf
from ui.printing_actions import print_case_document
from ui.qr_verify_dialog import QrVerifyDialog
from ui.tasks import TaskRunner

WAIT_MS = 20_000


@pytest.fixture
def window(keyed_window):
    return keyed_window


def context_for(window, user) -> PageContext:
    return PageContext(store=window.store, user=user, tasks=TaskRunner())


@pytest.fixture
def clerk_context(window):
    context = context_for(window, window.clerk)
    yield context
    context.tasks.shut_down()


def pdf_printer(path) -> QPrinter:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(150)
    return printer


def type_chinese(widget, text: str) -> None:
    """Type ``text`` as an input method commits it (QTest's key clicks know only ASCII)."""
    widget.setFocus()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def print_dialog() -> QPrintDialog | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, QPrintDialog) and w.isVisible()), None)


def click_print(qtbot, page: PrintingPage, out) -> None:
    """Click 打印…, and in the system print dialog choose the PDF printer, name the file and press OK."""
    qtbot.mouseClick(page.print_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: print_dialog() is not None, timeout=WAIT_MS)
    dialog = print_dialog()
    printers = dialog.findChild(QComboBox, "printers")
    printers.setCurrentIndex(printers.count() - 1)  # Qt lists "print to file (PDF)" last
    dialog.findChild(QLineEdit, "filename").setText(str(out))
    qtbot.mouseClick(dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)
    assert dialog.printer().outputFormat() == QPrinter.OutputFormat.PdfFormat
    assert dialog.printer().outputFileName() == str(out)


def open_page(qtbot, context, case_no: str, kind: DocumentKind, copy: CopyKind | None = None) -> PrintingPage:
    page = PrintingPage(context)
    qtbot.addWidget(page)
    page.resize(1366, 768)
    page.show_case(case_no, kind, copy)
    qtbot.waitUntil(lambda: page.pdf_document is not None, timeout=WAIT_MS)
    return page


def test_preview_shows_the_case_certificate_and_printing_writes_and_records_it(qtbot, window, clerk_context, tmp_path):
    case_no = case_at(window, CaseState.CERTIFICATE)
    page = open_page(qtbot, clerk_context, case_no, DocumentKind.CERTIFICATE, CopyKind.ORIGINAL)
    assert page.pdf_document.status() == QPdfDocument.Status.Ready and page.pdf_document.pageCount() == 1
    assert GROUP_FORM["organization"]["name"] in page.case_label.text()
    assert page.message.text() == "预览：共 1 页"

    out = tmp_path / "printed.pdf"
    click_print(qtbot, page, out)  # no serial yet: refused before anything is printed
    qtbot.waitUntil(lambda: "证件印制号" in page.message.text(), timeout=WAIT_MS)
    assert not out.exists()

    qtbot.keyClicks(page.serial_edit, "SZ2026000101")
    click_print(qtbot, page, out)
    qtbot.waitUntil(lambda: "已记入打印记录" in page.message.text(), timeout=WAIT_MS)
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1 and page.printed_pages == 1
    assert (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)) == pytest.approx((1191, 836), abs=1)
    qtbot.waitUntil(lambda: page.record_table.rowCount() == 1, timeout=WAIT_MS)
    assert [page.record_table.item(0, c).text() for c in (1, 2, 3, 4, 5, 6, 8)] == [
        "登记证书", "正本", "打印", "1", "PDF 文件 printed.pdf", "SZ2026000101", "clerk"]
    with window.store.read() as session:
        assert printer_for_in(session, "登记证书") == "PDF 文件 printed.pdf"


def test_a_reprint_asks_for_a_reason_and_a_clerk_may_not_reprint_the_original(qtbot, window, clerk_context, tmp_path):
    case_no = case_at(window, CaseState.CERTIFICATE)
    page = open_page(qtbot, clerk_context, case_no, DocumentKind.CERTIFICATE, CopyKind.ORIGINAL)
    qtbot.keyClicks(page.serial_edit, "SZ2026000201")
    click_print(qtbot, page, tmp_path / "1.pdf")
    qtbot.waitUntil(lambda: "已记入打印记录" in page.message.text(), timeout=WAIT_MS)

    page.serial_edit.clear()
    qtbot.keyClicks(page.serial_edit, "SZ2026000202")
    click_print(qtbot, page, tmp_path / "2.pdf")
    qtbot.waitUntil(lambda: page.reason_dialog is not None and page.reason_dialog.isVisible(), timeout=WAIT_MS)
    assert "必须填写补打原因" in page.reason_dialog.findChild(type(page.message)).text()
    assert not page.reason_dialog.ok.isEnabled()
    type_chinese(page.reason_dialog.reason, "原证书污损")
    qtbot.mouseClick(page.reason_dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "正本须由具有“审批”角色的人员操作" in page.message.text(), timeout=WAIT_MS)
    assert not (tmp_path / "2.pdf").exists()
    with window.store.read() as session:
        assert session.scalars(select(PrintRecord.event)).all() == ["打印"]


def test_void_records_the_spoiled_sheet(qtbot, window, clerk_context, tmp_path):
    case_no = case_at(window, CaseState.CERTIFICATE)
    page = open_page(qtbot, clerk_context, case_no, DocumentKind.CERTIFICATE, CopyKind.DUPLICATE)
    qtbot.keyClicks(page.serial_edit, "SZ2026000301")
    click_print(qtbot, page, tmp_path / "1.pdf")
    qtbot.waitUntil(lambda: page.record_table.rowCount() == 1, timeout=WAIT_MS)
    page.record_table.selectRow(0)
    assert page.void_button.isEnabled()
    qtbot.mouseClick(page.void_button, Qt.MouseButton.LeftButton)
    type_chinese(page.reason_dialog.reason, "卡纸")
    qtbot.mouseClick(page.reason_dialog.ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.record_table.rowCount() == 2, timeout=WAIT_MS)
    assert page.record_table.item(0, 9).text() == "已作废"
    assert [page.record_table.item(1, c).text() for c in (3, 6, 7)] == ["作废", "SZ2026000301", "卡纸"]


def test_receipt_preview_and_the_calibration_page_print_without_a_record(qtbot, window, clerk_context, tmp_path):
    case_no = case_at(window, CaseState.ACCEPTED)
    page = open_page(qtbot, clerk_context, case_no, DocumentKind.RECEIPT)
    assert page.pdf_document.pageCount() == 1
    assert GROUP_FORM["organization"]["name"] in stream_text(bytes(page.pdf.buffer.data()))
    page.document_combo.setCurrentIndex(len(CHOICES) - 1)  # the calibration page: no case, no record
    qtbot.waitUntil(lambda: page.message.text() == "预览：共 1 页" and page.pdf_document.pagePointSize(0).width() < 600,
                    timeout=WAIT_MS)
    out = tmp_path / "cal.pdf"
    click_print(qtbot, page, out)
    qtbot.waitUntil(lambda: "未记入打印记录" in page.message.text(), timeout=WAIT_MS)
    assert len(pypdf.PdfReader(out).pages) == 1


def test_a_batch_prints_every_page_at_its_own_size_off_the_ui_thread(qtbot, clerk_context, tmp_path):
    pdf = documents_pdf([specimens.certificate(), specimens.receipt(), specimens.correction_notice()], draft=True)
    out = tmp_path / "batch.pdf"
    printer = pdf_printer(out)
    pages: list[int] = []
    clerk_context.tasks.run(lambda progress: print_pdf(pdf, printer, progress), on_success=pages.append,
                            title="正在打印")
    qtbot.waitUntil(lambda: pages == [3], timeout=WAIT_MS)
    sizes = [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pypdf.PdfReader(out).pages]
    assert sizes == [(1191, 836), (595, 842), (595, 842)]  # A3 landscape, then A4 portrait twice


def test_calibration_dialog_refuses_beyond_20_mm_and_saves_per_printer(qtbot, window, clerk_context):
    case_no = case_at(window, CaseState.ACCEPTED)
    page = open_page(qtbot, clerk_context, case_no, DocumentKind.RECEIPT)
    page.printer_combo.setCurrentText("HP LaserJet 1020")
    qtbot.mouseClick(page.calibrate_button, Qt.MouseButton.LeftButton)
    dialog = page.calibration_dialog
    dialog.offset_x.setValue(25)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT_MS)
    assert "横向偏移 25 毫米超出允许范围（±20 毫米）" in dialog.message.text()
    dialog.offset_x.setValue(1.5)
    dialog.offset_y.setValue(-0.8)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.save_button.click()
    with window.store.read() as session:
        assert calibration_for_in(session, "HP LaserJet 1020") == Calibration(1.5, -0.8, 1.0)
        assert calibration_for_in(session, "Canon LBP2900") == Calibration()


def test_case_page_hook_opens_the_page_on_the_case(qtbot, window, clerk_context):
    case_no = case_at(window, CaseState.SUPPLEMENT)
    dialog = print_case_document(None, clerk_context, case_no, DocumentKind.CORRECTION_NOTICE)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.page.pdf_document is not None, timeout=WAIT_MS)
    assert "章程草案未经发起人签字" in stream_text(bytes(dialog.page.pdf.buffer.data()))
    assert dialog.page.choice.kind is None  # the notice the case's state calls for


def test_verify_dialog_shows_genuine_as_valid_and_tampered_as_changed(qtbot, window, clerk_context):
    claim = CertificateClaim(credit_code="51310105MJ5012345X", name="上海市长宁区养老服务协会",
                             issued_on=date(2026, 9, 22),
                             valid_until=date(2031, 9, 21), serial="SZ2026000123")
    genuine = window_signer(window.store).sign(claim)
    dialog = QrVerifyDialog(window.store, clerk_context.tasks)
    qtbot.addWidget(dialog)
    dialog.text.setPlainText(genuine)
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=WAIT_MS)
    assert dialog.verdict.text() == "核验结果：有效"
    assert "上海市长宁区养老服务协会" in dialog.details.text() and "SZ2026000123" in dialog.details.text()
    dialog.result = None
    dialog.text.setPlainText(_tampered(genuine, "SZ2026000123", "SZ2026000999"))
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=WAIT_MS)
    assert dialog.verdict.text() == "核验结果：内容被改动"
    QApplication.processEvents()


@pytest.fixture
def fresh_store(tmp_path):
    from models.store import open_store

    store = open_store(tmp_path / "fresh.sqlite3")
    yield store
    store.close()



def test_first_start_without_a_keyring_sets_up_the_window_and_warns_once(qtbot, fresh_store, runner, monkeypatch):
    from ui.setup_dialog import SetupDialog

    monkeypatch.delenv("SOREG_ALLOW_FILE_KEYRING", raising=False)  # only the plain-file keyring here: not allowed
    store = fresh_store
    dialog = SetupDialog(runner, store, window_code=None, has_users=False)
    qtbot.addWidget(dialog)
    dialog.window_code.setText("W07")
    dialog.username.setText("admin")
    dialog.password.setText("long-enough-1")
    dialog.password_again.setText("long-enough-1")
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.submit.click()
    assert dialog.code == "W07" and dialog.admin_username == "admin"
    boxes = [w for w in QApplication.topLevelWidgets() if w.objectName() == "keyWarning" and w.isVisible()]
    assert len(boxes) == 1 and boxes[0].text() == dialog.key_warning
    assert "未能生成防伪二维码签名密钥" in dialog.key_warning and "window-key create" in dialog.key_warning
    assert "SOREG_ALLOW_FILE_KEYRING=1" in dialog.key_warning
    qtbot.addWidget(boxes[0])


def test_a_clerk_prints_both_copies_through_the_print_dialog_and_finishes_certificate_printing(qtbot, window, tmp_path):
    """办件 → 打印登记证书… → 打印 page → 打印… → system print dialog (to a PDF file) → 正本 and 副本
    recorded → back on the case page 制证完成 moves the case to 发证."""
    from ui.main_window import MainWindow
    from ui.pages import PAGES
    from ui.pages.cases_page import CasesPage
    from workflow.queries import get_case

    case_no = case_at(window, CaseState.CERTIFICATE)
    context = context_for(window, window.clerk)
    main = MainWindow(context, idle_lock_ms=3_600_000)
    qtbot.addWidget(main)
    main.resize(1366, 768)
    main.show()
    main.nav.setCurrentRow(next(i for i, (_t, spec) in enumerate(PAGES) if spec.endswith(":CasesPage")))
    cases = main.pages.currentWidget()
    assert isinstance(cases, CasesPage)
    cases.open_case(case_no)
    view = cases.case_view
    qtbot.waitUntil(lambda: view.snapshot is not None and not view.loading
                    and DocumentKind.CERTIFICATE in view.print_buttons, timeout=WAIT_MS)
    qtbot.mouseClick(view.print_buttons[DocumentKind.CERTIFICATE], Qt.MouseButton.LeftButton)
    page = main.pages.currentWidget()
    assert isinstance(page, PrintingPage)
    qtbot.waitUntil(lambda: page.pdf_document is not None, timeout=WAIT_MS)

    printed = {}
    for copy, serial in ((CopyKind.ORIGINAL, "SZ2026000501"), (CopyKind.DUPLICATE, "SZ2026000502")):
        page.document_combo.setCurrentIndex(next(i for i, c in enumerate(CHOICES)
                                                 if c.kind is DocumentKind.CERTIFICATE and c.copy is copy))
        page.serial_edit.clear()
        qtbot.keyClicks(page.serial_edit, serial)
        out = tmp_path / f"{copy.name.lower()}.pdf"
        click_print(qtbot, page, out)
        qtbot.waitUntil(lambda c=copy: f"已打印登记证书{c.value}第 1 份" in page.message.text(), timeout=60_000)
        printed[copy] = out
    original, duplicate = (pypdf.PdfReader(printed[c]) for c in (CopyKind.ORIGINAL, CopyKind.DUPLICATE))
    assert [(round(float(r.pages[0].mediabox.width)), round(float(r.pages[0].mediabox.height)))
            for r in (original, duplicate)] == [(1191, 836), (595, 842)]  # A3 landscape, A4 portrait
    with window.store.read() as session:
        rows = session.execute(select(PrintRecord.copy, PrintRecord.serial, PrintRecord.event, PrintRecord.printer)
                               .order_by(PrintRecord.at)).all()
    assert [tuple(r) for r in rows] == [("正本", "SZ2026000501", "打印", "PDF 文件 original.pdf"),
                                        ("副本", "SZ2026000502", "打印", "PDF 文件 duplicate.pdf")]
    qtbot.waitUntil(lambda: page.standing_label.text() == "现存有效的证书：正本 SZ2026000501；副本 SZ2026000502",
                    timeout=WAIT_MS)

    main.nav.setCurrentRow(next(i for i, (_t, spec) in enumerate(PAGES) if spec.endswith(":CasesPage")))
    assert main.pages.currentWidget() is cases and cases.case_view.case_no == case_no
    qtbot.waitUntil(lambda: Action.PRINT in view.action_buttons, timeout=WAIT_MS)
    qtbot.mouseClick(view.action_buttons[Action.PRINT], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: get_case(window.store, case_no).state == CaseState.ISSUE.value, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: view.snapshot.detail.state == CaseState.ISSUE.value, timeout=WAIT_MS)
    context.tasks.shut_down()


def test_overlay_is_offered_only_for_documents_on_stock(qtbot, window, clerk_context):
    case_no = case_at(window, CaseState.CERTIFICATE)
    page = open_page(qtbot, clerk_context, case_no, DocumentKind.CERTIFICATE, CopyKind.ORIGINAL)
    assert page.mode_combo.isEnabled()
    page.mode_combo.setCurrentIndex(page.mode_combo.findData(PrintMode.OVERLAY))
    for index, choice in enumerate(CHOICES):
        page.document_combo.setCurrentIndex(index)
        on_stock = choice.kind is DocumentKind.CERTIFICATE
        assert page.mode_combo.isEnabled() is on_stock, choice.label
        if not on_stock:
            assert page.mode is PrintMode.FULL and "不能" not in page.message.text()


def test_the_overlay_preview_follows_the_typed_printers_calibration(qtbot, window, clerk_context):
    from printing.calibration import save_calibration_in
    from tests.printing_fixtures import PT_PER_MM, page_chars

    case_no = case_at(window, CaseState.CERTIFICATE)
    calibration = Calibration(3.0, -2.0, 1.0)
    with window.store.write() as session:
        save_calibration_in(session, "HP LaserJet 1020", calibration, actor="admin")
    page = open_page(qtbot, clerk_context, case_no, DocumentKind.CERTIFICATE, CopyKind.ORIGINAL)
    page.mode_combo.setCurrentIndex(page.mode_combo.findData(PrintMode.OVERLAY))
    code = get_case(window.store, case_no).credit_code

    def code_left_mm() -> float | None:
        pdf = bytes(page.pdf.buffer.data()) if page.pdf is not None else b""
        chars = [c for c in page_chars(pdf) if c["text"] == code[0]] if pdf else []
        return chars[0]["x0"] / PT_PER_MM if chars else None

    qtbot.waitUntil(lambda: code_left_mm() is not None and "统一社会信用代码" not in stream_text(bytes(page.pdf.buffer.data())),
                    timeout=WAIT_MS)
    uncalibrated = code_left_mm()
    page.printer_combo.setFocus()
    page.printer_combo.lineEdit().clear()
    qtbot.keyClicks(page.printer_combo.lineEdit(), "HP LaserJet 1020")
    qtbot.waitUntil(lambda: code_left_mm() is not None and abs(code_left_mm() - (uncalibrated - 3.0)) < 0.05,
                    timeout=WAIT_MS)
