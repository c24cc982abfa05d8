"""变更登记 (change of registered items) on organizations registered by a 成立登记 earlier in the test:
the steps each marked item needs, the refusals (活动异常名录, not 正常), the record's next version
with the same credit code, the old name protected, the documents and the old certificate voided."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from models.cases import CaseState, CollectorKind
from models.errors import SoregError
from models.print_records import DocumentKind
from models.registry import Organization
from printing.data import CopyKind
from registry.name_check import check_name
from registry.records import current_record, organization_page
from tests.print_fixtures import case_at
from tests.workflow_fixtures import (
    GROUP_FORM,
    SERVICE_FORM,
    id_number,
    make_window,
    print_certificates,
)
from workflow.case_documents import case_document, standing_copies
from workflow.case_page import case_page
from workflow.case_queries import CaseFilter, CaseOrder, case_list_page
from workflow.catalogue import business
from workflow.intake import IntakeInvalid, change_start, decision_warning, open_case
from workflow.print_records import RETURNED_ON_CHANGE, print_records
from workflow.queries import get_case
from workflow.transitions import Action, Collector, StepRefused, perform

CHANGE = "变更登记"
ON = date(2026, 10, 12)
NEW_REP = {"name": "周立新", "id_number": id_number(date(1968, 2, 2), "531"), "phone": "13500005555",
           "roles": "法定代表人,负责人", "title": "会长"}


@pytest.fixture
def window(tmp_path):
    w = make_window(tmp_path)
    yield w
    w.store.close()


def established(window, base=GROUP_FORM) -> tuple[str, Organization]:
    case_no = case_at(window, CaseState.CLOSED, base)
    org_id = get_case(window.store, case_no).organization_id
    with window.store.read() as session:
        return case_no, session.get(Organization, org_id)


def change_form(window, org, **organization) -> dict:
    """The wizard's form: the current record, the marked items typed over it."""
    start = change_start(window.store, organization_id=org.id)
    data = copy.deepcopy(start.form)
    data["organization"] |= {"applicant": "王芳", "applicant_phone": "13812345678"} | organization
    data["decision_date"] = "2026-10-01"
    return data


def received(kind_materials, org_type, changed) -> list[str]:
    from forms.materials import changed_conditions, required_items
    return [i.code for i in required_items(kind_materials, org_type, changed_conditions(changed) | {"sponsor"})]


def open_change(window, org, changed, data=None, **organization):
    data = data or change_form(window, org, **organization)
    data["received"] = received(CHANGE, org.org_type, changed)
    return open_case(window.store, data, user=window.clerk, today=ON, business_type=CHANGE, changed_items=changed,
                     organization_id=org.id).case_no


def walk(window, case_no: str, *, serial_base: str = "SX2026") -> list[str]:
    """Move the change case to 办结; return the states it passed."""
    passed = []
    while (state := get_case(window.store, case_no).state) != "办结":
        passed.append(state)
        if state == "受理":
            perform(window.store, case_no, Action.ADVANCE, user=window.clerk, on=ON)
        elif state == "核准登记":
            perform(window.store, case_no, Action.APPROVE, user=window.approver, on=ON, acknowledge_warnings=True)
        elif state == "制证":
            print_certificates(window, case_no, serial_base=serial_base)
            perform(window.store, case_no, Action.PRINT, user=window.clerk, on=ON)
        elif state == "发证":
            perform(window.store, case_no, Action.ISSUE, user=window.clerk, on=ON, acknowledge_warnings=True,
                    collector=Collector(CollectorKind.LEGAL_REPRESENTATIVE))
        else:
            perform(window.store, case_no, Action.ADVANCE, user=window.reviewer, on=ON, acknowledge_warnings=True)
    return passed


