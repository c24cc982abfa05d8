"""Fixtures shared by the GUI tests (import them into a test module by name)."""

from __future__ import annotations

import pytest

from ui.tasks import TaskRunner


@pytest.fixture
def runner(qtbot):
    """The background-task runner the pages use, shut down after the test."""
    tasks = TaskRunner()
    yield tasks
    tasks.shut_down()
