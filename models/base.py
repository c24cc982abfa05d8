"""Declarative base and the columns every synchronised table carries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer, MetaData, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from uuid6 import uuid7

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Current time in UTC without tzinfo: SQLite keeps no zone, so all stored times are UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_time(moment: datetime) -> datetime:
    """A stored UTC time (naive) in the computer's own time zone."""
    return moment.replace(tzinfo=UTC).astimezone()


def new_id() -> uuid.UUID:
    """A client-generated UUIDv7: time-ordered, unique across windows without a network."""
    return uuid7()


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SyncedMixin:
    """Columns of a table that will sync with the centre: UUIDv7 key, times and row version.

    ``row_version`` is SQLAlchemy's version counter: every UPDATE through the ORM bumps it and
    fails if another writer changed the row meanwhile.
    """

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
    row_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.row_version}
