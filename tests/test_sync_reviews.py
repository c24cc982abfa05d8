"""The centre's administrator settles the 待复核 queue; both windows see the outcome after a pull."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select
from sync_fixtures import Centre, centre, file_keyring, make_window, private_server  # noqa: F401
from test_sync_two_windows import CLASH, _register

from models.errors import SoregError
from models.outbox import SyncNotice
from models.registry import Organization
from registry.organizations import change_status_in
from sync.connection import connect
from sync.pull import verify_registry
from sync.reviews import Decision, list_reviews, resolve_review
from sync.runner import run_sync

ROOT = Path(__file__).resolve().parent.parent
ORG_ID = uuid.UUID("0190a0a0-0000-7000-8000-0000000000a1")


def _sync_all(centre: Centre, windows: dict) -> None:
    centre.drain()
    for store, settings in windows.values():
        run_sync(store, settings)


def _notices(store) -> list[tuple[str, str, str]]:
    with store.read() as session:
        return [(n.kind, n.status, n.reason) for n in session.scalars(select(SyncNotice).order_by(SyncNotice.id))]


def _registry_matches(store, settings) -> bool | None:
    with connect(settings) as conn:
        return verify_registry(store, conn)


def _replay(centre: Centre, item) -> list[dict]:
    """The centre's answer when the held op is sent again (as after a lost acknowledgement)."""
    with centre.admin() as conn:
        op_id = conn.execute("SELECT op_id FROM central.review_queue WHERE id = %s", (item.id,)).fetchone()[0]
    op = {"window": item.window_code, "op_id": str(op_id), "table_name": "organizations",
          "row_id": str(item.organization_id), "op": "insert", "payload": {}}
    with centre.window_conn(item.window_code) as conn:
        answer = conn.execute("SELECT sync_api.sync_push_v1(%s::jsonb)", (json.dumps([op]),)).fetchone()[0]
    return [{k: p[k] for k in ("status", "reason")} for p in answer["problems"]]


def _name_clash(tmp_path: Path, centre: Centre) -> dict:
    """W01 and W02 register the same name offline; W01 syncs first, so W02's is held."""
    windows = {code: make_window(tmp_path / code, centre, code) for code in ("W01", "W02")}
    for store, _ in windows.values():
        _register(store, CLASH)
    for code in ("W01", "W02", "W01"):
        run_sync(*windows[code])
    return windows


def _central_state(centre: Centre) -> tuple:
    with centre.admin() as conn:
        return (conn.execute("SELECT id, name, status, row_version FROM central.organizations ORDER BY id").fetchall(),
                conn.execute("SELECT id, status, resolution_note FROM central.review_queue ORDER BY id").fetchall(),
                conn.execute("SELECT count(*) FROM central.change_log").fetchone()[0])


def test_a_rejected_registration_is_told_to_both_windows_and_the_registry_still_matches(
        tmp_path, centre, file_keyring):
    windows = _name_clash(tmp_path, centre)
    [item] = list_reviews(centre.admin_url)
    assert (item.status, item.window_code, item.existing_window, item.proposed_name) == ("待复核", "W02", "W01", CLASH)
    assert item.existing_name == CLASH and item.resolved_at is None

    done = resolve_review(centre.admin_url, item.id, Decision.REJECT, "该名称已由窗口 W01 先行登记。", "王复核")
    assert (done.status, done.resolution_note, done.resolved_by) == ("已驳回", "该名称已由窗口 W01 先行登记。", "王复核")
    assert done.resolved_at is not None
    assert list_reviews(centre.admin_url) == []
    assert [i.status for i in list_reviews(centre.admin_url, include_resolved=True)] == ["已驳回"]
    assert _replay(centre, item) == [{"status": "rejected", "reason": "中心复核驳回：该名称已由窗口 W01 先行登记。"}]

    _sync_all(centre, windows)
    w1, w2 = (_notices(windows[code][0]) for code in ("W01", "W02"))
    assert w2 == [("待复核", "已驳回", f"中心已驳回本窗口登记的“{CLASH}”：该名称已由窗口 W01 先行登记，"
                                      "请办理名称变更或与中心联系。")]
    assert w1 == [("待复核", "已驳回", f"中心已驳回窗口 W02 登记的“{CLASH}”：该名称已由窗口 W01 先行登记。本窗口无需处理。")]
    with centre.admin() as conn:
        assert conn.execute("SELECT count(*) FROM central.organizations").fetchone()[0] == 1
    with windows["W02"][0].read() as session:  # the clerk's own record stays, for the name change
        assert session.scalars(select(Organization.name)).all() == [CLASH, CLASH]
    for store, settings in windows.values():
        assert _registry_matches(store, settings) is True


