"""Benchmark of the registry import (登记库导入): 1,000,000 rows, targets ≤ 60 s and ≤ 300 MB RSS.

Writes a file (.csv by default, or .xlsx with openpyxl's write-only mode) from demo
organizations, with their former names as 已更名 rows, imports it into a fresh database, then
imports it again (every row unchanged), and finally imports a file of as many bad rows to
measure the error report. Each import runs in a child process of its own, so that its peak
resident memory (RSS) is its own; a large import splits names in a second process of its own,
whose CPU time is given apart and whose RSS is sampled with the child's (``tree_rss_mb``: the
≤ 300 MB target holds for both together). Prints the figures — wall time, and the CPU times,
which say more on a busy machine; the last line is one JSON object.

    python benchmarks/registry_import.py                    # 1,000,000 rows of .csv
    python benchmarks/registry_import.py --format xlsx --rows 100000
    python benchmarks/registry_import.py --quick            # 5,000 rows
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import reference
from models.store import open_store
from registry.demo import demo_organizations
from spreadsheets.registry_import import COLUMNS, RENAMED, ImportRejected, import_registry

TARGET_S = 60
TARGET_RSS_MB = 300


def _rows(count: int, seed: int):
    """``count`` data rows: demo organizations and their former names."""
    streets = {s.code: s.name for s in reference.streets()}
    written = 0
    for record in demo_organizations(count, seed=seed):
        yield [record.name, record.org_type, record.credit_code, record.status, record.status_changed_on,
               record.established_on, record.address, streets[record.street_code], record.legal_representative,
               record.sponsor, record.certificate_valid_until, record.rating]
        written += 1
        for former in record.former_names:
            if written == count:
                return
            yield [former.name, record.org_type, record.credit_code, RENAMED, former.renamed_on] + [None] * (len(COLUMNS) - 5)
            written += 1
        if written >= count:
            return


def _bad_rows(count: int):
    for n in range(count):
        yield [f"上海市长宁区坏行{n}文化中心", "公司"] + [None] * (len(COLUMNS) - 2)


def write_file(path: Path, rows) -> int:
    """Write the header and ``rows`` as .csv (UTF-8) or .xlsx; return the number of rows."""
    written = 0
    if path.suffix == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet("登记库")
        sheet.append([c.header for c in COLUMNS])
        for row in rows:
            sheet.append(row)
            written += 1
        book.save(path)
        return written
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([c.header for c in COLUMNS])
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
            written += 1
    return written


def peak_rss_mb() -> float:
    """This process's own peak resident memory: VmHWM (Linux), since ru_maxrss keeps the high-water
    mark of the parent a child was forked from."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb(pid: int | str) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:")) / 1024
    except (OSError, StopIteration):
        return 0.0


def _children() -> list[str]:
    pids = []
    for task in Path("/proc/self/task").iterdir():
        try:
            pids += (task / "children").read_text().split()
        except OSError:
            pass
    return pids


class TreeRss:
    """The peak of this process's RSS plus its children's (the import's second process), sampled
    every 50 ms on a thread (Linux /proc; elsewhere the figure stays 0)."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak_mb = max(self.peak_mb, _rss_mb("self") + sum(_rss_mb(pid) for pid in _children()))

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak_mb


def _import(db: str, path: str, answer) -> None:
    """In the child: import ``path``; send back the outcome, the times (its own CPU and that of
    the second process it starts) and the peak RSS (its own, and with the second process's)."""
    store = open_store(Path(db))
    tree = TreeRss()
    started, cpu = time.perf_counter(), time.process_time()
    try:
        summary = import_registry(store, path, actor="benchmark")
        outcome = {"added": summary.added, "unchanged": summary.unchanged}
    except ImportRejected as exc:
        outcome = {"problems": exc.total, "message_bytes": len(str(exc).encode())}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    outcome |= {"s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu,
                "second_cpu_s": children.ru_utime + children.ru_stime,
                "rss_mb": peak_rss_mb(), "tree_rss_mb": max(tree.stop(), peak_rss_mb())}
    store.close()
    answer.send(outcome)


def run_import(db: Path, path: Path) -> dict:
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("spawn").Process(target=_import, args=(str(db), str(path), send))
    child.start()
    outcome = receive.recv()
    child.join()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 rows instead of 1,000,000")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = 5_000 if args.quick else args.rows
    with tempfile.TemporaryDirectory() as folder:
        good, bad = Path(folder) / f"registry.{args.format}", Path(folder) / f"bad.{args.format}"
        started = time.perf_counter()
        written = write_file(good, _rows(rows, args.seed))
        write_file(bad, _bad_rows(rows))
        generate_s = time.perf_counter() - started
        db = Path(folder) / "bench.sqlite3"
        open_store(db).close()
        first = run_import(db, good)
        again = run_import(db, good)
        refused = run_import(db, bad)
        size_mb = good.stat().st_size / 1e6
        print(f"{written} 行 .{args.format}（{size_mb:.1f} MB）与同样多的错误行，生成 {generate_s:.1f} s")
        print(f"导入 {first['s']:.1f} s（本进程 CPU {first['cpu_s']:.1f} s，第二进程 CPU {first['second_cpu_s']:.1f} s；"
              f"峰值 RSS {first['rss_mb']:.0f} MB，两进程合计 {first['tree_rss_mb']:.0f} MB；"
              f"目标 ≤ {TARGET_S} s、≤ {TARGET_RSS_MB} MB）：新增 {first['added']}")
        print(f"再次导入 {again['s']:.1f} s（峰值 RSS {again['rss_mb']:.0f} MB）：未变 {again['unchanged']}")
        print(f"{written} 行错误：{refused['s']:.1f} s，峰值 RSS {refused['rss_mb']:.0f} MB，"
              f"报告 {refused['message_bytes'] / 1e3:.0f} kB（共 {refused['problems']} 处）")
        print(json.dumps({
            "rows": written, "format": args.format, "file_mb": round(size_mb, 1), "generate_s": round(generate_s, 1),
            "import_s": round(first["s"], 1), "import_cpu_s": round(first["cpu_s"], 1),
            "import_second_cpu_s": round(first["second_cpu_s"], 1), "import_rss_mb": round(first["rss_mb"]),
            "import_tree_rss_mb": round(first["tree_rss_mb"]), "reimport_unchanged_s": round(again["s"], 1),
            "reimport_rss_mb": round(again["rss_mb"]), "bad_rows_s": round(refused["s"], 1),
            "bad_rows_rss_mb": round(refused["rss_mb"]), "bad_rows_report_kb": round(refused["message_bytes"] / 1e3),
            "target_s": TARGET_S, "target_rss_mb": TARGET_RSS_MB, "db_mb": round(db.stat().st_size / 1e6, 1),
            "added": first["added"], "unchanged_on_reimport": again["unchanged"],
        }, ensure_ascii=False))


if __name__ == "__main__":
    main()
