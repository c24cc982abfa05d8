"""Backup and restore of the local store (备份与恢复).

Backups are made with SQLite's online backup API, never by copying the file of a live database:
once a day (``daily_backup``: from ``open_store`` when a command first opens a database on a day;
in the GUI once the login window can be used and whenever the day changes, ui/daily_backup.py),
before every sync snapshot (``backup_store(store, BackupReason.SNAPSHOT)`` from sync/pull.py)
and on demand (``backup`` command, 设置). Each goes to ``<database folder>/backups/`` and, if
set, to a second folder such as a USB drive; each is checked after it is written
(``PRAGMA integrity_check`` and the audit chain); the newest ``backup.keep`` are kept in each folder.

``restore_store`` checks a backup the same way, keeps a copy of the current database, and puts the
backup in its place only while no program has the database open; the restored database is marked
``RECOVERY_PENDING`` so that the next sync asks the centre for what the window did since.
"""

from __future__ import annotations

import enum
import hashlib
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from models.errors import SoregError
from models.private_files import create_private_file, make_private, private_folder
from models.progress import SILENT, Progress, stop_if_cancelled

if TYPE_CHECKING:
    from models.store import Store

BACKUP_FOLDER = "backups"
KEEP_SETTING = "backup.keep"
KEEP_DEFAULT = 14
KEEP_RANGE = (1, 365)
SECOND_FOLDER_SETTING = "backup.second_folder"
STAMP = "%Y%m%d-%H%M%S-%f"
COPY_PAGES = 4096  # pages copied between two looks at ``progress.cancelled`` (16 MB of 4 KB pages)
CHECK_STEPS = 10_000  # SQLite steps of the integrity check between two looks (a few µs each)


class BackupReason(enum.StrEnum):
    DAILY = "daily"
    SNAPSHOT = "snapshot"
    MANUAL = "manual"
    BEFORE_RESTORE = "before-restore"

    @property
    def label(self) -> str:
        return REASON_LABELS[self]


REASON_LABELS = {BackupReason.DAILY: "每日自动备份", BackupReason.SNAPSHOT: "同步快照前备份",
                 BackupReason.MANUAL: "手动备份", BackupReason.BEFORE_RESTORE: "恢复前的原数据库"}


@dataclass(frozen=True)
class Backup:
    """One backup file."""

    path: Path
    made_at: datetime
    reason: BackupReason
    size_bytes: int


@dataclass(frozen=True)
class BackupResult:
    """The copies a backup wrote (data folder first) and what went wrong beside them, in Chinese."""

    backups: tuple[Backup, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class BackupSettings:
    keep: int
    second_folder: Path | None


@dataclass(frozen=True)
class RestoreResult:
    restored_from: Path
    window_code: str
    kept_copy: Path | None
    """The database as it was before the restore (None when there was none)."""


def backup_file(path: Path, folder: Path | None = None, *, label: str = "backup") -> Path:
    """Copy the database at ``path`` consistently (WAL included) to
    ``<folder>/<name>.<label>-YYYYmmdd-HHMMSS-ffffff<suffix>``; ``folder`` defaults to the database's own."""
    stamp = datetime.now().strftime(STAMP)
    target = (folder or path.parent) / f"{path.stem}.{label}-{stamp}{path.suffix}"
    _online_copy(path, target)
    return target


def _online_copy(source: Path | sqlite3.Connection, target: Path, progress: Progress = SILENT) -> None:
    """Copy a database with the backup API into a new private file that needs no -wal file, a
    slice of pages at a time so that ``progress`` can stop it (``Cancelled``)."""
    create_private_file(target)
    src = source if isinstance(source, sqlite3.Connection) else sqlite3.connect(source)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst, pages=COPY_PAGES, progress=lambda _status, _left, _total: stop_if_cancelled(progress))
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    finally:
        if src is not source:
            src.close()


# -- where backups live --

def backup_folder(db_path: Path) -> Path:
    return db_path.parent / BACKUP_FOLDER


