"""Case documents (办件文书): a case and its organization mapped onto the printed documents.

Each document is read in one read transaction and returned as plain ``printing.data`` values.
Documents print what was recorded, never a fresh computation: the 名称核准 slip the decision of
the 名称核准 step, the 补正 notice the items and the day 补正 was asked. A certificate needs an
approved case (制证 or later); a notice is the one the case's state calls for (补正 → 补正材料通知书,
不予登记 → 不予登记通知书). The rules (``case_rules_in``): the 名称保留期 in months, the 补正 deadline in
working days, and whether a 受理回执 with missing materials lists them or is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.print_limits import scope_as_printed
from models.accounts import User
from models.base import local_time
from models.case_rules import case_rules_in
from models.cases import Case, CaseState, CaseStep, PersonRole
from models.errors import SoregError
from models.print_records import DocumentKind, PrintEvent, PrintRecord
from models.registry import Organization
from models.store import Store
from printing.data import (
    CertificateData,
    ChangeNoticeData,
    CollectionReceiptData,
    CopyKind,
    CorrectionNoticeData,
    Document,
    NameCheckSlipData,
    OrgKind,
    ReceiptData,
    RejectionNoticeData,
)
from registry.records import case_changes_in
from workflow.change_notice import change_notice_in
from workflow.deadlines import months_after
from workflow.queries import case_credit_code_in, find_case_in
from workflow.workdays import add_working_days

APPROVED_STATES = frozenset({CaseState.CERTIFICATE.value, CaseState.ISSUE.value, CaseState.CLOSED.value})
NOTICES = {CaseState.SUPPLEMENT.value: DocumentKind.CORRECTION_NOTICE,
           CaseState.REJECTED.value: DocumentKind.REJECTION_NOTICE}
NAME_DECISIONS = ("advance", "reject")  # the actions that decide a name at the 名称核准 step
ACKNOWLEDGED = "已确认提示："  # how a transition notes the warnings a reviewer accepted
MISSING_REFUSED = "refuse"


@dataclass(frozen=True)
class StandingCertificates:
    """The 证件印制号 of the certificate copies printed for a case and not voided (现存有效证书)."""

    originals: tuple[str, ...]
    duplicates: tuple[str, ...]


def require_approved(case: Case) -> None:
    """Refuse a certificate for a case that has not been approved (核准登记) yet."""
    if case.state not in APPROVED_STATES or not (case.credit_code or case.organization_id):
        raise SoregError(f"办件 {case.case_no} 当前处于“{case.state}”，尚未核准登记，不能打印登记证书；"
                         "请在核准登记后（制证环节）再打印。", field="办件状态")


def notice_kind(state: str) -> DocumentKind:
    """The notice a case in ``state`` gets: 补正材料通知书 or 不予登记通知书."""
    try:
        return NOTICES[state]
    except KeyError:
        raise SoregError(f"办件当前处于“{state}”，没有可打印的通知书：补正材料通知书用于“补正”中的办件，"
                         "不予登记通知书用于“不予登记”的办件。", field="文书") from None


def _local(moment: datetime) -> date:
    return local_time(moment).date()


def _org_kind(case: Case) -> OrgKind:
    try:
        return OrgKind(case.org_type)
    except ValueError:
        raise SoregError(f"“{case.org_type}”没有登记证书模板，不能打印证书。", field="组织类型") from None


def _last_step(session: Session, case: Case, *conditions) -> CaseStep | None:
    return session.scalar(select(CaseStep).where(CaseStep.case_id == case.id, *conditions)
                          .order_by(CaseStep.seq.desc()).limit(1))


def _reasons(step: CaseStep | None) -> list[str]:
    return json.loads(step.reasons) if step is not None and step.reasons else []


def standing_certificates_in(session: Session, case: Case) -> StandingCertificates:
    rows = session.execute(select(PrintRecord.copy, PrintRecord.serial).where(
        PrintRecord.case_id == case.id, PrintRecord.document == DocumentKind.CERTIFICATE.value,
        PrintRecord.event != PrintEvent.VOID.value, PrintRecord.voided.is_(False)).order_by(PrintRecord.at)).all()
    return StandingCertificates(tuple(s for c, s in rows if c == CopyKind.ORIGINAL.value),
                                tuple(s for c, s in rows if c == CopyKind.DUPLICATE.value))


def standing_copies(store: Store, case_no: str) -> StandingCertificates:
    """The certificate copies of case ``case_no`` that stand now (printed, not voided)."""
    with store.read() as session:
        return standing_certificates_in(session, find_case_in(session, case_no))


def _certificate(case: Case, copy: CopyKind, *, credit_code: str, issued_on: date, valid_until: date,
                 established_on: date, serial: str) -> CertificateData:
    social = _org_kind(case) is OrgKind.SOCIAL_GROUP
    return CertificateData(
        org_kind=_org_kind(case), copy=copy, name=case.name, credit_code=credit_code, address=case.address,
        representative=case.legal_representative, business_scope=scope_as_printed([item.text for item in case.scope_items]), capital_yuan=case.funds_yuan,
        issued_on=issued_on, valid_from=issued_on, valid_until=valid_until, established_on=established_on,
        serial=serial, activity_area=case.activity_area if social else "", sponsor=case.sponsor or "",
    )


def _change_notice_data(session: Session, case: Case, today: date) -> ChangeNoticeData:
    """准予变更登记通知书: the items the case's approval changed in the registered record, before → after."""
    org = session.get(Organization, case.organization_id) if case.organization_id else None
    changes = case_changes_in(session, org, case.case_no, public=True) if org is not None and case.approved_on else ()
    return change_notice_in(session, case, [(c.label, c.before, c.after) for c in changes], today)


