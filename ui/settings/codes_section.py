"""设置 → 代码段: the window's blocks of organization codes, how many remain, and loading a new
block from the first and last codes of the allocation notice (both check characters verified by
``registry.code_blocks.add_block_between``)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from registry.code_blocks import (
    BlockSummary,
    CodeSupply,
    add_block_between,
    code_supply,
)
from ui.context import PageContext
from ui.login_dialog import ERROR_STYLE
from ui.settings.section import Section, intro_label, read_only_table

COLUMNS = ("起始代码", "截止代码", "数量", "已用", "剩余")


def _dashed(code: str) -> str:
    """An organization code as notices print it: body, hyphen, check character."""
    return f"{code[:8]}-{code[8:]}"


class CodesSection(Section):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.supply: CodeSupply | None = None
        self.remaining_label = QLabel()
        self.remaining_label.setObjectName("codesRemaining")
        self.remaining_label.setStyleSheet("font-size: 13pt; font-weight: bold;")
        self.notice = QLabel()
        self.notice.setObjectName("codesNotice")
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(ERROR_STYLE)
        self.table = read_only_table("blocksTable", [self.tr(c) for c in COLUMNS])

        self.first_edit = QLineEdit()
        self.first_edit.setPlaceholderText(self.tr("例如 MJ000001-8"))
        self.last_edit = QLineEdit()
        self.last_edit.setPlaceholderText(self.tr("例如 MJ000200-5"))
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText(self.tr("号段通知的文号等，可不填"))
        self.load_button = QPushButton(self.tr("载入号段"))
        self.load_button.clicked.connect(self.load_block)
        box = QGroupBox(self.tr("载入新号段"))
        hint = intro_label(self.tr("按区局的号段通知，填写号段第一个和最后一个组织机构代码（9 位，含最后一位校验位）。"
                                   "两端的校验位都会核对，抄错一位即不载入。"))
        for edit in (self.first_edit, self.last_edit, self.note_edit):
            edit.setMinimumWidth(320)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(hint)
        form.addRow(self.tr("起始代码"), self.first_edit)
        form.addRow(self.tr("截止代码"), self.last_edit)
        form.addRow(self.tr("备注"), self.note_edit)
        form.addRow("", self.load_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.remaining_label)
        layout.addWidget(self.notice)
        layout.addWidget(self.table, 1)
        layout.addWidget(box)
        layout.addWidget(self.message)
        self.fields = {"起始代码": self.first_edit, "FIRST": self.first_edit, "截止代码": self.last_edit,
                       "COUNT": self.last_edit, "备注": self.note_edit}

    def load(self) -> None:
        store = self.context.store
        self.run(lambda _progress: code_supply(store), self._show)

    def _show(self, supply: CodeSupply) -> None:
        self.supply = supply
        self.remaining_label.setText(self.tr("剩余组织机构代码：{0:,} 个（少于 {1} 个时提醒）").format(
            supply.remaining, supply.low_threshold))
        self.notice.setText(supply.notice or "")
        self.notice.setVisible(supply.notice is not None)
        self.table.setRowCount(len(supply.blocks))
        for row, block in enumerate(supply.blocks):
            cells = (_dashed(block.first), _dashed(block.last), f"{block.count:,}", f"{block.used:,}", f"{block.free:,}")
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))

    def load_block(self) -> None:
        store, actor = self.context.store, self.actor
        first, last, note = self.first_edit.text(), self.last_edit.text(), self.note_edit.text()
        self.load_button.setEnabled(False)

        def loaded(block: BlockSummary) -> None:
            self.load_button.setEnabled(True)
            for edit in (self.first_edit, self.last_edit, self.note_edit):
                edit.clear()
            self.tell(self.tr("已载入号段 {0} 至 {1}，共 {2:,} 个组织机构代码。").format(
                _dashed(block.first), _dashed(block.last), block.count))
            self.load()

        self.run(lambda _progress: add_block_between(store, first, last, actor=actor, note=note), loaded)

    def refuse(self, error) -> None:
        self.load_button.setEnabled(True)
        super().refuse(error)
