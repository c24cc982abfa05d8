"""The day's backup in the running program (ui/daily_backup.py): not before the login window is
usable, made on its own worker, made again when the day changes without reopening the store,
and a failure shown in the status bar and a message box."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from accounts.users import create_user
from accounts.window import init_window
from models.accounts import Role
from models.backup import STAMP, BackupReason, backup_folder, list_backups
from models.store import open_store
from ui.app import Shell
from ui.daily_backup import BackupStatusLabel

ADMIN, PASSWORD = "admin", "correct-horse-1"


@pytest.fixture
def shell(qtbot, tmp_path: Path):
    path = tmp_path / "window.sqlite3"
    store = open_store(path, daily=False)
    init_window(store, "W01", actor="system")
    create_user(store, username=ADMIN, display_name="张三", password=PASSWORD, roles=frozenset({Role.ADMIN}),
                actor="system")
    store.close()
    made = Shell(path, ADMIN)
    made.start()
    qtbot.waitUntil(lambda: made.login_dialog is not None and made.login_dialog.ready, timeout=10_000)
    yield made
    made.shut_down()
    for widget in QApplication.topLevelWidgets():
        if widget.isVisible():
            widget.close()


def _log_in(qtbot, shell: Shell) -> BackupStatusLabel:
    qtbot.keyClicks(shell.login_dialog.password, PASSWORD)
    shell.login_dialog.submit.click()
    qtbot.waitUntil(lambda: shell.main_window is not None, timeout=10_000)
    return shell.main_window.statusBar().findChild(BackupStatusLabel)


def _dailies(shell: Shell) -> list[date]:
    return sorted(b.made_at.date() for b in list_backups(shell.opened.store) if b.reason is BackupReason.DAILY)


def test_the_running_program_backs_up_after_login_and_again_when_the_day_changes(qtbot, shell):
    path = shell.opened.store.path
    assert _dailies(shell) == []  # the login window was usable before any backup was made
    label = _log_in(qtbot, shell)
    assert label.text() == "今日备份：稍后进行"

    backup = shell.daily_backup
    backup.interval_ms = 50  # the timer's question, asked often for the test
    backup.timer.start(0)  # what it does FIRST_CHECK_MS after the login window became usable
    qtbot.waitUntil(lambda: _dailies(shell) == [date.today()], timeout=10_000)
    qtbot.waitUntil(lambda: label.text().endswith("已完成"), timeout=5_000)
    assert label.text() == f"今日备份：{backup.made_at:%H:%M} 已完成"

    # The window stays open past midnight: the backup it made is now yesterday's.
    (made,) = list_backups(shell.opened.store)
    yesterday = made.made_at - timedelta(days=1)
    made.path.rename(made.path.with_name(f"{path.stem}-{yesterday.strftime(STAMP)}-daily.sqlite3"))
    qtbot.waitUntil(lambda: _dailies(shell) == [yesterday.date(), date.today()], timeout=10_000)
    assert shell.main_window is not None and shell.opened.store.path == path  # the same program, the store never reopened


def test_a_failed_daily_backup_is_shown_in_red_and_in_a_message_box(qtbot, shell):
    path = shell.opened.store.path
    folder = backup_folder(path)
    folder.write_text("not a folder")  # the backups folder cannot be made: every backup fails
    label = _log_in(qtbot, shell)
    shell.daily_backup.timer.start(0)
    qtbot.waitUntil(lambda: label.text() == "今日备份：失败", timeout=10_000)
    assert str(folder) in label.toolTip() and "请检查磁盘空间和文件夹权限" in label.toolTip()
    assert "c62828" in label.styleSheet()
    box = shell.main_window.findChild(QMessageBox, "backupFailure")
    assert box is not None and box.isVisible()
    assert box.windowTitle() == "今天的自动备份未完成" and str(folder) in box.text()
    box.button(QMessageBox.StandardButton.Ok).click()
    backup, tries_ended = shell.daily_backup, []
    backup.changed.connect(lambda: tries_ended.append(True) if backup.task is None else None)
    backup.timer.start(0)  # the next try fails too
    qtbot.waitUntil(lambda: bool(tries_ended), timeout=5_000)
    assert label.text() == "今日备份：失败"  # said in the status bar; no second box on the same day
    assert not any(b.isVisible() for b in shell.main_window.findChildren(QMessageBox, "backupFailure"))
