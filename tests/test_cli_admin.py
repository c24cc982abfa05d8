"""The command line as a clerk or administrator uses it: real subprocesses, real files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def soreg(*args: str, stdin: str = "", password: str | None = None, home: Path | None = None):
    env = {k: v for k, v in os.environ.items() if k != "SOREG_PASSWORD"}
    if password is not None:
        env["SOREG_PASSWORD"] = password
    if home is not None:
        env["SOREG_HOME"] = str(home)
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=60)


def _one_chinese_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[0])
    return lines[0]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "w.sqlite3"
    assert soreg("--db", str(path), "init", "--window", "W01").returncode == 0
    done = soreg("--db", str(path), "user", "add", "admin", "--name", "王管理", "--roles", "admin",
                 "--password-stdin", stdin="admin-pass-1\n")
    assert done.returncode == 0, done.stderr
    return path


def test_init_user_add_and_list(db):
    added = soreg("--db", str(db), "--user", "admin", "user", "add", "zhang", "--name", "张三", "--roles",
                  "clerk,reviewer", "--password-stdin", stdin="clerk-pass-1\n", password="admin-pass-1")
    assert added.returncode == 0, added.stderr
    listing = soreg("--db", str(db), "--user", "admin", "user", "list", password="admin-pass-1")
    assert "zhang\t张三\t窗口受理、审核\t启用" in listing.stdout
    assert soreg("--db", str(db), "--user", "admin", "audit", "verify", password="admin-pass-1").returncode == 0


def test_wrong_password_and_unknown_user_are_refused_and_nothing_is_added(db):
    for user, password in (("admin", "wrong-pass"), ("ghost", "admin-pass-1")):
        result = soreg("--db", str(db), "--user", user, "user", "add", "li", "--roles", "clerk",
                       "--password-stdin", stdin="li-pass-123\n", password=password)
        assert result.returncode != 0
        assert "用户名或密码不正确" in _one_chinese_line(result.stderr)
    assert "li\t" not in soreg("--db", str(db), "--user", "admin", "user", "list", password="admin-pass-1").stdout


def test_first_user_must_be_an_administrator(tmp_path):
    path = tmp_path / "w.sqlite3"
    soreg("--db", str(path), "init", "--window", "W02")
    result = soreg("--db", str(path), "user", "add", "li", "--roles", "clerk", "--password-stdin", stdin="li-pass-123\n")
    assert result.returncode != 0 and "第一个用户必须是管理员" in _one_chinese_line(result.stderr)


def test_unwritable_db_path_is_refused_and_nothing_is_written(tmp_path):
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    result = soreg("--db", str(blocker / "w.sqlite3"), "init", "--window", "W01")
    assert result.returncode != 0
    assert "无法创建数据库所在的文件夹" in _one_chinese_line(result.stderr)
    assert not list(tmp_path.rglob("*.sqlite3*"))


def test_a_file_that_is_not_sqlite_is_refused_and_unchanged(tmp_path):
    memo = tmp_path / "memo.docx"
    memo.write_bytes(b"PK\x03\x04 not a database")
    result = soreg("--db", str(memo), "user", "list")
    assert result.returncode != 0
    assert "不是本程序的数据库" in _one_chinese_line(result.stderr)
    assert memo.read_bytes() == b"PK\x03\x04 not a database"


def test_bad_arguments_get_one_chinese_line(db):
    for args in (("user", "frob"), ("user", "add", "x"), ("init",), ("nonsense",)):
        result = soreg("--db", str(db), *args)
        assert result.returncode == 2
        assert _one_chinese_line(result.stderr).startswith("参数错误")


def test_audit_verify_names_the_edited_row(db):
    import sqlite3

    with sqlite3.connect(db) as conn:
        conn.execute("update audit_events set actor = 'mallory' where seq = 2")
    result = soreg("--db", str(db), "--user", "admin", "audit", "verify", password="admin-pass-1")
    assert result.returncode != 0
    assert "第 2 条记录的内容已被改动" in _one_chinese_line(result.stderr)


def test_default_database_lives_in_soreg_home(tmp_path):
    home = tmp_path / "data"
    assert soreg("init", "--window", "W03", home=home).returncode == 0
    assert (home / "soreg.sqlite3").exists()
