"""Name reservations (名称保留): a name that passed 名称核准 in an open case, held for that case.

A reservation lasts until its case ends (办结, 不予登记, 撤回: released; 核准登记: the name becomes
the registered one) or its 保留期 runs out (``expires_on``, the first day it no longer holds; the
case rules' ``name_check.reservation_months``). The comparison columns are the name index's
(registry/name_index.py ``name_row``), so the name check compares a reserved name exactly as it
compares a registered one. Reservations sync like organizations: each window sends its own, the
centre keeps all of them, every window pulls every window's.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, SyncedMixin


class NameReservation(SyncedMixin, Base):
    __tablename__ = "name_reservations"

    window_code: Mapped[str] = mapped_column(String(8), nullable=False)
    case_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)  # no foreign key: other windows' cases are not here
    case_no: Mapped[str] = mapped_column(String(40), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    org_type: Mapped[str] = mapped_column(String(16), nullable=False)
    compare_key: Mapped[str] = mapped_column(String(100), nullable=False)
    compare_pinyin: Mapped[str] = mapped_column(String(400), nullable=False)
    field: Mapped[str] = mapped_column(String(32), nullable=False)
    form: Mapped[str] = mapped_column(String(16), nullable=False)
    reserved_by: Mapped[str] = mapped_column(String(64), nullable=False)
    reserved_on: Mapped[date] = mapped_column(Date, nullable=False)
    expires_on: Mapped[date] = mapped_column(Date, nullable=False)  # the first day the name is free again
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(String(16))  # 办结 | 不予登记 | 撤回 | 已登记

    __table_args__ = (
        Index("ix_name_reservations_case", "case_id", unique=True),
        Index("ix_name_reservations_name", "name"),
        Index("ix_name_reservations_key", "compare_key"),
        Index("ix_name_reservations_field_form", "field", "form"),
    )
