"""Benchmark: the 办件 list with many demo cases — first rows shown, and a filter applied.

Makes a window with N demo cases (workflow/demo.py; 100,000 by default, 5,000 with --quick), then
times, in an offscreen QTableView inside the real 办件 page, (1) from constructing the page to the
first rows painted, and (2) from changing a filter to its first rows painted, for several filters.
Run by hand: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/caselist.py [--quick] [--db PATH]``.
The last line is one JSON object with the figures in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication  # noqa: E402

from accounts.users import create_user  # noqa: E402
from accounts.window import init_window  # noqa: E402
from models.accounts import Role  # noqa: E402
from models.store import open_store  # noqa: E402
from ui.context import PageContext  # noqa: E402
from ui.fonts import install_fonts  # noqa: E402
from ui.pages.cases_page import CasesPage  # noqa: E402
from ui.tasks import TaskRunner  # noqa: E402
from workflow.case_queries import DueFilter  # noqa: E402
from workflow.demo import fill_demo_cases  # noqa: E402

TARGET_MS = 200.0


def make_store(path: Path, count: int):
    fresh = not path.exists()
    store = open_store(path)
    if fresh:
        init_window(store, "W01", actor="system")
        started = time.perf_counter()
        fill_demo_cases(store, count)
        print(f"demo cases: {count} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return store


def wait_for_rows(app: QApplication, page: CasesPage, timeout: float = 30.0) -> None:
    """Until the model has its result and the view has painted the first row's text."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        app.processEvents()
        model = page.model
        if model.ready and (model.rowCount() == 0 or model.row(0) is not None):
            page.table.viewport().repaint()
            return
    raise TimeoutError("the list did not fill in time")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 cases instead of 100,000")
    parser.add_argument("--db", type=Path, help="reuse (or create) this database of demo cases")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    count = 5_000 if args.quick else 100_000
    folder = Path(tempfile.mkdtemp(prefix="soreg-caselist-"))
    os.environ.setdefault("SOREG_HOME", str(folder))
    store = make_store(args.db or folder / "cases.sqlite3", count)
    user = create_user(store, username=f"bench{time.time_ns()}", display_name="基准", password="correct-horse-1",
                       roles=frozenset({Role.CLERK, Role.REVIEWER}), actor="system")
    app = QApplication.instance() or QApplication([])
    install_fonts(app)
    tasks = TaskRunner()
    context = PageContext(store=store, user=user, tasks=tasks)

    first_rows: list[float] = []
    filters: dict[str, list[float]] = {"state": [], "overdue": [], "due_this_week": [], "clerk": [], "mine": [], "text": []}
    page = None
    for _ in range(args.repeat):
        if page is not None:
            page.deleteLater()
            app.processEvents()
        started = time.perf_counter()
        page = CasesPage(context)
        page.resize(1366, 700)
        page.show()
        wait_for_rows(app, page)
        first_rows.append((time.perf_counter() - started) * 1000)
        total = page.model.rowCount()
        steps = {
            "state": lambda: page.state_combo.setCurrentIndex(page.state_combo.findData("名称核准")),
            "overdue": lambda: (page.state_combo.setCurrentIndex(0), page.due_combo.setCurrentIndex(page.due_combo.findData(DueFilter.OVERDUE))),
            "due_this_week": lambda: page.due_combo.setCurrentIndex(page.due_combo.findData(DueFilter.THIS_WEEK)),
            "clerk": lambda: (page.due_combo.setCurrentIndex(0), page.clerk_combo.setCurrentIndex(page.clerk_combo.findData("clerk2"))),
            "mine": lambda: page.clerk_combo.setCurrentIndex(page.clerk_combo.findData("mine")),
            "text": lambda: (page.clerk_combo.setCurrentIndex(0), page.search_edit.setText("上海市长宁区阳"), page.apply_filter()),
        }
        for name, step in steps.items():
            wait_for_rows(app, page)
            started = time.perf_counter()
            step()
            wait_for_rows(app, page)
            filters[name].append((time.perf_counter() - started) * 1000)
        page.search_edit.clear()
    tasks.shut_down()
    store.close()

    result = {"cases": total, "first_rows_p50_ms": round(statistics.median(first_rows), 1),
              "first_rows_max_ms": round(max(first_rows), 1)}
    for name, times in filters.items():
        result[f"filter_{name}_p50_ms"] = round(statistics.median(times), 1)
        result[f"filter_{name}_max_ms"] = round(max(times), 1)
    result["within_target"] = all(v <= TARGET_MS for k, v in result.items() if k.endswith("_p50_ms"))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
