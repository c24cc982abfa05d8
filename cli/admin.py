"""Subcommands for setting up and keeping a window: init, user add|list|disable, audit verify, backup, restore."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from accounts.users import (
    SYSTEM_ACTOR,
    create_user,
    disable_user,
    has_users,
    list_users,
    lock_status,
    parse_roles,
)
from accounts.window import init_window
from cli.session import acting_user, logged_in_store, read_password, store_for
from models.accounts import Role
from models.audit import verify_chain
from models.backup import (
    BackupReason,
    backup_store,
    list_backups,
    restore_store,
    set_backup_settings,
)
from models.errors import SoregError
from models.store import default_db_path
from signing.setup import window_key_at_setup


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help="初始化本窗口（创建数据库并设定窗口代码）")
    p.add_argument("--window", required=True, help="窗口代码，例如 W01（用于办件编号）")
    p.add_argument("--demo", action="store_true",
                   help="建立演示数据库：只有它能用 demo --orgs 和 cases demo 生成演示数据，它不能与中心同步")
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

    backup = sub.add_parser("backup", help="立即备份数据库到数据文件夹的 backups 和第二备份位置（需管理员 --user）")
    backup.add_argument("--list", action="store_true", help="只列出已有的备份，不备份")
    backup.add_argument("--keep", type=int, metavar="N", help="设置每个位置保留的备份份数（默认 14）")
    backup.add_argument("--second-folder", metavar="PATH",
                        help="设置第二备份位置，例如 U 盘上的文件夹；给空字符串 \"\" 则取消")
    backup.set_defaults(handler=cmd_backup)
    restore = sub.add_parser("restore", help="从备份恢复数据库：先检查备份、保留当前数据库的副本；须先退出图形界面（需管理员 --user）")
    restore.add_argument("file", metavar="FILE", type=Path, help="备份文件（backups 文件夹或 U 盘上的 .sqlite3 文件）")
    restore.set_defaults(handler=cmd_restore)


def cmd_init(args: argparse.Namespace) -> int:
    store = store_for(args, create=True)
    actor = acting_user(args, store, role=Role.ADMIN).username if has_users(store) else SYSTEM_ACTOR
    code = init_window(store, args.window, actor=actor, demo=args.demo)
    print(f"窗口 {code} 已初始化，数据库：{store.path}")
    if args.demo:
        print("这是演示数据库：可用 demo --orgs N 和 cases demo N 生成演示数据；它不能与中心同步。")
    warning = window_key_at_setup(store, code, actor=actor)
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
    store, _admin = logged_in_store(args, Role.ADMIN)
    for u in list_users(store):
        state = ("启用" if u.active else "停用") + (f"（{locked}）" if (locked := lock_status(u)) else "")
        print(f"{u.username}\t{u.display_name}\t{u.role_labels}\t{state}")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    store, actor = logged_in_store(args, Role.ADMIN)
    if actor.username == args.username.strip():
        raise SoregError("不能停用自己的账户。", field="用户名")
    user = disable_user(store, args.username, actor=actor.username)
    print(f"已停用用户 {user.username}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    store, _admin = logged_in_store(args, Role.ADMIN)
    report = verify_chain(store)
    if report.ok:
        print(f"审计日志完整：共 {report.checked} 条记录，哈希链校验通过。")
        return 0
    sys.stderr.write(f"审计日志被篡改：{report.reason}（此前 {report.checked} 条校验通过）。\n")
    return 3


def cmd_backup(args: argparse.Namespace) -> int:
    store, admin = logged_in_store(args, Role.ADMIN)
    if args.list:
        backups = list_backups(store)
        for b in backups:
            print(f"{b.made_at:%Y-%m-%d %H:%M:%S}\t{b.reason.label}\t{b.size_bytes / 1048576:.1f} MB\t{b.path}")
        print(f"共 {len(backups)} 份备份。" if backups else "还没有备份。")
        return 0
    if args.keep is not None or args.second_folder is not None:
        from models.backup import backup_settings

        current = backup_settings(store)
        second = current.second_folder if args.second_folder is None else args.second_folder
        changed = set_backup_settings(store, keep=current.keep if args.keep is None else args.keep,
                                      second_folder=second, actor=admin.username)
        print(f"备份设置：每个位置保留 {changed.keep} 份；第二备份位置：{changed.second_folder or '未设置'}。")
    result = backup_store(store, BackupReason.MANUAL, actor=admin.username)
    for made in result.backups:
        print(f"已备份并检查通过：{made.path}（{made.size_bytes / 1048576:.1f} MB）")
    for problem in result.problems:
        sys.stderr.write(f"提示：{problem}\n")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    path = args.db or default_db_path()
    result = restore_store(path, args.file,
                           authorize=lambda store: acting_user(args, store, role=Role.ADMIN).username)
    print(f"已用备份 {result.restored_from} 恢复窗口 {result.window_code} 的数据库 {path}。")
    if result.kept_copy is not None:
        print(f"恢复前的数据库已保存为 {result.kept_copy}。")
    print("请尽快同步：同步会向中心取回本窗口在这份备份之后办理的记录。")
    return 0
