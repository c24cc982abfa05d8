"""Benchmark of the demo cases (演示办件) bulk path and of one transition on a large database.

Fills a fresh database with N demo cases (``cases demo N``), then times 50 transitions
(审查通过 of cases at 业务范围审定) against it. The last line is one JSON object.

    python benchmarks/demo_cases.py            # 100,000 cases
    python benchmarks/demo_cases.py --quick    # 10,000 cases
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from accounts.users import create_user  # noqa: E402
from accounts.window import init_window  # noqa: E402
from models.accounts import Role  # noqa: E402
from models.cases import Case, CaseState  # noqa: E402
from models.store import open_store  # noqa: E402
from workflow.demo import fill_demo_cases  # noqa: E402
from workflow.transitions import Action, perform  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="10,000 cases instead of 100,000")
    args = parser.parse_args()
    count = 10_000 if args.quick else 100_000
    folder = Path(tempfile.mkdtemp(prefix="soreg-demo-cases-"))
    os.environ["SOREG_HOME"] = str(folder)
    store = open_store(folder / "cases.sqlite3")
    init_window(store, "W01", actor="system", demo=True)
    reviewer = create_user(store, username="bench", display_name="bench", password="bench-password-1",
                           roles=frozenset({Role.REVIEWER}), actor="system")

    started, cpu = time.perf_counter(), time.process_time()
    fill_demo_cases(store, count, seed=1, today=date(2026, 11, 26))
    fill_s, fill_cpu_s = time.perf_counter() - started, time.process_time() - cpu

    with store.read() as session:
        case_nos = session.scalars(select(Case.case_no).where(Case.state == CaseState.SCOPE_REVIEW.value).limit(50)).all()
    timings = []
    for case_no in case_nos:
        t = time.perf_counter()
        perform(store, case_no, Action.ADVANCE, user=reviewer, on=date(2026, 11, 26), acknowledge_warnings=True)
        timings.append((time.perf_counter() - t) * 1000)
    store.close()
    size_mb = sum(p.stat().st_size for p in folder.glob("cases.sqlite3*")) / 1e6
    print(f"{count} demo cases in {fill_s:.1f} s ({fill_cpu_s:.1f} s CPU); database {size_mb:.0f} MB; "
          f"one transition p50 {statistics.median(timings):.1f} ms", file=sys.stderr)
    print(json.dumps({"cases": count, "fill_s": round(fill_s, 1), "fill_cpu_s": round(fill_cpu_s, 1),
                      "cases_per_s": round(count / fill_s), "db_mb": round(size_mb),
                      "transition_p50_ms": round(statistics.median(timings), 1),
                      "transition_max_ms": round(max(timings), 1)}))


if __name__ == "__main__":
    main()
