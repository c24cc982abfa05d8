"""Recovery from the centre (从中心恢复): a restored or reinstalled window gets its own records
back before it opens a case.

A window restored from a backup holds an older copy of what it pushed; a reinstalled one holds
nothing. Either would issue case numbers (办件编号) the centre already holds, and would not show
the cases it pushed after its copy was made. While ``models.settings.RECOVERY_PENDING`` is set —
by ``restore``, and by ``central connect`` when the centre already holds records of this window
(or cannot be asked) — no case can be opened (workflow.intake.open_case). A sync then reads
every record of this window back from the centre (``sync_api.sync_records_v2``, a page at a
time, after its pull has brought the registry the cases refer to), writes each one the centre
holds in a newer version than the local copy — cases, their 业务范围 items, persons, materials,
attachments, steps, print records and the case-number counters (办件流水号) — raises each
counter to the highest number among the cases, and clears the flag. A window's first sync does
the same. The audit trail is not rewritten: the centre keeps the events the window pushed, and
the window's own chain goes on from its copy.
"""

from __future__ import annotations

import json
import uuid

import psycopg
from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from models.audit import record_event_in
from models.base import Base
from models.cases import Case, CaseCounter
from models.outbox import WINDOW_TABLES, NoticeKind, SyncNotice, SyncState
from models.progress import Progress, stop_if_cancelled
from models.settings import RECOVERY_PENDING, get_setting_in, set_setting_in
from models.store import Store
from sync.apply import ACTOR, NewerRows

RECOVERED_TABLES = tuple(t.name for t in Base.metadata.sorted_tables if t.name in WINDOW_TABLES - {"audit_events"})
"""The window-owned tables recovered, parents before children."""
PAGE = 5000
_OWN_RECORDS = "SELECT row_id, row_version, deleted, payload FROM sync_api.sync_records_v2(%s, %s, %s)"


def recovery_due(store: Store) -> bool:
    """Whether the next sync must recover this window's records first: restored or
    reinstalled (RECOVERY_PENDING), or never synced."""
    with store.read() as session:
        state = session.get(SyncState, 1)
        return bool(get_setting_in(session, RECOVERY_PENDING)) or state is None or state.last_sync_at is None


def centre_holds_records(conn: psycopg.Connection) -> bool:
    """Whether the centre holds records of the window ``conn`` logs in as."""
    return any(conn.execute(_OWN_RECORDS, (table, None, 1)).fetchone() for table in RECOVERED_TABLES)


def mark_recovery_pending(store: Store, *, actor: str) -> None:
    """No case is opened here until a sync has recovered this window's records."""
    with store.write() as session:
        set_setting_in(session, RECOVERY_PENDING, True)
        record_event_in(session, actor=actor, action="sync.recovery_pending", record_type="setting",
                     record_id=RECOVERY_PENDING, after={"value": True})


def _missing_organizations(session: Session, payloads: list[dict]) -> None:
    """A case whose organization is not in this window's registry (its registration was held
    or refused at the centre) comes back without the link, so that no foreign key stops the
    recovery."""
    wanted = {p["organization_id"] for p in payloads if p.get("organization_id")}
    if not wanted:
        return
    from models.registry import Organization

    present = {str(i) for i in session.scalars(select(Organization.id).where(
        Organization.id.in_([uuid.UUID(i) for i in wanted])))}
    for p in payloads:
        if p.get("organization_id") and p["organization_id"] not in present:
            p["organization_id"] = None


