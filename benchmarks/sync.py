"""Sync benchmark: push of queued ops, first pull of a large registry, a sync with nothing to do.

Runs against a throwaway database on a PostgreSQL server (default: the local one) and prints
one JSON object on its last line. The first pull runs in a child process so that its peak
memory is measured alone.

    python benchmarks/sync.py [--quick] [--server postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg

from accounts.window import init_window
from models.audit import record_event_in
from models.store import open_store
from sync.central_admin import add_window, drop_central_roles, init_central
from sync.connection import CentralSettings, save_central_settings
from sync.runner import run_sync


def _org_rows(args: tuple[int, int]) -> bytes:
    """COPY text of ``count`` demo organizations starting at ``first``, with their name index
    (what a window ships when it registers one)."""
    from models.base import new_id
    from registry.demo import demo_organizations
    from registry.name_index import name_row

    first, count = args
    out = io.StringIO()
    for record in demo_organizations(count, seed=7, first_serial=first):
        org_id = new_id()  # the ids windows give (UUIDv7), as the central registry holds them
        entries = []
        for name, current, renamed in [(record.name, True, None)] + [
                (f.name, False, f.renamed_on) for f in record.former_names]:
            row = name_row(org_id, record.org_type, name, is_current=current, renamed_on=renamed)
            row.pop("organization_id")
            row["renamed_on"] = renamed.isoformat() if renamed else None
            entries.append(row)
        formers = [{"name": f.name, "renamed_on": f.renamed_on.isoformat() if f.renamed_on else None}
                   for f in record.former_names]
        values = [str(org_id), record.name, record.org_type, record.status, record.status_changed_on,
                  record.credit_code, record.street_code, record.address, record.legal_representative,
                  record.sponsor, record.established_on, record.certificate_valid_until, record.rating,
                  record.on_abnormal_list, record.on_dishonest_list,
                  json.dumps(formers, ensure_ascii=False), json.dumps(entries, ensure_ascii=False)]
        out.write("\t".join(_copy_text(v) for v in values) + "\n")
    return out.getvalue().encode("utf-8")


def _copy_text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def load_registry(url: str, count: int) -> float:
    """Fill the central registry with ``count`` organizations; returns seconds taken."""
    started = time.perf_counter()
    chunk = 20000
    jobs = [(first, min(chunk, count - first)) for first in range(0, count, chunk)]
    with psycopg.connect(url, autocommit=True) as conn, multiprocessing.Pool(2) as pool:
        with conn.cursor().copy(
                "COPY central.organizations (id, name, org_type, status, status_changed_on, credit_code, street_code,"
                " address, legal_representative, sponsor, established_on, certificate_valid_until, rating,"
                " on_abnormal_list, on_dishonest_list, former_names, name_index) FROM STDIN") as copy:
            for data in pool.imap(_org_rows, jobs):
                copy.write(data)
        # a centre in service was vacuumed by autovacuum long ago; right after a bulk COPY the first
        # reads of every row would also write (hint bits) and compete with the pull being measured
        conn.execute("VACUUM (ANALYZE) central.organizations")
        conn.execute("CHECKPOINT")
    return time.perf_counter() - started


def _window(folder: Path, server_db_url: str, code: str, role) -> tuple:
    store = open_store(folder / f"{code}.sqlite3")
    init_window(store, code, actor="system")
    info = psycopg.conninfo.conninfo_to_dict(server_db_url)
    url = f"postgresql://{role.role}@{info.get('host', '127.0.0.1')}:{info.get('port', 5432)}/{info['dbname']}"
    settings = CentralSettings(url=url, allow_file_keyring=True)
    save_central_settings(store, settings, role.password, actor="system")
    return store, settings


def bench_push(store, settings, ops: int) -> tuple[float, list[float]]:
    run_sync(store, settings)  # first sync: empty snapshot, code block
    run_sync(store, settings)
    for start in range(0, ops, 1000):
        with store.write() as session:
            for n in range(start, min(start + 1000, ops)):
                record_event_in(session, actor="clerk", action="case.note", record_type="case", record_id=f"c{n}",
                             after={"n": n, "text": "材料已补齐，转审核"})
    started = time.perf_counter()
    report = run_sync(store, settings)
    push_s = time.perf_counter() - started
    assert report.pushed >= ops, report
    idle = []
    for _ in range(7):
        started = time.perf_counter()
        report = run_sync(store, settings)
        idle.append((time.perf_counter() - started) * 1000)
        assert report.pushed == 0 and report.pulled == 0, report
    return push_s, idle


FIRST_PULL = """
import json, os, resource, sys, time
sys.path.insert(0, {root!r})
from models.store import open_store
from sync.connection import central_settings
from sync.runner import run_sync
store = open_store({db!r})
started = time.perf_counter()
report = run_sync(store, central_settings(store))
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "rows": report.snapshot_rows,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def bench_first_pull(store, expected: int, keyring_file: str) -> dict:
    store.close()
    env = os.environ | {"SOREG_ALLOW_FILE_KEYRING": "1", "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
                        "XDG_DATA_HOME": keyring_file}
    out = subprocess.run([sys.executable, "-c", FIRST_PULL.format(root=str(ROOT), db=str(store.path))],
                         env=env, capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["rows"] >= expected, result
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--server", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    orgs, ops = (50_000, 2_000) if args.quick else (1_000_000, 10_000)

    folder = Path(tempfile.mkdtemp(prefix="soreg-sync-bench-"))
    # the benchmark keeps window passwords in a file keyring inside its temp folder (opted in)
    os.environ.update(SOREG_ALLOW_FILE_KEYRING="1", PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
                      XDG_DATA_HOME=str(folder))
    name = f"soreg_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(args.server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = args.server.rsplit("/", 1)[0] + "/" + name
    try:
        init_central(url, shared_cluster=True)  # the benchmark borrows a server: its other databases stay open
        pusher = _window(folder, url, "W01", add_window(url, "W01"))
        push_s, idle_ms = bench_push(*pusher, ops)
        print(f"push of {ops} ops: {push_s:.2f} s; idle sync: median {statistics.median(idle_ms):.0f} ms",
              file=sys.stderr)
        load_s = load_registry(url, orgs)
        print(f"central registry of {orgs} loaded in {load_s:.0f} s", file=sys.stderr)
        puller, _ = _window(folder, url, "W02", add_window(url, "W02"))
        pull = bench_first_pull(puller, orgs, str(folder))
        print(f"first pull of {orgs}: {pull['seconds']:.1f} s, peak RSS {pull['rss_mb']:.0f} MB", file=sys.stderr)
        db_mb = (folder / "W02.sqlite3").stat().st_size / 2**20
    finally:
        drop_central_roles(url)
        with psycopg.connect(args.server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps({
        "push_ops": ops, "push_s": round(push_s, 3), "push_ops_per_s": round(ops / push_s),
        "noop_sync_median_ms": round(statistics.median(idle_ms), 1), "noop_sync_max_ms": round(max(idle_ms), 1),
        "first_pull_orgs": orgs, "first_pull_s": round(pull["seconds"], 2), "first_pull_peak_rss_mb": round(pull["rss_mb"]),
        "window_db_mb": round(db_mb), "central_load_s": round(load_s, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
