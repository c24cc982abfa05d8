"""Push (上传): send the outbox to the centre in order, delete only what the centre acknowledged.

Batches go through ``sync_api.sync_push_v1``. The centre keeps (window, op id) unique, so a batch
sent again after a lost acknowledgement gets its earlier results back and changes nothing. An op
the centre refuses is acknowledged all the same and kept here as a notice for the clerk: it never
blocks the ops behind it. The SQLite write lock is held only to delete an acknowledged batch,
never across the network, so the window keeps working while a push runs. Changes an import
proposes (op ``propose``, models.outbox.PROPOSE) go to ``sync_api.sync_propose_v1`` instead,
which holds each for the centre's review; the batch is acknowledged once both have answered.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.outbox import PROPOSE, NoticeKind, OutboxOp, SyncNotice
from models.progress import Progress, stop_if_cancelled
from models.registry import OrganizationName
from models.store import Store
from sync.apply import review_reason


@dataclass
class PushResult:
    sent: int = 0
    rejected: int = 0
    held_for_review: int = 0


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(OutboxOp)) or 0


def _name_index(session: Session, org_ids: list[str]) -> dict[str, list[dict]]:
    """The local name-index entries of organizations being proposed, sent along so that no
    window has to parse (and look up the pinyin of) a million names on its first pull."""
    entries: dict[str, list[dict]] = {}
    rows = session.scalars(select(OrganizationName).where(
        OrganizationName.organization_id.in_([uuid.UUID(i) for i in org_ids])))
    for row in rows:
        entries.setdefault(str(row.organization_id), []).append({
            "name": row.name, "is_current": row.is_current,
            "renamed_on": row.renamed_on.isoformat() if row.renamed_on else None,
            "org_type": row.org_type, "compare_key": row.compare_key, "compare_pinyin": row.compare_pinyin,
            "field": row.field, "form": row.form,
        })
    return entries


def _organization_payload(payload: str, entries: list[dict]) -> str:
    row = json.loads(payload)
    row["name_index"] = entries or None
    row["former_names"] = [{"name": e["name"], "renamed_on": e["renamed_on"]} for e in entries if not e["is_current"]]
    return json.dumps(row, ensure_ascii=False)


def _batch_json(session: Session, ops: list, window: str) -> str:
    """The batch as one JSON array; payloads are already JSON text and are spliced in as they are."""
    org_ids = [op.row_id for op in ops if op.table_name == "organizations" and op.payload]
    index = _name_index(session, org_ids) if org_ids else {}
    parts = []
    for op in ops:
        payload = op.payload or "null"
        if op.table_name == "organizations" and op.payload:
            payload = _organization_payload(op.payload, index.get(op.row_id, []))
        head = json.dumps({
            "window": window, "op_id": op.op_id, "table_name": op.table_name, "row_id": op.row_id, "op": op.op,
            "row_version": op.row_version, "base_version": op.base_version, "registry_cursor": op.registry_cursor,
        }, ensure_ascii=False)
        parts.append(f'{head[:-1]},"payload":{payload}}}')
    return "[" + ",".join(parts) + "]"


def _proposals_json(ops: list, window: str) -> str:
    """Proposed changes as sync_propose_v1 reads them; each payload carries its own name index."""
    return json.dumps([{"window": window, "op_id": op.op_id, "row_id": op.row_id, "row_version": op.row_version,
                        "base_version": op.base_version, "registry_cursor": op.registry_cursor,
                        "payload": json.loads(op.payload)} for op in ops], ensure_ascii=False)


def _held_notice(problem: dict[str, Any], payload: str | None, window: str, proposed: bool) -> dict[str, Any]:
    """A registration (or a proposed change: held against the organization it changes) held
    for review (待复核), noted in the transaction that acknowledges its op. Until the review item
    comes down in the pull (its notice then replaces this one), this is what keeps a snapshot
    from dropping the row as one the centre does not hold."""
    held_against = {"existing_id": problem["row_id"], "organization_id": problem["row_id"]} if proposed else {}
    review = {"window_code": window, "proposed": json.loads(payload) if payload else {}, "reason": problem["reason"],
              **held_against}
    return {"key": problem["op_id"], "kind": NoticeKind.REVIEW.value, "table_name": problem["table_name"],
            "row_id": problem["row_id"], "reason": review_reason(review, window), "status": "待复核",
            "detail": json.dumps({"window_code": window, "op_id": problem["op_id"], "reason": problem["reason"],
                                  **held_against}, ensure_ascii=False)}


def _acknowledge(session: Session, ops: list, problems: list[dict[str, Any]], window: str) -> None:
    session.execute(delete(OutboxOp).where(OutboxOp.seq <= ops[-1].seq))
    payloads = {op.op_id: op.payload for op in ops}
    proposals = {op.op_id for op in ops if op.op == PROPOSE}
    notices = [
        {"key": p["op_id"], "kind": NoticeKind.REJECTED.value, "table_name": p["table_name"], "row_id": p["row_id"],
         "reason": p["reason"] or "中心拒绝了该记录", "status": "已拒绝", "detail": json.dumps(p, ensure_ascii=False)}
        if p["status"] == "rejected" else _held_notice(p, payloads.get(p["op_id"]), window, p["op_id"] in proposals)
        for p in problems if p["status"] in ("rejected", "review")
    ]
    if notices:
        session.execute(sqlite_insert(SyncNotice).on_conflict_do_nothing(index_elements=["key"]), notices)


def push(store: Store, conn: psycopg.Connection, window: str, *, batch: int, progress: Progress) -> PushResult:
    """Send every queued op, oldest first; return how many were sent, refused, held for review."""
    result = PushResult()
    with store.read() as session:
        total = pending_count(session)
    while True:
        stop_if_cancelled(progress)
        with store.read() as session:
            ops = session.execute(select(*OutboxOp.__table__.c).order_by(OutboxOp.seq).limit(batch)).all()
            if not ops:
                return result
            pushed = [op for op in ops if op.op != PROPOSE]
            body = _batch_json(session, pushed, window) if pushed else None
        problems = []
        if body is not None:
            problems += conn.execute("SELECT sync_api.sync_push_v1(%s::jsonb)", (body,)).fetchone()[0]["problems"]
        if len(pushed) < len(ops):
            problems += conn.execute("SELECT sync_api.sync_propose_v1(%s::jsonb)", (_proposals_json(
                [op for op in ops if op.op == PROPOSE], window),)).fetchone()[0]["problems"]
        with store.write() as session:
            _acknowledge(session, ops, problems, window)
        result.sent += len(ops)
        result.rejected += sum(p["status"] == "rejected" for p in problems)
        result.held_for_review += sum(p["status"] == "review" for p in problems)
        progress.report(result.sent, max(total, result.sent), "上传本窗口的记录")
