"""A clerk's whole day through the real program (一天的窗口工作), as ``make run`` starts it.

A fresh Python process imports only ``main`` and runs ``main.main([])`` on a new data folder while
the robot clerk (tests/robot.py, script in tests/clerk_day_script.py) clicks through the day. This
test then reads what the robot saw and what the database holds. It runs several times: a crash or
a race shows up as a red run, never hidden by a rerun.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
RUNS = 3
TIMEOUT_S = 600


def run_clerk_day(tmp_path: Path) -> tuple[dict, Path]:
    home, report_dir = tmp_path / "home", tmp_path / "report"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOREG_")}
    env |= {"SOREG_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "SOREG_ALLOW_FILE_KEYRING": "1",
            "XDG_DATA_HOME": str(tmp_path / "xdg"), "PYTHONFAULTHANDLER": "1"}
    done = subprocess.run([sys.executable, str(TESTS / "clerk_day_driver.py"), str(report_dir)], env=env,
                          cwd=TESTS.parent, capture_output=True, text=True, timeout=TIMEOUT_S)
    report_file = report_dir / "report.json"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    assert done.returncode == 0 and not report.get("failure"), (
        f"退出码 {done.returncode}；{report.get('failure')}\n屏幕：{report_dir}\n{done.stderr[-6000:]}")
    return report, home / "soreg.sqlite3"


@pytest.mark.parametrize("run", range(RUNS))
def test_a_clerks_day(tmp_path, run):
    report, db = run_clerk_day(tmp_path)
    assert report["seen"]["logged_in_again"] is True
    with sqlite3.connect(db) as conn:
        users = dict(conn.execute("select username, display_name from users"))
        actions = [row[0] for row in conn.execute("select action from audit_events order by seq")]
    assert users == {"admin": "管理员甲"}
    assert actions.count("user.login") >= 3
