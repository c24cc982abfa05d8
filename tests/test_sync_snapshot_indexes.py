"""A first snapshot into an empty window loads without the registry's secondary indexes and
builds them at its end: afterwards, and after a window killed mid-snapshot is reopened, every
index of the registry tables is there exactly as a freshly migrated store has it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from sync_fixtures import (  # noqa: F401
    centre,
    file_keyring,
    make_window,
    private_server,
)

from sqlalchemy import select

from models.outbox import SyncNotice
from models.registry import Organization
from models.store import open_store
from registry.name_check import check_name
from registry.organizations import OrganizationRecord, add_organization_in
from sync.runner import run_sync
from registry.registry_indexes import ensure_registry_indexes

ROOT = Path(__file__).resolve().parent.parent
REGISTRY_TABLES = ("organizations", "organization_names", "name_variants")


def _indexes(db: Path) -> dict[str, tuple]:
    """Every index of the registry tables: name -> (table, unique, origin, partial, columns)."""
    with sqlite3.connect(db, timeout=10) as conn:
        shape = {}
        for table in REGISTRY_TABLES:
            for _seq, name, unique, origin, partial in conn.execute(f"PRAGMA index_list({table})"):
                columns = tuple(r[2] for r in conn.execute(f"PRAGMA index_info({name})"))
                shape[name] = (table, unique, origin, partial, columns)
    return shape


def _fresh_indexes(tmp_path: Path) -> dict[str, tuple]:
    fresh = open_store(tmp_path / "fresh" / "fresh.sqlite3")
    fresh.close()
    return _indexes(fresh.path)


def _fill_centre(centre, count: int) -> None:
    with centre.admin() as conn:
        conn.execute("""INSERT INTO central.organizations (id, name, org_type)
                        SELECT gen_random_uuid(), '上海市长宁区索引' || n || '号服务中心', '民办非企业单位'
                          FROM generate_series(1, %s) n""", (count,))


def test_a_snapshot_into_an_empty_window_leaves_every_registry_index(tmp_path, centre, file_keyring):
    _fill_centre(centre, 450)
    store, cfg = make_window(tmp_path, centre, "W01")
    report = run_sync(store, replace(cfg, snapshot_page=100))  # five pages: the first drops, the end builds
    assert report.snapshot_rows == 450
    assert _indexes(store.path) == _fresh_indexes(tmp_path)
    with store.read() as session:
        plan = session.connection().exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT name_id FROM name_variants WHERE variant = 'x'").all()
    assert any("ix_name_variants_variant" in row[-1] for row in plan)


KILLED_PULL = """
import os, sys, keyring
sys.path[:0] = [{root!r}, {root!r} + "/tests"]
from keyrings.alt.file import PlaintextKeyring
ring = PlaintextKeyring(); ring.file_path = {keyring!r}; keyring.set_keyring(ring)
os.environ["SOREG_ALLOW_FILE_KEYRING"] = "1"
from dataclasses import replace
from datetime import date
from sync.connection import central_settings
from sync.runner import run_sync
from models.store import open_store
store = open_store({db!r})
run_sync(store, replace(central_settings(store), snapshot_page=200))
"""


def _killed_mid_snapshot(tmp_path: Path, centre, file_keyring, code: str) -> tuple:
    """A window whose first pull of 6000 organizations was killed after some pages."""
    store, cfg = make_window(tmp_path / code, centre, code)
    store.close()
    script = KILLED_PULL.format(root=str(ROOT), keyring=file_keyring.file_path, db=str(store.path))
    child = subprocess.Popen([sys.executable, "-c", script], env=os.environ.copy())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with sqlite3.connect(store.path, timeout=10) as conn:
            if conn.execute("SELECT count(*) FROM organizations").fetchone()[0] >= 1000:
                break
        assert child.poll() is None, "the pull finished before it could be killed"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    return store.path, cfg


def test_a_window_killed_mid_snapshot_ends_with_every_registry_index(tmp_path, centre, file_keyring):
    _fill_centre(centre, 6000)
    fresh = _fresh_indexes(tmp_path)
    db, cfg = _killed_mid_snapshot(tmp_path, centre, file_keyring, "W01")
    left = _indexes(db)
    assert "ix_name_variants_variant" not in left and left.items() <= fresh.items()  # the load went without them

    again = open_store(db)
    report = run_sync(again, replace(cfg, snapshot_page=200))
    assert 0 < report.snapshot_rows < 6000  # it resumed, and built the indexes at its end
    assert _indexes(db) == fresh


def test_the_name_check_side_rebuilds_indexes_a_killed_snapshot_left_out(tmp_path, centre, file_keyring):
    _fill_centre(centre, 6000)
    db, _cfg = _killed_mid_snapshot(tmp_path, centre, file_keyring, "W02")
    store = open_store(db)
    assert ensure_registry_indexes(store) > 0  # offline: no pull to resume, the reader builds them
    assert _indexes(db) == _fresh_indexes(tmp_path)
    assert ensure_registry_indexes(store) == 0
    with sqlite3.connect(db) as conn:
        loaded = conn.execute("SELECT name FROM organizations ORDER BY id LIMIT 1").fetchone()[0]
    result = check_name(store, loaded, "民办非企业单位", date.today())
    assert result.verdict == "reject"  # the loaded organization is found through the rebuilt index
    assert any(loaded in str(f.to_dict()) for f in result.findings)


class _RegistersAfterFirstPage:
    """A clerk who registers an organization while the first pull is between its pages (the
    window stays usable during a pull), holding a credit code the centre gives to another."""

    cancelled = False

    def __init__(self, store, code: str) -> None:
        self.store, self.code, self.done = store, code, False

    def report(self, done: int, total: int | None = None, text: str = "") -> None:
        if not self.done and done > 0:
            with self.store.write() as session:
                add_organization_in(session, OrganizationRecord(
                    name="上海市长宁区同号社区服务中心", org_type="民办非企业单位", credit_code=self.code,
                    established_on=date(2026, 11, 1)), actor="clerk")
            self.done = True


def test_a_registration_made_during_a_first_pull_loses_a_code_the_centre_gives_to_another(
        tmp_path, centre, file_keyring):
    code = "52310105MJ0000099F"
    _fill_centre(centre, 300)
    with centre.admin() as conn:  # the last id: it comes with the snapshot's last page, after the clerk's write
        conn.execute("INSERT INTO central.organizations (id, name, org_type, credit_code) VALUES"
                     " ('ffffffff-ffff-4fff-bfff-ffffffffffff', '上海市长宁区中心登记服务中心', '民办非企业单位', %s)",
                     (code,))
    store, cfg = make_window(tmp_path, centre, "W01")
    clerk = _RegistersAfterFirstPage(store, code)
    run_sync(store, replace(cfg, snapshot_page=100), progress=clerk)
    assert clerk.done
    with store.read() as session:
        holders = session.execute(select(Organization.name, Organization.credit_code)
                                  .where(Organization.name.in_(["上海市长宁区同号社区服务中心",
                                                                "上海市长宁区中心登记服务中心"]))).all()
        notices = session.scalars(select(SyncNotice.reason)).all()
    assert sorted(holders) == [("上海市长宁区中心登记服务中心", code), ("上海市长宁区同号社区服务中心", None)]
    assert any(code in n and "已从本窗口记录中移除" in n for n in notices)
    assert _indexes(store.path) == _fresh_indexes(tmp_path)  # the load went on without its indexes and built them
