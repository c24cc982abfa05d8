"""A window's sync in trouble: an op an older version queued with a NUL, a failure the sync did
not foresee, a demo database. Each failure is recorded in Chinese, shown by ``sync --status``,
and an unforeseen one leaves a crash log naming the op."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sync_fixtures import centre, file_keyring, make_window, private_server  # noqa: F401

from accounts.users import create_user
from cli.app import run
from models.accounts import Role
from models.audit import record_event_in
from models.errors import SoregError
from models.outbox import OutboxOp, SyncNotice
from models.registry import Organization
from models.settings import DEMO_DATABASE, set_setting_in
from sync.runner import run_sync, sync_status

CENTRAL_ORG = uuid.UUID("0190a0a0-0000-7000-8000-0000000000c1")
CENTRAL_NAME = "上海市长宁区天山社区服务中心"


def _central_org(centre) -> None:
    with centre.admin() as conn:
        conn.execute("INSERT INTO central.organizations (id, name, org_type) VALUES (%s, %s, '民办非企业单位')",
                     (CENTRAL_ORG, CENTRAL_NAME))


def _note(store, record_id: str) -> None:
    with store.write() as session:
        record_event_in(session, actor="clerk", action="case.note", record_type="case", record_id=record_id)


def _queue_as_an_older_version_did(store, text: str) -> str:
    """An op whose payload holds ``text`` unchecked, as versions before the queue check wrote them."""
    op_id, event_id = str(uuid.uuid4()), str(uuid.uuid4())
    payload = {"id": event_id, "created_at": "2026-11-20T09:00:00", "updated_at": "2026-11-20T09:00:00",
               "row_version": 1, "seq": 999, "actor": "clerk", "action": "registry.import", "record_type": "case",
               "record_id": text, "summary": "{}", "prev_hash": "0" * 64, "hash": "1" * 64}
    with store.write() as session:
        session.execute(insert(OutboxOp.__table__).values(
            op_id=op_id, table_name="audit_events", row_id=event_id, op="insert", row_version=1, base_version=0,
            payload=json.dumps(payload, ensure_ascii=False)))
    return op_id


def test_a_nul_in_the_outbox_is_refused_alone_the_rest_goes_on_and_the_pull_runs(tmp_path, centre, file_keyring):
    """Issue 12: one NUL blocked a window's sync for good, and the pull never ran."""
    _central_org(centre)
    store, settings = make_window(tmp_path, centre, "W01")
    _note(store, "before")
    op_id = _queue_as_an_older_version_did(store, "晨曦\x00社区")
    _note(store, "after")
    report = run_sync(store, settings)
    assert report.rejected == 1
    with store.read() as session:
        [notice] = session.scalars(select(SyncNotice)).all()
        assert session.get(Organization, CENTRAL_ORG).name == CENTRAL_NAME  # the pull ran
    assert (notice.key, notice.kind, notice.status) == (op_id, "被拒绝", "已拒绝")
    assert notice.reason == "本窗口未上传：对象编号含有控制字符（U+0000），中心不接收。"
    with centre.admin() as conn:
        sent = {r[0] for r in conn.execute("SELECT payload->>'record_id' FROM central.window_records")}
    assert {"before", "after"} <= sent and not any("晨曦" in (s or "") for s in sent)
    assert sync_status(store).last_error is None


def test_the_centre_refuses_a_nul_alone_when_it_gets_one(centre):
    """A window that does not check (an older version, or a hostile one) meets the same refusal."""
    from sync_fixtures import push_raw, raw_op

    centre.add_window("W01")
    good, bad = str(uuid.uuid4()), str(uuid.uuid4())
    with centre.window_conn("W01") as conn:
        answer = push_raw(conn, [raw_op("W01", "cases", bad, {"id": bad, "name": "晨曦\x00社区"}),
                                 raw_op("W01", "cases", good, {"id": good, "name": "晨曦社区"})])
    assert [(p["row_id"], p["status"], p["reason"]) for p in answer["problems"]] == [
        (bad, "rejected", "含有空字符（U+0000），数据库不能保存")]


def _crash_logs(home: Path) -> list[Path]:
    return sorted((home / "logs").glob("crash-*.log"))


