"""The registered record (登记事项) of an organization and its versions.

A record is what the certificate prints — name, 住所 and 街镇, 活动地域, 业务范围 with its prior
approvals (前置审批), funds (注册资金/开办资金/原始基金), 业务主管单位 or the 直接登记 category, 法定代表人,
宗旨 — and the persons in office. Each version is one ``organization_versions`` row (append-only,
numbered per organization) saying who made it, when, by which case and business.

An organization added by the registry import has no version rows (the import stays a bulk
insert): its record is the organizations row, read as an implied version "登记库导入" whose who
and when come from the import's audit event; it becomes version 1 the first time a version is
added. Items the registry does not hold are empty and shown as "（未登记）".
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from forms.case_items import NOT_REGISTERED, RECORD_ITEMS
from forms.print_limits import scope_as_printed
from models.audit import AuditEvent, record_event_in
from models.base import local_time, utcnow
from models.cases import BusinessType, Case, PersonRole
from models.errors import SoregError
from models.registry import Organization, OrganizationVersion
from models.store import Store
from printing.data import CertificateData, CopyKind, OrgKind
from registry.organizations import organization_in, rename_organization_in
from registry.registry_query import street_name

IMPORTED = "登记库导入"  # the business of the implied version of an imported organization
UNRECORDED = "（未记录）"  # who made an organization's record the registry got without an import event (a pull)
IMPORT_ACTION = "registry.import"
OFFICE_ROLES = frozenset({PersonRole.LEGAL_REPRESENTATIVE.value, PersonRole.RESPONSIBLE.value})
# The organizations columns that mirror the current record (kept in step by add_version_in).
MIRRORED = ("address", "street_code", "legal_representative", "sponsor")


@dataclass(frozen=True)
class ScopeItem:
    """One 业务范围 item with its prior approval (前置审批), if it needs one."""

    text: str
    approval_doc_no: str = ""
    approval_date: date | None = None


@dataclass(frozen=True)
class PersonInOffice:
    """A person in office (在任人员): 法定代表人, 负责人 and the holders of a title."""

    name: str
    id_number: str
    roles: tuple[str, ...] = ()
    title: str = ""
    appointed_on: date | None = None


@dataclass(frozen=True)
class RegisteredRecord:
    """The registered items (登记事项) of one organization; "" / None / () = not registered."""

    name: str
    address: str = ""
    street_code: str = ""
    activity_area: str = ""
    scope: tuple[ScopeItem, ...] = ()
    funds_yuan: int | None = None
    sponsor: str = ""
    direct_category: str = ""
    legal_representative: str = ""
    purpose: str = ""
    persons: tuple[PersonInOffice, ...] = ()


@dataclass(frozen=True)
class ItemChange:
    """One item a version changed, as the page shows it."""

    label: str
    before: str
    after: str


@dataclass(frozen=True)
class RecordVersion:
    """A version of the record: number, who, when, which case, which business, what changed
    against the version before (against an empty record for the first)."""

    number: int
    actor: str
    at: datetime  # local time
    effective_on: date  # 核准日期
    case_no: str | None
    business: str
    changes: tuple[ItemChange, ...]
    implied: bool = False  # read from the imported organizations row, not stored as a version


@dataclass(frozen=True)
class OrganizationPage:
    """What the organization page shows: the organization's facts, its current record, the
    record's items as text (label, text) and its versions newest first."""

    id: uuid.UUID
    credit_code: str | None
    org_type: str
    status: str
    established_on: date | None
    certificate_valid_until: date | None
    record: RegisteredRecord
    items: tuple[tuple[str, str], ...]
    versions: tuple[RecordVersion, ...]


# ---- the record as JSON (the version row and its sync payload) ------------------------------

