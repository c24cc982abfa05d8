"""The failures of issue 12 that a careless or hostile window caused, each tried again: bad values
in an op, big payloads, the code pool, another window's registration, other databases and
function sources. Ops go through the window's own role straight to the centre's functions."""

from __future__ import annotations

import json
import uuid
from datetime import date

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import select
from sync_fixtures import centre, file_keyring, make_window, private_server, push_raw, raw_op  # noqa: F401
from test_sync_two_windows import _register

from models.outbox import SyncNotice
from models.registry import Organization
from registry.organizations import change_status_in
from sync.runner import run_sync

NAME = "上海市长宁区新华社区服务中心"


def _org_payload(org_id: str, **changes) -> dict:
    payload = {"id": org_id, "created_at": "2026-11-20T09:00:00", "updated_at": "2026-11-20T09:00:00",
               "row_version": 1, "name": NAME, "org_type": "民办非企业单位", "status": "正常",
               "status_changed_on": None, "credit_code": None, "field": "社区服务", "form": "中心", "zihao": "新华",
               "street_code": None, "address": None, "legal_representative": None, "sponsor": None,
               "established_on": "2026-11-20", "certificate_valid_until": None, "rating": None,
               "on_abnormal_list": False, "on_dishonest_list": False, "former_names": [],
               "name_index": [{"name": NAME, "is_current": True, "renamed_on": None, "org_type": "民办非企业单位",
                               "compare_key": "新华", "compare_pinyin": "xinhua", "field": "社区服务", "form": "中心"}]}
    return payload | changes


def _note(window: str, n: int = 0) -> dict:
    """A valid audit event of ``window``, as its outbox sends one."""
    event_id = str(uuid.uuid4())
    return raw_op(window, "audit_events", event_id, {
        "id": event_id, "created_at": "2026-11-20T09:00:00", "updated_at": "2026-11-20T09:00:00", "row_version": 1,
        "seq": n + 1, "actor": "clerk", "action": "case.note", "record_type": "case", "record_id": f"c{n}",
        "summary": "{}", "prev_hash": "0" * 64, "hash": "1" * 64})


def test_is_current_maybe_is_refused_alone_and_every_pull_still_works(tmp_path, centre, file_keyring):
    """Issue 12: a name index with ``is_current: "maybe"`` was stored and made every pull fail."""
    store, settings = make_window(tmp_path / "w2", centre, "W02")
    centre.add_window("W01")
    org_id = str(uuid.uuid4())
    bad = _org_payload(org_id)
    bad["name_index"][0]["is_current"] = "maybe"
    with centre.window_conn("W01") as conn:
        answer = push_raw(conn, [_note("W01", 1), raw_op("W01", "organizations", org_id, bad), _note("W01", 2)])
    [problem] = answer["problems"]
    assert problem["status"] == "rejected"
    assert problem["reason"] == "名称索引第 1 项：是否现名应为 true 或 false"
    with centre.admin() as conn:
        assert conn.execute("SELECT count(*) FROM central.organizations").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM central.window_records WHERE window_code = 'W01'"
                            ).fetchone()[0] == 2
    centre.drain()
    run_sync(store, settings)  # the other window's pull works
    with store.read() as session:
        assert session.scalars(select(Organization)).all() == []


def test_even_the_function_owner_cannot_store_an_invalid_name_index(centre):
    with centre.admin() as conn:
        db = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(f'SET ROLE "{db}_sync_owner"')
        with pytest.raises(errors.CheckViolation):
            conn.execute("INSERT INTO central.organizations (id, name, org_type, name_index) VALUES"
                         " (gen_random_uuid(), %s, '民办非企业单位', %s)",
                         (NAME, json.dumps([{"name": NAME, "is_current": "maybe"}])))


