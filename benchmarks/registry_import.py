"""Benchmark of the registry import (登记库导入) from .xlsx: 100,000 rows, target ≤ 60 s.

Writes an .xlsx file with openpyxl's write-only mode from demo organizations (with their former
names as 已更名 rows), imports it into a fresh database, then imports it again (every row
unchanged). Prints the figures — wall time, and the process's CPU time, which says more on a
busy machine; the last line is one JSON object.

    python benchmarks/registry_import.py            # 100,000 rows
    python benchmarks/registry_import.py --quick    # 5,000 rows
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook

from models import reference
from models.store import open_store
from registry.demo import demo_organizations
from spreadsheets.registry_import import COLUMNS, RENAMED, import_registry

TARGET_S = 60


def write_xlsx(path: Path, rows: int, seed: int) -> int:
    """Write ``rows`` data rows (organizations and their former names); return the count."""
    streets = {s.code: s.name for s in reference.streets()}
    book = Workbook(write_only=True)
    sheet = book.create_sheet("登记库")
    sheet.append([c.header for c in COLUMNS])
    written = 0
    for record in demo_organizations(rows, seed=seed):
        sheet.append([record.name, record.org_type, record.credit_code, record.status, record.status_changed_on,
                      record.established_on, record.address, streets[record.street_code], record.legal_representative,
                      record.sponsor, record.certificate_valid_until, record.rating])
        written += 1
        for former in record.former_names:
            if written == rows:
                break
            sheet.append([former.name, record.org_type, record.credit_code, RENAMED, former.renamed_on]
                         + [None] * (len(COLUMNS) - 5))
            written += 1
        if written >= rows:
            break
    book.save(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5,000 rows instead of 100,000")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rows = 5_000 if args.quick else 100_000
    with tempfile.TemporaryDirectory() as folder:
        xlsx = Path(folder) / "registry.xlsx"
        started = time.perf_counter()
        written = write_xlsx(xlsx, rows, args.seed)
        generate_s = time.perf_counter() - started
        store = open_store(Path(folder) / "bench.sqlite3")
        started, cpu = time.perf_counter(), time.process_time()
        first = import_registry(store, xlsx, actor="benchmark")
        import_s, import_cpu_s = time.perf_counter() - started, time.process_time() - cpu
        started = time.perf_counter()
        again = import_registry(store, xlsx, actor="benchmark")
        reimport_s = time.perf_counter() - started
        store.close()
        db_mb = (Path(folder) / "bench.sqlite3").stat().st_size / 1e6
        print(f"{written} 行 .xlsx（{xlsx.stat().st_size / 1e6:.1f} MB）生成 {generate_s:.1f} s")
        print(f"导入 {import_s:.1f} s，其中本进程 CPU {import_cpu_s:.1f} s（目标 ≤ {TARGET_S} s）：{first}")
        print(f"再次导入 {reimport_s:.1f} s：{again}")
        print(json.dumps({
            "rows": written, "xlsx_mb": round(xlsx.stat().st_size / 1e6, 1), "generate_xlsx_s": round(generate_s, 1),
            "import_s": round(import_s, 1), "import_cpu_s": round(import_cpu_s, 1), "reimport_unchanged_s": round(reimport_s, 1), "target_s": TARGET_S,
            "db_mb": round(db_mb, 1), "added": first.added, "unchanged_on_reimport": again.unchanged,
        }, ensure_ascii=False))


if __name__ == "__main__":
    main()