def certificate_data_in(session: Session, case: Case, copy: CopyKind, serial: str) -> CertificateData:
    require_approved(case)
    org = session.get(Organization, case.organization_id)
    if org is None or org.certificate_valid_until is None or case.approved_on is None:
        raise SoregError(f"办件 {case.case_no} 的登记信息不完整（缺少有效期限），请联系管理员核对登记库。", field="有效期限")
    return _certificate(case, copy, credit_code=case.credit_code or org.credit_code or "", issued_on=case.approved_on,
                        valid_until=org.certificate_valid_until, established_on=org.established_on or case.approved_on,
                        serial=serial)


def certificate_drafts(case: Case, on: date) -> list[CertificateData]:
    """Both copies of the certificate the case would get if approved on ``on`` (code and serial made up):
    what the check before approval prints as drafts; none for a type without a certificate."""
    if case.org_type not in tuple(OrgKind):
        return []
    return [_certificate(case, copy, credit_code="5" * 18, issued_on=on, valid_until=on + timedelta(days=3650),
                         established_on=on, serial="SZ0000000000") for copy in CopyKind]


def receipt_data_in(session: Session, case: Case, today: date) -> ReceiptData:
    """受理回执: 材料齐全 only with every checklist item received; else the missing ones listed (or refused)."""
    missing = [m.label for m in case.materials if not m.received]
    rules = case_rules_in(session)
    if missing and rules["receipt"]["when_materials_missing"] == MISSING_REFUSED:
        raise SoregError(f"办件 {case.case_no} 的申请材料不齐（尚缺：{'、'.join(missing)}），按本窗口的规则不出具受理回执；"
                         "请通知补正并打印补正材料通知书，一次告知需补正的全部材料。", field="申请材料")
    supplement_by = add_working_days(today, int(rules["supplement"]["deadline_working_days"])) if missing else None
    return ReceiptData(case_no=case.case_no, applicant=case.applicant, organization_name=case.name,
                       matter=case.business_type, received_on=_local(case.accepted_at), due_date=case.due_date,
                       materials=[m.label for m in case.materials if m.received], issued_on=today, missing=missing,
                       supplement_by=supplement_by)


def correction_notice_data_in(session: Session, case: Case, today: date) -> CorrectionNoticeData:
    """补正材料通知书: the items named when 补正 was asked, the missing materials, and the deadline counted
    in working days from that day (the same on every reprint)."""
    asked = _last_step(session, case, CaseStep.to_state == CaseState.SUPPLEMENT.value)
    asked_on = _local(asked.at) if asked is not None else today
    missing = [m.label for m in case.materials if not m.received]
    missing += [r for r in _reasons(asked) if r not in missing]
    days = int(case_rules_in(session)["supplement"]["deadline_working_days"])
    return CorrectionNoticeData(case_no=case.case_no, applicant=case.applicant, organization_name=case.name,
                                matter=case.business_type, received_on=_local(case.accepted_at), missing_items=missing,
                                issued_on=today, deadline=add_working_days(asked_on, days))


def rejection_notice_data_in(session: Session, case: Case, today: date) -> RejectionNoticeData:
    decided = _last_step(session, case, CaseStep.to_state == CaseState.REJECTED.value)
    return RejectionNoticeData(case_no=case.case_no, applicant=case.applicant, organization_name=case.name,
                               matter=case.business_type, received_on=_local(case.accepted_at),
                               reasons=_reasons(decided), issued_on=today)