def record_json(record: RegisteredRecord) -> str:
    """The record as the version row stores it (a person's roles joined by ",", as a case keeps
    them); spread into the version's fields, it is what sync sends (models.op_rules)."""
    def plain(value):
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, PersonInOffice):
            return {f.name: ",".join(value.roles) if f.name == "roles" else plain(getattr(value, f.name))
                    for f in fields(value)}
        if isinstance(value, tuple):
            return [plain(v) for v in value]
        if hasattr(value, "__dataclass_fields__"):
            return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
        return value
    return json.dumps(plain(record), ensure_ascii=False, sort_keys=True)


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def record_from_json(text: str) -> RegisteredRecord:
    data = json.loads(text)
    return RegisteredRecord(**(data | {
        "scope": tuple(ScopeItem(**(s | {"approval_date": _day(s.get("approval_date"))})) for s in data.get("scope", ())),
        "persons": tuple(PersonInOffice(**(p | {"roles": tuple(r for r in p["roles"].split(",") if r),
                                                "appointed_on": _day(p.get("appointed_on"))}))
                         for p in data.get("persons", ())),
    }))


# ---- reading --------------------------------------------------------------------------------

def implied_record(org: Organization) -> RegisteredRecord:
    """The record an organization without versions has: the items its organizations row holds."""
    return RegisteredRecord(name=org.name, address=org.address or "", street_code=org.street_code or "",
                            legal_representative=org.legal_representative or "", sponsor=org.sponsor or "")


def _persons_text(persons: tuple[PersonInOffice, ...], *, public: bool = False) -> str:
    """One line per person; ``public`` (a document the applicant takes away): without the 身份证号."""
    return "\n".join(
        f"{p.name}（{'；'.join(x for x in (p.title, '、'.join(p.roles), None if public else p.id_number, p.appointed_on and f'{p.appointed_on:%Y-%m-%d}任职') if x)}）"
        for p in persons)


def _scope_text(scope: tuple[ScopeItem, ...]) -> str:
    def line(i: int, s: ScopeItem) -> str:
        approval = "，".join(x for x in (s.approval_doc_no, s.approval_date and f"{s.approval_date:%Y-%m-%d}") if x)
        return f"{i}. {s.text}" + (f"（前置审批：{approval}）" if approval else "")
    return "\n".join(line(i, s) for i, s in enumerate(scope, 1))


def item_text(record: RegisteredRecord, key: str, *, public: bool = False) -> str:
    """One item of the record as text; "（未登记）" when the registry does not hold it; ``public``:
    for a document the applicant takes away (persons without their 身份证号)."""
    value = getattr(record, key)
    if key == "street_code":
        text = street_name(value) if value else ""
    elif key == "funds_yuan":
        text = "" if value is None else f"{value:,}"
    elif key == "scope":
        text = _scope_text(value)
    elif key == "persons":
        text = _persons_text(value, public=public)
    else:
        text = value
    return text or NOT_REGISTERED


def record_items(record: RegisteredRecord) -> tuple[tuple[str, str], ...]:
    """(label, text) of every item, labels from forms/case_items.py."""
    return tuple((label, item_text(record, key)) for key, label in RECORD_ITEMS)


def record_changes(before: RegisteredRecord | None, after: RegisteredRecord, *,
                   public: bool = False) -> tuple[ItemChange, ...]:
    """The items that differ, as (label, before, after); ``before`` None: the first version;
    ``public`` as for ``item_text``."""
    old = before or RegisteredRecord(name="")
    return tuple(ItemChange(label, item_text(old, key, public=public), item_text(after, key, public=public))
                 for key, label in RECORD_ITEMS if getattr(old, key) != getattr(after, key))


def _version_rows(session: Session, org_id: uuid.UUID) -> list[OrganizationVersion]:
    return list(session.scalars(select(OrganizationVersion).where(OrganizationVersion.organization_id == org_id)
                                .order_by(OrganizationVersion.version_no)))


def _import_origin(session: Session, org: Organization) -> tuple[str, datetime]:
    """Who and when of an imported organization: the first import event recorded after the
    row was written (one index look-up), else the row's own time."""
    event = session.execute(select(AuditEvent.actor, AuditEvent.created_at).where(
        AuditEvent.action == IMPORT_ACTION, AuditEvent.created_at >= org.created_at)
        .order_by(AuditEvent.created_at).limit(1)).first()
    return (event.actor, event.created_at) if event else (UNRECORDED, org.created_at)


