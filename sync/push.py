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
centre's review; the batch is acknowledged once both have answered. Versions of organizations'
registered records (table ``organization_versions``) go, their record spread into fields
(models.op_rules.pushed_payload), to ``sync_api.sync_versions_v2`` (central migration c0010),
after the organizations they belong to, each with the id of the version it was based on and the
organizations row ops of its transaction (those between its version ops and its audit event
``organization.version``): the row follows the version's fate, applied with it or held with it
for review (待复核). A batch never splits such a change, nor sends a later row op of the same
organization before it. A version held for review is removed here when acknowledged (its
content stays in the notice and at the centre), and the next pull brings the centre's version.
Names reserved for open cases (名称保留, table ``name_reservations``) go to
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
from models.op_rules import (
    PAYLOAD_LIMIT_BYTES,
    REFUSED_RANGES,
    VERSIONS,
    op_problem,
    pushed_payload,
)
from models.outbox import PROPOSE, NoticeKind, OutboxOp, SyncNotice
from models.progress import Progress, stop_if_cancelled
from models.registry import OrganizationName, OrganizationVersion
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
    versions: list[str]  # versions of registered records as JSON ops, for sync_versions_v2
    reservations: list  # names reserved or released (名称保留), for sync_reserve_v1


@dataclass
class _Change:
    """Versions of one organization's record written in one transaction (add_version_in) and
    the organizations row ops that follow them, by position in the fetched ops."""

    organization_id: str
    first: int
    versions: list[int]
    rows: list[int]
    last: int = -1  # position of its audit event (organization.version); -1 while not seen


VERSION_EVENT = "organization.version"  # the audit event add_version_in ends its transaction with


def _changes(ops: list, complete: bool) -> tuple[list[_Change], int]:
    """The changes in ``ops`` and how many ops from the first can go in one batch: a change is
    never split, and a row op of an organization changed earlier in the batch waits for the
    next batch (the centre takes the change's row ops only with its version). ``complete``: the
    ops reach the end of the outbox, so a change without its audit event ends with them. A
    count of 0 means: fetch more ops, the first change does not end among these."""
    changes: list[_Change] = []
    open_: dict[str, _Change] = {}
    changed: set[str] = set()
    for i, op in enumerate(ops):
        if op.op == PROPOSE or not op.payload:
            continue
        if op.table_name == VERSIONS:
            org_id = str(uuid.UUID(json.loads(op.payload)["organization_id"]))
            if org_id not in open_:
                open_[org_id] = _Change(org_id, i, [], [])
                changes.append(open_[org_id])
            open_[org_id].versions.append(i)
        elif op.table_name == "organizations":
            if op.row_id in open_:
                open_[op.row_id].rows.append(i)
            elif op.row_id in changed and i:
                return changes, i
        elif op.table_name == "audit_events" and open_:
            event = json.loads(op.payload)
            if event.get("action") == VERSION_EVENT and event.get("record_id") in open_:
                change = open_.pop(event["record_id"])
                change.last = i
                changed.add(change.organization_id)
    if open_ and not complete:
        cut = min(change.first for change in open_.values())
        return [c for c in changes if c.first < cut], cut
    return changes, len(ops)


def _base_ids(session: Session, changes: list[_Change], ops: list) -> dict[str, str | None]:
    """Version op id → the id of this window's version it was based on (number − 1), None for a
    first version or when that version is gone (held for review and replaced)."""
    wanted = {(c.organization_id, json.loads(ops[i].payload)["version_no"] - 1): ops[i].op_id
              for c in changes for i in c.versions}
    found = {}
    for org_id in {org_id for org_id, _ in wanted}:
        found |= {(org_id, number): str(version_id) for version_id, number in session.execute(
            select(OrganizationVersion.id, OrganizationVersion.version_no)
            .where(OrganizationVersion.organization_id == uuid.UUID(org_id)))}
    return {op_id: found.get(key) for key, op_id in wanted.items()}


