"""The organization page (组织详情) of the 登记库: its current registered record and its versions.

Renders ``registry.records.organization_page`` (read on the task runner): the record's items
and persons in office on the left, the versions newest first on the right with the items the
selected version changed, before → after. A business on a registered organization (变更登记)
starts from here: its button opens the 新建办件 wizard on this organization.
"""

from __future__ import annotations

import uuid

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from forms.case_items import PERSON_ITEM_LABELS, RECORD_ITEMS
from models.errors import SoregError
from registry.records import OrganizationPage, RecordVersion, organization_page
from ui.context import PageContext
from ui.plain_text import plain
from workflow.catalogue import businesses

PERSONS_LABEL = dict(RECORD_ITEMS)["persons"]  # shown as a table of its own


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            table.setItem(r, c, item)
    table.resizeRowsToContents()


class OrganizationView(QWidget):
    """One organization of the registry with its record and versions; 返回 goes back to the list."""

    back_requested = Signal()
    business_requested = Signal(str, object)  # (business, organization id): e.g. 办理变更登记

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.page: OrganizationPage | None = None
        self._wanted: uuid.UUID | None = None  # the organization asked for last: an older answer is dropped
        t = self.tr
        self.back_button = QPushButton(t("返回登记库"))
        self.back_button.clicked.connect(self.back_requested)
        self.business_buttons: dict[str, QPushButton] = {}
        for kind in businesses():
            if kind.on_registered:
                button = QPushButton(t("办理{0}").format(kind.name) + ("(&B)" if not self.business_buttons else ""))
                button.setObjectName(f"business_{kind.name}")
                button.setEnabled(False)
                button.clicked.connect(lambda _checked=False, name=kind.name: self._request(name))
                self.business_buttons[kind.name] = button
        self.title = plain(QLabel())
        self.title.setStyleSheet("font-size: 15pt; font-weight: bold;")
        self.title.setWordWrap(True)
        self.facts = plain(QLabel())
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.items_table = _table([t("登记事项"), t("内容")])
        self.items_table.setColumnWidth(0, 175)
        self.persons_table = _table([PERSON_ITEM_LABELS[k] for k in ("name", "title", "roles", "id_number", "appointed_on")])
        for column, width in enumerate((70, 60, 120, 150)):
            self.persons_table.setColumnWidth(column, width)
        self.versions_table = _table([t("版本"), t("业务"), t("办件编号"), t("经办人"), t("核准日期"), t("记录时间")])
        for column, width in enumerate((40, 75, 180, 70, 85)):
            self.versions_table.setColumnWidth(column, width)
        self.versions_table.currentCellChanged.connect(lambda row, *_: self._show_changes(row))
        self.changes_caption = plain(QLabel())
        self.changes_table = _table([t("变更事项"), t("变更前"), t("变更后")])
        self.changes_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.changes_table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.changes_table.setColumnWidth(0, 120)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel(t("现登记事项")))
        left_layout.addWidget(self.items_table, 3)
        left_layout.addWidget(QLabel(PERSONS_LABEL))
        left_layout.addWidget(self.persons_table, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(QLabel(t("登记事项的版本（新的在上）")))
        right_layout.addWidget(self.versions_table, 1)
        right_layout.addWidget(self.changes_caption)
        right_layout.addWidget(self.changes_table, 2)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([560, 640])

        top = QHBoxLayout()
        top.addWidget(self.back_button)
        top.addWidget(self.title, 1)
        for button in self.business_buttons.values():
            top.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.facts)
        layout.addWidget(splitter, 1)

    def open(self, org_id: uuid.UUID) -> None:
        """Load and show organization ``org_id`` (off the UI thread)."""
        store = self.context.store
        self._wanted, self.page = org_id, None
        for table in (self.items_table, self.persons_table, self.versions_table, self.changes_table):
            table.setRowCount(0)
        self.facts.clear()
        self.changes_caption.clear()
        self.title.setText(self.tr("正在读取…"))
        self.context.tasks.run(lambda _progress: organization_page(store, org_id), on_success=self._render,
                               on_failure=self._failed, parent=self)

    def _request(self, business: str) -> None:
        if self.page is not None:
            self.business_requested.emit(business, self.page.id)

    def _failed(self, error: SoregError) -> None:
        if shiboken6.isValid(self.title):
            self.title.setText(self.tr("读取失败：{0}").format(str(error)))

    def _render(self, page: OrganizationPage) -> None:
        if not shiboken6.isValid(self.title) or page.id != self._wanted:
            return
        t = self.tr
        self.page = page
        self.title.setText(page.record.name)
        for kind in businesses():
            if kind.name in self.business_buttons:
                self.business_buttons[kind.name].setEnabled(page.org_type in kind.org_types)
        valid = page.certificate_valid_until.isoformat() if page.certificate_valid_until else t("无")
        established = page.established_on.isoformat() if page.established_on else t("无")
        self.facts.setText(t("{0}　{1}　统一社会信用代码：{2}　成立日期：{3}　证书有效期至：{4}").format(
            page.org_type, page.status, page.credit_code or t("无"), established, valid))
        _fill(self.items_table, [[label, text] for label, text in page.items if label != PERSONS_LABEL])
        _fill(self.persons_table, [[p.name, p.title, "、".join(p.roles), p.id_number,
                                    p.appointed_on.isoformat() if p.appointed_on else ""] for p in page.record.persons])
        _fill(self.versions_table, [[str(v.number), v.business, v.case_no or "", v.actor, v.effective_on.isoformat(),
                                     v.at.strftime("%Y-%m-%d %H:%M")] for v in page.versions])
        self.versions_table.selectRow(0)
        self._show_changes(0)

    def _show_changes(self, row: int) -> None:
        if self.page is None or not 0 <= row < len(self.page.versions):
            return
        version: RecordVersion = self.page.versions[row]
        implied = self.tr("（导入时的登记事项，尚未另存为版本）") if version.implied else ""
        self.changes_caption.setText(self.tr("第 {0} 版（{1}）改动的事项{2}：").format(version.number, version.business, implied))
        _fill(self.changes_table, [[c.label, c.before, c.after] for c in version.changes])