def test_name_address_and_legal_representative_change_end_to_end(window) -> None:
    first, org = established(window)
    old_copies = standing_copies(window.store, first)
    data = change_form(window, org, name="上海市长宁区养老服务促进会", address="上海市长宁区天山路 300 号",
                       street_code="天山路街道", premises_document="租赁合同 CN-2026-0101",
                       premises_valid_until="2030-12-31")
    data["persons"] = [NEW_REP]
    case_no = open_change(window, org, {"name", "address", "legal_representative"}, data)
    case = get_case(window.store, case_no)
    assert case.organization_id == org.id and case.credit_code is None
    page = case_page(window.store, case_no, window.clerk, today=ON)
    assert [(c.label, c.before, c.after) for c in page.changes][:3] == [
        ("名称", "上海市长宁区养老服务协会", "上海市长宁区养老服务促进会"),
        ("住所", "上海市长宁区长宁路 100 号 3 楼", "上海市长宁区天山路 300 号"), ("所属街镇", "华阳路街道", "天山路街道")]
    assert {c.label for c in page.changes} == {"名称", "住所", "所属街镇", "法定代表人", "在任人员"}
    assert walk(window, case_no) == ["受理", "名称核准", "发起人/拟任负责人审查", "核准登记", "制证", "发证"]

    record = current_record(window.store, org.id)
    assert (record.name, record.address, record.street_code) == ("上海市长宁区养老服务促进会", "上海市长宁区天山路 300 号",
                                                                 "310105006")
    assert record.legal_representative == "周立新"
    assert [p.name for p in record.persons] == ["周立新", "张敏"]  # the 秘书长 stays in office
    assert len(record.scope) == 2 and record.funds_yuan == 30000  # not marked: as registered
    with window.store.read() as session:
        assert session.get(Organization, org.id).credit_code == org.credit_code  # the code never changes
    listed = case_list_page(window.store, CaseFilter(business_type=CHANGE), CaseOrder(), ON).rows
    assert [(r.case_no, r.credit_code) for r in listed] == [(case_no, org.credit_code)]  # the list shows the code
    page = organization_page(window.store, org.id)
    assert [v.business for v in page.versions] == [CHANGE, "成立登记"]
    assert {c.label for c in page.versions[0].changes} >= {"名称", "住所", "所属街镇", "法定代表人", "在任人员"}

    # the old name is a former name, protected for a year; the own organization is no clash to itself
    assert check_name(window.store, "上海市长宁区养老服务协会", "社会团体", ON + timedelta(days=30)).verdict == "reject"
    with pytest.raises(IntakeInvalid, match="未通过名称核准"):
        open_case(window.store, GROUP_FORM, user=window.clerk, today=ON + timedelta(days=30))

    # the documents: the notice lists before → after, the certificate keeps the code with new serials
    notice = case_document(window.store, case_no, DocumentKind.CHANGE_NOTICE, today=ON)
    rows = {label: (before, after) for label, before, after in notice.changes}
    assert rows["名称"] == ("上海市长宁区养老服务协会", "上海市长宁区养老服务促进会")
    assert notice.former_name == "上海市长宁区养老服务协会" and notice.credit_code == org.credit_code
    persons_before, persons_after = rows["在任人员"]
    assert persons_after.splitlines()[0].startswith("周立新（会长") and len(persons_after.splitlines()) == 2
    assert NEW_REP["id_number"] not in persons_after  # the applicant takes the notice away: no 身份证号
    assert not any(p.id_number in persons_before for p in current_record(window.store, org.id).persons)
    certificate = case_document(window.store, case_no, DocumentKind.CERTIFICATE, copy=CopyKind.ORIGINAL,
                                serial="SX20260000011")
    assert (certificate.credit_code, certificate.name, certificate.representative) == (
        org.credit_code, "上海市长宁区养老服务促进会", "周立新")
    new_copies = standing_copies(window.store, case_no)
    assert set(new_copies.originals).isdisjoint(old_copies.originals)
    # issued: the old 正本 and 副本 were taken back and voided
    assert standing_copies(window.store, first) == type(old_copies)((), ())
    voids = [r for r in print_records(window.store, first) if r.event == "作废"]
    assert {r.serial for r in voids} == {*old_copies.originals, *old_copies.duplicates}
    assert {r.reason for r in voids} == {RETURNED_ON_CHANGE}


