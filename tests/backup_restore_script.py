"""Backup and restore in 设置 → 备份 as the administrator does it (see tests/robot.py and
tests/clerk_day_driver.py; the test is tests/test_gui_backup.py).

1. first start and login; in 设置 → 备份, 立即备份 adds a checked manual backup to the list;
2. a user is added after that backup;
3. the manual backup is picked in the list and restored after the administrator's password (a
   wrong one first: refused, nothing replaced); the program closes the database, restores it and
   comes back to the login window with a message;
4. login again: the user added after the backup is gone.
"""

from __future__ import annotations

from PySide6.QtWidgets import QTableWidget, QTabWidget

from clerk_day_script import ADMIN, add_user, log_in, page, set_up_window
from robot import Robot, field_by_label, find_visible

LATER_USER = ("houlai", "侯来", "窗口受理")


def backups_tab(robot: Robot, window):
    settings = yield from page(robot, window, "设置")
    tabs = yield robot.until("设置的各项", lambda: find_visible(settings, QTabWidget))
    robot.tab(tabs, "备份")
    table = yield robot.until("备份列表", lambda: find_visible(settings, QTableWidget, lambda t: t.objectName() == "backupsTable"))
    return settings, tabs, table


def rows(table: QTableWidget) -> list[str]:
    return [table.item(r, 1).text() for r in range(table.rowCount()) if table.item(r, 1) is not None]


def restore(robot: Robot, settings, table: QTableWidget, password: str):
    robot.click_item(table, "手动备份")
    yield robot.press(settings, "从所选备份恢复…")
    dialog = yield robot.window("从备份恢复")
    robot.type(field_by_label(dialog, "管理员密码"), password)
    yield robot.press(dialog, "恢复")


def backup_and_restore(robot: Robot):
    yield from set_up_window(robot)
    username, _name, password = ADMIN
    window = yield from log_in(robot, username, password)
    settings, tabs, table = yield from backups_tab(robot, window)
    yield robot.press(settings, "立即备份")
    yield robot.text(settings, "已备份并校验")
    yield robot.until("手动备份在列表中", lambda: "手动备份" in rows(table))
    robot.remember("listed", rows(table))
    robot.dump_screen("backup_tab")

    robot.tab(tabs, "用户")
    yield from add_user(robot, settings, *LATER_USER)

    robot.tab(tabs, "备份")
    yield from restore(robot, settings, table, "not-the-password")
    refused = yield robot.window("未能恢复")
    robot.remember("refused", refused.text())
    yield robot.press(refused, "确定")
    window = yield from log_in(robot, username, password)  # the database as it was, with the later user

    settings, tabs, table = yield from backups_tab(robot, window)
    yield robot.until("手动备份在列表中", lambda: "手动备份" in rows(table))
    yield from restore(robot, settings, table, password)
    restored = yield robot.window("已从备份恢复")
    robot.remember("restored", restored.text())
    yield robot.press(restored, "确定")
    window = yield from log_in(robot, username, password)
    settings, tabs, table = yield from backups_tab(robot, window)
    yield robot.until("恢复前的原数据库在列表中", lambda: "恢复前的原数据库" in rows(table))
    robot.remember("listed_after", rows(table))
