"""设置 → 打印机: which printer each document prints on (as the 打印 page remembers it) and each
printer's calibration (套打校准, edited in ``ui.print_dialogs.CalibrationDialog``)."""

from __future__ import annotations

from PySide6.QtPrintSupport import QPrinterInfo
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from accounts.window_settings import PrinterChoice, choose_printer, printer_choices
from models.errors import SoregError
from printing.calibration import NO_CALIBRATION
from ui.context import PageContext
from ui.pages.printing_page import CHOICES
from ui.print_dialogs import CalibrationDialog
from ui.settings.section import Section, intro_label, read_only_table

DOCUMENTS = tuple(dict.fromkeys(choice.printer_key for choice in CHOICES))
"""The documents as the 打印 page remembers a printer for each (certificates share one, notices one)."""
COLUMNS = ("文书", "打印机", "套打校准")


class PrintersSection(Section):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.choices: list[PrinterChoice] = []
        self.calibration_dialog: CalibrationDialog | None = None
        intro = intro_label(self.tr("每类文书打印到哪台打印机（打印页上选过的会记在这里），以及每台打印机的套打校准。"
                                    "校准前先在“打印”页用该打印机打印“套打校准页”，量出偏差。"))
        self.table = read_only_table("printersTable", [self.tr(c) for c in COLUMNS], pick_rows=True)
        self.table.itemSelectionChanged.connect(self._selected_changed)
        self.printer_combo = QComboBox()
        self.printer_combo.setEditable(True)
        self.printer_combo.addItems(QPrinterInfo.availablePrinterNames())
        self.printer_combo.lineEdit().setPlaceholderText(self.tr("打印机名称"))
        self.choose_button = QPushButton(self.tr("设为所选文书的打印机"))
        self.choose_button.clicked.connect(self.choose)
        self.calibrate_button = QPushButton(self.tr("校准所选打印机…"))
        self.calibrate_button.clicked.connect(self.calibrate)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("打印机：")))
        row.addWidget(self.printer_combo, 1)
        row.addWidget(self.choose_button)
        row.addWidget(self.calibrate_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.fields = {"打印机": self.printer_combo}
        self._selected_changed()

    def load(self) -> None:
        store = self.context.store
        self.run(lambda _progress: printer_choices(store, DOCUMENTS), self._show)

    def _show(self, choices: list[PrinterChoice]) -> None:
        row_before = self.selected_row
        self.choices = choices
        self.table.setRowCount(len(choices))
        for row, choice in enumerate(choices):
            for column, text in enumerate((choice.document, choice.printer or self.tr("（打印时在对话框中选择）"),
                                           self._calibration_text(choice))):
                self.table.setItem(row, column, QTableWidgetItem(text))
        if row_before is not None:
            self.table.selectRow(row_before)

    def _calibration_text(self, choice: PrinterChoice) -> str:
        c = choice.calibration
        if c is None:
            return "—"
        if c == NO_CALIBRATION:
            return self.tr("未校准")
        return self.tr("横向 {0:+.1f} 毫米，纵向 {1:+.1f} 毫米，缩放 {2:.3f}").format(c.offset_x_mm, c.offset_y_mm, c.scale)

    @property
    def selected_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def _selected_changed(self) -> None:
        row = self.selected_row
        self.choose_button.setEnabled(row is not None)
        self.calibrate_button.setEnabled(row is not None)
        if row is not None and self.choices[row].printer:
            self.printer_combo.setCurrentText(self.choices[row].printer)

    def choose(self) -> None:
        row = self.selected_row
        if row is None:
            return
        store, actor, document, printer = self.context.store, self.actor, self.choices[row].document, self.printer_combo.currentText()

        def saved(choice: PrinterChoice) -> None:
            self.tell(self.tr("{0}今后打印到 {1}。").format(choice.document, choice.printer))
            self.load()

        self.run(lambda _progress: choose_printer(store, document, printer, actor=actor), saved)

    def calibrate(self) -> None:
        row = self.selected_row
        if row is None:
            return
        printer = self.choices[row].printer
        if not printer:
            self.refuse(SoregError(self.tr("请先为“{0}”选择打印机，校准值按打印机保存。").format(self.choices[row].document),
                                   field="打印机"))
            return
        dialog = CalibrationDialog(self.context.store, self.context.tasks, printer, actor=self.actor, parent=self)
        dialog.accepted.connect(lambda: (self.tell(self.tr("已保存 {0} 的套打校准。").format(printer)), self.load()))
        self.calibration_dialog = dialog
        dialog.open()
