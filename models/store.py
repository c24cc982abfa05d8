"""The local store (本地数据库): a SQLite file in WAL mode, migrated by Alembic on open.

``open_store`` refuses a path it cannot write, a file that is not a SQLite database, an empty
file and a damaged database with a Chinese message (the last two naming the way to restore),
copies an existing database to a timestamped backup before upgrading it, makes the day's backup
(models/backup.py, on a thread of its own) the first time a command opens a database on a day (the
GUI makes it itself once its login window can be used: ui/daily_backup.py), and returns a ``Store`` whose
sessions are the only way the rest of the program touches the data. The database and its folder
are private to this account (models/private_files.py).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, configure_mappers, sessionmaker

import models.outbox  # noqa: F401  (queues every synced write in its own transaction)
import models.tables  # noqa: F401  (every mapped class, so that the mappers can be configured at once)
from models.backup import backup_file, daily_backup, restore_hint
from models.errors import SoregError
from models.private_files import create_private_file, make_private, private_folder

DB_FILENAME = "soreg.sqlite3"
SQLITE_MAGIC = b"SQLite format 3\x00"


def data_home() -> Path:
    """The data folder: ``$SOREG_HOME`` if set, else the platform's user data folder."""
    override = os.environ.get("SOREG_HOME")
    if override:
        return Path(override)
    from platformdirs import user_data_dir

    return Path(user_data_dir("soreg", appauthor=False))


def default_db_path() -> Path:
    return data_home() / DB_FILENAME


def empty_store_message(path: Path) -> str:
    return (f"数据库文件 {path} 是空的（0 字节），其中的数据已经丢失（复制中断、断电或磁盘故障都可能造成）。"
            f"{restore_hint(path)}")


def damaged_store_message(path: Path) -> str:
    return f"数据库文件 {path} 已损坏，无法读取。{restore_hint(path)}"


def _make_private(path: Path) -> None:
    """The database, its -wal and -shm files private; the data folder too."""
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            make_private(file)
    if path.parent == data_home():
        private_folder(path.parent)


def _check_location(path: Path) -> bool:
    """Raise a SoregError if ``path`` cannot hold the store; return whether the file exists."""
    if path.is_dir():
        raise SoregError(f"数据库路径 {path} 是一个文件夹，请给出数据库文件的路径。", field="--db")
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise SoregError(f"数据库文件 {path} 无法读写，请检查文件权限。", field="--db")
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_MAGIC))
        if not header:
            raise SoregError(empty_store_message(path), field="--db")
        if header != SQLITE_MAGIC:
            raise SoregError(f"文件 {path} 不是本程序的数据库（不是 SQLite 文件），请选择正确的数据库文件。", field="--db")
        _make_private(path)
        return True
    folder = path.parent
    try:
        if not folder.is_dir() or folder == data_home():
            private_folder(folder)
    except OSError:
        raise SoregError(f"无法创建数据库所在的文件夹 {folder}，请换一个可写的位置。", field="--db") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SoregError(f"文件夹 {folder} 不可写，无法创建数据库，请换一个可写的位置。", field="--db")
    return False


def _create_database(path: Path) -> None:
    """Make an empty WAL database at ``path`` that only this account can read (its -wal and -shm
    files take the database's mode), under another name first so that no empty file is ever left."""
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    part.unlink(missing_ok=True)
    create_private_file(part)
    conn = sqlite3.connect(part)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
    finally:
        conn.close()
    os.replace(part, path)


def _sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", future=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        # Let SQLAlchemy issue BEGIN itself (see _on_begin) instead of pysqlite's implicit one.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@dataclass
class Store:
    """An open local database: the engine and the two kinds of session it hands out."""

    path: Path
    engine: Engine
    backup_path: Path | None = None
    backup_problems: list[str] = field(default_factory=list)
    """What went wrong with the day's backup made at opening (a second folder unplugged, damage found, …)."""
    _daily: threading.Thread | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; rolled back on exit."""
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: takes the write lock at BEGIN, commits on success, else rolls back."""
        with self._write() as session, session.begin():
            yield session

    def start_daily_backup(self) -> None:
        """Make the day's backup on a thread of its own: checking a large database takes seconds,
        and the login window must not wait for it."""

        def run() -> None:
            try:
                made = daily_backup(self)
                self.backup_problems.extend(made.problems if made is not None else ())
            except SoregError as exc:
                self.backup_problems.append(exc.message)
            except Exception as exc:  # noqa: BLE001 - a backup that fails must not stop the work
                self.backup_problems.append(f"今天的自动备份未完成（{exc.__class__.__name__}：{exc}），"
                                            "请管理员用 backup 命令手动备份。")

        self._daily = threading.Thread(target=run, name="daily-backup", daemon=True)
        self._daily.start()

    def wait_for_backup(self) -> None:
        if self._daily is not None:
            self._daily.join()

    def close(self) -> None:
        self.wait_for_backup()
        self.engine.dispose()


def open_store(path: Path | str | None = None, *, create: bool = True, backups: bool = True,
               daily: bool = True) -> Store:
    """Open (and if needed create and migrate) the local store at ``path``.

    Every ORM mapper is configured here, on the opening thread, before any worker can run a
    query: SQLAlchemy configures mappers lazily on first use, and two threads doing that at once
    leave a relationship's ``order_by`` unresolved ("failed to locate a name") for the whole run.
    With ``backups`` an existing database is copied before a migration, and with ``daily`` too it
    is backed up once a day on a thread of its own (which ``close`` waits for).
    """
    from models import migrate

    configure_mappers()
    path = Path(path) if path is not None else default_db_path()
    existed = _check_location(path)
    if not existed and not create:
        raise SoregError(f"数据库文件 {path} 不存在，请先运行 init 初始化本窗口。", field="--db")
    if not existed:
        try:
            _create_database(path)
        except OSError as exc:
            raise SoregError(f"无法创建数据库文件 {path}，请检查路径是否存在、是否可写。", field="--db") from exc
    engine = _sqlite_engine(path)
    store = Store(path=path, engine=engine)
    try:
        with engine.connect() as conn:
            pending = [] if migrate.is_current(conn) else migrate.pending_revisions(conn)
        if backups and pending and existed and migrate.has_schema(engine):
            store.backup_path = backup_file(path)
        if pending:
            migrate.upgrade(engine)
        if backups and daily and existed:
            store.start_daily_backup()
    except SoregError:
        engine.dispose()
        raise
    except sqlite3.DatabaseError as exc:
        engine.dispose()
        raise SoregError(_open_failure(path, exc), field="--db") from exc
    except Exception as exc:  # SQLAlchemy wraps the sqlite3 error
        engine.dispose()
        if isinstance(getattr(exc, "orig", None), sqlite3.DatabaseError):
            raise SoregError(_open_failure(path, exc.orig), field="--db") from exc
        raise
    return store


def is_damage(error: BaseException) -> bool:
    """Whether a SQLite error means a damaged file ("database disk image is malformed", "file is
    not a database"), as opposed to a locked, missing or unwritable one."""
    return type(error) is sqlite3.DatabaseError or (
        isinstance(error, sqlite3.DatabaseError) and "malformed" in str(error))


def _open_failure(path: Path, error: sqlite3.DatabaseError) -> str:
    if is_damage(error):
        return damaged_store_message(path)
    return f"无法打开或创建数据库文件 {path}，请检查路径是否存在、是否可写。"