def test_accepting_a_change_based_on_an_outdated_version_reaches_both_windows(tmp_path, centre, file_keyring):
    with centre.admin() as conn:
        conn.execute("INSERT INTO central.organizations (id, name, org_type) VALUES (%s, %s, '民办非企业单位')",
                     (ORG_ID, "上海市长宁区华阳社区服务中心"))
    windows = {code: make_window(tmp_path / code, centre, code) for code in ("W01", "W02")}
    _sync_all(centre, windows)
    for (store, _), status in zip(windows.values(), ("已注销", "已撤销")):
        with store.write() as session:
            change_status_in(session, ORG_ID, status, changed_on=date(2026, 11, 20), actor="clerk")
    _sync_all(centre, windows)
    _sync_all(centre, windows)
    for store, settings in windows.values():  # a held change of an organization the centre holds counts
        assert _registry_matches(store, settings) is True
    [item] = list_reviews(centre.admin_url)
    assert (item.window_code, item.existing_window) == ("W02", "W01") and "已有更新" in item.reason

    resolve_review(centre.admin_url, str(item.id), "采纳", "经核实该组织登记证书已被撤销")
    with centre.admin() as conn:
        status, version, by = conn.execute("SELECT status, row_version, changed_by_window FROM central.organizations"
                                           " WHERE id = %s", (ORG_ID,)).fetchone()
        resolved_by = conn.execute("SELECT resolved_by FROM central.review_queue").fetchone()[0]
    assert (status, version, by) == ("已撤销", 3, "W02")
    assert resolved_by == "postgres"  # no --by: the administrator's login

    _sync_all(centre, windows)
    for code, (store, settings) in windows.items():
        with store.read() as session:
            org = session.get(Organization, ORG_ID)
            assert (org.status, org.row_version) == ("已撤销", 3)
        who = "本窗口" if code == "W02" else "窗口 W02 "
        assert _notices(store) == [("待复核", "已采纳", f"中心已采纳{who}对“上海市长宁区华阳社区服务中心”的变更，"
                                                       "已录入登记库：经核实该组织登记证书已被撤销。")]
        assert _registry_matches(store, settings) is True


def test_accepting_while_the_clash_stands_is_refused_and_changes_nothing(tmp_path, centre, file_keyring):
    windows = _name_clash(tmp_path, centre)
    [item] = list_reviews(centre.admin_url)
    before = _central_state(centre)
    with pytest.raises(SoregError, match=f"名称“{CLASH}”仍由正常状态的“{CLASH}”（窗口 W01）使用，不能采纳") as refused:
        resolve_review(centre.admin_url, item.id, Decision.ACCEPT, "两家都可以用")
    assert refused.value.field == "登记库"
    assert _central_state(centre) == before

    # once the administrator settles the registry's organization, the held registration goes in
    with centre.admin() as conn:
        conn.execute("UPDATE central.organizations SET status = '已注销', row_version = row_version + 1")
    assert _replay(centre, item) == [{"status": "review", "reason": item.reason}]
    resolve_review(centre.admin_url, item.id, Decision.ACCEPT, "原组织已注销")
    assert _replay(centre, item) == []
    _sync_all(centre, windows)
    with centre.admin() as conn:
        central = conn.execute("SELECT status, origin_window, row_version FROM central.organizations ORDER BY status"
                               ).fetchall()
    assert central == [("已注销", "W01", 2), ("正常", "W02", 1)]
    for code, (store, settings) in windows.items():
        with store.read() as session:
            assert sorted(session.scalars(select(Organization.status))) == ["已注销", "正常"]
        assert [(kind, status) for kind, status, _ in _notices(store)] == [("待复核", "已采纳")]
        assert _registry_matches(store, settings) is True


