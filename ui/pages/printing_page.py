"""The printing page (打印): a case's documents previewed with QtPdf and printed on a real printer.

The clerk enters a case number (or the case page opens this page on a case), chooses the
document, sees it exactly as it will print, and prints it through the system print dialog. The
printer is remembered per document kind, its calibration (套打校准) is applied in overlay mode,
and every formal print is recorded (workflow/print_records.py): the 证件印制号 of certificate
stock, the reason of a reprint (asked in a dialog when the rules need one), voids of spoiled
sheets. Rendering, printing and recording run on the task runner, never on the UI thread.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter, QPrinterInfo
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from accounts.window_settings import choose_printer, printer_choices
from models.base import local_time
from models.errors import SoregError
from models.print_records import DocumentKind, PrintEvent
from printing.calibration_page import calibration_page_pdf
from printing.data import CopyKind
from printing.documents import overlay_offered
from printing.render import PrintMode
from ui.context import PageContext
from ui.login_dialog import ERROR_STYLE, OK_STYLE
from ui.pdf_printing import LoadedPdf, print_pdf
from ui.plain_text import plain
from ui.print_dialogs import CalibrationDialog, ReasonDialog
from ui.qr_verify_dialog import QrVerifyDialog
from workflow.case_documents import (
    NOTICES,
    StandingCertificates,
    case_notice_kind,
    standing_copies,
)
from workflow.case_print import CasePrint, case_print_pdf
from workflow.print_records import (
    PrintRecordInfo,
    PrintRequest,
    print_records,
    record_print,
    void_print,
)
from workflow.queries import CaseSummary, get_case

CALIBRATION_PAGE = "套打校准页"
NOTICE = "通知书"
PRINTER_PAUSE_MS = 300  # how long the clerk pauses typing a printer name before the preview follows


@dataclass(frozen=True)
class DocumentChoice:
    """One entry of the document list: a document kind (``None``: the notice the case's state calls for)."""

    label: str
    kind: DocumentKind | None
    copy: CopyKind | None = None
    needs_case: bool = True

    def matches(self, kind: DocumentKind, copy: CopyKind | None) -> bool:
        if self.kind is None:
            return self.needs_case and kind in NOTICES.values()
        return self.kind is kind and (copy is None or self.copy is copy)

    @property
    def overlay(self) -> bool:
        """Whether this document goes onto pre-printed stock, so that 套打 is offered."""
        return self.kind is not None and overlay_offered(self.kind)

    @property
    def printer_key(self) -> str:
        """Which remembered printer this document uses: certificates share one, so do notices."""
        if not self.needs_case:
            return CALIBRATION_PAGE
        return self.kind.value if self.kind is not None else NOTICE


CHOICES = (
    DocumentChoice("登记证书（正本）", DocumentKind.CERTIFICATE, CopyKind.ORIGINAL),
    DocumentChoice("登记证书（副本）", DocumentKind.CERTIFICATE, CopyKind.DUPLICATE),
    DocumentChoice("受理回执", DocumentKind.RECEIPT),
    DocumentChoice("通知书（补正材料 / 不予登记，按办件状态）", None),
    DocumentChoice("领证回执", DocumentKind.COLLECTION_RECEIPT),
    DocumentChoice("名称核准结果", DocumentKind.NAME_CHECK_SLIP),
    DocumentChoice(DocumentKind.CHANGE_NOTICE.value, DocumentKind.CHANGE_NOTICE),
    DocumentChoice(CALIBRATION_PAGE, None, needs_case=False),
)
RECORD_COLUMNS = ("时间", "文书", "正副本", "事件", "份次", "打印机", "证件印制号", "原因", "操作人", "状态")


def printer_label(printer: QPrinter) -> str:
    """The printer's name as the print record keeps it (a PDF file when printing to one)."""
    if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
        return f"PDF 文件 {Path(printer.outputFileName()).name}"
    return printer.printerName().strip()


def _records_of(store, case_no: str) -> tuple[list[PrintRecordInfo], StandingCertificates]:
    """The case's print records and the certificate copies that stand (run on the worker)."""
    return print_records(store, case_no), standing_copies(store, case_no)


class PrintingPage(QWidget):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.case: CaseSummary | None = None
        self.pdf: LoadedPdf | None = None
        self.records: list[PrintRecordInfo] = []
        self.reason = ""  # the reprint reason given in the dialog, for the print being retried
        self.reason_dialog: ReasonDialog | None = None
        self.calibration_dialog: CalibrationDialog | None = None
        self.verify_dialog: QrVerifyDialog | None = None
        self.printed_pages = 0
        self._preview_generation = 0
        self._printer: QPrinter | None = None  # alive while the print dialog or the job needs it

        heading = QLabel(self.tr("打印"))
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.case_edit = QLineEdit()
        self.case_edit.setPlaceholderText(self.tr("办件编号，例如 310105-W01-2026-000001"))
        self.case_edit.returnPressed.connect(self._load_case)
        load = QPushButton(self.tr("查找"))
        load.clicked.connect(self._load_case)
        case_row = QHBoxLayout()
        case_row.addWidget(self.case_edit, 1)
        case_row.addWidget(load)
        self.case_label = plain(QLabel(self.tr("请输入办件编号")))
        self.case_label.setObjectName("caseLabel")
        self.case_label.setWordWrap(True)
        self.standing_label = QLabel()
        self.standing_label.setObjectName("standingCopies")
        self.standing_label.setWordWrap(True)

        self.document_combo = QComboBox()
        for choice in CHOICES:
            self.document_combo.addItem(self.tr(choice.label))
        self.mode_combo = QComboBox()
        self.mode_combo.addItem(self.tr("整张（白纸）"), PrintMode.FULL)
        self.mode_combo.addItem(self.tr("套打（证书纸，只打内容）"), PrintMode.OVERLAY)
        self.draft_box = QCheckBox(self.tr("草稿（带水印，不记录）"))
        self.serial_edit = QLineEdit()
        self.serial_edit.setPlaceholderText(self.tr("证书纸右上角的印制号"))
        self.printer_combo = QComboBox()
        self.printer_combo.setEditable(True)
        self.printer_combo.addItems(QPrinterInfo.availablePrinterNames())
        self.printer_combo.lineEdit().setPlaceholderText(self.tr("打印时在对话框中选择"))
        self.calibrate_button = QPushButton(self.tr("校准…"))
        self.calibrate_button.clicked.connect(self.open_calibration)
        printer_row = QHBoxLayout()
        printer_row.addWidget(self.printer_combo, 1)
        printer_row.addWidget(self.calibrate_button)
        form = QFormLayout()
        form.addRow(self.tr("办件"), case_row)
        form.addRow("", self.case_label)
        form.addRow("", self.standing_label)
        form.addRow(self.tr("文书"), self.document_combo)
        form.addRow(self.tr("方式"), self.mode_combo)
        form.addRow("", self.draft_box)
        form.addRow(self.tr("证件印制号"), self.serial_edit)
        form.addRow(self.tr("打印机"), printer_row)

        self.print_button = QPushButton(self.tr("打印…"))
        self.print_button.setStyleSheet("font-weight: bold; padding: 6px 18px;")
        self.print_button.clicked.connect(self.choose_printer_and_print)
        self.verify_button = QPushButton(self.tr("核验二维码…"))
        self.verify_button.clicked.connect(self.open_verify_dialog)
        buttons = QHBoxLayout()
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.verify_button)
        buttons.addStretch(1)
        self.message = plain(QLabel())
        self.message.setObjectName("printMessage")
        self.message.setWordWrap(True)

        self.record_table = QTableWidget(0, len(RECORD_COLUMNS))
        self.record_table.setHorizontalHeaderLabels([self.tr(c) for c in RECORD_COLUMNS])
        self.record_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.record_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.record_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.record_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.record_table.verticalHeader().hide()
        self.record_table.itemSelectionChanged.connect(self._update_void_button)
        self.void_button = QPushButton(self.tr("作废所选…"))
        self.void_button.setEnabled(False)
        self.void_button.clicked.connect(self.ask_void)
        records_box = QGroupBox(self.tr("打印记录"))
        records_layout = QVBoxLayout(records_box)
        records_layout.addWidget(self.record_table)
        void_row = QHBoxLayout()
        void_row.addStretch(1)
        void_row.addWidget(self.void_button)
        records_layout.addLayout(void_row)

        controls = QWidget()
        left = QVBoxLayout(controls)
        left.addWidget(heading)
        left.addLayout(form)
        left.addLayout(buttons)
        left.addWidget(self.message)
        left.addWidget(records_box, 1)

        self.view = QPdfView()
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitInView)
        self.view.setObjectName("printPreview")
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(controls)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([520, 700])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self.document_combo.currentIndexChanged.connect(self._document_changed)
        self.mode_combo.currentIndexChanged.connect(self.refresh_preview)
        self.draft_box.toggled.connect(self.refresh_preview)
        self.serial_edit.editingFinished.connect(self.refresh_preview)
        # typing a printer's name re-renders the overlay preview (calibration per printer) once
        # the clerk pauses, not at every keystroke
        self.printer_pause = QTimer(self, singleShot=True, interval=PRINTER_PAUSE_MS)
        self.printer_pause.timeout.connect(self._printer_changed)
        self.printer_combo.currentTextChanged.connect(self.printer_pause.start)
        self._document_changed()

    # -- what is chosen --
    @property
    def choice(self) -> DocumentChoice:
        return CHOICES[self.document_combo.currentIndex()]

    @property
    def mode(self) -> PrintMode:
        """整张 or 套打 (the combo hands its data back as plain text)."""
        return PrintMode(self.mode_combo.currentData())

    @property
    def pdf_document(self):
        """The previewed QPdfDocument (None before the first preview)."""
        return self.pdf.document if self.pdf is not None else None

    def show_case(self, case_no: str, kind: DocumentKind | None = None, copy: CopyKind | None = None) -> None:
        """Open ``case_no`` here with the document ``kind`` chosen (what the case page calls)."""
        for index, choice in enumerate(CHOICES):
            if kind is not None and choice.matches(kind, copy):
                self.document_combo.setCurrentIndex(index)
                break
        self.case_edit.setText(case_no)
        self._load_case()

    def _work_pdf(self, printer: str, *, preview: bool):
        """The function (run on the worker) that makes the PDF of the current choice for ``printer``."""
        choice, store, user = self.choice, self.context.store, self.context.user
        mode, draft = self.mode, self.draft_box.isChecked()
        if not choice.needs_case:
            return lambda: (calibration_page_pdf(), None)
        if self.case is None:
            raise SoregError("请先输入办件编号并查找办件。", field="办件")
        case_no, reason = self.case.case_no, self.reason
        serial = self.serial_edit.text() if choice.copy else ""

        def make() -> tuple[bytes, PrintRequest]:
            kind = choice.kind or case_notice_kind(store, case_no)
            request = PrintRequest(case_no, kind, printer, copy=choice.copy, serial=serial, reason=reason)
            return case_print_pdf(store, CasePrint(request, mode, draft), user=user, preview=preview), request

        return make

    # -- reacting --
    def _set_message(self, text: str, *, error: bool = False) -> None:
        self.message.setStyleSheet(ERROR_STYLE if error else OK_STYLE)
        self.message.setText(text)

    def _document_changed(self) -> None:
        choice = self.choice
        self.serial_edit.setEnabled(choice.copy is not None)
        if not choice.overlay:
            self.mode_combo.setCurrentIndex(self.mode_combo.findData(PrintMode.FULL))
        self.mode_combo.setEnabled(choice.overlay)
        self.mode_combo.setToolTip("" if choice.overlay else self.tr("只有登记证书印在预印的证书纸上可以套打；这份文书在白纸上整张打印。"))
        self.reason = ""
        store, key = self.context.store, choice.printer_key
        self.context.tasks.run(lambda _progress: printer_choices(store, [key])[0].printer,
                               on_success=self._show_remembered_printer, parent=self)
        self.refresh_preview()

    def _show_remembered_printer(self, printer: str) -> None:
        if printer and printer != self.printer_combo.currentText():
            self.printer_combo.setCurrentText(printer)

    def _printer_changed(self) -> None:
        if self.mode is PrintMode.OVERLAY:
            self.refresh_preview()

    def _load_case(self) -> None:
        case_no = self.case_edit.text().strip()
        if not case_no:
            return
        store = self.context.store
        self.context.tasks.run(lambda _p: (get_case(store, case_no), *_records_of(store, case_no)),
                               on_success=self._case_loaded, on_failure=self._case_refused, parent=self)

    def _case_loaded(self, result: tuple[CaseSummary, list[PrintRecordInfo], StandingCertificates]) -> None:
        self.case, records, standing = result
        self.reason = ""
        self.case_label.setStyleSheet("")
        self.case_label.setText(self.tr("{0}　{1}（{2}）").format(self.case.name, self.case.org_type, self.case.state))
        self._show_records((records, standing))
        self.refresh_preview()

    def _case_refused(self, error: SoregError) -> None:
        self.case = None
        self.case_label.setStyleSheet(ERROR_STYLE)
        self.case_label.setText(error.message)
        self._show_records(([], StandingCertificates((), ())))

    # -- preview --
    def refresh_preview(self) -> None:
        """Render the chosen document as it will print and show it (stale renders are dropped)."""
        if self.choice.needs_case and self.case is None:
            return
        self._preview_generation += 1
        generation = self._preview_generation
        try:
            make = self._work_pdf(self.printer_combo.currentText().strip(), preview=True)
        except SoregError as exc:
            self._set_message(exc.message, error=True)
            return
        self.context.tasks.run(lambda _p: make()[0], on_success=lambda pdf: self._show_pdf(generation, pdf),
                               on_failure=self._preview_refused, parent=self)

    def _show_pdf(self, generation: int, pdf: bytes) -> None:
        if generation != self._preview_generation:
            return
        self.pdf = LoadedPdf(pdf)
        self.view.setDocument(self.pdf.document)
        self._set_message(self.tr("预览：共 {0} 页").format(self.pdf.document.pageCount()))

    def _preview_refused(self, error: SoregError) -> None:
        self.view.setDocument(None)
        self.pdf = None
        self._set_message(error.message, error=True)

    # -- printing --
    def choose_printer_and_print(self) -> None:
        """The system print dialog, on the printer remembered for this document; then ``print_to``."""
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        name = self.printer_combo.currentText().strip()
        if name:
            printer.setPrinterName(name)
        self._printer = printer
        dialog = QPrintDialog(printer, self)
        dialog.setObjectName("printDialog")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.setWindowTitle(self.tr("打印{0}").format(self.tr(self.choice.label)))
        # Both signals are named ``accepted``: QDialog's and QPrintDialog's accepted(QPrinter*);
        # take the one that hands over the printer as the dialog set it up.
        dialog.accepted[QPrinter].connect(self.print_to)
        # PySide6 binds QPrintDialog.open to open(receiver, member), hiding QDialog.open(): this is
        # what QDialog.open() does (window-modal, not blocking).
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.show()

    def print_to(self, printer: QPrinter) -> None:
        """Check, render at the printer's resolution, print, record; asks for a reason if a reprint needs one."""
        self._printer = printer
        name = printer_label(printer)
        if not name:
            self._set_message(self.tr("请选择打印机。"), error=True)
            return
        if name != self.printer_combo.currentText():
            self.printer_combo.blockSignals(True)
            self.printer_combo.setCurrentText(name)
            self.printer_combo.blockSignals(False)
        try:
            make = self._work_pdf(name, preview=False)
        except SoregError as exc:
            self._set_message(exc.message, error=True)
            return
        store, user, key = self.context.store, self.context.user, self.choice.printer_key
        formal = self.choice.needs_case and not self.draft_box.isChecked()

        def work(progress) -> tuple[int, PrintRecordInfo | None]:
            progress.report(0, None, "正在生成文书…")
            pdf, request = make()
            pages = print_pdf(pdf, printer, progress)
            record = record_print(store, request, user=user) if formal else None
            choose_printer(store, key, name, actor=user.username)
            return pages, record

        self.print_button.setEnabled(False)
        self.context.tasks.run(work, on_success=self._printed, on_failure=self._print_refused,
                               title=self.tr("正在打印"), parent=self)

    def _printed(self, result: tuple[int, PrintRecordInfo | None]) -> None:
        self.printed_pages, record = result
        self.print_button.setEnabled(True)
        self.reason = ""
        if record is None:
            self._set_message(self.tr("已打印 {0} 页（未记入打印记录）。").format(self.printed_pages))
            return
        serial = self.tr("，证件印制号 {0}").format(record.serial) if record.serial else ""
        self._set_message(self.tr("已打印{0}{1}第 {2} 份（{3}{4}），已记入打印记录。").format(
            record.document, record.copy, record.copy_number, record.event, serial))
        self.serial_edit.clear()
        self._reload_records()

    def _print_refused(self, error: SoregError) -> None:
        self.print_button.setEnabled(True)
        if error.field == "补打原因" and not self.reason and self._printer is not None:
            self._ask_reason(self._printer, error.message)
            return
        self.reason = ""  # asked again next time: the refusal may have been about something else
        self._set_message(error.message, error=True)

    def _ask_reason(self, printer: QPrinter, why: str) -> None:
        dialog = ReasonDialog(self.tr("补打原因"), why, self)
        self.reason_dialog = dialog

        def go() -> None:
            self.reason = dialog.text()
            self.print_to(printer)

        dialog.accepted.connect(go)
        dialog.open()

    # -- records and voids --
    def _reload_records(self) -> None:
        if self.case is None:
            return
        store, case_no = self.context.store, self.case.case_no
        self.context.tasks.run(lambda _p: _records_of(store, case_no), on_success=self._show_records, parent=self)

    def _show_records(self, result: tuple[list[PrintRecordInfo], StandingCertificates]) -> None:
        records, standing = result
        self.records = records
        copies = [f"{copy}{' '.join(serials)}" for copy, serials in (("正本 ", standing.originals),
                                                                      ("副本 ", standing.duplicates)) if serials]
        self.standing_label.setText(self.tr("现存有效的证书：{0}").format("；".join(copies)) if copies else "")
        self.record_table.setRowCount(len(records))
        for row, r in enumerate(records):
            state = self.tr("已作废") if r.voided else ""
            local = local_time(r.at)  # stored in UTC, shown in the window's time
            values = (f"{local:%Y-%m-%d %H:%M}", r.document, r.copy, r.event, str(r.copy_number), r.printer,
                      r.serial or "", r.reason, r.actor, state)
            for column, value in enumerate(values):
                self.record_table.setItem(row, column, QTableWidgetItem(value))
        self._update_void_button()

    def _selected_record(self) -> PrintRecordInfo | None:
        rows = self.record_table.selectionModel().selectedRows()
        return self.records[rows[0].row()] if rows else None

    def _update_void_button(self) -> None:
        record = self._selected_record()
        self.void_button.setEnabled(record is not None and record.event != PrintEvent.VOID and not record.voided)

    def ask_void(self) -> None:
        record = self._selected_record()
        if record is None:
            return
        what = f"{record.document}{record.copy}第 {record.copy_number} 份" + (f"（印制号 {record.serial}）" if record.serial else "")
        dialog = ReasonDialog(self.tr("作废"), self.tr("作废{0}。请写明原因：").format(what), self)
        self.reason_dialog = dialog
        dialog.accepted.connect(lambda: self.void(record.id, dialog.text()))
        dialog.open()

    def void(self, record_id: uuid.UUID, reason: str) -> None:
        store, user = self.context.store, self.context.user
        self.context.tasks.run(lambda _p: void_print(store, record_id, user=user, reason=reason),
                               on_success=self._voided, on_failure=lambda e: self._set_message(e.message, error=True),
                               parent=self)

    def _voided(self, record: PrintRecordInfo) -> None:
        self._set_message(self.tr("已作废{0}{1}第 {2} 份。").format(record.document, record.copy, record.copy_number))
        self._reload_records()

    # -- dialogs --
    def open_calibration(self) -> CalibrationDialog | None:
        printer = self.printer_combo.currentText().strip()
        if not printer:
            self._set_message(self.tr("请先选择或输入打印机名称，校准值按打印机分别保存。"), error=True)
            return None
        dialog = CalibrationDialog(self.context.store, self.context.tasks, printer,
                                   actor=self.context.user.username, parent=self)
        dialog.accepted.connect(self.refresh_preview)
        self.calibration_dialog = dialog
        dialog.open()
        return dialog

    def open_verify_dialog(self) -> QrVerifyDialog:
        dialog = QrVerifyDialog(self.context.store, self.context.tasks, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.verify_dialog = dialog
        dialog.open()
        return dialog
