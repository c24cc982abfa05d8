"""Background tasks (后台任务): the one way the GUI runs database, network and file work.

In the style of Anki's ``CollectionOp``: ``TaskRunner.run(work, ...)`` runs ``work(progress)`` on a
single worker thread (so database work is serialised, one writer at a time), shows a progress
dialog with 取消 when given a ``title``, and hands the result — or the ``SoregError`` — back on the
UI thread through Qt signals. ``work`` receives a ``models.progress.Progress``, so the domain
functions it calls need no Qt.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget
from shiboken6 import isValid

from models.errors import SoregError
from models.progress import Cancelled, Progress
from ui.plain_text import plain

DIALOG_DELAY_MS = 400  # quick tasks finish before their progress dialog would flash up


class Task(QObject):
    """One piece of work handed to the runner, and the ``Progress`` it reports through.

    The task lives on the UI thread, owned by its runner; ``execute`` runs on the worker thread
    and emits the signals, which Qt queues to the task's own slots on the UI thread. Those call
    the caller's callbacks unless the ``owner`` has been deleted meanwhile.
    """

    progressed = Signal()  # news: read ``latest_report``
    succeeded = Signal(object)
    failed = Signal(object)  # a SoregError: its message is for the clerk, its field names the input
    cancelled_by_user = Signal()
    finished = Signal()

    def __init__(
        self,
        work: Callable[[Progress], Any],
        runner: TaskRunner,
        *,
        on_success: Callable[[Any], None] | None,
        on_failure: Callable[[SoregError], None] | None,
        owner: QObject | None,
    ) -> None:
        super().__init__(runner)
        self._work = work  # the runner is this task's parent, never held by a Python reference (see _done)
        # Weak references: a task must not keep a closed page alive, nor be what keeps its owner
        # alive — an owner freed when its last task is deleted would delete its runner, and so
        # that task, a second time.
        self._on_success, self._on_failure = _held(on_success), _held(on_failure)
        self._owner = weakref.ref(owner) if owner is not None else None
        self.dialog: QProgressDialog | None = None
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._latest: tuple[int, int | None, str] = (0, None, "")
        self._news_pending = False
        self.progressed.connect(self._show_progress)
        self.succeeded.connect(self._deliver_result)
        self.failed.connect(self._deliver_error)
        self.finished.connect(self._done)

    # -- the models.progress.Progress protocol, called on the worker thread --
    def report(self, done: int, total: int | None = None, text: str = "") -> None:
        """Keep the newest report; signal only if the UI has read the previous one.

        A loop may report a million times: the UI thread sees as many as it can paint, and
        always the last one.
        """
        with self._lock:
            self._latest = (done, total, text)
            if self._news_pending:
                return
            self._news_pending = True
        self.progressed.emit()

    def latest_report(self) -> tuple[int, int | None, str]:
        """The newest ``(done, total, text)``; called on the UI thread."""
        with self._lock:
            self._news_pending = False
            return self._latest

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    # -- on the worker thread --
    def execute(self) -> None:
        """Run the work and emit exactly one outcome, then ``finished``."""
        try:
            result = self._work(self)
        except Cancelled:
            self.cancelled_by_user.emit()
        except SoregError as exc:
            self.failed.emit(exc)
        except Exception as exc:  # noqa: BLE001 - the clerk gets a sentence, the log gets the traceback
            from models.crashlog import write_crash_log

            log = write_crash_log(exc)
            message = self.tr("内部错误（{0}），详情已写入 {1}，请联系管理员。").format(exc.__class__.__name__, log)
            self.failed.emit(SoregError(message))
        else:
            self.succeeded.emit(result)
        self.finished.emit()

    # -- on the UI thread --
    def _owner_object(self) -> QObject | None:
        owner = self._owner() if self._owner is not None else None
        return owner if owner is not None and isValid(owner) else None

    @property
    def _owner_gone(self) -> bool:
        return self._owner is not None and self._owner_object() is None

    @Slot()
    def _show_progress(self) -> None:
        done, total, text = self.latest_report()
        dialog = self.dialog
        if dialog is None or not isValid(dialog):
            return
        if text:
            dialog.setLabelText(text)
        if total:
            dialog.setMaximum(total)
            dialog.setValue(min(done, total))  # last: a modal progress dialog processes events here
        else:
            dialog.setRange(0, 0)  # busy indicator: the total is unknown

    @Slot(object)
    def _deliver_result(self, result: Any) -> None:
        self._close_dialog()
        on_success = self._on_success() if self._on_success is not None else None
        if on_success is not None and not self._owner_gone:
            on_success(result)

    @Slot(object)
    def _deliver_error(self, error: SoregError) -> None:
        self._close_dialog()
        if self._owner_gone:
            return
        if self._on_failure is not None:
            on_failure = self._on_failure()
            if on_failure is not None:  # None: the object it belonged to is gone
                on_failure(error)
            return
        owner = self._owner_object()
        box = plain(QMessageBox(QMessageBox.Icon.Warning, self.tr("操作未完成"), error.message,
                                QMessageBox.StandardButton.Ok, owner if isinstance(owner, QWidget) else None))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    @Slot()
    def _done(self) -> None:
        self._close_dialog()
        # parent(), not a Python reference: were the task the last holder of its runner, deleting
        # the task would free the runner, whose destructor would delete this task a second time
        runner = self.parent()
        if isinstance(runner, TaskRunner):
            runner.forget(self)

    def _close_dialog(self) -> None:
        if self.dialog is not None and isValid(self.dialog):
            self.dialog.reset()  # also stops the timer that would show it later
            self.dialog.hide()


def _held(callback: Callable[[Any], None] | None) -> Callable[[], Callable[[Any], None] | None] | None:
    """A callback as the task keeps it: a bound method weakly (the reference gives None once its
    object is gone), anything else as it is."""
    if callback is None:
        return None
    if hasattr(callback, "__self__") and hasattr(callback, "__func__"):
        return weakref.WeakMethod(callback)
    return lambda: callback


class _Job(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self._task = task

    def run(self) -> None:
        self._task.execute()


class TaskRunner(QObject):
    """Runs work on one worker thread, one task after another, in the order given."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(1)
        self._pool.setExpiryTimeout(-1)  # keep the one worker thread for the whole session
        self._running: set[Task] = set()

    def run(
        self,
        work: Callable[[Progress], Any],
        *,
        on_success: Callable[[Any], None] | None = None,
        on_failure: Callable[[SoregError], None] | None = None,
        title: str | None = None,
        parent: QObject | None = None,
    ) -> Task:
        """Queue ``work(progress)``; ``title`` adds a progress dialog with 取消.

        ``parent`` is the object the task works for: the progress dialog and any message box
        appear over it (if it is a widget), and if it has been deleted by the time the work ends
        (its page or window closed), the outcome is dropped instead of calling into a dead object.
        Without ``on_failure`` a failure is shown in a message box. A ``Cancelled`` raised by the
        work after the user pressed 取消 ends the task quietly (``cancelled_by_user``).
        """
        task = Task(work, self, on_success=on_success, on_failure=on_failure, owner=parent)
        if title is not None:
            task.dialog = self._progress_dialog(task, title, parent if isinstance(parent, QWidget) else None)
        self._running.add(task)
        self._pool.start(_Job(task))
        return task

    @property
    def busy(self) -> bool:
        """Whether any task is queued or running, or its outcome not yet delivered."""
        return bool(self._running)

    def shut_down(self) -> None:
        """Ask every task to stop and wait for the worker thread to finish."""
        for task in self._running:
            task.cancel()
        self._pool.clear()
        self._pool.waitForDone()

    def forget(self, task: Task) -> None:
        """Drop a finished task and its dialog (called by the task on the UI thread)."""
        self._running.discard(task)
        dialog, task.dialog = task.dialog, None
        if dialog is not None and isValid(dialog) and dialog.parent() is not None:
            dialog.deleteLater()  # a dialog without a parent is Python's: dropping it deletes it
        task.deleteLater()

    def _progress_dialog(self, task: Task, title: str, parent: QWidget | None) -> QProgressDialog:
        dialog = QProgressDialog(title, self.tr("取消"), 0, 0, parent)
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(DIALOG_DELAY_MS)
        dialog.setValue(0)  # starts the clock: the dialog shows only if the work is still running then
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(task.cancel)
        return dialog
