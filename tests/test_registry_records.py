"""The registered record (登记事项) of organizations and its versions, as the database keeps them."""

from __future__ import annotations

import json
from datetime import date

import pypdfium2
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from models.audit import AuditEvent, verify_chain_in
from models.base import local_time
from models.cases import CaseState
from models.errors import SoregError
from models.registry import Organization, OrganizationName, OrganizationVersion
from printing.data import CopyKind
from printing.documents import documents_pdf
from registry.organizations import OrganizationRecord, add_organization_in
from registry.records import (
    IMPORTED,
    PersonInOffice,
    RegisteredRecord,
    ScopeItem,
    add_version_in,
    current_record,
    organization_page,
    record_certificate,
    record_versions,
)
from spreadsheets.registry_import import import_registry
from tests.test_registry_import import good_row, write_csv
from tests.test_workflow_cases import ACCEPTED_ON, walk_to
from tests.workflow_fixtures import GROUP_FORM, SERVICE_FORM, id_number, make_window
from workflow.intake import open_case
from workflow.queries import get_case

APPROVED_ON = date(2026, 9, 22)
SCOPE_TEXTS = ["为老年人提供居家养老服务", "开展行业自律、协调和维权服务"]  # GROUP_FORM's catalogue items


@pytest.fixture
def window(tmp_path):
    w = make_window(tmp_path)
    yield w
    w.store.close()


def registered(window, base=GROUP_FORM):
    """An organization registered by a 成立登记 approved on APPROVED_ON: (case number, org id)."""
    case_no = open_case(window.store, base, user=window.clerk, today=ACCEPTED_ON).case_no
    walk_to(window, case_no, CaseState.CERTIFICATE, on=APPROVED_ON)
    return case_no, get_case(window.store, case_no).organization_id


def imported(window, tmp_path, n=6):
    """An organization imported from a registry file (a 社会团体): its id."""
    import_registry(window.store, write_csv(tmp_path / "r.csv", [good_row(n)]), actor="admin")
    with window.store.read() as session:
        return session.scalar(select(Organization.id))


def test_approval_writes_version_1_from_the_case_items_scope_and_persons(window):
    case_no, org_id = registered(window)
    record = current_record(window.store, org_id)
    assert record.name == "上海市长宁区养老服务协会"
    assert record.address == "上海市长宁区长宁路 100 号 3 楼" and record.activity_area == "上海市长宁区"
    assert record.funds_yuan == 30000 and record.sponsor == "上海市长宁区民政局" and record.legal_representative == "李建国"
    assert [s.text for s in record.scope] == SCOPE_TEXTS
    assert [(p.name, p.title, p.appointed_on) for p in record.persons] == [
        ("李建国", "会长", APPROVED_ON), ("张敏", "秘书长", APPROVED_ON)]
    assert record.persons[0].id_number == id_number(date(1960, 5, 1))
    assert "法定代表人" in record.persons[0].roles

    [version] = record_versions(window.store, org_id)
    assert (version.number, version.case_no, version.business, version.actor, version.effective_on) == (
        1, case_no, "成立登记", "approver", APPROVED_ON)
    assert not version.implied
    changed = {c.label: (c.before, c.after) for c in version.changes}
    assert changed["名称"] == ("（未登记）", "上海市长宁区养老服务协会")
    assert changed["住所"][1] == "上海市长宁区长宁路 100 号 3 楼"
    assert "李建国（会长" in changed["在任人员"][1]


def test_a_service_organization_keeps_its_prior_approvals_and_direct_category(window):
    _, org_id = registered(window, SERVICE_FORM)
    record = current_record(window.store, org_id)
    assert record.scope[0].approval_doc_no == "长民养〔2026〕5号" and record.scope[0].approval_date == date(2026, 8, 1)
    assert record.scope[1] == ScopeItem("组织社区老年人开展书画交流活动")
    assert record.direct_category == "城乡社区服务类" and record.sponsor == ""
    page = organization_page(window.store, org_id)
    items = dict(page.items)
    assert items["业务主管单位"] == "（未登记）" and items["直接登记类别"] == "城乡社区服务类"
    assert "（前置审批：长民养〔2026〕5号，2026-08-01）" in items["业务范围"]


def test_an_imported_organization_reads_as_an_implied_version_with_the_rest_not_registered(window, tmp_path):
    org_id = imported(window, tmp_path)
    [version] = record_versions(window.store, org_id)
    assert version.implied and version.business == IMPORTED and version.actor == "admin" and version.number == 1
    with window.store.read() as session:
        assert session.scalars(select(OrganizationVersion)).all() == []  # nothing written at import
    items = dict(organization_page(window.store, org_id).items)
    assert items["法定代表人"] == "王芳" and items["所属街镇"] == "天山路街道"
    assert items["业务范围"] == items["活动地域"] == items["在任人员"] == "（未登记）"
    with pytest.raises(SoregError, match="业务范围、注册资金/开办资金（元）、活动地域尚未登记") as refused:
        record_certificate(window.store, org_id, CopyKind.ORIGINAL, "SZ0001")
    assert refused.value.field == "业务范围"