def _batch(session: Session, ops: list, window: str, complete: bool) -> _Batch | None:
    """The next batch as one JSON array, cut at BATCH_BYTES but never inside a change; payloads
    are already JSON text and are spliced in as they are. None: the first change does not end
    among ``ops``, fetch more."""
    changes, end = _changes(ops, complete)
    if not end:
        return None
    ops = ops[:end]
    inside = {i: change for change in changes
              for i in range(change.first + 1, max([change.last, *change.rows, *change.versions]) + 1)}
    carried = {i: change for change in changes for i in change.rows}  # row ops sent with their version
    org_ids = [op.row_id for op in ops if op.table_name == "organizations" and op.payload and op.op != PROPOSE]
    index = _name_index(session, org_ids) if org_ids else {}
    bases = _base_ids(session, changes, ops) if changes else {}
    parts, taken, refused, proposals, versions, reservations, size = [], [], {}, [], [], [], 0
    rows: dict[int, list[str]] = {}  # a change's first version position → its row ops as JSON
    for i, op in enumerate(ops):
        payload = op.payload or "null"
        if op.table_name == "organizations" and op.payload and op.op != PROPOSE:
            payload = _organization_payload(op.payload, index.get(op.row_id, []))
        elif op.table_name == VERSIONS and op.payload:
            payload = json.dumps(pushed_payload(VERSIONS, json.loads(op.payload)), ensure_ascii=False)
        if taken and size + len(payload) > BATCH_BYTES and i not in inside:
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
        text = f'{head[:-1]},"payload":{payload}}}'
        if i in carried:
            rows.setdefault(carried[i].first, []).append(text)
        elif op.table_name == VERSIONS:
            versions.append((i, op.op_id, text))
        else:
            parts.append(text)
    last_version = {change.versions[-1]: change.first for change in changes}
    sent_versions = [_version_op(text, bases.get(op_id), rows.get(last_version[i], []) if i in last_version else None)
                     for i, op_id, text in versions]
    return _Batch(taken, "[" + ",".join(parts) + "]", len(parts), refused, proposals, sent_versions, reservations)


def _version_op(text: str, base_id: str | None, rows: list[str] | None) -> str:
    """A version op (JSON text) with the id of its base and, on a change's last version, the row
    ops that follow it."""
    extra = ',"base_id":' + json.dumps(base_id)
    if rows is not None:
        extra += ',"organization_ops":[' + ",".join(rows) + "]"
    return text[:-1] + extra + "}"


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


def _held_version_notice(problem: dict[str, Any], payload: str, window: str) -> dict[str, Any]:
    """A version (a change of a registered record) held for review, noted against its
    organization; the version's content is kept in the notice, as the centre keeps it in 待复核."""
    version = json.loads(payload)
    org_id = version["organization_id"]
    review = {"window_code": window, "proposed": json.loads(version["record"]), "reason": problem["reason"],
              "existing_id": org_id, "organization_id": org_id}
    return {"key": problem["op_id"], "kind": NoticeKind.REVIEW.value, "table_name": "organizations", "row_id": org_id,
            "reason": review_reason(review, window), "status": "待复核",
            "detail": json.dumps({"window_code": window, "op_id": problem["op_id"], "reason": problem["reason"],
                                  "existing_id": org_id, "organization_id": org_id, "version": version},
                                 ensure_ascii=False)}


def _drop_held_versions(session: Session, held: list[dict[str, Any]]) -> None:
    """Remove versions the centre held for review, and any later version of the same organization
    here (made on top of them): the next pull brings the centre's versions and row instead."""
    for version in held:
        session.execute(delete(OrganizationVersion).where(
            OrganizationVersion.organization_id == uuid.UUID(version["organization_id"]),
            OrganizationVersion.version_no >= version["version_no"]))


def _refused_here(op, problem: str) -> dict[str, Any]:
    """The notice of an op this window did not send: the payload is kept in it, so nothing is lost."""
    return {"key": op.op_id, "kind": NoticeKind.REJECTED.value, "table_name": op.table_name, "row_id": op.row_id,
            "reason": f"本窗口未上传：{problem}，中心不接收。", "status": "已拒绝",
            "detail": json.dumps({"op_id": op.op_id, "reason": problem, "payload": op.payload}, ensure_ascii=False)}


