"""The GUI shell driven through real widgets (offscreen): set-up, login, main window, idle lock, tasks."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from ui_fixtures import runner  # noqa: F401
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtGui import QFont, QImage, QRawFont
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QProgressDialog, QPushButton, QWidget

from accounts.users import LOGIN_REFUSED, create_user, list_users
from accounts.window import init_window, window_code
from models.accounts import Role
from models.errors import SoregError
from models.progress import Cancelled, stop_if_cancelled
from models.store import open_store
from ui.app import STORE_FAILURE_EXIT, Shell
from ui.context import PageContext
from ui.fonts import FAMILIES, install_fonts
from ui.login_dialog import LoginDialog
from ui.main_window import MainWindow
from ui.pages import PAGES, NotYetPage, page_title

ADMIN = "admin"
PASSWORD = "correct-horse-1"
EXT_A_CHAR = "䶮"  # U+4DAE, CJK Extension A


@pytest.fixture
def ready_db(tmp_path: Path) -> Path:
    """A database file set up as after first start: window W01 and an administrator."""
    path = tmp_path / "ready.sqlite3"
    store = open_store(path)
    init_window(store, "W01", actor="system")
    create_user(store, username=ADMIN, display_name="张三", password=PASSWORD,
                roles=frozenset({Role.ADMIN, Role.CLERK}), actor="system")
    store.close()
    return path


@pytest.fixture
def shells(qtbot):
    """Make shells and shut each down (worker thread, store, windows) after the test."""
    made: list[Shell] = []

    def make(db_path: Path, username: str = "") -> Shell:
        shell = Shell(db_path, username)
        made.append(shell)
        shell.start()
        return shell

    yield make
    for shell in made:
        shell.shut_down()
    for widget in QApplication.topLevelWidgets():  # whatever the flow left open (a modal box would block the next test)
        if widget.isVisible():
            widget.close()



@pytest.fixture
def admin_context(store, runner) -> PageContext:
    user = create_user(store, username=ADMIN, display_name="张三", password=PASSWORD,
                       roles=frozenset({Role.ADMIN, Role.REVIEWER}), actor="system")
    return PageContext(store=store, user=user, tasks=runner)


@pytest.fixture
def open_window(qtbot, admin_context):
    """Open main windows for the admin; close and delete them (while still referenced) afterwards."""
    opened: list[MainWindow] = []

    def open_(**options) -> MainWindow:
        window = MainWindow(admin_context, **options)
        opened.append(window)
        window.show()
        return window

    yield open_
    admin_context.tasks.shut_down()
    QCoreApplication.sendPostedEvents()  # the pages get what their tasks finished while they are alive
    for window in opened:
        window.close()
        window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # now, not whenever GC frees them


def _log_in(qtbot, dialog: LoginDialog, username: str, password: str) -> None:
    qtbot.waitUntil(lambda: dialog.ready)
    if not dialog.username.isReadOnly():
        dialog.username.clear()
        qtbot.keyClicks(dialog.username, username)
    qtbot.keyClicks(dialog.password, password)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_bundled_fonts_are_the_app_font_and_cover_extension_a(qapp):
    found = install_fonts(qapp)
    assert {"WenQuanYi Micro Hei", "Droid Sans Fallback"} <= set(found)
    assert qapp.font().families() == FAMILIES
    primary, fallback = (QRawFont.fromFont(QFont(family)) for family in FAMILIES)
    assert primary.supportsCharacter(ord("长")) and primary.supportsCharacter(ord("W"))
    assert not primary.supportsCharacter(ord(EXT_A_CHAR))  # why the fallback family is needed
    assert fallback.supportsCharacter(ord(EXT_A_CHAR))


def test_first_start_sets_window_code_and_first_admin(qtbot, shells, tmp_path):
    db = tmp_path / "new.sqlite3"
    shell = shells(db)
    qtbot.waitUntil(lambda: shell.setup_dialog is not None and shell.setup_dialog.isVisible())
    assert shell.login_dialog is None
    dialog = shell.setup_dialog
    assert not dialog.submit.isEnabled()  # nothing typed yet

    qtbot.keyClicks(dialog.window_code, "1W")
    qtbot.keyClicks(dialog.username, "wang")
    dialog.display_name.setText("王五")  # QTest types Latin-1 only
    qtbot.keyClicks(dialog.password, "pass-word-9")
    qtbot.keyClicks(dialog.password_again, "pass-word-8")
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)
    assert "窗口代码应为字母开头" in dialog.message.text() and dialog.message.isVisible()

    dialog.window_code.setText("w07")
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "两次输入的密码不一致，请重新输入确认密码。"

    dialog.password_again.setText("pass-word-9")
    dialog.roles[Role.REVIEWER].setChecked(True)
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.login_dialog is not None and shell.login_dialog.ready)
    assert shell.login_dialog.username.text() == "wang"
    assert "窗口 W07" in shell.login_dialog.status.text()

    assert window_code(shell.opened.store) == "W07"
    [user] = list_users(shell.opened.store)
    assert (user.username, user.display_name) == ("wang", "王五")
    assert user.roles == {Role.ADMIN, Role.CLERK, Role.REVIEWER}


def test_login_opens_main_window_with_status_bar(qtbot, shells, ready_db):
    shell = shells(ready_db, ADMIN)
    assert shell.login_dialog.isVisible() and not shell.login_dialog.ready  # shown before the store is open
    _log_in(qtbot, shell.login_dialog, ADMIN, PASSWORD)
    qtbot.waitUntil(lambda: shell.main_window is not None and shell.main_window.isVisible())
    assert shell.login_dialog is None
    window = shell.main_window
    assert window.user_label.text() == "用户：张三（admin）"
    assert window.roles_label.text() == "角色：窗口受理、管理员"
    assert window.database_label.text() == "数据库：ready.sqlite3"
    assert window.online_label.text() == "联网状态：离线"
    window.set_online(True)
    assert window.online_label.text() == "联网状态：在线"
    assert "窗口 W01" in window.windowTitle()


def test_wrong_password_is_told_in_the_dialog_and_no_main_window_opens(qtbot, shells, ready_db):
    shell = shells(ready_db)
    dialog = shell.login_dialog
    _log_in(qtbot, dialog, ADMIN, "wrong-password")
    qtbot.waitUntil(lambda: dialog.message.isVisible())
    assert dialog.message.text() == LOGIN_REFUSED  # no count of tries left: that would tell the account exists
    assert "color: #c62828" in dialog.message.styleSheet()
    assert dialog.isVisible() and dialog.password.text() == ""
    dialog.message.clear()
    _log_in(qtbot, dialog, "nobody", "whatever-1")
    qtbot.waitUntil(lambda: dialog.message.text() == LOGIN_REFUSED)
    qtbot.wait(50)
    assert shell.main_window is None and shell.login_dialog is dialog


def test_empty_fields_are_asked_for_without_a_login_attempt(qtbot, shells, ready_db):
    shell = shells(ready_db)
    dialog = shell.login_dialog
    qtbot.waitUntil(lambda: dialog.ready)
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "请输入用户名。"
    qtbot.keyClicks(dialog.username, ADMIN)
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "请输入密码。"


def test_a_file_that_is_no_database_is_refused_with_a_chinese_message(qtbot, shells, tmp_path):
    bogus = tmp_path / "notes.sqlite3"
    bogus.write_text("这不是数据库", encoding="utf-8")
    shell = shells(bogus)
    qtbot.waitUntil(lambda: shell.store_error_box is not None and shell.store_error_box.isVisible())
    box = shell.store_error_box
    assert box.windowTitle() == "无法打开数据库"
    assert "不是本程序的数据库" in box.text() and "Traceback" not in box.text()
    assert not shell.login_dialog.isVisible()
    with qtbot.waitSignal(shell.finished) as finished:
        box.button(QMessageBox.StandardButton.Ok).click()
    assert finished.args == [STORE_FAILURE_EXIT]
    assert bogus.read_text(encoding="utf-8") == "这不是数据库"


def test_idle_lock_covers_the_window_and_unlocks_with_the_same_users_password(qtbot, open_window):
    window = open_window(idle_lock_ms=150)
    qtbot.waitUntil(lambda: window.locked, timeout=3000)
    assert window.screen_stack.currentWidget() is window.cover and not window.menuBar().isEnabled()
    dialog = window.unlock_dialog
    assert dialog.isVisible() and dialog.isModal()
    assert dialog.username.text() == ADMIN and dialog.username.isReadOnly()

    dialog.reject()  # Esc or the close button does not unlock
    assert dialog.isVisible() and window.locked

    _log_in(qtbot, dialog, ADMIN, "not-the-password")
    qtbot.waitUntil(lambda: dialog.message.isVisible())
    assert dialog.message.text().startswith("用户名或密码不正确")
    assert window.locked

    _log_in(qtbot, dialog, ADMIN, PASSWORD)
    qtbot.waitUntil(lambda: not window.locked)
    assert window.unlock_dialog is None and window.menuBar().isEnabled()
    assert window.idle_watch.remaining_ms > 0  # watching again


def test_input_postpones_the_idle_lock(qtbot, open_window):
    window = open_window(idle_lock_ms=60_000)
    for send_input in (lambda: qtbot.mouseMove(window.nav, QPoint(10, 10)),
                       lambda: qtbot.keyClick(window.user_label, Qt.Key.Key_Shift)):
        qtbot.wait(1000)
        before = window.idle_watch.remaining_ms
        send_input()
        assert window.idle_watch.remaining_ms > before + 500  # the clock started again
    assert not window.locked


def test_idle_lock_minutes_come_from_the_setting(qtbot, admin_context, open_window):
    from models.settings import IDLE_LOCK_MINUTES, set_setting_in

    with admin_context.store.write() as session:
        set_setting_in(session, IDLE_LOCK_MINUTES, 3)
    window = open_window()
    qtbot.waitUntil(lambda: window.idle_watch.remaining_ms > 0)
    assert 175_000 < window.idle_watch.remaining_ms <= 180_000


def test_switch_user_from_the_lock_goes_back_to_login(qtbot, shells, ready_db):
    shell = shells(ready_db)
    _log_in(qtbot, shell.login_dialog, ADMIN, PASSWORD)
    qtbot.waitUntil(lambda: shell.main_window is not None)
    window = shell.main_window
    window.lock_action.trigger()  # 锁定 (Ctrl+L)
    assert window.locked
    switch = next(b for b in window.unlock_dialog.findChildren(QPushButton) if b.text() == "切换用户")
    qtbot.mouseClick(switch, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.login_dialog is not None and shell.login_dialog.isVisible())
    assert shell.main_window is None and not window.isVisible()
    assert shell.login_dialog.username.text() == ADMIN and shell.login_dialog.ready


def test_ctrl_l_locks_the_window(qtbot, open_window):
    window = open_window(idle_lock_ms=600_000)
    window.activateWindow()
    qtbot.waitActive(window)
    QTest.keyClick(window.windowHandle(), Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)  # as a keyboard does
    assert window.locked and window.unlock_dialog.isVisible()


def test_navigation_switches_pages_and_unbuilt_pages_say_so(qtbot, open_window):
    window = open_window(idle_lock_ms=600_000)
    titles = [window.nav.item(i).text() for i in range(window.nav.count())]
    required = ["办件", "名称核准", "登记库", "打印", "同步", "统计", "设置"]
    assert [t for t in titles if t in required] == required  # in this order; other pages may sit between
    seen = []
    for row, (title, spec) in enumerate(PAGES):
        item_rect = window.nav.visualItemRect(window.nav.item(row))
        qtbot.mouseClick(window.nav.viewport(), Qt.MouseButton.LeftButton, pos=item_rect.center())
        page = window.pages.currentWidget()
        assert window.pages.currentIndex() == row
        seen.append(page)
        module = spec.split(":")[0]
        if isinstance(page, NotYetPage):
            texts = [label.text() for label in page.findChildren(QLabel)]
            assert texts == [page_title(title), "此功能将在后续版本提供"]
            with pytest.raises(ModuleNotFoundError):
                __import__(module)
        else:
            assert type(page).__name__ == spec.split(":")[1]
    assert len({id(p) for p in seen}) == len(PAGES)
    window.nav.setCurrentRow(0)
    assert window.pages.currentWidget() is seen[0]  # built once, kept


def test_log_out_returns_to_login(qtbot, shells, ready_db):
    shell = shells(ready_db)
    _log_in(qtbot, shell.login_dialog, ADMIN, PASSWORD)
    qtbot.waitUntil(lambda: shell.main_window is not None)
    shell.main_window.logout_action.trigger()
    qtbot.waitUntil(lambda: shell.login_dialog is not None and shell.login_dialog.isVisible())
    assert shell.main_window is None


def test_main_window_fits_a_1366_by_768_screen(qtbot, open_window):
    window = open_window(idle_lock_ms=600_000)
    assert window.width() <= 1366 and window.height() <= 768 - 40  # title bar and taskbar
    assert window.minimumSizeHint().width() <= 1024 and window.minimumSizeHint().height() <= 600
    for label in (window.user_label, window.roles_label, window.database_label, window.online_label):
        assert label.isVisible() and label.width() >= label.sizeHint().width()


# -- the background-task helper --

def test_task_reports_progress_and_delivers_the_result_on_the_ui_thread(qtbot, runner):
    parent = QWidget()
    qtbot.addWidget(parent)
    go_on = threading.Event()
    results, threads = [], []

    def work(progress):
        threads.append(threading.current_thread())
        progress.report(0, 3, "第 1 项")
        progress.report(2, 3, "第 3 项")
        go_on.wait(5)
        return 42

    def done(value):
        threads.append(threading.current_thread())
        results.append(value)

    runner.run(work, on_success=done, title="正在导入", parent=parent)
    dialog = parent.findChild(QProgressDialog)
    qtbot.waitUntil(lambda: dialog.value() == 2 and dialog.maximum() == 3)
    assert dialog.labelText() == "第 3 项"
    qtbot.waitUntil(dialog.isVisible)  # appears once the work has taken longer than a blink
    assert dialog.windowTitle() == "正在导入"
    go_on.set()
    qtbot.waitUntil(lambda: results == [42])
    assert threads[0] is not threading.main_thread() and threads[1] is threading.main_thread()
    qtbot.waitUntil(lambda: parent.findChild(QProgressDialog) is None)  # closed and gone


def test_task_delivers_the_soreg_error_message(qtbot, runner):
    errors = []

    def work(_progress):
        raise SoregError("登记证号格式不对，请检查。", field="证号")

    runner.run(work, on_failure=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    [error] = errors
    assert (error.message, error.field) == ("登记证号格式不对，请检查。", "证号")


def test_task_failure_without_a_handler_is_shown_in_a_message_box(qtbot, runner):
    parent = QWidget()
    qtbot.addWidget(parent)
    def work(_progress):
        raise SoregError("文件不存在，请重新选择。")

    runner.run(work, title="导入", parent=parent)
    qtbot.waitUntil(lambda: any(box.isVisible() for box in parent.findChildren(QMessageBox)))
    [box] = [b for b in parent.findChildren(QMessageBox) if b.isVisible()]
    assert box.text() == "文件不存在，请重新选择。" and box.windowTitle() == "操作未完成"
    box.close()


def test_unexpected_error_becomes_a_sentence_and_a_crash_log(qtbot, runner, _private_home):
    errors = []
    runner.run(lambda _p: 1 / 0, on_failure=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert errors[0].message.startswith("内部错误（ZeroDivisionError），详情已写入 ")
    [log] = (_private_home / "logs").glob("crash-*.log")
    assert "ZeroDivisionError" in log.read_text(encoding="utf-8")


def test_cancel_stops_the_work(qtbot, runner):
    parent = QWidget()
    qtbot.addWidget(parent)
    started, results, steps = threading.Event(), [], []

    def work(progress):
        for i in range(500):
            started.set()
            stop_if_cancelled(progress)
            steps.append(i)
            progress.report(i, 500, f"第 {i} 条")
            threading.Event().wait(0.01)
        return "finished"

    task = runner.run(work, on_success=results.append, title="正在校验", parent=parent)
    started.wait(5)
    dialog = parent.findChild(QProgressDialog)
    with qtbot.waitSignal(task.cancelled_by_user, timeout=5000):
        dialog.canceled.emit()  # what the 取消 button sends
    assert results == [] and len(steps) < 500
    assert dialog.findChild(QPushButton).text() == "取消"


def test_tasks_run_one_after_another_on_one_thread(qtbot, runner):
    order, threads = [], set()

    def step(name):
        def work(_progress):
            threads.add(threading.get_ident())
            order.append(f"{name} start")
            threading.Event().wait(0.05)
            order.append(f"{name} end")
            return name
        return work

    for name in ("a", "b", "c"):
        runner.run(step(name))
    qtbot.waitUntil(lambda: not runner.busy)
    assert order == ["a start", "a end", "b start", "b end", "c start", "c end"]
    assert len(threads) == 1


def test_cancelled_is_a_soreg_error_with_a_chinese_message():
    assert isinstance(Cancelled(), SoregError) and str(Cancelled()) == "操作已取消。"


def _rendered(text: str) -> QImage:
    label = QLabel(text)
    label.setStyleSheet("font-size: 32pt; background: white; color: black;")
    label.adjustSize()
    return label.grab().toImage()


def test_extension_a_characters_render_as_glyphs_not_boxes(qapp):
    install_fonts(qapp)
    missing = _rendered("\u0378")  # unassigned code point: the box every missing glyph gets
    ext_a, other_ext_a = _rendered(EXT_A_CHAR), _rendered("\u3400")
    assert ext_a != missing and other_ext_a != missing and ext_a != other_ext_a


def test_set_up_asks_only_for_what_is_missing(qtbot, store, runner):
    from ui.setup_dialog import SetupDialog

    dialog = SetupDialog(runner, store, window_code="W01", has_users=False)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.window_code.text() == "W01" and dialog.window_code.isReadOnly()
    assert "本窗口尚未完成设置。请创建第一个管理员账户。" in [label.text() for label in dialog.findChildren(QLabel)]
    qtbot.keyClicks(dialog.username, "li")
    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.password_again, "short")
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)
    assert dialog.message.text() == "密码至少 8 位，请重新输入。"
    assert list_users(store) == []
    dialog.password.setText("long-enough-1")
    dialog.password_again.setText("long-enough-1")
    qtbot.keyClicks(dialog.username, " si")
    qtbot.mouseClick(dialog.submit, Qt.MouseButton.LeftButton)  # refused by create_user on the worker
    qtbot.waitUntil(lambda: dialog.message.text().startswith("用户名不能为空、不能含空格"))
    assert dialog.focusWidget() is dialog.username and dialog.isVisible()
    assert list_users(store) == []
