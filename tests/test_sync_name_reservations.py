"""名称保留 across windows: reservations travel through the centre like registrations; a clash
between windows goes to 待复核 when the second reservation reaches the centre, not at approval."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sync_fixtures import centre, file_keyring, make_window, private_server  # noqa: F401
from workflow_fixtures import GROUP_FORM

from accounts.users import create_user
from models.accounts import Role
from models.name_reservations import NameReservation
from models.outbox import NoticeKind, OutboxOp, SyncNotice
from registry.name_check import check_name
from sync.reviews import Decision, list_reviews, resolve_review
from sync.runner import run_sync
from workflow.intake import open_case
from workflow.transitions import Action, perform

NAME = GROUP_FORM["organization"]["name"]
TODAY = date.today()


def _users(store, code):
    return (create_user(store, username=f"clerk{code}", display_name="受理员", password="pw-123456789",
                        roles=frozenset({Role.CLERK}), actor="system"),
            create_user(store, username=f"reviewer{code}", display_name="审查员", password="pw-123456789",
                        roles=frozenset({Role.REVIEWER}), actor="system"))


def _reserve(store, code) -> tuple[str, object]:
    """A case at ``code`` whose name passes 名称核准 (and so is reserved); its number and clerk."""
    clerk, reviewer = _users(store, code)
    case = open_case(store, GROUP_FORM, user=clerk, today=TODAY)
    perform(store, case.case_no, Action.ADVANCE, user=clerk, on=TODAY)
    perform(store, case.case_no, Action.ADVANCE, user=reviewer, on=TODAY, acknowledge_warnings=True)
    return case.case_no, clerk


def _reservations(store) -> dict[str, tuple]:
    with store.read() as session:
        return {r.case_no: (r.window_code, r.ended_on) for r in session.scalars(select(NameReservation))}


def test_a_name_reserved_at_one_window_is_named_by_the_other_after_it_syncs(tmp_path, centre, file_keyring):
    w01, w02 = (make_window(tmp_path / code, centre, code) for code in ("W01", "W02"))
    case_no, clerk = _reserve(w01[0], "W01")
    with w01[0].read() as session:
        assert "name_reservations" in set(session.scalars(select(OutboxOp.table_name)))
    assert check_name(w02[0], NAME, "社会团体", TODAY).verdict == "pass"  # W02 has not synced yet
    run_sync(*w01)
    centre.drain()
    run_sync(*w02)  # a first sync: the reservation made before it comes with sync_reservations_v1
    verdict = check_name(w02[0], NAME, "社会团体", TODAY)
    assert verdict.verdict == "reject"
    finding = next(f for f in verdict.findings if f.rule == "reserved.identical_name")
    assert f"窗口 W01 办件 {case_no}" in finding.message
    with centre.admin() as conn:
        assert conn.execute("SELECT count(*) FROM central.review_queue").fetchone()[0] == 0

    # the end of the reservation travels the same way, through the change log
    perform(w01[0], case_no, Action.WITHDRAW, user=clerk, reasons=["申请人书面申请撤回"], on=TODAY)
    run_sync(*w01)
    centre.drain()
    run_sync(*w02)
    assert _reservations(w02[0])[case_no] == ("W01", TODAY)
    assert check_name(w02[0], NAME, "社会团体", TODAY).verdict == "pass"


def test_an_equal_name_reserved_at_both_windows_offline_goes_to_review_at_the_next_sync(
        tmp_path, centre, file_keyring):
    w01, w02 = (make_window(tmp_path / code, centre, code) for code in ("W01", "W02"))
    (first, _), (second, _) = _reserve(w01[0], "W01"), _reserve(w02[0], "W02")
    run_sync(*w01)
    centre.drain()
    report = run_sync(*w02)
    assert report.held_for_review == 1
    [item] = list_reviews(centre.admin_url)
    assert (item.window_code, item.existing_window, item.proposed_name) == ("W02", "W01", NAME)
    assert first in item.reason and second in item.reason
    # the second window's clerk sees it as a notice, naming the other case and window
    with w02[0].read() as session:
        notices = list(session.scalars(select(SyncNotice).where(SyncNotice.kind == NoticeKind.REVIEW.value)))
    assert [n.table_name for n in notices] == ["name_reservations"]
    assert "待复核" in notices[0].reason and f"窗口 W01 办件 {first}" in notices[0].reason
    # and its name check names the other window's case too
    assert any(first in f.message for f in check_name(w02[0], NAME, "社会团体", TODAY).findings)
    # the first window is told too, after its next pull
    run_sync(*w01)
    with w01[0].read() as session:
        told = session.scalar(select(SyncNotice).where(SyncNotice.key == str(item.id)))
    assert told.table_name == "name_reservations" and f"窗口 W02 办件 {second}" in told.reason

    # 驳回: the centre ends the later reservation, and W02 pulls the end
    resolve_review(centre.admin_url, item.id, Decision.REJECT, "W01 先保留该名称")
    centre.drain()
    run_sync(*w02)
    assert _reservations(w02[0])[second] == ("W02", TODAY)
    with w02[0].read() as session:
        notice = session.scalar(select(SyncNotice).where(SyncNotice.key == str(item.id)))
    assert notice.status == "已驳回" and "该保留已结束" in notice.reason


def test_the_centre_refuses_a_bad_reservation_alone_with_a_chinese_reason(tmp_path, centre, file_keyring):
    store, _settings = make_window(tmp_path / "W01", centre, "W01")
    _reserve(store, "W01")
    with store.read() as session:
        op = session.scalar(select(OutboxOp).where(OutboxOp.table_name == "name_reservations"))
        payload = json.loads(op.payload)
    head = {"window": "W01", "table_name": "name_reservations", "op": "insert", "row_version": 1, "base_version": 0,
            "registry_cursor": None}

    def op_with(op_id: str, **changes) -> dict:
        body = payload | changes
        return head | {"op_id": op_id, "row_id": body["id"], "payload": body}

    ops = [op_with("00000000-0000-7000-8000-000000000001", name="名" * 201),
           op_with("00000000-0000-7000-8000-000000000002", window_code="W02"),
           op_with("00000000-0000-7000-8000-000000000003", expires_on="明年"),
           op_with("00000000-0000-7000-8000-000000000004", extra={"a": 1}),
           op_with("00000000-0000-7000-8000-000000000006", extra="x" * (1 << 20)),
           op_with("00000000-0000-7000-8000-000000000005")]
    with centre.window_conn("W01") as conn:
        answer = conn.execute("SELECT sync_api.sync_reserve_v1(%s::jsonb)", (json.dumps(ops),)).fetchone()[0]
    reasons = {p["op_id"][-1]: p["reason"] for p in answer["problems"]}
    assert set(reasons) == {"1", "2", "3", "4", "6"}  # each refused alone; the sound one taken
    assert "名称" in reasons["1"] and "200" in reasons["1"]
    assert reasons["2"] == "保留记录的窗口代码与登录身份不符"
    assert "保留期满日期" in reasons["3"]
    assert reasons["4"] == "字段“extra”应为文字、数字或 true/false"
    assert reasons["6"].startswith("数据超过 1048576 字节的上限")
    with centre.admin() as conn:
        assert conn.execute("SELECT count(*) FROM central.name_reservations").fetchone()[0] == 1