def _acknowledge(session: Session, batch: _Batch, problems: list[dict[str, Any]], window: str) -> None:
    session.execute(delete(OutboxOp).where(OutboxOp.seq <= batch.ops[-1].seq))
    payloads = {op.op_id: op.payload for op in batch.ops}
    proposals = {op.op_id for op in batch.proposals}
    held_versions = [p for p in problems if p["status"] == "review" and p["table_name"] == VERSIONS]
    notices = [
        {"key": p["op_id"], "kind": NoticeKind.REJECTED.value, "table_name": p["table_name"], "row_id": p["row_id"],
         "reason": p["reason"] or "中心拒绝了该记录", "status": "已拒绝", "detail": json.dumps(p, ensure_ascii=False)}
        if p["status"] == "rejected" else _held_notice(p, payloads.get(p["op_id"]), window, p["op_id"] in proposals)
        for p in problems if p["status"] in ("rejected", "review") and p not in held_versions
    ] + [_held_version_notice(p, payloads[p["op_id"]], window) for p in held_versions] + [
        _refused_here(op, batch.refused_here[op.op_id]) for op in batch.ops if op.op_id in batch.refused_here]
    _drop_held_versions(session, [json.loads(payloads[p["op_id"]]) for p in held_versions])
    if notices:
        session.execute(sqlite_insert(SyncNotice).on_conflict_do_nothing(index_elements=["key"]), notices)


def _send(conn: psycopg.Connection, body: str) -> dict[str, Any]:
    try:
        return conn.execute("SELECT sync_api.sync_push_v2(%s::json)", (body,)).fetchone()[0]
    except psycopg.errors.UndefinedFunction as exc:
        raise SoregError("中心数据库的同步接口版本过旧（缺少 sync_push_v2）：请中心管理员运行 "
                         "python main.py central init --url … 升级中心数据库后再同步。", field="中心数据库") from exc


def _call(conn: psycopg.Connection, function: str, body: str, lacking: str) -> dict[str, Any]:
    """The answer of the centre's ``sync_api.<function>`` to ``body``; a centre too old to have it
    is named, with what it cannot take (``lacking``) and how to upgrade it."""
    try:
        return conn.execute(f"SELECT sync_api.{function}(%s::jsonb)", (body,)).fetchone()[0]
    except psycopg.errors.UndefinedFunction as exc:
        raise SoregError(f"中心数据库的同步接口版本过旧（缺少 {function}，{lacking}）：请中心管理员运行 "
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
            limit, next_batch = batch, None
            while next_batch is None:  # a change longer than the batch: fetch until it ends
                ops = session.execute(select(*OutboxOp.__table__.c).order_by(OutboxOp.seq).limit(limit)).all()
                if not ops:
                    return result
                next_batch = _batch(session, ops, window, complete=len(ops) < limit)
                limit *= 2
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
        for sent, function, body, lacking in (
                (next_batch.versions, "sync_versions_v2", "[" + ",".join(next_batch.versions) + "]",
                 "不能接收登记事项的变更"),
                (next_batch.reservations, "sync_reserve_v1", _reservations_json(next_batch.reservations, window),
                 "不能接收名称保留")):
            if not sent:
                continue
            answer = _call(conn, function, body, lacking)
            if answer.get("refused"):  # what went before is recorded at the centre: sent again, it is answered again
                result.refused = answer["refused"]
                return result
            problems += answer["problems"]
        with store.write() as session:
            _acknowledge(session, next_batch, problems, window)
        result.sent += len(next_batch.ops)
        result.rejected += sum(p["status"] == "rejected" for p in problems) + len(next_batch.refused_here)
        result.held_for_review += sum(p["status"] == "review" for p in problems)
        progress.report(result.sent, max(total, result.sent), "上传本窗口的记录")
