"""Python's cycle collector runs on the UI thread only (ui/main_thread_gc.py)."""

from __future__ import annotations

import gc
import threading

from ui.main_thread_gc import MainThreadCollector


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cycle collector frees it


def test_garbage_made_on_a_worker_is_collected_on_the_ui_thread(qtbot):
    collector = MainThreadCollector()
    threads: list[str] = []

    def note(phase: str, _info: dict) -> None:
        if phase == "start":
            threads.append(threading.current_thread().name)

    gc.callbacks.append(note)
    try:
        def make_garbage() -> None:
            for _ in range(50 * gc.get_threshold()[0]):
                Node()

        worker = threading.Thread(target=make_garbage, name="worker")
        worker.start()
        worker.join()
        assert "worker" not in threads  # the worker allocated far past the threshold: no collection there
        assert gc.get_count()[0] > gc.get_threshold()[0]
        qtbot.waitUntil(lambda: "MainThread" in threads, timeout=5000)  # the timer collects on the UI thread
        assert gc.get_count()[0] <= gc.get_threshold()[0]
    finally:
        gc.callbacks.remove(note)
        collector.timer.stop()
