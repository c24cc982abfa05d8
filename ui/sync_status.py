"""Sync in the background (后台同步): the one controller that runs syncs for a main window, its
automatic schedule, and the status-bar texts (上次同步, 待上传, 联网状态).

Syncs run on the controller's own single-worker ``TaskRunner``, not on the shell's: a first pull
of a large registry takes minutes, and on the shell's one worker every page's database work would
queue behind it. The sync core holds SQLite's write lock only per batch or page (WAL lets reads
go on meanwhile), so the two workers interleave and the clerk keeps working. One worker and the
``running`` check make sure no two syncs ever run at once, whoever asks (the page, F5 or the
timer). Automatic syncs run quietly — no dialog, no message box — and wait longer after each
failed attempt while the centre does not answer (``sync.preferences.retry_delay_ms``).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from models.base import local_time
from models.errors import SoregError
from sync.connection import central_settings
from sync.local_writes import watch_local_writes
from sync.preferences import auto_sync_minutes, retry_delay_ms
from sync.runner import SyncReport, SyncStatus, run_sync, sync_status
from ui.context import PageContext
from ui.tasks import Task, TaskRunner

REFRESH_MS = 30_000  # a periodic read as well, for writes by other programs (the command line)
WRITE_SETTLE_MS = 300  # after a local commit, read the status once the burst of writes is over
FIRST_AUTO_DELAY_MS = 5_000  # the first automatic sync, soon after the window opens


def last_sync_text(status: SyncStatus | None) -> str:
    """上次同步 for the status bar: the time only if today, else the date too."""
    if status is None or status.last_sync_at is None:
        return QCoreApplication.translate("SyncStatus", "上次同步：从未")
    moment = local_time(status.last_sync_at)
    shown = moment.strftime("%H:%M") if moment.date() == datetime.now().astimezone().date() else moment.strftime(
        "%m-%d %H:%M")
    return QCoreApplication.translate("SyncStatus", "上次同步：{0}").format(shown)


def pending_text(status: SyncStatus | None) -> str:
    count = "…" if status is None else str(status.pending)
    return QCoreApplication.translate("SyncStatus", "待上传：{0} 条").format(count)


def what_to_do(error: SoregError) -> str:
    """The core's message; where it points to the command line, also the way to fix it here."""
    if "central connect" not in error.message:
        return error.message
    return error.message + QCoreApplication.translate(
        "SyncStatus", "在本程序中：请管理员在“同步”页的“中心连接”中填写地址、账户和密码后保存。")


