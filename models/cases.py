"""Cases (办件): one application at the window, from intake (受理) to the certificate.

``Case`` holds the registered items of the proposed organization (拟设立组织的登记事项);
``CaseScopeItem`` its 业务范围 items; ``CasePerson`` the founders (发起人), the proposed legal
representative (拟任法定代表人) and responsible persons (拟任负责人); ``CaseMaterial`` the
checklist of materials (申请材料) with ``CaseAttachment`` the scanned files; ``CaseStep`` the
append-only history (办理过程). ``CaseCounter`` hands out the local sequence of case numbers
and ``DishonestPerson`` is the local copy of the persons on the 严重违法失信名单. ``CaseSearchText``
is the line each case is found by in the 办件 search, kept by triggers.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, SyncedMixin


class BusinessType(enum.StrEnum):
    """业务类型: what the applicant asks for."""

    ESTABLISH = "成立登记"
    CHANGE = "变更登记"
    DEREGISTER = "注销登记"
    RENEW_CERTIFICATE = "换证"
    REPLACE_CERTIFICATE = "补证"
    CHARITY_RECOGNITION = "慈善组织认定"
    PUBLIC_FUNDRAISING = "公开募捐资格"
    ANNUAL_INSPECTION = "年检"


class CaseState(enum.StrEnum):
    """办件状态: the step a case waits at, or how it ended."""

    ACCEPTED = "受理"
    NAME_REVIEW = "名称核准"
    SCOPE_REVIEW = "业务范围审定"
    SPONSOR_REVIEW = "业务主管单位审查"
    PERSONS_REVIEW = "发起人/拟任负责人审查"
    APPROVAL = "核准登记"
    CERTIFICATE = "制证"
    ISSUE = "发证"
    CLOSED = "办结"
    SUPPLEMENT = "补正"
    REJECTED = "不予登记"
    WITHDRAWN = "撤回"


class PersonRole(enum.StrEnum):
    """A person's part in the application; one person may hold several."""

    FOUNDER = "发起人"
    LEGAL_REPRESENTATIVE = "法定代表人"
    RESPONSIBLE = "负责人"


class CollectorKind(enum.StrEnum):
    """Who collected the certificate at 发证 (领证人)."""

    LEGAL_REPRESENTATIVE = "法定代表人"
    AGENT = "代理人"


class Case(SyncedMixin, Base):
    __tablename__ = "cases"

    case_no: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    business_type: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    org_type: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    resume_state: Mapped[str | None] = mapped_column(String(16))  # where a 补正 returns to
    window_code: Mapped[str] = mapped_column(String(8), nullable=False)
    accepted_by: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    accepted_at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    applicant: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    applicant_phone: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    # deadlines (办理时限): the local commitment and the statutory limit, moved by 补正
    due_date: Mapped[date] = mapped_column(Date, nullable=False, index=True)
    statutory_due_date: Mapped[date] = mapped_column(Date, nullable=False)
    stopped_since: Mapped[date | None] = mapped_column(Date)
    stopped_working_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    stopped_calendar_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # registered items of the proposed organization (登记事项)
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    street_code: Mapped[str | None] = mapped_column(String(9))
    purpose: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 宗旨
    activity_area: Mapped[str] = mapped_column(String(100), nullable=False, default="")  # 活动地域
    legal_representative: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    funds_yuan: Mapped[int] = mapped_column(Integer, nullable=False, default=0)  # 注册资金/开办资金
    sponsor: Mapped[str | None] = mapped_column(String(100))  # 业务主管单位
    sponsor_consent_doc_no: Mapped[str | None] = mapped_column(String(64))
    sponsor_consent_date: Mapped[date | None] = mapped_column(Date)
    direct_category: Mapped[str | None] = mapped_column(String(16))  # 直接登记类别
    direct_justification: Mapped[str | None] = mapped_column(Text)
    individual_members: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    unit_members: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    premises_document: Mapped[str | None] = mapped_column(String(100))  # 住所证明
    premises_valid_until: Mapped[date | None] = mapped_column(Date)  # None: owned, no end
    # why the clerk accepted a name that the name check refused (shown to the reviewer at 名称核准)
    name_override_reason: Mapped[str | None] = mapped_column(Text)
    # the reviewer's acknowledgement of the name check's warnings
    name_warnings_ack_by: Mapped[str | None] = mapped_column(String(64))
    name_warnings_ack_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the result of approval
    organization_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("organizations.id"))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    approved_by: Mapped[str | None] = mapped_column(String(64))
    approved_on: Mapped[date | None] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # who collected the certificate at 发证 (领证人): the legal representative or an agent (代理人)
    collector_kind: Mapped[str | None] = mapped_column(String(8))  # CollectorKind value
    collector_name: Mapped[str | None] = mapped_column(String(64))
    collector_id_number: Mapped[str | None] = mapped_column(String(18))
    collected_at: Mapped[datetime | None] = mapped_column(DateTime)
    # the registered items the case changes (变更事项), comma-joined keys; empty for 成立登记
    changed_items: Mapped[str] = mapped_column(String(400), nullable=False, default="", server_default="")

    scope_items: Mapped[list[CaseScopeItem]] = relationship(
        cascade="all, delete-orphan", order_by="CaseScopeItem.position", lazy="selectin"
    )
    persons: Mapped[list[CasePerson]] = relationship(
        cascade="all, delete-orphan", order_by="CasePerson.position", lazy="selectin"
    )
    materials: Mapped[list[CaseMaterial]] = relationship(
        cascade="all, delete-orphan", order_by="CaseMaterial.position", lazy="selectin"
    )

    __table_args__ = (
        Index("ix_cases_state_due", "state", "due_date"),
        Index("ix_cases_accepted_state_business", "accepted_at", "state", "business_type"),  # 统计 counts
        # the 办件 list's default order: a walk judges the state and due-date filters from the index
        Index("ix_cases_accepted_state_due", "accepted_at", "state", "due_date"),
    )


