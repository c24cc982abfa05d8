"""The clerk's day as the robot plays it (see tests/robot.py and tests/clerk_day_driver.py).

Only widgets are touched, found by their titles, captions and labels; what the robot saw that the
test checks afterwards is kept with ``robot.remember``.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMainWindow

from robot import Robot, field_by_label, find_checkbox

ADMIN = ("admin", "管理员甲", "Admin-pass-2026")
PASSWORD = "Clerk-pass-2026"


def main_window() -> QMainWindow | None:
    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMainWindow) and w.isVisible()), None)


def set_up_window(robot: Robot):
    """首次启动设置: the window's code and the first administrator."""
    setup = yield robot.window("首次启动设置")
    robot.type(field_by_label(setup, "窗口代码"), "W01")
    username, name, password = ADMIN
    robot.type(field_by_label(setup, "用户名"), username)
    robot.type(field_by_label(setup, "姓名"), name)
    robot.type(field_by_label(setup, "密码"), password)
    robot.type(field_by_label(setup, "确认密码"), password)
    for role in ("窗口受理", "审核", "审批"):
        box = find_checkbox(setup, role)
        if box is not None and box.isChecked():
            robot.click(box)  # the administrator administers; the clerks do the cases
    robot.click((yield robot.button(setup, "完成设置")))
    yield robot.gone(setup)


def log_in(robot: Robot, username: str, password: str):
    dialog = yield robot.window("登录")
    button = yield robot.button(dialog, "登录")
    robot.type(field_by_label(dialog, "用户名"), username)
    robot.type(field_by_label(dialog, "密码"), password)
    robot.click(button)
    window = yield robot.until(f"{username} 的主窗口", main_window)
    yield robot.text(window, f"用户：.*（{username}）")
    return window


def log_out(robot: Robot, window: QMainWindow):
    robot.menu(window, "账户", "注销")
    yield robot.window("登录")


def lock_and_unlock(robot: Robot, window: QMainWindow, password: str):
    robot.key(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    dialog = yield robot.window("解锁")
    yield robot.text(window, "屏幕已锁定")
    robot.type(field_by_label(dialog, "密码"), "wrong-password")
    robot.click((yield robot.button(dialog, "解锁")))
    yield robot.text(dialog, "用户名或密码不正确")  # refused: the dialog says so and stays
    robot.type(field_by_label(dialog, "密码"), password)
    robot.click((yield robot.button(dialog, "解锁")))
    yield robot.gone(dialog)


def clerk_day(robot: Robot):
    yield from set_up_window(robot)
    username, _name, password = ADMIN
    window = yield from log_in(robot, username, password)
    yield from lock_and_unlock(robot, window, password)
    yield from log_out(robot, window)
    window = yield from log_in(robot, username, password)
    robot.remember("logged_in_again", True)
