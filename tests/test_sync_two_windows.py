"""Two windows and one centre: offline work on both, synced in either order, ends the same."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select
from sync_fixtures import Centre, centre, file_keyring, make_window, private_server  # noqa: F401
from workflow_fixtures import GROUP_FORM, SERVICE_FORM, form

from accounts.users import create_user
from models.accounts import Role
from models.audit import record_event_in, verify_chain_in
from models.base import Base
from models.outbox import SYNCED_TABLES, WINDOW_TABLES, OutboxOp, SyncNotice
from models.registry import NameVariant, Organization, OrganizationName
from registry.name_check import check_name
from registry.organizations import OrganizationRecord, add_organization_in
from sync.runner import run_sync, sync_status
from workflow.intake import open_case

CLASH = "上海市长宁区晨曦社区服务中心"


def _register(store, name: str, org_type: str = "民办非企业单位"):
    with store.write() as session:
        org = add_organization_in(session, OrganizationRecord(name=name, org_type=org_type,
                                                           established_on=date(2026, 11, 1)), actor="clerk")
        return org.id


def _offline_work(store, code: str, own_name: str, case_name: str):
    clerk = create_user(store, username=f"clerk{code}", display_name="受理员", password="pw-123456789",
                        roles=frozenset({Role.CLERK}), actor="system")
    base = SERVICE_FORM if code == "W01" else GROUP_FORM
    open_case(store, form(base, name=case_name), user=clerk, today=date(2026, 11, 20))
    _register(store, CLASH)
    _register(store, own_name)
    with store.write() as session:
        record_event_in(session, actor="clerk", action="note", record_type="case", record_id=f"{code}-note", after={"n": 1})


def _local_rows(store) -> set[tuple[str, str, int]]:
    """(table, row id, row_version) of every window-owned row the store holds."""
    rows = set()
    with store.read() as session:
        for name in WINDOW_TABLES:
            table = Base.metadata.tables.get(name)
            if table is None or "row_version" not in table.c:
                continue
            for row_id, version in session.execute(select(table.c.id, table.c.row_version)):
                rows.add((name, str(row_id), version))
    return rows


def _central_rows(centre: Centre, code: str) -> set[tuple[str, str, int]]:
    with centre.admin() as conn:
        return set(conn.execute("SELECT table_name, row_id, row_version FROM central.window_records"
                                " WHERE window_code = %s", (code,)).fetchall())


@pytest.mark.parametrize("order", [("W01", "W02"), ("W02", "W01")])
def test_offline_work_on_two_windows_converges_in_either_order(tmp_path, centre, file_keyring, order):
    windows = {code: make_window(tmp_path / code, centre, code) for code in ("W01", "W02")}
    _offline_work(windows["W01"][0], "W01", "上海市长宁区北新泾养老服务中心", "上海市长宁区乐龄社区服务中心")
    _offline_work(windows["W02"][0], "W02", "上海市长宁区仙霞文化服务中心", "上海市长宁区养老服务协会")
    queued = {}
    for code, (store, _) in windows.items():
        with store.read() as session:
            queued[code] = session.scalar(select(func.count()).select_from(OutboxOp))
            tables = set(session.scalars(select(OutboxOp.table_name).distinct()))
        assert {"cases", "case_persons", "case_steps", "audit_events", "organizations"} <= tables
    first, second = order
    for code in (first, second, first):
        run_sync(*windows[code])
    # each pull is audited locally, and the audit event goes up with the next sync: settle
    for _ in range(3):
        for code in order:
            centre.drain()
            run_sync(*windows[code])

    with centre.admin() as conn:
        received = dict(conn.execute("SELECT window_code, count(*) FROM central.received_ops GROUP BY 1").fetchall())
        names = [r[0] for r in conn.execute("SELECT name FROM central.organizations ORDER BY name")]
        reviews = conn.execute("SELECT window_code, existing_window, status, proposed->>'name'"
                               " FROM central.review_queue").fetchall()
        dupes = conn.execute("SELECT count(*) FROM (SELECT window_code, op_id FROM central.received_ops"
                             " GROUP BY 1, 2 HAVING count(*) > 1) d").fetchone()[0]
    # nothing lost, nothing twice: every op answered once, every local row held centrally
    assert all(received[code] > queued[code] for code in queued)
    assert dupes == 0
    for code, (store, _) in windows.items():
        assert _local_rows(store) == _central_rows(centre, code)
    # the clashing name is in the registry once, from the window that synced first; the other is held
    assert sorted(names) == sorted([CLASH, "上海市长宁区北新泾养老服务中心", "上海市长宁区仙霞文化服务中心"])
    assert reviews == [(second, first, "待复核", CLASH)]
    for code, (store, _) in windows.items():
        with store.read() as session:
            notices = session.scalars(select(SyncNotice)).all()
            local_names = set(session.scalars(select(Organization.name)))
            indexed = set(session.scalars(select(OrganizationName.name).where(OrganizationName.is_current)))
            variants = session.scalar(select(func.count()).select_from(NameVariant))
            assert verify_chain_in(session).ok
        assert [n.kind for n in notices] == ["待复核"]
        assert CLASH in notices[0].reason and notices[0].status == "待复核"
        # each window now holds the other's accepted registration, indexed for the name check
        assert {"上海市长宁区北新泾养老服务中心", "上海市长宁区仙霞文化服务中心", CLASH} <= local_names
        assert {"上海市长宁区北新泾养老服务中心", "上海市长宁区仙霞文化服务中心"} <= indexed
        assert variants > 0
        status = sync_status(store)
        assert status.pending == 0 and status.last_sync_at is not None and status.last_error is None
        # the other window's registration is found by the one-character rule (a replaced character)
        other = check_name(store, "上海市长宁区仙霞文化服饰中心", "民办非企业单位", date.today())
        assert any(f.level == "warn" and "上海市长宁区仙霞文化服务中心" in f.organizations for f in other.findings)


def test_window_keys_and_reference_data_come_down(tmp_path, centre, file_keyring):
    from models.outbox import CentralReference
    from models.signing import WindowKey

    w1, s1 = make_window(tmp_path / "a", centre, "W01")
    w2, s2 = make_window(tmp_path / "b", centre, "W02")
    with w1.write() as session:
        session.add(WindowKey(key_id="W01-ABC123", window_code="W01", public_key="ab" * 32))
    with centre.admin() as conn:
        conn.execute("INSERT INTO central.reference_data (key, value) VALUES ('case_rules', %s)",
                     (json.dumps({"limit_days": 20}),))
    run_sync(w1, s1)
    run_sync(w2, s2)
    with w2.read() as session:
        keys = session.scalars(select(WindowKey.key_id)).all()
        ref = session.get(CentralReference, "case_rules")
    assert keys == ["W01-ABC123"]
    assert json.loads(ref.value) == {"limit_days": 20}


def test_every_synced_table_name_is_known_to_the_centre(centre):
    with centre.admin() as conn:
        central = {r[0] for r in conn.execute("SELECT table_name FROM central.synced_tables")}
    assert central == set(SYNCED_TABLES)


def test_a_change_based_on_an_outdated_version_is_held_for_review_not_overwritten(tmp_path, centre, file_keyring):
    from registry.organizations import change_status_in

    with centre.admin() as conn:
        conn.execute("INSERT INTO central.organizations (id, name, org_type) VALUES"
                     " ('0190a0a0-0000-7000-8000-000000000001', '上海市长宁区华阳社区服务中心', '民办非企业单位')")
    w1, s1 = make_window(tmp_path / "a", centre, "W01")
    w2, s2 = make_window(tmp_path / "b", centre, "W02")
    run_sync(w1, s1)
    run_sync(w2, s2)
    org_id = __import__("uuid").UUID("0190a0a0-0000-7000-8000-000000000001")
    with w1.write() as session:
        change_status_in(session, org_id, "已注销", changed_on=date(2026, 11, 20), actor="clerk")
    with w2.write() as session:
        change_status_in(session, org_id, "已撤销", changed_on=date(2026, 11, 21), actor="clerk")
    first = run_sync(w1, s1)
    second = run_sync(w2, s2)
    centre.drain()
    run_sync(w1, s1)
    run_sync(w2, s2)
    assert first.held_for_review == 0 and second.held_for_review == 1
    with centre.admin() as conn:
        status, version, by = conn.execute("SELECT status, row_version, changed_by_window FROM central.organizations"
                                           " WHERE id = %s", (org_id,)).fetchone()
        review = conn.execute("SELECT window_code, existing_window, proposed->>'status' FROM central.review_queue"
                              ).fetchall()
    assert (status, version, by) == ("已注销", 2, "W01")
    assert review == [("W02", "W01", "已撤销")]
    for store in (w1, w2):
        with store.read() as session:
            assert session.get(Organization, org_id).status == "已注销"  # the centre's, everywhere
            notices = session.scalars(select(SyncNotice)).all()
        assert [n.kind for n in notices] == ["待复核"] and "已有更新" in notices[0].reason


def test_a_refused_op_becomes_a_notice_and_does_not_block_the_queue(tmp_path, centre, file_keyring):
    with centre.admin() as conn:
        conn.execute("INSERT INTO central.organizations (id, name, org_type) VALUES"
                     " ('0190a0a0-0000-7000-8000-000000000002', '上海市长宁区江苏路文化服务中心', '民办非企业单位')")
    store, cfg = make_window(tmp_path, centre, "W01")
    run_sync(store, cfg)
    org_id = __import__("uuid").UUID("0190a0a0-0000-7000-8000-000000000002")
    with store.write() as session:
        session.delete(session.get(Organization, org_id))
        record_event_in(session, actor="clerk", action="organization.delete", record_type="organization",
                     record_id=org_id)
    with store.write() as session:
        record_event_in(session, actor="clerk", action="case.note", record_type="case", record_id="after-refusal")
    report = run_sync(store, cfg)
    assert report.rejected == 1
    with store.read() as session:
        notices = session.scalars(select(SyncNotice)).all()
    assert [(n.kind, n.reason) for n in notices] == [("被拒绝", "登记库中的组织不能由窗口删除")]
    with centre.admin() as conn:
        actions = {r[0] for r in conn.execute(
            "SELECT payload->>'action' FROM central.window_records WHERE window_code = 'W01'")}
        still = conn.execute("SELECT count(*) FROM central.organizations WHERE id = %s", (org_id,)).fetchone()[0]
    assert {"organization.delete", "case.note"} <= actions and still == 1
    with store.read() as session:  # the refused op was acknowledged too: only the pull's own audit waits
        waiting = [json.loads(op.payload)["action"] for op in session.scalars(select(OutboxOp))]
    assert all(action.startswith("sync.") for action in waiting), waiting


def test_own_registrations_held_for_review_survive_a_first_snapshot_whatever_the_page_order(
        tmp_path, centre, file_keyring):
    """A window whose first sync pushes registrations the centre holds for review keeps them
    all, although the snapshot's organization pages (which drop local rows the centre does not
    hold) come before its review pages and the review items come in random id order."""
    from dataclasses import replace

    w1, s1 = make_window(tmp_path / "a", centre, "W01")
    w2, s2 = make_window(tmp_path / "b", centre, "W02")
    _register(w1, CLASH)
    run_sync(w1, s1)
    held = {_register(w2, CLASH) for _ in range(3)}
    # one row a page: the organization range closes with the first review, the others follow
    report = run_sync(w2, replace(s2, snapshot_page=1))
    assert report.held_for_review == 3
    with w2.read() as session:
        names = session.execute(select(Organization.id, Organization.name)).all()
        notices = session.scalars(select(SyncNotice)).all()
    assert held <= {org_id for org_id, _ in names}
    assert [name for _, name in names] == [CLASH] * 4
    assert sorted((n.kind, n.row_id) for n in notices) == sorted(("待复核", str(i)) for i in held)
    assert all(n.reason == f"本窗口登记的“{CLASH}”已转中心待复核：名称“{CLASH}”已由窗口 W01登记。" for n in notices)
