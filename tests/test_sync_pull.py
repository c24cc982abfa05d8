"""Pull: a late-committing central transaction is not skipped; a client killed mid-pull resumes
from its last applied page; the registry digest catches a copy that drifted."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from pathlib import Path

from sqlalchemy import func, select
from sync_fixtures import (  # noqa: F401
    centre,
    file_keyring,
    make_window,
    private_server,
)

from models.outbox import SyncNotice, SyncState
from models.registry import Organization, OrganizationName
from models.store import open_store
from registry.organizations import OrganizationRecord, bulk_add_organizations_in
from sync.pull import local_digest_in
from sync.runner import run_sync

ROOT = Path(__file__).resolve().parent.parent


def _names(store) -> set[str]:
    with store.read() as session:
        return set(session.scalars(select(Organization.name)))


def _insert_org(conn, name: str) -> None:
    conn.execute("INSERT INTO central.organizations (id, name, org_type) VALUES (%s, %s, '民办非企业单位')",
                 (uuid.uuid4(), name))


def test_a_transaction_that_commits_late_is_not_skipped(tmp_path, centre, file_keyring):
    store, cfg = make_window(tmp_path, centre, "W01")
    run_sync(store, cfg)
    with centre.admin() as late, centre.admin() as early:
        with late.transaction():
            # the late transaction writes first (smaller change-log id) but commits last
            _insert_org(late, "上海市长宁区迟到社区服务中心")
            _insert_org(early, "上海市长宁区先到社区服务中心")
            ids = early.execute("SELECT row_id, id FROM central.change_log WHERE kind = 'organization'"
                                " ORDER BY id").fetchall()
            assert len(ids) == 1  # the early one is committed; the late one is not visible yet
            run_sync(store, cfg)
            # a cursor on the log id alone would now stand past the late row; this one held back
            assert "上海市长宁区先到社区服务中心" not in _names(store)
        centre.drain()
        run_sync(store, cfg)
    assert {"上海市长宁区迟到社区服务中心", "上海市长宁区先到社区服务中心"} <= _names(store)


KILLED_PULL = """
import os, sys, keyring
sys.path[:0] = [{root!r}, {root!r} + "/tests"]
from keyrings.alt.file import PlaintextKeyring
ring = PlaintextKeyring(); ring.file_path = {keyring!r}; keyring.set_keyring(ring)
os.environ["SOREG_ALLOW_FILE_KEYRING"] = "1"
from dataclasses import replace
from sync.connection import central_settings
from sync.runner import run_sync
from models.store import open_store
store = open_store({db!r})
run_sync(store, replace(central_settings(store), snapshot_page=200))
"""


def _applied(db: Path) -> tuple[str | None, int]:
    with sqlite3.connect(db, timeout=10) as conn:
        after = conn.execute("SELECT snapshot_after_id FROM sync_state").fetchone()
        count = conn.execute("SELECT count(*) FROM organizations").fetchone()[0]
    return (after[0] if after else None), count


def test_a_client_killed_during_a_pull_resumes_from_the_last_applied_page(tmp_path, centre, file_keyring):
    with centre.admin() as conn:
        conn.execute("""INSERT INTO central.organizations (id, name, org_type)
                        SELECT gen_random_uuid(), '上海市长宁区测试' || n || '号服务中心', '民办非企业单位'
                          FROM generate_series(1, 6000) n""")
    store, cfg = make_window(tmp_path, centre, "W01")
    store.close()
    script = KILLED_PULL.format(root=str(ROOT), keyring=file_keyring.file_path, db=str(store.path))
    child = subprocess.Popen([sys.executable, "-c", script], env=os.environ.copy())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        after, count = _applied(store.path)
        if count >= 1000:
            break
        assert child.poll() is None, "the pull finished before it could be killed"
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    after, count = _applied(store.path)
    assert 0 < count < 6000 and count % 200 == 0  # whole pages only
    with centre.admin() as conn:
        upto = conn.execute("SELECT count(*) FROM central.organizations WHERE id <= %s::uuid", (after,)).fetchone()[0]
    assert upto == count  # the position saved is exactly the last page applied

    again = open_store(store.path)
    report = run_sync(again, replace(cfg, snapshot_page=200))
    assert report.snapshot_rows == 6000 - count  # only what was not applied before the kill
    with again.read() as session:
        assert session.scalar(select(func.count()).select_from(Organization)) == 6000
        assert session.scalar(select(func.count()).select_from(OrganizationName)) == 6000
        state = session.get(SyncState, 1)
        assert state.snapshot_done


def test_registry_digest_catches_a_drifted_copy_and_resnapshots(tmp_path, centre, file_keyring):
    with centre.admin() as conn:
        for n in range(5):
            _insert_org(conn, f"上海市长宁区核对{n}号服务中心")
    store, cfg = make_window(tmp_path, centre, "W01")
    first = run_sync(store, cfg)
    assert not first.registry_checked  # a copy just read whole is not compared
    with store.write() as session:
        session.get(SyncState, 1).last_digest_at = None
    second = run_sync(store, cfg)
    assert second.registry_checked and second.registry_matched
    with store.write() as session:  # the copy drifts: a row lost, a row imported behind sync's back
        session.execute(Organization.__table__.delete().where(Organization.name == "上海市长宁区核对3号服务中心"))
        bulk_add_organizations_in(session, [OrganizationRecord(name="上海市长宁区导入服务中心", org_type="民办非企业单位")])
        session.get(SyncState, 1).last_digest_at = None
    report = run_sync(store, cfg)
    assert report.registry_checked and report.registry_matched is False
    assert "上海市长宁区核对3号服务中心" in _names(store)
    # the row the centre does not have is kept and reported, never deleted (issue 12)
    assert "上海市长宁区导入服务中心" in _names(store)
    with store.read() as session:
        assert local_digest_in(session)[0] == 5
        notices = session.scalars(select(SyncNotice)).all()
    with store.write() as session:
        session.get(SyncState, 1).last_digest_at = None
    assert [(n.kind, n.reason[:16]) for n in notices] == [("仅本窗口", "“上海市长宁区导入服务中心”只在")]
    again = run_sync(store, cfg)  # and the copy now matches: no new snapshot at every check
    assert again.registry_checked and again.registry_matched and again.snapshot_rows == 0


def test_a_page_size_above_the_centres_limit_still_brings_everything(tmp_path, centre, file_keyring):
    """The centre returns at most CENTRAL_PAGE_LIMIT rows a page and a short page means "no more":
    a larger configured page must not end the first pull early."""
    from sync.pull import CENTRAL_PAGE_LIMIT

    total = CENTRAL_PAGE_LIMIT + 500
    with centre.admin() as conn:
        conn.execute("""INSERT INTO central.organizations (id, name, org_type)
                        SELECT gen_random_uuid(), '上海市长宁区页' || n || '号服务中心', '民办非企业单位'
                          FROM generate_series(1, %s) n""", (total,))
    store, cfg = make_window(tmp_path, centre, "W01")
    report = run_sync(store, replace(cfg, snapshot_page=CENTRAL_PAGE_LIMIT + 5000))
    assert report.snapshot_rows >= total
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Organization)) == total
