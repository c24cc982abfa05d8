"""Versions of registered records (登记事项) travel through the centre: a 成立登记 approved at W01
reaches W02 with its version 1 and persons, a later version follows, a new window's snapshot
brings them all, and the centre refuses a bad version alone with a Chinese reason."""

from __future__ import annotations

import json
import uuid
from datetime import date

import pytest
from sync_fixtures import centre, file_keyring, make_window, private_server  # noqa: F401
from workflow_fixtures import GROUP_FORM, PASSWORD, Window

from accounts.users import create_user
from models.accounts import Role
from models.cases import CaseState
from models.errors import SoregError
from models.op_rules import pushed_payload
from models.outbox import OutboxOp, SyncNotice
from models.registry import Organization
from registry.code_blocks import add_block
from registry.records import (
    RegisteredRecord,
    add_version_in,
    current_record,
    record_versions,
)
from sync.runner import run_sync
from tests.test_registry_records import imported
from tests.test_workflow_cases import ACCEPTED_ON, walk_to
from workflow.intake import open_case
from workflow.queries import get_case

RENAMED = "上海市长宁区养老服务发展协会"


def _approving_window(store) -> Window:
    def user(name, *roles):
        return create_user(store, username=name, display_name=name, password=PASSWORD, roles=frozenset(roles),
                           actor="system")
    add_block(store, "MA1A0001", 20, actor="system")
    return Window(store, user("clerk", Role.CLERK), user("reviewer", Role.REVIEWER), user("approver", Role.APPROVER),
                  user("both", Role.CLERK, Role.APPROVER))


def _notices(store) -> list[str]:
    with store.read() as session:
        return [n.reason for n in session.query(SyncNotice).all()]


def test_a_registration_at_w01_reaches_w02_with_version_1_and_its_persons_then_each_later_version(
        tmp_path, centre, file_keyring):
    w01, w02 = (make_window(tmp_path / code, centre, code) for code in ("W01", "W02"))
    run_sync(*w02)  # W02 has pulled before: what follows reaches it through the change log
    window = _approving_window(w01[0])
    case_no = open_case(w01[0], GROUP_FORM, user=window.clerk, today=ACCEPTED_ON).case_no
    walk_to(window, case_no, CaseState.CERTIFICATE, on=date(2026, 9, 22))
    org_id = get_case(w01[0], case_no).organization_id
    report = run_sync(*w01)
    assert report.rejected == report.held_for_review == 0 and _notices(w01[0]) == []
    run_sync(*w02)

    [version] = record_versions(w02[0], org_id)
    assert (version.number, version.business, version.case_no, version.actor) == (1, "成立登记", case_no, "approver")
    record = current_record(w02[0], org_id)
    assert record == current_record(w01[0], org_id)
    assert [(p.name, p.title, p.roles) for p in record.persons] == [
        ("李建国", "会长", ("发起人", "法定代表人")), ("张敏", "秘书长", ("发起人", "负责人"))]

    with w01[0].write() as session:
        add_version_in(session, session.get(Organization, org_id), RegisteredRecord(**{**record.__dict__, "name": RENAMED}),
                       actor="approver", case_id=None, business="变更登记", on=date(2026, 11, 2))
    run_sync(*w01)
    run_sync(*w02)
    assert [v.number for v in record_versions(w02[0], org_id)] == [2, 1]
    assert current_record(w02[0], org_id).name == RENAMED
    with w02[0].read() as session:
        assert session.get(Organization, org_id).name == RENAMED

    w03 = make_window(tmp_path / "W03", centre, "W03")
    run_sync(*w03)  # a first pull: the snapshot brings the versions after their organization
    assert [(v.number, v.business) for v in record_versions(w03[0], org_id)] == [(2, "变更登记"), (1, "成立登记")]
    assert current_record(w03[0], org_id) == current_record(w01[0], org_id)


