"""Materials received with scanned files, and registered items amended during review."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import select

from models.audit import AuditEvent, verify_chain_in
from models.case_rules import RULES_SETTING
from models.cases import Case, CaseAttachment, CaseState
from models.errors import SoregError
from models.settings import set_setting_in
from tests.test_workflow_cases import corrected_form, walk_to
from tests.workflow_fixtures import GROUP_FORM, SERVICE_FORM, form, make_window
from workflow.amend import amend_case
from workflow.intake import open_case
from workflow.materials import attachment_path, receive_material
from workflow.transitions import Action, StepRefused, perform

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def window(tmp_path, monkeypatch):
    monkeypatch.setenv("SOREG_HOME", str(tmp_path / "home"))
    w = make_window(tmp_path)
    yield w
    w.store.close()


def test_scanned_file_is_copied_hashed_and_recorded(window, tmp_path):
    data = form(GROUP_FORM)
    data["received"].remove("HYMD")
    case = open_case(window.store, data, user=window.clerk, today=date(2026, 9, 21))
    scan = tmp_path / "会员名单.PDF"
    scan.write_bytes(PDF)
    receive_material(window.store, case.case_no, "HYMD", user=window.clerk, on=date(2026, 9, 22), file=scan)
    receive_material(window.store, case.case_no, "HYMD", user=window.clerk, on=date(2026, 9, 22), file=scan)
    sha = hashlib.sha256(PDF).hexdigest()
    with window.store.read() as session:
        rows = session.scalars(select(CaseAttachment)).all()
        assert [(r.original_name, r.sha256, r.size_bytes, r.media_type) for r in rows] == \
            [("会员名单.PDF", sha, len(PDF), "application/pdf")] * 2
        assert rows[0].stored_path == f"attachments/{sha[:2]}/{sha}.pdf"
        material = next(m for m in session.scalar(select(Case)).materials if m.item_code == "HYMD")
        assert material.received and material.received_on == date(2026, 9, 22)
        assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "case.material")).all() == ["case.material"] * 2
        assert verify_chain_in(session).ok
    assert attachment_path(rows[0].stored_path).read_bytes() == PDF
    assert perform(window.store, case.case_no, Action.ADVANCE, user=window.clerk).case.state == "名称核准"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("scan.docx", PDF, "类型不支持"),
    ("scan.jpg", PNG, "内容与扩展名不符"),
    ("scan.png", PNG + b"\x00" * 2048, "超过"),
])
def test_unacceptable_files_are_refused_and_nothing_recorded(window, tmp_path, name, content, message):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=date(2026, 9, 21))
    if message == "超过":
        with window.store.write() as session:
            set_setting_in(session, RULES_SETTING, {"attachments": {"max_bytes": 1024}})
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(SoregError, match=message):
        receive_material(window.store, case.case_no, "SQS", user=window.clerk, file=path)
    with window.store.read() as session:
        assert session.scalars(select(CaseAttachment)).all() == []
    with pytest.raises(SoregError, match="材料清单中没有“XX”"):
        receive_material(window.store, case.case_no, "XX", user=window.clerk)
    with pytest.raises(SoregError, match="没有“窗口受理”角色"):
        receive_material(window.store, case.case_no, "SQS", user=window.reviewer)


def test_prior_approval_recorded_during_scope_review(window):
    data = form(SERVICE_FORM)
    data["scope_items"][0] = {"catalogue_code": "YL01"}
    case = open_case(window.store, data, user=window.clerk, today=date(2026, 9, 21))
    walk_to(window, case.case_no, CaseState.SCOPE_REVIEW)
    with pytest.raises(StepRefused, match="须经区民政局养老服务科前置审批"):
        perform(window.store, case.case_no, Action.ADVANCE, user=window.reviewer, acknowledge_warnings=True)
    corrected = corrected_form(window, case.case_no)
    corrected["scope_items"][0].update(approval_doc_no="长民养〔2026〕5号", approval_date="2026-02-30")
    with pytest.raises(SoregError, match="“第 1 项前置审批日期”不是一个存在的日期"):
        amend_case(window.store, case.case_no, corrected, reason="申请人提交了前置审批文件", user=window.reviewer)
    corrected["scope_items"][0]["approval_date"] = "2026-08-01"
    amended = amend_case(window.store, case.case_no, corrected, reason="申请人提交了前置审批文件", user=window.reviewer,
                         on=date(2026, 9, 22))
    assert [str(c) for c in amended.changes] == ["业务范围第 1 项前置审批文号：（空） → 长民养〔2026〕5号",
                                                 "业务范围第 1 项前置审批日期：（空） → 2026-08-01"]
    assert not any(f.rule == "scope.prior_approval_missing" for f in amended.findings)
    outcome = perform(window.store, case.case_no, Action.ADVANCE, user=window.reviewer, on=date(2026, 9, 22),
                      acknowledge_warnings=True)
    assert outcome.case.state == "业务主管单位审查"


def test_amending_items_validates_like_the_form_and_stops_after_approval(window):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=date(2026, 9, 21))
    with pytest.raises(SoregError, match="“个人会员数”应为不小于 0 的整数"):
        amend_case(window.store, case.case_no, corrected_form(window, case.case_no, individual_members="很多"),
                   reason="会员数有误", user=window.reviewer)
    with pytest.raises(SoregError, match="“更正理由”不能为空"):
        amend_case(window.store, case.case_no, corrected_form(window, case.case_no, individual_members="80"),
                   reason=" ", user=window.reviewer)
    with pytest.raises(SoregError, match="没有“窗口受理”或“审核”角色"):
        amend_case(window.store, case.case_no, corrected_form(window, case.case_no, individual_members="80"),
                   reason="会员数有误", user=window.approver)
    amended = amend_case(window.store, case.case_no, corrected_form(window, case.case_no, individual_members="80"),
                         reason="会员名单更新", user=window.reviewer)
    assert [str(c) for c in amended.changes] == ["个人会员数：50 → 80"]
    with window.store.read() as session:
        row = session.scalar(select(Case))
        assert (row.individual_members, row.unit_members) == (80, 0)
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "case.amend"))
        assert '["个人会员数", "50", "80"]' in event.summary and "会员名单更新" in event.summary
    walk_to(window, case.case_no, CaseState.CERTIFICATE)
    with pytest.raises(SoregError, match="登记事项已不能更改"):
        amend_case(window.store, case.case_no, corrected_form(window, case.case_no, individual_members="90"),
                   reason="会员数有误", user=window.reviewer)