def test_an_unknown_or_settled_item_a_bad_decision_and_an_empty_note_are_refused(tmp_path, centre, file_keyring):
    _name_clash(tmp_path, centre)
    [item] = list_reviews(centre.admin_url)
    refusals = (
        (uuid.uuid4(), Decision.REJECT, "理由", "不存在", "复核编号"),
        ("not-an-id", Decision.REJECT, "理由", "格式不对", "复核编号"),
        (item.id, "同意", "理由", "处理决定应为“采纳”或“驳回”", "处理决定"),
        (item.id, Decision.REJECT, "  ", "请填写处理说明", "处理说明"),
    )
    for review_id, decision, note, message, field in refusals:
        with pytest.raises(SoregError, match=message) as refused:
            resolve_review(centre.admin_url, review_id, decision, note)
        assert refused.value.field == field
    resolve_review(centre.admin_url, item.id, Decision.REJECT, "重名")
    before = _central_state(centre)
    for decision in Decision:
        with pytest.raises(SoregError, match="已于 .* 由 postgres 处理（已驳回），不能再次处理"):
            resolve_review(centre.admin_url, item.id, decision, "再来一次")
    assert _central_state(centre) == before


def test_a_window_cannot_resolve_reviews(tmp_path, centre, file_keyring):
    _name_clash(tmp_path, centre)
    [item] = list_reviews(centre.admin_url)
    with centre.window_conn("W02") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT central.resolve_review(%s, '采纳', '自己批准', 'W02')", (item.id,))
    with centre.admin() as conn:
        db = conn.execute("SELECT current_database()").fetchone()[0]
        for role in (centre.windows["W02"].role, f"{db}_window", f"{db}_sync_owner"):
            assert conn.execute("SELECT has_function_privilege(%s, 'central.resolve_review(uuid, text, text, text)',"
                                " 'EXECUTE')", (role,)).fetchone()[0] is False
        assert conn.execute("SELECT prosecdef FROM pg_proc WHERE proname = 'resolve_review'").fetchone()[0] is False


def test_a_centre_not_yet_set_up_is_told_in_chinese(fresh_pg_url):
    with pytest.raises(SoregError, match="中心数据库尚未初始化或结构过旧"):
        list_reviews(fresh_pg_url)


def _soreg(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "SOREG_PASSWORD"}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          env=env, timeout=60)


def _one_chinese_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_central_reviews_and_resolve_on_the_command_line(tmp_path, centre, file_keyring):
    _name_clash(tmp_path, centre)
    [item] = list_reviews(centre.admin_url)
    url = centre.admin_url

    listed = _soreg("central", "reviews", "--url", url)
    assert listed.returncode == 0, listed.stderr
    header, row, total = listed.stdout.strip().splitlines()
    assert header.split() == ["编号", "状态", "窗口", "拟登记名称", "原因", "冲突的组织（窗口）"]
    assert row.split()[:4] == [str(item.id), "待复核", "W02", CLASH] and row.endswith(f"{CLASH}（窗口 W01）")
    assert total.startswith("共 1 项，其中待复核 1 项。")

    refused = _soreg("central", "resolve", "--url", url, str(item.id), "--accept", "--note", "都批")
    assert refused.returncode == 2 and "仍由正常状态的" in _one_chinese_line(refused.stderr)
    no_decision = _soreg("central", "resolve", "--url", url, str(item.id), "--note", "x")
    assert no_decision.returncode == 2 and "--accept --reject" in _one_chinese_line(no_decision.stderr)
    both = _soreg("central", "resolve", "--url", url, str(item.id), "--accept", "--reject", "--note", "x")
    assert both.returncode == 2 and "参数 --reject 不能与 --accept 同时使用" in _one_chinese_line(both.stderr)

    done = _soreg("central", "resolve", "--url", url, str(item.id), "--reject", "--note", "重名，请改名", "--by", "王复核")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (f"复核事项 {item.id}（窗口 W02 的“{CLASH}”）已驳回，未录入登记库。"
                                   "相关窗口下次同步后会看到处理结果。")
    again = _soreg("central", "resolve", "--url", url, str(item.id), "--reject", "--note", "重名")
    assert again.returncode == 2 and "不能再次处理" in _one_chinese_line(again.stderr)

    assert _soreg("central", "reviews", "--url", url).stdout.strip() == "没有待复核的事项。"
    everything = _soreg("central", "reviews", "--url", url, "--all").stdout
    assert "已驳回" in everything and "重名，请改名（王复核，" in everything and "其中待复核 0 项" in everything
