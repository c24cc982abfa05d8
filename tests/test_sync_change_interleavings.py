"""Property: any interleaving of changes of one organization's registered record and syncs at two
windows ends, once both have synced, with both windows and the centre on the same versions and
the same row, and every version a window made either at the centre or in 待复核."""

from __future__ import annotations

import os
import uuid
from dataclasses import replace
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sync_fixtures import centre, copy_window, file_keyring, make_window, private_server  # noqa: F401

from models.registry import Organization, OrganizationVersion
from registry.records import add_version_in, current_record, record_versions
from sync.runner import run_sync

WINDOWS = ("W01", "W02")
ORG_ID = uuid.UUID("0190a0a0-0000-7000-8000-0000000000bb")
NAME = "上海市长宁区乐龄养老服务中心"
VALUES = {
    "name": ("上海市长宁区乐龄颐养服务中心", "上海市长宁区乐龄康养服务中心"),
    "address": ("上海市长宁区仙霞路 8 号", "上海市长宁区延安西路 1 号"),
    "legal_representative": ("张敏", "王芳"),
}
_TEMPLATES: dict = {}

step = st.one_of(
    st.tuples(st.just("change"), st.sampled_from(WINDOWS), st.sampled_from(sorted(VALUES)), st.integers(0, 1)),
    st.tuples(st.just("sync"), st.sampled_from(WINDOWS)),
)


def _change(store, item: str, choice: int, n: int) -> str:
    """A 变更登记 version of one item; returns its id."""
    with store.write() as session:
        org = session.get(Organization, ORG_ID)
        before = current_record(store, ORG_ID)
        number = add_version_in(session, org, replace(before, **{item: VALUES[item][choice]}), actor=f"clerk{n}",
                                case_id=None, business="变更登记", on=date(2026, 11, 2))
        return str(session.scalar(select(OrganizationVersion.id).where(
            OrganizationVersion.organization_id == ORG_ID, OrganizationVersion.version_no == number)))


def _seen(store) -> tuple:
    """What a window shows: its versions (number, business, actor, changes) and its row."""
    versions = [(v.number, v.business, v.actor, v.changes) for v in record_versions(store, ORG_ID)]
    with store.read() as session:
        org = session.get(Organization, ORG_ID)
        return versions, (org.name, org.address, org.legal_representative, org.row_version)


@settings(max_examples=int(os.environ.get("SOREG_CHANGE_EXAMPLES", "12")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=6))
def test_changes_and_syncs_in_any_order_converge_and_lose_no_version(steps, centre, file_keyring, tmp_path):
    if _TEMPLATES.get("centre") is not centre:
        _TEMPLATES.clear()
        _TEMPLATES["centre"] = centre
        for code in WINDOWS:
            store, cfg = make_window(tmp_path / "templates", centre, code)
            store.close()
            _TEMPLATES[code] = (store.path, cfg)
    centre.reset()
    with centre.admin() as conn:
        conn.execute("DELETE FROM central.organization_versions")
        conn.execute("INSERT INTO central.organizations (id, name, org_type, address, legal_representative)"
                     " VALUES (%s, %s, '民办非企业单位', '上海市长宁区天山路 100 号', '李建国')", (ORG_ID, NAME))
    run = tmp_path / uuid.uuid4().hex
    windows = {code: (copy_window(_TEMPLATES[code][0], run / f"{code}.sqlite3"), _TEMPLATES[code][1])
               for code in WINDOWS}
    try:
        for code in WINDOWS:
            run_sync(*windows[code])
        made = set()
        for n, (kind, code, *rest) in enumerate(steps):
            if kind == "change":
                made.add(_change(windows[code][0], *rest, n))
            else:
                run_sync(*windows[code])
        for code in (*WINDOWS, *WINDOWS):
            centre.drain()
            run_sync(*windows[code])

        with centre.admin() as conn:
            central = dict(conn.execute("SELECT version_no, payload ->> 'actor' FROM central.organization_versions"
                                        ).fetchall())
            stored = {r[0] for r in conn.execute("SELECT id::text FROM central.organization_versions")}
            held = {r[0] for r in conn.execute("SELECT proposed -> 'version' ->> 'id' FROM central.review_queue")}
            row = conn.execute("SELECT name, address, legal_representative, row_version FROM central.organizations"
                               ).fetchone()
        assert made <= stored | held, steps  # no version lost
        seen = [_seen(store) for store, _ in windows.values()]
        assert seen[0] == seen[1], steps  # both windows converge …
        versions, local_row = seen[0]
        assert local_row == row, steps  # … on the centre's row and versions
        assert sorted(number for number, *_ in versions) == (sorted(central) or [1]), steps
        assert {number: actor for number, _, actor, _ in versions if number > 1} == {
            number: actor for number, actor in central.items() if number > 1}, steps
    finally:
        for store, _ in windows.values():
            store.close()