def test_each_item_runs_its_own_step(window) -> None:
    kind = business(CHANGE)
    line = lambda *items: [s.state for s in kind.main_line(items)]  # noqa: E731
    assert line("address") == ["受理", "核准登记", "制证", "发证", "办结"]
    assert line("scope_items") == ["受理", "业务范围审定", "核准登记", "制证", "发证", "办结"]
    assert line("sponsor") == ["受理", "业务主管单位审查", "核准登记", "制证", "发证", "办结"]
    assert line("charter") == ["受理", "章程核准", "核准登记", "制证", "发证", "办结"]
    assert line("funds_yuan", "activity_area") == ["受理", "核准登记", "制证", "发证", "办结"]
    assert kind.step("核准登记").checks_for(frozenset({"address"})) == ("registered", "materials", "certificate")


def test_abnormal_list_and_deregistered_organizations_are_refused(window) -> None:
    _, org = established(window)
    case_no = open_change(window, org, {"activity_area"}, activity_area="上海市")
    with window.store.write() as session:
        session.execute(update(Organization).where(Organization.id == org.id).values(on_abnormal_list=True))
    for state, user in (("受理", window.clerk),):
        with pytest.raises(StepRefused, match="活动异常名录"):
            perform(window.store, case_no, Action.ADVANCE, user=user, on=ON)
        assert get_case(window.store, case_no).state == state
    assert "活动异常名录" in change_start(window.store, organization_id=org.id).refusal
    with pytest.raises(SoregError, match="活动异常名录") as refused:
        open_change(window, org, {"activity_area"}, activity_area="上海市")
    assert refused.value.field == "登记状态"
    with window.store.write() as session:
        session.execute(update(Organization).where(Organization.id == org.id).values(on_abnormal_list=False))
    perform(window.store, case_no, Action.ADVANCE, user=window.clerk, on=ON)
    with window.store.write() as session:
        session.execute(update(Organization).where(Organization.id == org.id).values(status="已注销"))
    with pytest.raises(StepRefused, match="已注销"):
        perform(window.store, case_no, Action.APPROVE, user=window.approver, on=ON, acknowledge_warnings=True)


def test_charter_step_needs_the_amended_charter(window) -> None:
    _, org = established(window)
    data = change_form(window, org, purpose="团结本区养老服务机构和从业人员，促进行业规范发展")
    data["received"] = [c for c in received(CHANGE, org.org_type, {"charter"}) if c != "ZCXZ"]
    case_no = open_case(window.store, data, user=window.clerk, today=ON, business_type=CHANGE,
                        changed_items={"charter"}, organization_id=org.id).case_no
    with pytest.raises(StepRefused, match="章程修正案"):
        perform(window.store, case_no, Action.ADVANCE, user=window.clerk, on=ON)


def test_sponsor_change_to_dual_management_needs_the_consent(window) -> None:
    _, org = established(window, SERVICE_FORM)  # registered directly (城乡社区服务类)
    with pytest.raises(IntakeInvalid, match="业务主管单位"):
        open_change(window, org, {"sponsor"}, direct_category="", direct_justification="")
    case_no = open_change(window, org, {"sponsor"}, direct_category="", direct_justification="",
                          sponsor="上海市长宁区卫生健康委员会")
    perform(window.store, case_no, Action.ADVANCE, user=window.clerk, on=ON)
    with pytest.raises(StepRefused, match="批准文号"):
        perform(window.store, case_no, Action.ADVANCE, user=window.reviewer, on=ON)
    perform(window.store, case_no, Action.WITHDRAW, user=window.clerk, on=ON, reasons=["补齐同意文件后再申请"])
    case_no = open_change(window, org, {"sponsor"}, direct_category="", direct_justification="",
                          sponsor="上海市长宁区卫生健康委员会", sponsor_consent_doc_no="长卫〔2026〕8号",
                          sponsor_consent_date="2026-10-08")
    assert walk(window, case_no, serial_base="SY2026") == ["受理", "业务主管单位审查", "核准登记", "制证", "发证"]
    record = current_record(window.store, org.id)
    assert (record.sponsor, record.direct_category) == ("上海市长宁区卫生健康委员会", "")