def _version_op(window: str, org_id: str, number: int, **items) -> dict:
    row_id = str(uuid.uuid4())
    record = {"name": "上海市长宁区晨曦社区服务中心", "address": "", "street_code": "", "activity_area": "",
              "scope": [{"text": "社区服务", "approval_doc_no": "", "approval_date": None}], "funds_yuan": None,
              "sponsor": "", "direct_category": "", "legal_representative": "", "purpose": "",
              "persons": [{"name": "陈晓东", "id_number": "310105197012013574", "roles": "法定代表人", "title": "理事长",
                           "appointed_on": "2026-09-22"}]} | items
    payload = pushed_payload("organization_versions", {
        "id": row_id, "organization_id": org_id, "version_no": number, "business": "成立登记", "case_id": None,
        "case_no": None, "actor": "approver", "at": "2026-09-22T09:00:00", "effective_on": "2026-09-22",
        "created_at": "2026-09-22T09:00:00", "updated_at": "2026-09-22T09:00:00", "row_version": 1,
        "record": json.dumps(record, ensure_ascii=False)})
    return {"window": window, "op_id": str(uuid.uuid4()), "table_name": "organization_versions", "row_id": row_id,
            "op": "insert", "row_version": 1, "base_version": 0, "registry_cursor": None, "payload": payload}


def test_the_centre_refuses_a_bad_version_alone_with_the_item_named(centre):
    centre.add_window("W01")
    org_id = str(uuid.uuid4())
    good = _version_op("W01", org_id, 1)
    too_long_id = _version_op("W01", str(uuid.uuid4()), 1)
    too_long_id["payload"]["persons"][0]["id_number"] = "3" * 30
    no_scope = _version_op("W01", str(uuid.uuid4()), 1)
    del no_scope["payload"]["scope"]
    updated = _version_op("W01", str(uuid.uuid4()), 1) | {"op": "update"}
    same_number = _version_op("W01", org_id, 1)
    ops = [too_long_id, good, no_scope, updated, same_number]
    with centre.window_conn("W01") as conn:
        answer = conn.execute("SELECT sync_api.sync_versions_v1(%s::jsonb)",
                              (json.dumps(ops, ensure_ascii=False),)).fetchone()[0]
        again = conn.execute("SELECT sync_api.sync_versions_v1(%s::jsonb)",
                             (json.dumps([good], ensure_ascii=False),)).fetchone()[0]
    reasons = {p["op_id"]: p["reason"] for p in answer["problems"]}
    assert reasons == {
        too_long_id["op_id"]: "在任人员第 1 项：身份证号超过 18 个字符（现有 30 个）",
        no_scope["op_id"]: "缺少业务范围",
        updated["op_id"]: "登记事项的版本只能追加（insert），不能修改或删除",
        same_number["op_id"]: "该组织的第 1 版登记事项已由窗口 W01 上传，本窗口的这一版未被采用：请同步后核对该组织的登记事项",
    }
    assert again["problems"] == []  # a replay gets its earlier result
    with centre.admin() as conn:
        stored = conn.execute("SELECT id::text, version_no FROM central.organization_versions").fetchall()
        logged = conn.execute("SELECT row_id FROM central.change_log WHERE kind = 'organization_version'").fetchall()
    assert stored == [(good["row_id"], 1)] and logged == [(good["row_id"],)]


def test_the_window_checks_a_version_as_the_centre_does_before_it_is_queued(store, tmp_path):
    """A version the centre would refuse is refused where it is written, naming the item."""
    org_id = imported(Window(store, None, None, None, None), tmp_path)
    record = current_record(store, org_id)
    with pytest.raises(SoregError, match="登记事项版本的活动地域超过 100 个字符"), store.write() as session:
        add_version_in(session, session.get(Organization, org_id),
                       RegisteredRecord(**{**record.__dict__, "activity_area": "长" * 101}),
                       actor="clerk", case_id=None, business="变更登记")
    with store.read() as session:
        assert session.query(OutboxOp).filter(OutboxOp.table_name == "organization_versions").count() == 0
