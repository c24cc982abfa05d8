"""Least privilege at the centre: each thing a window must not do is tried and refused."""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from psycopg import errors
from sync_fixtures import centre, private_server  # noqa: F401


def _op(window: str, table: str, row_id: str, payload: dict, version: int = 1) -> dict:
    return {"window": window, "op_id": str(uuid.uuid4()), "table_name": table, "row_id": row_id, "op": "insert",
            "row_version": version, "base_version": version - 1, "payload": payload}


def _push(conn: psycopg.Connection, ops: list[dict]) -> dict:
    return conn.execute("SELECT sync_api.sync_push_v1(%s::jsonb)", (json.dumps(ops),)).fetchone()[0]


@pytest.fixture
def two(centre):
    centre.add_window("W01")
    centre.add_window("W02")
    with centre.window_conn("W01") as a, centre.window_conn("W02") as b:
        yield centre, a, b


def _tables(centre) -> list[str]:
    with centre.admin() as conn:
        return [r[0] for r in conn.execute(
            "SELECT schemaname || '.' || tablename FROM pg_tables WHERE schemaname IN ('central', 'public', 'sync_api')")]


def test_window_role_cannot_touch_any_table_directly(two):
    centre, conn, _ = two
    tables = _tables(centre)
    assert "central.organizations" in tables and "central.window_records" in tables
    statements = ("SELECT * FROM {t}", "INSERT INTO {t} DEFAULT VALUES", "UPDATE {t} SET {c} = {c}",
                  "DELETE FROM {t}")
    with centre.admin() as admin:
        first_column = dict(admin.execute(
            "SELECT table_schema || '.' || table_name, min(column_name) FROM information_schema.columns"
            " WHERE table_schema = 'central' GROUP BY 1").fetchall())
        role = centre.windows["W01"].role
        granted = admin.execute(
            "SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = %s", (role,)).fetchone()[0]
    assert granted == 0
    refused = 0
    for table in tables:
        for statement in statements:
            with pytest.raises(errors.InsufficientPrivilege):
                conn.execute(statement.format(t=table, c=first_column[table]))
            refused += 1
    assert refused == 4 * len(tables)


