"""Benchmark: the 办件 list with many demo cases — first rows shown, and a filter applied.

Makes a window with M demo organizations (registry/demo.py; 1,000,000 by default, 20,000 with
--quick) and N demo cases (workflow/demo.py; 100,000 by default, 5,000 with --quick), then
times, in an offscreen QTableView inside the real 办件 page, (1) from constructing the page to the
first rows painted, and (2) from changing a filter to its first rows painted, for several filters —
among them the search by a middle part of a case number, of a name (three characters: the trigram
index), and of an applicant's and a person's name (two characters: a scan of the search lines),
and by two characters that every case holds (上海).
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

from ui.harness import application, wait_for  # noqa: E402

from accounts.users import create_user  # noqa: E402
from accounts.window import init_window  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from models.cases import Case, CasePerson  # noqa: E402
from models.accounts import Role  # noqa: E402
from models.registry import Organization  # noqa: E402
from models.store import open_store  # noqa: E402
from registry.demo import fill_demo  # noqa: E402
from ui.context import PageContext  # noqa: E402
from ui.fonts import install_fonts  # noqa: E402
from ui.pages.cases_page import CasesPage  # noqa: E402
from ui.tasks import TaskRunner  # noqa: E402
from workflow.case_queries import DueFilter  # noqa: E402
from workflow.demo import fill_demo_cases  # noqa: E402

TARGET_MS = 200.0


def make_store(path: Path, count: int, organizations: int):
    """The store at ``path``, made with ``organizations`` registry rows and ``count`` cases if new."""
    fresh = not path.exists()
    store = open_store(path)
    if fresh:
        init_window(store, "W01", actor="system", demo=True)
        started = time.perf_counter()
        fill_demo(store, organizations)
        print(f"demo organizations: {organizations} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        started = time.perf_counter()
        fill_demo_cases(store, count)
        print(f"demo cases: {count} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    return store


def wait_for_rows(page: CasesPage, timeout_ms: int = 30_000) -> None:
    """Run the event loop (idle, as in the real program) until the filter's first rows are painted."""
    model = page.model
    if not model.ready:
        wait_for(model.loaded, model.failed, timeout_ms=timeout_ms)
    if not model.ready or (model.rowCount() and model.row(0) is None):
        raise TimeoutError("the list did not fill in time")
    page.table.viewport().repaint()


def search_texts(store) -> dict[str, str]:
    """Middle parts of a case number, a name, an applicant and a person's name of one demo case."""
    with store.read() as session:
        case_no, name, applicant, case_id = session.execute(
            select(Case.case_no, Case.name, Case.applicant, Case.id).order_by(Case.case_no).offset(1234).limit(1)).one()
        person = session.scalars(select(CasePerson.name).where(CasePerson.case_id == case_id)).first()
    return {"text_prefix": "上海市长宁区阳", "text_case_no": case_no[-9:-2], "text_name": name[7:10],
            "text_applicant": applicant[-2:], "text_person": person[-2:], "text_everywhere": "上海"}


def set_filter(page: CasesPage, *, state=None, due=DueFilter.ALL, clerk=None, text="") -> None:
    """Set every filter control at once (signals held), then apply the filter once."""
    controls = (page.state_combo, page.due_combo, page.clerk_combo, page.search_edit)
    for control in controls:
        control.blockSignals(True)
    for combo, value in ((page.state_combo, state), (page.due_combo, due), (page.clerk_combo, clerk)):
        combo.setCurrentIndex(max(0, combo.findData(value)))
    page.search_edit.setText(text)
    for control in controls:
        control.blockSignals(False)
    page.apply_filter()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 cases and 20,000 organizations instead of "
                        "100,000 and 1,000,000")
    parser.add_argument("--db", type=Path, help="reuse (or create) this database of demo cases")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    count = 5_000 if args.quick else 100_000
    organizations = 20_000 if args.quick else 1_000_000
    folder = Path(tempfile.mkdtemp(prefix="soreg-caselist-"))
    os.environ.setdefault("SOREG_HOME", str(folder))
    store = make_store(args.db or folder / "cases.sqlite3", count, organizations)
    user = create_user(store, username=f"bench{time.time_ns()}", display_name="基准", password="correct-horse-1",
                       roles=frozenset({Role.CLERK, Role.REVIEWER}), actor="system")
    app = application()
    install_fonts(app)
    tasks = TaskRunner()
    context = PageContext(store=store, user=user, tasks=tasks)

    first_rows: list[float] = []
    texts = search_texts(store)
    with store.read() as session:
        organizations = session.scalar(select(func.count()).select_from(Organization))
    filters: dict[str, list[float]] = {name: [] for name in ("state", "overdue", "due_this_week", "clerk", "mine", *texts)}
    page = None
    for _ in range(args.repeat):
        if page is not None:
            page.deleteLater()
            app.processEvents()
        started = time.perf_counter()
        page = CasesPage(context)
        page.resize(1366, 700)
        page.show()
        wait_for_rows(page)
        first_rows.append((time.perf_counter() - started) * 1000)
        total = page.model.rowCount()
        steps = {
            "state": dict(state="名称核准"),
            "overdue": dict(due=DueFilter.OVERDUE),
            "due_this_week": dict(due=DueFilter.THIS_WEEK),
            "clerk": dict(clerk="clerk2"),
            "mine": dict(clerk="mine"),
            **{name: dict(text=text) for name, text in texts.items()},
        }
        for name, wanted in steps.items():
            wait_for_rows(page)
            started = time.perf_counter()
            set_filter(page, **wanted)
            wait_for_rows(page)
            filters[name].append((time.perf_counter() - started) * 1000)
    tasks.shut_down()
    store.close()

    result = {"cases": total, "organizations": organizations, "first_rows_p50_ms": round(statistics.median(first_rows), 1),
              "first_rows_max_ms": round(max(first_rows), 1)}
    for name, times in filters.items():
        result[f"filter_{name}_p50_ms"] = round(statistics.median(times), 1)
        result[f"filter_{name}_max_ms"] = round(max(times), 1)
    result["search_texts"] = texts
    result["load_average_1min"] = round(os.getloadavg()[0], 1)  # other work on the machine slows every figure
    result["within_target"] = all(v <= TARGET_MS for k, v in result.items() if k.endswith("_p50_ms"))
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
