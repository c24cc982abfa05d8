"""The idle lock (闲置锁屏): these PCs stand at public counters.

``IdleWatch`` watches every keyboard, mouse and touch event of the application and says ``idle``
once none has come for the given time.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

INPUT_EVENTS = frozenset({
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.TouchUpdate,
})


class IdleWatch(QObject):
    """An application-wide event filter with a single-shot timer that every input restarts."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)  # a coarse timer may fire 5 % (30 s) late
        self._timer.timeout.connect(self.idle)

    def start(self, timeout_ms: int) -> None:
        """Watch input from now on; ``idle`` fires after ``timeout_ms`` without any."""
        self._timer.setInterval(timeout_ms)
        self.resume()

    def resume(self) -> None:
        """Watch again with the last timeout (after an unlock); nothing if never started."""
        if self._timer.interval() > 0:
            QApplication.instance().installEventFilter(self)
            self._timer.start()

    def stop(self) -> None:
        QApplication.instance().removeEventFilter(self)
        self._timer.stop()

    @property
    def remaining_ms(self) -> int:
        """Milliseconds until ``idle`` (-1 when not watching)."""
        return self._timer.remainingTime()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self._timer.start()
        return False