def _implied_version(session: Session, org: Organization) -> tuple[RecordVersion, RegisteredRecord]:
    record = implied_record(org)
    actor, at = _import_origin(session, org)
    return RecordVersion(1, actor, local_time(at), local_time(at).date(), None, IMPORTED, record_changes(None, record),
                         implied=True), record


def _versions_in(session: Session, org: Organization, *,
                 public: bool = False) -> tuple[list[RecordVersion], RegisteredRecord]:
    """The versions oldest first, and the current record (``public`` as for ``item_text``)."""
    rows = _version_rows(session, org.id)
    if not rows:
        version, record = _implied_version(session, org)
        return [version], record
    versions, previous = [], None
    for row in rows:
        record = record_from_json(row.record)
        versions.append(RecordVersion(row.version_no, row.actor, local_time(row.at), row.effective_on, row.case_no,
                                      row.business, record_changes(previous, record, public=public)))
        previous = record
    return versions, previous


FORM_PARTS_IN_RECORD = {"scope_items": ("scope",), "persons": ("legal_representative", "persons")}


def record_keys_of(form_fields: Iterable[str]) -> tuple[str, ...]:
    """The items of the record that the intake form's fields (or parts) fill, in the record's order."""
    keys = {k for f in form_fields for k in FORM_PARTS_IN_RECORD.get(f, (f,))}
    return tuple(key for key, _ in RECORD_ITEMS if key in keys)


def case_changes_in(session: Session, org: Organization, case_no: str, *,
                    public: bool = False) -> tuple[ItemChange, ...]:
    """What the version made by case ``case_no`` changed (none when the case made no version);
    ``public`` as for ``item_text``."""
    return next((v.changes for v in _versions_in(session, org, public=public)[0] if v.case_no == case_no), ())


def current_record(store: Store, org_id: uuid.UUID) -> RegisteredRecord:
    """The organization's registered record as it stands now."""
    with store.read() as session:
        return _versions_in(session, organization_in(session, org_id))[1]


def record_versions(store: Store, org_id: uuid.UUID) -> list[RecordVersion]:
    """Every version of the organization's record, newest first."""
    with store.read() as session:
        return _versions_in(session, organization_in(session, org_id))[0][::-1]


def organization_page(store: Store, org_id: uuid.UUID) -> OrganizationPage:
    """Everything the organization page shows, read in one transaction."""
    with store.read() as session:
        org = organization_in(session, org_id)
        versions, record = _versions_in(session, org)
        return OrganizationPage(org.id, org.credit_code, org.org_type, org.status, org.established_on,
                                org.certificate_valid_until, record, record_items(record), tuple(versions[::-1]))


# ---- writing --------------------------------------------------------------------------------

def record_of_case(case: Case, approved_on: date) -> RegisteredRecord:
    """The record a 成立登记 case registers: its items, scope items and persons in office (a
    person's 任职日期 is the approval day unless the form gave one)."""
    return RegisteredRecord(
        name=case.name, address=case.address, street_code=case.street_code or "", activity_area=case.activity_area,
        scope=tuple(ScopeItem(s.text, s.approval_doc_no or "", s.approval_date) for s in case.scope_items),
        funds_yuan=case.funds_yuan, sponsor=case.sponsor or "", direct_category=case.direct_category or "",
        legal_representative=case.legal_representative, purpose=case.purpose,
        persons=tuple(PersonInOffice(p.name, p.id_number, tuple(p.roles.split(",")), p.title,
                                     p.appointed_on or approved_on)
                      for p in case.persons if OFFICE_ROLES & set(p.roles.split(",")) or p.title),
    )


def _append(session: Session, org: Organization, number: int, record: RegisteredRecord, *, actor: str,
            at: datetime, on: date, business: str, case_id: uuid.UUID | None, case_no: str | None) -> None:
    session.add(OrganizationVersion(organization_id=org.id, version_no=number, business=business, case_id=case_id,
                                    case_no=case_no, actor=actor, at=at, effective_on=on, record=record_json(record)))


