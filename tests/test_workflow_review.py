"""Review steps that fit the work: corrections during review (更正登记事项), 退回, opinions, and the
certificate's collector at 发证 — as the database records them (history, audit trail, outbox)."""

from __future__ import annotations

from datetime import date

import pytest
from alembic import command
from sqlalchemy import create_engine, func, select, text

from models import migrate
from models.audit import AuditEvent, verify_chain_in
from models.cases import Case, CaseState, CollectorKind
from models.errors import SoregError
from models.outbox import OutboxOp
from models.print_records import DocumentKind
from tests.test_workflow_cases import corrected_form, walk_to, window  # noqa: F401  (the fixture)
from tests.workflow_fixtures import (
    GROUP_FORM,
    SERVICE_FORM,
    as_accepted_by_an_older_version,
    form,
    id_number,
    with_old_person,
)
from workflow.amend import amend_case, may_amend
from workflow.case_documents import case_document
from workflow.catalogue import business
from workflow.intake import open_case
from workflow.queries import case_history, get_case
from workflow.transitions import (
    Action,
    Collector,
    StepRefused,
    perform,
    preview_findings,
    return_targets,
)

ACCEPTED_ON = date(2026, 9, 21)
ON = date(2026, 9, 22)


def outbox_seq(window) -> int:
    with window.store.read() as session:
        return session.scalar(select(func.max(OutboxOp.seq))) or 0


def outbox_since(window, seq: int) -> list[tuple[str, str]]:
    with window.store.read() as session:
        return [tuple(r) for r in session.execute(
            select(OutboxOp.table_name, OutboxOp.op).where(OutboxOp.seq > seq).order_by(OutboxOp.seq))]


def test_a_corrected_sponsor_approval_cures_the_red_finding_with_history_audit_and_outbox(window):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    as_accepted_by_an_older_version(window, "update cases set sponsor_consent_date = '2026-12-20' where case_no = :no",
                                     no=case.case_no)
    walk_to(window, case.case_no, CaseState.SPONSOR_REVIEW, on=ON)
    with pytest.raises(StepRefused, match="批准日期 2026-12-20 晚于今天"):
        perform(window.store, case.case_no, Action.ADVANCE, user=window.reviewer, on=ON)
    assert may_amend("业务主管单位审查", window.reviewer) and not may_amend("业务主管单位审查", window.approver)

    mark = outbox_seq(window)
    amended = amend_case(window.store, case.case_no,
                         corrected_form(window, case.case_no, sponsor_consent_doc_no="长民〔2026〕15号",
                                        sponsor_consent_date="2026-09-20"),
                         reason="业务主管单位重新出具了批准文件", user=window.reviewer, on=ON)
    assert [str(c) for c in amended.changes] == ["业务主管单位批准文号：长民〔2026〕12号 → 长民〔2026〕15号",
                                                 "业务主管单位批准日期：2026-12-20 → 2026-09-20"]
    assert amended.findings == () and amended.case.state == "业务主管单位审查"
    assert outbox_since(window, mark) == [("cases", "update"), ("case_steps", "insert"), ("audit_events", "insert")]

    last = case_history(window.store, case.case_no)[-1]
    assert (last.title, last.actor, last.from_state, last.to_state) == ("更正登记事项", "reviewer", "业务主管单位审查", "业务主管单位审查")
    assert last.reasons == ("业务主管单位重新出具了批准文件",) and last.changes == amended.changes
    with window.store.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.amend")).one()
        assert event.actor == "reviewer" and '["业务主管单位批准日期", "2026-12-20", "2026-09-20"]' in event.summary
        assert verify_chain_in(session).ok
    assert perform(window.store, case.case_no, Action.ADVANCE, user=window.reviewer, on=ON).case.state == "发起人/拟任负责人审查"