def test_a_version_added_to_an_imported_organization_materializes_the_import_first(window, tmp_path):
    org_id = imported(window, tmp_path)
    before = current_record(window.store, org_id)
    person = PersonInOffice("赵丽", id_number(date(1980, 1, 2), "468"), ("法定代表人",), "会长", date(2026, 10, 8))
    later = RegisteredRecord(**{**before.__dict__, "name": "上海市长宁区六号文体协会", "street_code": "310105002",
                                "legal_representative": "赵丽", "persons": (person,), "funds_yuan": 50000})
    with window.store.write() as session:
        org = session.get(Organization, org_id)
        assert add_version_in(session, org, later, actor="clerk", case_id=None, business="变更登记",
                              on=date(2026, 10, 9)) == 2
    newest, first = record_versions(window.store, org_id)
    assert (first.number, first.business, first.actor, first.implied) == (1, IMPORTED, "admin", False)
    assert (newest.number, newest.business, newest.actor) == (2, "变更登记", "clerk")
    changed = {c.label: (c.before, c.after) for c in newest.changes}
    assert set(changed) == {"名称", "所属街镇", "注册资金/开办资金（元）", "法定代表人", "在任人员"}
    assert changed["名称"] == ("上海市长宁区六号文化协会", "上海市长宁区六号文体协会")
    assert changed["所属街镇"] == ("天山路街道", "江苏路街道")
    assert changed["注册资金/开办资金（元）"] == ("（未登记）", "50,000")
    with window.store.read() as session:
        org = session.get(Organization, org_id)
        assert (org.name, org.street_code, org.legal_representative) == ("上海市长宁区六号文体协会", "310105002", "赵丽")
        names = {(n.name, n.is_current) for n in session.scalars(select(OrganizationName).where(
            OrganizationName.organization_id == org_id))}
        assert names == {("上海市长宁区六号文体协会", True), ("上海市长宁区六号文化协会", False)}  # a former name now
        assert session.scalar(select(OrganizationName.renamed_on).where(OrganizationName.is_current.is_(False))) == date(
            2026, 10, 9)
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "organization.version")).one()
        assert json.loads(event.summary)["after"]["changed"] == [c.label for c in newest.changes]
        assert verify_chain_in(session).ok


def test_versions_are_numbered_per_organization_append_only_and_listed_newest_first(window, tmp_path):
    _, org_id = registered(window)
    record = current_record(window.store, org_id)
    for i in range(2, 21):
        with window.store.write() as session:
            changed = RegisteredRecord(**{**record.__dict__, "address": f"上海市长宁区长宁路 {i} 号"})
            add_version_in(session, session.get(Organization, org_id), changed, actor="clerk", case_id=None,
                           business="变更登记")
    versions = record_versions(window.store, org_id)
    assert [v.number for v in versions] == list(range(20, 0, -1))
    assert [(c.label, c.before, c.after) for c in versions[0].changes] == [
        ("住所", "上海市长宁区长宁路 19 号", "上海市长宁区长宁路 20 号")]
    with pytest.raises(IntegrityError), window.store.write() as session:
        session.execute(text("UPDATE organization_versions SET actor = 'x' WHERE version_no = 1"))
    with pytest.raises(IntegrityError), window.store.write() as session:
        row = session.scalars(select(OrganizationVersion).limit(1)).one()
        session.add(OrganizationVersion(organization_id=org_id, version_no=row.version_no, business="变更登记",
                                        actor="x", at=row.at, effective_on=row.effective_on, record=row.record))
    with pytest.raises(SoregError, match="不能再作为成立登记"), window.store.write() as session:
        add_version_in(session, session.get(Organization, org_id), record, actor="x", case_id=None, business="成立登记")


def test_a_certificate_prints_from_the_record_of_a_registered_organization(window):
    _, org_id = registered(window)
    data = record_certificate(window.store, org_id, CopyKind.DUPLICATE, "SZ2026000099")
    assert (data.name, data.representative, data.capital_yuan) == ("上海市长宁区养老服务协会", "李建国", 30000)
    assert data.issued_on == data.valid_from == APPROVED_ON
    assert data.credit_code.startswith("51") and data.activity_area == "上海市长宁区"
    pdf = pypdfium2.PdfDocument(documents_pdf([data], draft=True))
    page_text = pdf[0].get_textpage().get_text_range()
    assert "上海市长宁区养老服务协会" in page_text and data.credit_code in page_text and "李建国" in page_text


def test_an_organization_the_registry_got_without_an_import_says_who_is_not_recorded(window):
    """An organization pulled from the centre (here: added without an import event) has an
    implied version whose maker is not recorded, dated when the row was written."""
    with window.store.write() as session:
        org = add_organization_in(session, OrganizationRecord(name="上海市长宁区晨曦社区服务中心", org_type="民办非企业单位"),
                                  actor="sync")
        org_id, written = org.id, org.created_at
    [version] = record_versions(window.store, org_id)
    assert (version.actor, version.business, version.at) == ("（未记录）", IMPORTED, local_time(written))
