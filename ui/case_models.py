"""Qt table models of cases (办件表格模型): the case list over SQL, fetched a page at a time.

``CaseTableModel`` knows how many cases match the filter and holds only the pages the view has
asked for; a missing page is fetched on the task runner's worker and shown when it arrives.
Sorting and filtering are done by SQL (workflow/case_queries.py), so 100,000 cases open as fast
as ten.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import date
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QWidget

from models.errors import SoregError
from ui.context import PageContext
from workflow.case_queries import (
    PAGE_SIZE,
    CaseFilter,
    CaseListPage,
    CaseOrder,
    CaseRow,
    SortKey,
    case_list_page,
    running_states,
)

Index = QModelIndex | QPersistentModelIndex
KEPT_PAGES = 50  # pages kept in memory (10,000 rows); older ones are fetched again when needed
OVERDUE_TEXT = QColor("#b71c1c")
OVERDUE_BACKGROUND = QColor("#ffebee")
STOPPED_TEXT = QColor("#6d4c41")


def _days_left(row: CaseRow) -> str:
    """Working days left while the decision is pending; blank once it is made."""
    if row.stopped:
        return f"{row.working_days_left}（中止）"
    return str(row.working_days_left) if row.state in running_states() else ""


COLUMNS: tuple[tuple[str, SortKey, Any], ...] = (
    ("办件编号", SortKey.CASE_NO, lambda r: r.case_no),
    ("名称", SortKey.NAME, lambda r: r.name),
    ("类型", SortKey.ORG_TYPE, lambda r: r.org_type),
    ("业务", SortKey.BUSINESS, lambda r: r.business_type),
    ("状态", SortKey.STATE, lambda r: r.state),
    ("受理人", SortKey.CLERK, lambda r: r.accepted_by),
    ("受理日期", SortKey.ACCEPTED, lambda r: r.accepted_at.date().isoformat()),
    ("办结期限", SortKey.DUE, lambda r: r.due_date.isoformat()),
    ("剩余(工作)日", SortKey.DUE, _days_left),
)
LOADING = "…"


class CaseTableModel(QAbstractTableModel):
    """The cases matching a filter, in SQL order; rows arrive page by page off the UI thread."""

    loaded = Signal(int)  # the filter's result is known: how many cases match
    failed = Signal(str)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._filter = CaseFilter()
        self._order = CaseOrder()
        self._today = date.today()
        self._total = 0
        self._pages: OrderedDict[int, list[CaseRow]] = OrderedDict()
        self._pending: set[int] = set()
        self._generation = 0
        self.ready = False  # whether the result of the current filter has arrived

    # -- Qt model --
    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.tr(COLUMNS[section][0])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            return LOADING if role == Qt.ItemDataRole.DisplayRole else None
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[index.column()][2](row)
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.overdue:
                return QBrush(OVERDUE_TEXT)
            if row.stopped:
                return QBrush(STOPPED_TEXT)
        if role == Qt.ItemDataRole.BackgroundRole and row.overdue:
            return QBrush(OVERDUE_BACKGROUND)
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.overdue:
                return self.tr("已超期：承诺办结日 {0}").format(row.due_date.isoformat())
            if row.stopped:
                return self.tr("补正中，办理时限中止")
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self.set_query(self._filter, CaseOrder(COLUMNS[column][1], order == Qt.SortOrder.DescendingOrder))

    # -- rows --
    def row(self, index: int) -> CaseRow | None:
        """The row at ``index`` if its page is here; otherwise ask for the page and return None."""
        page_no = index // PAGE_SIZE
        page = self._pages.get(page_no)
        if page is None:
            self._request(page_no)
            return None
        self._pages.move_to_end(page_no)
        offset = index - page_no * PAGE_SIZE
        return page[offset] if offset < len(page) else None

    @property
    def current_filter(self) -> CaseFilter:
        return self._filter

    @property
    def current_order(self) -> CaseOrder:
        return self._order

    @property
    def today(self) -> date:
        return self._today

    def refresh(self) -> None:
        self.set_query(self._filter, self._order)

    def set_query(self, flt: CaseFilter, order: CaseOrder | None = None) -> None:
        """Show the cases matching ``flt`` in ``order``: count and first page in one task."""
        self._filter, self._order = flt, order or self._order
        self._today = date.today()
        self._generation += 1
        self.ready = False
        generation, order, today, store = self._generation, self._order, self._today, self._context.store

        def work(_progress) -> CaseListPage:
            return case_list_page(store, flt, order, today)

        self._context.tasks.run(work, on_success=lambda page: self._first_page(generation, page.total, page.rows),
                                on_failure=lambda error: self._failed(generation, error))

    def _first_page(self, generation: int, total: int, rows: list[CaseRow]) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return  # the filter changed while this result was on its way
        self.beginResetModel()
        self._total = total
        self._pages = OrderedDict({0: rows})
        self._pending = set()
        self.ready = True
        self.endResetModel()
        self.loaded.emit(total)

    def _request(self, page_no: int) -> None:
        if page_no in self._pending or not self.ready:
            return
        self._pending.add(page_no)
        generation, flt, order, today, store = self._generation, self._filter, self._order, self._today, self._context.store
        total = self._total

        def work(_progress) -> list[CaseRow]:
            return case_list_page(store, flt, order, today, page_no=page_no, total=total).rows

        self._context.tasks.run(work, on_success=lambda rows: self._page_loaded(generation, page_no, rows),
                                on_failure=lambda error: self._failed(generation, error))

    def _page_loaded(self, generation: int, page_no: int, rows: list[CaseRow]) -> None:
        if not shiboken6.isValid(self) or generation != self._generation:
            return
        self._pending.discard(page_no)
        self._pages[page_no] = rows
        while len(self._pages) > KEPT_PAGES:
            self._pages.popitem(last=False)
        first = page_no * PAGE_SIZE
        last = min(first + PAGE_SIZE, self._total) - 1
        if last >= first:
            self.dataChanged.emit(self.index(first, 0), self.index(last, len(COLUMNS) - 1))

    def _failed(self, generation: int, error: SoregError) -> None:
        if shiboken6.isValid(self) and generation == self._generation:
            self._pending.clear()
            self.failed.emit(error.message)
