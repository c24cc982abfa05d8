"""Subcommands for the centre and sync: central init | add-window | connect, sync [--status]
(the centre's reviews, reference data, limits and watchdog: cli/central_*_cmds.py)."""

from __future__ import annotations

import argparse
import sys
import time

from accounts.users import SYSTEM_ACTOR, has_users
from cli.central_limits_cmds import add_limit_commands
from cli.central_registry_cmds import add_registry_commands
from cli.central_review_cmds import add_review_commands
from cli.reference_cmds import add_reference_commands
from cli.session import acting_user, logged_in_store, read_password, store_for
from models.accounts import Role


def register(sub: argparse._SubParsersAction) -> None:
    central = sub.add_parser("central", help="中心数据库：初始化、登记窗口、设置本窗口的连接").add_subparsers(
        dest="central_command", metavar="操作", required=True)
    init = central.add_parser("init", help="创建或升级中心数据库的表、函数和权限（需超级用户）")
    init.add_argument("--url", required=True, help="中心数据库管理员地址，例如 postgresql://postgres@主机/soreg")
    init.add_argument("--code-start", default="MJ000001", help="组织机构代码号段池的第一个代码本体（8 位，默认 MJ000001）")
    init.add_argument("--shared-cluster", action="store_true",
                      help="中心与其他数据库共用一个 PostgreSQL 集群：不收回其他数据库的 PUBLIC 连接权限"
                           "（须在 pg_hba.conf 中另行限制窗口账户，见 installer/README.md）")
    init.set_defaults(handler=cmd_central_init)

    add = central.add_parser("add-window", help="为一个窗口创建中心登录账户（只能调用同步函数）")
    add.add_argument("code", help="窗口代码，例如 W01")
    add.add_argument("--url", required=True, help="中心数据库管理员地址")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取该窗口账户的密码（否则自动生成）")
    add.set_defaults(handler=cmd_central_add_window)

    con = central.add_parser("connect", help="设置本窗口连接中心的地址，密码存入系统密钥环")
    con.add_argument("--url", required=True, help="例如 postgresql://soreg_w_w01@主机:5432/soreg（不含密码）")
    con.add_argument("--sslmode", default="prefer", help="SSL 模式：disable/allow/prefer/require/verify-ca/verify-full")
    con.add_argument("--allow-file-keyring", action="store_true",
                     help="没有系统密钥环时改用文件密钥环（keyrings.alt，安全性较低）")
    con.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    con.set_defaults(handler=cmd_central_connect)
    add_review_commands(central)
    add_registry_commands(central)
    add_reference_commands(central)
    add_limit_commands(central)

    sync = sub.add_parser("sync", help="与中心同步（上传本窗口的记录，下载登记库等）")
    sync.add_argument("--status", action="store_true", help="只显示上次同步时间、待上传条数和提示")
    sync.set_defaults(handler=cmd_sync)


def cmd_central_init(args: argparse.Namespace) -> int:
    from sync.central_admin import init_central

    revision = init_central(args.url, code_start=args.code_start, shared_cluster=args.shared_cluster)
    print(f"中心数据库已就绪（结构版本 {revision}）。下一步：用 central add-window 为每个窗口创建账户。")
    return 0


def cmd_central_add_window(args: argparse.Namespace) -> int:
    from sync.central_admin import add_window

    password = read_password("该窗口账户的密码：", from_stdin=True, confirm=False) if args.password_stdin else None
    role = add_window(args.url, args.code, password=password)
    print(f"窗口 {role.code} 的中心账户：{role.role}")
    if password is None:
        print(f"密码：{role.password}（只显示这一次，请在该窗口用 central connect 设置后妥善销毁）")
    return 0


def cmd_central_connect(args: argparse.Namespace) -> int:
    from sync.connection import CentralSettings, check_url, save_central_settings

    store = store_for(args)
    actor = acting_user(args, store, role=Role.ADMIN).username if has_users(store) else SYSTEM_ACTOR
    settings = CentralSettings(url=check_url(args.url), sslmode=args.sslmode,
                               allow_file_keyring=args.allow_file_keyring)
    password = read_password(f"中心账户 {settings.role} 的密码：", from_stdin=args.password_stdin)
    save_central_settings(store, settings, password, actor=actor)
    print(f"已设置中心连接：{settings.url}（sslmode={settings.sslmode}），密码已存入密钥环。")
    from sync.recovery import check_reinstall

    note = check_reinstall(store, settings, actor=actor)
    if note:
        print(note)
    return 0


class _StderrProgress:
    """Progress on one line of stderr, at most a few times a second."""

    def __init__(self) -> None:
        self._last = 0.0

    def report(self, done: int, total: int | None = None, text: str = "") -> None:
        now = time.monotonic()
        if now - self._last < 0.2:
            return
        self._last = now
        count = f"{done}/{total}" if total else str(done)
        sys.stderr.write(f"\r{text}：{count}   ")
        sys.stderr.flush()

    @property
    def cancelled(self) -> bool:
        return False


def cmd_sync(args: argparse.Namespace) -> int:
    from sync.connection import central_settings
    from sync.notices import list_notices
    from sync.runner import run_sync, sync_status

    store, _user = logged_in_store(args)
    if not args.status:
        report = run_sync(store, central_settings(store), _StderrProgress())
        sys.stderr.write("\r")
        print(report.summary())
    status = sync_status(store)
    last = status.last_sync_at.strftime("%Y-%m-%d %H:%M:%S") + " (UTC)" if status.last_sync_at else "从未同步"
    print(f"上次同步：{last}；待上传：{status.pending} 条。")
    if status.last_error:
        print(f"上次同步出错：{status.last_error}")
    for notice in list_notices(store):
        print(f"【{notice.kind}】{notice.reason}")
    return 0
