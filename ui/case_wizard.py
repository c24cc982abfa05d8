"""The intake wizard (受理向导): a new establishment case, built from the forms/ definitions.

Pages: 登记事项 (ORGANIZATION_FIELDS), 业务范围 (SCOPE_FIELDS, a table), 人员 (PERSON_FIELDS, a
table), 材料 (the checklist for the type and conditions), 确认 and the result. Every change is
validated with ``forms.intake.validate_intake`` — what each field takes and the registration
conditions measured at it, under the window's rules on the day of intake: a bad value is marked
red with the domain's Chinese message beside it and 下一步 stays disabled until the page is right.
While the clerk types, the proposed name is checked (名称核准, the same check as the 名称核准 page)
on the task runner once typing pauses, and the verdict shows beside the name: a refused name
blocks 下一步 until the clerk writes why it is accepted all the same. 受理 calls
``workflow.intake.open_case`` (one transaction) on the task runner and shows the case number.
Esc (or 取消) on a wizard that holds anything asks before the input is discarded.

A business on a registered organization (变更登记; ``Business.on_registered``) starts with a page
of its own: the organization found by its code or name (or given by the 登记库 page), its current
record, the items that change and the 内部决议日期. The form is filled with the record; only the
marked items (and the items the registry does not hold yet) are editable, and it is validated
with ``workflow.intake.validate_change``.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

import shiboken6
from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from forms.fields import Field, FieldError, FieldInvalid
from forms.intake import (
    DECISION_FIELD,
    NAME_OVERRIDE_FIELD,
    ORGANIZATION_FIELDS,
    PERSON_FIELDS,
    SCOPE_FIELDS,
    Intake,
    material_conditions,
    read_intake,
    validate_intake,
)
from forms.materials import MaterialItem, required_items
from models.case_rules import default_rules
from models.cases import BusinessType
from models.errors import SoregError
from registry.name_check import LISTED_IN_MESSAGE, NameCheckResult, check_name, warm_up
from ui.context import PageContext
from ui.pages.name_check_page import LEVEL_LABELS
from ui.plain_text import plain, tip
from workflow.catalogue import Business, business
from workflow.intake import (
    ChangeStart,
    change_start,
    decision_warning,
    editable_fields,
    intake_rules,
    open_case,
    read_change,
    validate_change,
)
from workflow.queries import CaseSummary

ERROR_STYLE = "border: 2px solid #c62828; border-radius: 3px;"
MESSAGE_STYLE = "color: #c62828;"
BAD_CELL = QColor("#ffcdd2")
NAME_CHECK_DELAY_MS = 150  # typing has paused: check the name
VERDICT_COLOURS = {"pass": "#2e7d32", "warn": "#ef6c00", "reject": "#c62828", None: "#616161"}


def _several(field: Field) -> bool:
    """Whether ``field`` takes several of its choices at once (e.g. a person's 身份)."""
    if field.choices is None or len(field.choices()) < 2:
        return False
    try:
        return isinstance(field.read("、".join(field.choices()[:2])), tuple)
    except FieldInvalid:
        return False


class FieldInput:
    """One organization field's editor: a line edit, or a combo box for a field with choices."""

    def __init__(self, field: Field, on_change) -> None:
        self.field = field
        if field.choices is not None:
            combo = QComboBox()
            combo.addItem("")  # nothing chosen yet, even for a required field
            combo.addItems(list(field.choices()))
            combo.currentIndexChanged.connect(on_change)
            self.widget: QWidget = combo
        elif field.multiline:
            text = QPlainTextEdit()
            text.setTabChangesFocus(True)
            text.setPlaceholderText(field.hint)
            text.setFixedHeight(54)
            text.textChanged.connect(on_change)
            self.widget = text
        else:
            edit = QLineEdit()
            edit.setMaxLength(field.max_length + 50)  # longer text is refused with a message, not cut
            edit.setPlaceholderText(field.hint)
            edit.textChanged.connect(on_change)
            self.widget = edit
        self.widget.setObjectName(f"field_{field.key}")
        self.widget.setToolTip(field.hint)
        self.message = plain(QLabel())
        self.message.setObjectName(f"message_{field.key}")
        self.message.setStyleSheet(MESSAGE_STYLE)
        self.message.setWordWrap(True)
        self.message.hide()

    def text(self) -> str:
        w = self.widget
        if isinstance(w, QComboBox):
            return w.currentText()
        return w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text()

    def set_text(self, text: str) -> None:
        w = self.widget
        if isinstance(w, QComboBox):
            w.setCurrentIndex(max(0, w.findText(text)))
        elif isinstance(w, QPlainTextEdit):
            w.setPlainText(text)
        else:
            w.setText(text)

    def show_error(self, message: str | None) -> None:
        self.widget.setStyleSheet(ERROR_STYLE if message else "")
        self.message.setText(message or "")
        self.message.setVisible(bool(message))


class ChoicesDelegate(QStyledItemDelegate):
    """Cell editor for a field with choices: a combo box, or check boxes when several may be taken."""

    def __init__(self, field: Field, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.field = field
        self.several = _several(field)

    def editor_width(self) -> int:
        """The width the check boxes need side by side (0 for a combo box, which fits any column)."""
        if not self.several:
            return 0
        editor = self.createEditor(None, QStyleOptionViewItem(), QModelIndex())
        width = editor.sizeHint().width()
        editor.deleteLater()
        return width

    def createEditor(self, parent: QWidget | None, option: QStyleOptionViewItem, index: QModelIndex) -> QWidget:
        if self.several:
            editor = QWidget(parent)
            editor.setAutoFillBackground(True)
            row = QHBoxLayout(editor)
            row.setContentsMargins(2, 0, 2, 0)
            for choice in self.field.choices():
                row.addWidget(QCheckBox(choice))
            return editor
        combo = QComboBox(parent)
        combo.addItems(([""] if not self.field.required else []) + list(self.field.choices()))
        return combo

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:
        text = index.data() or ""
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(max(0, editor.findText(text)))
            return
        try:
            chosen = set(self.field.read(text) or ())
        except FieldInvalid:
            chosen = set()
        for box in editor.findChildren(QCheckBox):
            box.setChecked(box.text() in chosen)

    def setModelData(self, editor: QWidget, model, index: QModelIndex) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentText())
        else:
            model.setData(index, "、".join(b.text() for b in editor.findChildren(QCheckBox) if b.isChecked()))


class FieldTable(QTableWidget):
    """Rows of one form part (业务范围 items, persons), one column per field."""

    def __init__(self, fields: Sequence[Field], parent: QWidget | None = None) -> None:
        super().__init__(0, len(fields), parent)
        self.fields = tuple(fields)
        self.setHorizontalHeaderLabels([f.label + ("*" if f.required else "") for f in fields])
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for column, f in enumerate(fields):
            self.horizontalHeaderItem(column).setToolTip(f.hint)
            if f.choices is not None:
                delegate = ChoicesDelegate(f, self)
                self.setItemDelegateForColumn(column, delegate)
                if delegate.editor_width():  # check boxes side by side: the column is as wide as they are
                    header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
                    header.resizeSection(column, delegate.editor_width() + 8)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        self.verticalHeader().setDefaultSectionSize(30)

    def add_row(self, values: dict[str, str] | None = None) -> int:
        row = self.rowCount()
        self.insertRow(row)
        for column, f in enumerate(self.fields):
            self.setItem(row, column, QTableWidgetItem((values or {}).get(f.key, "")))
        self.setCurrentCell(row, 0)
        return row

    def remove_current_row(self) -> None:
        if self.currentRow() >= 0:
            self.removeRow(self.currentRow())

    def rows(self) -> list[dict[str, str]]:
        return [{f.key: (self.item(r, c).text() if self.item(r, c) else "") for c, f in enumerate(self.fields)}
                for r in range(self.rowCount())]

    def set_cell(self, row: int, key: str, text: str) -> None:
        column = next(c for c, f in enumerate(self.fields) if f.key == key)
        self.item(row, column).setText(text)

    def mark(self, errors: dict[tuple[int, str], str]) -> None:
        """Colour the cells in ``errors`` and give them their message as a tool tip."""
        self.blockSignals(True)
        for r in range(self.rowCount()):
            for c, f in enumerate(self.fields):
                item = self.item(r, c)
                message = errors.get((r, f.key))
                item.setBackground(QBrush(BAD_CELL) if message else QBrush())
                item.setToolTip(tip(message) if message else f.hint)
        self.blockSignals(False)


def _split_path(path: str) -> tuple[str, int | None, str]:
    """("persons", 1, "id_number") for "persons[1].id_number"; ("persons", None, "") for "persons"."""
    if "[" not in path:
        return path, None, ""
    part, rest = path.split("[", 1)
    number, _, key = rest.partition("].")
    return part, int(number), key


class IntakePage(QWizardPage):
    """A page of the wizard that shows the errors of its part of the form."""

    def wizard(self) -> CaseWizard:  # type: ignore[override]
        return super().wizard()

    def my_errors(self, errors: Sequence[FieldError]) -> list[FieldError]:
        raise NotImplementedError

    def show_errors(self, errors: Sequence[FieldError]) -> None:
        raise NotImplementedError

    def isComplete(self) -> bool:
        return self.wizard() is not None and not self.my_errors(self.wizard().errors)


class NameVerdict(QWidget):
    """The name check's verdict beside the proposed name: pass, warnings with the organizations
    behind them, or a refusal with its reasons and the clerk's reason for accepting it anyway."""

    def __init__(self, on_reason_changed, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: NameCheckResult | None = None
        self.pending = False
        self.verdict = plain(QLabel())
        self.verdict.setObjectName("nameVerdict")
        self.details = plain(QLabel())
        self.details.setObjectName("nameVerdictDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reason_label = QLabel(self.tr("{0}*：").format(NAME_OVERRIDE_FIELD.label))
        self.reason = QPlainTextEdit()
        self.reason.setObjectName(f"field_{NAME_OVERRIDE_FIELD.key}")
        self.reason.setTabChangesFocus(True)
        self.reason.setPlaceholderText(NAME_OVERRIDE_FIELD.hint)
        self.reason.setFixedHeight(54)
        self.reason.textChanged.connect(on_reason_changed)
        self.reason_label.setBuddy(self.reason)
        self.reason_message = plain(QLabel())
        self.reason_message.setObjectName(f"message_{NAME_OVERRIDE_FIELD.key}")
        self.reason_message.setStyleSheet(MESSAGE_STYLE)
        self.reason_message.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 4)
        layout.setSpacing(2)
        for widget in (self.verdict, self.details, self.reason_label, self.reason, self.reason_message):
            layout.addWidget(widget)
        self.show_waiting()

    def _show(self, verdict: str | None, text: str, details: str = "") -> None:
        self.verdict.setStyleSheet(f"color: {VERDICT_COLOURS[verdict]}; font-weight: bold;")
        self.verdict.setText(text)
        self.details.setText(details)
        self.details.setVisible(bool(details))
        refused = verdict == "reject"
        for widget in (self.reason_label, self.reason):
            widget.setVisible(refused)
        if not refused:
            self.reason_message.hide()

    def show_waiting(self, note: str = "", *, name_invalid: bool = False) -> None:
        """No verdict: nothing to check yet, or the check could not run (``note`` says why)."""
        self.result, self.pending = None, False
        self._show(None, self.tr("名称核准：拟定名称更正后自动核准") if name_invalid
                   else self.tr("名称核准：填写组织类型和拟定名称后自动核准"), note)

    def show_pending(self) -> None:
        self.result, self.pending = None, True
        self._show(None, self.tr("名称核准：正在核准…"))

    def show_result(self, result: NameCheckResult) -> None:
        self.result, self.pending = result, False
        if result.verdict == "pass":
            self._show("pass", self.tr("名称核准：通过"), self.tr("未发现与登记库中名称相同或相近的社会组织，名称符合规则。"))
            return
        lines = []
        for finding in result.findings:
            line = f"[{self.tr(LEVEL_LABELS[finding.level])}] {finding.message}"
            if len(finding.organizations) > LISTED_IN_MESSAGE:
                line += self.tr("\n所列组织：{0}").format("、".join(finding.organizations))
            lines.append(line)
        if result.verdict == "reject":
            lines.append(self.tr("请更改名称；如申请人坚持使用此名称，请写明仍予受理的理由，由审查人员在名称核准环节判断。"))
        self._show(result.verdict, self.tr("名称核准：{0}").format(self.tr(result.verdict_label)), "\n".join(lines))

    def show_reason_error(self, message: str | None) -> None:
        self.reason.setStyleSheet(ERROR_STYLE if message else "")
        self.reason_message.setText(message or "")
        self.reason_message.setVisible(bool(message) and self.reason.isVisibleTo(self))

    @property
    def refused(self) -> bool:
        return self.result is not None and self.result.verdict == "reject"

    def override_reason(self) -> str:
        """The clerk's reason, sent with the form only while the name is refused."""
        return self.reason.toPlainText() if self.refused else ""

    def blocks(self) -> bool:
        """Whether 下一步 must wait: the check is running, or the name is refused without a reason."""
        return self.pending or (self.refused and not self.reason.toPlainText().strip())


class OrganizationPage(IntakePage):
    """登记事项: the proposed organization's registered items and the applicant."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("登记事项"))
        self.setSubTitle(self.tr("填写拟设立组织的登记事项和申请人信息。带 * 的为必填项。"))
        self.inputs = {f.key: FieldInput(f, self._changed) for f in ORGANIZATION_FIELDS}
        self.name_verdict = NameVerdict(self._changed)
        self.touched: set[str] = set()
        half = (len(ORGANIZATION_FIELDS) + 1) // 2
        columns = QHBoxLayout()
        columns.setSpacing(16)
        for part in (ORGANIZATION_FIELDS[:half], ORGANIZATION_FIELDS[half:]):
            grid = QGridLayout()  # each column its own grid: the verdict lengthens the first only
            grid.setHorizontalSpacing(10)
            grid.setVerticalSpacing(2)
            for row, f in enumerate(part):
                label = QLabel(f.label + ("*" if f.required else "") + "：")
                label.setBuddy(self.inputs[f.key].widget)
                grid.addWidget(label, row * 3, 0, Qt.AlignmentFlag.AlignRight)
                grid.addWidget(self.inputs[f.key].widget, row * 3, 1)
                grid.addWidget(self.inputs[f.key].message, row * 3 + 1, 1)
                if f.key == "name":
                    grid.addWidget(self.name_verdict, row * 3 + 2, 1)
            grid.setColumnStretch(1, 1)
            grid.setRowStretch(len(part) * 3, 1)  # spare height goes below the fields, not between them
            columns.addLayout(grid, 1)
        body = QWidget()
        body.setLayout(columns)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.summary = plain(QLabel())
        self.summary.setObjectName("pageSummary")
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.summary)
        # tab order: down the first column (the reason right after the name), then down the second
        widgets = [self.inputs[f.key].widget for f in ORGANIZATION_FIELDS]
        widgets.insert(widgets.index(self.inputs["name"].widget) + 1, self.name_verdict.reason)
        for first, second in zip(widgets, widgets[1:], strict=False):
            QWidget.setTabOrder(first, second)

    def _changed(self) -> None:
        sender = next((k for k, i in self.inputs.items() if i.widget is self.sender()), None)
        if sender is not None:
            self.touched.add(sender)
        if self.wizard() is not None:
            self.wizard().revalidate()

    def values(self) -> dict[str, str]:
        return {key: i.text() for key, i in self.inputs.items()}

    def my_errors(self, errors: Sequence[FieldError]) -> list[FieldError]:
        return [e for e in errors if e.path in self.inputs or e.path == NAME_OVERRIDE_FIELD.key]

    def show_errors(self, errors: Sequence[FieldError]) -> None:
        mine = {e.path: e.message for e in self.my_errors(errors)}
        for key, field_input in self.inputs.items():
            field_input.show_error(mine.get(key) if key in self.touched else None)
        self.name_verdict.show_reason_error(mine.get(NAME_OVERRIDE_FIELD.key))
        hidden = [k for k in mine if k in self.inputs and k not in self.touched]
        self.summary.setText(self.tr("还有 {0} 项需要填写或更正。").format(len(hidden)) if hidden else "")

    def isComplete(self) -> bool:
        return super().isComplete() and not self.name_verdict.blocks()


class RowsEditor(QWidget):
    """One table of the form (业务范围 items or persons) with its 添加/删除 buttons and the messages
    of its rows; the wizard's pages and the correction dialog (ui/amend_dialog.py) show it."""

    changed = Signal()

    def __init__(self, part: str, fields: Sequence[Field], add_text: str, remove_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.part = part
        self.table = FieldTable(fields)
        self.table.setObjectName(f"table_{part}")
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        self.add_button = QPushButton(add_text)
        self.remove_button = QPushButton(remove_text)
        for button in (self.add_button, self.remove_button):
            button.setAutoDefault(False)  # Enter goes on to the next page, whatever has the focus
        self.add_button.clicked.connect(lambda: self.add_row())
        self.remove_button.clicked.connect(self.remove_row)
        self.messages = plain(QLabel())
        self.messages.setObjectName(f"messages_{part}")
        self.messages.setTextFormat(Qt.TextFormat.PlainText)
        self.messages.setStyleSheet(MESSAGE_STYLE)
        self.messages.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.messages)

    def add_row(self, values: dict[str, str] | None = None) -> None:
        self.table.blockSignals(True)
        self.table.add_row(values)
        self.table.blockSignals(False)
        self.changed.emit()

    def remove_row(self) -> None:
        self.table.remove_current_row()
        self.changed.emit()

    def mine(self, errors: Sequence[FieldError]) -> list[FieldError]:
        return [e for e in errors if _split_path(e.path)[0] == self.part]

    def show_errors(self, errors: Sequence[FieldError]) -> list[FieldError]:
        """Mark the cells of this table's errors and list their messages; return those errors."""
        mine = self.mine(errors)
        cells = {(n, key): e.message for e in mine for part, n, key in [_split_path(e.path)] if n is not None}
        self.table.mark(cells)
        self.messages.setText("\n".join(e.message for e in mine))
        return mine


class TablePage(IntakePage):
    """A page holding one table of the form (业务范围 items or persons)."""

    def __init__(self, part: str, fields: Sequence[Field], title: str, subtitle: str, add_text: str,
                 remove_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.editor = RowsEditor(part, fields, add_text, remove_text)
        self.table, self.messages = self.editor.table, self.editor.messages
        self.add_button, self.remove_button = self.editor.add_button, self.editor.remove_button
        self.editor.changed.connect(self._changed)
        QVBoxLayout(self).addWidget(self.editor)
        self.editor.add_row()

    def _changed(self) -> None:
        if self.wizard() is not None:
            self.wizard().revalidate()

    def my_errors(self, errors: Sequence[FieldError]) -> list[FieldError]:
        return self.editor.mine(errors)

    def show_errors(self, errors: Sequence[FieldError]) -> None:
        self.editor.show_errors(errors)


class ChangePage(IntakePage):
    """变更事项 (a business on a registered organization): the organization, found by its code or
    name, its current record, the items that change (only those become editable) and the 内部决议日期."""

    def __init__(self, kind: Business, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        t = self.tr
        self.setTitle(t("{0}：选择组织和变更事项").format(kind.name))
        self.setSubTitle(t("按统一社会信用代码或名称查找组织，勾选要变更的事项：只有勾选的事项可以修改，其余保持登记库中的现登记内容。"))
        self.lookup = QLineEdit()
        self.lookup.setObjectName("changeLookup")
        self.lookup.setPlaceholderText(t("统一社会信用代码或名称"))
        self.lookup.returnPressed.connect(self._find)
        self.find_button = QPushButton(t("查找(&F)"))
        self.find_button.setAutoDefault(False)
        self.find_button.clicked.connect(self._find)
        lookup_label = QLabel(t("组织(&O)："))
        lookup_label.setBuddy(self.lookup)
        self.facts = plain(QLabel(t("尚未选择组织。")))
        self.facts.setObjectName("changeFacts")
        self.facts.setWordWrap(True)
        self.refusal = plain(QLabel())
        self.refusal.setObjectName("changeRefusal")
        self.refusal.setStyleSheet(MESSAGE_STYLE)
        self.refusal.setWordWrap(True)
        self.refusal.hide()
        self.record_table = QTableWidget(0, 2)
        self.record_table.setObjectName("changeRecord")
        self.record_table.setHorizontalHeaderLabels([t("登记事项"), t("现登记内容")])
        self.record_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.record_table.verticalHeader().setVisible(False)
        self.record_table.horizontalHeader().setStretchLastSection(True)
        self.record_table.setColumnWidth(0, 120)
        self.record_table.setWordWrap(True)
        self.boxes: dict[str, QCheckBox] = {}
        ticks = QGridLayout()
        for n, (key, item) in enumerate(kind.changes.items()):
            box = QCheckBox(item.label)
            box.setObjectName(f"change_{key}")
            box.setEnabled(False)
            box.toggled.connect(self._changed)
            self.boxes[key] = box
            ticks.addWidget(box, n // 4, n % 4)
        self.decision = FieldInput(DECISION_FIELD, self._changed)
        self.decision_warning = plain(QLabel())
        self.decision_warning.setObjectName("decisionWarning")
        self.decision_warning.setStyleSheet("color: #ef6c00;")
        self.decision_warning.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(lookup_label)
        row.addWidget(self.lookup, 1)
        row.addWidget(self.find_button)
        decision_row = QHBoxLayout()
        decision_label = QLabel(DECISION_FIELD.label + "*：")
        decision_label.setBuddy(self.decision.widget)
        decision_row.addWidget(decision_label)
        decision_row.addWidget(self.decision.widget)
        decision_row.addWidget(self.decision.message, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.facts)
        layout.addWidget(self.refusal)
        layout.addWidget(self.record_table, 1)
        layout.addWidget(QLabel(t("变更事项（勾选后可修改）：")))
        layout.addLayout(ticks)
        layout.addLayout(decision_row)
        layout.addWidget(self.decision_warning)

    def _find(self) -> None:
        if self.lookup.text().strip():
            self.wizard().find_organization(self.lookup.text())

    def show_start(self, start: ChangeStart) -> None:
        t = self.tr
        self.lookup.setText(start.credit_code or start.name)
        self.facts.setText(t("{0}（{1}）　统一社会信用代码：{2}").format(start.name, start.org_type,
                                                                      start.credit_code or t("无")))
        self.refusal.setText(start.refusal or "")
        self.refusal.setVisible(bool(start.refusal))
        self.record_table.setRowCount(len(start.items))
        for r, (label, text) in enumerate(start.items):
            for c, value in enumerate((label, text)):
                self.record_table.setItem(r, c, QTableWidgetItem(value))
        self.record_table.resizeRowsToContents()
        for box in self.boxes.values():
            box.setEnabled(start.refusal is None)

    def show_lookup_error(self, message: str) -> None:
        self.facts.setText(message)
        self.refusal.hide()
        self.record_table.setRowCount(0)
        self.completeChanged.emit()

    def changed_items(self) -> frozenset[str]:
        return frozenset(k for k, box in self.boxes.items() if box.isChecked())

    def _changed(self) -> None:
        if self.wizard() is not None:
            self.wizard().items_changed()

    def my_errors(self, errors: Sequence[FieldError]) -> list[FieldError]:
        return [e for e in errors if e.path == DECISION_FIELD.key]

    def show_errors(self, errors: Sequence[FieldError]) -> None:
        self.decision.show_error(next((e.message for e in self.my_errors(errors)), None)
                                 if self.decision.text().strip() else None)
        self.decision_warning.setText(self.wizard().decision_warning() or "")

    def isComplete(self) -> bool:
        wizard = self.wizard()
        return (wizard is not None and wizard.start is not None and wizard.start.refusal is None
                and bool(self.changed_items()) and super().isComplete())


class MaterialsPage(QWizardPage):
    """材料: the checklist for this type and these conditions; unticked items are recorded as missing."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("申请材料"))
        self.setSubTitle(self.tr("勾选已收到的材料（空格键勾选）。未勾选的材料记为待补，审查前须补齐。"))
        self.boxes: dict[str, QCheckBox] = {}
        self.list_layout = QVBoxLayout()
        self.all_button = QPushButton(self.tr("全部已收(&A)"))
        self.all_button.setAutoDefault(False)
        self.all_button.clicked.connect(lambda: [b.setChecked(True) for b in self.boxes.values()])
        layout = QVBoxLayout(self)
        layout.addLayout(self.list_layout)
        row = QHBoxLayout()
        row.addWidget(self.all_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)

    def initializePage(self) -> None:
        items = self.wizard().checklist()
        kept = {code for code, box in self.boxes.items() if box.isChecked()}
        for box in self.boxes.values():
            box.deleteLater()
        self.boxes = {}
        for item in items:
            box = QCheckBox(f"{item.label}（{item.code}）")
            box.setObjectName(f"material_{item.code}")
            box.setChecked(item.code in kept)
            self.boxes[item.code] = box
            self.list_layout.addWidget(box)

    def received(self) -> list[str]:
        return [code for code, box in self.boxes.items() if box.isChecked()]


class ConfirmPage(QWizardPage):
    """确认: everything once more; 受理 opens the case."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("确认受理"))
        self.setSubTitle(self.tr("请核对以下内容。点击“受理”后生成办件编号，受理后登记事项只能在审查中更正。"))
        self.setCommitPage(True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("受理"))
        self.summary = QLabel()
        self.summary.setObjectName("confirmSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.summary)
        QVBoxLayout(self).addWidget(scroll)
        self._busy = False

    def initializePage(self) -> None:
        self.summary.setText(self.wizard().summary_html())

    def validatePage(self) -> bool:
        wizard = self.wizard()
        if wizard.case is not None:
            return True
        if not self._busy:
            self._busy = True
            wizard.submit(self._submitted)
        return False

    def _submitted(self, ok: bool) -> None:
        self._busy = False
        if ok:
            self.wizard().next()


class ResultPage(QWizardPage):
    """The case number of the new case, and what comes next."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("受理完成"))
        self.case_label = plain(QLabel())
        self.case_label.setObjectName("caseNumber")
        self.case_label.setStyleSheet("font-size: 18pt; font-weight: bold; color: #1b5e20;")
        self.case_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details = plain(QLabel())
        self.details.setWordWrap(True)
        self.print_button = QPushButton(self.tr("打印受理回执(&P)…"))
        self.print_button.setToolTip(self.tr("在“打印”页预览并打印本办件的受理回执"))
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self._print_receipt)
        self.open_box = QCheckBox(self.tr("完成后打开此办件(&O)"))
        self.open_box.setChecked(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.case_label)
        layout.addWidget(self.details)
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addWidget(self.open_box)
        layout.addStretch(1)

    def _print_receipt(self) -> None:
        self.wizard().print_receipt = True
        self.wizard().accept()

    def initializePage(self) -> None:
        case = self.wizard().case
        self.case_label.setText(self.tr("办件编号：{0}").format(case.case_no))
        self.details.setText(self.tr("{0}（{1}，{2}）已受理，承诺办结日 {3}，法定期限 {4}。").format(
            case.name, case.org_type, case.business_type, case.due_date.isoformat(), case.statutory_due_date.isoformat()))


class CaseWizard(QWizard):
    """受理向导: the intake form of a business of the catalogue (workflow/catalogue.py)."""

    case_opened = Signal(object)  # the CaseSummary of the new case

    def __init__(self, context: PageContext, parent: QWidget | None = None,
                 business_type: str = BusinessType.ESTABLISH.value, today: date | None = None,
                 organization_id: uuid.UUID | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.business_type = business_type
        self.business = business(business_type)
        self.start: ChangeStart | None = None  # the organization a change starts from (its current record)
        self._today = today  # None: the real day, whenever it is asked
        self.rules: dict[str, Any] | None = None  # the window's own rules, once read (until then the defaults)
        self.case: CaseSummary | None = None
        self.print_receipt = False  # 打印受理回执 was chosen on the last page
        self.errors: list[FieldError] = []
        self.discard_box = self._make_discard_box()
        self._checked_name: tuple[str, str] | None = None  # the (name, type) the verdict shown is for
        self._name_request = 0
        self._name_timer = QTimer(self)
        self._name_timer.setSingleShot(True)
        self._name_timer.setInterval(NAME_CHECK_DELAY_MS)
        self._name_timer.timeout.connect(self.check_name)
        self.setWindowTitle(self.tr("新建办件 — {0}").format(business_type))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("下一步(&N) >"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("< 上一步(&B)"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("取消"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("完成"))
        self.organization_page = OrganizationPage()
        self.scope_page = TablePage(
            "scope_items", SCOPE_FIELDS, self.tr("业务范围"),
            self.tr("每行一项：从目录中选择，或在“业务范围（自拟）”中填写；需前置审批的项目请填写审批文号和日期。"),
            self.tr("添加一项(&A)"), self.tr("删除所选项(&D)"))
        self.persons_page = TablePage(
            "persons", PERSON_FIELDS, self.tr("人员"),
            self.tr("发起人、拟任法定代表人和拟任负责人。同一人身兼数职时只填一行，在“身份”中多选；应有且只有一位法定代表人。"),
            self.tr("添加人员(&A)"), self.tr("删除所选人员(&D)"))
        self.materials_page = MaterialsPage()
        self.confirm_page = ConfirmPage()
        self.result_page = ResultPage()
        self.change_page = ChangePage(self.business) if self.business.on_registered else None
        if self.change_page is not None:
            self.persons_page.table.itemChanged.connect(self._person_replaced)
            self.addPage(self.change_page)
            self.organization_page.setSubTitle(self.tr("勾选的变更事项可以修改，其余为登记库中的现登记内容，不能修改；"
                                                       "登记库尚未登记的事项请补填。"))
        for page in (self.organization_page, self.scope_page, self.persons_page, self.materials_page,
                     self.confirm_page, self.result_page):
            self.addPage(page)
        self.resize(1100, 680)
        self.revalidate()
        store = context.store
        context.tasks.run(lambda _p: intake_rules(store), on_success=self._rules_read, on_failure=lambda _e: None,
                          parent=self)
        context.tasks.run(lambda _p: warm_up(store), on_failure=lambda _e: None, parent=self)
        if organization_id is not None and self.change_page is not None:
            context.tasks.run(lambda _p: change_start(store, organization_id=organization_id),
                              on_success=self._start_read, on_failure=self._start_failed, parent=self)

    @property
    def today(self) -> date:
        return self._today or date.today()

    def _rules_read(self, rules: dict[str, Any]) -> None:
        self.rules = rules
        self.revalidate()

    # -- a change: the organization and the items that change --
    def find_organization(self, text: str) -> None:
        """Look the organization up by its code or name (on the task runner)."""
        store = self.context.store
        self.context.tasks.run(lambda _p: change_start(store, text=text), on_success=self._start_read,
                               on_failure=self._start_failed, parent=self)

    def _start_read(self, start: ChangeStart) -> None:
        if not shiboken6.isValid(self) or self.change_page is None:
            return
        self.start = start
        self.change_page.show_start(start)
        for key, field_input in self.organization_page.inputs.items():
            field_input.set_text(start.form["organization"].get(key, "") or "")
        for part, page in (("scope_items", self.scope_page), ("persons", self.persons_page)):
            page.table.setRowCount(0)
            for row in start.form[part]:
                page.editor.add_row(row)
            if not start.form[part]:
                page.editor.add_row()
        self._remember_persons()
        self.items_changed()

    def _remember_persons(self) -> None:
        """Mark each registered person's row with the 身份证号 it was filled with (see _person_replaced)."""
        table = self.persons_page.table
        column = next(c for c, f in enumerate(table.fields) if f.key == "id_number")
        for row in range(table.rowCount()):
            if item := table.item(row, column):
                item.setData(Qt.ItemDataRole.UserRole, item.text())

    def _person_replaced(self, item: QTableWidgetItem) -> None:
        """A registered person's row typed over with another 身份证号 is a new person: the 任职日期
        of the one who leaves does not carry over (left empty, it is the approval day)."""
        table = self.persons_page.table
        if table.fields[item.column()].key != "id_number":
            return
        registered = item.data(Qt.ItemDataRole.UserRole)
        if registered and item.text().strip() != registered:
            table.set_cell(item.row(), "appointed_on", "")
            item.setData(Qt.ItemDataRole.UserRole, None)

    def _start_failed(self, error: SoregError) -> None:
        if shiboken6.isValid(self) and self.change_page is not None:
            self.start = None  # no organization is chosen now: 下一步 waits for one that is found
            self.change_page.show_lookup_error(error.message)

    def changed_items(self) -> frozenset[str]:
        return self.change_page.changed_items() if self.change_page is not None else frozenset()

    def items_changed(self) -> None:
        """The marked items changed: only their fields (and the items not registered) are editable;
        an item no longer marked goes back to its registered value (``editable_fields``)."""
        if self.start is not None:
            opened = editable_fields(self.business, self.start.form, self.changed_items())
            for key, field_input in self.organization_page.inputs.items():
                editable = key in opened
                if not editable and field_input.text() != (self.start.form["organization"].get(key) or ""):
                    field_input.set_text(self.start.form["organization"].get(key) or "")
                field_input.widget.setEnabled(editable)
            for part, page in (("scope_items", self.scope_page), ("persons", self.persons_page)):
                editable = part in opened
                if not editable and page.table.rows() != [
                        {k: str(v) for k, v in r.items()} for r in self.start.form[part]]:
                    page.table.setRowCount(0)
                    for row in self.start.form[part]:
                        page.editor.add_row(row)
                    if part == "persons":
                        self._remember_persons()
                for widget in (page.table, page.add_button, page.remove_button):
                    widget.setEnabled(editable)
        self.revalidate()

    def decision_warning(self) -> str | None:
        """The warning of a change applied for late after the 内部决议, or None."""
        text = self.change_page.decision.text().strip() if self.change_page is not None else ""
        try:
            decided_on = DECISION_FIELD.read(text) if text else None
        except FieldInvalid:
            return None
        return decision_warning(decided_on, self.today, self.rules or default_rules()) if decided_on else None

    # -- the form --
    def form_data(self) -> dict[str, Any]:
        """The raw form as forms.intake reads it."""
        data = {
            "organization": self.organization_page.values(),
            "scope_items": self.scope_page.table.rows(),
            "persons": self.persons_page.table.rows(),
            "received": self.materials_page.received(),
            NAME_OVERRIDE_FIELD.key: self.organization_page.name_verdict.override_reason(),
        }
        if self.change_page is not None:
            data[DECISION_FIELD.key] = self.change_page.decision.text()
        return data

    def read_form(self, data: dict[str, Any]) -> Intake:
        """The form read as 受理 will read it (a change: over the organization's current record)."""
        if self.start is not None:
            return read_change(self.start.form, data, self.business, self.changed_items(), self.today,
                               self.rules or default_rules())[0]
        return read_intake(data, business_type=self.business_type, today=self.today, rules=self.rules,
                           materials=self.business.materials)

    def revalidate(self) -> None:
        """Validate the whole form; each page marks its own errors and enables 下一步 accordingly."""
        if self.change_page is None:
            self.errors = validate_intake(self.form_data(), business_type=self.business_type, today=self.today,
                                          rules=self.rules, materials=self.business.materials)
        elif self.start is None:
            self.errors = []
        else:
            self.errors = validate_change(self.start.form, self.form_data(), business_type=self.business_type,
                                          changed=self.changed_items(), today=self.today, rules=self.rules or default_rules())
        self._follow_name()
        pages = (self.organization_page, self.scope_page, self.persons_page)
        for page in (*pages, *([self.change_page] if self.change_page is not None else [])):
            page.show_errors(self.errors)
            page.completeChanged.emit()

    def has_input(self) -> bool:
        """Whether the clerk has put anything in the form (then Esc asks before discarding it)."""
        if self.start is not None:
            return True
        data = self.form_data()
        rows = data["scope_items"] + data["persons"]
        return (any(v.strip() for v in data["organization"].values()) or any(v.strip() for r in rows for v in r.values())
                or bool(data["received"]))

    # -- 名称核准 while the clerk types --
    def _name_key(self) -> tuple[str, str] | None:
        """(name, type) when both read without error, else None: nothing to check."""
        values = self.organization_page.values()
        if any(e.path in ("name", "org_type") for e in self.errors) or not values["name"].strip():
            return None
        if self.change_page is not None and "name" not in self.changed_items():
            return None  # the registered name is not applied for again
        return values["name"], values["org_type"]

    def _follow_name(self) -> None:
        """A changed name or type: the verdict shown is stale; check again once typing pauses."""
        key = self._name_key()
        if key == self._checked_name:
            return
        self._checked_name = key
        self._name_request += 1  # a check under way is for a name no longer in the box
        verdict = self.organization_page.name_verdict
        if key is None:
            self._name_timer.stop()
            verdict.show_waiting(name_invalid=any(e.path == "name" for e in self.errors)
                                 and bool(self.organization_page.values()["name"].strip()))
        else:
            verdict.show_pending()
            self._name_timer.start()

    def check_name(self) -> None:
        """Check the proposed name now (the timer calls this once typing pauses), on the task runner."""
        if self._checked_name is None:
            return
        name, org_type = self._checked_name
        request, store, as_of = self._name_request, self.context.store, self.today

        def shown(request_now: int) -> bool:
            return shiboken6.isValid(self) and request_now == self._name_request

        def delivered(result: NameCheckResult) -> None:
            if shown(request):
                self.organization_page.name_verdict.show_result(result)
                self.revalidate()

        def failed(error: SoregError) -> None:
            if shown(request):
                self.organization_page.name_verdict.show_waiting(error.message)
                self.revalidate()

        own = self.start.organization_id if self.start is not None else None
        self.context.tasks.run(lambda _p: check_name(store, name, org_type, as_of, own=own), on_success=delivered,
                               on_failure=failed, parent=self)

    def summary_html(self) -> str:
        """Everything once more, as rich text: every value the clerk typed is escaped."""
        intake = self.read_form(self.form_data())
        e = html.escape
        org = self.organization_page.values()
        rows = [f"<tr><td><b>{e(f.label)}</b></td><td>{e(org[f.key])}</td></tr>" for f in ORGANIZATION_FIELDS if org[f.key]]
        if self.change_page is not None:
            marked = "、".join(c.label for k, c in self.business.changes.items() if k in self.changed_items())
            rows.insert(0, f"<tr><td><b>{self.tr('变更事项')}</b></td><td style='color:#0d47a1'>{e(marked)}</td></tr>")
        if intake.name_override_reason:
            rows.append(f"<tr><td><b>{e(NAME_OVERRIDE_FIELD.label)}</b></td>"
                        f"<td style='color:#c62828'>{e(intake.name_override_reason)}</td></tr>")
        scope = "".join(f"<li>{e(s['text'])}</li>" for s in intake.scope_items)
        persons = "".join(f"<li>{e(p['name'])}（{e('、'.join(p['roles']))}）{e(p['id_number'])}</li>" for p in intake.persons)
        missing = [i.label for i in self.checklist() if i.code not in intake.received]
        materials = (self.tr("材料齐全") if not missing else
                     self.tr("<span style='color:#c62828'>待补材料：{0}</span>").format(e("、".join(missing))))
        return (f"<table cellspacing='4'>{''.join(rows)}</table>"
                f"<p><b>{self.tr('业务范围')}</b></p><ol>{scope}</ol>"
                f"<p><b>{self.tr('人员')}</b></p><ul>{persons}</ul><p>{materials}</p>")

    def checklist(self) -> tuple[MaterialItem, ...]:
        """The materials this case must bring, given its type and what the form says."""
        intake = self.read_form(self.form_data() | {"received": []})
        return required_items(self.business.materials, intake.organization["org_type"],
                              material_conditions(intake.organization, intake.scope_items, self.changed_items()))

    # -- leaving --
    def _make_discard_box(self) -> QMessageBox:
        """The question Esc asks of a filled wizard: 放弃 closes it, 继续填写 (or Esc) goes back."""
        box = plain(QMessageBox(QMessageBox.Icon.Question, self.tr("放弃填写"),
                                self.tr("已填写的内容尚未受理，关闭后不会保存。要放弃这些内容吗？"),
                                QMessageBox.StandardButton.NoButton, self))
        box.setObjectName("discardBox")
        discard = box.addButton(self.tr("放弃"), QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(self.tr("继续填写"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        discard.clicked.connect(self._discard)
        return box

    def reject(self) -> None:
        """Esc, 取消 or the window's close button: at once if nothing would be lost, else ask first."""
        if self.case is not None or not self.has_input():
            super().reject()
        elif not self.discard_box.isVisible():
            self.discard_box.open()

    def _discard(self) -> None:
        super().reject()

    # -- 受理 --
    def submit(self, done) -> None:
        """Open the case on the worker; ``done(ok)`` afterwards."""
        data, store, user, business = self.form_data(), self.context.store, self.context.user, self.business_type
        today, changed = self.today, self.changed_items()
        organization_id = self.start.organization_id if self.start is not None else None
        self.button(QWizard.WizardButton.CommitButton).setEnabled(False)

        def failed(error: SoregError) -> None:
            if not shiboken6.isValid(self):
                return
            self.button(QWizard.WizardButton.CommitButton).setEnabled(True)
            box = plain(QMessageBox(QMessageBox.Icon.Warning, self.tr("未能受理"), error.message,
                                    QMessageBox.StandardButton.Ok, self))
            box.setObjectName("intakeError")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            done(False)

        def opened(case: CaseSummary) -> None:
            self.case = case
            self.case_opened.emit(case)
            done(True)

        self.context.tasks.run(lambda _p: open_case(store, data, user=user, today=today, business_type=business,
                                                    changed_items=changed, organization_id=organization_id),
                               on_success=opened, on_failure=failed, parent=self)

    @property
    def open_when_done(self) -> bool:
        return self.case is not None and self.result_page.open_box.isChecked()
