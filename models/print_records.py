"""Print records (打印记录): every print, reprint, void and replacement of a case's documents.

One row per event, never updated except to mark a print voided. A certificate print keeps the
证件印制号 (``serial``) of the pre-printed stock it went onto; a serial is used once, even when the
sheet was spoiled and voided (作废), because the physical sheet is accounted for by its serial.
"""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, SyncedMixin


class DocumentKind(enum.StrEnum):
    """The document (文书) a print record is about."""

    CERTIFICATE = "登记证书"
    RECEIPT = "受理回执"
    CORRECTION_NOTICE = "补正材料通知书"
    REJECTION_NOTICE = "不予登记通知书"
    COLLECTION_RECEIPT = "领证回执"
    NAME_CHECK_SLIP = "名称核准结果"
    CHANGE_NOTICE = "准予变更登记通知书"


class PrintEvent(enum.StrEnum):
    """What happened: 打印 (first print), 补打 (reprint), 作废 (void), 重打 (replacement of a voided copy)."""

    PRINT = "打印"
    REPRINT = "补打"
    VOID = "作废"
    REPLACEMENT = "重打"


class PrintRecord(SyncedMixin, Base):
    __tablename__ = "print_records"

    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True)
    case_no: Mapped[str] = mapped_column(String(40), nullable=False)
    document: Mapped[str] = mapped_column(String(16), nullable=False)  # DocumentKind value
    copy: Mapped[str] = mapped_column(String(4), nullable=False, default="")  # 正本 | 副本 | "" (not a certificate)
    event: Mapped[str] = mapped_column(String(4), nullable=False)  # PrintEvent value
    copy_number: Mapped[int] = mapped_column(Integer, nullable=False)  # 1 for the first copy of this document
    printer: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    serial: Mapped[str | None] = mapped_column(String(20))  # 证件印制号 (certificates only)
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime, nullable=False)
    voids_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # the print a VOID record voids
    voided: Mapped[bool] = mapped_column(nullable=False, default=False)

    __table_args__ = (
        Index("ix_print_records_case_document", "case_id", "document", "copy"),
        # a stock serial is printed on once (a VOID record repeats the serial it voids)
        Index("uq_print_records_serial", "serial", unique=True, sqlite_where=text("event <> '作废'"),
              postgresql_where=text("event <> '作废'")),
    )
