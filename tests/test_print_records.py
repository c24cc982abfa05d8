"""Print records: every print, reprint, void and replacement of a case's documents, as the database holds them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from models.cases import CaseState
from models.errors import SoregError
from models.print_records import DocumentKind, PrintRecord
from models.store import Store
from printing.calibration import Calibration, calibration_for_in, save_calibration_in
from printing.data import CopyKind
from tests.print_fixtures import case_at
from tests.workflow_fixtures import GROUP_FORM, SERVICE_FORM, make_window
from workflow.case_documents import (
    StandingCertificates,
    case_document,
    case_notice_kind,
    standing_copies,
)
from workflow.print_records import (
    PrintRequest,
    plan_print,
    print_records,
    record_print,
    require_certificate_printed_in,
    void_print,
)
from workflow.queries import find_case_in
from workflow.transitions import Action, perform


@pytest.fixture
def window(tmp_path):
    w = make_window(tmp_path)
    yield w
    w.store.close()


def certificate(case_no: str, copy: CopyKind = CopyKind.ORIGINAL, serial: str = "SZ2026000001", reason: str = "",
                printer: str = "HP LaserJet 1020") -> PrintRequest:
    return PrintRequest(case_no, DocumentKind.CERTIFICATE, printer, copy=copy, serial=serial, reason=reason)


def audit_actions(store: Store) -> list[str]:
    with store.read() as session:
        return session.scalars(select(AuditEvent.action).where(AuditEvent.record_type == "print_record")
                               .order_by(AuditEvent.seq)).all()


def test_first_print_records_user_copy_number_printer_and_serial(window):
    case_no = case_at(window, CaseState.CERTIFICATE)
    record = record_print(window.store, certificate(case_no, serial=" sz2026 000001 "), user=window.clerk)
    assert (record.event, record.copy, record.copy_number, record.serial) == ("打印", "正本", 1, "SZ2026000001")
    assert (record.actor, record.printer, record.reason) == ("clerk", "HP LaserJet 1020", "")
    with window.store.read() as session:
        row = session.scalar(select(PrintRecord))
        assert (row.case_no, row.document, row.serial, row.actor) == (case_no, "登记证书", "SZ2026000001", "clerk")
    assert audit_actions(window.store) == ["printing.print"]


def test_certificate_for_a_case_not_yet_approved_is_refused(window):
    case_no = case_at(window, CaseState.APPROVAL)
    with pytest.raises(SoregError, match="尚未核准登记，不能打印登记证书"):
        record_print(window.store, certificate(case_no), user=window.clerk)
    with pytest.raises(SoregError, match="尚未核准登记"):
        case_document(window.store, case_no, DocumentKind.CERTIFICATE)
    assert print_records(window.store, case_no) == []


def test_reprint_needs_a_reason_and_an_original_needs_the_approver(window):
    case_no = case_at(window, CaseState.CERTIFICATE)
    record_print(window.store, certificate(case_no), user=window.clerk)
    with pytest.raises(SoregError, match="必须填写补打原因") as refused:
        record_print(window.store, certificate(case_no, serial="SZ2026000002"), user=window.approver)
    assert refused.value.field == "补打原因"
    with pytest.raises(SoregError, match="正本须由具有“审批”角色的人员操作"):
        record_print(window.store, certificate(case_no, serial="SZ2026000002", reason="原证书污损"), user=window.clerk)
    reprint = record_print(window.store, certificate(case_no, serial="SZ2026000002", reason="原证书污损"),
                           user=window.approver)
    assert (reprint.event, reprint.copy_number, reprint.reason, reprint.actor) == ("补打", 2, "原证书污损", "approver")
    # a 副本 reprint needs a reason but no approver
    record_print(window.store, certificate(case_no, CopyKind.DUPLICATE, "SZ2026000003"), user=window.clerk)
    dup = record_print(window.store, certificate(case_no, CopyKind.DUPLICATE, "SZ2026000004", "副本污损"),
                       user=window.clerk)
    assert (dup.event, dup.copy, dup.copy_number) == ("补打", "副本", 2)
    assert standing_copies(window.store, case_no) == StandingCertificates(("SZ2026000002",), ("SZ2026000004",))


def test_a_reprint_voids_the_copy_it_replaces_in_the_same_transaction(window):
    case_no = case_at(window, CaseState.CERTIFICATE)
    first = record_print(window.store, certificate(case_no), user=window.clerk)
    with window.store.write() as session:  # as an older version left it: more 正本 standing at once
        case = find_case_in(session, case_no)
        for n, serial in enumerate(("SZ2026000011", "SZ2026000012"), start=2):
            session.add(PrintRecord(case_id=case.id, case_no=case_no, document="登记证书", copy="正本", event="补打",
                                    copy_number=n, printer="旧打印机", serial=serial, reason="旧版补打", actor="clerk",
                                    at=first.at))
    assert standing_copies(window.store, case_no).originals == ("SZ2026000001", "SZ2026000011", "SZ2026000012")
    with pytest.raises(SoregError, match="已于"):  # a used serial: the reprint is refused and nothing is voided
        record_print(window.store, certificate(case_no, serial="SZ2026000011", reason="原证书遗失"), user=window.approver)
    assert len(standing_copies(window.store, case_no).originals) == 3
    reprint = record_print(window.store, certificate(case_no, serial="SZ2026000013", reason="原证书遗失"),
                           user=window.approver)
    assert standing_copies(window.store, case_no) == StandingCertificates(("SZ2026000013",), ())
    records = print_records(window.store, case_no)
    voids = [r for r in records if r.event == "作废"]
    assert sorted(v.serial for v in voids) == ["SZ2026000001", "SZ2026000011", "SZ2026000012"]
    assert all(v.reason == "由补打的第 4 份（印制号 SZ2026000013）替换：原证书遗失" and v.actor == "approver" for v in voids)
    assert all(v.at >= reprint.at for v in voids)
    assert audit_actions(window.store)[-4:] == ["printing.reprint", "printing.void", "printing.void", "printing.void"]


def test_stock_serial_is_required_and_used_once(window):
    first, second = case_at(window, CaseState.CERTIFICATE), case_at(window, CaseState.CERTIFICATE, SERVICE_FORM)
    with pytest.raises(SoregError, match="证件印制号应为") as refused:
        record_print(window.store, certificate(first, serial=""), user=window.clerk)
    assert refused.value.field == "证件印制号"
    record_print(window.store, certificate(first), user=window.clerk)
    with pytest.raises(SoregError, match=f"已于 .* 用于办件 {first}"):
        plan_print(window.store, certificate(second), user=window.clerk)


def test_spoiled_stock_is_voided_and_the_replacement_recorded(window):
    case_no = case_at(window, CaseState.CERTIFICATE)
    spoiled = record_print(window.store, certificate(case_no), user=window.clerk)
    with pytest.raises(SoregError, match="作废必须填写原因"):
        void_print(window.store, spoiled.id, user=window.clerk, reason=" ")
    void = void_print(window.store, spoiled.id, user=window.clerk, reason="卡纸")
    assert (void.event, void.serial, void.reason, void.copy_number) == ("作废", "SZ2026000001", "卡纸", 1)
    with pytest.raises(SoregError, match="已经作废过了"):
        void_print(window.store, spoiled.id, user=window.clerk, reason="卡纸")
    # the spoiled sheet's serial stays used; the next sheet replaces the voided copy (a clerk may, with a reason)
    with pytest.raises(SoregError, match="已于"):
        plan_print(window.store, certificate(case_no, reason="卡纸重打"), user=window.clerk)
    with pytest.raises(SoregError, match="再次打印必须填写原因"):
        plan_print(window.store, certificate(case_no, serial="SZ2026000002"), user=window.clerk)
    again = record_print(window.store, certificate(case_no, serial="SZ2026000002", reason="卡纸重打"), user=window.clerk)
    assert (again.event, again.copy_number) == ("重打", 2)
    records = print_records(window.store, case_no)
    assert [(r.event, r.serial, r.voided) for r in records] == [
        ("打印", "SZ2026000001", True), ("作废", "SZ2026000001", False), ("重打", "SZ2026000002", False)]
    assert audit_actions(window.store) == ["printing.print", "printing.void", "printing.replacement"]


def test_an_issued_original_is_voided_only_by_an_approver(window):
    case_no = case_at(window, CaseState.CERTIFICATE)
    original = record_print(window.store, certificate(case_no), user=window.clerk)
    record_print(window.store, certificate(case_no, CopyKind.DUPLICATE, "SZ2026000002"), user=window.clerk)
    perform(window.store, case_no, Action.PRINT, user=window.clerk, on=date(2026, 9, 23))  # 制证 → 发证
    with pytest.raises(SoregError, match="作废证书正本须由具有“审批”角色的人员操作"):
        void_print(window.store, original.id, user=window.clerk, reason="申请人遗失")
    assert void_print(window.store, original.id, user=window.approver, reason="申请人遗失").event == "作废"


def test_receipt_reprint_needs_a_reason(window):
    case_no = case_at(window, CaseState.ACCEPTED)
    receipt = PrintRequest(case_no, DocumentKind.RECEIPT, "Canon LBP2900")
    assert record_print(window.store, receipt, user=window.clerk).serial is None
    with pytest.raises(SoregError, match="受理回执已打印过，再次打印必须填写原因"):
        record_print(window.store, receipt, user=window.clerk)


def test_issuing_needs_a_printed_original_and_duplicate(window):
    case_no = case_at(window, CaseState.CERTIFICATE)
    with window.store.read() as session, pytest.raises(SoregError, match="尚未打印登记证书正本和副本"):
        require_certificate_printed_in(session, find_case_in(session, case_no))
    record_print(window.store, certificate(case_no), user=window.clerk)
    record_print(window.store, certificate(case_no, CopyKind.DUPLICATE, "SZ2026000002"), user=window.clerk)
    with window.store.read() as session:
        require_certificate_printed_in(session, find_case_in(session, case_no))


def test_calibration_offset_beyond_20_mm_is_refused_and_kept_per_printer(window):
    with pytest.raises(SoregError, match="横向偏移 20.5 毫米超出允许范围（±20 毫米）"):
        Calibration(offset_x_mm=20.5)
    with window.store.write() as session:
        save_calibration_in(session, "HP LaserJet 1020", Calibration(1.5, -2.0, 1.0), actor="clerk")
    with window.store.read() as session:
        assert calibration_for_in(session, "HP LaserJet 1020") == Calibration(1.5, -2.0, 1.0)
        assert calibration_for_in(session, "Canon LBP2900") == Calibration()


def test_documents_are_filled_from_the_case(window):
    approved = case_at(window, CaseState.CERTIFICATE)
    cert = case_document(window.store, approved, DocumentKind.CERTIFICATE, copy=CopyKind.DUPLICATE, serial="SZ1")
    org = GROUP_FORM["organization"]
    assert (cert.name, cert.address, cert.representative, cert.capital_yuan) == (org["name"], org["address"], "李建国", 30000)
    assert cert.credit_code and cert.issued_on == date(2026, 9, 22) and cert.valid_until == date(2031, 9, 21)
    assert cert.activity_area == "上海市长宁区" and cert.sponsor == "上海市长宁区民政局" and cert.copy is CopyKind.DUPLICATE

    supplement = case_at(window, CaseState.SUPPLEMENT)
    assert case_notice_kind(window.store, supplement) is DocumentKind.CORRECTION_NOTICE
    notice = case_document(window.store, supplement, DocumentKind.CORRECTION_NOTICE)
    assert "章程草案未经发起人签字" in notice.missing_items
    with pytest.raises(SoregError, match="不能打印不予登记通知书"):
        case_document(window.store, supplement, DocumentKind.REJECTION_NOTICE)

    rejected = case_at(window, CaseState.REJECTED)
    refusal = case_document(window.store, rejected, DocumentKind.REJECTION_NOTICE)
    assert list(refusal.reasons) == ["拟任法定代表人年龄超过七十周岁", "住所证明已过期"]
    with pytest.raises(SoregError, match="没有可打印的通知书"):
        case_notice_kind(window.store, approved)


def test_certificate_printing_is_finished_only_with_an_original_and_a_duplicate_on_record(window):
    case_no = case_at(window, CaseState.CERTIFICATE)
    with pytest.raises(SoregError, match="尚未打印登记证书正本和副本"):
        perform(window.store, case_no, Action.PRINT, user=window.clerk, on=date(2026, 9, 23))
    original = record_print(window.store, certificate(case_no), user=window.clerk)
    with pytest.raises(SoregError, match="尚未打印登记证书副本"):
        perform(window.store, case_no, Action.PRINT, user=window.clerk, on=date(2026, 9, 23))
    record_print(window.store, certificate(case_no, CopyKind.DUPLICATE, "SZ2026000002"), user=window.clerk)
    void_print(window.store, original.id, user=window.clerk, reason="卡纸")
    with pytest.raises(SoregError, match="尚未打印登记证书正本"):
        perform(window.store, case_no, Action.PRINT, user=window.clerk, on=date(2026, 9, 23))
    record_print(window.store, certificate(case_no, serial="SZ2026000003", reason="卡纸重打"), user=window.clerk)
    assert perform(window.store, case_no, Action.PRINT, user=window.clerk, on=date(2026, 9, 23)).case.state == "发证"
