"""A clerk's day, run in a fresh process: ``python tests/clerk_day_driver.py REPORT_DIR``.

Only ``main`` is imported from the program, and ``main.main([])`` runs exactly as ``make run`` starts
it, on the data folder ``$SOREG_HOME``. The driver makes the QApplication first (Qt needs one before
the robot's timer can run; the program takes the existing instance) and starts ``tests/robot.py``
with the script below, which sets up the window, creates the users, and works cases from intake to
办结 by clicking the real buttons. The pytest side (tests/test_clerk_day.py) then reads the report and
the database.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clerk_day_script import clerk_day  # noqa: E402  (Qt and the robot only: nothing of the program)
from robot import Robot  # noqa: E402


def run(report_dir: Path) -> int:
    app = QApplication([sys.argv[0]])
    robot = Robot(clerk_day, report_dir)
    robot.start()
    import main

    code = main.main([])
    if not robot.done:
        robot.note(f"程序在脚本结束前退出（退出码 {code}）")
        robot.failure = robot.failure or f"程序提前退出（退出码 {code}）"
        robot.write_report()
        return 1
    del app
    return 1 if robot.failure else code


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1])))
