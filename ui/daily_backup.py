"""The day's backup in the GUI (每日自动备份): made once the login window can be used, and again
whenever the day changes while the program runs.

A timer asks ``models.backup.daily_backup`` every few minutes; it answers after a look at the
backups folder when today's backup is there, so the question costs nothing. The backup itself
copies and checks the whole database — tens of seconds for a large one — on this object's own
single-worker ``TaskRunner``, so neither the login nor the pages' database work waits behind it,
and closing the program stops it (nothing half-written is left). ``BackupStatusLabel`` shows the
outcome in the main window's status bar; a failure stays there in red, and is told once a day
in a message box (``failed``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget

from models.errors import SoregError
from ui.tasks import Task, TaskRunner

if TYPE_CHECKING:
    from models.backup import BackupResult
    from models.store import Store

FIRST_CHECK_MS = 15_000  # after the login window is usable: the clerk's login and 首页 come first
CHECK_INTERVAL_MS = 5 * 60_000  # how soon after midnight a window left running backs up
FAILED_STYLE = "color: #c62828;"
PROBLEM_STYLE = "color: #ef6c00;"


class DailyBackup(QObject):
    """Keeps the day's backup of one open store; ``changed`` after each state change, ``failed``
    with the message the first time on a day that the backup does not succeed."""

    changed = Signal()
    failed = Signal(str)

    def __init__(self, store: Store, *, first_check_ms: int = FIRST_CHECK_MS,
                 interval_ms: int = CHECK_INTERVAL_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._runner = TaskRunner(self)
        self.task: Task | None = None
        self.running = False
        """Whether a backup is being made (not only looked for)."""
        self.made_at: datetime | None = None
        """When this program last made the day's backup (None: not yet, or it was there already)."""
        self.checked_on: date | None = None
        """The last day whose backup was found or made."""
        self.error: str | None = None
        self.problems: tuple[str, ...] = ()
        self._failure_told_on: date | None = None
        self._closed = False
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self.check)
        self._first_check_ms = first_check_ms
        self.interval_ms = interval_ms

    def start(self) -> None:
        self.timer.start(self._first_check_ms)

    def check(self) -> None:
        """Make today's backup unless it is there (the timer's question)."""
        if self.task is not None or self._closed:
            return
        store = self._store
        self.task = self._runner.run(lambda progress: (date.today(), _daily_backup(store, progress)),
                                     on_success=self._done, on_failure=self._failed, parent=self)
        self.task.progressed.connect(self._backing_up)  # told only when a backup is being made

    def shut_down(self) -> None:
        """Stop the timer, stop a backup being made and wait for it (before the store closes)."""
        self._closed = True
        self.timer.stop()
        self._runner.shut_down()

    @Slot()
    def _backing_up(self) -> None:
        self.running = True
        self.changed.emit()

    def _done(self, outcome: tuple[date, BackupResult | None]) -> None:
        day, made = outcome
        self.checked_on, self.error = day, None
        if made is not None:
            self.made_at, self.problems = made.backups[0].made_at, made.problems
        self._next()

    def _failed(self, error: SoregError) -> None:
        self.error = error.message
        self._next()
        today = date.today()
        if self._failure_told_on != today:
            self._failure_told_on = today
            self.failed.emit(error.message)

    def _next(self) -> None:
        self.task, self.running = None, False
        if not self._closed:
            self.timer.start(self.interval_ms)
        self.changed.emit()


def _daily_backup(store: Store, progress) -> BackupResult | None:
    from models.backup import daily_backup

    return daily_backup(store, progress=progress)


class BackupStatusLabel(QLabel):
    """今日备份 in the status bar: being made, made (with the time), its problems, or its failure."""

    def __init__(self, backup: DailyBackup, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dailyBackupStatus")
        self.setContentsMargins(8, 0, 8, 0)
        self._backup = backup
        backup.changed.connect(self.show_state)
        self.show_state()

    @Slot()
    def show_state(self) -> None:
        backup = self._backup
        today = date.today()
        style, tip = "", ""
        if backup.running:
            text = self.tr("今日备份：正在备份…")
        elif backup.error is not None:
            text, style, tip = self.tr("今日备份：失败"), FAILED_STYLE, backup.error
        elif backup.checked_on != today:
            text = self.tr("今日备份：稍后进行")
        elif backup.made_at is not None and backup.made_at.date() == today:
            text = self.tr("今日备份：{0:%H:%M} 已完成").format(backup.made_at)
            if backup.problems:
                text, style, tip = text + self.tr("（有提示）"), PROBLEM_STYLE, "\n".join(backup.problems)
        else:
            text = self.tr("今日备份：已完成")
        self.setText(text)
        self.setStyleSheet(style)
        self.setToolTip(tip)
