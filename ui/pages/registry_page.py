"""The 登记库 page: the registry listed and searched, a page of rows at a time, off the UI thread;
a double-click or Enter opens the organization's page (its record and versions)."""

from __future__ import annotations

import html
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models import reference
from models.errors import SoregError
from models.registry import OrgStatus
from registry.registry_query import (
    PAGE_SIZE,
    OrganizationRow,
    RegistryFilter,
    former_names,
    search_organizations,
)
from ui.context import PageContext
from ui.organization_view import OrganizationView
from ui.pages import main_window_page
from ui.plain_text import plain

SEARCH_DELAY_MS = 300
Index = QModelIndex | QPersistentModelIndex


CASES_PAGE = "ui.pages.cases_page:CasesPage"


def _date(value) -> str:
    return value.isoformat() if value else ""


class RegistryTableModel(QAbstractTableModel):
    """Organizations matching a filter; rows are fetched in pages by the task runner on demand."""

    loaded = Signal(int, bool)  # rows shown so far, whether that is all of them
    failed = Signal(str)

    COLUMNS = (
        ("名称", lambda r: r.name),
        ("组织类型", lambda r: r.org_type),
        ("登记状态", lambda r: r.status),
        ("状态变更日期", lambda r: _date(r.status_changed_on)),
        ("统一社会信用代码", lambda r: r.credit_code or ""),
        ("法定代表人", lambda r: r.legal_representative or ""),
        ("所属街镇", lambda r: r.street),
        ("成立日期", lambda r: _date(r.established_on)),
    )

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._rows: list[OrganizationRow] = []
        self._filter = RegistryFilter()
        self._generation = 0
        self._loading = False
        self._complete = False

    # -- Qt model --
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self.COLUMNS[index.column()][1](self._rows[index.row()])

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(self.COLUMNS[section][0])
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:
        return not parent.isValid() and not self._complete and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:
        if self.canFetchMore(parent):
            self._load_next_page()

    # -- paging --
    def row(self, index: int) -> OrganizationRow:
        return self._rows[index]

    def set_filter(self, flt: RegistryFilter) -> None:
        """Show the organizations matching ``flt`` from the first page on."""
        self.beginResetModel()
        self._filter = flt
        self._rows = []
        self._generation += 1
        self._complete = False
        self._loading = False
        self.endResetModel()
        self._load_next_page()

    def _load_next_page(self) -> None:
        self._loading = True
        generation, flt = self._generation, self._filter
        after = self._rows[-1].position if self._rows else None
        store = self._context.store

        def work(_progress) -> list[OrganizationRow]:
            return search_organizations(store, flt, after=after, limit=PAGE_SIZE)

        self._context.tasks.run(
            work,
            on_success=lambda rows: self._page_loaded(generation, rows),
            on_failure=lambda error: self._page_failed(generation, error),
        )

    def _page_loaded(self, generation: int, rows: list[OrganizationRow]) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the page was closed, or the filter changed while this page was loading
        self._loading = False
        self._complete = len(rows) < PAGE_SIZE
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self.loaded.emit(len(self._rows), self._complete)

    def _page_failed(self, generation: int, error: SoregError) -> None:
        if shiboken6.isValid(self) and generation == self._generation:
            self._loading = False
            self._complete = True
            self.failed.emit(error.message)


