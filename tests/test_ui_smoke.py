"""Every page, as every role, every enabled button and menu action pressed (页面冒烟测试).

On a window full of demo cases and organizations, the main window is opened for a user of each role;
each page of the navigation is shown and every visible, enabled button on it is clicked, then every
menu action and tool-bar action that leaves the window open; on the 办件 page the first case is opened
and its buttons are clicked too. Whatever dialog appears is read and closed. The test fails on an
exception inside Qt (pytest-qt reports those), an internal error shown to the clerk, English text in
a dialog, or a page that is only a placeholder.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QDialog,
    QMessageBox,
    QToolBar,
    QWidget,
)
from robot import plain, texts_of

from accounts.window import init_window
from models.accounts import Role
from registry.demo import fill_demo
from tests.workflow_fixtures import make_window
from ui.context import PageContext
from ui.app import install_translations
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.pages import PAGES, page_title
from ui.tasks import TaskRunner
from workflow.demo import fill_demo_cases

ENGLISH = re.compile(r"\b(OK|Cancel|Yes|No|Open|Save|Close|Apply|Reset|Help|Discard|Abort|Retry|Ignore|Look in|"
                     r"File name|Files of type|Directory|Print|Printer|Properties|Options|Error|Warning|Copy|Paste|"
                     r"Select All|Undo|Redo|Delete|Cut)\b")
LEAVING = {"退出", "注销", "锁定屏幕"}  # they end the session under test: the clerk-day test drives them
PLACEHOLDER = "此功能将在后续版本提供"


@pytest.fixture(scope="module")
def demo_window(tmp_path_factory):
    app = QApplication.instance() or QApplication([])
    install_fonts(app)
    install_translations(app)  # as the program does when it starts
    window = make_window(tmp_path_factory.mktemp("smoke"))
    init_window(window.store, "W01", actor="system", demo=True)  # demo data is made only in a demo database
    fill_demo(window.store, 300, seed=3)
    fill_demo_cases(window.store, 60, seed=3)
    yield window
    window.store.close()


class DialogReader:
    """Reads and closes every dialog that appears while a button's work runs (modal ones included)."""

    def __init__(self, before: set[QWidget]) -> None:
        self.before = before
        self.seen: list[tuple[str, list[str]]] = []
        self.timer = QTimer()
        self.timer.setInterval(30)
        self.timer.timeout.connect(self.sweep)
        self.timer.start()

    def sweep(self) -> None:
        for widget in QApplication.topLevelWidgets():
            if widget in self.before or not widget.isVisible() or not isinstance(widget, QDialog):
                continue
            texts = texts_of(widget)
            self.seen.append((type(widget).__name__, texts))
            if isinstance(widget, QMessageBox) and widget.escapeButton() is None:
                widget.done(0)
            else:
                widget.reject()

    def stop(self) -> None:
        self.timer.stop()
        self.sweep()


def _settle(tasks: TaskRunner, ms: int = 150) -> None:
    """Let the button's background work finish and its result arrive."""
    for _ in range(200):
        QTest.qWait(25)
        if not tasks.busy:
            break
    QTest.qWait(ms)


def _buttons(root: QWidget) -> list[QAbstractButton]:
    return [b for b in root.findChildren(QAbstractButton)
            if b.isVisible() and b.isEnabled() and plain(b.text()) not in LEAVING and b.window().isVisible()]


def _press(window: MainWindow, tasks: TaskRunner, what: str, press, problems: list[str]) -> None:
    before = set(QApplication.topLevelWidgets())
    reader = DialogReader(before)
    press()
    _settle(tasks)
    reader.stop()
    for kind, texts in reader.seen:
        joined = " / ".join(texts)
        if "内部错误" in joined:
            problems.append(f"{what}：{kind} 显示内部错误：{joined}")
        english = [t for t in texts if ENGLISH.search(t)]
        if english:
            problems.append(f"{what}：{kind} 中有英文：{english}")
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _press_everything_on(window: MainWindow, tasks: TaskRunner, index: int, root_of, label: str,
                         problems: list[str]) -> None:
    window.nav.setCurrentRow(index)
    _settle(tasks)
    for button in _buttons(root_of()):
        window.nav.setCurrentRow(index)
        if not (button.isVisible() and button.isEnabled()):
            continue  # an earlier button changed the page: this one is gone for now
        name = plain(button.text()) or button.toolTip() or button.objectName()
        _press(window, tasks, f"{label}「{name}」", lambda b=button: QTest.mouseClick(b, Qt.MouseButton.LeftButton),
               problems)


@pytest.mark.parametrize("role", [Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.ADMIN])
def test_every_page_and_button_as_each_role(demo_window, qtbot, role):
    user = {Role.CLERK: demo_window.clerk, Role.REVIEWER: demo_window.reviewer,
            Role.APPROVER: demo_window.approver, Role.ADMIN: demo_window.clerk_approver}[role]
    if role is Role.ADMIN:
        user = replace(user, roles=frozenset({Role.ADMIN}))
    tasks = TaskRunner()
    window = MainWindow(PageContext(store=demo_window.store, user=user, tasks=tasks), idle_lock_ms=3_600_000)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    problems: list[str] = []
    try:
        for index, (title, _spec) in enumerate(PAGES):
            label = page_title(title)
            _press_everything_on(window, tasks, index, lambda i=index: window.pages.widget(i), label, problems)
            page = window.pages.widget(index)
            assert PLACEHOLDER not in " ".join(texts_of(page)), f"“{label}”页仍是占位页"
            tables = [t for t in page.findChildren(QAbstractItemView) if t.objectName() == "caseTable"]
            if tables and tables[0].model().rowCount() and hasattr(page, "case_view"):
                table = tables[0]
                center = table.visualRect(table.model().index(0, 0)).center()
                QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, center)
                QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, center)
                qtbot.waitUntil(lambda p=page: p.case_view.snapshot is not None and not p.case_view.loading, timeout=15000)
                _press_everything_on(window, tasks, index, lambda p=page: p.case_view, f"{label}/办件页", problems)
        for action in window.menuBar().actions() + [a for tb in window.findChildren(QToolBar) for a in tb.actions()]:
            for entry in (action.menu().actions() if action.menu() else [action]):
                if entry.isSeparator() or not entry.isEnabled() or plain(entry.text()) in LEAVING or not entry.text():
                    continue
                _press(window, tasks, f"菜单「{plain(entry.text())}」", entry.trigger, problems)
    finally:
        tasks.shut_down()
    assert not problems, "\n".join(problems)
