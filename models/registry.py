"""The registry (登记库): organizations, their names past and present, and organization codes.

``Organization`` is the local copy of the central registry. ``OrganizationName`` holds each
current and former name already split into its parts, and ``NameVariant`` the one-character
deletions of its comparison key: together they let the name check find identical, homophone
and one-character-different names with index look-ups instead of a scan.
``OrganizationVersion`` keeps every version of an organization's registered record (登记事项).
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
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


class OrgStatus(enum.StrEnum):
    """登记状态."""

    ACTIVE = "正常"
    DEREGISTERED = "已注销"
    REVOKED = "已撤销"


class Organization(SyncedMixin, Base):
    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    org_type: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default=OrgStatus.ACTIVE.value)
    status_changed_on: Mapped[date | None] = mapped_column(Date)
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    field: Mapped[str] = mapped_column(String(32), nullable=False, default="")
    form: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    zihao: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    street_code: Mapped[str | None] = mapped_column(String(9))
    address: Mapped[str | None] = mapped_column(String(200))
    legal_representative: Mapped[str | None] = mapped_column(String(64), index=True)
    sponsor: Mapped[str | None] = mapped_column(String(100))
    established_on: Mapped[date | None] = mapped_column(Date)
    certificate_valid_until: Mapped[date | None] = mapped_column(Date)
    rating: Mapped[str | None] = mapped_column(String(4))
    on_abnormal_list: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    on_dishonest_list: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    names: Mapped[list[OrganizationName]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        Index("ix_organizations_name_type", "name", "org_type"),
        Index("ix_organizations_type_street_status", "org_type", "street_code", "status"),  # 统计 counts
        Index("ix_organizations_status_valid_until", "status", "certificate_valid_until"),  # 首页: expiring certificates
    )


class OrganizationName(Base):
    """A current or former name (曾用名) of an organization, split for the name check."""

    __tablename__ = "organization_names"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False, index=True)
    is_current: Mapped[bool] = mapped_column(Boolean, nullable=False)
    renamed_on: Mapped[date | None] = mapped_column(Date)
    org_type: Mapped[str] = mapped_column(String(16), nullable=False)
    compare_key: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    compare_pinyin: Mapped[str] = mapped_column(String(400), nullable=False, index=True)
    field: Mapped[str] = mapped_column(String(32), nullable=False)
    form: Mapped[str] = mapped_column(String(16), nullable=False)

    organization: Mapped[Organization] = relationship(back_populates="names")
    variants: Mapped[list[NameVariant]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class NameVariant(Base):
    """A one-character deletion of a name's comparison key (the one-edit index); WITHOUT ROWID:
    the primary key is the table (migration 0018)."""

    __tablename__ = "name_variants"

    name_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("organization_names.id", ondelete="CASCADE"), primary_key=True
    )
    variant: Mapped[str] = mapped_column(String(100), primary_key=True)

    __table_args__ = (Index("ix_name_variants_variant", "variant"), {"sqlite_with_rowid": False})


class OrganizationVersion(SyncedMixin, Base):
    """One version of an organization's registered record (登记事项): its items and persons in
    office as JSON (registry/records.py reads and writes it), who made it, when, by which case
    and business. Append-only (SQLite refuses an UPDATE); numbered 1, 2, … per organization."""

    __tablename__ = "organization_versions"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("organizations.id", ondelete="CASCADE"), nullable=False
    )
    version_no: Mapped[int] = mapped_column(Integer, nullable=False)
    business: Mapped[str] = mapped_column(String(16), nullable=False)  # 成立登记, 变更登记, 登记库导入 …
    case_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the window's case; the centre has no cases table
    case_no: Mapped[str | None] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    effective_on: Mapped[date] = mapped_column(Date, nullable=False)  # 核准日期: the certificate's 发证日期
    record: Mapped[str] = mapped_column(Text, nullable=False)

    __table_args__ = (UniqueConstraint("organization_id", "version_no", name="uq_organization_versions_number"),)


class CodeBlock(SyncedMixin, Base):
    """A reserved block of 9-character organization codes (组织机构代码) for this window."""

    __tablename__ = "code_blocks"

    first_body: Mapped[str] = mapped_column(String(8), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    source: Mapped[str] = mapped_column(String(32), nullable=False, default="manual")
    note: Mapped[str | None] = mapped_column(Text)


class OrganizationCode(Base):
    """One organization code of a block; ``used_by`` is set in the registering transaction."""

    __tablename__ = "organization_codes"

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    block_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("code_blocks.id"), nullable=False, index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    used_by: Mapped[str | None] = mapped_column(String(18), unique=True)

    __table_args__ = (Index("ix_organization_codes_free", "used_by", "block_id", "position"),)
