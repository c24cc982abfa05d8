"""Local protection: a private data folder, and a login that tells a passer-by nothing."""

from __future__ import annotations

import stat
from datetime import date, timedelta

import argon2
import pytest
from sqlalchemy import text

import accounts.users as users
from accounts.users import LoginFailed, authenticate, create_user, disable_user
from cli.app import run
from models.crashlog import write_crash_log
from models.accounts import Role
from models.base import utcnow
from models.store import open_store
from tests.workflow_fixtures import GROUP_FORM, form, make_window
from workflow.intake import open_case
from workflow.materials import attachment_path, receive_material

PASSWORD = "Zhang-San-2026"


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_folder_database_wal_and_shm_are_private(_private_home, capsys):
    assert run(["init", "--window", "W01"]) == 0
    db = _private_home / "soreg.sqlite3"
    assert _mode(_private_home) == 0o700
    store = open_store(db)
    with store.write() as session:  # an open connection keeps the -wal and -shm files
        session.execute(text("insert into settings(key, value) values ('x', '1')"))
    for name in ("soreg.sqlite3", "soreg.sqlite3-wal", "soreg.sqlite3-shm"):
        assert _mode(_private_home / name) == 0o600, name
    store.close()


def test_an_older_world_readable_data_folder_is_made_private_when_opened(_private_home):
    _private_home.mkdir(mode=0o755)
    _private_home.chmod(0o755)
    store = open_store(_private_home / "soreg.sqlite3")
    store.close()
    (_private_home / "soreg.sqlite3").chmod(0o644)
    open_store(_private_home / "soreg.sqlite3").close()
    assert _mode(_private_home) == 0o700
    assert _mode(_private_home / "soreg.sqlite3") == 0o600


def test_crash_logs_and_attachments_are_private(tmp_path, _private_home):
    window = make_window(tmp_path)
    try:
        raise RuntimeError("身份证号 310105196005010013")
    except RuntimeError as exc:
        log = write_crash_log(exc)
    assert _mode(log) == 0o600 and _mode(log.parent) == 0o700

    data = form(GROUP_FORM)
    data["received"].remove("HYMD")
    case = open_case(window.store, data, user=window.clerk, today=date(2026, 9, 21))
    scan = tmp_path / "会员名单.pdf"
    scan.write_bytes(b"%PDF-1.4\n%%EOF\n")
    receive_material(window.store, case.case_no, "HYMD", user=window.clerk, on=date(2026, 9, 22), file=scan)
    stored = next(attachment_path("attachments").rglob("*.pdf"))
    assert _mode(stored) == 0o600
    assert _mode(stored.parent) == 0o700 and _mode(attachment_path("attachments")) == 0o700
    window.store.close()


@pytest.fixture
def clerk(store):
    return create_user(store, username="zhangsan", display_name="张三", password=PASSWORD,
                       roles=frozenset({Role.CLERK}), actor="system")


@pytest.fixture
def verified(monkeypatch):
    """The argon2 hashes each login verifies against (the real verification still runs)."""
    hashes: list[str] = []
    real = argon2.PasswordHasher.verify

    def verify(self, hash, password):
        hashes.append(hash)
        return real(self, hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", verify)
    return hashes


def _refusal(store, username: str, password: str, **kw) -> str:
    with pytest.raises(LoginFailed) as refused:
        authenticate(store, username, password, **kw)
    return refused.value.message


def test_unknown_user_wrong_password_disabled_and_locked_accounts_get_one_answer_with_one_hash_each(
        store, clerk, verified):
    create_user(store, username="lisi", display_name="李四", password=PASSWORD, roles=frozenset({Role.CLERK}), actor="x")
    disable_user(store, "lisi", actor="admin")
    now = utcnow()
    answers = [_refusal(store, "nobody", PASSWORD), _refusal(store, "zhangsan", "wrong-password", now=now),
               _refusal(store, "lisi", PASSWORD)]
    for _ in range(4):
        answers.append(_refusal(store, "zhangsan", "wrong-password", now=now))
    answers.append(_refusal(store, "zhangsan", PASSWORD, now=now))  # locked: even the right password
    assert len(set(answers)) == 1, answers
    assert answers[0] == users.LOGIN_REFUSED and "lisi" not in answers[0] and "再错" not in answers[0]
    real_hash = verified[1]
    assert len(verified) == len(answers)  # the same argon2 work for every answer
    for h in verified:
        assert argon2.extract_parameters(h) == argon2.extract_parameters(real_hash)
    assert verified[0] != real_hash  # an unknown user is checked against the dummy hash


def test_the_lockout_still_holds_and_the_administrator_is_told_why(store, clerk):
    from accounts.users import lock_status

    now = utcnow()
    for _ in range(users.MAX_FAILED_LOGINS):
        _refusal(store, "zhangsan", "wrong-password", now=now)
    with pytest.raises(LoginFailed):
        authenticate(store, "zhangsan", PASSWORD, now=now + timedelta(minutes=14))
    info = next(u for u in users.list_users(store) if u.username == "zhangsan")
    reason = lock_status(info, now=now + timedelta(minutes=14))
    assert reason is not None and "连续输错 5 次" in reason and "锁定至" in reason
    assert authenticate(store, "zhangsan", PASSWORD, now=now + timedelta(minutes=15, seconds=1)).username == "zhangsan"
    assert lock_status(next(u for u in users.list_users(store) if u.username == "zhangsan")) is None


def test_user_list_shows_the_administrator_a_locked_account(tmp_path, capsys, monkeypatch):
    db = tmp_path / "w.sqlite3"
    store = open_store(db)
    from accounts.window import init_window

    init_window(store, "W01", actor="system")
    create_user(store, username="admin", display_name="王管理", password=PASSWORD, roles=frozenset({Role.ADMIN}), actor="s")
    create_user(store, username="zhangsan", display_name="张三", password=PASSWORD, roles=frozenset({Role.CLERK}), actor="s")
    for _ in range(users.MAX_FAILED_LOGINS):
        _refusal(store, "zhangsan", "wrong-password")
    store.close()
    monkeypatch.setenv("SOREG_PASSWORD", PASSWORD)
    assert run(["--db", str(db), "--user", "admin", "user", "list"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("zhangsan"))
    assert "密码连续输错 5 次" in line and "锁定至" in line