def _pattern(db_path: Path) -> re.Pattern[str]:
    reasons = "|".join(re.escape(r.value) for r in BackupReason)
    return re.compile(rf"{re.escape(db_path.stem)}-(\d{{8}}-\d{{6}}-\d{{6}})-({reasons})\.sqlite3")


def _backups_in(folder: Path, db_path: Path) -> list[Backup]:
    """The backups of the database ``db_path`` in ``folder``, newest first."""
    pattern, found = _pattern(db_path), []
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match:
            try:
                size = entry.stat().st_size
            except OSError:
                continue
            found.append(Backup(entry, datetime.strptime(match[1], STAMP), BackupReason(match[2]), size))
    return sorted(found, key=lambda b: b.made_at, reverse=True)


def restore_hint(db_path: Path) -> str:
    """How to restore ``db_path``, naming its newest backup: for the messages of a damaged or empty database."""
    newest = [b for b in _backups_in(backup_folder(db_path), db_path) if b.reason is not BackupReason.BEFORE_RESTORE]
    if newest:
        return (f"请管理员从备份恢复：restore {newest[0].path}"
                f"（{newest[0].made_at:%Y-%m-%d %H:%M}，{newest[0].reason.label}；其他备份在 {backup_folder(db_path)}）。")
    return (f"请管理员从备份恢复：restore 备份文件（本机的备份文件夹 {backup_folder(db_path)} 中没有备份，"
            "请用第二备份位置如 U 盘上的备份）。")


# -- settings --

def backup_settings(store: Store) -> BackupSettings:
    from models.settings import get_setting_in

    with store.read() as session:
        keep = int(get_setting_in(session, KEEP_SETTING, KEEP_DEFAULT))
        second = get_setting_in(session, SECOND_FOLDER_SETTING, "")
    return BackupSettings(keep, Path(second) if second else None)


def set_backup_settings(store: Store, *, keep: int, second_folder: Path | str | None, actor: str) -> BackupSettings:
    """Change how many backups are kept and the second folder (None: none); audited."""
    from models.audit import record_event_in
    from models.settings import set_setting_in

    if not KEEP_RANGE[0] <= keep <= KEEP_RANGE[1]:
        raise SoregError(f"保留的备份份数应在 {KEEP_RANGE[0]} 至 {KEEP_RANGE[1]} 之间，实为 {keep}。", field="保留份数")
    second = Path(second_folder).expanduser() if second_folder not in (None, "") else None
    if second is not None:
        if not second.is_absolute():
            raise SoregError(f"第二备份位置“{second}”应为完整路径，例如 E:\\soreg-备份 或 /media/u盘/soreg-备份。",
                             field="第二备份位置")
        if not second.is_dir() or not os.access(second, os.W_OK | os.X_OK):
            raise SoregError(f"第二备份位置“{second}”不存在或不可写，请插好 U 盘并选择其中的文件夹。", field="第二备份位置")
        if second.resolve() == backup_folder(store.path).resolve():
            raise SoregError("第二备份位置不能是数据文件夹中的备份文件夹，请选择另一块磁盘或 U 盘。", field="第二备份位置")
    before = backup_settings(store)
    with store.write() as session:
        set_setting_in(session, KEEP_SETTING, keep)
        set_setting_in(session, SECOND_FOLDER_SETTING, str(second) if second else "")
        record_event_in(session, actor=actor, action="settings.backup", record_type="settings", record_id="backup",
                     before={"keep": before.keep, "second_folder": str(before.second_folder or "")},
                     after={"keep": keep, "second_folder": str(second or "")})
    return BackupSettings(keep, second)


# -- checking a backup --

class DamagedFile(SoregError):
    """A database file that SQLite cannot read, or whose ``integrity_check`` fails."""


@dataclass(frozen=True)
class BackupCheck:
    window_code: str | None
    events: int
    chain_problem: str | None
    """Why the audit chain does not verify (None: it does)."""


