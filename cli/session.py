"""What every subcommand needs: the open store, the acting user, passwords read safely."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from accounts.users import UserInfo, authenticate
from models.accounts import Role
from models.errors import SoregError
from models.store import Store, open_store


def store_for(args: argparse.Namespace, *, create: bool = False) -> Store:
    """The store named by ``--db``, with the centre's reference data it holds in use."""
    from sync.reference_use import use_central_reference

    store = open_store(args.db, create=create)
    use_central_reference(store)
    return store


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


def acting_user(args: argparse.Namespace, store: Store, *, role: Role | None = None) -> UserInfo:
    """Log in the user named by ``--user`` (password from SOREG_PASSWORD or a prompt)."""
    if not args.user:
        raise SoregError("此命令需要用 --user 指定执行人（用户名）。", field="--user")
    password = os.environ.get("SOREG_PASSWORD")
    if password is None:
        password = read_password(f"用户 {args.user} 的密码：")
    user = authenticate(store, args.user, password)
    if role is not None and not user.has(role):
        raise SoregError(f"用户“{user.username}”没有“{role.label}”角色，不能执行此操作。", field="--user")
    return user
