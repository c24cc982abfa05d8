"""A robot clerk: drives the real program the way a person does, inside its own process.

The robot runs a *script*, a generator that yields ``Wait`` objects: each says what the person waits
to see (a window, a button that can be clicked, a text on the screen). The robot polls on a Qt
timer; when the condition holds it sends the value back into the script, which then acts: it types
through key presses (ASCII) or an input method's commit (Chinese, as a clerk's IME delivers it),
clicks with the mouse, picks from combo boxes' popups. Every action is posted to the event loop
rather than run inside the robot's step, so a button that opens a modal dialog (``exec()``) does not
block the robot: its timer goes on firing inside the dialog's loop.

Widgets are found as a person finds them: a window by its title, a button by its caption, a field by
the label beside it. On a timeout the robot writes what was on the screen (titles, texts, a PNG per
window) to its report folder and ends the program with exit code 1.
"""

from __future__ import annotations

import json
import re
import sys
import time
import traceback
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractListModel, QCoreApplication, QModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QRadioButton,
    QTableView,
    QTabWidget,
    QWidget,
)

POLL_MS = 40
DEFAULT_TIMEOUT_S = 60.0


def plain(text: str) -> str:
    """A caption as a person reads it: without the ``&`` of its mnemonic and the shortcut hint."""
    return re.sub(r"\(&.\)|&(?=\S)", "", text).strip()


@dataclass
class Wait:
    """What the script waits for: ``probe()`` returns a truthy value (sent back) once it holds."""

    what: str
    probe: Callable[[], Any]
    timeout_s: float = DEFAULT_TIMEOUT_S