def test_functions_are_definer_with_fixed_search_path_owned_by_a_plain_role(two):
    centre, _, _ = two
    with centre.admin() as admin:
        functions = admin.execute("""
            SELECT p.proname, p.prosecdef, p.proconfig, r.rolsuper, r.rolbypassrls, r.rolcanlogin, r.rolname,
                   EXISTS (SELECT 1 FROM aclexplode(p.proacl) a WHERE a.grantee = 0) AS public_execute
              FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_roles r ON r.oid = p.proowner
             WHERE n.nspname = 'sync_api'""").fetchall()
        unforced = admin.execute("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'central' AND c.relkind = 'r'
               AND NOT (c.relrowsecurity AND c.relforcerowsecurity)""").fetchall()
        settings = admin.execute("SELECT rolconfig FROM pg_roles WHERE rolname = %s",
                                 (centre.windows["W01"].role,)).fetchone()[0]
    names = {f[0] for f in functions}
    assert {"sync_push_v1", "sync_pull_v1", "reserve_code_block_v1", "sync_snapshot_v1", "sync_snapshot_v2"} <= names
    for name, definer, config, superuser, bypass, login, owner, public_execute in functions:
        assert definer, name
        assert any(c.startswith("search_path=") for c in config), name
        assert not (superuser or bypass or login), owner
        assert owner.endswith("_sync_owner")
        assert not public_execute, name
    assert unforced == []
    assert any(s.startswith("statement_timeout=") for s in settings)
    assert any(s.startswith("idle_in_transaction_session_timeout=") for s in settings)


def test_window_cannot_read_another_windows_cases_or_persons(two):
    _, a, b = two
    case_id, person_id = str(uuid.uuid4()), str(uuid.uuid4())
    answer = _push(a, [_op("W01", "cases", case_id, {"id": case_id, "name": "上海市长宁区乐龄社区服务中心"}),
                       _op("W01", "case_persons", person_id, {"id": person_id, "name": "陈晓东",
                                                              "id_number": "310105197012013571"})])
    assert answer["problems"] == []
    # the owner reads it back; the other window is refused, and its pull never mentions it
    assert [r["payload"]["name"] for r in a.execute(
        "SELECT sync_api.sync_records_v1('cases', %s)", ([case_id],)).fetchone()[0]] == ["上海市长宁区乐龄社区服务中心"]
    for table, row_id in (("cases", case_id), ("case_persons", person_id)):
        with pytest.raises(errors.InsufficientPrivilege):
            b.execute("SELECT sync_api.sync_records_v1(%s, %s)", (table, [row_id]))
    pulled = b.execute("SELECT row_id, payload::text FROM sync_api.sync_pull_v1(NULL, NULL, 1000)").fetchall()
    snap = b.execute("SELECT row_id, payload::text FROM sync_api.sync_snapshot_v1(NULL, NULL, 1000)").fetchall()
    snap2 = b.execute("SELECT row_id, payload FROM sync_api.sync_snapshot_v2(NULL, NULL, 1000)").fetchall()
    text = json.dumps(pulled + snap + snap2, ensure_ascii=False)
    assert case_id not in text and person_id not in text and "陈晓东" not in text


def test_window_cannot_push_under_another_windows_identity(two):
    centre, a, b = two
    case_id = str(uuid.uuid4())
    _push(a, [_op("W01", "cases", case_id, {"id": case_id, "name": "原名称"})])
    with pytest.raises(errors.InsufficientPrivilege):
        _push(b, [_op("W01", "cases", case_id, {"id": case_id, "name": "篡改"}, version=2)])
    with pytest.raises(errors.InsufficientPrivilege):
        _push(b, [{k: v for k, v in _op("W01", "cases", case_id, {"id": case_id}).items() if k != "window"}])
    # signed as itself, W02 only ever writes rows of its own: W01's case is untouched
    _push(b, [_op("W02", "cases", case_id, {"id": case_id, "name": "篡改"}, version=2)])
    with centre.admin() as admin:
        rows = admin.execute("SELECT window_code, payload->>'name' FROM central.window_records"
                             " WHERE row_id = %s ORDER BY 1", (case_id,)).fetchall()
    assert rows == [("W01", "原名称"), ("W02", "篡改")]


def test_window_cannot_reserve_a_block_for_another_window(two):
    centre, a, b = two
    block = b.execute("SELECT sync_api.reserve_code_block_v1(10)").fetchone()[0]
    assert block["window_code"] == "W02"
    with pytest.raises(errors.UndefinedFunction):
        b.execute("SELECT sync_api.reserve_code_block_v1(10, 'W01')")
    for attempt in (f'SET ROLE "{centre.windows["W01"].role}"',
                    f'SET SESSION AUTHORIZATION "{centre.windows["W01"].role}"',
                    "INSERT INTO central.code_blocks (window_code, first_body, count) VALUES ('W01', 'MJ900000', 10)",
                    "UPDATE central.code_blocks SET window_code = 'W01'"):
        with pytest.raises(errors.InsufficientPrivilege):
            b.execute(attempt)
    with centre.admin() as admin:
        owners = admin.execute("SELECT window_code, count(*) FROM central.code_blocks GROUP BY 1").fetchall()
    assert owners == [("W02", 1)]
    for version in ("v1", "v2"):
        assert a.execute(f"SELECT count(*) FROM sync_api.sync_snapshot_{version}(NULL, NULL, 100)"
                         " WHERE kind = 'code_block'").fetchone()[0] == 0


def test_a_login_that_is_no_window_is_refused(two):
    centre, _, _ = two
    with centre.admin() as admin:
        db = admin.execute("SELECT current_database()").fetchone()[0]
        stranger = f"{db}_stranger"
        admin.execute(f'CREATE ROLE "{stranger}" LOGIN PASSWORD \'x-123\' IN ROLE "{db}_window"')
    try:
        url = centre.window_url("W01").replace(centre.windows["W01"].role, stranger)
        with psycopg.connect(url, password="x-123", autocommit=True) as conn:
            for call in ("SELECT sync_api.sync_whoami_v1()", "SELECT sync_api.reserve_code_block_v1(5)",
                         "SELECT * FROM sync_api.sync_pull_v1(NULL, NULL, 10)"):
                with pytest.raises(errors.InsufficientPrivilege):
                    conn.execute(call)
    finally:
        with centre.admin() as admin:
            admin.execute(f'DROP ROLE "{stranger}"')
