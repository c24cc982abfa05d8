"""The printing page, the calibration and reason dialogs and the QR verify dialog, driven through real widgets."""

from __future__ import annotations

from datetime import date

import pypdf
import pytest
from ui_fixtures import runner  # noqa: F401
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from models.cases import CaseState
from models.print_records import DocumentKind, PrintRecord
from printing import specimens
from printing.calibration import Calibration, calibration_for
from printing.data import CopyKind
from printing.documents import documents_pdf
from printing.printers import printer_for
from signing.keys import create_window_key, window_signer
from signing.qr import CertificateClaim
from tests.print_fixtures import case_at
from tests.printing_fixtures import file_keyring, stream_text
from tests.test_qr import _tampered
from tests.workflow_fixtures import GROUP_FORM, make_window
from ui.context import PageContext
from ui.pages.printing_page import CHOICES, PrintingPage
from ui.pdf_printing import print_pdf
from ui.printing_actions import print_case_document
from ui.qr_verify_dialog import QrVerifyDialog
from ui.tasks import TaskRunner

WAIT_MS = 20_000


@pytest.fixture
def window(tmp_path, monkeypatch):
    w = make_window(tmp_path)
    with file_keyring(tmp_path, monkeypatch):
        create_window_key(w.store, "W01", actor="system")
        yield w
    w.store.close()


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
    page.print_to(pdf_printer(out))  # no serial yet: refused before anything is printed
    qtbot.waitUntil(lambda: "证件印制号" in page.message.text(), timeout=WAIT_MS)
    assert not out.exists()

    page.serial_edit.setText("SZ2026000101")
    page.print_to(pdf_printer(out))
    qtbot.waitUntil(lambda: "已记入打印记录" in page.message.text(), timeout=WAIT_MS)
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 1 and page.printed_pages == 1
    assert (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)) == pytest.approx((1191, 836), abs=1)
    qtbot.waitUntil(lambda: page.record_table.rowCount() == 1, timeout=WAIT_MS)
    assert [page.record_table.item(0, c).text() for c in (1, 2, 3, 4, 5, 6, 8)] == [
        "登记证书", "正本", "打印", "1", "PDF 文件 printed.pdf", "SZ2026000101", "clerk"]
    with window.store.read() as session:
        assert printer_for(session, "登记证书") == "PDF 文件 printed.pdf"


def test_a_reprint_asks_for_a_reason_and_a_clerk_may_not_reprint_the_original(qtbot, window, clerk_context, tmp_path):
    case_no = case_at(window, CaseState.CERTIFICATE)
    page = open_page(qtbot, clerk_context, case_no, DocumentKind.CERTIFICATE, CopyKind.ORIGINAL)
    page.serial_edit.setText("SZ2026000201")
    page.print_to(pdf_printer(tmp_path / "1.pdf"))
    qtbot.waitUntil(lambda: "已记入打印记录" in page.message.text(), timeout=WAIT_MS)

    page.serial_edit.setText("SZ2026000202")
    page.print_to(pdf_printer(tmp_path / "2.pdf"))
    qtbot.waitUntil(lambda: page.reason_dialog is not None and page.reason_dialog.isVisible(), timeout=WAIT_MS)
    assert "必须填写补打原因" in page.reason_dialog.findChild(type(page.message)).text()
    assert not page.reason_dialog.ok.isEnabled()
    page.reason_dialog.reason.setText("原证书污损")
    page.reason_dialog.ok.click()
    qtbot.waitUntil(lambda: "正本须由具有“审批”角色的人员操作" in page.message.text(), timeout=WAIT_MS)
    assert not (tmp_path / "2.pdf").exists()
    with window.store.read() as session:
        assert session.scalars(select(PrintRecord.event)).all() == ["打印"]


def test_void_records_the_spoiled_sheet(qtbot, window, clerk_context, tmp_path):
    case_no = case_at(window, CaseState.CERTIFICATE)
    page = open_page(qtbot, clerk_context, case_no, DocumentKind.CERTIFICATE, CopyKind.DUPLICATE)
    page.serial_edit.setText("SZ2026000301")
    page.print_to(pdf_printer(tmp_path / "1.pdf"))
    qtbot.waitUntil(lambda: page.record_table.rowCount() == 1, timeout=WAIT_MS)
    page.record_table.selectRow(0)
    assert page.void_button.isEnabled()
    page.ask_void()
    page.reason_dialog.reason.setText("卡纸")
    page.reason_dialog.ok.click()
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
    page.print_to(pdf_printer(out))
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
    dialog = page.open_calibration()
    dialog.offset_x.setValue(25)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.message.isVisible(), timeout=WAIT_MS)
    assert "横向偏移 25 毫米超出允许范围（±20 毫米）" in dialog.message.text()
    dialog.offset_x.setValue(1.5)
    dialog.offset_y.setValue(-0.8)
    with qtbot.waitSignal(dialog.accepted, timeout=WAIT_MS):
        dialog.save_button.click()
    with window.store.read() as session:
        assert calibration_for(session, "HP LaserJet 1020") == Calibration(1.5, -0.8, 1.0)
        assert calibration_for(session, "Canon LBP2900") == Calibration()


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
    dialog.verify()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=WAIT_MS)
    assert dialog.verdict.text() == "核验结果：有效"
    assert "上海市长宁区养老服务协会" in dialog.details.text() and "SZ2026000123" in dialog.details.text()
    dialog.result = None
    dialog.text.setPlainText(_tampered(genuine, "SZ2026000123", "SZ2026000999"))
    dialog.verify()
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
