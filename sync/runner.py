"""One sync (同步) of this window with the centre, and the status shown in the status bar.

``run_sync`` connects as this window's role, checks that the centre knows it as this window,
pushes the outbox, pulls the centre's changes, now and then compares the registry copy with the
centre, gets this window's own records back when it was restored or reinstalled (sync.recovery),
reserves a new block of organization codes when fewer than the threshold remain, and finally
pushes the records the sync itself wrote.
Everything it commits stays committed if the network fails half-way; the next sync goes on
from there. Whatever stops a sync is recorded as the window's last sync error, in Chinese
(``sync.failures``), and raised as a SoregError; a window over its upload quota still pulls. A
demo database never syncs. It has no Qt: the GUI runs it in a background task.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import psycopg
from sqlalchemy import func, select

from accounts.window import window_code
from models.errors import SoregError
from models.outbox import OutboxOp, SyncNotice
from models.progress import SILENT, Progress
from models.store import Store
from registry.code_blocks import codes_remaining_in
from sync.apply import load_code_blocks_in
from sync.connection import CentralSettings, connect, refuse_demo
from sync.failures import failure_message
from sync.pull import (
    PullResult,
    digest_due,
    pull,
    read_state,
    sync_state_in,
    verify_registry,
)
from sync.push import PushResult, push
from sync.recovery import recover, recovery_due
from sync.reference_use import use_central_reference


@dataclass
class SyncReport:
    """What one sync did, in numbers the clerk can read."""

    pushed: int = 0
    rejected: int = 0
    held_for_review: int = 0
    pulled: int = 0
    snapshot_rows: int = 0
    codes_reserved: int = 0
    recovered: int = 0
    registry_checked: bool = False
    registry_matched: bool | None = None
    seconds: float = 0.0
    pulled_by_kind: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        parts = [f"上传 {self.pushed} 条", f"下载 {self.pulled + self.snapshot_rows} 条"]
        if self.rejected:
            parts.append(f"{self.rejected} 条被中心拒绝")
        if self.held_for_review:
            parts.append(f"{self.held_for_review} 条转待复核")
        if self.recovered:
            parts.append(f"从中心取回本窗口的记录 {self.recovered} 条")
        if self.codes_reserved:
            parts.append(f"新申领组织机构代码 {self.codes_reserved} 个")
        if self.registry_checked:
            parts.append("登记库核对一致" if self.registry_matched else "登记库核对不一致，已重新下载")
        return "同步完成：" + "，".join(parts) + f"（用时 {self.seconds:.1f} 秒）。"


@dataclass(frozen=True)
class SyncStatus:
    """For the status bar: when this window last synced and how much waits to go up."""

    last_sync_at: datetime | None
    pending: int
    notices: int
    last_error: str | None


def sync_status(store: Store) -> SyncStatus:
    state = read_state(store)
    with store.read() as session:
        pending = session.scalar(select(func.count()).select_from(OutboxOp)) or 0
        notices = session.scalar(select(func.count()).select_from(SyncNotice)) or 0
    return SyncStatus(state.last_sync_at, pending, notices, state.last_error)


def _reserve_codes(store: Store, conn: psycopg.Connection, settings: CentralSettings) -> int:
    with store.read() as session:
        remaining = codes_remaining_in(session)
    if remaining >= settings.code_block_threshold:
        return 0
    block = conn.execute("SELECT sync_api.reserve_code_block_v1(%s)", (settings.code_block_size,)).fetchone()[0]
    with store.write() as session:
        return load_code_blocks_in(session, [block])


def _finish(store: Store, error: str | None) -> None:
    from models.base import utcnow

    with store.write() as session:
        state = sync_state_in(session)
        state.last_error = error
        if error is None:
            state.last_sync_at = utcnow()


def _check_identity(store: Store, conn: psycopg.Connection) -> str:
    local = window_code(store)
    central = conn.execute("SELECT sync_api.sync_whoami_v1()").fetchone()[0]
    if local != central:
        raise SoregError(f"中心把这个账户登记为窗口 {central}，而本窗口是 {local}：请检查中心数据库账户设置。",
                         field="中心数据库")
    return central


def _sync(store: Store, conn: psycopg.Connection, settings: CentralSettings, progress: Progress,
          report: SyncReport) -> None:
    window = _check_identity(store, conn)
    pushed: PushResult = push(store, conn, window, batch=settings.push_batch, progress=progress)
    report.pushed, report.rejected, report.held_for_review = pushed.sent, pushed.rejected, pushed.held_for_review
    pulled: PullResult = pull(store, conn, window, page=settings.pull_page, snapshot_page=settings.snapshot_page,
                              progress=progress)
    if digest_due(store, settings.digest_interval_hours):
        report.registry_matched = verify_registry(store, conn)
        report.registry_checked = report.registry_matched is not None
        if report.registry_matched is False:
            again = pull(store, conn, window, page=settings.pull_page, snapshot_page=settings.snapshot_page,
                         progress=progress)
            pulled.snapshot_rows += again.snapshot_rows
            pulled.changes += again.changes
            pulled.add(again.counts)
    report.pulled, report.snapshot_rows, report.pulled_by_kind = pulled.changes, pulled.snapshot_rows, pulled.counts
    if recovery_due(store):  # after the pull: the cases refer to organizations it brings
        report.recovered = recover(store, conn, window, progress=progress)
    report.codes_reserved = _reserve_codes(store, conn, settings)
    if pushed.refused:  # the centre took nothing more today: what waits stays queued
        raise SoregError(f"上传未完成：{pushed.refused}。已下载中心的更新。", field="中心数据库")
    # what this sync itself recorded (its pull pages, new code blocks) goes up now, not with the next
    # sync, so that a window that just synced shows nothing waiting (pushing writes no record
    # itself); the report counts what the clerk saw waiting, not this trail of the sync
    push(store, conn, window, batch=settings.push_batch, progress=progress)


def run_sync(store: Store, settings: CentralSettings, progress: Progress = SILENT) -> SyncReport:
    """Sync once; whatever stops it is recorded (``sync_status().last_error``) and raised as a
    SoregError with a Chinese message. What was committed before a failure stays committed."""
    started = time.perf_counter()
    report = SyncReport()
    try:
        refuse_demo(store, "与中心同步")
        with connect(settings) as conn:
            _sync(store, conn, settings, progress, report)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded and told in Chinese (sync.failures)
        message = failure_message(exc)
        _finish(store, message)
        if isinstance(exc, SoregError):
            raise
        raise SoregError(message, field="中心数据库") from exc
    _finish(store, None)
    if report.pulled_by_kind.get("reference"):
        use_central_reference(store)  # the centre's new reference data is in use from now on
    report.seconds = time.perf_counter() - started
    return report
