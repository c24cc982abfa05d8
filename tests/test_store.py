"""The local store: migrations on SQLite and PostgreSQL, backups, refusal of bad files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from models import migrate
from models.base import Base
from models.errors import SoregError
from models.store import open_store


def _revisions(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("select version_num from alembic_version")}


def _heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(migrate._config()).get_heads())


def test_new_sqlite_store_is_migrated_to_head_in_wal_mode_with_foreign_keys(tmp_path):
    store = open_store(tmp_path / "a.sqlite3")
    with store.engine.connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == _heads()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    tables = set(inspect(store.engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert store.backup_path is None  # a brand-new file has nothing to back up
    store.close()


def test_second_start_runs_no_migration_and_makes_no_backup(tmp_path):
    path = tmp_path / "a.sqlite3"
    open_store(path).close()
    with create_engine(f"sqlite:///{path}").connect() as conn:
        assert migrate.pending_revisions(conn) == []
    again = open_store(path)
    assert again.backup_path is None
    assert not list(tmp_path.glob("*.backup-*"))
    again.close()


def test_upgrade_of_an_older_database_copies_it_to_a_backup_first(tmp_path):
    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("insert into settings(key, value) values ('marker', '\"kept\"')"))
    engine.dispose()

    store = open_store(path)
    assert store.backup_path is not None and store.backup_path.exists()
    assert store.backup_path.name.startswith("old.backup-")
    assert _revisions(store.backup_path) == {"0001"}  # the copy is the database as it was
    with sqlite3.connect(store.backup_path) as conn:
        assert conn.execute("select value from settings where key='marker'").fetchone() == ('"kept"',)
    assert _revisions(path) == _heads()
    store.close()


def test_migrations_run_from_empty_to_head_on_postgresql(fresh_pg_url):
    engine = create_engine(fresh_pg_url.replace("postgresql://", "postgresql+psycopg://"))
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == _heads()
        assert migrate.pending_revisions(conn) == []
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_a_file_that_is_not_sqlite_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"this is a memo, not a database\n")
    with pytest.raises(SoregError, match="不是本程序的数据库"):
        open_store(path)
    assert path.read_bytes() == b"this is a memo, not a database\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_an_unwritable_location_is_refused_and_nothing_is_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SoregError, match="无法创建数据库所在的文件夹"):
        open_store(blocker / "sub" / "db.sqlite3")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_missing_store_is_not_created_when_creation_is_not_asked_for(tmp_path):
    with pytest.raises(SoregError, match="init"):
        open_store(tmp_path / "absent.sqlite3", create=False)
    assert not (tmp_path / "absent.sqlite3").exists()


def test_the_migrations_build_exactly_the_schema_the_models_describe(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import models.tables  # noqa: F401
    from models.cases import SEARCH_INDEX

    def described(name, type_, _parent) -> bool:  # the FTS5 index and its shadow tables live in SQLite only
        return not (type_ == "table" and name.startswith(SEARCH_INDEX))

    store = open_store(tmp_path / "a.sqlite3")
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": described}), Base.metadata)
    store.close()
    assert diff == []


def test_the_migrations_form_one_line_of_history():
    from alembic.script import ScriptDirectory

    assert len(ScriptDirectory.from_config(migrate._config()).get_heads()) == 1


def test_the_quick_look_at_the_revision_agrees_with_alembic(tmp_path):
    assert migrate.head_revisions() == _heads()  # read from the script files, Alembic not loaded
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with engine.connect() as conn:
        assert not migrate.is_current(conn)  # an empty file
    migrate.upgrade(engine, "0001")
    with engine.connect() as conn:
        assert not migrate.is_current(conn) and migrate.pending_revisions(conn)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert migrate.is_current(conn) and migrate.pending_revisions(conn) == []
    engine.dispose()


def test_opening_a_current_database_does_not_load_alembic(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "a.sqlite3"
    open_store(path).close()
    probe = ("import sys; from models.store import open_store; open_store(sys.argv[1]).close(); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", probe, str(path)], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_mapper_is_configured_when_the_store_opens(tmp_path):
    """In a fresh process, nothing but opening the store: every ORM mapper is then configured, so no
    worker thread configures one while another thread queries (the race that broke the 首页 and 办件
    pages with "'CasePerson.position' failed to locate a name" until a restart)."""
    import subprocess
    import sys

    probe = (
        "import sys; from models.store import open_store; open_store(sys.argv[1]);"
        "from models.base import Base;"
        "print(sorted(m.class_.__name__ for m in Base.registry.mappers if not m.configured))"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "fresh.sqlite3")], cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_an_empty_database_file_is_called_empty_and_the_way_to_restore_is_named(tmp_path, capsys):
    """It used to be reported as missing ("不存在，请先运行 init"), or silently set up anew."""
    from cli.app import run

    path = tmp_path / "soreg.sqlite3"
    path.write_bytes(b"")
    for create in (False, True):
        with pytest.raises(SoregError, match="是空的") as refused:
            open_store(path, create=create)
        assert "restore" in refused.value.message and "不存在" not in refused.value.message
    assert run(["--db", str(path), "audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert "是空的" in err and "restore" in err and len(err.strip().splitlines()) == 1
    assert path.read_bytes() == b""


def _corrupt(path: Path, start: int, length: int) -> None:
    with path.open("r+b") as fh:
        fh.seek(start)
        fh.write(bytes((n * 37 + 11) % 256 for n in range(length)))


def test_a_corrupted_database_gets_its_own_message_and_the_way_to_restore(tmp_path, capsys):
    """It used to end in a generic internal error (内部错误（DatabaseError）)."""
    from cli.app import run

    path = tmp_path / "soreg.sqlite3"
    open_store(path).close()
    size = path.stat().st_size
    _corrupt(path, 100, size - 100)  # the SQLite header stays, everything after it is garbage
    with pytest.raises(SoregError, match="已损坏") as refused:
        open_store(path)
    assert "restore" in refused.value.message and "DatabaseError" not in refused.value.message
    assert run(["--db", str(path), "audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert "已损坏" in err and "restore" in err and "内部错误" not in err


def test_damage_found_by_a_later_query_gets_the_same_message(tmp_path, capsys, monkeypatch):
    """A damaged page that opening does not read fails the command that reads it, with the same message."""
    from accounts.users import create_user
    from accounts.window import init_window
    from cli.app import run
    from models.accounts import Role
    from models.backup import backup_store

    path = tmp_path / "soreg.sqlite3"
    store = open_store(path)
    init_window(store, "W01", actor="system")
    create_user(store, username="admin", display_name="管", password="admin-pass-1", roles=frozenset({Role.ADMIN}),
                actor="system")
    backup_store(store, "manual")  # today's backup is made: opening does not read every page again
    with store.read() as session:
        root = session.execute(text("select rootpage from sqlite_master where name = 'audit_events'")).scalar()
        page_size = session.execute(text("pragma page_size")).scalar()
    store.close()
    _corrupt(path, (root - 1) * page_size, page_size)
    monkeypatch.setenv("SOREG_PASSWORD", "admin-pass-1")
    assert run(["--db", str(path), "--user", "admin", "audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert "已损坏" in err and "restore" in err and "内部错误" not in err


def test_damage_found_by_the_day_s_backup_is_told(tmp_path, capsys):
    """The day's backup checks the whole database (integrity_check): a damaged page no command reads is told too."""
    from accounts.window import init_window
    from cli.app import run

    path = tmp_path / "soreg.sqlite3"
    store = open_store(path)
    init_window(store, "W01", actor="system")
    with store.read() as session:
        root = session.execute(text("select rootpage from sqlite_master where name = 'audit_events'")).scalar()
        page_size = session.execute(text("pragma page_size")).scalar()
    store.close()
    _corrupt(path, (root - 1) * page_size, page_size)
    assert run(["--db", str(path), "codes", "status"]) == 0  # reads no audit event
    err = capsys.readouterr().err
    assert "提示：" in err and "已损坏" in err and "restore" in err
    assert not list((tmp_path / "backups").glob("*.sqlite3"))  # no backup of a damaged database