def test_a_failure_nobody_foresaw_is_recorded_in_chinese_with_a_crash_log_naming_the_change(
        tmp_path, centre, file_keyring, _private_home, capsys, monkeypatch):
    """Issue 12: run_sync recorded only psycopg and SoregError failures; an IntegrityError showed nothing."""
    _central_org(centre)
    store, settings = make_window(tmp_path, centre, "W01")
    with store.write() as session:  # the local database refuses the centre's organization
        session.connection().exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON organizations BEGIN SELECT RAISE(ABORT, 'refused here'); END")
    with pytest.raises(SoregError) as failure:
        run_sync(store, settings)
    message = str(failure.value)
    [log] = _crash_logs(_private_home)
    assert message == (f"同步出错，已停止（已完成的部分已保存，下次同步从中断处继续）。详情已写入 {log}，"
                       "请把该文件交给管理员。")
    assert not re.search(r"[A-Za-z]{4,}", message.replace(str(log), ""))
    text = log.read_text(encoding="utf-8")
    assert "IntegrityError" in text and f"organization {CENTRAL_ORG}" in text
    assert sync_status(store).last_error == message
    create_user(store, username="clerk", display_name="窗口甲", password="Clerk-pass-2026",
                roles=frozenset({Role.CLERK}), actor="system")
    monkeypatch.setenv("SOREG_PASSWORD", "Clerk-pass-2026")
    assert run(["--db", str(store.path), "--user", "clerk", "sync", "--status"]) == 0
    assert f"上次同步出错：{message}" in capsys.readouterr().out


def test_an_english_message_of_the_centre_becomes_chinese(tmp_path, centre, file_keyring):
    store, settings = make_window(tmp_path, centre, "W01")
    with centre.admin() as conn:  # the centre takes the window's right to call its functions away
        db = conn.execute("SELECT current_database()").fetchone()[0]
        conn.execute(f'REVOKE USAGE ON SCHEMA sync_api FROM "{db}_window"')
    with pytest.raises(SoregError) as failure:
        run_sync(store, settings)
    assert str(failure.value) == "同步被中心拒绝：本窗口的中心账户没有所需的权限，请中心管理员检查该窗口的账户（central add-window）。"
    assert sync_status(store).last_error == str(failure.value)


def test_a_demo_database_never_syncs_nor_connects(tmp_path, centre, file_keyring, monkeypatch, capsys):
    store, settings = make_window(tmp_path, centre, "W01")
    with store.write() as session:
        set_setting_in(session, DEMO_DATABASE, True)
    with pytest.raises(SoregError, match="演示数据库不能与中心同步"):
        run_sync(store, settings)
    with centre.admin() as conn:
        assert conn.execute("SELECT count(*) FROM central.received_ops").fetchone()[0] == 0
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("pw\n"))
    assert run(["--db", str(store.path), "central", "connect", "--url", settings.url, "--password-stdin"]) == 2
    assert "演示数据库不能连接中心" in capsys.readouterr().err


def test_a_value_the_centre_would_refuse_is_refused_where_it_is_written(store):
    """The window checks the centre's rules when a write is queued: the write itself is refused,
    naming the field, and nothing is queued."""
    from datetime import date

    from registry.organizations import OrganizationRecord, add_organization_in

    with store.read() as session:
        queued = session.query(OutboxOp).count()
    with pytest.raises(SoregError) as refused:
        with store.write() as session:
            add_organization_in(session, OrganizationRecord(name="上海市长宁区晨曦\x1b社区服务中心", org_type="民办非企业单位",
                                                         established_on=date(2026, 11, 2)), actor="clerk")
    assert str(refused.value) == "登记库组织的名称含有控制字符（U+001B），不能保存，请修改后重试。"
    with pytest.raises(SoregError, match="操作日志的对象编号超过 64 个字符"):
        _note(store, "长" * 65)
    with store.read() as session:
        assert session.query(OutboxOp).count() == queued
        assert session.query(Organization).count() == 0


def test_a_batch_the_centre_fails_on_names_its_op_in_the_crash_log(tmp_path, centre, file_keyring, _private_home):
    store, settings = make_window(tmp_path, centre, "W01")
    run_sync(store, settings)
    with centre.admin() as conn:  # a fault of the centre's own, on one record
        conn.execute("CREATE FUNCTION central.fail_on_bad() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                     " IF NEW.payload->>'record_id' = 'bad' THEN RAISE EXCEPTION 'disk quota exceeded'; END IF;"
                     " RETURN NEW; END $$")
        conn.execute("CREATE TRIGGER fail_on_bad BEFORE INSERT ON central.window_records FOR EACH ROW"
                     " EXECUTE FUNCTION central.fail_on_bad()")
    for record_id in ("first", "bad", "last"):
        _note(store, record_id)
    with store.read() as session:
        bad = next(op for op in session.scalars(select(OutboxOp)) if json.loads(op.payload)["record_id"] == "bad")
    with pytest.raises(SoregError) as failure:
        run_sync(store, settings)
    assert str(failure.value).startswith("同步出错，已停止") and "disk" not in str(failure.value)
    [log] = _crash_logs(_private_home)
    assert f"出错的同步操作：audit_events {bad.row_id}（insert，操作编号 {bad.op_id}）" in log.read_text(encoding="utf-8")
    with store.read() as session:  # nothing was acknowledged: the next sync sends them again
        assert bad.op_id in set(session.scalars(select(OutboxOp.op_id)))
