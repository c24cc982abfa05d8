"""Case documents (办件文书): a case and its organization mapped onto the printed documents.

Each document is read in one read transaction and returned as plain ``printing.data`` values.
A certificate needs an approved case (制证 or later); a notice is the one the case's state calls
for (补正 → 补正材料通知书, 不予登记 → 不予登记通知书).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cases import Case, CaseState, CaseStep, PersonRole
from models.errors import SoregError
from models.print_records import DocumentKind, PrintEvent, PrintRecord
from models.registry import Organization
from models.store import Store
from printing.data import (
    CertificateData,
    CollectionReceiptData,
    CopyKind,
    CorrectionNoticeData,
    Document,
    NameCheckSlipData,
    OrgKind,
    ReceiptData,
    RejectionNoticeData,
)
from registry.name_check import check_name
from workflow.queries import find_case

APPROVED_STATES = frozenset({CaseState.CERTIFICATE.value, CaseState.ISSUE.value, CaseState.CLOSED.value})
NOTICES = {CaseState.SUPPLEMENT.value: DocumentKind.CORRECTION_NOTICE,
           CaseState.REJECTED.value: DocumentKind.REJECTION_NOTICE}


@dataclass(frozen=True)
class StandingCertificates:
    """The 证件印制号 of the certificate copies printed for a case and not voided."""

    originals: tuple[str, ...]
    duplicates: tuple[str, ...]


def require_approved(case: Case) -> None:
    """Refuse a certificate for a case that has not been approved (核准登记) yet."""
    if case.state not in APPROVED_STATES or not case.credit_code:
        raise SoregError(f"办件 {case.case_no} 当前处于“{case.state}”，尚未核准登记，不能打印登记证书；"
                         "请在核准登记后（制证环节）再打印。", field="办件状态")


def notice_kind(state: str) -> DocumentKind:
    """The notice a case in ``state`` gets: 补正材料通知书 or 不予登记通知书."""
    try:
        return NOTICES[state]
    except KeyError:
        raise SoregError(f"办件当前处于“{state}”，没有可打印的通知书：补正材料通知书用于“补正”中的办件，"
                         "不予登记通知书用于“不予登记”的办件。", field="文书") from None


def _local_date(case: Case) -> date:
    return case.accepted_at.replace(tzinfo=UTC).astimezone().date()


def _org_kind(case: Case) -> OrgKind:
    try:
        return OrgKind(case.org_type)
    except ValueError:
        raise SoregError(f"“{case.org_type}”没有登记证书模板，不能打印证书。", field="组织类型") from None


def _last_reasons(session: Session, case: Case, to_state: CaseState) -> list[str]:
    raw = session.scalar(select(CaseStep.reasons).where(CaseStep.case_id == case.id, CaseStep.to_state == to_state.value)
                         .order_by(CaseStep.seq.desc()).limit(1))
    return json.loads(raw) if raw else []


def standing_certificates(session: Session, case: Case) -> StandingCertificates:
    rows = session.execute(select(PrintRecord.copy, PrintRecord.serial).where(
        PrintRecord.case_id == case.id, PrintRecord.document == DocumentKind.CERTIFICATE.value,
        PrintRecord.event != PrintEvent.VOID.value, PrintRecord.voided.is_(False)).order_by(PrintRecord.at)).all()
    return StandingCertificates(tuple(s for c, s in rows if c == CopyKind.ORIGINAL.value),
                                tuple(s for c, s in rows if c == CopyKind.DUPLICATE.value))


def certificate_data(session: Session, case: Case, copy: CopyKind, serial: str) -> CertificateData:
    require_approved(case)
    org = session.get(Organization, case.organization_id)
    if org is None or org.certificate_valid_until is None or case.approved_on is None:
        raise SoregError(f"办件 {case.case_no} 的登记信息不完整（缺少有效期限），请联系管理员核对登记库。", field="有效期限")
    social = _org_kind(case) is OrgKind.SOCIAL_GROUP
    return CertificateData(
        org_kind=_org_kind(case), copy=copy, name=case.name, credit_code=case.credit_code or "",
        address=case.address, representative=case.legal_representative,
        business_scope="；".join(item.text for item in case.scope_items) + "。",
        capital_yuan=case.funds_yuan, issued_on=case.approved_on, valid_from=case.approved_on,
        valid_until=org.certificate_valid_until, established_on=org.established_on or case.approved_on,
        serial=serial, activity_area=case.activity_area if social else "", sponsor=case.sponsor or "",
    )


def receipt_data(case: Case, today: date) -> ReceiptData:
    return ReceiptData(case_no=case.case_no, applicant=case.applicant, organization_name=case.name,
                       matter=case.business_type, received_on=_local_date(case), due_date=case.due_date,
                       materials=[m.label for m in case.materials if m.received], issued_on=today)


def correction_notice_data(session: Session, case: Case, today: date) -> CorrectionNoticeData:
    missing = [m.label for m in case.materials if not m.received]
    missing += [r for r in _last_reasons(session, case, CaseState.SUPPLEMENT) if r not in missing]
    return CorrectionNoticeData(case_no=case.case_no, applicant=case.applicant, organization_name=case.name,
                                matter=case.business_type, received_on=_local_date(case), missing_items=missing,
                                issued_on=today)


def rejection_notice_data(session: Session, case: Case, today: date) -> RejectionNoticeData:
    return RejectionNoticeData(case_no=case.case_no, applicant=case.applicant, organization_name=case.name,
                               matter=case.business_type, received_on=_local_date(case),
                               reasons=_last_reasons(session, case, CaseState.REJECTED), issued_on=today)


def collection_receipt_data(session: Session, case: Case, clerk_name: str, today: date) -> CollectionReceiptData:
    """领证回执 for the standing certificate copies; the collector is the proposed legal representative."""
    require_approved(case)
    standing = standing_certificates(session, case)
    if not standing.originals:
        raise SoregError(f"办件 {case.case_no} 尚未打印登记证书正本，请先打印证书再出具领证回执。", field="登记证书")
    collector = next((p for p in case.persons if PersonRole.LEGAL_REPRESENTATIVE in p.role_set), None)
    return CollectionReceiptData(
        case_no=case.case_no, organization_name=case.name, credit_code=case.credit_code or "",
        original_serial=standing.originals[-1], duplicate_serials=standing.duplicates,
        collector_name=collector.name if collector else case.applicant,
        collector_id_number=collector.id_number if collector else "", clerk_name=clerk_name, issued_on=today)


def name_check_slip_data(session: Session, case: Case, today: date) -> NameCheckSlipData:
    """名称核准 result: the name check run now; warnings count as approved once a reviewer acknowledged them."""
    result = check_name(session, case.name, case.org_type, today)
    approved = result.verdict == "pass" or (result.verdict == "warn" and case.name_warnings_ack_by is not None)
    return NameCheckSlipData(case_no=case.case_no, applicant=case.applicant, proposed_name=case.name,
                             org_type=case.org_type, approved=approved,
                             notes=[f.message for f in result.findings if f.level != "info"], issued_on=today)


def case_document(store: Store, case_no: str, kind: DocumentKind, *, copy: CopyKind = CopyKind.ORIGINAL,
                  serial: str = "", clerk_name: str = "", today: date | None = None) -> Document:
    """The document ``kind`` of case ``case_no``, filled from the case; refused in Chinese when it does not apply."""
    today = today or date.today()
    with store.read() as session:
        case = find_case(session, case_no)
        if kind is DocumentKind.CERTIFICATE:
            return certificate_data(session, case, copy, serial)
        if kind is DocumentKind.RECEIPT:
            return receipt_data(case, today)
        if kind in (DocumentKind.CORRECTION_NOTICE, DocumentKind.REJECTION_NOTICE):
            if notice_kind(case.state) is not kind:
                raise SoregError(f"办件当前处于“{case.state}”，不能打印{kind.value}。", field="文书")
            builder = correction_notice_data if kind is DocumentKind.CORRECTION_NOTICE else rejection_notice_data
            return builder(session, case, today)
        if kind is DocumentKind.COLLECTION_RECEIPT:
            return collection_receipt_data(session, case, clerk_name, today)
        return name_check_slip_data(session, case, today)


def case_notice_kind(store: Store, case_no: str) -> DocumentKind:
    """Which notice case ``case_no`` gets now (what ``print notice`` prints)."""
    with store.read() as session:
        return notice_kind(find_case(session, case_no).state)