def check_database_file(path: Path, progress: Progress = SILENT) -> BackupCheck:
    """Check a database file: an SQLite file whose ``integrity_check`` passes (else a SoregError,
    ``DamagedFile`` for damage), its window code and its audit chain. ``progress`` can stop the
    integrity check (``Cancelled``)."""
    from models.audit import verify_chain_in
    from models.settings import WINDOW_CODE, get_setting_in

    path = Path(path)
    try:
        with path.open("rb") as fh:
            header = fh.read(16)
    except OSError:
        raise SoregError(f"无法读取备份文件 {path}，请检查路径。", field="备份文件") from None
    if not header:
        raise SoregError(f"备份文件 {path} 是空的（0 字节），不能用于恢复，请选择另一份备份。", field="备份文件")
    if header != b"SQLite format 3\x00":
        raise SoregError(f"文件 {path} 不是本程序的数据库备份，请选择 backups 文件夹中的 .sqlite3 文件。", field="备份文件")
    engine = create_engine(f"sqlite:///file:{path.resolve().as_posix()}?mode=ro&uri=true")
    try:
        with engine.connect() as conn:
            conn.connection.driver_connection.set_progress_handler(lambda: progress.cancelled, CHECK_STEPS)
            result = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
        if result != ["ok"]:
            raise DamagedFile(f"备份文件 {path} 已损坏（完整性检查未通过），不能用于恢复，请选择另一份备份。",
                              field="备份文件")
        with Session(engine) as session:
            code = get_setting_in(session, WINDOW_CODE)
            report = verify_chain_in(session)
    except SoregError:
        raise
    except Exception as exc:  # sqlite3.DatabaseError, or SQLAlchemy's wrapping of it
        stop_if_cancelled(progress)  # the progress handler interrupted the check
        if isinstance(exc, sqlite3.DatabaseError) or isinstance(getattr(exc, "orig", None), sqlite3.DatabaseError):
            raise DamagedFile(f"备份文件 {path} 已损坏或不是本程序的数据库，不能用于恢复，请选择另一份备份。",
                              field="备份文件") from exc
        raise
    finally:
        engine.dispose()
    problem = None if report.ok else f"审计日志校验未通过：{report.reason}"
    return BackupCheck(code, report.checked, problem)


# -- making backups --

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _remove_stale_parts(folder: Path) -> None:
    """Half-written backups of runs that were killed (more than an hour old)."""
    cutoff = datetime.now().timestamp() - 3600
    for part in folder.glob(".*.part"):
        try:
            if part.stat().st_mtime < cutoff:
                part.unlink()
        except OSError:
            pass


def _rotate(folder: Path, db_path: Path, keep: int) -> None:
    for old in _backups_in(folder, db_path)[keep:]:
        old.path.unlink(missing_ok=True)


def _copy_to_second_folder(made: Backup, second: Path, db_path: Path, keep: int) -> Backup:
    """A byte-for-byte copy of a checked backup (no longer a live database), compared after writing."""
    target = second / made.path.name
    part = second / f".{made.path.name}.part"
    part.unlink(missing_ok=True)
    create_private_file(part)
    try:
        shutil.copyfile(made.path, part)
        if _sha256(part) != _sha256(made.path):
            raise OSError("副本与原备份不一致")
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    make_private(target)
    _rotate(second, db_path, keep)
    return Backup(target, made.made_at, made.reason, made.size_bytes)


