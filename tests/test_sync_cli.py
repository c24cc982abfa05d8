"""The sync commands as the administrator and the clerk use them, and the keyring rules."""

from __future__ import annotations

import io
import uuid

import keyring
import pytest
from keyring.backends import fail
from sync_fixtures import file_keyring, private_server  # noqa: F401

from cli.app import run
from models.errors import SoregError
from sync.central_admin import drop_central_roles
from sync.credentials import SERVICE, keyring_backend


def _stdin(monkeypatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


@pytest.fixture
def central_url(private_server):
    """A fresh database on the tests' own cluster (central init closes the cluster's other databases)."""
    from pg_server import create_database, drop_database

    name = f"soreg_cli_{uuid.uuid4().hex[:10]}"
    yield create_database(private_server, name)
    drop_database(private_server, name)


def _admin(db, monkeypatch) -> None:
    """The window's first administrator; sync runs as that user (SOREG_PASSWORD)."""
    _stdin(monkeypatch, "admin-pass-1\n")
    assert run(["--db", str(db), "user", "add", "admin", "--roles", "admin", "--password-stdin"]) == 0
    monkeypatch.setenv("SOREG_PASSWORD", "admin-pass-1")


def test_central_init_add_window_connect_and_sync(tmp_path, central_url, file_keyring, monkeypatch, capsys):
    fresh_pg_url = central_url
    db = tmp_path / "w.sqlite3"
    try:
        assert run(["central", "init", "--url", fresh_pg_url, "--code-start", "MJ100000"]) == 0
        _stdin(monkeypatch, "s3cret-W01\n")
        assert run(["central", "add-window", "W01", "--url", fresh_pg_url, "--password-stdin"]) == 0
        out = capsys.readouterr().out
        role = out.split("中心账户：")[1].split()[0]
        assert "s3cret" not in out
        assert run(["--db", str(db), "init", "--window", "W01"]) == 0
        window_url = fresh_pg_url.replace("postgres@", f"{role}@")
        assert run(["--db", str(db), "central", "connect", "--url", window_url.replace("@", ":pw@", 1)]) == 2
        assert "不能写密码" in capsys.readouterr().err
        _stdin(monkeypatch, "s3cret-W01\n")
        assert run(["--db", str(db), "central", "connect", "--url", window_url, "--password-stdin"]) == 0
        assert file_keyring.get_password(SERVICE, role) == "s3cret-W01"
        assert "s3cret" not in db.read_bytes().decode("latin-1")
        _admin(db, monkeypatch)
        capsys.readouterr()
        assert run(["--db", str(db), "--user", "admin", "sync"]) == 0
        out = capsys.readouterr().out
        assert "同步完成" in out and "新申领组织机构代码 200 个" in out and "待上传" in out
        assert run(["--db", str(db), "--user", "admin", "sync", "--status"]) == 0
        assert "上次同步：20" in capsys.readouterr().out
    finally:
        drop_central_roles(fresh_pg_url)


def test_sync_when_the_centre_is_unreachable_says_so_in_chinese(tmp_path, file_keyring, monkeypatch, capsys):
    db = tmp_path / "w.sqlite3"
    assert run(["--db", str(db), "init", "--window", "W01"]) == 0
    _stdin(monkeypatch, "pw\n")
    assert run(["--db", str(db), "central", "connect", "--url", "postgresql://soreg_w_w01@127.0.0.1:1/soreg",
                "--password-stdin"]) == 0
    _admin(db, monkeypatch)
    capsys.readouterr()
    assert run(["--db", str(db), "--user", "admin", "sync"]) == 2
    err = capsys.readouterr().err
    assert "中心暂时无法访问" in err and "Traceback" not in err
    assert run(["--db", str(db), "--user", "admin", "sync", "--status"]) == 0
    assert "上次同步出错" in capsys.readouterr().out


def test_no_keyring_is_a_clear_message_and_a_file_keyring_needs_opting_in(monkeypatch):
    previous = keyring.get_keyring()
    monkeypatch.delenv("SOREG_ALLOW_FILE_KEYRING", raising=False)
    try:
        keyring.set_keyring(fail.Keyring())
        with pytest.raises(SoregError, match="没有可用的系统密钥环"):
            keyring_backend()
        from keyrings.alt.file import PlaintextKeyring

        keyring.set_keyring(PlaintextKeyring())  # what keyring falls back to when keyrings.alt is installed
        with pytest.raises(SoregError, match="SOREG_ALLOW_FILE_KEYRING=1"):
            keyring_backend()
        assert isinstance(keyring_backend(allow_file=True), PlaintextKeyring)
        monkeypatch.setenv("SOREG_ALLOW_FILE_KEYRING", "1")
        assert isinstance(keyring_backend(), PlaintextKeyring)
    finally:
        keyring.set_keyring(previous)
