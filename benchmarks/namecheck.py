"""Benchmark of the name check (名称核准) against a large registry.

Builds (or reuses, by path) a database of synthetic organizations with ``registry/demo.py``,
then times 1,000 varied name checks after a warm-up: registered names (active, or past the
protection period), homophone 字号, one character added / removed / replaced, equal 字号 in
another field or with another ending, badly formed names and new names, with names reserved for
open cases (名称保留: ``--reservations``, every tenth query's name among them). Prints p50/p99 in
ms and the database size; the last line is one JSON object.

    python benchmarks/namecheck.py            # 1,000,000 organizations
    python benchmarks/namecheck.py --quick    # 20,000 organizations
    python benchmarks/namecheck.py --gui      # also: the 名称核准 page's verdict latency (offscreen Qt)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
import uuid
from collections import Counter
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pypinyin import Style, lazy_pinyin  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from accounts.window import init_window  # noqa: E402
from models import reference  # noqa: E402
from models.name_reservations import NameReservation  # noqa: E402
from models.registry import Organization  # noqa: E402
from models.store import Store, open_store  # noqa: E402
from registry.demo import fill_demo, vocabulary  # noqa: E402
from registry.name_check import check_name  # noqa: E402
from registry.name_reservations import reserve_in  # noqa: E402
from registry.names import parse_name  # noqa: E402
from registry.registry_query import RegistryFilter, search_organizations  # noqa: E402

AS_OF = date(2026, 7, 1)
WARM_UP = 100


def registry_store(path: Path, count: int, seed: int) -> tuple[Store, float | None]:
    """The store at ``path`` with ``count`` organizations; builds it if it holds fewer."""
    store = open_store(path)
    with store.read() as session:
        present = session.scalar(select(func.count()).select_from(Organization))
    if present >= count:
        return store, None
    init_window(store, "W01", actor="benchmark", demo=True)
    started = time.perf_counter()
    fill_demo(store, count - present, seed=seed)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    return store, time.perf_counter() - started


def homophones() -> dict[str, list[str]]:
    """Characters of the demo 字号 grouped by toneless pinyin (for homophone variations)."""
    by_sound: dict[str, list[str]] = {}
    for ch in sorted({ch for z in vocabulary().zihao for ch in z} | set(vocabulary().given_chars)):
        by_sound.setdefault(lazy_pinyin(ch, style=Style.NORMAL)[0], []).append(ch)
    return by_sound


def sample_names(store: Store, n: int, rng: random.Random) -> list[tuple[str, str]]:
    """``n`` registered names drawn at random (reproducibly for the seed)."""
    with store.read() as session:
        rows = session.execute(select(Organization.name, Organization.org_type).order_by(Organization.name)).all()
    return rng.sample([(name, org_type) for name, org_type in rows], n)


def varied_queries(store: Store, count: int, seed: int) -> list[tuple[str, str, str]]:
    """(kind, name, type) triples: a mix of every kind of name the window sees."""
    rng = random.Random(seed)
    prefix = reference.district().name_prefix
    chars = list(vocabulary().given_chars)
    sounds = homophones()
    fields = reference.field_words()
    queries: list[tuple[str, str, str]] = []
    kinds = ("registered", "homophone", "added", "removed", "replaced", "other_field", "other_ending", "malformed", "new")
    for name, org_type in sample_names(store, count, rng):
        p = parse_name(name, org_type)
        key = p.zihao
        kind = rng.choice(kinds)
        if not reference.org_types()[org_type].has_zihao or len(key) < 2:
            kind = rng.choice(("registered", "malformed", "new"))
        i = rng.randrange(len(key)) if key else 0
        if kind == "homophone":
            same = [c for c in sounds.get(lazy_pinyin(key[i], style=Style.NORMAL)[0], []) if c != key[i]]
            key = key[:i] + (rng.choice(same) if same else rng.choice(chars)) + key[i + 1:]
        elif kind == "added":
            key = key[:i] + rng.choice(chars) + key[i:]
        elif kind == "removed" and len(key) > 2:
            key = key[:i] + key[i + 1:]
        elif kind == "replaced":
            key = key[:i] + rng.choice(chars) + key[i + 1:]
        elif kind == "new":
            key = "".join(rng.choices(chars, k=rng.choice((2, 3, 4))))
        if kind == "registered":
            proposed = name
        elif kind == "other_field":
            proposed = f"{p.region}{key}{rng.choice(fields)[0]}{p.form}"
        elif kind == "other_ending":
            proposed = f"{p.region}{key}{p.field_word}{rng.choice(reference.org_types()[org_type].endings)}"
        elif kind == "malformed":
            proposed = rng.choice((name.replace(prefix, "长宁区", 1), name.replace(prefix, "", 1), name + "A1"))
        else:
            proposed = f"{p.region}{key}{p.field_word}{p.form}"
        queries.append((kind, proposed, org_type))
    return queries


def gui_latencies(store: Store, queries: list[tuple[str, str, str]]) -> tuple[list[float], list[float]]:
    """Drive the real 名称核准 page: (ms from the typing pause to the verdict shown, ms from the
    last keystroke to the verdict shown, which adds the debounce) for each query."""
    import uuid

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from accounts.users import UserInfo
    from models.accounts import Role
    from ui.context import PageContext
    from ui.harness import application, wait_for
    from ui.pages.name_check_page import NameCheckPage
    from ui.tasks import TaskRunner

    app = application()
    tasks = TaskRunner()
    user = UserInfo(uuid.uuid4(), "bench", "基准", frozenset({Role.CLERK}), True, None)
    page = NameCheckPage(PageContext(store=store, user=user, tasks=tasks))
    page.date_edit.setDate(AS_OF)
    page.show()
    after_pause, after_keystroke = [], []
    for _kind, name, org_type in queries:
        page.type_combo.setCurrentText(org_type)
        typed = time.perf_counter()
        page.name_edit.setText(name)
        wait_for(page.checked, timeout_ms=5000)
        after_keystroke.append((time.perf_counter() - typed) * 1000)
        after_pause.append(page.last_latency_ms)
    tasks.shut_down()
    page.close()
    app.processEvents()
    return after_pause, after_keystroke


def registry_page_timings(store: Store, queries: list[tuple[str, str, str]]) -> dict[str, float]:
    """Worst time (ms) of one 登记库 page (200 rows) for each kind of filter, over 20 runs each."""
    samples = [name for _kind, name, _type in queries[:20]]
    filters = {
        "first_page": [RegistryFilter()] * 20,
        "name_prefix": [RegistryFilter(text=n[6:8]) for n in samples],
        "full_name": [RegistryFilter(text=n) for n in samples],
        "credit_code_prefix": [RegistryFilter(text=f"5{d}31") for d in "123" * 7][:20],
        "legal_representative": [RegistryFilter(text=s) for s in ("张伟", "王芳", "李", "刘洋") * 5],
        "status_revoked": [RegistryFilter(status="已撤销")] * 20,
        "type_and_text": [RegistryFilter(text=n[6:8], org_type="基金会") for n in samples],
    }
    worst = {}
    for label, flts in filters.items():
        times = []
        for flt in flts:
            started = time.perf_counter()
            rows = search_organizations(store, flt)
            if rows:  # and the next page after it
                search_organizations(store, flt, after=rows[-1].position)
            times.append((time.perf_counter() - started) * 1000 / (2 if rows else 1))
        worst[f"registry_page_{label}_max_ms"] = round(max(times), 1)
    return worst


def reserve_names(store: Store, queries: list[tuple[str, str, str]], count: int) -> None:
    """``count`` open-case reservations (名称保留) in place of any earlier run's: every tenth query's
    name, then varied names made from the others' 字号, all in force on AS_OF."""
    names = [(name, org_type) for _kind, name, org_type in queries[::10]]
    for _kind, name, org_type in queries:
        if len(names) >= count:
            break
        names.append((name[:-4] + "发展" + name[-4:], org_type))
    with store.write() as session:
        session.execute(NameReservation.__table__.delete())
        for n, (name, org_type) in enumerate(names[:count]):
            reserve_in(session, case_id=uuid.uuid4(), case_no=f"BENCH-{n:06d}", window_code="W02", name=name,
                       org_type=org_type, on=AS_OF, expires_on=date(2027, 1, 1), actor="benchmark")


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20,000 organizations instead of 1,000,000")
    parser.add_argument("--orgs", type=int, help="number of organizations (overrides --quick)")
    parser.add_argument("--db", type=Path, help="database to build or reuse (default: /tmp/soreg-bench/namecheck-N.sqlite3)")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--gui", action="store_true", help="also time 200 checks through the 名称核准 page")
    parser.add_argument("--reservations", type=int, help="names reserved for open cases (default 5,000; --quick 500)")
    args = parser.parse_args()
    count = args.orgs or (20_000 if args.quick else 1_000_000)
    path = args.db or Path("/tmp/soreg-bench") / f"namecheck-{count}.sqlite3"
    store, build_s = registry_store(path, count, args.seed)
    print(f"registry: {count} organizations at {path}" + (f", built in {build_s:.0f} s" if build_s else " (reused)"))

    queries = varied_queries(store, WARM_UP + args.queries, args.seed)
    reservations = args.reservations if args.reservations is not None else (500 if args.quick else 5_000)
    reserve_names(store, queries, reservations)
    for _kind, name, org_type in queries[:WARM_UP]:
        check_name(store, name, org_type, AS_OF)
    times: list[float] = []
    cpu_times: list[float] = []  # this thread's CPU time: what the check costs when other work competes
    by_type: dict[str, list[float]] = {}
    verdicts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    for kind, name, org_type in queries[WARM_UP:]:
        started, cpu_started = time.perf_counter(), time.thread_time()
        result = check_name(store, name, org_type, AS_OF)
        times.append((time.perf_counter() - started) * 1000)
        cpu_times.append((time.thread_time() - cpu_started) * 1000)
        by_type.setdefault(org_type, []).append(times[-1])
        verdicts[result.verdict] += 1
        kinds[kind] += 1
    figures_registry = registry_page_timings(store, queries)
    if args.gui:
        pause, keystroke = gui_latencies(store, queries[WARM_UP:WARM_UP + 200])
        figures_gui = {
            "gui_p50_ms_after_pause": round(percentile(pause, 50), 1),
            "gui_p99_ms_after_pause": round(percentile(pause, 99), 1),
            "gui_p50_ms_after_keystroke": round(percentile(keystroke, 50), 1),
            "gui_p99_ms_after_keystroke": round(percentile(keystroke, 99), 1),
        }
    store.close()
    size_mb = sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) / 1e6
    figures = {
        "organizations": count,
        "reservations": reservations,
        "queries": len(times),
        "p50_ms": round(percentile(times, 50), 2),
        "p99_ms": round(percentile(times, 99), 2),
        "max_ms": round(max(times), 2),
        "cpu_p50_ms": round(percentile(cpu_times, 50), 2),
        "cpu_p99_ms": round(percentile(cpu_times, 99), 2),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "p50_p99_ms_by_type": {t: [round(percentile(v, 50), 1), round(percentile(v, 99), 1)] for t, v in by_type.items()},
        "db_size_mb": round(size_mb, 1),
        "build_s": round(build_s, 1) if build_s else None,
        "verdicts": dict(verdicts),
        "kinds": dict(kinds),
    }
    figures.update(figures_registry)
    if args.gui:
        figures.update(figures_gui)
    print(f"p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms, database {figures['db_size_mb']} MB")
    print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
