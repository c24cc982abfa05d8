"""Python's cyclic garbage collection (垃圾回收), on the UI thread only.

Python runs its cycle collector on whichever thread happens to allocate when a generation's count
passes its threshold — here often the task runner's worker in the middle of a query. A Qt object
whose Python wrapper sits in a reference cycle (a parentless dialog or runner referenced by a
lambda it is connected to, say) is then destroyed on that worker thread while the UI thread may
be delivering its events or its children's deferred deletes: a double delete, seen as a crash in
``QObject::~QObject`` during ``DeleteLater``. So the automatic collector is switched off, and a timer
on the UI thread collects as Python would have — the youngest generation whose count has passed
its threshold, and those below it — between two events, never inside a worker's query.
(pyqtgraph's ``GarbageCollector`` does the same, for the same reason.)
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

CHECK_INTERVAL_MS = 250


class MainThreadCollector(QObject):
    """Disables automatic collection and collects from a UI-thread timer (for the rest of the run)."""

    def __init__(self, parent: QObject | None = None, interval_ms: int = CHECK_INTERVAL_MS) -> None:
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count has passed its threshold; return the objects freed."""
        counts, thresholds = gc.get_count(), gc.get_threshold()
        due = [generation for generation in range(3) if counts[generation] > thresholds[generation]]
        return gc.collect(due[-1]) if due else 0
