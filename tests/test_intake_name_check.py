"""At intake the proposed name is checked (名称核准): a refused name needs the clerk's reason, which
the case keeps and the reviewer reads at the 名称核准 step."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from forms.intake import IntakeInvalid
from models.audit import AuditEvent
from models.cases import Case, CaseStep
from registry.organizations import OrganizationRecord, add_organization_in
from tests.workflow_fixtures import GROUP_FORM, make_window
from workflow.checks import name_findings_in
from workflow.intake import open_case
from workflow.transitions import Action, perform

TODAY = date(2026, 9, 21)
REASON = "申请人称原同名协会已注销多年，坚持使用此名称"


@pytest.fixture
def window(tmp_path):
    w = make_window(tmp_path)
    with w.store.write() as session:  # a registered 社会团体 with the very name of GROUP_FORM
        add_organization_in(session, OrganizationRecord(name=GROUP_FORM["organization"]["name"], org_type="社会团体",
                                                     status="正常"), actor="t")
    yield w
    w.store.close()


def test_a_refused_name_without_a_reason_opens_nothing(window):
    with pytest.raises(IntakeInvalid) as raised:
        open_case(window.store, GROUP_FORM, user=window.clerk, today=TODAY)
    [error] = raised.value.errors
    assert error.path == "name_override_reason"
    assert error.message.startswith("“拟定名称”未通过名称核准（与已登记的社会组织名称相同：“上海市长宁区养老服务协会”（正常）")
    assert "或在“名称未通过核准仍予受理的理由”中写明仍予受理的理由" in error.message
    with window.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_the_reason_is_kept_and_shown_to_the_reviewer_at_name_review(window):
    case = open_case(window.store, GROUP_FORM | {"name_override_reason": REASON}, user=window.clerk, today=TODAY)
    with window.store.read() as session:
        row = session.scalars(select(Case).where(Case.case_no == case.case_no)).one()
        assert row.name_override_reason == REASON
        step = session.scalars(select(CaseStep).where(CaseStep.case_id == row.id)).one()
        assert step.note == f"材料齐全；名称核准未通过，受理理由：{REASON}"
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.accept")).one()
        assert json.loads(event.summary)["after"]["name_override_reason"] == REASON
    perform(window.store, case.case_no, Action.ADVANCE, user=window.clerk, on=TODAY)
    with window.store.read() as session:
        row = session.scalars(select(Case).where(Case.case_no == case.case_no)).one()
        assert row.state == "名称核准"
        findings = name_findings_in(session, row, TODAY)
    assert [(f.rule, f.level) for f in findings] == [("identical_name", "reject"), ("name.override_reason", "info")]
    assert findings[1].message == f"受理时名称核准未通过，受理人 clerk 记录的受理理由：{REASON}"


def test_a_reason_for_a_name_that_passes_is_not_kept(window):
    data = GROUP_FORM | {"organization": GROUP_FORM["organization"] | {"name": "上海市长宁区琴韵音乐协会"},
                         "name_override_reason": REASON}
    case = open_case(window.store, data, user=window.clerk, today=TODAY)
    with window.store.read() as session:
        assert session.scalar(select(Case.name_override_reason).where(Case.case_no == case.case_no)) is None
