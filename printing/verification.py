"""Verifying a printed code (防伪二维码核验) against what this window knows, not the signature alone.

``signing.qr.verify_qr`` says whether a code is genuine. A genuine certificate code can still be
on a copy voided since (作废: spoiled stock, or a copy replaced by a reprint) or of an organization
since deregistered (注销) or revoked (撤销登记): ``verify_printed_code`` looks the 证件印制号 up in
the local print records and the 统一社会信用代码 in the registry, and says so. A receipt's code gets
the case's current state as a note.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.base import local_time
from models.cases import Case
from models.print_records import DocumentKind, PrintEvent, PrintRecord
from models.registry import Organization, OrgStatus
from models.store import Store
from signing.keys import public_keys
from signing.qr import (
    CertificateClaim,
    QrStatus,
    QrVerification,
    ReceiptClaim,
    verify_qr,
)

GENUINE = (QrStatus.VALID, QrStatus.EXPIRED)
ORGANIZATION_GONE = {OrgStatus.DEREGISTERED.value: (QrStatus.DEREGISTERED, "注销登记"),
                     OrgStatus.REVOKED.value: (QrStatus.REVOKED, "被撤销登记")}


def verify_printed_code(store: Store, text: str, today: date) -> QrVerification:
    """The signature verdict on ``text``, then the local print records and registry status of what it certifies."""
    with store.read() as session:
        result = verify_qr(text, public_keys(session), today)
        if result.status not in GENUINE:
            return result
        if isinstance(result.claim, CertificateClaim):
            return _certificate(session, result, result.claim)
        if isinstance(result.claim, ReceiptClaim):
            state = session.scalar(select(Case.state).where(Case.case_no == result.claim.case_no))
            note = f"本机记录：办件当前处于“{state}”。" if state else "本机没有该办件的记录（可能由其他窗口受理，同步后可查）。"
            return replace(result, notes=(note,))
    return result


def _certificate(session: Session, result: QrVerification, claim: CertificateClaim) -> QrVerification:
    notes = []
    org = session.scalar(select(Organization).where(Organization.credit_code == claim.credit_code))
    if org is None:
        notes.append("登记库中没有该统一社会信用代码（可能尚未同步），无法核对登记状态。")
    elif org.status in ORGANIZATION_GONE:
        status, what = ORGANIZATION_GONE[org.status]
        since = f"已于{org.status_changed_on:%Y-%m-%d}" if org.status_changed_on else "已"
        return replace(result, status=status, message=f"签名真实，但“{org.name}”{since}{what}，该证书已失效。")
    elif org.name != claim.name:
        notes.append(f"登记库中该组织现名称为“{org.name}”，与证书所载名称不同，请核对是否为变更前的旧证书。")
    printed = session.scalar(select(PrintRecord).where(
        PrintRecord.serial == claim.serial, PrintRecord.document == DocumentKind.CERTIFICATE.value,
        PrintRecord.event != PrintEvent.VOID.value))
    if printed is None:
        notes.append(f"本机没有印制号 {claim.serial} 的打印记录（可能由其他窗口打印，同步后可查）。")
    elif printed.voided:
        void = session.scalar(select(PrintRecord).where(PrintRecord.voids_id == printed.id))
        when = f"于{local_time(void.at):%Y-%m-%d}" if void is not None else ""
        why = f"，原因：{void.reason}" if void is not None and void.reason else ""
        return replace(result, status=QrStatus.VOIDED, notes=tuple(notes),
                       message=f"签名真实，但这份证书{printed.copy}（印制号 {claim.serial}）已{when}作废{why}。该份证书不再有效。")
    else:
        notes.append(f"本机打印记录：办件 {printed.case_no} 的证书{printed.copy}，{local_time(printed.at):%Y-%m-%d} 打印，现存有效。")
    return replace(result, notes=tuple(notes))
