"""What every subcommand needs: the open store, the acting user, passwords read safely.

Every subcommand that reads personal data or changes anything logs in first (``acting_user``),
with the role it needs; tests/test_cli_login.py lists which command needs what.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from accounts.users import UserInfo, authenticate, has_users
from models.accounts import Role
from models.errors import SoregError
from models.store import Store, open_store

_opened: list[Store] = []


def store_for(args: argparse.Namespace, *, create: bool = False) -> Store:
    """The store named by ``--db``, with the centre's reference data it holds in use; closed when
    the command ends (``close_stores``)."""
    from sync.reference_use import use_central_reference

    store = open_store(args.db, create=create)
    _opened.append(store)
    use_central_reference(store)
    return store


def close_stores() -> None:
    """Close the stores the command opened, so that none holds the database after it; what went
    wrong with the day's backup made at opening goes to stderr as a note."""
    while _opened:
        store = _opened.pop()
        store.close()
        for problem in store.backup_problems:
            sys.stderr.write(f"提示：{problem}\n")


def read_password(prompt: str, *, from_stdin: bool = False, confirm: bool = False) -> str:
    """A password from standard input (one line) or an interactive prompt."""
    if from_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise SoregError("没有从标准输入读到密码。", field="密码")
        return line.rstrip("\r\n")
    password = getpass.getpass(prompt)
    if confirm and getpass.getpass("再输入一次：") != password:
        raise SoregError("两次输入的密码不一致。", field="密码")
    return password


def acting_user(args: argparse.Namespace, store: Store, *, role: Role | frozenset[Role] | None = None) -> UserInfo:
    """Log in the user named by ``--user`` (password from SOREG_PASSWORD or a prompt); with
    ``role``, the user must hold it (or one of them)."""
    if not args.user:
        if not has_users(store):
            raise SoregError("此命令需要用 --user 指定执行人，但本窗口还没有用户：请先用 user add 创建第一个管理员。",
                             field="--user")
        raise SoregError("此命令需要用 --user 指定执行人（用户名），密码从环境变量 SOREG_PASSWORD 或提示输入读取。",
                         field="--user")
    password = os.environ.get("SOREG_PASSWORD")
    if password is None:
        password = read_password(f"用户 {args.user} 的密码：")
    user = authenticate(store, args.user, password)
    roles = frozenset({role}) if isinstance(role, Role) else role
    if roles and not roles & user.roles:
        needed = "或".join(f"“{r.label}”" for r in sorted(roles))
        raise SoregError(f"用户“{user.username}”没有{needed}角色，不能执行此操作。", field="--user")
    return user


def logged_in_store(args: argparse.Namespace, role: Role | frozenset[Role] | None = None) -> tuple[Store, UserInfo]:
    """The store of ``--db`` and the user logged in on it (with ``role``): the first step of every
    command that reads personal data or changes anything."""
    store = store_for(args)
    return store, acting_user(args, store, role=role)