def backup_store(store: Store, reason: BackupReason | str, *, actor: str | None = None,
                 progress: Progress = SILENT) -> BackupResult:
    """Back up the open store now: to the data folder (a failure raises a SoregError) and to the
    second folder if one is set (a failure there is reported in ``problems``). A copy that fails
    ``integrity_check`` means the database itself is damaged: it is deleted and that is raised. A
    copy whose audit chain does not verify is kept, and the chain's fault is reported. With
    ``actor`` the backup is recorded in the audit trail. ``progress`` can stop the copy and its
    check (``Cancelled``, nothing left behind)."""
    from models.store import damaged_store_message, is_damage

    reason = BackupReason(reason)
    settings = backup_settings(store)
    folder = backup_folder(store.path)
    made_at = datetime.now()
    target = folder / f"{store.path.stem}-{made_at.strftime(STAMP)}-{reason.value}.sqlite3"
    part = folder / f".{target.name}.part"  # renamed only once checked: a killed run leaves no backup that counts
    try:
        private_folder(folder)
        _remove_stale_parts(folder)
        _online_copy(store.path, part, progress)
    except (OSError, sqlite3.Error) as exc:
        if is_damage(exc):
            raise SoregError(damaged_store_message(store.path), field="数据库") from exc
        raise SoregError(f"无法在 {folder} 中写入备份（{exc}），请检查磁盘空间和文件夹权限。", field="备份") from exc
    try:
        checked = check_database_file(part, progress)
        os.replace(part, target)
    except DamagedFile as exc:  # the backup API copies pages as they are: the database is damaged
        raise SoregError(damaged_store_message(store.path), field="数据库") from exc
    finally:
        part.unlink(missing_ok=True)
    problems = [f"备份 {target.name} 的{checked.chain_problem}。备份已保存；请管理员运行 audit verify 查明原因。"] \
        if checked.chain_problem else []
    made = Backup(target, made_at, reason, target.stat().st_size)
    _rotate(folder, store.path, settings.keep)
    backups = [made]
    if settings.second_folder is not None:
        try:
            backups.append(_copy_to_second_folder(made, settings.second_folder, store.path, settings.keep))
        except OSError as exc:
            problems.append(f"第二备份位置 {settings.second_folder} 不可用（U 盘未插入或已满？{exc.strerror or exc}），"
                            "本次只备份到了数据文件夹。")
    if actor is not None:
        from models.audit import record_event_in

        with store.write() as session:
            record_event_in(session, actor=actor, action="store.backup", record_type="store",
                         record_id=checked.window_code or "",
                         after={"file": target.name, "reason": reason.value, "copies": len(backups)})
    return BackupResult(tuple(backups), tuple(problems))


def daily_backup(store: Store, *, today: date | None = None, progress: Progress = SILENT) -> BackupResult | None:
    """The day's backup, unless the data folder holds one made today already (then None, after
    no more than a look at the folder); ``progress`` is told when a backup is being made, and can
    stop it.

    A database that is not yet a window's (no window code) has nothing worth a backup."""
    from models.settings import WINDOW_CODE, get_setting_in

    today = today or date.today()
    if any(b.made_at.date() == today for b in _backups_in(backup_folder(store.path), store.path)):
        return None
    with store.read() as session:
        if get_setting_in(session, WINDOW_CODE) is None:
            return None
    progress.report(0, None, "正在进行每日自动备份")
    return backup_store(store, BackupReason.DAILY, progress=progress)


def list_backups(store: Store) -> list[Backup]:
    """The backups of this database in the data folder and the second folder, newest first."""
    folders = [backup_folder(store.path), backup_settings(store).second_folder]
    found = [b for folder in folders if folder is not None for b in _backups_in(folder, store.path)]
    return sorted(found, key=lambda b: b.made_at, reverse=True)


# -- restoring --

def _lock_exclusively(db_path: Path) -> sqlite3.Connection | None:
    """A connection that holds the database for itself, or None for a file SQLite cannot read.

    In WAL mode every open connection, in any process, holds a shared lock: the exclusive one is
    refused while the program (the GUI, a command) still has the database open."""
    conn = sqlite3.connect(db_path, timeout=0, isolation_level=None)
    try:
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("COMMIT")  # the lock stays in exclusive locking mode
    except sqlite3.OperationalError as exc:
        conn.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise SoregError(f"数据库 {db_path} 正在被本程序使用（图形界面或另一条命令开着它），"
                             "请先退出程序再恢复。", field="数据库") from None
        return None
    except sqlite3.DatabaseError:
        conn.close()
        return None
    return conn


def _remove_database(path: Path) -> None:
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        file.unlink(missing_ok=True)