def collection_receipt_data_in(session: Session, case: Case, clerk_name: str, today: date) -> CollectionReceiptData:
    """领证回执 for exactly the certificate copies that stand, once 正本 and 副本 exist; the collector is
    the 领证人 recorded at 发证 (the legal representative or an agent), before 发证 the legal
    representative who is expected to come."""
    require_approved(case)
    standing = standing_certificates_in(session, case)
    missing = [c.value for c, serials in ((CopyKind.ORIGINAL, standing.originals),
                                          (CopyKind.DUPLICATE, standing.duplicates)) if not serials]
    if missing:
        raise SoregError(f"办件 {case.case_no} 尚无有效的登记证书{'和'.join(missing)}，请先打印证书再出具领证回执。",
                         field="登记证书")
    if case.collector_name:
        name, id_number = case.collector_name, case.collector_id_number or ""
    else:
        expected = next((p for p in case.persons if PersonRole.LEGAL_REPRESENTATIVE in p.role_set), None)
        name, id_number = (expected.name, expected.id_number) if expected else (case.applicant, "")
    return CollectionReceiptData(
        case_no=case.case_no, organization_name=case.name, credit_code=case_credit_code_in(session, case) or "",
        originals=standing.originals, duplicates=standing.duplicates,
        collector_name=name, collector_id_number=id_number, clerk_name=clerk_name, issued_on=today)


def name_check_slip_data_in(session: Session, case: Case, today: date) -> NameCheckSlipData:
    """名称核准 result as recorded: the last decision taken at the 名称核准 step (passed on, with the
    warnings the reviewer accepted, or refused with its reasons), and the 名称保留期 from the rules."""
    step = _last_step(session, case, CaseStep.from_state == CaseState.NAME_REVIEW.value,
                      CaseStep.action.in_(NAME_DECISIONS))
    if step is None:
        raise SoregError(f"办件 {case.case_no} 尚未作出名称核准决定（当前“{case.state}”），"
                         "名称核准结果通知书须在名称核准环节审查通过或不予登记之后打印。", field="名称核准")
    approved = step.action != "reject"
    decided_on = _local(step.at)
    reviewer = session.scalar(select(User.display_name).where(User.username == step.actor)) or step.actor
    if approved:
        accepted = step.note.split(ACKNOWLEDGED, 1)[1] if ACKNOWLEDGED in step.note else ""
        notes = [f"审查人已确认以下提示不影响使用该名称：{accepted}"] if accepted else []
        months = int(case_rules_in(session)["name_check"]["reservation_months"])
        reserved_until = months_after(decided_on, months) - timedelta(days=1)
    else:
        notes, reserved_until = _reasons(step), None
    return NameCheckSlipData(case_no=case.case_no, applicant=case.applicant, proposed_name=case.name,
                             org_type=case.org_type, approved=approved, reviewer=reviewer, decided_on=decided_on,
                             notes=notes, issued_on=today, reserved_until=reserved_until)


def case_document(store: Store, case_no: str, kind: DocumentKind, *, copy: CopyKind = CopyKind.ORIGINAL,
                  serial: str = "", clerk_name: str = "", today: date | None = None) -> Document:
    """The document ``kind`` of case ``case_no``, filled from the case; refused in Chinese when it does not apply."""
    today = today or date.today()
    with store.read() as session:
        case = find_case_in(session, case_no)
        if kind is DocumentKind.CERTIFICATE:
            return certificate_data_in(session, case, copy, serial)
        if kind is DocumentKind.RECEIPT:
            return receipt_data_in(session, case, today)
        if kind in (DocumentKind.CORRECTION_NOTICE, DocumentKind.REJECTION_NOTICE):
            if notice_kind(case.state) is not kind:
                raise SoregError(f"办件当前处于“{case.state}”，不能打印{kind.value}。", field="文书")
            builder = correction_notice_data_in if kind is DocumentKind.CORRECTION_NOTICE else rejection_notice_data_in
            return builder(session, case, today)
        if kind is DocumentKind.COLLECTION_RECEIPT:
            return collection_receipt_data_in(session, case, clerk_name, today)
        if kind is DocumentKind.CHANGE_NOTICE:
            return _change_notice_data(session, case, today)
        return name_check_slip_data_in(session, case, today)


def case_notice_kind(store: Store, case_no: str) -> DocumentKind:
    """Which notice case ``case_no`` gets now (what ``print notice`` prints)."""
    with store.read() as session:
        return notice_kind(find_case_in(session, case_no).state)
