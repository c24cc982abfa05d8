"""Every subcommand that reads personal data or changes anything asks for a login with the right role.

Each subcommand is classified below; a new subcommand that is not fails
``test_every_subcommand_is_classified``. The commands run in this process (``cli.app.run``) on one
window with an administrator, a clerk and an approver.
"""

from __future__ import annotations

import argparse

import pytest

from accounts.users import create_user
from accounts.window import init_window
from cli.app import build_parser, run
from models.accounts import Role
from models.store import open_store

PASSWORD = "Login-Test-2026"
NOT_LOGGED_IN = "需要用 --user 指定执行人"

# Administrator only: accounts, the audit trail, registry data, keys, the centre, backups, demo data.
ADMIN = {
    "user list": ["user", "list"],
    "user add": ["user", "add", "li", "--roles", "clerk", "--password-stdin"],
    "user disable": ["user", "disable", "clerk"],
    "init": ["init", "--window", "W01"],
    "audit verify": ["audit", "verify"],
    "registry import": ["registry", "import", "orgs.xlsx"],
    "codes add-block": ["codes", "add-block", "MA1A0001", "10"],
    "window-key create": ["window-key", "create"],
    "central connect": ["central", "connect", "--url", "postgresql://soreg_w_w01@127.0.0.1:1/soreg", "--password-stdin"],
    "backup": ["backup"],
    "restore": ["restore", "old.sqlite3"],
    "demo": ["demo", "--orgs", "5"],
    "cases demo": ["cases", "demo", "5"],
}
# The 失信人员名单 with its ID numbers: those who maintain it (administrator, approver).
MANAGERS = {
    "dishonest add": ["dishonest", "add", "310105196005010013", "李建国", "--listed-on", "2026-01-05", "--source", "长民罚〔2026〕1号"],
    "dishonest remove": ["dishonest", "remove", "310105196005010013", "--on", "2026-02-01"],
    "dishonest list": ["dishonest", "list"],
}
# Any logged-in user: cases and their persons, printed documents, sync.
ANY_ROLE = {
    "cases show": ["cases", "show", "JX-W01-2026-000001"],
    **{f"print {doc}": ["print", doc, "JX-W01-2026-000001", "--out", "x.pdf"]
       for doc in ("certificate", "receipt", "notice", "collection-receipt", "name-slip")},
    "sync": ["sync"],
}
# Neither personal data nor a change: public registry data, public keys, check digits, a calibration
# grid. The centre's commands are authenticated by PostgreSQL (the administrator's URL).
OPEN = {
    "namecheck", "uscc validate", "verify-qr", "window-key list", "codes status", "print calibration",
    "central init", "central add-window", "central reviews", "central resolve", "central publish-reference",
    "central registry import", "central limits", "central watchdog",
}


def _leaf_commands(parser: argparse.ArgumentParser, prefix: str = "") -> set[str]:
    found = set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found |= _leaf_commands(sub, f"{prefix} {name}".strip())
    return found or {prefix}


def test_every_subcommand_is_classified():
    classified = set(ADMIN) | set(MANAGERS) | set(ANY_ROLE) | OPEN
    assert _leaf_commands(build_parser()) == classified


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("login") / "w.sqlite3"
    store = open_store(path)
    init_window(store, "W01", actor="system")
    for name, roles in (("admin", {Role.ADMIN}), ("clerk", {Role.CLERK, Role.REVIEWER}), ("approver", {Role.APPROVER})):
        create_user(store, username=name, display_name=name, password=PASSWORD, roles=frozenset(roles), actor="system")
    store.close()
    return path


def _run(db, capsys, monkeypatch, argv, user=None, password=PASSWORD) -> tuple[int, str]:
    monkeypatch.setenv("SOREG_PASSWORD", password)
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("some-pass-123\n"))
    capsys.readouterr()
    code = run(["--db", str(db), *(["--user", user] if user else []), *argv])
    return code, capsys.readouterr().err


def _refused(code: int, err: str, *needles: str) -> None:
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
    assert all(n in err for n in needles), err


@pytest.mark.parametrize("command", sorted(ADMIN))
def test_administrator_commands_need_an_administrator(db, capsys, monkeypatch, command):
    _refused(*_run(db, capsys, monkeypatch, ADMIN[command]), NOT_LOGGED_IN)
    _refused(*_run(db, capsys, monkeypatch, ADMIN[command], user="admin", password="wrong-pass-1"), "用户名或密码不正确")
    _refused(*_run(db, capsys, monkeypatch, ADMIN[command], user="clerk"), "没有“管理员”角色")


@pytest.mark.parametrize("command", sorted(MANAGERS))
def test_the_dishonest_list_needs_an_administrator_or_approver(db, capsys, monkeypatch, command):
    _refused(*_run(db, capsys, monkeypatch, MANAGERS[command]), NOT_LOGGED_IN)
    _refused(*_run(db, capsys, monkeypatch, MANAGERS[command], user="clerk"), "角色")
    code, err = _run(db, capsys, monkeypatch, MANAGERS[command], user="approver")
    assert "角色" not in err and "--user" not in err


@pytest.mark.parametrize("command", sorted(ANY_ROLE))
def test_case_print_and_sync_commands_need_a_login(db, capsys, monkeypatch, command):
    _refused(*_run(db, capsys, monkeypatch, ANY_ROLE[command]), NOT_LOGGED_IN)
    _refused(*_run(db, capsys, monkeypatch, ANY_ROLE[command], user="ghost"), "用户名或密码不正确")
    code, err = _run(db, capsys, monkeypatch, ANY_ROLE[command], user="clerk")
    assert "用户名或密码" not in err and "--user" not in err and "角色" not in err  # past the login: the case is unknown


def test_open_commands_run_without_a_login(db, capsys, monkeypatch):
    for argv in (["namecheck", "上海市长宁区阳光养老服务中心", "--type", "民办非企业单位"], ["codes", "status"],
                 ["window-key", "list"], ["uscc", "validate", "91350100M000100Y43"]):
        code, err = _run(db, capsys, monkeypatch, argv)
        assert code == 0, err
