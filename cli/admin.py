"""Subcommands for setting up a window: init, user add|list|disable, audit verify."""

from __future__ import annotations

import argparse
import sys

from accounts.users import (
    SYSTEM_ACTOR,
    create_user,
    disable_user,
    has_users,
    list_users,
    parse_roles,
)
from accounts.window import init_window
from cli.session import acting_user, read_password, store_for
from models.accounts import Role
from models.audit import verify_chain
from models.errors import SoregError
from signing.setup import window_key_at_setup


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="初始化本窗口（创建数据库并设定窗口代码）")
    p.add_argument("--window", required=True, help="窗口代码，例如 W01（用于办件编号）")
    p.set_defaults(handler=cmd_init)

    user = sub.add_parser("user", help="用户管理").add_subparsers(dest="user_command", metavar="操作", required=True)
    add = user.add_parser("add", help="新增用户（第一个用户须为管理员，无需 --user）")
    add.add_argument("username", help="登录用户名")
    add.add_argument("--name", default="", help="姓名")
    add.add_argument("--roles", required=True, help="角色，逗号分隔：clerk,reviewer,approver,admin 或 窗口受理,审核,审批,管理员")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取新用户的密码")
    add.set_defaults(handler=cmd_user_add)
    lst = user.add_parser("list", help="列出用户")
    lst.set_defaults(handler=cmd_user_list)
    dis = user.add_parser("disable", help="停用用户")
    dis.add_argument("username")
    dis.set_defaults(handler=cmd_user_disable)

    audit = sub.add_parser("audit", help="审计日志").add_subparsers(dest="audit_command", metavar="操作", required=True)
    ver = audit.add_parser("verify", help="校验审计日志的哈希链")
    ver.set_defaults(handler=cmd_audit_verify)


def cmd_init(args: argparse.Namespace) -> int:
    store = store_for(args, create=True)
    code = init_window(store, args.window, actor=SYSTEM_ACTOR)
    print(f"窗口 {code} 已初始化，数据库：{store.path}")
    warning = window_key_at_setup(store, code, actor=SYSTEM_ACTOR)
    if warning:
        sys.stderr.write(warning + "\n")
    if not has_users(store):
        print("下一步：用 user add 创建第一个管理员，例如 user add admin --name 张三 --roles admin")
    return 0


def cmd_user_add(args: argparse.Namespace) -> int:
    store = store_for(args)
    roles = parse_roles(args.roles)
    if has_users(store):
        actor = acting_user(args, store, role=Role.ADMIN).username
    else:
        if Role.ADMIN not in roles:
            raise SoregError("第一个用户必须是管理员，请在 --roles 中加上 admin。", field="--roles")
        actor = SYSTEM_ACTOR
    password = read_password(f"新用户 {args.username} 的密码：", from_stdin=args.password_stdin, confirm=True)
    user = create_user(store, username=args.username, display_name=args.name, password=password, roles=roles, actor=actor)
    print(f"已创建用户 {user.username}（{user.display_name}），角色：{user.role_labels}")
    return 0


def cmd_user_list(args: argparse.Namespace) -> int:
    store = store_for(args)
    for u in list_users(store):
        state = "启用" if u.active else "停用"
        print(f"{u.username}\t{u.display_name}\t{u.role_labels}\t{state}")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    store = store_for(args)
    actor = acting_user(args, store, role=Role.ADMIN)
    if actor.username == args.username.strip():
        raise SoregError("不能停用自己的账户。", field="用户名")
    user = disable_user(store, args.username, actor=actor.username)
    print(f"已停用用户 {user.username}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    store = store_for(args)
    with store.read() as session:
        report = verify_chain(session)
    if report.ok:
        print(f"审计日志完整：共 {report.checked} 条记录，哈希链校验通过。")
        return 0
    sys.stderr.write(f"审计日志被篡改：{report.reason}（此前 {report.checked} 条校验通过）。\n")
    return 3
