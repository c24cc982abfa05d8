"""The local store (本地数据库): a SQLite file in WAL mode, migrated by Alembic on open.

``open_store`` refuses a path it cannot write and a file that is not a SQLite database with a
Chinese message, copies an existing database to a timestamped backup before upgrading it, and
returns a ``Store`` whose sessions are the only way the rest of the program touches the data.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, configure_mappers, sessionmaker

import models.outbox  # noqa: F401  (queues every synced write in its own transaction)
import models.tables  # noqa: F401  (every mapped class, so that the mappers can be configured at once)
from models.backup import backup_file
from models.errors import SoregError

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


def _check_location(path: Path) -> bool:
    """Raise a SoregError if ``path`` cannot hold the store; return whether the file exists."""
    if path.is_dir():
        raise SoregError(f"数据库路径 {path} 是一个文件夹，请给出数据库文件的路径。", field="--db")
    if path.exists():
        if not os.access(path, os.R_OK | os.W_OK):
            raise SoregError(f"数据库文件 {path} 无法读写，请检查文件权限。", field="--db")
        with path.open("rb") as fh:
            header = fh.read(len(SQLITE_MAGIC))
        if header and header != SQLITE_MAGIC:
            raise SoregError(f"文件 {path} 不是本程序的数据库（不是 SQLite 文件），请选择正确的数据库文件。", field="--db")
        return bool(header)
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        raise SoregError(f"无法创建数据库所在的文件夹 {folder}，请换一个可写的位置。", field="--db") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SoregError(f"文件夹 {folder} 不可写，无法创建数据库，请换一个可写的位置。", field="--db")
    return False


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

    def close(self) -> None:
        self.engine.dispose()


def open_store(path: Path | str | None = None, *, create: bool = True) -> Store:
    """Open (and if needed create and migrate) the local store at ``path``.

    Every ORM mapper is configured here, on the opening thread, before any worker can run a
    query: SQLAlchemy configures mappers lazily on first use, and two threads doing that at once
    leave a relationship's ``order_by`` unresolved ("failed to locate a name") for the whole run.
    """
    from models import migrate

    configure_mappers()
    path = Path(path) if path is not None else default_db_path()
    existed = _check_location(path)
    if not existed and not create:
        raise SoregError(f"数据库文件 {path} 不存在，请先运行 init 初始化本窗口。", field="--db")
    engine = _sqlite_engine(path)
    backup_path = None
    try:
        with engine.connect() as conn:
            pending = migrate.pending_revisions(conn)
        if pending and existed and migrate.has_schema(engine):
            backup_path = backup_file(path)
        if pending:
            migrate.upgrade(engine)
    except SoregError:
        engine.dispose()
        raise
    except OperationalError as exc:  # cannot open or create the file at all
        engine.dispose()
        raise SoregError(f"无法打开或创建数据库文件 {path}，请检查路径是否存在、是否可写。", field="--db") from exc
    except Exception as exc:  # sqlite3.DatabaseError on a damaged file, and the like
        engine.dispose()
        raise SoregError(f"无法打开数据库 {path}：文件已损坏或不是本程序的数据库（{exc.__class__.__name__}）。", field="--db") from exc
    return Store(path=path, engine=engine, backup_path=backup_path)
