"""Changes of registered records (变更登记) between two windows and the centre: a change made at
one window reaches the other; concurrent changes end with one applied and the other in 待复核,
nothing lost; a change of another window's organization is applied when based on the centre's
current version, while a bare row change of it still waits for review."""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sync_fixtures import centre, file_keyring, make_window, private_server  # noqa: F401

from models.outbox import SyncNotice
from models.registry import Organization, OrganizationName
from registry.organizations import (
    OrganizationRecord,
    add_organization_in,
    change_status_in,
)
from registry.records import (
    UNRECORDED,
    PersonInOffice,
    RegisteredRecord,
    ScopeItem,
    add_version_in,
    current_record,
    record_versions,
)
from sync.reviews import Decision, list_reviews, resolve_review
from sync.runner import run_sync

NAME = "上海市长宁区乐龄养老服务中心"
RENAMED = "上海市长宁区乐龄颐养服务中心"
RECORD = RegisteredRecord(
    name=NAME, address="上海市长宁区天山路 100 号", street_code="310105006", activity_area="上海市长宁区",
    scope=(ScopeItem("养老服务"),), funds_yuan=30000, sponsor="上海市长宁区民政局", legal_representative="李建国",
    purpose="为社区老人提供服务", persons=(PersonInOffice("李建国", "310105196005010011", ("法定代表人",), "理事长"),))
IMPORTED_ID = uuid.UUID("0190a0a0-0000-7000-8000-0000000000aa")


def _register(store) -> uuid.UUID:
    """An organization registered at this window (成立登记) with its version 1, as approval writes it."""
    with store.write() as session:
        org = add_organization_in(session, OrganizationRecord(name=NAME, org_type="民办非企业单位",
                                                              established_on=date(2026, 9, 22)), actor="approver")
        add_version_in(session, org, RECORD, actor="approver", case_id=None, business="成立登记", on=date(2026, 9, 22))
        return org.id


def _change(store, org_id: uuid.UUID, actor: str, **items) -> None:
    with store.write() as session:
        org = session.get(Organization, org_id)
        before = current_record(store, org_id)
        add_version_in(session, org, replace(before, **items), actor=actor, case_id=None, business="变更登记",
                       on=date(2026, 11, 2))


def _notices(store) -> list[SyncNotice]:
    with store.read() as session:
        return list(session.scalars(select(SyncNotice).order_by(SyncNotice.id)))


def _row(store, org_id: uuid.UUID) -> tuple:
    with store.read() as session:
        org = session.get(Organization, org_id)
        names = sorted((n.name, n.is_current) for n in session.scalars(
            select(OrganizationName).where(OrganizationName.organization_id == org_id)))
        return org.name, org.address, org.street_code, org.legal_representative, org.sponsor, org.credit_code, names


def _versions(store, org_id: uuid.UUID) -> list[tuple]:
    return [(v.number, v.business, v.actor, {c.label: (c.before, c.after) for c in v.changes})
            for v in record_versions(store, org_id)]


def test_a_change_at_w01_is_seen_at_w02_after_both_sync(tmp_path, centre, file_keyring):
    w01, w02 = (make_window(tmp_path / code, centre, code) for code in ("W01", "W02"))
    org_id = _register(w01[0])
    run_sync(*w01)
    run_sync(*w02)
    assert current_record(w02[0], org_id) == RECORD

    _change(w01[0], org_id, "approver", name=RENAMED, address="上海市长宁区仙霞路 8 号", street_code="310105008",
            legal_representative="张敏")
    first = run_sync(*w01)
    assert first.rejected == first.held_for_review == 0 and _notices(w01[0]) == []
    centre.drain()
    run_sync(*w02)

    assert _row(w02[0], org_id) == (RENAMED, "上海市长宁区仙霞路 8 号", "310105008", "张敏", "上海市长宁区民政局", None,
                                    [(NAME, False), (RENAMED, True)])
    assert _row(w02[0], org_id) == _row(w01[0], org_id)
    versions = _versions(w02[0], org_id)
    assert [v[:3] for v in versions] == [(2, "变更登记", "approver"), (1, "成立登记", "approver")]
    assert versions[0][3] == {"名称": (NAME, RENAMED), "住所": ("上海市长宁区天山路 100 号", "上海市长宁区仙霞路 8 号"),
                              "所属街镇": ("天山路街道", "仙霞新村街道"), "法定代表人": ("李建国", "张敏")}
    assert versions == _versions(w01[0], org_id)
    with centre.admin() as conn:
        row = conn.execute("SELECT name, address, street_code, legal_representative, changed_by_window,"
                           " former_names->0->>'name' FROM central.organizations WHERE id = %s", (org_id,)).fetchone()
    assert row == (RENAMED, "上海市长宁区仙霞路 8 号", "310105008", "张敏", "W01", NAME)


