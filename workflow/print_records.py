"""Recording prints (打印登记): print, reprint (补打), void (作废) and replacement (重打) of case documents.

``plan_print`` says what a print would be (and refuses it) before anything goes to the printer;
``record_print`` checks again and records it after the sheet is printed, with its audit event in
the same transaction. The rules: a reprint needs a reason, a 正本 reprint the approver role
(``print_rules.check_reprint``); a certificate needs an approved case and the 证件印制号 of its
stock, used once; a replacement (重打) of a voided copy needs a reason. A reprint of a 正本 or
副本 voids the copy it replaces in the same transaction, so one of each stands at a time. After a
变更登记 the organization's old copies, returned at the window, are voided all at once
(``void_returned_certificates``, 旧证收回作废), keeping the new certificate.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.users import UserInfo
from models.accounts import Role
from models.audit import record_event_in
from models.base import utcnow
from models.cases import Case, CaseState
from models.errors import SoregError
from models.print_records import DocumentKind, PrintEvent, PrintRecord
from models.registry import Organization
from models.store import Store
from printing.data import CopyKind
from workflow.case_documents import require_approved, standing_certificates_in
from workflow.print_rules import check_reprint, normalize_stock_serial
from workflow.queries import find_case_in

AUDIT_ACTIONS = {PrintEvent.PRINT: "printing.print", PrintEvent.REPRINT: "printing.reprint",
                 PrintEvent.VOID: "printing.void", PrintEvent.REPLACEMENT: "printing.replacement"}


@dataclass(frozen=True)
class PrintRequest:
    """One copy of one document of a case, about to go to ``printer``."""

    case_no: str
    document: DocumentKind
    printer: str
    copy: CopyKind | None = None  # certificates: 正本 or 副本
    serial: str = ""  # 证件印制号 of the certificate stock
    reason: str = ""  # why a copy is printed again


@dataclass(frozen=True)
class PrintPlan:
    """What printing the request will be recorded as."""

    event: PrintEvent
    copy: str  # 正本 | 副本 | "" (not a certificate)
    copy_number: int
    serial: str | None
    reason: str


@dataclass(frozen=True)
class PrintRecordInfo:
    id: uuid.UUID
    case_no: str
    document: str
    copy: str
    event: str
    copy_number: int
    printer: str
    serial: str | None
    reason: str
    actor: str
    at: datetime
    voided: bool


def _info(row: PrintRecord) -> PrintRecordInfo:
    return PrintRecordInfo(row.id, row.case_no, row.document, row.copy, row.event, row.copy_number, row.printer,
                           row.serial, row.reason, row.actor, row.at, row.voided)


def _what(request: PrintRequest) -> str:
    return request.document.value + (request.copy.value if request.copy else "")


def _require_reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise SoregError(f"{what}已打印过，再次打印必须填写原因（例如：申请人遗失、打印错位）。", field="补打原因")
    return reason


def _serial_in_use(session: Session, serial: str) -> None:
    used = session.execute(select(PrintRecord.case_no, PrintRecord.at).where(
        PrintRecord.serial == serial, PrintRecord.event != PrintEvent.VOID.value).limit(1)).first()
    if used is not None:
        raise SoregError(f"证件印制号 {serial} 已于 {used.at:%Y-%m-%d} 用于办件 {used.case_no}，每张证书纸只能使用一次；"
                         "请核对证书纸上的印制号。", field="证件印制号")


def _plan(session: Session, case: Case, request: PrintRequest, user: UserInfo) -> PrintPlan:
    if not request.printer.strip():
        raise SoregError("请选择打印机，打印记录要写明用哪台打印机打印。", field="打印机")
    certificate = request.document is DocumentKind.CERTIFICATE
    if certificate:
        require_approved(case)
        if request.copy is None:
            raise SoregError("请选择打印证书正本还是副本。", field="正副本")
    copy = request.copy.value if certificate and request.copy else ""
    earlier = session.execute(select(PrintRecord.voided).where(
        PrintRecord.case_id == case.id, PrintRecord.document == request.document.value, PrintRecord.copy == copy,
        PrintRecord.event != PrintEvent.VOID.value)).scalars().all()
    reason = request.reason.strip()
    if not earlier:
        event = PrintEvent.PRINT
    elif all(earlier):
        event = PrintEvent.REPLACEMENT
        reason = _require_reason(reason, _what(request))
    else:
        event = PrintEvent.REPRINT
        reason = (check_reprint(request.copy, reason, user.roles) if certificate and request.copy
                  else _require_reason(reason, _what(request)))
    serial = None
    if certificate:
        serial = normalize_stock_serial(request.serial)
        _serial_in_use(session, serial)
    return PrintPlan(event, copy, len(earlier) + 1, serial, reason)


def plan_print(store: Store, request: PrintRequest, *, user: UserInfo) -> PrintPlan:
    """What printing ``request`` would be; SoregError (Chinese) if it may not be printed."""
    with store.read() as session:
        return _plan(session, find_case_in(session, request.case_no), request, user)


def record_print(store: Store, request: PrintRequest, *, user: UserInfo) -> PrintRecordInfo:
    """Record that ``request`` was printed (checked again), with its audit event, in one transaction."""
    try:
        with store.write() as session:
            case = find_case_in(session, request.case_no)
            plan = _plan(session, case, request, user)
            row = PrintRecord(case_id=case.id, case_no=case.case_no, document=request.document.value,
                              copy=plan.copy, event=plan.event.value,
                              copy_number=plan.copy_number, printer=request.printer.strip(), serial=plan.serial,
                              reason=plan.reason, actor=user.username, at=utcnow())
            session.add(row)
            session.flush()
            _audit(session, row)
            if plan.event is PrintEvent.REPRINT and request.document is DocumentKind.CERTIFICATE:
                _void_replaced_in(session, row)
            return _info(row)
    except IntegrityError:  # another window's print took the serial between the check and the insert
        raise SoregError(f"证件印制号 {request.serial} 刚被使用，请核对证书纸上的印制号。", field="证件印制号") from None


def void_print(store: Store, record_id: uuid.UUID, *, user: UserInfo, reason: str) -> PrintRecordInfo:
    """作废: mark a printed copy (spoiled stock, a wrong print) void and record why; returns the void record."""
    reason = reason.strip()
    if not reason:
        raise SoregError("作废必须填写原因（例如：卡纸、套印错位、内容有误）。", field="作废原因")
    with store.write() as session:
        printed = session.get(PrintRecord, record_id)
        if printed is None or printed.event == PrintEvent.VOID.value:
            raise SoregError("请选择一条打印记录再作废。", field="打印记录")
        if printed.voided:
            raise SoregError(f"{printed.document}{printed.copy}第 {printed.copy_number} 份已经作废过了。", field="打印记录")
        _require_void_role(session, printed, user)
        return _info(_void_in(session, printed, reason, user.username))


def _void_in(session: Session, printed: PrintRecord, reason: str, actor: str) -> PrintRecord:
    """Mark ``printed`` void and add its VOID record with ``reason`` and audit event (caller's transaction)."""
    printed.voided = True
    row = PrintRecord(case_id=printed.case_id, case_no=printed.case_no, document=printed.document,
                      copy=printed.copy, event=PrintEvent.VOID.value, copy_number=printed.copy_number,
                      printer=printed.printer, serial=printed.serial, reason=reason, actor=actor,
                      at=utcnow(), voids_id=printed.id)
    session.add(row)
    session.flush()
    _audit(session, row)
    return row


def _void_replaced_in(session: Session, reprint: PrintRecord) -> None:
    """Void every standing earlier copy that the certificate ``reprint`` replaces, naming the reprint and its reason."""
    replaced = session.scalars(select(PrintRecord).where(
        PrintRecord.case_id == reprint.case_id, PrintRecord.document == reprint.document,
        PrintRecord.copy == reprint.copy, PrintRecord.event != PrintEvent.VOID.value,
        PrintRecord.voided.is_(False), PrintRecord.id != reprint.id)).all()
    for printed in replaced:
        _void_in(session, printed, f"由补打的第 {reprint.copy_number} 份（印制号 {reprint.serial}）替换：{reprint.reason}",
                 reprint.actor)


def _require_void_role(session: Session, printed: PrintRecord, user: UserInfo) -> None:
    """Spoiled stock is voided while the certificate is being made (制证); an issued 正本 only by an approver,
    so that voiding cannot stand in for a 正本 reprint."""
    if printed.copy != CopyKind.ORIGINAL.value or Role.APPROVER in user.roles:
        return
    state = session.scalar(select(Case.state).where(Case.id == printed.case_id))
    if state != CaseState.CERTIFICATE.value:
        raise SoregError(f"办件已过制证环节（当前“{state}”），作废证书正本须由具有“审批”角色的人员操作。", field="操作人")


def _audit(session: Session, row: PrintRecord) -> None:
    record_event_in(session, actor=row.actor, action=AUDIT_ACTIONS[PrintEvent(row.event)], record_type="print_record",
                 record_id=str(row.id), after={
                     "case_no": row.case_no, "document": row.document, "copy": row.copy,
                     "copy_number": row.copy_number, "printer": row.printer, "serial": row.serial,
                     "reason": row.reason, "voids": str(row.voids_id) if row.voids_id else None})


def print_records(store: Store, case_no: str) -> list[PrintRecordInfo]:
    """Every print record of a case, oldest first."""
    with store.read() as session:
        case = find_case_in(session, case_no)
        rows = session.scalars(select(PrintRecord).where(PrintRecord.case_id == case.id)
                               .order_by(PrintRecord.at, PrintRecord.id))
        return [_info(r) for r in rows]


def require_certificate_printed_in(session: Session, case: Case) -> None:
    """制证完成 needs a printed, not voided, 正本 and 副本 (for the 制证 → 发证 transition)."""
    standing = standing_certificates_in(session, case)
    missing = [c.value for c, serials in ((CopyKind.ORIGINAL, standing.originals),
                                          (CopyKind.DUPLICATE, standing.duplicates)) if not serials]
    if missing:
        raise SoregError(f"办件 {case.case_no} 尚未打印登记证书{'和'.join(missing)}，请先打印并录入证件印制号，"
                         "再办理“制证完成”。", field="登记证书")



RETURNED_ON_CHANGE = "变更登记换发新证，旧证收回"


def void_returned_certificates(store: Store, credit_code: str, *, new_serials: Sequence[str],
                               user: UserInfo) -> list[PrintRecordInfo]:
    """旧证收回作废 (old certificates returned and voided): after a change the new certificate is printed,
    and every certificate copy (正本 and 副本) of the organization that still stands, printed for any
    of its cases, is voided with the reason ``RETURNED_ON_CHANGE`` and an audit event each, in one
    transaction; returns the void records.

    ``new_serials`` are the 证件印制号 of the new certificate, which must stand for this organization
    and are kept. Refused in Chinese when nothing is left to void, so a second call changes nothing.
    """
    kept = {normalize_stock_serial(serial) for serial in new_serials}
    if not kept:
        raise SoregError("请填写新登记证书的证件印制号：旧证收回作废时保留新证，先打印新证再收回旧证。",
                         field="证件印制号")
    with store.write() as session:
        org = session.scalar(select(Organization).where(Organization.credit_code == credit_code.strip().upper()))
        if org is None:
            raise SoregError(f"登记库中没有统一社会信用代码为 {credit_code} 的组织，请核对。", field="统一社会信用代码")
        standing = _standing_of(session, org.id)
        unknown = sorted(kept - {row.serial for row in standing})
        if unknown:
            raise SoregError(f"印制号 {'、'.join(unknown)} 不是“{org.name}”现存有效的登记证书，请核对新证书上的印制号。",
                             field="证件印制号")
        old = [row for row in standing if row.serial not in kept]
        if not old:
            raise SoregError(f"“{org.name}”除新证书外没有尚未作废的登记证书，无需收回作废（可能已经作废过）。",
                             field="登记证书")
        return [_info(_void_in(session, row, RETURNED_ON_CHANGE, user.username)) for row in old]


def _standing_of(session: Session, org_id: uuid.UUID, *conditions) -> list[PrintRecord]:
    """The certificate copies of the organization that stand (printed for any of its cases, not voided)."""
    return list(session.scalars(select(PrintRecord).join(Case, Case.id == PrintRecord.case_id).where(
        Case.organization_id == org_id, PrintRecord.document == DocumentKind.CERTIFICATE.value,
        PrintRecord.event != PrintEvent.VOID.value, PrintRecord.voided.is_(False), *conditions)
        .order_by(PrintRecord.at, PrintRecord.id)))


def old_certificates_in(session: Session, case: Case) -> list[PrintRecord]:
    """The copies of the organization ``case`` changes that stand and were printed for its other cases:
    what is taken back when ``case``'s new certificate is issued."""
    if case.organization_id is None:
        return []
    return _standing_of(session, case.organization_id, PrintRecord.case_id != case.id)


def void_old_certificates_in(session: Session, case: Case, *, actor: str) -> list[PrintRecordInfo]:
    """旧证收回作废 at 发证 of ``case``'s new certificate, in the caller's transaction: every earlier
    copy of the organization that stands is voided with ``RETURNED_ON_CHANGE`` and an audit event."""
    return [_info(_void_in(session, row, RETURNED_ON_CHANGE, actor)) for row in old_certificates_in(session, case)]
