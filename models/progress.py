"""Progress and cancel (进度与取消) for long domain work, with no Qt.

A long domain function takes a ``progress: Progress`` argument, calls ``progress.report(done,
total, text)`` now and then, and stops by raising ``Cancelled`` once ``progress.cancelled`` is
true (``stop_if_cancelled`` does both checks in one line). The GUI passes an object that drives a
progress dialog (``ui.tasks``); the CLI and the tests pass ``SILENT`` or their own recorder.
"""

from __future__ import annotations

from typing import Protocol

from models.errors import SoregError


class Progress(Protocol):
    """What a long function may tell its caller and ask it."""

    def report(self, done: int, total: int | None = None, text: str = "") -> None:
        """``done`` of ``total`` items are finished (``total`` None: unknown); ``text`` says what."""

    @property
    def cancelled(self) -> bool:
        """Whether the user asked to stop."""


class Cancelled(SoregError):
    """The user stopped the work; whatever the function had not committed is not done."""

    def __init__(self, message: str = "操作已取消。") -> None:
        super().__init__(message)


def stop_if_cancelled(progress: Progress) -> None:
    """Raise ``Cancelled`` if the user asked to stop."""
    if progress.cancelled:
        raise Cancelled()


class _Silent:
    """A progress that nobody watches: reports go nowhere, nothing is ever cancelled."""

    def report(self, done: int, total: int | None = None, text: str = "") -> None:
        pass

    @property
    def cancelled(self) -> bool:
        return False


SILENT: Progress = _Silent()
