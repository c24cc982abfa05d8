"""The correction dialog (更正登记事项): a case's registered items, 业务范围 (with 前置审批) and
persons, corrected during review or 补正, with the reason for the correction.

The dialog renders the intake form's fields with the wizard's widgets (``FieldInput``,
``RowsEditor``), starts from ``workflow.amend.correction_form`` and checks every change with
``correction_errors``: a bad value is marked at its field with the same Chinese message as at
intake, each tab says how many places need a change, and 保存更正 stays disabled until the form
and the reason are right. Saving runs ``amend_case`` on the task runner; the dialog closes with
the ``Amended`` result (``amended``), or shows the refusal and stays open.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from forms.fields import FieldError
from forms.intake import PERSON_FIELDS, SCOPE_FIELDS
from forms.review import CORRECTION_REASON
from models.errors import SoregError
from ui.case_wizard import MESSAGE_STYLE, FieldInput, RowsEditor
from ui.context import PageContext
from workflow.amend import (
    ITEM_FIELDS,
    Amended,
    amend_case,
    correction_errors,
    correction_form,
)
from workflow.case_queries import CaseDetail


class AmendDialog(QDialog):
    """更正登记事项 of one case: three tabs of the intake form and the reason, then 保存更正."""

    def __init__(self, context: PageContext, detail: CaseDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.case_no = detail.case_no
        self.business_type = detail.items["business_type"]
        self.amended: Amended | None = None
        self.errors: list[FieldError] = []
        self._busy = False
        self._ready = False  # filling the inputs from the case is no change
        self.setWindowTitle(self.tr("更正登记事项 — {0}").format(detail.case_no))
        self.start = correction_form(detail)

        self.inputs = {f.key: FieldInput(f, self._changed) for f in ITEM_FIELDS}
        for key, field_input in self.inputs.items():
            field_input.set_text(self.start["organization"][key])
            field_input.message.setTextFormat(Qt.TextFormat.PlainText)
        self.scope_tab = RowsEditor("scope_items", SCOPE_FIELDS, self.tr("添加一项(&A)"), self.tr("删除所选项(&D)"))
        self.persons_tab = RowsEditor("persons", PERSON_FIELDS, self.tr("添加人员(&P)"), self.tr("删除所选人员(&M)"))
        for tab in (self.scope_tab, self.persons_tab):
            for values in self.start[tab.part]:
                tab.add_row(values)
            tab.changed.connect(self._changed)
        self.tabs = QTabWidget()
        self.tabs.addTab(self._items_tab(), "")
        self.tabs.addTab(self.scope_tab, "")
        self.tabs.addTab(self.persons_tab, "")

        self.reason = FieldInput(CORRECTION_REASON, self._changed)
        self.reason.message.setTextFormat(Qt.TextFormat.PlainText)
        self.reason_touched = False
        self.status = QLabel()
        self.status.setObjectName("amendStatus")
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.status.setWordWrap(True)
        self.status.setStyleSheet(MESSAGE_STYLE)
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton(self.tr("保存更正(&S)"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveAmendment")
        self.cancel_button = self.buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        reason_row = QFormLayout()
        reason_cell = QVBoxLayout()
        reason_cell.addWidget(self.reason.widget)
        reason_cell.addWidget(self.reason.message)
        reason_row.addRow(self.tr("更正理由*："), reason_cell)
        note = QLabel(self.tr("保存后，每项更改连同更正理由记入办理过程，并重新运行本环节的系统审查。"))
        note.setStyleSheet("color: #616161;")
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(reason_row)
        layout.addWidget(note)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.resize(1180, 700)
        self.initial = self.form_data()  # what "unchanged" means, as the widgets hold the case
        self._ready = True
        self.revalidate()

    def _items_tab(self) -> QWidget:
        """The registered items in two columns, each input with its message underneath."""
        columns = QHBoxLayout()
        half = (len(ITEM_FIELDS) + 1) // 2
        for part in (ITEM_FIELDS[:half], ITEM_FIELDS[half:]):
            form = QFormLayout()
            form.setVerticalSpacing(4)
            for f in part:
                cell = QVBoxLayout()
                cell.setSpacing(0)
                cell.addWidget(self.inputs[f.key].widget)
                cell.addWidget(self.inputs[f.key].message)
                label = QLabel(f.label + ("*" if f.required else "") + "：")
                label.setBuddy(self.inputs[f.key].widget)
                form.addRow(label, cell)
            columns.addLayout(form, 1)
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.addLayout(columns)
        outer.addStretch(1)  # spare height goes below the fields, not between them
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        return scroll

    # -- the form --
    def form_data(self) -> dict[str, Any]:
        """The corrected form as ``workflow.amend`` reads it."""
        organization = dict(self.start["organization"]) | {key: i.text() for key, i in self.inputs.items()}
        return {"organization": organization, "scope_items": self.scope_tab.table.rows(),
                "persons": self.persons_tab.table.rows()}

    def changed_from_start(self) -> bool:
        return self.form_data() != self.initial or bool(self.reason.text().strip())

    def _changed(self, *_args: object) -> None:
        if not self._ready:
            return
        if self.sender() is self.reason.widget:
            self.reason_touched = True
        self.revalidate()

    def revalidate(self) -> None:
        """Check the whole form and the reason; mark each bad value; enable 保存更正 when all is right."""
        self.errors = correction_errors(self.form_data(), self.reason.text(), self.business_type)
        by_key = {e.path: e.message for e in self.errors}
        for key, field_input in self.inputs.items():
            field_input.show_error(by_key.get(key))
        self.reason.show_error(by_key.get(CORRECTION_REASON.key) if self.reason_touched else None)
        counts = (sum(1 for e in self.errors if e.path in self.inputs), len(self.scope_tab.show_errors(self.errors)),
                  len(self.persons_tab.show_errors(self.errors)))
        for n, (title, count) in enumerate(zip((self.tr("登记事项"), self.tr("业务范围与前置审批"), self.tr("人员")),
                                               counts, strict=True)):
            self.tabs.setTabText(n, title + (self.tr("（{0} 处待改）").format(count) if count else ""))
        self.save_button.setEnabled(not self.errors and not self._busy)

    # -- saving --
    def save(self) -> None:
        if self.errors or self._busy:
            return
        self._busy = True
        self.save_button.setEnabled(False)
        self.status.clear()
        store, user, case_no = self.context.store, self.context.user, self.case_no
        data, reason = self.form_data(), self.reason.text()
        self.context.tasks.run(lambda _p: amend_case(store, case_no, data, reason=reason, user=user),
                               on_success=self._saved, on_failure=self._refused, parent=self)

    def _saved(self, amended: Amended) -> None:
        self._busy = False
        self.amended = amended
        self.accept()

    def _refused(self, error: SoregError) -> None:
        if not shiboken6.isValid(self):
            return
        self._busy = False
        self.status.setText(error.message)
        self.revalidate()

    def reject(self) -> None:
        """取消 or Esc: ask before discarding typed corrections."""
        if self._busy:
            return
        if self.changed_from_start():
            box = QMessageBox(QMessageBox.Icon.Question, self.tr("放弃更正"), self.tr("已填写的更正尚未保存，确定放弃吗？"),
                              QMessageBox.StandardButton.NoButton, self)
            box.setObjectName("discardAmendment")
            discard = box.addButton(self.tr("放弃更正"), QMessageBox.ButtonRole.DestructiveRole)
            box.addButton(self.tr("继续填写"), QMessageBox.ButtonRole.RejectRole)
            box.exec()
            box.deleteLater()
            if box.clickedButton() is not discard:
                return
        super().reject()
