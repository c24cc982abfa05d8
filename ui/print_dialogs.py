"""Dialogs of the printing page: the reason for a reprint or a void (补打/作废原因) and a printer's calibration."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from models.errors import SoregError
from models.store import Store
from printing.calibration import (
    MAX_OFFSET_MM,
    Calibration,
    calibration_for,
    save_calibration,
)
from ui.login_dialog import ERROR_STYLE
from ui.plain_text import plain
from ui.tasks import TaskRunner


class ReasonDialog(QDialog):
    """Asks why: a reprint, a replacement or a void must say so; OK stays disabled until it does."""

    def __init__(self, title: str, prompt: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        label = plain(QLabel(prompt))
        label.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("例如：原证书污损、卡纸、套印错位"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("确定"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(lambda text: self.ok.setEnabled(bool(text.strip())))
        self.ok.setEnabled(False)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.reason)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

    def text(self) -> str:
        return self.reason.text().strip()


class CalibrationDialog(QDialog):
    """The measured offsets and scale of one printer (套打校准), saved in the window settings."""

    def __init__(self, store: Store, tasks: TaskRunner, printer: str, *, actor: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store, self._tasks, self._actor, self.printer = store, tasks, actor, printer
        self.setWindowTitle(self.tr("套打校准 — {0}").format(printer))
        intro = QLabel(self.tr("先用这台打印机打印“套打校准页”（关闭缩放、不用校准值），再按校准页上的说明量出："
                               "缩放比例 = 左上、右上两个十字的实际距离 ÷ 标注距离；"
                               "偏移 = 左上十字的实际位置 − 标注位置 × 缩放比例（向右、向下为正，单位毫米，允许 ±{0:g} 毫米）。"
                               "保存后再打印一次校准页，十字应落在标注位置上。")
                       .format(MAX_OFFSET_MM))
        intro.setWordWrap(True)

        def spin(low: float, high: float, step: float, decimals: int, suffix: str) -> QDoubleSpinBox:
            box = QDoubleSpinBox()
            box.setRange(low, high)  # wider than allowed: the domain refuses, and says why
            box.setSingleStep(step)
            box.setDecimals(decimals)
            box.setSuffix(suffix)
            return box

        self.offset_x = spin(-99, 99, 0.1, 1, self.tr(" 毫米"))
        self.offset_y = spin(-99, 99, 0.1, 1, self.tr(" 毫米"))
        self.scale = spin(0.5, 1.5, 0.001, 3, "")
        self.scale.setValue(1.0)
        form = QFormLayout()
        form.addRow(self.tr("横向偏移"), self.offset_x)
        form.addRow(self.tr("纵向偏移"), self.offset_y)
        form.addRow(self.tr("缩放比例"), self.scale)
        self.message = plain(QLabel())
        self.message.setObjectName("calibrationMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.tr("保存"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(460)

        self._tasks.run(lambda _progress: calibration_for(store, printer), on_success=self._show,
                        on_failure=self._refused, parent=self)

    def _show(self, calibration: Calibration) -> None:
        self.offset_x.setValue(calibration.offset_x_mm)
        self.offset_y.setValue(calibration.offset_y_mm)
        self.scale.setValue(calibration.scale)

    def save(self) -> None:
        store, printer, actor = self._store, self.printer, self._actor
        values = (self.offset_x.value(), self.offset_y.value(), self.scale.value())

        def write(_progress) -> Calibration:
            calibration = Calibration(*values)
            save_calibration(store, printer, calibration, actor=actor)
            return calibration

        self.save_button.setEnabled(False)
        self._tasks.run(write, on_success=lambda _c: self.accept(), on_failure=self._refused, parent=self)

    def _refused(self, error: SoregError) -> None:
        self.save_button.setEnabled(True)
        self.message.setText(error.message)
        self.message.show()
        fields = {"横向偏移": self.offset_x, "纵向偏移": self.offset_y, "缩放比例": self.scale}
        if error.field in fields:
            fields[error.field].setFocus()