def _restore_page(session: Session, table_name: str, rows: list) -> int:
    """Write one page of the centre's records of ``table_name``; return how many rows it
    changed here (a record the local copy holds in the same version changes nothing).

    A record this window cannot hold (the centre keeps what a window sent, and a window's role
    could send an incomplete row) is left out with a notice for the clerk, never stopping the
    recovery: the page is tried whole, and row by row only when it fails."""
    table = Base.metadata.tables[table_name]
    conn = session.connection()
    gone = [row_id for row_id, _, deleted, _ in rows if deleted]
    removed = conn.execute(table.delete().where(table.c.id.in_([uuid.UUID(i) for i in gone]))).rowcount if gone else 0
    payloads = [payload for _, _, deleted, payload in rows if not deleted and payload]
    if table_name == Case.__tablename__:
        _missing_organizations(session, payloads)
    newer = NewerRows(table)
    try:
        with conn.begin_nested():
            return removed + newer.upsert(conn, payloads)
    except DBAPIError:
        pass
    written, unusable = removed, []
    for payload in payloads:
        try:
            with conn.begin_nested():
                written += newer.upsert(conn, [payload])
        except DBAPIError as exc:
            unusable.append((payload, exc))
    session.execute(sqlite_insert(SyncNotice).on_conflict_do_nothing(index_elements=["key"]), [
        {"key": f"recover:{table_name}:{payload.get('id')}", "kind": NoticeKind.REJECTED.value, "table_name": table_name,
         "row_id": str(payload.get("id")), "status": "未恢复",
         "reason": "中心保存的这条本窗口记录不完整或与本窗口的数据冲突，未能恢复；请管理员核对。",
         "detail": json.dumps({"payload": payload, "error": str(exc.orig)}, ensure_ascii=False, default=str)}
        for payload, exc in unusable])
    return written


def _raise_counters(session: Session, window: str) -> None:
    """Each year's counter at least at the highest case number of that year held here."""
    counters = {c.year: c for c in session.scalars(select(CaseCounter).where(CaseCounter.window_code == window))}
    for case_no in session.scalars(select(Case.case_no).where(Case.window_code == window)):
        _, _, year, seq = case_no.rsplit("-", 3)
        counter = counters.get(int(year))
        if counter is None:
            counter = counters[int(year)] = CaseCounter(window_code=window, year=int(year), last_seq=0)
            session.add(counter)
        counter.last_seq = max(counter.last_seq, int(seq))


def recover(store: Store, conn: psycopg.Connection, window: str, *, progress: Progress) -> int:
    """Bring this window's own records back from the centre, then clear RECOVERY_PENDING;
    return how many local rows it wrote. Each page is one transaction: a recovery cut
    off goes on with the next sync (the flag stays set until it has finished)."""
    written = 0
    for table_name in RECOVERED_TABLES:
        after = None
        while True:
            stop_if_cancelled(progress)
            rows = conn.execute(_OWN_RECORDS, (table_name, after, PAGE)).fetchall()
            if not rows:
                break
            with store.write() as session:
                written += _restore_page(session, table_name, rows)
            progress.report(written, None, "取回本窗口的记录")
            if len(rows) < PAGE:
                break
            after = rows[-1][0]
    with store.write() as session:
        _raise_counters(session, window)
        was_pending = bool(get_setting_in(session, RECOVERY_PENDING))
        set_setting_in(session, RECOVERY_PENDING, False)
        if written or was_pending:
            record_event_in(session, actor=ACTOR, action="sync.recover", record_type="central", record_id=window,
                         after={"records": written})
    return written


def check_reinstall(store: Store, settings, *, actor: str) -> str | None:
    """At ``central connect``: a window that never synced, connected to a centre that already
    holds records of its window code (or that cannot be asked now), may have been reinstalled, so
    RECOVERY_PENDING is set. Returns what the administrator should know (None: nothing)."""
    from models.errors import SoregError
    from sync.connection import connect

    with store.read() as session:
        state = session.get(SyncState, 1)
        if state is not None and state.last_sync_at is not None:
            return None
    try:
        with connect(settings) as conn:
            known = centre_holds_records(conn)
    except (SoregError, psycopg.Error):
        mark_recovery_pending(store, actor=actor)  # it may be a reinstall: a number must never repeat
        return ("暂时无法向中心确认是否已有本窗口的记录：请在网络恢复后先同步一次"
                "（取回本窗口可能已有的办件和办件编号），然后才能受理新办件。")
    if not known:
        return None
    mark_recovery_pending(store, actor=actor)
    return "中心已有本窗口的记录（本窗口是重新安装的）：请先同步一次，取回本窗口的办件和办件编号后才能受理新办件。"