def test_a_person_over_the_age_limit_is_replaced_and_the_finding_disappears(window):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    with_old_person(window, case.case_no, 1, date(1950, 3, 9), "246")  # 76 at appointment
    walk_to(window, case.case_no, CaseState.PERSONS_REVIEW, on=ON)
    assert [f.rule for f in preview_findings(window.store, case.case_no, on=ON)] == ["persons.age"]

    corrected = corrected_form(window, case.case_no)
    newcomer = {"name": "王小红", "id_number": id_number(date(1980, 6, 1), "468"), "phone": "13900002222",
                "roles": "发起人、负责人", "title": "秘书长", "appointed_on": ""}
    corrected["persons"][1] = newcomer
    corrected["persons"][0]["phone"] = "13900001112"
    mark = outbox_seq(window)
    amended = amend_case(window.store, case.case_no, corrected, reason="原拟任秘书长年龄超过上限，改由王小红担任",
                         user=window.clerk, on=ON)
    assert [str(c) for c in amended.changes] == [
        "李建国的联系电话：13900001111 → 13900001112",
        f"更换人员：张敏（{id_number(date(1950, 3, 9), '246')}，发起人、负责人） → 王小红（{newcomer['id_number']}，发起人、负责人）",
    ]
    assert amended.findings == ()
    assert sorted(outbox_since(window, mark)) == sorted([("case_persons", "update"), ("case_persons", "update"),
                                                        ("case_steps", "insert"), ("audit_events", "insert")])

    # a person added; then one removed
    corrected = corrected_form(window, case.case_no)
    founder = {"name": "赵六", "id_number": id_number(date(1990, 1, 2), "579"), "phone": "13900003333",
               "roles": "发起人", "title": "", "appointed_on": ""}
    amended = amend_case(window.store, case.case_no, dict(corrected, persons=[*corrected["persons"], founder]),
                         reason="增加一位发起人", user=window.clerk, on=ON)
    assert [str(c) for c in amended.changes] == [f"新增人员：（空） → 赵六（{founder['id_number']}，发起人）"]
    amended = amend_case(window.store, case.case_no, dict(corrected, persons=[corrected["persons"][0], founder]),
                         reason="王小红不再担任秘书长", user=window.clerk, on=ON)
    assert [c.label for c in amended.changes] == ["删除人员"] and amended.changes[0].before.startswith("王小红（")
    with window.store.read() as session:
        persons = session.scalar(select(Case)).persons
        assert [(p.name, p.position) for p in persons] == [("李建国", 0), ("赵六", 1)]
    with pytest.raises(SoregError, match="应有且只有一位拟任法定代表人"):
        amend_case(window.store, case.case_no, dict(corrected, persons=[founder]), reason="发起人调整",
                   user=window.clerk, on=ON)


def test_switching_to_direct_registration_brings_its_material_and_drops_the_sponsors(window):
    data = form(GROUP_FORM)
    data["received"].remove("ZGPJ")  # the sponsor's approval document was never brought
    case = open_case(window.store, data, user=window.clerk, today=ACCEPTED_ON)
    corrected = corrected_form(window, case.case_no, sponsor="", sponsor_consent_doc_no="", sponsor_consent_date="",
                               direct_category="行业协会商会类", direct_justification="本会为养老服务行业协会")
    amended = amend_case(window.store, case.case_no, corrected, reason="申请人改为申请直接登记", user=window.clerk, on=ON)
    assert [str(c) for c in amended.changes if c.label == "申请材料"] == [
        "申请材料：业务主管单位批准文件（待补） → （空）", "申请材料：（空） → 直接登记类别说明（待补）"]
    assert "直接登记类别说明 尚未收到" in amended.findings[0].message


def test_nothing_changed_and_refused_text_are_refused(window):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    with pytest.raises(SoregError, match="没有改动"):
        amend_case(window.store, case.case_no, corrected_form(window, case.case_no), reason="核对", user=window.clerk)
    with pytest.raises(SoregError, match="“更正理由”.*表情"):
        amend_case(window.store, case.case_no, corrected_form(window, case.case_no, individual_members="60"),
                   reason="好的😀", user=window.clerk)
    assert len(case_history(window.store, case.case_no)) == 1


def test_return_from_persons_review_to_name_review_with_a_reason(window):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    walk_to(window, case.case_no, CaseState.PERSONS_REVIEW, on=ON)
    passed = [s.to_state for s in case_history(window.store, case.case_no)]
    assert return_targets(business("成立登记"), "发起人/拟任负责人审查", passed) == ["受理", "名称核准", "业务范围审定", "业务主管单位审查"]
    with pytest.raises(SoregError, match="须写明理由"):
        perform(window.store, case.case_no, Action.RETURN, user=window.reviewer, return_to="名称核准")
    with pytest.raises(SoregError, match="请选择退回到的环节"):
        perform(window.store, case.case_no, Action.RETURN, user=window.reviewer, reasons=["x"], return_to="核准登记")
    outcome = perform(window.store, case.case_no, Action.RETURN, user=window.reviewer, on=ON, return_to="名称核准",
                      reasons=["名称与在审办件近似，须重新核准"], opinion="请重新核准名称")
    assert outcome.case.state == "名称核准" and outcome.case.due_date == case.due_date  # the clock keeps running
    last = case_history(window.store, case.case_no)[-1]
    assert (last.title, last.from_state, last.to_state, last.reasons, last.opinion) == (
        "退回至名称核准", "发起人/拟任负责人审查", "名称核准", ("名称与在审办件近似，须重新核准",), "请重新核准名称")
    assert return_targets(business("成立登记"), "名称核准", passed) == ["受理"]


