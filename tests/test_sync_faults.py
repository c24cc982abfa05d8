"""Fault injection: connections cut before a request, after the centre commits but before the
answer arrives, and in the middle of a pull; after reconnecting, the end state is the one a
fault-free run of the same work reaches (Hypothesis over op sequences and cut points)."""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from dataclasses import replace
from datetime import date

import psycopg
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sync_fixtures import (  # noqa: F401
    Centre,
    centre,
    copy_window,
    file_keyring,
    make_window,
    private_server,
)
from tcp_proxy import FaultProxy

from models.audit import record_event_in
from models.base import Base
from models.errors import SoregError
from models.outbox import WINDOW_TABLES, OutboxOp, SyncNotice
from models.registry import Organization
from registry.organizations import OrganizationRecord, add_organization_in
from sync.runner import run_sync

WINDOWS = ("W01", "W02")
NAMES = ("上海市长宁区晨曦社区服务中心", "上海市长宁区虹桥文化服务中心", "上海市长宁区天山体育俱乐部")
PUSH, PULL = (b"sync_push_v2",), (b"sync_pull_v1", b"sync_snapshot_v2")
CUTS = {
    "before_push": {"markers": PUSH, "when": "before"},
    "after_push_commit": {"markers": PUSH, "when": "after_commit"},
    "mid_pull": {"markers": PULL, "when": "mid_response", "after_bytes": 40},
    "before_pull": {"markers": PULL, "when": "before"},
}
# small pages and batches, so that a pull or a push takes several round trips to cut between
SMALL = {"push_batch": 3, "pull_page": 2, "snapshot_page": 2, "code_block_threshold": 1, "code_block_size": 5}


@pytest.fixture
def proxy(centre):
    info = psycopg.conninfo.conninfo_to_dict(centre.admin_url)
    p = FaultProxy(info.get("host", "127.0.0.1"), int(info.get("port", 5432)))
    yield p
    p.close()


def _record(store, n: int) -> None:
    with store.write() as session:
        record_event_in(session, actor="clerk", action="case.note", record_type="case", record_id=f"case-{n}",
                     after={"n": n})


def _register(store, name: str) -> None:
    with store.write() as session:
        add_organization_in(session, OrganizationRecord(name=name, org_type="民办非企业单位",
                                                     established_on=date(2026, 11, 2)), actor="clerk")


def _sync(window, proxy: FaultProxy | None, cut: str | None, occurrence: int) -> bool:
    """One sync; with a cut armed, the cut sync fails and the window reconnects at once."""
    store, cfg = window
    if proxy is None or cut is None:
        run_sync(store, cfg)
        return False
    proxy.arm(**CUTS[cut], occurrence=occurrence)
    try:
        run_sync(store, cfg)
    except SoregError as exc:
        assert "同步中断" in str(exc)
    proxy.disarm()
    fired = proxy.fired.is_set()
    run_sync(store, cfg)
    return fired


def _settle(centre: Centre, windows: dict) -> None:
    """Last syncs without faults — W01, W02 (which pushes last, then pulls all), W01 again —
    each once the change log can be pulled whole."""
    for code in ("W01", "W02", "W01"):
        centre.drain()
        run_sync(*windows[code])


def _templates(centre: Centre, folder, proxy: FaultProxy) -> dict:
    templates = {}
    for code in WINDOWS:
        store, cfg = make_window(folder / "templates", centre, code, port=proxy.port)
        store.close()
        templates[code] = (store.path, replace(cfg, **SMALL))
    return templates


def _run(steps, centre: Centre, folder, templates: dict, proxy: FaultProxy, faults: bool) -> dict:
    centre.reset()
    windows = {code: (copy_window(path, folder / f"{code}.sqlite3"), cfg) for code, (path, cfg) in templates.items()}
    fired = []
    for step in steps:
        kind, code = step[0], step[1]
        if kind == "record":
            _record(windows[code][0], step[2])
        elif kind == "register":
            _register(windows[code][0], step[2])
        else:
            fired.append(_sync(windows[code], proxy if faults else None, step[2], step[3]))
    _settle(centre, windows)
    state = _state(centre, windows)
    for store, _ in windows.values():
        store.close()
    state["fired"] = fired
    return state


def _unsynced(store) -> set[str]:
    with store.read() as session:
        return set(session.scalars(select(OutboxOp.row_id)))


