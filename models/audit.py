"""Audit trail (审计日志): an append-only, hash-chained log of every state change.

Each event stores the SHA-256 of its own content together with the previous event's hash, so an
edited row no longer matches its hash and a deleted row breaks the link of the row after it.
The hash and sequence number of the newest event are also kept in the settings table, so
deleting the newest rows is detected too.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, SyncedMixin, new_id, utcnow
from models.settings import get_setting_in, set_setting_in

if TYPE_CHECKING:  # models.store imports the tables, this one among them
    from models.store import Store

GENESIS = "0" * 64
HEAD_KEY = "audit.head"


class AuditEvent(SyncedMixin, Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(Integer, unique=True, nullable=False)
    actor: Mapped[str] = mapped_column(String(64), nullable=False)
    action: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    record_type: Mapped[str] = mapped_column(String(64), nullable=False)
    record_id: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    summary: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    hash: Mapped[str] = mapped_column(String(64), nullable=False)


def _digest(
    seq: int,
    event_id: uuid.UUID,
    at: datetime,
    actor: str,
    action: str,
    record_type: str,
    record_id: str,
    summary: str,
    prev_hash: str,
) -> str:
    content = json.dumps(
        [seq, str(event_id), at.isoformat(), actor, action, record_type, record_id, summary, prev_hash],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def record_event_in(
    session: Session,
    *,
    actor: str,
    action: str,
    record_type: str,
    record_id: Any,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (which must hold the write lock)."""
    head = get_setting_in(session, HEAD_KEY, {"seq": 0, "hash": GENESIS})
    summary = json.dumps(
        {k: v for k, v in (("before", before), ("after", after)) if v is not None},
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )
    event = AuditEvent(
        id=new_id(),
        seq=head["seq"] + 1,
        actor=actor,
        action=action,
        record_type=record_type,
        record_id=str(record_id),
        summary=summary,
        prev_hash=head["hash"],
        created_at=utcnow(),
    )
    event.hash = _event_digest(event)
    session.add(event)
    set_setting_in(session, HEAD_KEY, {"seq": event.seq, "hash": event.hash})
    return event


def _event_digest(event: AuditEvent) -> str:
    return _digest(
        event.seq,
        event.id,
        event.created_at,
        event.actor,
        event.action,
        event.record_type,
        event.record_id,
        event.summary,
        event.prev_hash,
    )


@dataclass(frozen=True)
class ChainReport:
    """Outcome of ``verify_chain_in``: how many events were checked and the first broken one."""

    checked: int
    broken_seq: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_seq is None


def _events(session: Session) -> Iterator[AuditEvent]:
    yield from session.scalars(
        select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=2000)
    )


def verify_chain(store: Store) -> ChainReport:
    """Check the whole audit trail (``verify_chain_in``) in one read."""
    with store.read() as session:
        return verify_chain_in(session)


def verify_chain_in(session: Session) -> ChainReport:
    """Recompute every hash and link; name the first event that was edited, removed or added."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for event in _events(session):
        if event.seq != expected_seq:
            return ChainReport(checked, expected_seq, f"第 {expected_seq} 条记录缺失（已被删除）")
        if event.prev_hash != prev_hash:
            return ChainReport(checked, event.seq, f"第 {event.seq} 条记录与前一条的链接不符")
        if _event_digest(event) != event.hash:
            return ChainReport(checked, event.seq, f"第 {event.seq} 条记录的内容已被改动")
        prev_hash, expected_seq, checked = event.hash, expected_seq + 1, checked + 1
    head = get_setting_in(session, HEAD_KEY, {"seq": 0, "hash": GENESIS})
    if head["seq"] != checked or head["hash"] != prev_hash:
        missing = checked + 1
        return ChainReport(checked, missing, f"第 {missing} 条及以后的记录缺失（已被删除）")
    return ChainReport(checked)
