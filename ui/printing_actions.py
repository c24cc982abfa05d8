"""Printing from elsewhere (打印入口): what the case page calls to print one of a case's documents."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QVBoxLayout, QWidget

from models.print_records import DocumentKind
from printing.data import CopyKind
from ui.context import PageContext
from ui.pages.printing_page import PrintingPage


class CasePrintDialog(QDialog):
    """The printing page in a window of its own, opened on one case."""

    def __init__(self, context: PageContext, case_no: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("打印 — {0}").format(case_no))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.page = PrintingPage(context, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page)
        self.resize(1280, 760)


def print_case_document(parent: QWidget | None, context: PageContext, case_no: str, kind: DocumentKind,
                        copy: CopyKind | None = None) -> CasePrintDialog:
    """Open the printing page on ``case_no`` with ``kind`` (and ``copy`` for a certificate) chosen.

    The dialog is not modal: the clerk previews, enters the stock serial and prints from it.
    """
    dialog = CasePrintDialog(context, case_no, parent)
    dialog.page.show_case(case_no, kind, copy)
    dialog.open()
    return dialog
