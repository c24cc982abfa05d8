"""Backup and restore: online backups checked after writing, rotated, copied to a second folder;
``backup`` and ``restore FILE`` as an administrator runs them."""

from __future__ import annotations

import sqlite3
import stat
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text
from sync_fixtures import centre, file_keyring, private_server  # noqa: F401

from accounts.users import create_user
from accounts.window import init_window
from cli.app import run
from models.accounts import Role, User
from models.audit import AuditEvent, record_event_in, verify_chain_in
from models.backup import (
    BackupReason,
    backup_folder,
    backup_settings,
    backup_store,
    daily_backup,
    list_backups,
    set_backup_settings,
)
from models.errors import SoregError
from models.progress import Cancelled
from models.settings import (
    CENTRAL_URL,
    RECOVERY_PENDING,
    get_setting_in,
    set_setting_in,
)
from models.store import open_store

PASSWORD = "admin-pass-1"


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "soreg.sqlite3")
    init_window(s, "W01", actor="system")
    create_user(s, username="admin", display_name="王管理", password=PASSWORD, roles=frozenset({Role.ADMIN}),
                actor="system")
    yield s
    s.close()


def _users(path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {row[0] for row in conn.execute("select username from users")}


def _add_user(store, name: str) -> None:
    create_user(store, username=name, display_name=name, password=PASSWORD, roles=frozenset({Role.CLERK}), actor="admin")


def test_a_backup_is_an_online_copy_that_is_checked_private_and_holds_what_is_still_in_the_wal(store):
    _add_user(store, "zhang")  # committed, but still in the -wal file while the store is open
    assert (store.path.with_name(store.path.name + "-wal")).stat().st_size > 0
    result = backup_store(store, BackupReason.MANUAL, actor="admin")
    assert result.problems == ()
    (made,) = result.backups
    assert made.path.parent == backup_folder(store.path) == store.path.parent / "backups"
    assert made.path.name.startswith("soreg-") and made.path.name.endswith("-manual.sqlite3")
    assert stat.S_IMODE(made.path.stat().st_mode) == 0o600 and stat.S_IMODE(made.path.parent.stat().st_mode) == 0o700
    assert _users(made.path) == {"admin", "zhang"}  # a copy of the main file alone would miss zhang
    assert not made.path.with_name(made.path.name + "-wal").exists()  # one self-contained file
    with store.read() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "store.backup")) == 1
    assert list_backups(store) == [made]


