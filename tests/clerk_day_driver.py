"""A robot's script against the real program, in a fresh process:
``python tests/clerk_day_driver.py REPORT_DIR [MODULE:FUNCTION]`` (default: the clerk's day,
``clerk_day_script:clerk_day``).

Only ``main`` is imported from the program, and ``main.main([])`` runs exactly as ``make run`` starts
it, on the data folder ``$SOREG_HOME``. The driver makes the QApplication first (Qt needs one before
the robot's timer can run; the program takes the existing instance) and starts ``tests/robot.py``
with the script, which clicks the real buttons (the clerk's day sets up the window, creates the
users, and works cases from intake to 办结). The pytest side (tests/test_clerk_day.py,
tests/test_gui_backup.py) then reads the report and the database.

The driver also notes where SQLAlchemy first configured the ORM mappers (a library event; nothing of
the program is imported for it): the store must do it while it opens, before any worker queries.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from pathlib import Path

from PySide6.QtWidgets import QApplication
from sqlalchemy import event
from sqlalchemy.orm import Mapper

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from robot import Robot  # noqa: E402  (Qt and the robot only: nothing of the program)


def note_mapper_configuration(robot: Robot) -> None:
    """Remember the functions on the stack when the mappers are first configured."""
    def configured() -> None:
        if "mappers_configured_in" not in getattr(robot, "seen", {}):
            robot.remember("mappers_configured_in", [frame.name for frame in traceback.extract_stack()])

    event.listen(Mapper, "after_configured", configured)


def run(report_dir: Path, script: str = "clerk_day_script:clerk_day") -> int:
    module, function = script.split(":")
    app = QApplication([sys.argv[0]])
    robot = Robot(getattr(importlib.import_module(module), function), report_dir)
    note_mapper_configuration(robot)
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
    sys.exit(run(Path(sys.argv[1]), *sys.argv[2:3]))
