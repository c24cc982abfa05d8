"""A task runner dropped while its last task is still being delivered is freed once, not twice.

The runner is the parent of its tasks. Were a task to hold the runner by a Python reference, the
task's deferred delete could free the last reference to the runner, whose destructor deletes its
children — that same task, a second time (a crash in ``QObject::~QObject``, seen in the GUI tests
one run in three). Runs in a fresh process, as the crash takes the process with it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = """
import sys
from PySide6.QtWidgets import QApplication
from PySide6.QtTest import QTest
from ui.tasks import TaskRunner

app = QApplication([])
for _ in range(300):
    runner = TaskRunner()
    results = []
    runner.run(lambda _progress: 1, on_success=results.append)
    while not results:
        QTest.qWait(2)
    runner.shut_down()
    del runner  # from here on only the finished task's delivery keeps it
    QTest.qWait(2)
print("freed once")
"""


def test_a_dropped_runner_and_its_last_task_are_freed_once(tmp_path):
    done = subprocess.run([sys.executable, "-X", "faulthandler", "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={"QT_QPA_PLATFORM": "offscreen", "SOREG_HOME": str(tmp_path),
                                                       "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0 and "freed once" in done.stdout, done.stderr[-3000:]