def _state(centre: Centre, windows: dict) -> dict:
    """The end state, without generated ids, times and the sync's own bookkeeping events."""
    with centre.admin() as conn:
        orgs = Counter(conn.execute("SELECT name, origin_window, row_version, status FROM central.organizations"
                                    ).fetchall())
        reviews = Counter(conn.execute("SELECT window_code, existing_window, status, proposed->>'name'"
                                       " FROM central.review_queue").fetchall())
        events = Counter(
            (w, p["action"], p["summary"]) for w, p in conn.execute(
                "SELECT window_code, payload FROM central.window_records WHERE table_name = 'audit_events'")
            if not p["action"].startswith(("sync.", "codes."))
        )
        by_id = {}
        for w, t, r, v in conn.execute("SELECT window_code, table_name, row_id, row_version FROM central.window_records"):
            by_id[(w, t, r)] = v
        duplicates = conn.execute("SELECT count(*) FROM (SELECT 1 FROM central.received_ops"
                                  " GROUP BY window_code, op_id HAVING count(*) > 1) d").fetchone()[0]
    local = {}
    for code, (store, _) in windows.items():
        unsynced = _unsynced(store)
        with store.read() as session:
            for name in WINDOW_TABLES:
                table = Base.metadata.tables.get(name)
                if table is None or "row_version" not in table.c:
                    continue
                for row_id, version in session.execute(select(table.c.id, table.c.row_version)):
                    if str(row_id) not in unsynced:
                        # every row the window made and synced is at the centre, at its version
                        assert by_id.get((code, name, str(row_id))) == version, (code, name, row_id)
            local[code] = (
                Counter(session.scalars(select(Organization.name))),
                Counter((n.kind, n.reason) for n in session.scalars(select(SyncNotice))),
            )
    assert duplicates == 0
    return {"orgs": orgs, "reviews": reviews, "events": events, "local": local}


_TEMPLATES: dict = {}

step = st.one_of(
    st.tuples(st.just("record"), st.sampled_from(WINDOWS), st.integers(0, 9)),
    st.tuples(st.just("register"), st.sampled_from(WINDOWS), st.sampled_from(NAMES)),
    st.tuples(st.just("sync"), st.sampled_from(WINDOWS), st.sampled_from(sorted(CUTS)), st.integers(1, 3)),
)


@settings(max_examples=int(os.environ.get("SOREG_SYNC_EXAMPLES", "200")), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=6))
def test_cuts_anywhere_end_in_the_fault_free_state(steps, centre, file_keyring, proxy, tmp_path):
    if "templates" not in _TEMPLATES or _TEMPLATES["centre"] is not centre:
        _TEMPLATES.update(centre=centre, templates=_templates(centre, tmp_path, proxy))
    run = tmp_path / uuid.uuid4().hex
    expected = _run(steps, centre, run / "clean", _TEMPLATES["templates"], proxy, faults=False)
    actual = _run(steps, centre, run / "faulty", _TEMPLATES["templates"], proxy, faults=True)
    for fired in actual["fired"]:
        event(f"cut fired: {fired}")
    assert not any(expected["fired"])
    del expected["fired"], actual["fired"]
    assert actual == expected, json.dumps(steps, ensure_ascii=False)


@pytest.mark.parametrize("cut", sorted(CUTS))
def test_each_cut_fires_and_the_retry_completes(cut, centre, file_keyring, proxy, tmp_path):
    """Each kind of cut really interrupts a sync (so the property test exercises all of them)."""
    store, cfg = make_window(tmp_path / "w", centre, "W01", port=proxy.port)
    cfg = replace(cfg, **SMALL)
    other, other_cfg = make_window(tmp_path / "o", centre, "W02")
    for name in NAMES:
        _register(other, name)
    run_sync(other, other_cfg)
    for n in range(5):
        _record(store, n)
    assert _sync((store, cfg), proxy, cut, 1) is True
    with store.read() as session:
        # all that waits is the audit trail of the sync's own pull, which goes up next time
        left = [json.loads(op.payload)["action"] for op in session.scalars(select(OutboxOp))]
        assert all(a.startswith(("sync.", "codes.")) for a in left), left
        assert set(session.scalars(select(Organization.name))) == set(NAMES)
