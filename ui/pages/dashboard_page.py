"""The 首页 (home dashboard): 我的办件, 本周到期, 已超期, 等待补正 and expiring certificates.

Each card shows a count and the first few rows; its title opens the 办件 list with the same
filter, a row opens that case, and an expiring certificate (seed §6.2) opens the organization
in the 登记库. Above the cards, a window without enough organization codes is told so, and an
administrator is offered 设置 → 代码段.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.accounts import Role
from registry.code_blocks import CodeSupply, code_supply
from ui.context import PageContext
from ui.login_dialog import ERROR_STYLE
from ui.pages import main_window_page
from ui.plain_text import plain, tip
from workflow.case_queries import (
    EXPIRY_WARNING_DAYS,
    CaseFilter,
    Dashboard,
    business_filter,
    dashboard,
    dashboard_filters,
)

CASES_PAGE = "ui.pages.cases_page:CasesPage"
REGISTRY_PAGE = "ui.pages.registry_page:RegistryPage"
SETTINGS_PAGE = "ui.pages.settings_page:SettingsPage"
CARDS = (
    ("mine", "我的办件", "#1565c0"),
    ("due_this_week", "本周到期", "#ef6c00"),
    ("overdue", "已超期", "#c62828"),
    ("supplement", "等待补正", "#6d4c41"),
    ("expiring", "证书即将到期", "#6a1b9a"),
)


class Card(QFrame):
    """One dashboard card: a title button with the count, and a short list."""

    opened = Signal(str)  # the card's key: show all of it
    row_opened = Signal(str, str)  # the card's key and the row's case number or organization name

    def __init__(self, key: str, title: str, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.title = title
        self.setObjectName(f"card_{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(f"#card_{key} {{ border-top: 4px solid {colour}; background: #fafafa; }}")
        self.button = QPushButton()
        self.button.setObjectName(f"cardButton_{key}")
        self.button.setFlat(True)
        self.button.setStyleSheet(f"text-align: left; font-size: 14pt; font-weight: bold; color: {colour};")
        self.button.clicked.connect(lambda: self.opened.emit(self.key))
        self.list = QListWidget()
        self.list.setObjectName(f"cardList_{key}")
        self.list.itemActivated.connect(self._activated)
        self.list.itemDoubleClicked.connect(self._activated)
        layout = QVBoxLayout(self)
        layout.addWidget(self.button)
        layout.addWidget(self.list, 1)
        self.set_count(None)

    def set_count(self, count: int | None) -> None:
        self.count = count
        self.button.setText(f"{self.tr(self.title)}　{'…' if count is None else f'{count:,}'}")

    def set_rows(self, rows: list[tuple[str, str]]) -> None:
        """``rows``: (text shown, key opened)."""
        self.list.clear()
        for text, target in rows:
            item = QListWidgetItem(text)
            item.setToolTip(tip(text))  # the whole line, where a narrow card cuts it short
            item.setData(Qt.ItemDataRole.UserRole, target)
            self.list.addItem(item)
        if not rows:
            empty = QListWidgetItem(self.tr("（无）"))
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(empty)

    def _activated(self, item: QListWidgetItem) -> None:
        target = item.data(Qt.ItemDataRole.UserRole)
        if target:
            self.row_opened.emit(self.key, target)


class DashboardPage(QWidget):
    """首页: what needs attention today."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.data: Dashboard | None = None
        heading = QLabel(self.tr("首页"))
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.greeting = plain(QLabel())
        self.codes_notice = plain(QLabel())
        self.codes_notice.setObjectName("codesNotice")
        self.codes_notice.setWordWrap(True)
        self.codes_notice.setStyleSheet(ERROR_STYLE)
        self.codes_button = QPushButton(self.tr("前往 设置 → 代码段"))
        self.codes_button.clicked.connect(self.open_code_blocks)
        codes_row = QHBoxLayout()
        codes_row.addWidget(self.codes_notice, 1)
        codes_row.addWidget(self.codes_button)
        self.show_code_supply(None)
        self.cards = {key: Card(key, title, colour) for key, title, colour in CARDS}
        self.cards["expiring"].button.setToolTip(self.tr("{0} 天内登记证书到期的正常登记组织；双击一项在登记库中查看").format(
            EXPIRY_WARNING_DAYS))
        grid = QGridLayout()
        for n, key in enumerate(("mine", "due_this_week", "overdue", "supplement")):
            grid.addWidget(self.cards[key], n // 2, n % 2)
        grid.addWidget(self.cards["expiring"], 0, 2, 2, 1)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.greeting)
        layout.addLayout(codes_row)
        self.business_row = QHBoxLayout()  # 办理中 per business of the catalogue, each a link to its list
        self.business_row.addWidget(plain(QLabel(self.tr("办理中："))))
        self.business_buttons: dict[str, QPushButton] = {}
        self.business_row.addStretch(1)
        layout.addLayout(self.business_row)
        layout.addLayout(grid, 1)
        for card in self.cards.values():
            card.opened.connect(self.open_card)
            card.row_opened.connect(self.open_row)
        refresh = QAction(self.tr("刷新"), self)
        refresh.setShortcut(QKeySequence("F5"))
        refresh.triggered.connect(self.refresh)
        self.addAction(refresh)
        self.loading = False
        self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.data is not None:
            self.refresh()  # counts change as cases move; they are cheap to read

    def refresh(self) -> None:
        if self.loading:
            return
        self.loading = True
        store, user, today = self.context.store, self.context.user, date.today()

        def work(_p) -> Dashboard:
            return dashboard(store, user, today)

        def failed(error) -> None:
            self.loading = False
            self.greeting.setText(self.tr("无法读取首页数据：{0}").format(error.message))

        self.context.tasks.run(work, on_success=self._loaded, on_failure=failed, parent=self)
        self.context.tasks.run(lambda _p: code_supply(store), on_success=self.show_code_supply, parent=self)

    def show_code_supply(self, supply: CodeSupply | None) -> None:
        notice = supply.notice if supply is not None else None
        self.codes_notice.setText(notice or "")
        self.codes_notice.setVisible(notice is not None)
        self.codes_button.setVisible(notice is not None and self.context.user.has(Role.ADMIN))

    def _loaded(self, data: Dashboard) -> None:
        self.loading = False
        self.data = data
        user = self.context.user
        self.greeting.setText(self.tr("{0}（{1}），今天是 {2:%Y-%m-%d}。").format(user.display_name, user.role_labels, date.today()))
        for key, count, rows in (("mine", data.mine, data.mine_rows), ("due_this_week", data.due_this_week, data.due_rows),
                                 ("overdue", data.overdue, data.overdue_rows), ("supplement", data.supplement, data.supplement_rows)):
            self.cards[key].set_count(count)
            self.cards[key].set_rows([(f"{r.name}　{r.state}　{r.due_date:%m-%d}", r.case_no) for r in rows])
        for name, count in data.open_by_business:
            button = self.business_buttons.get(name)
            if button is None:
                button = self.business_buttons[name] = QPushButton()
                button.setObjectName("businessCount")
                button.setFlat(True)
                button.setToolTip(self.tr("在办件列表中查看办理中的“{0}”办件").format(name))
                button.clicked.connect(lambda _checked=False, business=name: self.open_business(business))
                self.business_row.insertWidget(self.business_row.count() - 1, button)
            button.setText(self.tr("{0} {1} 件").format(name, count))
        self.cards["expiring"].set_count(data.expiring)
        self.cards["expiring"].set_rows([(f"{c.name}　{c.valid_until:%Y-%m-%d}", c.name) for c in data.expiring_rows])

    # -- going elsewhere --
    def filter_for(self, key: str) -> CaseFilter:
        return dashboard_filters(self.context.user)[key]

    def open_card(self, key: str) -> None:
        if key == "expiring":  # the whole list is on the card: go to it
            self.cards[key].list.setFocus()
            self.cards[key].list.setCurrentRow(0)
            return
        page = main_window_page(self, CASES_PAGE)
        if page is not None:
            page.show_filter(self.filter_for(key))

    def open_business(self, name: str) -> None:
        page = main_window_page(self, CASES_PAGE)
        if page is not None:
            page.show_filter(business_filter(name))

    def open_code_blocks(self) -> None:
        page = main_window_page(self, SETTINGS_PAGE)
        if page is not None:
            page.show_section("代码段")

    def open_row(self, key: str, target: str) -> None:
        if key == "expiring":
            page = main_window_page(self, REGISTRY_PAGE)
            if page is not None:
                page.show_organization(target)
            return
        page = main_window_page(self, CASES_PAGE)
        if page is not None:
            page.open_case(target)
