"""登录 → 首页, timed in a fresh process: ``python tests/login_timing_driver.py DB REPORT.json [TYPING_MS]``.

Used by benchmarks/startup.py. The robot clerk (tests/robot.py) types the administrator's name and
password while ``main.main`` runs on ``DB``, takes ``TYPING_MS`` (default 1500: a person typing
a name and a password; 0: at once) from the moment 登录 can be pressed to the click, and waits
until the 首页's cards show their counts; the milliseconds from the click to the counts go to
``REPORT.json`` under ``login_ms``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMainWindow

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from robot import Robot, field_by_label  # noqa: E402  (Qt and the robot only: nothing of the program)

USERNAME, PASSWORD = "admin", "startup-bench-1"
TYPING_MS = 1500


def log_in(robot: Robot, typing_ms: int = TYPING_MS):
    dialog = yield robot.window("登录")
    button = yield robot.button(dialog, "登录")
    robot.type(field_by_label(dialog, "用户名"), USERNAME)
    robot.type(field_by_label(dialog, "密码"), PASSWORD)
    if typing_ms:
        yield robot.pause(typing_ms)
    clicked: list[float] = []
    robot.later(lambda: clicked.append(time.perf_counter()))
    robot.click(button)
    window = yield robot.until("主窗口", lambda: next((w for w in QApplication.topLevelWidgets()
                                                      if isinstance(w, QMainWindow) and w.isVisible()), None))
    yield robot.text(window, r"^我的办件\s*[\d,]+$")
    robot.remember("login_ms", round((time.perf_counter() - clicked[0]) * 1000, 1))


def run(db: Path, report: Path, typing_ms: int = TYPING_MS) -> int:
    app = QApplication([sys.argv[0]])
    robot = Robot(lambda r: log_in(r, typing_ms), report.parent, poll_ms=5, report_name=report.name)
    robot.start()
    import main as program

    program.main(["--db", str(db)])
    del app
    return 1 if robot.failure or not robot.done else 0


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1]), Path(sys.argv[2]), *map(int, sys.argv[3:4])))
