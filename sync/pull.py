"""Pull (下载): the centre's changes since the last applied page, each page in one transaction.

A window that has never pulled first reads a snapshot of the registry (快照) in pages ordered
by (kind, id), after noting the change-log position the snapshot covers; it then reads the
change log from that position. Each page is applied together with its new position in ONE
SQLite transaction, so a window killed in the middle of a pull resumes after the last applied
page. While a page is being applied, the next one is already being fetched. A snapshot into
an empty registry (a window's first pull) loads without the registry's secondary indexes and
builds them with its last page (registry.registry_indexes); PostgreSQL hands the organizations over
already taken apart into columns (sync_api.sync_snapshot_v2, sync.apply.CHANGE_COLUMNS).

Every so often the registry copy is compared with the centre by count and checksum
(``registry_digest``); on a mismatch the window reads the snapshot again. Local organizations
the centre does not have are kept and reported as notices (仅本窗口), never deleted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import psycopg
from sqlalchemy import func, select, union
from sqlalchemy.orm import Session

from models.audit import record_event_in
from models.backup import BackupReason, backup_store
from models.base import utcnow
from models.errors import SoregError
from models.outbox import (
    FROM_CENTRE,
    PROPOSE,
    NoticeKind,
    OutboxOp,
    SyncNotice,
    SyncState,
)
from models.progress import Progress, stop_if_cancelled
from models.settings import get_setting_in, set_setting_in
from models.store import Store
from registry.registry_indexes import (
    drop_deferred_indexes,
    ensure_registry_indexes,
    missing_indexes,
    registry_is_empty,
)
from sync.apply import (
    ACTOR,
    CHANGE_COLUMNS,
    INTO_EMPTY_REGISTRY,
    ORGANIZATION,
    SNAPSHOT_COLUMNS,
    apply_changes_in,
    apply_reservations_in,
    note_organizations_not_in_snapshot_in,
)

BULK_CACHE_KIB = 65536


@dataclass
class PullResult:
    pages: int = 0
    changes: int = 0
    snapshot_rows: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, counts: dict[str, int]) -> None:
        for kind, n in counts.items():
            self.counts[kind] = self.counts.get(kind, 0) + n


def sync_state_in(session: Session) -> SyncState:
    """The one sync-state row, created on first use (in the caller's transaction)."""
    state = session.get(SyncState, 1)
    if state is None:
        state = SyncState(id=1, cursor_id=0, snapshot_done=False)
        session.add(state)
        session.flush()
    return state


def read_state(store: Store) -> SyncState:
    """A detached copy of the sync state (defaults if this window never synced)."""
    with store.read() as session:
        state = session.get(SyncState, 1)
        if state is not None:
            session.expunge(state)
            return state
    return SyncState(id=1, cursor_id=0, snapshot_done=False)


class _Probe(Exception):
    """Rolls back a trial application of changes (``_fails``)."""


def _fails(store: Store, window: str, changes: list) -> bool:
    """Whether applying ``changes`` alone fails; nothing of it stays."""
    try:
        with store.write() as session:
            session.info[FROM_CENTRE] = True
            apply_changes_in(session, changes, window)
            raise _Probe
    except _Probe:
        return False
    except Exception:  # noqa: BLE001 - a trial: any failure counts
        return True


def _name_the_change(store: Store, window: str, changes: list, exc: BaseException) -> None:
    """A page that failed to apply: find the change it failed on by halving the page in trial
    transactions (rolled back), and name it on the exception (the crash log shows it)."""
    suspects = changes
    while len(suspects) > 1:
        half = len(suspects) // 2
        if _fails(store, window, suspects[:half]):
            suspects = suspects[:half]
        elif _fails(store, window, suspects[half:]):
            suspects = suspects[half:]
        else:
            break
    named = "、".join(f"{kind} {row_id}" for kind, row_id, *_ in suspects[:5])
    more = f" 等 {len(suspects)} 条" if len(suspects) > 5 else ""
    exc.add_note(f"出错的同步数据（中心下发）：{named}{more}")


def _apply_page(store: Store, window: str, changes: list, advance: Callable[[SyncState, Session], None],
                action: str, before: Callable[[Session], None] | None = None) -> dict[str, int]:
    """One page and the new position, in one write transaction, with one audit event;
    ``before`` runs first in that transaction. A page that fails names the change it failed on."""
    try:
        return _apply_page_in(store, window, changes, advance, action, before)
    except SoregError:
        raise
    except Exception as exc:
        if changes:
            _name_the_change(store, window, changes, exc)
        raise


def _apply_page_in(store: Store, window: str, changes: list, advance: Callable[[SyncState, Session], None],
                   action: str, before: Callable[[Session], None] | None) -> dict[str, int]:
    with store.write() as session:
        session.info[FROM_CENTRE] = True
        if len(changes) > 1000:  # a big page: let SQLite keep more of the indexes in memory
            session.connection().exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
        if before is not None:
            before(session)
        counts = apply_changes_in(session, changes, window)
        state = sync_state_in(session)
        advance(state, session)
        position = (f"{state.cursor_xid}:{state.cursor_id}" if state.snapshot_done
                    else f"snapshot:{state.snapshot_after_kind}:{state.snapshot_after_id}")
        record_event_in(session, actor=ACTOR, action=action, record_type="central", record_id=position,
                     after={"changes": len(changes), **counts})
    return counts


def _prefetched(fetch: Callable[[tuple], list], first: tuple, next_key: Callable[[list], tuple | None]) -> Iterator[list]:
    """Pages from ``fetch``, the next one requested while the caller applies the current one."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sync-fetch") as pool:
        pending = pool.submit(fetch, first)
        while True:
            page = pending.result()
            key = next_key(page)
            if key is not None:
                pending = pool.submit(fetch, key)
            yield page
            if key is None:
                return


def _organization_range(previous: tuple, last: tuple | None, finished: bool) -> tuple | None:
    """The organization ids (low, high] a snapshot page accounts for (None: open end), or None
    when the page lies wholly before or after the organizations."""
    prev_kind, prev_id = previous
    if prev_kind is not None and prev_kind > ORGANIZATION:
        return None
    low = prev_id if prev_kind == ORGANIZATION else None
    if finished or (last is not None and last[0] > ORGANIZATION):
        return low, None
    if last is not None and last[0] == ORGANIZATION:
        return low, last[1]
    return None


def _snapshot(store: Store, conn: psycopg.Connection, window: str, page: int, progress: Progress,
              result: PullResult) -> None:
    state = read_state(store)
    if state.snapshot_start_xid is None:
        backup_store(store, BackupReason.SNAPSHOT)  # a snapshot replaces the registry: back up first
        start = conn.execute("SELECT sync_api.sync_cursor_now_v1()").fetchone()[0]
        with store.write() as session:
            s = sync_state_in(session)
            s.snapshot_start_xid, s.snapshot_after_kind, s.snapshot_after_id = start, None, None
        state.snapshot_after_kind = state.snapshot_after_id = None

    def fetch(after: tuple) -> list:
        try:
            return conn.execute(f"SELECT {SNAPSHOT_COLUMNS} FROM sync_api.sync_snapshot_v2(%s, %s, %s)",
                                (after[0], after[1], page)).fetchall()
        except psycopg.errors.UndefinedFunction as exc:
            raise SoregError("中心数据库的同步接口版本过旧（缺少 sync_snapshot_v2）：请中心管理员运行 "
                             "python main.py central init --url … 升级中心数据库后再同步。", field="中心数据库") from exc

    def next_key(rows: list) -> tuple | None:
        return (rows[-1][0], rows[-1][1]) if len(rows) == page else None

    previous = (state.snapshot_after_kind, state.snapshot_after_id)
    with store.read() as session:  # a snapshot into an empty registry that was cut off goes on without them
        deferring = bool(missing_indexes(session.connection()))

    def prepare(session: Session, first: bool) -> None:
        """On the first page an empty registry drops its secondary indexes, to load without them;
        every page of such a snapshot is marked (sync.apply.INTO_EMPTY_REGISTRY)."""
        nonlocal deferring
        conn = session.connection()
        if first and registry_is_empty(conn):
            drop_deferred_indexes(conn)
            deferring = True
        session.info[INTO_EMPTY_REGISTRY] = deferring

    for rows in _prefetched(fetch, previous, next_key):
        stop_if_cancelled(progress)
        last = rows[-1] if rows else None
        finished = len(rows) < page
        covered = _organization_range(previous, last, finished)
        page_ids = [r[1] for r in rows if r[0] == ORGANIZATION]

        def advance(s: SyncState, session: Session, last=last, finished=finished, covered=covered,
                    page_ids=page_ids) -> None:
            # a registry that was empty when the snapshot began holds nothing of its own to note
            if covered is not None and not deferring:
                note_organizations_not_in_snapshot_in(session, covered[0], covered[1], page_ids)
            if last is not None:
                s.snapshot_after_kind, s.snapshot_after_id = last[0], last[1]
            if finished:  # a copy just read whole needs no digest comparison for a while
                s.snapshot_done, s.cursor_xid, s.cursor_id = True, s.snapshot_start_xid, 0
                s.snapshot_start_xid, s.last_digest_at = None, utcnow()

        first = previous == (None, None) and not finished
        result.add(_apply_page(store, window, rows, advance, "sync.snapshot", partial(prepare, first=first)))
        if last is not None:
            previous = (last[0], last[1])
        result.pages += 1
        result.snapshot_rows += len(rows)
        progress.report(result.snapshot_rows, None, "下载中心登记库（全量）")
    if deferring:
        progress.report(result.snapshot_rows, None, "建立登记库索引")
        ensure_registry_indexes(store)


def _log(store: Store, conn: psycopg.Connection, window: str, page: int, progress: Progress,
         result: PullResult) -> None:
    state = read_state(store)

    def fetch(after: tuple) -> list:
        return conn.execute(f"SELECT xid, id, {CHANGE_COLUMNS} FROM sync_api.sync_pull_v1(%s, %s, %s)",
                            (after[0], after[1], page)).fetchall()

    def next_key(rows: list) -> tuple | None:
        return (rows[-1][0], rows[-1][1]) if len(rows) == page else None

    for rows in _prefetched(fetch, (state.cursor_xid, state.cursor_id), next_key):
        stop_if_cancelled(progress)
        if not rows:
            return
        xid, last_id = rows[-1][0], rows[-1][1]

        def advance(s: SyncState, _session: Session, xid=xid, last_id=last_id) -> None:
            s.cursor_xid, s.cursor_id = xid, last_id

        result.add(_apply_page(store, window, [r[2:] for r in rows], advance, "sync.pull"))
        result.pages += 1
        result.changes += len(rows)
        progress.report(result.changes, None, "下载中心的更新")


RESERVATIONS_LOADED = "sync.reservations_loaded"
CENTRAL_PAGE_LIMIT = 20000  # sync_pull_v1 / sync_snapshot_v2 return at most this many rows


def pull(store: Store, conn: psycopg.Connection, window: str, *, page: int, snapshot_page: int,
         progress: Progress) -> PullResult:
    """Bring the local copy of everything the centre publishes up to date.

    Page sizes are capped at the centre's own limit: a page shorter than asked for means "no
    more", so asking for more than the centre gives would end a pull early."""
    page, snapshot_page = min(page, CENTRAL_PAGE_LIMIT), min(snapshot_page, CENTRAL_PAGE_LIMIT)
    result = PullResult()
    if read_state(store).snapshot_done:  # indexes a cut-off first snapshot left out, if nothing rebuilt them
        ensure_registry_indexes(store)
    else:
        _snapshot(store, conn, window, snapshot_page, progress, result)
    _log(store, conn, window, page, progress, result)
    if loaded := _load_reservations(store, conn):
        result.add({"name_reservation": loaded})
    return result


def _load_reservations(store: Store, conn: psycopg.Connection) -> int:
    """Every window's name reservations (名称保留), once per database: a first snapshot, or a
    window that pulled before it knew reservations, has not seen those made earlier (the change
    log brings the later ones). Returns how many rows were written."""
    with store.read() as session:
        if get_setting_in(session, RESERVATIONS_LOADED):
            return 0
    try:
        rows = [row[0] for row in conn.execute("SELECT * FROM sync_api.sync_reservations_v1()")]
    except psycopg.errors.UndefinedFunction as exc:
        raise SoregError("中心数据库的同步接口版本过旧（缺少名称保留接口 sync_reservations_v1）：请中心管理员运行 "
                         "python main.py central init --url … 升级中心数据库后再同步。", field="中心数据库") from exc
    with store.write() as session:
        session.info[FROM_CENTRE] = True
        written = apply_reservations_in(session, rows)
        set_setting_in(session, RESERVATIONS_LOADED, True)
        record_event_in(session, actor=ACTOR, action="sync.reservations", record_type="central",
                     record_id="name_reservations", after={"rows": len(rows), "written": written})
    return written


def _checksum_term(org_id: str, row_version: int) -> int:
    return int(hashlib.md5(f"{org_id}:{row_version}".encode()).hexdigest()[:15], 16)


def local_digest_in(session: Session) -> tuple[int, int]:
    """Count and checksum of the registry copy, leaving out this window's own registrations the
    centre does not hold (yet): those still queued, held for review, or rejected (已驳回) or refused
    by it, and the organizations found only here (仅本窗口). A change held against the
    organization it changes (an outdated version, or an import's proposal) is no such
    registration: the centre holds that organization, and so does the copy."""
    unsent = union(
        select(OutboxOp.row_id).where(OutboxOp.table_name == "organizations", OutboxOp.op != PROPOSE),
        select(SyncNotice.row_id).where(SyncNotice.kind == NoticeKind.LOCAL_ONLY.value),
        select(SyncNotice.row_id).where(SyncNotice.table_name == "organizations",
                                        SyncNotice.kind.in_([NoticeKind.REVIEW.value, NoticeKind.REJECTED.value]),
                                        SyncNotice.status.in_(["待复核", "已驳回", "已拒绝"]),
                                        func.coalesce(func.json_extract(SyncNotice.detail, "$.existing_id"), "")
                                        != SyncNotice.row_id),
    )
    skip = {r.replace("-", "") for r in session.scalars(unsent)}
    count, total = 0, 0
    rows = session.connection().exec_driver_sql("SELECT id, row_version FROM organizations")
    for h, version in rows:
        if h in skip:
            continue
        count += 1
        total += _checksum_term(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}", version)
    return count, total


def digest_due(store: Store, interval_hours: float) -> bool:
    state = read_state(store)
    return state.snapshot_done and (
        state.last_digest_at is None or utcnow() - state.last_digest_at >= timedelta(hours=interval_hours))


def verify_registry(store: Store, conn: psycopg.Connection) -> bool | None:
    """Compare the registry copy with the centre; on a mismatch start a new snapshot (the next
    pull reads it) and return False. None: the window is behind the centre (changes it cannot
    pull yet), so no comparison was made."""
    state = read_state(store)
    central = conn.execute("SELECT sync_api.sync_registry_digest_v1(%s, %s)",
                           (state.cursor_xid, state.cursor_id)).fetchone()[0]
    if central["behind"]:
        return None
    with store.read() as session:
        count, checksum = local_digest_in(session)
    same = count == int(central["count"]) and checksum == int(central["checksum"])
    with store.write() as session:
        state = sync_state_in(session)
        state.last_digest_at = utcnow()
        if not same:
            state.snapshot_done, state.snapshot_start_xid = False, None
            state.snapshot_after_kind = state.snapshot_after_id = None
            record_event_in(session, actor=ACTOR, action="sync.resnapshot", record_type="central", record_id="registry",
                         before={"count": count}, after={"count": int(central["count"])})
    return same
