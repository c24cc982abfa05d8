"""The certificate after a 变更登记: a new 印制号 for the same organization, and the old copies voided
when returned (旧证收回作废), on print records made by printing certificates of approved cases."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from models.audit import AuditEvent, verify_chain
from models.cases import CaseState
from models.errors import SoregError
from models.print_records import DocumentKind, PrintEvent, PrintRecord
from printing.data import CopyKind
from tests.print_fixtures import case_at
from tests.workflow_fixtures import (
    GROUP_FORM,
    form,
    id_number,
    make_window,
    print_certificates,
)
from workflow.case_documents import StandingCertificates, case_document, standing_copies
from workflow.print_records import (
    RETURNED_ON_CHANGE,
    PrintRequest,
    print_records,
    record_print,
    void_returned_certificates,
)
from workflow.queries import get_case


@pytest.fixture
def window(tmp_path):
    w = make_window(tmp_path)
    yield w
    w.store.close()


def _change_case_of(window, established: str) -> str:
    """A second approved case (at 制证) that belongs to the organization ``established`` registered, as a
    变更登记 case does: approved here as a case of its own, then pointed at that organization."""
    data = form(GROUP_FORM, name="上海市长宁区为老服务协会")
    data["persons"][0] |= {"name": "周立新", "id_number": id_number(date(1968, 2, 2), "531")}
    case_no = case_at(window, CaseState.CERTIFICATE, data)
    with window.store.write() as session:
        session.execute(text("update cases set organization_id = (select organization_id from cases where case_no = :old)"
                             " where case_no = :new"), {"old": established, "new": case_no})
    return case_no


def _certificate_events(window) -> list[tuple[str, str]]:
    with window.store.read() as session:
        return [(e.action, e.record_id) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "printing.void").order_by(AuditEvent.seq))]


def test_a_second_certificate_of_the_organization_needs_a_new_serial(window) -> None:
    established = case_at(window, CaseState.CLOSED)
    old = standing_copies(window.store, established)
    change = _change_case_of(window, established)
    assert get_case(window.store, change).organization_id == get_case(window.store, established).organization_id

    with pytest.raises(SoregError) as refused:
        record_print(window.store, PrintRequest(change, DocumentKind.CERTIFICATE, "测试打印机", CopyKind.ORIGINAL,
                                                old.originals[0].lower()), user=window.clerk)
    assert refused.value.field == "证件印制号"
    assert f"用于办件 {established}" in refused.value.message

    printed = record_print(window.store, PrintRequest(change, DocumentKind.CERTIFICATE, "测试打印机", CopyKind.ORIGINAL,
                                                      "SX2026000001"), user=window.clerk)
    assert (printed.event, printed.copy_number, printed.serial) == (PrintEvent.PRINT.value, 1, "SX2026000001")
    certificate = case_document(window.store, change, DocumentKind.CERTIFICATE, serial=printed.serial)
    assert certificate.serial == "SX2026000001" and certificate.serial not in old.originals
    # the old copies still stand until they are returned
    assert standing_copies(window.store, established) == old


def test_returned_certificates_are_voided_except_the_new_one_and_only_once(window) -> None:
    established = case_at(window, CaseState.CLOSED)
    # a spoiled 副本 replaced at the time: already void, so not voided again
    record_print(window.store, PrintRequest(established, DocumentKind.CERTIFICATE, "测试打印机", CopyKind.DUPLICATE,
                                            "SZ2026777777", reason="套印错位"), user=window.clerk)
    old = standing_copies(window.store, established)
    change = _change_case_of(window, established)
    print_certificates(window, change, serial_base="SX2026")
    new = standing_copies(window.store, change)
    credit_code = get_case(window.store, established).credit_code
    voids_before = len(_certificate_events(window))

    voided = void_returned_certificates(window.store, credit_code, new_serials=(*new.originals, *new.duplicates),
                                        user=window.clerk)

    assert sorted(v.serial for v in voided) == sorted((*old.originals, *old.duplicates))
    assert all(v.event == PrintEvent.VOID.value and v.reason == RETURNED_ON_CHANGE and v.actor == "clerk"
               for v in voided)
    assert standing_copies(window.store, established) == StandingCertificates((), ())
    assert standing_copies(window.store, change) == new
    events = _certificate_events(window)
    assert len(events) == voids_before + 2 and {r for _, r in events[-2:]} == {str(v.id) for v in voided}
    assert verify_chain(window.store).ok

    records = len(print_records(window.store, established))
    with pytest.raises(SoregError) as again:
        void_returned_certificates(window.store, credit_code, new_serials=(*new.originals, *new.duplicates),
                                   user=window.clerk)
    assert "没有尚未作废的登记证书" in again.value.message and again.value.field == "登记证书"
    assert len(print_records(window.store, established)) == records
    assert len(_certificate_events(window)) == len(events)


def test_returning_old_certificates_checks_the_new_serials_and_the_code(window) -> None:
    established = case_at(window, CaseState.CLOSED)
    credit_code = get_case(window.store, established).credit_code
    old = standing_copies(window.store, established)
    change = _change_case_of(window, established)
    print_certificates(window, change, serial_base="SX2026")

    with pytest.raises(SoregError) as no_new:
        void_returned_certificates(window.store, credit_code, new_serials=(), user=window.clerk)
    assert no_new.value.field == "证件印制号"
    with pytest.raises(SoregError) as typo:  # a serial that is not a standing copy of this organization
        void_returned_certificates(window.store, credit_code, new_serials=("SX2026999999",), user=window.clerk)
    assert "SX2026999999" in typo.value.message and typo.value.field == "证件印制号"
    with pytest.raises(SoregError) as unknown:
        void_returned_certificates(window.store, "51310105MJ0000000X", new_serials=old.originals, user=window.clerk)
    assert unknown.value.field == "统一社会信用代码"
    assert standing_copies(window.store, established) == old  # nothing was voided by a refusal
    with window.store.read() as session:
        assert session.scalar(select(PrintRecord.id).where(PrintRecord.event == PrintEvent.VOID.value)) is None
