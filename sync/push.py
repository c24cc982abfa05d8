"""Push (上传): send the outbox to the centre in order, delete only what the centre acknowledged.

Batches go through ``sync_api.sync_push_v2`` (as json: see central migration c0004), cut at
``BATCH_BYTES``. The centre keeps (window, op id) unique, so a batch sent again after a lost
acknowledgement gets its earlier results back and changes nothing. An op the centre refuses is
acknowledged all the same and kept here as a notice for the clerk: it never blocks the ops behind
it. An op an older version queued with a value the centre cannot take (a NUL, a payload over the
limit: ``models.op_rules``) is refused here alone, before it is sent, the same way. A batch the
centre refuses whole (the window's quota of the day) stays queued, and the push stops. The
SQLite write lock is held only to delete an acknowledged batch, never across the network, so the
window keeps working while a push runs. Changes an import proposes (op ``propose``,
models.outbox.PROPOSE) go to ``sync_api.sync_propose_v1`` instead, which holds each for the
centre's review, and names reserved for open cases (名称保留, table ``name_reservations``) go to
``sync_api.sync_reserve_v1`` (central migration c0008), which holds a clash with another window's
reservation for review at once; the batch is acknowledged once all have answered.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import psycopg
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from models.errors import SoregError
from models.op_rules import PAYLOAD_LIMIT_BYTES, REFUSED_RANGES, op_problem
from models.outbox import PROPOSE, NoticeKind, OutboxOp, SyncNotice
from models.progress import Progress, stop_if_cancelled
from models.registry import OrganizationName
from models.store import Store
from sync.apply import review_reason

RESERVATIONS = "name_reservations"
BATCH_BYTES = 4 * 2**20
"""Payload bytes one batch carries at most (the centre takes 16 MiB in one call by default)."""

_SUSPECT = re.compile(r"\\(?:u00[01][0-9a-fA-F]|u007[fF]|u[dD][89a-fA-F][0-9a-fA-F]{2}|[bfr])|["
                      + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for ranges in REFUSED_RANGES.values()
                                for a, b in ranges) + "]")
"""What in an op's JSON text may be a character the centre refuses (json.dumps writes control
characters and lone surrogates as escapes, the others as they are): only such ops, and big ones,
are checked in full before they are sent (they were checked when queued, unless an older
version queued them)."""


@dataclass
class PushResult:
    sent: int = 0
    rejected: int = 0
    held_for_review: int = 0
    refused: str | None = None  # why the centre took nothing more (its quota): the rest stays queued


def pending_count_in(session: Session) -> int:
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


def _head(op, window: str) -> dict[str, Any]:
    return {"window": window, "op_id": op.op_id, "table_name": op.table_name, "row_id": op.row_id, "op": op.op,
            "row_version": op.row_version, "base_version": op.base_version, "registry_cursor": op.registry_cursor}


def _local_problem(op, payload: str, window: str) -> str | None:
    """Why the centre would refuse ``op`` for a character or its size (checked in full only when
    its text looks like it)."""
    if len(payload) * 3 <= PAYLOAD_LIMIT_BYTES and not _SUSPECT.search(payload):
        return None
    return op_problem(_head(op, window) | {"payload": json.loads(payload, strict=False)})


@dataclass
class _Batch:
    ops: list  # the outbox rows the batch accounts for
    body: str  # the JSON array sent to sync_push_v2 (without the ops refused here, nor the proposals)
    sent: int  # how many ops the body holds
    refused_here: dict[str, str]  # op id → why it was not sent
    proposals: list  # the changes an import proposes, for sync_propose_v1
    reservations: list  # names reserved or released (名称保留), for sync_reserve_v1


def _batch(session: Session, ops: list, window: str) -> _Batch:
    """The next batch as one JSON array, cut at BATCH_BYTES; payloads are already JSON text and
    are spliced in as they are."""
    org_ids = [op.row_id for op in ops if op.table_name == "organizations" and op.payload and op.op != PROPOSE]
    index = _name_index(session, org_ids) if org_ids else {}
    parts, taken, refused, proposals, reservations, size = [], [], {}, [], [], 0
    for op in ops:
        payload = op.payload or "null"
        if op.table_name == "organizations" and op.payload and op.op != PROPOSE:
            payload = _organization_payload(op.payload, index.get(op.row_id, []))
        if taken and size + len(payload) > BATCH_BYTES:
            break
        taken.append(op)
        size += len(payload)
        if op.op == PROPOSE:  # carries its own name index; checked when it was queued
            proposals.append(op)
            continue
        if op.table_name == RESERVATIONS:  # 名称保留: to sync_reserve_v1
            reservations.append(op)
            continue
        problem = _local_problem(op, payload, window)
        if problem is not None:
            refused[op.op_id] = problem
            continue
        head = json.dumps(_head(op, window), ensure_ascii=False)
        parts.append(f'{head[:-1]},"payload":{payload}}}')
    return _Batch(taken, "[" + ",".join(parts) + "]", len(parts), refused, proposals, reservations)


def _proposals_json(ops: list, window: str) -> str:
    """Proposed changes as sync_propose_v1 reads them; each payload carries its own name index."""
    return json.dumps([{"window": window, "op_id": op.op_id, "row_id": op.row_id, "row_version": op.row_version,
                        "base_version": op.base_version, "registry_cursor": op.registry_cursor,
                        "payload": json.loads(op.payload)} for op in ops], ensure_ascii=False)


def _reservations_json(ops: list, window: str) -> str:
    """Reservation ops as sync_reserve_v1 reads them (the push's op shape)."""
    return json.dumps([_head(op, window) | {"payload": json.loads(op.payload) if op.payload else None} for op in ops],
                      ensure_ascii=False)


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


def _refused_here(op, problem: str) -> dict[str, Any]:
    """The notice of an op this window did not send: the payload is kept in it, so nothing is lost."""
    return {"key": op.op_id, "kind": NoticeKind.REJECTED.value, "table_name": op.table_name, "row_id": op.row_id,
            "reason": f"本窗口未上传：{problem}，中心不接收。", "status": "已拒绝",
            "detail": json.dumps({"op_id": op.op_id, "reason": problem, "payload": op.payload}, ensure_ascii=False)}


def _acknowledge(session: Session, batch: _Batch, problems: list[dict[str, Any]], window: str) -> None:
    session.execute(delete(OutboxOp).where(OutboxOp.seq <= batch.ops[-1].seq))
    payloads = {op.op_id: op.payload for op in batch.ops}
    proposals = {op.op_id for op in batch.proposals}
    notices = [
        {"key": p["op_id"], "kind": NoticeKind.REJECTED.value, "table_name": p["table_name"], "row_id": p["row_id"],
         "reason": p["reason"] or "中心拒绝了该记录", "status": "已拒绝", "detail": json.dumps(p, ensure_ascii=False)}
        if p["status"] == "rejected" else _held_notice(p, payloads.get(p["op_id"]), window, p["op_id"] in proposals)
        for p in problems if p["status"] in ("rejected", "review")
    ] + [_refused_here(op, batch.refused_here[op.op_id]) for op in batch.ops if op.op_id in batch.refused_here]
    if notices:
        session.execute(sqlite_insert(SyncNotice).on_conflict_do_nothing(index_elements=["key"]), notices)


def _send(conn: psycopg.Connection, body: str) -> dict[str, Any]:
    try:
        return conn.execute("SELECT sync_api.sync_push_v2(%s::json)", (body,)).fetchone()[0]
    except psycopg.errors.UndefinedFunction as exc:
        raise SoregError("中心数据库的同步接口版本过旧（缺少 sync_push_v2）：请中心管理员运行 "
                         "python main.py central init --url … 升级中心数据库后再同步。", field="中心数据库") from exc


def _reserve(conn: psycopg.Connection, body: str) -> dict[str, Any]:
    try:
        return conn.execute("SELECT sync_api.sync_reserve_v1(%s::jsonb)", (body,)).fetchone()[0]
    except psycopg.errors.UndefinedFunction as exc:
        raise SoregError("中心数据库的同步接口版本过旧（缺少名称保留接口 sync_reserve_v1）：请中心管理员运行 "
                         "python main.py central init --url … 升级中心数据库后再同步。", field="中心数据库") from exc


def _name_the_culprit(conn: psycopg.Connection, body: str, exc: psycopg.Error) -> None:
    """A batch the centre failed on (not refused): send its ops one by one, in order, until one
    fails, and name that op on the exception (the crash log shows it). Ops sent this way are
    recorded at the centre; the next push sends them again and gets their results back."""
    for op in json.loads(body):
        try:
            _send(conn, json.dumps([op], ensure_ascii=False))
        except psycopg.OperationalError:
            return
        except psycopg.Error:
            exc.add_note(f"出错的同步操作：{op['table_name']} {op['row_id']}（{op['op']}，操作编号 {op['op_id']}）")
            return


def push(store: Store, conn: psycopg.Connection, window: str, *, batch: int, progress: Progress) -> PushResult:
    """Send every queued op, oldest first; return how many were sent, refused, held for review."""
    result = PushResult()
    with store.read() as session:
        total = pending_count_in(session)
    while True:
        stop_if_cancelled(progress)
        with store.read() as session:
            ops = session.execute(select(*OutboxOp.__table__.c).order_by(OutboxOp.seq).limit(batch)).all()
            if not ops:
                return result
            next_batch = _batch(session, ops, window)
        problems: list[dict[str, Any]] = []
        if next_batch.sent:
            try:
                answer = _send(conn, next_batch.body)
            except psycopg.Error as exc:
                if not isinstance(exc, psycopg.OperationalError):
                    _name_the_culprit(conn, next_batch.body, exc)
                raise
            if answer.get("refused"):
                result.refused = answer["refused"]
                return result
            problems += answer["problems"]
        if next_batch.proposals:
            answer = conn.execute("SELECT sync_api.sync_propose_v1(%s::jsonb)", (
                _proposals_json(next_batch.proposals, window),)).fetchone()[0]
            if answer.get("refused"):  # what went to sync_push_v2 is recorded there: sent again, it is answered again
                result.refused = answer["refused"]
                return result
            problems += answer["problems"]
        if next_batch.reservations:
            answer = _reserve(conn, _reservations_json(next_batch.reservations, window))
            if answer.get("refused"):  # what went before is recorded there: sent again, it is answered again
                result.refused = answer["refused"]
                return result
            problems += answer["problems"]
        with store.write() as session:
            _acknowledge(session, next_batch, problems, window)
        result.sent += len(next_batch.ops)
        result.rejected += sum(p["status"] == "rejected" for p in problems) + len(next_batch.refused_here)
        result.held_for_review += sum(p["status"] == "review" for p in problems)
        progress.report(result.sent, max(total, result.sent), "上传本窗口的记录")