def add_version_in(session: Session, org: Organization, record: RegisteredRecord, *, actor: str,
                   case_id: uuid.UUID | None, business: str, on: date | None = None) -> int:
    """Append the next version of ``org``'s record and bring its organizations columns in step
    (a new name through the name index, the old one kept as a former name), in the caller's
    transaction; audited. An organization without versions gets its implied (imported) record
    stored as version 1 first, except at 成立登记, whose record is the first. ``on``: the day it
    takes effect (核准日期; today when not given). Returns the number."""
    numbers = session.scalar(select(func.max(OrganizationVersion.version_no))
                             .where(OrganizationVersion.organization_id == org.id)) or 0
    establishing = business == BusinessType.ESTABLISH.value
    if establishing and numbers:
        raise SoregError(f"“{org.name}”已有登记事项的版本，不能再作为成立登记写入。", field="业务类型")
    before = None
    at = utcnow()
    on = on or local_time(at).date()
    if numbers:
        before = current_record_in(session, org)
    elif not establishing:
        before = implied_record(org)
        who, when = _import_origin(session, org)
        _append(session, org, 1, before, actor=who, at=when, on=local_time(when).date(), business=IMPORTED,
                case_id=None, case_no=None)
        numbers = 1
    case_no = session.scalar(select(Case.case_no).where(Case.id == case_id)) if case_id else None
    number = numbers + 1
    _append(session, org, number, record, actor=actor, at=at, on=on, business=business, case_id=case_id,
            case_no=case_no)
    if record.name != org.name:
        rename_organization_in(session, org.id, record.name, renamed_on=on, actor=actor)
    for column in MIRRORED:
        value = getattr(record, column) or None
        if getattr(org, column) != value:
            setattr(org, column, value)
    session.flush()
    record_event_in(session, actor=actor, action="organization.version", record_type="organization", record_id=org.id,
                 after={"version_no": number, "business": business, "case_no": case_no,
                        "changed": [c.label for c in record_changes(before, record)]})
    return number


def current_record_in(session: Session, org: Organization) -> RegisteredRecord:
    """The current record, inside the caller's transaction."""
    row = session.scalar(select(OrganizationVersion).where(OrganizationVersion.organization_id == org.id)
                         .order_by(OrganizationVersion.version_no.desc()).limit(1))
    return implied_record(org) if row is None else record_from_json(row.record)


# ---- the certificate of any registered organization -----------------------------------------

def record_certificate(store: Store, org_id: uuid.UUID, copy: CopyKind, serial: str) -> CertificateData:
    """The 登记证书 of a registered organization, printed from its current record: issued on the
    day its newest version took effect. Refused, naming the item, while an item it prints is not
    registered (a later business asks for it)."""
    with store.read() as session:
        org = organization_in(session, org_id)
        versions, record = _versions_in(session, org)
    try:
        kind = OrgKind(org.org_type)
    except ValueError:
        raise SoregError(f"“{org.org_type}”没有登记证书模板，不能打印证书。", field="组织类型") from None
    labels = dict(RECORD_ITEMS)
    needed = ["address", "legal_representative", "scope", "funds_yuan"] + (["activity_area"] if kind is OrgKind.SOCIAL_GROUP else [])
    missing = [labels[k] for k in needed if getattr(record, k) in ("", None, ())]
    if not org.credit_code:
        missing.insert(0, "统一社会信用代码")
    if org.certificate_valid_until is None:
        missing.append("有效期限")
    if missing:
        raise SoregError(f"“{org.name}”的登记事项{'、'.join(missing)}尚未登记，不能打印证书；"
                         "请先办理补齐这些事项的业务。", field=missing[0])
    issued_on = versions[-1].effective_on
    return CertificateData(
        org_kind=kind, copy=copy, name=record.name, credit_code=org.credit_code, address=record.address,
        representative=record.legal_representative, business_scope=scope_as_printed([s.text for s in record.scope]),
        capital_yuan=record.funds_yuan, issued_on=issued_on, valid_from=issued_on, valid_until=org.certificate_valid_until,
        established_on=org.established_on or issued_on, serial=serial,
        activity_area=record.activity_area if kind is OrgKind.SOCIAL_GROUP else "", sponsor=record.sponsor,
    )