def test_foundation_funds_change_is_measured_against_its_minimum(window) -> None:
    foundation = copy.deepcopy(SERVICE_FORM)
    foundation["organization"] |= {"org_type": "基金会", "name": "上海市长宁区乐龄公益基金会", "funds_yuan": "2000000"}
    foundation["received"] = ["SQS", "ZC", "ZJDJ", "ZSZM", "ZJZM", "FZR", "QZSP"]
    _, org = established(window, foundation)
    with pytest.raises(IntakeInvalid, match="注册资金"):
        open_change(window, org, {"funds_yuan"}, funds_yuan="1500000")
    case_no = open_change(window, org, {"funds_yuan", "scope_items"}, funds_yuan="3000000")
    assert walk(window, case_no, serial_base="SF2026") == ["受理", "业务范围审定", "核准登记", "制证", "发证"]
    assert current_record(window.store, org.id).funds_yuan == 3_000_000


def test_unmarked_items_stay_as_registered_and_deadlines(window) -> None:
    _, org = established(window)
    case_no = open_change(window, org, {"activity_area"}, activity_area="上海市", name="随便改的名称协会")
    case = get_case(window.store, case_no)
    assert case.name == org.name  # not marked: kept as registered
    assert (case.statutory_due_date - ON).days == 30  # the authority decides within 30 days
    assert decision_warning(date(2026, 9, 1), ON, {"change": {"apply_within_days_of_decision": 30}}).startswith(
        "申请日距内部决议日期 2026-09-01 已超过 30 日")
    assert decision_warning(date(2026, 9, 20), ON, {"change": {"apply_within_days_of_decision": 30}}) is None
    with pytest.raises(SoregError, match="勾选至少一项"):
        open_case(window.store, change_form(window, org), user=window.clerk, today=ON, business_type=CHANGE,
                  organization_id=org.id)


def test_an_imported_organization_is_asked_for_the_items_its_record_lacks(window) -> None:
    from registry.organizations import OrganizationRecord, add_organization_in
    with window.store.write() as session:
        org = add_organization_in(session, OrganizationRecord(
            name="上海市长宁区书画艺术研究会", org_type="社会团体", credit_code="51310105MJ00000991",
            address="上海市长宁区愚园路 500 号", legal_representative="周文华"), actor="import")
    start = change_start(window.store, text="上海市长宁区书画艺术研究会")
    assert start.organization_id == org.id and start.form["persons"] == [] and start.form["organization"]["funds_yuan"] == ""
    data = change_form(window, org, activity_area="上海市")
    with pytest.raises(IntakeInvalid) as asked:  # scope, funds, 宗旨 and the persons are not registered yet
        open_change(window, org, {"activity_area"}, data)
    assert {"scope_items", "funds_yuan", "purpose", "persons", "street_code"} <= {e.path for e in asked.value.errors}
    data["organization"] |= {"funds_yuan": "50000", "purpose": "研究书画艺术，开展书画交流", "street_code": "江苏路街道",
                             "address": "不是勾选的事项，不会变", "sponsor": "上海市长宁区文化和旅游局",
                             "sponsor_consent_doc_no": "长文旅〔2020〕3号", "sponsor_consent_date": "2020-05-06"}
    data["scope_items"] = [{"catalogue_code": "HY01"}]
    data["persons"] = [NEW_REP | {"name": "周文华"}]
    case_no = open_change(window, org, {"activity_area"}, data)
    walk(window, case_no, serial_base="SI2026")
    record = current_record(window.store, org.id)
    assert (record.activity_area, record.funds_yuan, record.legal_representative) == ("上海市", 50000, "周文华")
    assert (record.address, record.street_code) == ("上海市长宁区愚园路 500 号", "310105002")  # 江苏路街道
    assert [v.business for v in organization_page(window.store, org.id).versions] == [CHANGE, "登记库导入"]