def test_an_opinion_is_recorded_with_each_pass(window):
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON)
    perform(window.store, case.case_no, Action.ADVANCE, user=window.clerk, on=ON)
    perform(window.store, case.case_no, Action.ADVANCE, user=window.reviewer, on=ON, opinion="  名称符合规定，同意。 ")
    last = case_history(window.store, case.case_no)[-1]
    assert (last.title, last.opinion) == ("审查通过（名称核准）", "名称符合规定，同意。")
    with window.store.read() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.advance")).all()[-1]
        assert "名称符合规定，同意。" in event.summary
    with pytest.raises(SoregError, match="“审查意见”.*U\\+202E"):
        perform(window.store, case.case_no, Action.ADVANCE, user=window.reviewer, on=ON, opinion="同意\u202e")


def test_issue_records_who_collected_the_certificate(window):
    cases = [open_case(window.store, base, user=window.clerk, today=ACCEPTED_ON) for base in (GROUP_FORM, SERVICE_FORM)]
    for case in cases:
        walk_to(window, case.case_no, CaseState.ISSUE, on=ON)
    first, second = (c.case_no for c in cases)
    with pytest.raises(SoregError, match="发证须登记领证人"):
        perform(window.store, first, Action.ISSUE, user=window.clerk)
    with pytest.raises(SoregError, match="“代理人身份证号”校验位（最后一位）不正确"):
        perform(window.store, first, Action.ISSUE, user=window.clerk,
                collector=Collector(CollectorKind.AGENT, "王芳", id_number(date(1985, 4, 4))[:-1] + "0"))
    assert get_case(window.store, first).state == "发证" and get_case(window.store, first).collector is None
    agent = id_number(date(1985, 4, 4), "135")
    done = perform(window.store, first, Action.ISSUE, user=window.clerk, on=ON,
                   collector=Collector(CollectorKind.AGENT, " 王芳 ", agent.lower())).case
    assert done.state == "办结"
    assert (done.collector.kind, done.collector.name, done.collector.id_number) == ("代理人", "王芳", agent)
    assert case_history(window.store, first)[-1].note == f"领证人：代理人 王芳（{agent}）"
    receipt = case_document(window.store, first, DocumentKind.COLLECTION_RECEIPT, clerk_name="张三")
    assert (receipt.collector_name, receipt.collector_id_number) == ("王芳", agent)  # who came, not who was expected
    own = perform(window.store, second, Action.ISSUE, user=window.clerk, on=ON,
                  collector=Collector(CollectorKind.LEGAL_REPRESENTATIVE)).case
    assert (own.collector.kind, own.collector.name) == ("法定代表人", "陈晓东")


def test_the_migration_adds_the_columns_to_a_database_made_by_the_previous_head(tmp_path):
    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0006")
    case_id = "0190a8f0-0000-7000-8000-000000000001"
    with engine.begin() as conn:
        conn.execute(text(
            "insert into cases (id, created_at, updated_at, row_version, case_no, business_type, org_type, state, "
            "window_code, accepted_by, accepted_at, applicant, applicant_phone, due_date, statutory_due_date, "
            "stopped_working_days, stopped_calendar_days, name, address, purpose, activity_area, legal_representative, "
            "funds_yuan, individual_members, unit_members) values (:id, '2026-09-21', '2026-09-21', 1, 'C1', "
            "'成立登记', '社会团体', '名称核准', 'W01', 'clerk', '2026-09-21', '', '', '2026-10-26', '2026-11-20', "
            "0, 0, '上海市长宁区养老服务协会', '', '', '', '', 0, 0, 0)"), {"id": case_id.replace("-", "")})
        conn.execute(text(
            "insert into case_steps (id, created_at, updated_at, row_version, case_id, seq, action, from_state, "
            "to_state, actor, at, note, reasons) values ('s1', '2026-09-21', '2026-09-21', 1, :id, 1, 'accept', "
            "null, '受理', 'clerk', '2026-09-21', '', '[]')"), {"id": case_id.replace("-", "")})
    migrate.upgrade(engine)
    with engine.begin() as conn:
        assert conn.execute(text("select opinion, changes from case_steps")).one() == ("", "[]")
        assert conn.execute(text("select collector_kind, collector_name from cases")).one() == (None, None)
    with pytest.raises(Exception, match="只能追加"), engine.begin() as conn:  # the append-only triggers stay
        conn.execute(text("update case_steps set opinion = 'x'"))
    cfg = migrate._config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    with engine.connect() as conn:
        columns = {row[1] for row in conn.execute(text("pragma table_info(case_steps)"))}
        assert "opinion" not in columns and "reasons" in columns
        assert conn.execute(text("select count(*) from case_steps")).scalar() == 1
    engine.dispose()
