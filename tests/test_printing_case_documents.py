"""Documents print the record: the 名称核准 decision as taken, the 受理回执 honest about missing materials,
the 补正 notice with its deadline over as many pages as its list needs, the 领证回执 with the standing copies."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from printing_fixtures import page_chars, stream_text
from sqlalchemy import select

from models.cases import CaseState, CaseStep
from models.errors import SoregError
from models.print_records import DocumentKind
from models.settings import set_setting_in
from printing.data import CopyKind, chinese_date
from printing.documents import document_pdf
from registry.organizations import OrganizationRecord, add_organization_in
from signing.keys import WindowSigner
from tests.print_fixtures import DECIDED_ON, case_at
from tests.workflow_fixtures import GROUP_FORM, form, make_window
from workflow.case_documents import case_document
from workflow.deadlines import months_after
from workflow.intake import open_case
from workflow.print_records import PrintRequest, record_print, void_print
from workflow.queries import find_case_in
from workflow.transitions import Action, perform
from workflow.workdays import add_working_days

SIGNER = WindowSigner("W01-DOCS01", Ed25519PrivateKey.generate())


@pytest.fixture
def window(tmp_path):
    w = make_window(tmp_path)
    yield w
    w.store.close()


def _step_day(window, case_no: str, to_state: CaseState):
    with window.store.read() as session:
        case = find_case_in(session, case_no)
        at = session.scalar(select(CaseStep.at).where(CaseStep.case_id == case.id, CaseStep.to_state == to_state.value)
                            .order_by(CaseStep.seq.desc()))
    return at.replace(tzinfo=UTC).astimezone().date()


def _pages(pdf: bytes) -> list[str]:
    import io

    import pypdf

    return [stream_text(pdf, n) for n in range(len(pypdf.PdfReader(io.BytesIO(pdf)).pages))]


# -- 名称核准 slip --

def test_the_name_slip_of_a_registered_case_prints_the_decision_taken_not_a_new_check(window):
    case_no = case_at(window, CaseState.CLOSED)  # its name is now in the registry: a new check would collide
    slip = case_document(window.store, case_no, DocumentKind.NAME_CHECK_SLIP)
    decided_on = _step_day(window, case_no, CaseState.SCOPE_REVIEW)
    assert slip.approved and slip.reviewer == "reviewer" and slip.decided_on == decided_on
    assert slip.reserved_until == months_after(decided_on, 6) - timedelta(days=1)
    text = stream_text(document_pdf(slip))
    assert f"核准使用，名称保留期至{chinese_date(slip.reserved_until)}。" in text
    assert f"审查人：reviewer　决定日期：{chinese_date(decided_on)}".replace("　", "") in text
    assert "不予核准" not in text


@pytest.mark.parametrize("state", [CaseState.ACCEPTED, CaseState.NAME_REVIEW])
def test_the_name_slip_cannot_be_printed_before_the_decision(window, state):
    case_no = case_at(window, state)
    with pytest.raises(SoregError) as err:
        case_document(window.store, case_no, DocumentKind.NAME_CHECK_SLIP)
    assert err.value.field == "名称核准" and "尚未作出名称核准决定" in str(err.value)


def test_a_name_refused_at_the_name_step_prints_as_refused_with_its_reasons(window):
    case_no = case_at(window, CaseState.NAME_REVIEW)
    perform(window.store, case_no, Action.REJECT, user=window.approver, on=DECIDED_ON,
            reasons=["名称与已登记的社会团体相同"])
    slip = case_document(window.store, case_no, DocumentKind.NAME_CHECK_SLIP)
    text = stream_text(document_pdf(slip))
    assert not slip.approved and slip.reserved_until is None
    assert "不予核准。" in text and "名称与已登记的社会团体相同" in text and "保留期至" not in text


def test_the_warnings_a_reviewer_accepted_are_printed(window):
    with window.store.write() as session:
        add_organization_in(session, OrganizationRecord(name="上海市长宁区养老服饰协会", org_type="社会团体",
                                                     credit_code=None), actor="system")
    case_no = case_at(window, CaseState.SCOPE_REVIEW)
    slip = case_document(window.store, case_no, DocumentKind.NAME_CHECK_SLIP)
    assert slip.approved and len(slip.notes) == 1
    assert slip.notes[0].startswith("审查人已确认以下提示不影响使用该名称：") and "养老服饰协会" in slip.notes[0]
    assert "养老服饰协会" in stream_text(document_pdf(slip))


# -- 受理回执 --

def test_a_receipt_with_a_missing_material_says_so_and_lists_it(window):
    data = form(GROUP_FORM)
    data["received"] = [code for code in GROUP_FORM["received"] if code != "ZC"]
    case_no = open_case(window.store, data, user=window.clerk).case_no
    receipt = case_document(window.store, case_no, DocumentKind.RECEIPT)
    text = stream_text(document_pdf(receipt, signer=SIGNER))
    assert "申请材料齐全" not in text and "予以受理" not in text
    assert "申请材料尚不齐全，缺少下列标明“尚缺”的1项材料" in text
    assert f"请于{chinese_date(receipt.supplement_by)}前补齐" in text
    assert "章程草案（尚缺）" in text and "登记申请书（已收）" in text
    assert receipt.supplement_by == add_working_days(receipt.issued_on, 15)

    complete = case_at(window, CaseState.ACCEPTED)
    text = stream_text(document_pdf(case_document(window.store, complete, DocumentKind.RECEIPT), signer=SIGNER))
    assert "经审查，申请材料齐全、符合法定形式，本机关决定予以受理" in text and "尚缺" not in text


def test_a_window_whose_rule_says_so_refuses_the_receipt_for_the_correction_notice(window):
    data = form(GROUP_FORM)
    data["received"] = [code for code in GROUP_FORM["received"] if code != "ZC"]
    case_no = open_case(window.store, data, user=window.clerk).case_no
    with window.store.write() as session:
        set_setting_in(session, "workflow.rules", {"receipt": {"when_materials_missing": "refuse"}})
    with pytest.raises(SoregError) as err:
        case_document(window.store, case_no, DocumentKind.RECEIPT)
    assert err.value.field == "申请材料" and "补正材料通知书" in str(err.value) and "章程草案" in str(err.value)


# -- 补正材料通知书 --

def test_a_correction_notice_states_its_deadline_and_runs_onto_more_pages(window):
    case_no = case_at(window, CaseState.SCOPE_REVIEW)
    items = [f"第{n}项：请补交与业务范围第{n}项有关的证明材料（原件及复印件各一份）" for n in range(1, 41)]
    perform(window.store, case_no, Action.SUPPLEMENT, user=window.reviewer, on=DECIDED_ON, reasons=items)
    notice = case_document(window.store, case_no, DocumentKind.CORRECTION_NOTICE)
    asked_on = _step_day(window, case_no, CaseState.SUPPLEMENT)
    assert notice.deadline == add_working_days(asked_on, 15)
    pdf = document_pdf(notice)
    pages = _pages(pdf)
    assert len(pages) >= 2
    every = "".join(pages)
    assert all(item in every for item in items)
    deadline = f"请于{chinese_date(notice.deadline)}前补齐上述材料"
    assert deadline not in pages[0] and deadline in pages[-1]  # closing, date and seal on the last page
    assert "补正材料通知书（续页）" in pages[1] and case_no in pages[1]
    assert f"第1页，共{len(pages)}页" in pages[0] and f"第{len(pages)}页，共{len(pages)}页" in pages[-1]
    assert min(c["size"] for c in page_chars(pdf, 1) if c["text"] == "项") >= 10  # legible, not shrunk away

    short = case_document(window.store, case_at(window, CaseState.SUPPLEMENT), DocumentKind.CORRECTION_NOTICE)
    one = _pages(document_pdf(short))
    assert len(one) == 1 and "第1页" not in one[0] and f"请于{chinese_date(short.deadline)}前补齐" in one[0]


# -- 领证回执 --

def test_the_collection_receipt_lists_exactly_the_standing_copies(window):
    case_no = case_at(window, CaseState.CERTIFICATE)

    def certificate(copy: CopyKind, serial: str, reason: str = "") -> PrintRequest:
        return PrintRequest(case_no, DocumentKind.CERTIFICATE, "HP", copy=copy, serial=serial, reason=reason)

    record_print(window.store, certificate(CopyKind.ORIGINAL, "SZ2026000801"), user=window.clerk)
    with pytest.raises(SoregError, match="尚无有效的登记证书副本"):
        case_document(window.store, case_no, DocumentKind.COLLECTION_RECEIPT)
    spoiled = record_print(window.store, certificate(CopyKind.DUPLICATE, "SZ2026000802"), user=window.clerk)
    void_print(window.store, spoiled.id, user=window.clerk, reason="卡纸")
    record_print(window.store, certificate(CopyKind.DUPLICATE, "SZ2026000803", "卡纸重打"), user=window.clerk)
    record_print(window.store, certificate(CopyKind.ORIGINAL, "SZ2026000804", "原证书污损"), user=window.approver)
    receipt = case_document(window.store, case_no, DocumentKind.COLLECTION_RECEIPT, clerk_name="张三")
    assert (tuple(receipt.originals), tuple(receipt.duplicates)) == (("SZ2026000804",), ("SZ2026000803",))
    text = stream_text(document_pdf(receipt))
    assert "SZ2026000804" in text and "SZ2026000803" in text
    assert all(gone not in text for gone in ("SZ2026000801", "SZ2026000802"))


def test_full_width_punctuation_prints_as_typed(window):
    address = "上海市长宁区长宁路100号（东楼）3楼，305室；“乐龄”服务点"
    scope = "组织会员交流（含线上）、培训：咨询《指南》"
    data = form(GROUP_FORM, address=address)
    data["scope_items"] = [{"catalogue_code": "YL02"}, {"text": scope}]
    case_no = case_at(window, CaseState.CERTIFICATE, data)
    cert = case_document(window.store, case_no, DocumentKind.CERTIFICATE, serial="SZ2026000901")
    text = stream_text(document_pdf(cert, signer=SIGNER))
    assert address.replace(" ", "") in text and scope in text
    assert not any(ch in text for ch in "(),;:")  # no ASCII stand-ins
