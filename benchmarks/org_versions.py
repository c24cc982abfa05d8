"""Benchmark of opening an organization's page (登记库 → 组织详情) with 20 versions of its record.

Builds (or reuses, by path) a registry of synthetic organizations with ``registry/demo.py``,
gives 1,000 of them 5 versions each and one of them 20 (version 1 is the imported record,
materialized when the second is added; each later one changes the address and the persons in
office), then times ``registry.records.organization_page`` — everything the page shows, in one
read — for the organization with 20 versions. Prints p50/max in ms; the last line is one JSON
object.

    python benchmarks/org_versions.py            # 1,000,000 organizations
    python benchmarks/org_versions.py --quick    # 20,000 organizations
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from benchmarks.namecheck import registry_store  # noqa: E402
from models.registry import Organization, OrganizationVersion  # noqa: E402
from registry.records import (  # noqa: E402
    PersonInOffice,
    RegisteredRecord,
    ScopeItem,
    add_version_in,
    current_record,
    current_record_in,
    organization_page,
)

VERSIONS = 20
OTHERS, OTHER_VERSIONS = 1000, 5


def _changed(record: RegisteredRecord, n: int) -> RegisteredRecord:
    """The record as the n-th change leaves it: a new address, scope and persons in office."""
    persons = tuple(PersonInOffice(f"负责人{n}{i}", f"31010519700101{n:02d}{i:1d}X"[:18], ("负责人",), "理事",
                                   date(2026, 1, 1) + timedelta(days=n)) for i in range(3))
    return RegisteredRecord(**{**record.__dict__, "address": f"上海市长宁区长宁路 {n} 号",
                               "scope": (ScopeItem(f"开展第{n}项社区服务"), ScopeItem("组织交流活动")),
                               "funds_yuan": 30000 + n, "persons": persons})


def add_versions(store, org_ids: list, count: int) -> None:
    """Bring each organization of ``org_ids`` to ``count`` versions, in one write transaction."""
    with store.write() as session:
        for org_id in org_ids:
            org = session.get(Organization, org_id)
            record = current_record_in(session, org)
            for n in range(2, count + 1):
                record = _changed(record, n)
                add_version_in(session, org, record, actor="benchmark", case_id=None, business="变更登记",
                               on=date(2026, 1, 1) + timedelta(days=n))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20,000 organizations instead of 1,000,000")
    parser.add_argument("--db", type=Path, help="database to build or reuse (default: /tmp/soreg-bench/org-versions-N.sqlite3)")
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    count = 20_000 if args.quick else 1_000_000
    path = args.db or Path(f"/tmp/soreg-bench/org-versions-{count}.sqlite3")
    path.parent.mkdir(parents=True, exist_ok=True)
    store, built_s = registry_store(path, count, seed=7)
    with store.read() as session:
        with_versions = session.scalar(select(func.count(func.distinct(OrganizationVersion.organization_id))))
        ids = list(session.scalars(select(Organization.id).order_by(Organization.id).limit(OTHERS + 1)))
    started = time.perf_counter()
    if not with_versions:
        add_versions(store, ids[1:], OTHER_VERSIONS)
        add_versions(store, ids[:1], VERSIONS)
    versions_s = time.perf_counter() - started
    target = ids[0]

    first = time.perf_counter()
    page = organization_page(store, target)
    first_ms = (time.perf_counter() - first) * 1000
    assert len(page.versions) == VERSIONS and page.record == current_record(store, target)
    times = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        organization_page(store, target)
        times.append((time.perf_counter() - t) * 1000)
    with store.read() as session:
        organizations = session.scalar(select(func.count()).select_from(Organization))
        version_rows = session.scalar(select(func.count()).select_from(OrganizationVersion))
    store.close()
    result = {
        "benchmark": "org_versions", "organizations": organizations, "version_rows": version_rows,
        "versions_of_the_organization": VERSIONS, "open_first_ms": round(first_ms, 2),
        "open_p50_ms": round(statistics.median(times), 2), "open_max_ms": round(max(times), 2),
        "target_ms": 100, "build_s": round(built_s, 1) if built_s is not None else None,
        "versions_build_s": round(versions_s, 1), "repeat": args.repeat,
    }
    print(f"organization page with {VERSIONS} versions among {organizations:,} organizations: "
          f"p50 {result['open_p50_ms']} ms, max {result['open_max_ms']} ms (first {result['open_first_ms']} ms)")
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