def test_backups_are_rotated_and_copied_to_the_second_folder(store, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    set_backup_settings(store, keep=3, second_folder=usb, actor="admin")
    assert backup_settings(store).keep == 3
    made = [backup_store(store, BackupReason.MANUAL) for _ in range(5)]
    newest = [m.backups for m in made[-3:]]
    assert sorted(p.name for p in backup_folder(store.path).iterdir()) == sorted(b[0].path.name for b in newest)
    assert sorted(p.name for p in usb.iterdir()) == sorted(b[1].path.name for b in newest)
    assert (usb / newest[-1][0].path.name).read_bytes() == newest[-1][0].path.read_bytes()
    assert len(list_backups(store)) == 6


def test_an_unplugged_second_folder_is_reported_and_the_data_folder_still_gets_its_backup(store, tmp_path):
    usb = tmp_path / "usb"
    usb.mkdir()
    set_backup_settings(store, keep=14, second_folder=usb, actor="admin")
    usb.rmdir()  # the USB drive is taken out
    result = backup_store(store, BackupReason.SNAPSHOT)
    assert len(result.backups) == 1 and result.backups[0].path.exists()
    (problem,) = result.problems
    assert str(usb) in problem and "本次只备份到了数据文件夹" in problem


def test_bad_backup_settings_are_refused_with_the_field_named(store, tmp_path):
    with pytest.raises(SoregError, match="保留的备份份数应在 1 至 365 之间"):
        set_backup_settings(store, keep=0, second_folder=None, actor="admin")
    with pytest.raises(SoregError, match="不存在或不可写"):
        set_backup_settings(store, keep=5, second_folder=tmp_path / "no-such-usb", actor="admin")


def test_a_backup_whose_audit_chain_is_broken_is_kept_and_reported(store):
    with store.write() as session:
        session.execute(text("update audit_events set actor = 'mallory' where seq = 1"))
    result = backup_store(store, BackupReason.MANUAL)
    assert result.backups[0].path.exists()
    assert "审计日志校验未通过：第 1 条记录的内容已被改动" in result.problems[0]


def test_the_day_s_backup_is_made_once_a_day_when_the_store_is_opened(store):
    store.close()
    reopened = open_store(store.path)
    reopened.wait_for_backup()  # made on a thread of its own: the login window does not wait for it
    (daily,) = list_backups(reopened)
    assert daily.reason is BackupReason.DAILY and daily.made_at.date() == date.today()
    assert daily_backup(reopened) is None and len(list_backups(reopened)) == 1  # not twice on one day
    daily_backup(reopened, today=date.today() + timedelta(days=1))
    assert len(list_backups(reopened)) == 2
    reopened.close()


def test_the_gui_opens_the_store_without_the_day_s_backup(store):
    store.close()
    reopened = open_store(store.path, daily=False)  # ui/daily_backup.py makes it once the login can be used
    reopened.close()
    assert list_backups(reopened) == []


class _StopAfter:
    """A progress (models.progress) whose user presses 取消 after ``reports`` reports."""

    def __init__(self, looks: int) -> None:
        self.looks, self.reports = looks, []

    def report(self, done, total=None, text=""):
        self.reports.append(text)

    @property
    def cancelled(self) -> bool:
        self.looks -= 1
        return self.looks < 0


@pytest.mark.parametrize("looks", [0, 1], ids=["while copying", "while checking the copy"])
def test_a_daily_backup_stopped_midway_leaves_nothing_behind(store, looks):
    with store.write() as session:  # enough rows for the integrity check to look at least once
        for n in range(1000):
            record_event_in(session, actor="admin", action="test.event", record_type="test", record_id=str(n))
    progress = _StopAfter(looks)  # the copy looks once (a small database is one slice); then the check looks
    with pytest.raises(Cancelled):
        daily_backup(store, progress=progress)
    assert progress.reports == ["正在进行每日自动备份"]
    assert list(backup_folder(store.path).iterdir()) == []  # no backup, no half-written part
    assert daily_backup(store) is not None  # and the next check makes it


def _admin(db, monkeypatch, password=PASSWORD) -> list[str]:
    monkeypatch.setenv("SOREG_PASSWORD", password)
    return ["--db", str(db), "--user", "admin"]


def test_backup_and_restore_commands(store, capsys, monkeypatch):
    db = store.path
    _add_user(store, "before")
    with store.write() as session:  # a window that syncs: the restore must be followed by a recovery
        set_setting_in(session, CENTRAL_URL, "postgresql://soreg_w_w01@centre.example/soreg")
    store.close()
    admin = _admin(db, monkeypatch)
    assert run([*admin, "backup"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    made = out.split("已备份并检查通过：")[1].split("（")[0]
    later = open_store(db)
    _add_user(later, "after")  # work done after the backup
    later.close()

    assert run([*admin, "backup", "--list"]) == 0
    assert made in capsys.readouterr().out
    assert run([*admin, "restore", made]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "已用备份" in out and "恢复前的数据库已保存为" in out
    kept = out.split("恢复前的数据库已保存为 ")[1].split("。")[0]
    assert _users(db) == {"admin", "before"}
    assert _users(kept) == {"admin", "before", "after"}  # the database as it was before the restore
    restored = open_store(db)
    with restored.read() as session:
        assert get_setting_in(session, RECOVERY_PENDING) is True
        assert session.scalar(select(AuditEvent.actor).where(AuditEvent.action == "store.restore")) == "admin"
        assert verify_chain_in(session).ok
    restored.close()


def test_a_window_that_never_syncs_is_restored_without_waiting_for_a_centre(store, capsys, monkeypatch):
    """A community centre working offline has no centre to recover from: it goes on at once."""
    made = backup_store(store, BackupReason.MANUAL).backups[0].path
    store.close()
    assert run([*_admin(store.path, monkeypatch), "restore", str(made)]) == 0, capsys.readouterr().err
    restored = open_store(store.path)
    with restored.read() as session:
        assert get_setting_in(session, RECOVERY_PENDING) is False
    restored.close()


def test_restore_is_refused_while_the_program_has_the_database_open(store, capsys, monkeypatch):
    made = backup_store(store, BackupReason.MANUAL).backups[0].path
    _add_user(store, "after")  # the store stays open, as in a running GUI
    assert run([*_admin(store.path, monkeypatch), "restore", str(made)]) == 2
    err = capsys.readouterr().err
    assert "正在被本程序使用" in err and "请先退出程序再恢复" in err
    with store.read() as session:
        assert "after" in session.scalars(select(User.username)).all()
        assert get_setting_in(session, RECOVERY_PENDING) is False


def test_restore_refuses_a_damaged_or_tampered_backup_and_changes_nothing(store, tmp_path, capsys, monkeypatch):
    made = backup_store(store, BackupReason.MANUAL).backups[0].path
    store.close()
    admin = _admin(store.path, monkeypatch)
    tampered = tmp_path / "tampered.sqlite3"
    tampered.write_bytes(made.read_bytes())
    with sqlite3.connect(tampered) as conn:
        conn.execute("update users set display_name = '冒名' where username = 'admin'")
        conn.execute("update audit_events set summary = '{}' where seq = 2")
    damaged = tmp_path / "damaged.sqlite3"
    data = bytearray(made.read_bytes())
    data[4096:8192] = bytes((n * 7 + 3) % 256 for n in range(4096))
    damaged.write_bytes(bytes(data))
    empty = tmp_path / "empty.sqlite3"
    empty.write_bytes(b"")
    for file, reason in ((tampered, "审计日志校验未通过：第 2 条记录的内容已被改动"), (damaged, "已损坏"), (empty, "是空的")):
        assert run([*admin, "restore", str(file)]) == 2
        err = capsys.readouterr().err
        assert reason in err and "不能用于恢复" in err, err
    assert _users(store.path) == {"admin"}
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("select value from settings where key = ?", (RECOVERY_PENDING,)).fetchone() is None


def test_restore_refuses_another_window_s_backup(store, tmp_path, capsys, monkeypatch):
    other = open_store(tmp_path / "other" / "soreg.sqlite3")
    init_window(other, "W02", actor="system")
    made = backup_store(other, BackupReason.MANUAL).backups[0].path
    other.close()
    store.close()
    assert run([*_admin(store.path, monkeypatch), "restore", str(made)]) == 2
    assert "备份属于窗口 W02，本数据库是窗口 W01 的" in capsys.readouterr().err


@pytest.mark.parametrize("damage", ["empty", "garbage"])
def test_a_damaged_database_is_restored_with_the_backup_s_administrator(store, capsys, monkeypatch, damage):
    made = backup_store(store, BackupReason.MANUAL).backups[0].path
    store.close()
    if damage == "empty":
        store.path.write_bytes(b"")
    else:
        data = bytearray(store.path.read_bytes())
        data[100:] = bytes((n * 13 + 5) % 256 for n in range(len(data) - 100))
        store.path.write_bytes(bytes(data))
    broken = store.path.read_bytes()
    assert run([*_admin(store.path, monkeypatch), "audit", "verify"]) == 2
    err = capsys.readouterr().err
    assert ("是空的" if damage == "empty" else "已损坏") in err and f"restore {made}" in err
    assert run([*_admin(store.path, monkeypatch, "wrong-pass-9"), "restore", str(made)]) == 2
    assert "用户名或密码不正确" in capsys.readouterr().err and store.path.read_bytes() == broken
    assert run([*_admin(store.path, monkeypatch), "restore", str(made)]) == 0, capsys.readouterr().err
    kept = capsys.readouterr().out.split("恢复前的数据库已保存为 ")[1].split("。")[0]
    assert kept.endswith("-damaged.sqlite3") and open(kept, "rb").read() == broken
    assert _users(store.path) == {"admin"}
    assert run([*_admin(store.path, monkeypatch), "audit", "verify"]) == 0



def test_a_first_sync_snapshot_is_preceded_by_a_backup(tmp_path, centre, file_keyring):
    from sync_fixtures import make_window

    from sync.runner import run_sync

    store, settings = make_window(tmp_path / "w", centre, "W01")
    run_sync(store, settings)
    assert [b.reason for b in list_backups(store)] == [BackupReason.SNAPSHOT]
    run_sync(store, settings)  # the log, no snapshot: no backup
    assert len(list_backups(store)) == 1
    store.close()