@dataclass
class Robot:
    """Runs ``script(robot)`` against the application; see the module docstring."""

    script: Callable[[Robot], Generator[Wait, Any, None]]
    report_dir: Path
    poll_ms: int = POLL_MS
    report_name: str = "report.json"
    log: list[str] = field(default_factory=list)
    failure: str | None = None
    done: bool = False

    def start(self) -> None:
        self.report_dir.mkdir(parents=True, exist_ok=True)  # what the script prints goes here too
        self._gen = self.script(self)
        self._wait: Wait | None = None
        self._since = time.monotonic()
        self._busy = False
        self._timer = QTimer()
        self._timer.setInterval(self.poll_ms)
        self._timer.timeout.connect(self._step)
        self._timer.start()
        self._advance(None)

    # -- the loop --
    def _advance(self, value: Any) -> None:
        try:
            self._wait = self._gen.send(value)
        except StopIteration:
            self._finish(None)
            return
        except Exception:  # noqa: BLE001 - a failing assertion in the script ends the run
            self._finish(traceback.format_exc())
            return
        self._since = time.monotonic()

    def _step(self) -> None:
        if self.done or self._busy or self._wait is None:
            return
        self._busy = True
        try:
            try:
                value = self._wait.probe()
            except Exception:  # noqa: BLE001
                value = None
            if value:
                self.note(f"✓ {self._wait.what}")
                self._advance(value)
            elif time.monotonic() - self._since > self._wait.timeout_s:
                self._finish(f"等待超时（{self._wait.timeout_s:.0f} 秒）：{self._wait.what}")
        finally:
            self._busy = False

    def _finish(self, failure: str | None) -> None:
        self.done = True
        self.failure = failure
        self._timer.stop()
        try:
            if failure:
                self.note("✗ " + failure)
                self.dump_screen("failure")
            self.write_report()
        finally:
            QCoreApplication.exit(1 if failure else 0)

    def note(self, line: str) -> None:
        self.log.append(f"{time.strftime('%H:%M:%S')} {line}")
        print(line, file=sys.stderr, flush=True)

    def write_report(self) -> None:
        self.report_dir.mkdir(parents=True, exist_ok=True)
        report = {"failure": self.failure, "log": self.log, "seen": getattr(self, "seen", {})}
        (self.report_dir / self.report_name).write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")

    def dump_screen(self, name: str) -> None:
        """Save every visible window as a PNG and its texts, to show what the person saw."""
        self.report_dir.mkdir(parents=True, exist_ok=True)
        lines = []
        for n, window in enumerate(visible_windows()):
            lines.append(f"## {type(window).__name__} 「{window.windowTitle()}」")
            lines += [f"  {t}" for t in texts_of(window)]
            window.grab().save(str(self.report_dir / f"{name}-{n}.png"))
        (self.report_dir / f"{name}.txt").write_text("\n".join(lines), encoding="utf-8")

    def remember(self, key: str, value: Any) -> None:
        """Keep a value the test will check after the program has ended (it lands in report.json)."""
        self.seen = getattr(self, "seen", {})
        self.seen[key] = value

    # -- waiting --
    def until(self, what: str, probe: Callable[[], Any], timeout_s: float = DEFAULT_TIMEOUT_S) -> Wait:
        return Wait(what, probe, timeout_s)

    def window(self, title: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Wait:
        """A visible window whose title contains ``title`` (the topmost one if several)."""
        return Wait(f"窗口「{title}」", lambda: _last(w for w in visible_windows() if title in w.windowTitle()), timeout_s)

    def message_box(self, containing: str = "", timeout_s: float = DEFAULT_TIMEOUT_S) -> Wait:
        """A visible message box whose text contains ``containing``."""
        def probe():
            return _last(w for w in visible_windows() if isinstance(w, QMessageBox) and containing in w.text())
        return Wait(f"提示框「{containing}」", probe, timeout_s)

    def button(self, root: QWidget | Callable[[], QWidget], caption: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Wait:
        """A visible, enabled button in ``root`` whose caption (without mnemonic) is ``caption``."""
        return Wait(f"可点击的按钮「{caption}」", lambda: find_button(_root(root), caption), timeout_s)

    def press(self, root: QWidget | Callable[[], QWidget], caption: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Wait:
        """Click the button ``caption`` once it can be clicked. The button is looked up again when the
        click comes (a page that rebuilds its buttons would leave a stale one), and the wait ends
        when the click has been made."""
        state = {"posted": False, "clicked": False}

        def click_now() -> None:
            state["posted"] = False
            button = find_button(_root(root), caption)
            if button is not None:
                state["clicked"] = True  # before the click: a modal dialog it opens holds the call
                QTest.mouseClick(button, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                                 button.rect().center())

        def probe() -> bool:
            if state["clicked"]:
                return True
            if not state["posted"] and find_button(_root(root), caption) is not None:
                state["posted"] = True
                self.later(click_now)
            return False

        return Wait(f"点击按钮「{caption}」", probe, timeout_s)

    def text(self, root: QWidget | Callable[[], QWidget], pattern: str, timeout_s: float = DEFAULT_TIMEOUT_S) -> Wait:
        """A visible label (or text field) in ``root`` whose text matches the regular expression."""
        rx = re.compile(pattern)

        def probe():
            return next((t for t in texts_of(_root(root)) if rx.search(t)), None)

        return Wait(f"屏幕上出现「{pattern}」", probe, timeout_s)

    def gone(self, widget: QWidget, timeout_s: float = DEFAULT_TIMEOUT_S) -> Wait:
        from shiboken6 import isValid

        name = (widget.windowTitle() or type(widget).__name__) if isValid(widget) else type(widget).__name__
        return Wait(f"「{name}」关闭", lambda: not _alive_and_visible(widget), timeout_s)

    def pause(self, ms: int) -> Wait:
        end = time.monotonic() + ms / 1000
        return Wait(f"停顿 {ms} 毫秒", lambda: time.monotonic() >= end)

    # -- acting (posted to the event loop: a modal dialog must not block the robot) --
    def later(self, action: Callable[[], None]) -> None:
        QTimer.singleShot(0, action)

    def click(self, widget: QWidget) -> None:
        """A left click where a person would click: a button's middle, a check box's box."""
        def where() -> QPoint:
            if isinstance(widget, (QCheckBox, QRadioButton)):  # the widget may be wider than box and text
                return QPoint(min(8, widget.width() // 2), widget.height() // 2)
            return widget.rect().center()
        self.later(lambda: QTest.mouseClick(widget, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, where()))

    def set_checked(self, box: QAbstractButton, checked: bool = True) -> None:
        """Tick or untick a check box, clicking it only if it is not that way already (when the
        click comes, not when it is asked for)."""
        def act() -> None:
            if box.isChecked() != checked:
                QTest.mouseClick(box, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                                 QPoint(min(8, box.width() // 2), box.height() // 2))
        self.later(act)

    def key(self, widget: QWidget, key: Qt.Key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
        self.later(lambda: QTest.keyClick(widget, key, modifiers))

    def type(self, widget: QWidget, text: str, *, replace: bool = True) -> None:
        """Type ``text``: ASCII through key presses, anything else committed as an input method does."""
        def act() -> None:
            widget.setFocus(Qt.FocusReason.MouseFocusReason)
            if replace:
                QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
                QTest.keyClick(widget, Qt.Key.Key_Delete)
            for run in re.findall(r"[\x20-\x7e]+|[^\x20-\x7e]+", text):
                if run.isascii():
                    QTest.keyClicks(widget, run)
                else:
                    event = QInputMethodEvent()
                    event.setCommitString(run)
                    QCoreApplication.sendEvent(widget, event)
        self.later(act)

    def choose(self, combo: QComboBox, item: str) -> None:
        """Open the combo box's list with the mouse and pick the entry containing ``item`` with the
        arrow keys and Enter (a click on the entry right after the list opened would be ignored by
        the combo box, as a person's too-quick release is)."""
        def act() -> None:
            index = next((i for i in range(combo.count()) if item in combo.itemText(i)), -1)
            if index < 0:
                raise AssertionError(f"下拉框中没有「{item}」：{[combo.itemText(i) for i in range(combo.count())]}")
            QTest.mouseClick(combo, Qt.MouseButton.LeftButton)
            view = combo.view()
            step = Qt.Key.Key_Down if index >= view.currentIndex().row() else Qt.Key.Key_Up
            for _ in range(abs(index - max(view.currentIndex().row(), 0))):
                QTest.keyClick(view, step)
            QTest.keyClick(view, Qt.Key.Key_Return)
        self.later(act)

    def double_click_row(self, view: QAbstractItemView, row: int, column: int = 0) -> None:
        def act() -> None:
            index = view.model().index(row, column)
            view.scrollTo(index)
            center = view.visualRect(index).center()
            QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, center)
            QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, center)
        self.later(act)

    def open_cell(self, table: QAbstractItemView, row: int, column_title: str) -> Wait:
        """Click the cell under the column ``column_title`` and wait for its editor (the visible
        widget the delegate put on the table's viewport)."""
        model = table.model()
        column = next((c for c in range(model.columnCount(QModelIndex()))
                       if _label_text(str(model.headerData(c, Qt.Orientation.Horizontal))) == column_title), None)
        if column is None:
            raise AssertionError(f"表格中没有“{column_title}”列")

        def act() -> None:
            index = model.index(row, column)
            table.scrollTo(index)
            QTest.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             table.visualRect(index).center())
        self.later(act)

        def editor() -> QWidget | None:
            cell = table.visualRect(model.index(row, column))
            return next((w for w in table.viewport().children() if isinstance(w, QWidget) and w.isVisible()
                         and w.geometry().intersects(cell)), None)
        return Wait(f"“{column_title}”第 {row + 1} 行的编辑框", editor)

    def click_item(self, view: QAbstractItemView, text: str) -> None:
        """Click the first cell of a list or table whose text is ``text`` (a navigation entry, a
        backup's kind)."""
        def act() -> None:
            model = view.model()
            columns = view.horizontalHeader().count() if isinstance(view, QTableView) else 1
            cells = (model.index(r, c) for r in range(model.rowCount(QModelIndex())) for c in range(columns))
            index = next(i for i in cells if plain(str(i.data())) == text)
            view.scrollTo(index)
            QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             view.visualRect(index).center())
        self.later(act)

    def tab(self, tabs: QTabWidget, title: str) -> None:
        def act() -> None:
            index = next(i for i in range(tabs.count()) if plain(tabs.tabText(i)) == title)
            bar = tabs.tabBar()
            QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, bar.tabRect(index).center())
        self.later(act)

    def menu(self, window: QWidget, menu_title: str, action_text: str) -> None:
        """Open a menu of the menu bar and trigger one of its entries, with the mouse."""
        def act() -> None:
            bar = window.menuBar()
            action = next(a for a in bar.actions() if plain(a.text()) == menu_title)
            QTest.mouseClick(bar, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             bar.actionGeometry(action).center())
            popup: QMenu = action.menu()
            entry = next(a for a in popup.actions() if plain(a.text()) == action_text)
            QTest.mouseClick(popup, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                             popup.actionGeometry(entry).center())
        self.later(act)


# -- finding widgets as a person does --

def visible_windows() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible() and not isinstance(w, QMenu)]


def _last(items: Iterable[QWidget]) -> QWidget | None:
    found = list(items)
    modal = QApplication.activeModalWidget()
    if modal in found:
        return modal
    return found[-1] if found else None


def _root(root: QWidget | Callable[[], QWidget]) -> QWidget:
    return root() if callable(root) and not isinstance(root, QWidget) else root


def _alive_and_visible(widget: QWidget) -> bool:
    from shiboken6 import isValid

    return isValid(widget) and widget.isVisible()


def _really_visible(widget: QWidget) -> bool:
    return widget.isVisible() and widget.window().isVisible()


def find_button(root: QWidget, caption: str) -> QAbstractButton | None:
    """The visible, enabled button whose caption is ``caption`` (exactly, without its mnemonic)."""
    for button in root.findChildren(QAbstractButton):
        if isinstance(button, QCheckBox):
            continue
        if _really_visible(button) and button.isEnabled() and plain(button.text()) == caption:
            return button
    return None


def find_checkbox(root: QWidget, caption: str) -> QCheckBox | None:
    return next((b for b in root.findChildren(QCheckBox) if _really_visible(b) and plain(b.text()) == caption), None)


def _label_text(text: str) -> str:
    return plain(text).rstrip("：:*＊ ")


def field_by_label(root: QWidget, label: str) -> QWidget | None:
    """The input beside the label ``label`` (a QFormLayout row, or a label whose buddy is the
    input): "名称" → its line edit. A required field's "*" and the colon are not part of it."""
    for candidate in root.findChildren(QLabel):
        buddy = candidate.buddy()
        if buddy is not None and _really_visible(candidate) and _label_text(candidate.text()) == label:
            return buddy
    for layout in root.findChildren(QFormLayout):
        for row in range(layout.rowCount()):
            label_item = layout.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field_item = layout.itemAt(row, QFormLayout.ItemRole.FieldRole)
            if label_item is None or field_item is None or not isinstance(label_item.widget(), QLabel):
                continue
            if _label_text(label_item.widget().text()) == label and label_item.widget().isVisible():
                widget = field_item.widget()
                if widget is None and field_item.layout() is not None:
                    widget = field_item.layout().itemAt(0).widget()
                return widget
    return None


def find_visible(root: QWidget, kind: type, test: Callable[[QWidget], bool] = lambda _w: True) -> QWidget | None:
    """The first visible widget of ``kind`` inside ``root`` that passes ``test``."""
    return next((w for w in root.findChildren(kind) if _really_visible(w) and test(w)), None)


def texts_of(root: QWidget) -> list[str]:
    """Every text a person can read in ``root``: labels, buttons, fields, table cells, the title."""
    found = [root.windowTitle()] if root.isWindow() and root.windowTitle() else []
    if isinstance(root, QMessageBox):
        found.append(root.text())
    for widget in root.findChildren(QWidget):
        if not _really_visible(widget):
            continue
        if isinstance(widget, QLabel) and widget.text():
            found.append(widget.text())
        elif isinstance(widget, QAbstractButton) and widget.text():
            found.append(plain(widget.text()))
        elif isinstance(widget, QLineEdit) and widget.text():
            found.append(widget.text())
        elif isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount(QModelIndex())
            for r in range(min(model.rowCount(QModelIndex()), 200)):
                cells = [str(model.index(r, c).data() or "") for c in range(columns)]
                found.append(" | ".join(cells))
    return found