def restore_store(db_path: Path | str, backup: Path | str, *, authorize: Callable[[Store], str]) -> RestoreResult:
    """Put ``backup`` in the place of the database at ``db_path``.

    ``authorize`` is given the store whose administrator must allow the restore — the current
    database if it opens, else (missing, empty, damaged) the backup — and returns that user's
    name. The backup must pass the check of ``check_database_file`` with its audit chain intact
    and belong to the same window. The current database is copied to the backups folder first
    ("恢复前的原数据库"); the restored one is marked RECOVERY_PENDING and the restore is audited.
    """
    from models.audit import record_event_in
    from models.settings import (
        CENTRAL_URL,
        RECOVERY_PENDING,
        WINDOW_CODE,
        get_setting_in,
        set_setting_in,
    )
    from models.store import open_store

    db_path, backup = Path(db_path), Path(backup)
    actor = code = None
    try:
        current = open_store(db_path, create=False)
    except SoregError:
        current = None  # missing, empty or damaged: the backup's administrator decides
    if current is not None:
        try:
            actor = authorize(current)
            with current.read() as session:
                code = get_setting_in(session, WINDOW_CODE)
        finally:
            current.close()
    checked = check_database_file(backup)
    if checked.window_code is None:
        raise SoregError(f"备份文件 {backup} 不是已初始化窗口的数据库（没有窗口代码），不能用于恢复。", field="备份文件")
    if checked.chain_problem:
        raise SoregError(f"备份文件 {backup} 的{checked.chain_problem}，可能被改动过，不能用于恢复。请选择另一份备份。",
                         field="备份文件")
    if code is not None and code != checked.window_code:
        raise SoregError(f"备份属于窗口 {checked.window_code}，本数据库是窗口 {code} 的，不能用它恢复。", field="备份文件")

    part = db_path.with_name(f".{db_path.name}.restore-{os.getpid()}.sqlite3")  # the working copy
    _remove_database(part)
    try:
        _online_copy(backup, part)
        prepared = open_store(part, create=False, backups=False)  # migrated to the current schema
        try:
            actor = actor or authorize(prepared)
            with prepared.write() as session:
                if get_setting_in(session, CENTRAL_URL):  # a window that syncs gets its later records back first
                    set_setting_in(session, RECOVERY_PENDING, True)
                record_event_in(session, actor=actor, action="store.restore", record_type="store",
                             record_id=checked.window_code, after={"file": backup.name, "events": checked.events})
        finally:
            prepared.close()
        kept = _install(part, db_path, readable=current is not None)
    finally:
        _remove_database(part)
    return RestoreResult(backup, checked.window_code, kept)


def _install(part: Path, db_path: Path, *, readable: bool) -> Path | None:
    """Replace the database with the prepared copy; return the copy kept of the database replaced.

    A database that opened (``readable``) is copied and replaced through SQLite while this
    connection holds it exclusively; an empty or damaged one is kept byte for byte instead, under
    a name that is never offered as a backup."""
    folder = private_folder(backup_folder(db_path))
    stamp = datetime.now().strftime(STAMP)
    if not db_path.exists():
        os.replace(part, db_path)
        return None
    conn = _lock_exclusively(db_path) if db_path.stat().st_size else None  # refused while in use
    if conn is not None and readable:
        kept = folder / f"{db_path.stem}-{stamp}-{BackupReason.BEFORE_RESTORE.value}.sqlite3"
        try:
            _online_copy(conn, kept)
            prepared = sqlite3.connect(part)
            try:
                prepared.backup(conn)
            finally:
                prepared.close()
        finally:
            conn.close()
        return kept
    if conn is not None:
        conn.close()
    kept = folder / f"{db_path.stem}-{stamp}-damaged.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        old = db_path.with_name(db_path.name + suffix)
        if old.exists():
            if suffix != "-shm":
                shutil.copyfile(old, kept.with_name(kept.name + suffix))
                make_private(kept.with_name(kept.name + suffix))
            old.unlink()
    os.replace(part, db_path)
    return kept
