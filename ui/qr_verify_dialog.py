"""The QR verify dialog (防伪二维码核验): paste or scan a code, see what it certifies or why not.

A barcode scanner types the code into the text box like a keyboard, ending with Enter; the
check runs offline against the window public keys, the print records and the registry in the
local store.
"""

from __future__ import annotations

import html
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from models.store import Store
from printing.verification import verify_printed_code
from signing.qr import QrVerification
from ui.tasks import TaskRunner

VALID_STYLE = "background: #2e7d32; color: white; padding: 8px; font-size: 14pt; font-weight: bold;"
INVALID_STYLE = "background: #c62828; color: white; padding: 8px; font-size: 14pt; font-weight: bold;"


class _ScanBox(QPlainTextEdit):
    """The text box; Enter (what a scanner sends at the end) verifies instead of starting a new line."""

    def __init__(self, on_enter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._on_enter = on_enter

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._on_enter()
            return
        super().keyPressEvent(event)


class QrVerifyDialog(QDialog):
    def __init__(self, store: Store, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store, self._tasks = store, tasks
        self.result: QrVerification | None = None
        self.setWindowTitle(self.tr("核验防伪二维码"))
        intro = QLabel(self.tr("用扫码枪扫描证书或回执上的二维码，或把扫码得到的文字（以 SOREG1: 开头）粘贴到下面，然后按回车或点“核验”。"
                               "核验在本机离线完成。"))
        intro.setWordWrap(True)
        self.text = _ScanBox(self.verify)
        self.text.setPlaceholderText("SOREG1:…")
        self.text.setFixedHeight(90)
        self.verdict = QLabel(self.tr("尚未核验"))
        self.verdict.setObjectName("qrVerdict")
        self.verdict.setStyleSheet("background: #eeeeee; color: #616161; padding: 8px; font-size: 14pt;")
        self.details = QLabel()
        self.details.setTextFormat(Qt.TextFormat.RichText)  # lines joined by <br>, each escaped
        self.details.setObjectName("qrDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        buttons = QDialogButtonBox()
        self.verify_button = buttons.addButton(self.tr("核验"), QDialogButtonBox.ButtonRole.ActionRole)
        self.verify_button.clicked.connect(self.verify)
        buttons.addButton(self.tr("关闭"), QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text)
        layout.addWidget(self.verdict)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)
        self.resize(620, 480)

    def verify(self) -> None:
        text = self.text.toPlainText().strip()
        if not text:
            self.verdict.setText(self.tr("请先扫描或粘贴二维码的内容"))
            return
        store = self._store

        def check(_progress) -> QrVerification:
            return verify_printed_code(store, text, date.today())

        self.verify_button.setEnabled(False)
        self._tasks.run(check, on_success=self._show, on_failure=self._failed, parent=self)

    def _show(self, result: QrVerification) -> None:
        self.result = result
        self.verify_button.setEnabled(True)
        self.verdict.setStyleSheet(VALID_STYLE if result.valid else INVALID_STYLE)
        self.verdict.setText(self.tr("核验结果：{0}").format(result.status.value))
        lines = [html.escape(result.message)] + [html.escape(line) for line in result.lines()]
        self.details.setText("<br>".join(lines))

    def _failed(self, error) -> None:
        self.verify_button.setEnabled(True)
        self.verdict.setStyleSheet(INVALID_STYLE)
        self.verdict.setText(self.tr("无法核验"))
        self.details.setText(html.escape(error.message))