def test_concurrent_changes_end_with_one_applied_and_the_other_in_review_nothing_lost(tmp_path, centre, file_keyring):
    """An organization imported at the centre, changed at both windows while offline: each window
    stores the implied imported version 1 first, which the centre takes once."""
    with centre.admin() as conn:
        conn.execute("INSERT INTO central.organizations (id, name, org_type, address, street_code, legal_representative)"
                     " VALUES (%s, %s, '民办非企业单位', '上海市长宁区天山路 100 号', '310105006', '李建国')",
                     (IMPORTED_ID, NAME))
    w01, w02 = (make_window(tmp_path / code, centre, code) for code in ("W01", "W02"))
    run_sync(*w01)
    run_sync(*w02)
    _change(w01[0], IMPORTED_ID, "clerk1", address="上海市长宁区仙霞路 8 号", street_code="310105008")
    _change(w02[0], IMPORTED_ID, "clerk2", name=RENAMED, legal_representative="王芳")

    first = run_sync(*w01)
    second = run_sync(*w02)
    assert (first.held_for_review, second.held_for_review) == (0, 1)
    centre.drain()
    run_sync(*w01)
    run_sync(*w02)

    applied = ("上海市长宁区乐龄养老服务中心", "上海市长宁区仙霞路 8 号", "310105008", "李建国", None, None,
               [(NAME, True)])
    assert _row(w01[0], IMPORTED_ID) == _row(w02[0], IMPORTED_ID) == applied
    assert _versions(w01[0], IMPORTED_ID) == _versions(w02[0], IMPORTED_ID)
    assert [v[:3] for v in _versions(w02[0], IMPORTED_ID)] == [(2, "变更登记", "clerk1"), (1, "登记库导入", UNRECORDED)]
    # nothing lost: W02's version waits in 待复核 with its content, and W02's notice keeps it too
    [item] = list_reviews(centre.admin_url)
    assert (item.window_code, item.existing_window, item.proposed_name) == ("W02", "W01", RENAMED)
    assert item.reason == (f"“{NAME}”的登记事项在中心已是窗口 W01 的第 2 版，窗口 W02 的第 2 版不是依据该版作出的变更，未被采用")
    with centre.admin() as conn:
        version = conn.execute("SELECT proposed->'version' FROM central.review_queue").fetchone()[0]
    assert (version["name"], version["legal_representative"], version["actor"]) == (RENAMED, "王芳", "clerk2")
    [own] = _notices(w02[0])
    assert own.kind == "待复核" and own.row_id == str(IMPORTED_ID)
    assert own.reason == f"本窗口对“{RENAMED}”的变更已转中心待复核：{item.reason}。"
    [other] = _notices(w01[0])
    assert other.reason == f"窗口 W02 对“{RENAMED}”的变更已转中心待复核：{item.reason}。"

    # the reviewer applies it as it was made: version 3 everywhere, on top of W01's
    resolve_review(centre.admin_url, item.id, Decision.ACCEPT, "两项变更均已核实", "admin")
    centre.drain()
    for window in (w01, w02):
        run_sync(*window)
    for store, _ in (w01, w02):
        assert [v[:3] for v in _versions(store, IMPORTED_ID)] == [
            (3, "变更登记", "clerk2"), (2, "变更登记", "clerk1"), (1, "登记库导入", UNRECORDED)]
        assert _row(store, IMPORTED_ID) == (RENAMED, "上海市长宁区天山路 100 号", "310105006", "王芳", None, None,
                                            [(NAME, False), (RENAMED, True)])
        record = current_record(store, IMPORTED_ID)
        assert (record.name, record.address, record.legal_representative) == (RENAMED, "上海市长宁区天山路 100 号", "王芳")


