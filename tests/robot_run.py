"""Runs a robot script against the real program in a fresh process (tests/clerk_day_driver.py) and
returns what the robot saw (its report) and where the program kept its database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
TIMEOUT_S = 600


def run_script(tmp_path: Path, script: str = "clerk_day_script:clerk_day") -> tuple[dict, Path]:
    """Run ``script`` (``module:function`` in tests/) on a new data folder; fail with the robot's
    report and the program's stderr when the program or the script failed."""
    home, report_dir = tmp_path / "home", tmp_path / "report"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOREG_")}
    env |= {"SOREG_HOME": str(home), "QT_QPA_PLATFORM": "offscreen", "SOREG_ALLOW_FILE_KEYRING": "1",
            "XDG_DATA_HOME": str(tmp_path / "xdg"), "PYTHONFAULTHANDLER": "1"}
    done = subprocess.run([sys.executable, str(TESTS / "clerk_day_driver.py"), str(report_dir), script], env=env,
                          cwd=TESTS.parent, capture_output=True, text=True, timeout=TIMEOUT_S)
    report_file = report_dir / "report.json"
    report = json.loads(report_file.read_text(encoding="utf-8")) if report_file.exists() else {}
    assert done.returncode == 0 and not report.get("failure"), (
        f"退出码 {done.returncode}；{report.get('failure')}\n屏幕：{report_dir}\n{done.stderr[-6000:]}")
    return report, home / "soreg.sqlite3"
