"""The 办件 page: the case list (filtered and sorted by SQL), the intake wizard and the case page.

Shortcuts: Ctrl+N 新建办件, F5 刷新, Ctrl+F the search box, Ctrl+E 导出办件台账; Enter or a
double-click opens the selected case; Esc goes back from the case to the list.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import shiboken6
from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from models import reference
from models.print_records import DocumentKind
from spreadsheets.case_ledger import export_case_ledger
from ui.case_models import CaseTableModel
from ui.case_view import CaseView
from ui.case_wizard import CaseWizard
from ui.context import PageContext
from ui.pages import main_window_page
from ui.plain_text import plain
from workflow.case_queries import CaseFilter, DueFilter, clerks
from workflow.catalogue import businesses, open_states, states

PRINTING_PAGE = "ui.pages.printing_page:PrintingPage"
SEARCH_DELAY_MS = 300
OPEN_CASES = "open"
MINE = "mine"
COLUMN_WIDTHS = (190, 0, 110, 80, 150, 80, 90, 90, 100)


class CasesPage(QWidget):
    """办件: the list of cases and, in its place when one is opened, the case page."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.wizard: CaseWizard | None = None
        self.last_export: tuple[Path, int] | None = None

        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText(self.tr("办件编号、名称、申请人或人员姓名的任一部分（Ctrl+F）"))
        self.search_edit.setClearButtonEnabled(True)
        self.state_combo = QComboBox()
        self.state_combo.addItem(self.tr("全部状态"), None)
        self.state_combo.addItem(self.tr("办理中"), OPEN_CASES)
        for state in states():
            self.state_combo.addItem(state, state)
        self.type_combo = QComboBox()
        self.type_combo.addItem(self.tr("全部类型"), None)
        for name in reference.org_types():
            self.type_combo.addItem(name, name)
        self.business_combo = QComboBox()
        self.business_combo.addItem(self.tr("全部业务"), None)
        for business in businesses():
            self.business_combo.addItem(business.name, business.name)
        self.due_combo = QComboBox()
        for due in DueFilter:
            self.due_combo.addItem(self.tr(due.value), due)
        self.clerk_combo = QComboBox()
        self.clerk_combo.addItem(self.tr("全部受理人"), None)
        self.clerk_combo.addItem(self.tr("我的办件"), MINE)
        self.combos = (self.state_combo, self.type_combo, self.business_combo, self.due_combo, self.clerk_combo)
        self.count_label = plain(QLabel())
        self.count_label.setObjectName("caseCount")

        self.new_button = QPushButton(self.tr("新建办件"))
        self.new_button.setToolTip("Ctrl+N")
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.refresh_button.setToolTip("F5")
        self.export_button = QPushButton(self.tr("导出台账"))
        self.export_button.setToolTip("Ctrl+E")

        self.model = CaseTableModel(context, self)
        self.table = QTableView()
        self.table.setObjectName("caseTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.horizontalHeader().setSortIndicator(6, Qt.SortOrder.DescendingOrder)  # 受理日期, newest first
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        for column, width in enumerate(COLUMN_WIDTHS):
            if width:
                header.resizeSection(column, width)
        self.table.activated.connect(self.open_index)  # a double-click or Enter (doubleClicked as well would open it twice)

        filters = QHBoxLayout()
        filters.addWidget(self.search_edit, 2)
        for combo in self.combos:
            filters.addWidget(combo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.refresh_button)
        buttons.addWidget(self.export_button)
        buttons.addStretch(1)
        buttons.addWidget(self.count_label)
        heading = QLabel(self.tr("办件"))
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        list_page = QWidget()
        list_layout = QVBoxLayout(list_page)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.addWidget(heading)
        list_layout.addLayout(filters)
        list_layout.addLayout(buttons)
        list_layout.addWidget(self.table, 1)

        self.case_view = CaseView(context)
        self.case_view.back_requested.connect(self.show_list)
        self.case_view.changed.connect(lambda _no: self.refresh())
        self.case_view.print_requested.connect(self.print_document)
        self.stack = QStackedWidget()
        self.stack.addWidget(list_page)
        self.stack.addWidget(self.case_view)
        QVBoxLayout(self).addWidget(self.stack)

        self.new_action = self._action(self.tr("新建办件"), "Ctrl+N", lambda: self.new_case())
        self.refresh_action = self._action(self.tr("刷新"), "F5", self.refresh)
        self.find_action = self._action(self.tr("查找"), "Ctrl+F", self.focus_search)
        self.export_action = self._action(self.tr("导出办件台账"), "Ctrl+E", self.export_ledger)
        if len(businesses()) > 1:  # the businesses of the catalogue, to choose from
            self.new_menu = QMenu(self.new_button)
            for business in businesses():
                self.new_menu.addAction(business.name).triggered.connect(
                    lambda _checked=False, name=business.name: self.new_case(name))
            self.new_button.setMenu(self.new_menu)
        else:
            self.new_button.clicked.connect(lambda: self.new_case())
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self.export_ledger)

        QWidget.setTabOrder(self.search_edit, self.state_combo)
        for first, second in zip(self.combos, self.combos[1:], strict=False):
            QWidget.setTabOrder(first, second)
        QWidget.setTabOrder(self.clerk_combo, self.table)
        QWidget.setTabOrder(self.table, self.new_button)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_filter)
        self.search_edit.textChanged.connect(self._search_timer.start)
        self.search_edit.returnPressed.connect(self.apply_filter)
        for combo in self.combos:
            combo.currentIndexChanged.connect(self.apply_filter)
        self.model.loaded.connect(self._loaded)
        self.model.failed.connect(lambda message: self.count_label.setText(self.tr("查询失败：{0}").format(message)))
        self._load_clerks()
        self.count_label.setText(self.tr("正在查询…"))
        self.table.setSortingEnabled(True)  # sorts by the indicator: the first query

    def _action(self, text: str, keys: str, slot) -> QAction:
        """A page shortcut: active while this page is the one shown."""
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)  # hidden pages' shortcuts do not fire
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    # -- the filter --
    def current_filter(self) -> CaseFilter:
        state = self.state_combo.currentData()
        states = frozenset(open_states()) if state == OPEN_CASES \
            else frozenset({state}) if state else frozenset()
        clerk = self.clerk_combo.currentData()
        return CaseFilter(
            text=self.search_edit.text(), states=states, org_type=self.type_combo.currentData(),
            business_type=self.business_combo.currentData(), due=self.due_combo.currentData(),
            accepted_by=clerk if clerk not in (None, MINE) else None,
            mine=self.context.user if clerk == MINE else None,
        )

    def apply_filter(self) -> None:
        self._search_timer.stop()
        self.count_label.setText(self.tr("正在查询…"))
        self.model.set_query(self.current_filter())

    def refresh(self) -> None:
        if self.stack.currentIndex() == 1:
            self.case_view.reload()
        self.count_label.setText(self.tr("正在查询…"))
        self.model.refresh()

    def show_filter(self, flt: CaseFilter) -> None:
        """Show the list with ``flt`` (from the dashboard): the controls are set to match."""
        for combo in self.combos:
            combo.blockSignals(True)
        self.search_edit.blockSignals(True)
        self.search_edit.setText(flt.text)
        state = (next(iter(flt.states)) if len(flt.states) == 1
                 else OPEN_CASES if flt.states == frozenset(open_states()) else None)
        self.state_combo.setCurrentIndex(max(0, self.state_combo.findData(state)))
        self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(flt.org_type)))
        self.business_combo.setCurrentIndex(max(0, self.business_combo.findData(flt.business_type)))
        self.due_combo.setCurrentIndex(max(0, self.due_combo.findData(flt.due)))
        clerk = MINE if flt.mine is not None else flt.accepted_by
        if clerk is not None and self.clerk_combo.findData(clerk) < 0:
            self.clerk_combo.addItem(clerk, clerk)
        self.clerk_combo.setCurrentIndex(max(0, self.clerk_combo.findData(clerk)))
        self.search_edit.blockSignals(False)
        for combo in self.combos:
            combo.blockSignals(False)
        self.show_list()
        self.apply_filter()

    def _load_clerks(self) -> None:
        store = self.context.store

        self.context.tasks.run(lambda _p: clerks(store), on_success=self._clerks_loaded, parent=self)

    def _clerks_loaded(self, names: list[str]) -> None:
        for name in names:
            if self.clerk_combo.findData(name) < 0:
                self.clerk_combo.addItem(name, name)

    def _loaded(self, total: int) -> None:
        self.count_label.setText(self.tr("共 {0:,} 件").format(total))
        if total and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def focus_search(self) -> None:
        self.show_list()
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    # -- cases --
    def open_index(self, index: QModelIndex) -> None:
        row = self.model.row(index.row()) if index.isValid() else None
        if row is not None:
            self.open_case(row.case_no)

    def open_case(self, case_no: str) -> None:
        self.case_view.show_case(case_no)
        self.stack.setCurrentIndex(1)
        self.case_view.tabs.setFocus()

    def show_list(self) -> None:
        self.stack.setCurrentIndex(0)
        self.table.setFocus()

    def new_case(self, business_type: str | None = None, *, organization_id=None) -> None:
        """Open the intake wizard (受理向导) of ``business_type`` (default: the catalogue's first business),
        on the registered organization ``organization_id`` for a business that acts on one."""
        if self.wizard is not None and shiboken6.isValid(self.wizard):
            self.wizard.raise_()
            return
        wizard = CaseWizard(self.context, self, business_type=business_type or businesses()[0].name,
                            organization_id=organization_id)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.case_opened.connect(lambda _case: self.refresh())
        wizard.finished.connect(lambda _result: self._wizard_done(wizard))
        self.wizard = wizard
        wizard.open()

    def _wizard_done(self, wizard: CaseWizard) -> None:
        if wizard.case is not None and wizard.print_receipt:
            self.open_case(wizard.case.case_no)
            self.print_document(wizard.case.case_no, DocumentKind.RECEIPT)
        elif wizard.open_when_done:
            self.open_case(wizard.case.case_no)
        self.wizard = None

    def print_document(self, case_no: str, kind: DocumentKind) -> None:
        """Show the document ``kind`` of ``case_no`` on the 打印 page (preview, printer, records)."""
        page = main_window_page(self, PRINTING_PAGE)
        if page is None:
            box = plain(QMessageBox(QMessageBox.Icon.Information, self.tr("打印"),
                                    self.tr("请在主窗口的“打印”页打印办件 {0} 的{1}。").format(case_no, kind.value),
                                    QMessageBox.StandardButton.Ok, self))
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()
            return
        page.show_case(case_no, kind)

    # -- 办件台账 --
    def export_ledger(self, target: Path | None = None) -> None:
        """Export the filtered list to an .xlsx ledger, with a progress bar."""
        if not isinstance(target, Path):
            suggested = Path.home() / f"办件台账-{date.today():%Y%m%d}.xlsx"
            name, _ = QFileDialog.getSaveFileName(self, self.tr("导出办件台账"), str(suggested), self.tr("Excel 文件 (*.xlsx)"))
            if not name:
                return
            target = Path(name) if name.lower().endswith(".xlsx") else Path(name + ".xlsx")
        flt, order, store = self.model.current_filter, self.model.current_order, self.context.store

        def done(count: int) -> None:
            self.last_export = (target, count)
            box = plain(QMessageBox(QMessageBox.Icon.Information, self.tr("导出办件台账"),
                                    self.tr("已导出 {0:,} 件到 {1}").format(count, target), QMessageBox.StandardButton.Ok, self))
            box.setObjectName("exportDone")
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.open()

        self.context.tasks.run(
            lambda progress: export_case_ledger(store, flt, order, target, today=date.today(), progress=progress),
            on_success=done, title=self.tr("正在导出办件台账…"), parent=self)