class RegistryPage(QWidget):
    """登记库: search by name, 统一社会信用代码 or legal representative; filter by type and status."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self._wanted_name: str | None = None

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("按名称（可省略“上海市长宁区”）、统一社会信用代码或法定代表人搜索"))
        self.search_edit.setClearButtonEnabled(True)
        self.type_combo = QComboBox()
        self.type_combo.addItem(self.tr("全部类型"), None)
        for name in reference.org_types():
            self.type_combo.addItem(name, name)
        self.status_combo = QComboBox()
        self.status_combo.addItem(self.tr("全部状态"), None)
        for status in OrgStatus:
            self.status_combo.addItem(status.value, status.value)
        self.count_label = plain(QLabel())

        self.model = RegistryTableModel(context, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate((0, 110, 70, 100, 160, 90, 110, 90)):
            if width:
                header.resizeSection(column, width)
        self.details = QLabel()
        self.details.setTextFormat(Qt.TextFormat.RichText)  # the name in bold; every value escaped
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.details.setStyleSheet("QLabel { background: #f5f5f5; padding: 8px; border: 1px solid #ddd; }")
        self.details.setMinimumHeight(70)

        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("搜索：")))
        bar.addWidget(self.search_edit, 1)
        bar.addWidget(self.type_combo)
        bar.addWidget(self.status_combo)
        bar.addWidget(self.count_label)
        list_page = QWidget()
        layout = QVBoxLayout(list_page)
        layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel(self.tr("登记库"))
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        layout.addWidget(heading)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.details)
        self.organization_view = OrganizationView(context)
        self.organization_view.back_requested.connect(self.show_list)
        self.organization_view.business_requested.connect(self.start_business)
        self.stack = QStackedWidget()
        self.stack.addWidget(list_page)
        self.stack.addWidget(self.organization_view)
        QVBoxLayout(self).addWidget(self.stack)
        self.table.activated.connect(self.open_index)  # a double-click or Enter

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.search)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.type_combo.currentIndexChanged.connect(self.search)
        self.status_combo.currentIndexChanged.connect(self.search)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(self._failed)
        self.table.selectionModel().currentRowChanged.connect(self._show_details)
        self.search()

    def open_index(self, index: QModelIndex) -> None:
        """Open the organization's page: its current record and its versions."""
        if index.isValid():
            self.organization_view.open(self.model.row(index.row()).id)
            self.stack.setCurrentWidget(self.organization_view)

    def start_business(self, business: str, org_id) -> None:
        """Open the 新建办件 wizard of ``business`` on organization ``org_id`` (on the 办件 page)."""
        page = main_window_page(self, CASES_PAGE)
        if page is not None:
            page.new_case(business, organization_id=org_id)

    def show_list(self) -> None:
        self.stack.setCurrentIndex(0)
        self.table.setFocus()

    def current_filter(self) -> RegistryFilter:
        return RegistryFilter(
            text=self.search_edit.text(), org_type=self.type_combo.currentData(), status=self.status_combo.currentData()
        )

    def search(self) -> None:
        self._search_timer.stop()
        self.count_label.setText(self.tr("正在查询…"))
        self.details.clear()
        self.model.set_filter(self.current_filter())

    def show_organization(self, name: str) -> None:
        """List the organization named ``name`` (current name) and select it."""
        for combo in (self.type_combo, self.status_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.search_edit.blockSignals(True)
        self.search_edit.setText(name)
        self.search_edit.blockSignals(False)
        self._wanted_name = name
        self.show_list()
        self.search()

    def _loaded(self, count: int, complete: bool) -> None:
        more = "" if complete else self.tr("，向下滚动加载更多")
        self.count_label.setText(self.tr("已显示 {0} 个{1}").format(count, more))
        if self._wanted_name is not None:
            for i in range(count):
                if self.model.row(i).name == self._wanted_name:
                    self.table.selectRow(i)
                    self.table.scrollTo(self.model.index(i, 0))
                    break
            self._wanted_name = None

    def _failed(self, message: str) -> None:
        self.count_label.setText(self.tr("查询失败：{0}").format(message))

    def _show_details(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.details.clear()
            return
        row = self.model.row(current.row())
        store = self.context.store

        self.context.tasks.run(lambda _progress: former_names(store, row.id), on_success=lambda formers: self._render_details(row, formers))

    def _render_details(self, row: OrganizationRow, formers: list) -> None:
        if not shiboken6.isValid(self.details):
            return  # the page was closed meanwhile
        t = self.tr
        flags = [label for on, label in ((row.on_abnormal_list, t("活动异常名录")), (row.on_dishonest_list, t("严重违法失信名单"))) if on]
        changed = (' ' + _date(row.status_changed_on)) if row.status_changed_on else ''
        parts = [
            t("（{0}，{1}{2}）").format(row.org_type, row.status, changed),
            t("统一社会信用代码：{0}").format(row.credit_code or t("无")),
            t("法定代表人：{0}").format(row.legal_representative or t("无")),
            t("住所：{0}").format(row.address or t("无")),
            t("业务主管单位：{0}").format(row.sponsor or t("无")),
            t("证书有效期至：{0}").format(_date(row.certificate_valid_until) or t("无")),
            t("评估等级：{0}").format(row.rating or t("未评估")),
        ]
        if flags:
            parts.append(t("列入：{0}").format("、".join(flags)))
        if formers:
            parts.append(t("曾用名：{0}").format("；".join(f"{n}（{_date(d) or t('日期不详')}更名）" for n, d in formers)))
        self.details.setText(f"<b>{html.escape(row.name)}</b>" + "　".join(html.escape(p) for p in parts))
