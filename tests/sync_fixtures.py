"""Helpers for the sync tests: a central database with window roles, windows that sync with it.

The centre is a real PostgreSQL database set up by ``central init``, on a throwaway cluster of
the test module (pg_server's initdb cluster: the pull horizon is cluster-wide, see
``private_server``); its roles are named after the database and dropped with it. Window passwords go to a keyrings.alt file keyring in the test's temp folder,
opted in with SOREG_ALLOW_FILE_KEYRING=1, as the sync code requires.
"""

from __future__ import annotations

import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

from accounts.window import init_window
from models.store import Store, _sqlite_engine, open_store
from sync.central_admin import WindowRole, add_window, drop_central_roles, init_central
from sync.connection import CentralSettings, save_central_settings

DATA_TABLES = ("organizations", "dishonest_persons", "reference_data", "window_keys", "window_records",
               "received_ops", "review_queue", "code_blocks", "change_log", "name_reservations")


@dataclass
class Centre:
    """A central database and the login roles of its windows."""

    admin_url: str
    windows: dict[str, WindowRole] = field(default_factory=dict)

    def add_window(self, code: str) -> WindowRole:
        role = add_window(self.admin_url, code)
        self.windows[role.code] = role
        return role

    def window_url(self, code: str, *, port: int | None = None) -> str:
        info = psycopg.conninfo.conninfo_to_dict(self.admin_url)
        host, real_port = info.get("host", "127.0.0.1"), info.get("port", "5432")
        return f"postgresql://{self.windows[code].role}@{host}:{port or real_port}/{info['dbname']}"

    def window_conn(self, code: str) -> psycopg.Connection:
        return psycopg.connect(self.window_url(code), password=self.windows[code].password, autocommit=True)

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.admin_url, autocommit=True)

    def drain(self, timeout_s: float = 30.0) -> None:
        """Wait until every change in the change log is below the pull horizon. The horizon is
        cluster-wide, and other test sessions share this server: their open transactions hold
        pulls back (never make them skip), so tests that check what a pull brought wait first."""
        deadline = time.monotonic() + timeout_s
        with self.admin() as conn:
            while not conn.execute("SELECT coalesce(bool_and(xid < pg_snapshot_xmin(pg_current_snapshot())), true)"
                                   " FROM central.change_log").fetchone()[0]:
                assert time.monotonic() < deadline, "a transaction elsewhere on the server held the horizon too long"
                time.sleep(0.01)

    def reset(self) -> None:
        """Empty every data table (windows and the code pool stay); DELETE is quicker than
        TRUNCATE on tables this small."""
        with self.admin() as conn, conn.transaction():
            for table in DATA_TABLES:
                conn.execute(f"DELETE FROM central.{table}")
            conn.execute("UPDATE central.code_pool SET next_number = 1")


@pytest.fixture
def file_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """keyrings.alt's file keyring in the temp folder, explicitly opted in."""
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    previous = keyring.get_keyring()
    ring = PlaintextKeyring()
    ring.file_path = str(tmp_path / "keyring.cfg")
    keyring.set_keyring(ring)
    monkeypatch.setenv("SOREG_ALLOW_FILE_KEYRING", "1")
    yield ring
    keyring.set_keyring(previous)


@pytest.fixture(scope="module")
def private_server() -> str:
    """A PostgreSQL cluster of this test module alone. The pull horizon is cluster-wide: on a
    shared server, other sessions' long transactions (a benchmark's bulk load, another suite)
    hold pulls back — never making them skip, but making a test that checks what a pull brought
    wait for strangers. Here only the tests' own transactions count."""
    from pg_server import _throwaway_cluster

    with _throwaway_cluster() as url:
        with psycopg.connect(url, autocommit=True) as conn:  # a throwaway cluster need not wait for the disk
            conn.execute("ALTER SYSTEM SET synchronous_commit = off")
            conn.execute("SELECT pg_reload_conf()")
        yield url


@pytest.fixture
def centre(private_server: str) -> Centre:
    """A fresh central database, set up by init_central, with its roles dropped afterwards."""
    from pg_server import create_database, drop_database

    name = f"soreg_sync_{uuid.uuid4().hex[:10]}"
    url = create_database(private_server, name)
    init_central(url)
    yield Centre(url)
    drop_central_roles(url)
    drop_database(private_server, name)


def make_window(folder: Path, centre: Centre, code: str, *, port: int | None = None) -> tuple[Store, CentralSettings]:
    """A new window store for ``code`` connected to ``centre`` (through ``port`` if given)."""
    folder.mkdir(parents=True, exist_ok=True)
    store = open_store(folder / f"{code}.sqlite3")
    init_window(store, code, actor="system")
    if code not in centre.windows:
        centre.add_window(code)
    settings = CentralSettings(url=centre.window_url(code, port=port), sslmode="prefer", allow_file_keyring=True)
    save_central_settings(store, settings, centre.windows[code].password, actor="system")
    return store, settings


_COMPILED: dict = {}
"""One SQL compilation cache for all copies, so that each fresh copy does not compile again."""


def copy_window(template: Path, target: Path) -> Store:
    """A copy of a window store made by ``make_window``, for the property test: copying a file
    is much quicker than migrating and setting up a store for every example. The copy is at
    every head already, so it gets the engine open_store makes without open_store's migration
    check, and one SQL compilation cache shared by all copies (a fresh engine would compile
    every statement again, for each of the hundreds of stores the test makes)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(template, target)
    return Store(path=target, engine=_sqlite_engine(target).execution_options(compiled_cache=_COMPILED))


def raw_op(window: str, table: str, row_id: str, payload: dict | None, *, op: str = "insert", version: int = 1,
           **extra) -> dict:
    """An op as a window's outbox sends it (sync.push), for tests that call the centre directly."""
    return {"window": window, "op_id": str(uuid.uuid4()), "table_name": table, "row_id": row_id, "op": op,
            "row_version": version, "base_version": version - 1, "registry_cursor": None, "payload": payload} | extra


def push_raw(conn: psycopg.Connection, ops: list) -> dict:
    """The centre's answer to ``ops`` sent through a window's own connection, as JSON text."""
    import json

    return conn.execute("SELECT sync_api.sync_push_v2(%s::json)", (json.dumps(ops, ensure_ascii=False),)).fetchone()[0]