class CaseScopeItem(SyncedMixin, Base):
    """One 业务范围 item: a catalogue item or free text, with its 前置审批 if one is needed."""

    __tablename__ = "case_scope_items"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    catalogue_code: Mapped[str | None] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(String(200), nullable=False)
    approval_doc_no: Mapped[str | None] = mapped_column(String(64))
    approval_date: Mapped[date | None] = mapped_column(Date)


class CasePerson(SyncedMixin, Base):
    __tablename__ = "case_persons"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    id_number: Mapped[str] = mapped_column(String(18), nullable=False, index=True)  # 身份证号
    birth_date: Mapped[date] = mapped_column(Date, nullable=False)
    phone: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    roles: Mapped[str] = mapped_column(String(64), nullable=False)  # PersonRole values joined by ","
    title: Mapped[str] = mapped_column(String(32), nullable=False, default="")  # 拟任职务
    appointed_on: Mapped[date | None] = mapped_column(Date)

    @property
    def role_set(self) -> frozenset[PersonRole]:
        return frozenset(PersonRole(r) for r in self.roles.split(",") if r)


class CaseMaterial(SyncedMixin, Base):
    """One item of the materials checklist (材料清单) and whether it was received."""

    __tablename__ = "case_materials"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    item_code: Mapped[str] = mapped_column(String(16), nullable=False)
    label: Mapped[str] = mapped_column(String(100), nullable=False)
    received: Mapped[bool] = mapped_column(nullable=False, default=False)
    received_on: Mapped[date | None] = mapped_column(Date)

    attachments: Mapped[list[CaseAttachment]] = relationship(
        cascade="all, delete-orphan", order_by="CaseAttachment.created_at", lazy="selectin"
    )

    __table_args__ = (UniqueConstraint("case_id", "item_code", name="uq_case_materials_case_item"),)


class CaseAttachment(SyncedMixin, Base):
    """A scanned file of a material, copied into the data folder under its SHA-256."""

    __tablename__ = "case_attachments"

    material_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("case_materials.id", ondelete="CASCADE"), nullable=False, index=True
    )
    original_name: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_path: Mapped[str] = mapped_column(String(255), nullable=False)  # relative to the data folder
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    size_bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    media_type: Mapped[str] = mapped_column(String(32), nullable=False)
    added_by: Mapped[str] = mapped_column(String(64), nullable=False)


class CaseStep(SyncedMixin, Base):
    """One transition of a case (办理环节); never updated or deleted (triggers forbid it)."""

    __tablename__ = "case_steps"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16), nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reasons: Mapped[str] = mapped_column(Text, nullable=False, default="[]")  # JSON list of strings
    opinion: Mapped[str] = mapped_column(Text, nullable=False, default="", server_default="")  # 审查意见
    # a correction (更正登记事项): JSON list of [item, before, after] as shown to the clerk
    changes: Mapped[str] = mapped_column(Text, nullable=False, default="[]", server_default="[]")

    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_case_steps_case_seq"),)


class CaseCounter(SyncedMixin, Base):
    """The last case sequence number used by this window in a year (本窗口年度流水号)."""

    __tablename__ = "case_counters"

    window_code: Mapped[str] = mapped_column(String(8), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    last_seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    __table_args__ = (UniqueConstraint("window_code", "year", name="uq_case_counters_window_year"),)


class DishonestPerson(SyncedMixin, Base):
    """A person on the 严重违法失信名单 (as 负责人 of a listed organization), kept locally."""

    __tablename__ = "dishonest_persons"

    id_number: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    listed_on: Mapped[date] = mapped_column(Date, nullable=False)
    removed_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200), nullable=False, default="")


class CaseSearchText(Base):
    """What a case is found by in the 办件 search (办件检索): its number, name, applicant and the
    names of its persons on one line, separated by SEARCH_SEPARATOR.

    Local and derived: SQLite triggers (migration 0011) rewrite the line whenever a case or one
    of its persons is written, by the ORM, a bulk insert or a pull alike; no code writes it. The
    FTS5 table SEARCH_INDEX (trigram tokenizer, this table as its content, ``id`` as its rowid)
    finds a line by any three or more characters through its index.
    """

    __tablename__ = "case_search"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the index's rowid: stable, unlike an implicit rowid
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id", ondelete="CASCADE"), unique=True, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)


SEARCH_SEPARATOR = "\x1f"  # a control character: no typed text holds one (forms/text.py), so no match spans two parts
SEARCH_INDEX = "case_search_index"  # the FTS5 virtual table over case_search (and its shadow tables' prefix)