def test_a_change_of_another_windows_organization_on_the_current_version_is_applied_a_bare_row_change_is_not(
        tmp_path, centre, file_keyring):
    w01, w02 = (make_window(tmp_path / code, centre, code) for code in ("W01", "W02"))
    org_id = _register(w01[0])
    run_sync(*w01)
    run_sync(*w02)

    _change(w02[0], org_id, "approver2", address="上海市长宁区仙霞路 8 号", street_code="310105008")
    report = run_sync(*w02)
    assert report.held_for_review == report.rejected == 0 and _notices(w02[0]) == []
    centre.drain()
    run_sync(*w01)
    assert _row(w01[0], org_id)[1:3] == ("上海市长宁区仙霞路 8 号", "310105008")
    assert [v[:3] for v in _versions(w01[0], org_id)] == [(2, "变更登记", "approver2"), (1, "成立登记", "approver")]

    with w02[0].write() as session:  # no version: a change of W01's organization goes to 待复核 (issue 12)
        change_status_in(session, org_id, "已注销", changed_on=date(2026, 11, 20), actor="clerk")
    report = run_sync(*w02)
    assert report.held_for_review == 1
    centre.drain()
    run_sync(*w01)
    with centre.admin() as conn:
        status = conn.execute("SELECT status FROM central.organizations WHERE id = %s", (org_id,)).fetchone()[0]
        reasons = [r[0] for r in conn.execute("SELECT reason FROM central.review_queue")]
    assert status == "正常" and reasons == ["该组织由窗口 W01 登记，其他窗口对它的变更须经中心复核"]
    for store, _ in (w01, w02):
        with store.read() as session:
            assert session.get(Organization, org_id).status == "正常"


def test_a_version_op_with_a_bad_base_or_row_op_is_refused_alone(tmp_path, centre, file_keyring):
    """What sync_versions_v2 adds to a version op is checked too: a base that is no id, a row op
    of another organization, a row op the push would refuse; each refused alone, in Chinese."""
    w01 = make_window(tmp_path / "W01", centre, "W01")
    org_id = _register(w01[0])
    run_sync(*w01)
    with centre.admin() as conn:
        [(version,)] = conn.execute("SELECT payload FROM central.organization_versions").fetchall()

    def op(base_id, rows=None, **items):
        row_id = str(uuid.uuid4())
        payload = version | {"id": row_id, "version_no": 2, "business": "变更登记"} | items
        return {"window": "W01", "op_id": str(uuid.uuid4()), "table_name": "organization_versions", "row_id": row_id,
                "op": "insert", "row_version": 1, "base_version": 0, "registry_cursor": None, "payload": payload,
                "base_id": base_id} | ({"organization_ops": rows} if rows is not None else {})

    def row(target, **items):
        payload = {"id": str(target), "name": RENAMED, "org_type": "民办非企业单位", "row_version": 2} | items
        return {"window": "W01", "op_id": str(uuid.uuid4()), "table_name": "organizations", "row_id": str(target),
                "op": "update", "row_version": 2, "base_version": 1, "registry_cursor": None, "payload": payload}

    ops = [op("第一版"), op(version["id"], [row(uuid.uuid4())]), op(version["id"], [row(org_id, sponsor="局" * 101)])]
    with centre.window_conn("W01") as conn:
        answer = conn.execute("SELECT sync_api.sync_versions_v2(%s::jsonb)", (json.dumps(ops),)).fetchone()[0]
    assert {p["op_id"]: (p["status"], p["reason"]) for p in answer["problems"]} == {
        ops[0]["op_id"]: ("rejected", "依据的版本编号应为 UUID"),
        ops[1]["op_id"]: ("rejected", "随版本的登记库记录应为同一组织的修改"),
        ops[2]["op_id"]: ("rejected", "随版本的登记库记录：业务主管单位超过 100 个字符（现有 101 个）"),
    }
    with centre.admin() as conn:
        assert conn.execute("SELECT count(*) FROM central.organization_versions").fetchone()[0] == 1
        assert conn.execute("SELECT name FROM central.organizations").fetchone()[0] == NAME
