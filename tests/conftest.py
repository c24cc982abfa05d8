"""Shared fixtures: offscreen Qt, a private data folder, fresh stores and a fresh PostgreSQL database."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from hypothesis import settings  # noqa: E402
from pg_server import NoPostgres, create_database, drop_database, postgres_server  # noqa: E402

# CI explores the same examples on every run (a red run is then reproducible, never luck);
# a developer's run draws new ones each time.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def _collector():
    """Python's cycle collector runs on the UI thread only, as in the program (ui/main_thread_gc.py)."""
    from PySide6.QtWidgets import QApplication

    from ui.main_thread_gc import MainThreadCollector

    app = QApplication.instance() or QApplication([])
    return MainThreadCollector(app)


@pytest.fixture(autouse=True)
def _collect_after_each_test(_collector):
    """Tests that never run the event loop still get their garbage collected, between tests."""
    yield
    _collector.collect_due()


@pytest.fixture(autouse=True)
def _private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data folder, so nothing touches the user's real one."""
    home = tmp_path / "home"
    monkeypatch.setenv("SOREG_HOME", str(home))
    return home


@pytest.fixture
def store(tmp_path: Path):
    """A fresh local store, migrated to head, for window W01."""
    from accounts.window import init_window
    from models.store import open_store

    s = open_store(tmp_path / "window.sqlite3")
    init_window(s, "W01", actor="system")
    yield s
    s.close()


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """A superuser URL of a PostgreSQL server (local, given, or a throwaway cluster)."""
    try:
        with postgres_server() as url:
            yield url
    except NoPostgres as exc:
        pytest.exit(f"PostgreSQL 测试无法进行：{exc}", returncode=3)


@pytest.fixture(scope="session")
def pg_url(pg_server_url: str) -> str:
    """A fresh PostgreSQL database for this test session (worker), dropped afterwards."""
    name = f"soreg_test_{uuid.uuid4().hex[:12]}"
    url = create_database(pg_server_url, name)
    yield url
    drop_database(pg_server_url, name)


@pytest.fixture
def fresh_pg_url(pg_server_url: str) -> str:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = f"soreg_test_{uuid.uuid4().hex[:12]}"
    url = create_database(pg_server_url, name)
    yield url
    drop_database(pg_server_url, name)
