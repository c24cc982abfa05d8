"""Benchmark: the 统计 page's counts on 1,000,000 organizations and 100,000 cases.

Builds (or reuses, with --db) a window of demo organizations (registry/demo.py) and demo cases
(workflow/demo.py), runs ANALYZE as a long-lived window would have, then times
``stats.counts.statistics`` for all years and for the newest year, the .xlsx export of all its
tables, and the real 统计 page (offscreen) from construction to its tables filled.
Run by hand: ``QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/stats_page.py [--quick] [--db PATH]``
(--quick: 20,000 organizations and 5,000 cases). The last line is one JSON object, times in ms.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# this file is named like the standard library's statistics module: keep its folder off the path
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import statistics as stdstats  # noqa: E402

from sqlalchemy import func, select  # noqa: E402

from accounts.users import create_user  # noqa: E402
from accounts.window import init_window  # noqa: E402
from models.accounts import Role  # noqa: E402
from models.cases import Case  # noqa: E402
from models.registry import Organization  # noqa: E402
from models.store import Store, open_store  # noqa: E402
from registry.demo import fill_demo  # noqa: E402
from spreadsheets.count_tables import export_count_tables  # noqa: E402
from stats.counts import statistics  # noqa: E402
from ui.harness import application, wait_for  # noqa: E402
from workflow.demo import fill_demo_cases  # noqa: E402


def _count(store: Store, table) -> int:
    with store.read() as session:
        return session.scalar(select(func.count()).select_from(table))


def make_store(path: Path, organizations: int, cases: int) -> Store:
    """The store at ``path`` with at least that many organizations and cases (organizations first:
    the demo cases number their organizations after the registry's)."""
    store = open_store(path)
    init_window(store, "W01", actor="benchmark", demo=True)
    started = time.perf_counter()
    if (present := _count(store, Organization)) < organizations:
        fill_demo(store, organizations - present)
    if (present := _count(store, Case)) < cases:
        fill_demo_cases(store, cases - present)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    print(f"store ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return store


def timed_ms(work, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return times


def page_first_view_ms(store: Store, repeat: int) -> list[float]:
    from ui.context import PageContext
    from ui.fonts import install_fonts
    from ui.pages.statistics_page import StatisticsPage
    from ui.tasks import TaskRunner

    app = application()
    install_fonts(app)
    tasks = TaskRunner()
    user = create_user(store, username=f"bench{time.time_ns()}", display_name="基准", password="correct-horse-1",
                       roles=frozenset({Role.CLERK}), actor="benchmark")
    context = PageContext(store=store, user=user, tasks=tasks)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        page = StatisticsPage(context)
        page.resize(1216, 680)
        page.show()
        if page.data is None:
            wait_for(page.loaded, timeout_ms=60_000)
        if page.data is None:
            raise TimeoutError("the 统计 page did not fill in time")
        page.repaint()
        times.append((time.perf_counter() - started) * 1000)
        page.deleteLater()
        app.processEvents()
    tasks.shut_down()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 organizations and 5,000 cases")
    parser.add_argument("--db", type=Path, help="reuse (or create) this database")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    organizations, cases = (20_000, 5_000) if args.quick else (1_000_000, 100_000)
    folder = Path(tempfile.mkdtemp(prefix="soreg-statistics-"))
    os.environ.setdefault("SOREG_HOME", str(folder))
    store = make_store(args.db or folder / "statistics.sqlite3", organizations, cases)

    timed_ms(lambda: statistics(store), 1)  # warm the page cache, as a window that has been working has
    all_years = timed_ms(lambda: statistics(store), args.repeat)
    data = statistics(store)
    newest = data.years[0]
    one_year = timed_ms(lambda: statistics(store, year=newest), args.repeat)
    export = timed_ms(lambda: export_count_tables(data.tables, folder / "统计.xlsx"), args.repeat)
    page = page_first_view_ms(store, args.repeat)
    store.close()

    result = {
        "organizations": data.organizations[0].total,
        "cases": data.cases[0].total,
        "statistics_p50_ms": round(stdstats.median(all_years), 1),
        "statistics_max_ms": round(max(all_years), 1),
        "statistics_one_year_p50_ms": round(stdstats.median(one_year), 1),
        "export_p50_ms": round(stdstats.median(export), 1),
        "page_first_view_p50_ms": round(stdstats.median(page), 1),
        "page_first_view_max_ms": round(max(page), 1),
    }
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