@pytest.mark.parametrize("megabytes", [10, 100])
def test_big_payloads_are_refused_and_never_stored(centre, megabytes):
    """Issue 12: payloads of 10 MB and 100 MB were accepted, and each stored twice."""
    centre.add_window("W01")
    case_id = str(uuid.uuid4())
    op = raw_op("W01", "cases", case_id, {"id": case_id, "name": "宗" * (megabytes * 2**20 // 3)})
    with centre.window_conn("W01") as conn:
        answer = push_raw(conn, [op, _note("W01")])
    if megabytes == 10:  # refused alone; the op beside it goes in
        [problem] = answer["problems"]
        assert problem["status"] == "rejected" and problem["reason"].startswith("数据超过 1048576 字节的上限")
    else:  # the whole call is over the centre's limit for one call: nothing of it is taken
        assert answer["refused"].startswith("本次上传超过中心对一次上传的上限")
    with centre.admin() as conn:
        stored = conn.execute(
            "SELECT coalesce(sum(pg_column_size(payload)), 0) FROM central.window_records").fetchone()[0]
        logged = conn.execute(
            "SELECT coalesce(sum(pg_column_size(payload)), 0) FROM central.received_ops").fetchone()[0]
        used = conn.execute("SELECT bytes_received FROM central.window_usage WHERE window_code = 'W01'").fetchone()[0]
    assert stored < 10_000 and logged == 0
    assert used > megabytes * 2**20  # what it sent counts against its quota all the same


def test_the_byte_quota_stops_a_window_and_keeps_its_ops(tmp_path, centre, file_keyring):
    from models.audit import record_event_in
    from sync.central_admin import set_window_limits

    store, settings = make_window(tmp_path, centre, "W01")
    run_sync(store, settings)
    set_window_limits(centre.admin_url, "W01", bytes_per_day=1)
    with store.write() as session:
        record_event_in(session, actor="clerk", action="case.note", record_type="case", record_id="c1")
    from models.errors import SoregError

    with pytest.raises(SoregError, match="今日上传量已达中心设定的上限"):
        run_sync(store, settings)
    from sync.runner import sync_status

    status = sync_status(store)
    assert status.pending > 0 and "今日上传量" in status.last_error
    set_window_limits(centre.admin_url, "W01", bytes_per_day=None)  # back to the centre's default
    run_sync(store, settings)
    with centre.admin() as conn:
        assert conn.execute("SELECT count(*) FROM central.window_records WHERE payload->>'record_id' = 'c1'"
                            ).fetchone()[0] == 1


def test_the_code_pool_cannot_be_emptied_by_one_window(centre):
    """Issue 12: one window emptied the whole organization-code pool in 1,107 calls."""
    centre.add_window("W01")
    centre.add_window("W02")
    refusals = []
    with centre.window_conn("W01") as conn:
        for _ in range(50):
            try:
                conn.execute("SELECT sync_api.reserve_code_block_v1(100)")
            except psycopg.Error as exc:
                refusals.append((exc.sqlstate, exc.diag.message_primary))
    assert refusals and refusals[0][1].startswith("本窗口尚未使用的组织机构代码已有")
    with centre.admin() as conn:
        reserved = conn.execute("SELECT coalesce(sum(count), 0) FROM central.code_blocks").fetchone()[0]
    assert reserved <= 1000
    with centre.window_conn("W02") as conn:  # another window still gets its codes
        assert conn.execute("SELECT sync_api.reserve_code_block_v1(200)").fetchone()[0]["window_code"] == "W02"


def test_code_blocks_are_rate_limited(centre):
    from sync.central_admin import set_window_limits

    centre.add_window("W01")
    set_window_limits(centre.admin_url, "W01", code_blocks_per_hour=3, outstanding_codes=100_000)
    with centre.window_conn("W01") as conn:
        for _ in range(3):
            conn.execute("SELECT sync_api.reserve_code_block_v1(10)")
        with pytest.raises(psycopg.Error) as refused:
            conn.execute("SELECT sync_api.reserve_code_block_v1(10)")
    assert refused.value.diag.message_primary.startswith("本窗口一小时内已申领 3 个号段")


def test_revoking_another_windows_registration_with_its_current_version_goes_to_review(
        tmp_path, centre, file_keyring):
    """Issue 12: a window revoked another window's registration by sending the current row version."""
    w1, s1 = make_window(tmp_path / "a", centre, "W01")
    w2, s2 = make_window(tmp_path / "b", centre, "W02")
    org_id = _register(w1, NAME)
    run_sync(w1, s1)
    centre.drain()
    run_sync(w2, s2)
    with w2.write() as session:  # W02 holds the current version and revokes it
        change_status_in(session, org_id, "已撤销", changed_on=date(2026, 11, 21), actor="clerk")
    report = run_sync(w2, s2)
    assert report.held_for_review == 1
    with centre.admin() as conn:
        assert conn.execute("SELECT status, row_version FROM central.organizations WHERE id = %s",
                            (org_id,)).fetchone() == ("正常", 1)
        assert conn.execute("SELECT window_code, existing_window, proposed->>'status' FROM central.review_queue"
                            ).fetchall() == [("W02", "W01", "已撤销")]
    centre.drain()
    run_sync(w2, s2)
    with w2.read() as session:
        assert session.get(Organization, org_id).status == "正常"  # the centre's, until the review decides
        [notice] = session.scalars(select(SyncNotice)).all()
    assert notice.reason == (f"本窗口对“{NAME}”的变更已转中心待复核：该组织由窗口 W01 登记，"
                             "其他窗口对它的变更须经中心复核。")


def test_a_window_role_cannot_connect_to_another_database(centre, private_server):
    centre.add_window("W01")
    url = centre.window_url("W01")
    for other in ("postgres", "template1"):
        with pytest.raises(psycopg.OperationalError, match="permission denied for database"):
            psycopg.connect(url.rsplit("/", 1)[0] + "/" + other, password=centre.windows["W01"].password)
    with centre.admin() as conn:
        db = conn.execute("SELECT current_database()").fetchone()[0]
        public_connect = conn.execute(
            "SELECT has_database_privilege('public', %s, 'CONNECT')", (db,)).fetchone()[0]
    assert public_connect is False


def test_a_window_role_cannot_read_function_sources(centre):
    centre.add_window("W01")
    with centre.window_conn("W01") as conn:
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SELECT prosrc FROM pg_proc WHERE proname = 'sync_push_v1'")
        with pytest.raises(errors.InsufficientPrivilege):
            conn.execute("SELECT pg_get_functiondef('sync_api.sync_push_v1(jsonb)'::regprocedure)")
        assert conn.execute("SELECT count(routine_definition) FROM information_schema.routines").fetchone()[0] == 0
        # what a client library needs of the catalogue still works
        assert conn.execute("SELECT count(*) FROM pg_proc WHERE proname = 'sync_push_v1'").fetchone()[0] == 1
