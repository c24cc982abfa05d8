"""The outbox (待上传队列) and the local side of sync: state, notices, central reference data.

Every write of a synced table queues an op in the SAME SQLite transaction, through a
SQLAlchemy ``after_flush`` event on every Session: the op carries a UUIDv7 id, the table, the
row id, its row_version, the version it was based on and the row as JSON. Domain code needs no
change: adding a table name to ``WINDOW_TABLES`` (or ``CENTRE_TABLES``) is enough. Writes made
by the pull itself (``session.info[FROM_CENTRE] = True``) are not queued for the tables the
centre owns, so nothing the centre sent is sent back. A row the centre would refuse
(``models.op_rules``: a control character, a value too long, a payload too big) refuses the
write itself, with the field named.
"""

from __future__ import annotations

import base64
import enum
import json
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, new_id, utcnow
from models.errors import SoregError

# Rows a window owns: its cases and their append-only history, its audit trail, its prints.
WINDOW_TABLES = frozenset({
    "audit_events", "cases", "case_scope_items", "case_persons", "case_materials", "case_attachments",
    "case_steps", "case_counters", "print_records",
})
# Rows the centre owns but a window may propose (a new organization from an approved case, a
# version of its registered record) or publish (its own signing key, the names its open cases
# reserve); the centre decides and sends the outcome back in the pull.
CENTRE_TABLES = frozenset({"organizations", "organization_versions", "window_keys", "name_reservations"})
SYNCED_TABLES = WINDOW_TABLES | CENTRE_TABLES

FROM_CENTRE = "sync.from_centre"
"""Session.info flag set by the pull: its writes to CENTRE_TABLES are not queued."""
PROPOSE = "propose"
"""The op of a change to an organization proposed for the centre's review (待复核), which the
window does not apply to its own copy (an import's changes, registry/organizations.propose_change_in)."""


class OutboxOp(Base):
    """One change waiting for the centre's acknowledgement (上传队列中的一项)."""

    __tablename__ = "sync_outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    op_id: Mapped[str] = mapped_column(String(36), nullable=False, unique=True)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    row_id: Mapped[str] = mapped_column(String(64), nullable=False)
    op: Mapped[str] = mapped_column(String(8), nullable=False)  # insert | update | delete
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)
    base_version: Mapped[int] = mapped_column(Integer, nullable=False)
    registry_cursor: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class SyncState(Base):
    """Where the pull stands (one row): the change-log cursor, snapshot progress, last sync."""

    __tablename__ = "sync_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    cursor_xid: Mapped[str | None] = mapped_column(String(32))
    cursor_id: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    snapshot_done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    snapshot_start_xid: Mapped[str | None] = mapped_column(String(32))
    snapshot_after_kind: Mapped[str | None] = mapped_column(String(32))
    snapshot_after_id: Mapped[str | None] = mapped_column(String(64))
    last_sync_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class NoticeKind(enum.StrEnum):
    """What a sync notice (同步提示) tells the clerk."""

    REJECTED = "被拒绝"
    REVIEW = "待复核"
    LOCAL_ONLY = "仅本窗口"  # an organization of the local copy the centre does not have


class SyncNotice(Base):
    """A notice for the clerk: an op the centre refused, or a registration held for review."""

    __tablename__ = "sync_notices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)  # op id or review id
    kind: Mapped[str] = mapped_column(String(8), nullable=False)
    table_name: Mapped[str] = mapped_column(String(64), nullable=False)
    row_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="待复核")
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    created_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class CentralReference(Base):
    """Reference data published by the centre (中心下发的基础数据), key → JSON value."""

    __tablename__ = "central_reference"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)
    row_version: Mapped[int] = mapped_column(Integer, nullable=False)


def json_value(value: Any) -> Any:
    """A column value as JSON: UUIDs and times as text, as the centre's jsonb_populate_record reads them."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def row_payload(obj: Any) -> dict[str, Any]:
    """Every mapped column of ``obj`` by column name."""
    mapper = inspect(obj).mapper
    return {attr.columns[0].name: json_value(getattr(obj, attr.key)) for attr in mapper.column_attrs}


def _row_id(obj: Any) -> str:
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return str(key[0]) if len(key) == 1 else "/".join(map(str, key))


def _checked_payload(table_name: str, payload: dict[str, Any]) -> str:
    """The row as JSON, if the centre would take it (models.op_rules); else the write is refused
    here, where the value was typed or imported, naming the field."""
    from models.op_rules import TABLE_LABELS, row_problem

    problem = row_problem(table_name, payload)
    if problem is not None:
        raise SoregError(f"{TABLE_LABELS.get(table_name, table_name)}的{problem}，不能保存，请修改后重试。")
    return json.dumps(payload, ensure_ascii=False)


def outbox_row(table_name: str, row_id: str, kind: str, payload: dict[str, Any] | None, *, row_version: int,
               base_version: int, cursor: str | None) -> dict[str, Any]:
    """The sync_outbox row of one op (``payload`` already JSON values, None for a delete)."""
    return {
        "op_id": str(new_id()),
        "table_name": table_name,
        "row_id": row_id,
        "op": kind,
        "row_version": row_version,
        "base_version": base_version,
        "registry_cursor": cursor,
        "payload": None if payload is None else _checked_payload(table_name, payload),
        "created_at": utcnow(),
    }


def registry_position(conn: Any) -> str | None:
    """Where the window's pull stands ("xid:id"), sent with each op: what the registry copy
    showed when the op was made."""
    cursor = conn.execute(select(SyncState.cursor_xid, SyncState.cursor_id)).first()
    return f"{cursor[0]}:{cursor[1]}" if cursor and cursor[0] else None


def _op(obj: Any, kind: str, cursor: str | None) -> dict[str, Any]:
    version = getattr(obj, "row_version", None) or 1
    return outbox_row(obj.__table__.name, _row_id(obj), kind, None if kind == "delete" else row_payload(obj),
                      row_version=version,
                      base_version=0 if kind == "insert" else (version - 1 if kind == "update" else version),
                      cursor=cursor)


def _queued(session: Session) -> list[tuple[Any, str]]:
    skip = CENTRE_TABLES if session.info.get(FROM_CENTRE) else frozenset()
    found = []
    for collection, kind in ((session.new, "insert"), (session.dirty, "update"), (session.deleted, "delete")):
        for obj in collection:
            table = getattr(obj, "__table__", None)
            if table is None or table.name not in SYNCED_TABLES or table.name in skip:
                continue
            if kind == "update" and not session.is_modified(obj, include_collections=False):
                continue
            found.append((obj, kind))
    return found


@event.listens_for(Session, "after_flush")
def _capture(session: Session, _flush_context) -> None:
    """Queue an op for each synced row this flush wrote, in the flush's own transaction."""
    queued = _queued(session)
    if not queued:
        return
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        return
    position = registry_position(conn)
    conn.execute(insert(OutboxOp.__table__), [_op(obj, kind, position) for obj, kind in queued])