class SyncController(QObject):
    """Runs syncs one at a time, on request and every ``interval_ms``; keeps the last outcome.

    ``finished`` carries a ``SyncReport``, the ``SoregError`` that stopped the sync, or ``None``
    when the user cancelled it.
    """

    started = Signal()
    progressed = Signal(int, object, str)  # done, total (None: unknown), what
    finished = Signal(object)
    status_changed = Signal(object)  # SyncStatus
    online_changed = Signal(bool)
    committed = Signal()  # a write transaction committed on the store, on whatever thread

    def __init__(self, context: PageContext, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = context.store
        self._tasks = context.tasks  # quick status reads
        self._runner = TaskRunner(self)  # syncs only
        self.task: Task | None = None
        self.online = False
        self.status: SyncStatus | None = None
        self.last_outcome: SyncReport | SoregError | None = None
        self.failures = 0  # failed attempts in a row
        self.interval_ms = 0  # 0: no automatic sync
        self.syncs_started = 0
        self._closed = False
        self._refreshing = False
        self._auto = QTimer(self)
        self._auto.setSingleShot(True)
        self._auto.timeout.connect(self._auto_sync)
        self._refresh = QTimer(self)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.refresh_status)
        self._after_write = QTimer(self)
        self._after_write.setSingleShot(True)
        self._after_write.setInterval(WRITE_SETTLE_MS)
        self._after_write.timeout.connect(self.refresh_status)
        self.committed.connect(self._after_write.start)  # queued to the UI thread
        self._stop_watching_writes = watch_local_writes(self._store, self._on_commit)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.shut_down)

    def _on_commit(self) -> None:
        """After a local write, on the committing thread: only a queued signal, nothing else."""
        if not self._closed and isValid(self):
            self.committed.emit()

    # -- starting and stopping --
    def start(self) -> None:
        """Show the status now and every 30 s; read ``sync.auto_minutes`` and start the schedule."""
        store = self._store
        self._refresh.start()
        self._refreshing = True
        self._tasks.run(lambda _progress: (auto_sync_minutes(store), sync_status(store)),
                        on_success=self._started, on_failure=self._status_unreadable, parent=self)

    def _started(self, found: tuple[int, SyncStatus]) -> None:
        minutes, status = found
        self._show_status(status)
        self.set_auto_interval(minutes * 60_000, first_delay_ms=FIRST_AUTO_DELAY_MS)

    def set_auto_interval(self, interval_ms: int, *, first_delay_ms: int | None = None) -> None:
        """Sync automatically every ``interval_ms`` (0: never); the next one after ``first_delay_ms``."""
        self.interval_ms = max(0, interval_ms)
        self._auto.stop()
        if self.interval_ms and not self._closed and self.task is None:
            self._auto.start(self.interval_ms if first_delay_ms is None else first_delay_ms)

    @property
    def next_auto_ms(self) -> int | None:
        """Milliseconds until the next automatic sync, None if none is scheduled."""
        return self._auto.remainingTime() if self._auto.isActive() else None

    def shut_down(self) -> None:
        """Stop the schedule, cancel a running sync and wait for its worker (window closing)."""
        if self._closed:
            return
        self._closed = True
        self._stop_watching_writes()
        self._auto.stop()
        self._refresh.stop()
        self._after_write.stop()
        self._runner.shut_down()

    # -- syncing --
    @property
    def running(self) -> bool:
        return self.task is not None

    def sync_now(self) -> bool:
        """Start a sync unless one is running (then False: the running one will report)."""
        if self.task is not None or self._closed:
            return False
        store = self._store

        def work(progress) -> tuple[SyncReport, SyncStatus]:
            report = run_sync(store, central_settings(store), progress)
            return report, sync_status(store)

        self._auto.stop()
        self.syncs_started += 1
        task = self._runner.run(work, on_success=self._succeeded, on_failure=self._failed, parent=self)
        task.progressed.connect(self._progressed)
        task.cancelled_by_user.connect(self._cancelled)
        self.task = task
        self.started.emit()
        return True

    def cancel(self) -> None:
        """Ask the running sync to stop after the batch or page it is on (that much stays committed)."""
        if self.task is not None:
            self.task.cancel()

    @Slot()
    def _progressed(self) -> None:
        if self.task is not None:
            self.progressed.emit(*self.task.latest_report())

    def _succeeded(self, outcome: tuple[SyncReport, SyncStatus]) -> None:
        report, status = outcome
        self.failures = 0
        self._end(report, online=True)
        self._show_status(status)

    def _failed(self, error: SoregError) -> None:
        self.failures += 1
        self._end(error, online=False)
        self.refresh_status()

    @Slot()
    def _cancelled(self) -> None:
        self._end(None, online=self.online)
        self.refresh_status()

    def _end(self, outcome: SyncReport | SoregError | None, *, online: bool) -> None:
        self.task = None
        self.last_outcome = outcome
        self.online = online
        if self.interval_ms and not self._closed:
            self._auto.start(retry_delay_ms(self.interval_ms, self.failures))
        self.online_changed.emit(online)
        self.finished.emit(outcome)

    def _auto_sync(self) -> None:
        self.sync_now()  # if a sync is running, it schedules the next one when it ends

    # -- the status --
    def refresh_status(self) -> None:
        """Read the pending count and last sync time again (cheap), unless a read is on its way."""
        if self._refreshing or self._closed:
            return
        self._refreshing = True
        store = self._store
        self._tasks.run(lambda _progress: sync_status(store), on_success=self._show_status,
                        on_failure=self._status_unreadable, parent=self)

    def _show_status(self, status: SyncStatus) -> None:
        self._refreshing = False
        self.status = status
        self.status_changed.emit(status)

    def _status_unreadable(self, _error: SoregError) -> None:
        self._refreshing = False  # the next periodic refresh tries again


def controller_of(widget: QWidget) -> SyncController | None:
    """The sync controller of the main window ``widget`` is shown in, if it has one."""
    return widget.window().findChild(SyncController)
