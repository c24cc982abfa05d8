"""Subcommands for the centre's limits and its watchdog: central limits | watchdog."""

from __future__ import annotations

import argparse
import sys

MB = 2**20

# option → (limit, unit factor, what the number means)
_OPTIONS = (
    ("--bytes-per-day-mb", "bytes_per_day", MB, "每个窗口每天可上传多少 MB"),
    ("--call-mb", "call_bytes", MB, "一次上传最多多少 MB（仅中心默认值）"),
    ("--code-blocks-per-hour", "code_blocks_per_hour", 1, "每个窗口每小时可申领几个组织机构代码号段"),
    ("--outstanding-codes", "outstanding_codes", 1, "每个窗口已申领而未使用的组织机构代码最多几个"),
    ("--idle-in-transaction-s", "idle_in_transaction_s", 1, "窗口会话在事务中空闲多少秒即被看门狗结束（仅中心默认值）"),
    ("--transaction-s", "transaction_s", 1, "窗口会话一个事务持续多少秒即被看门狗结束（仅中心默认值）"),
)


def add_limit_commands(central: argparse._SubParsersAction) -> None:
    """Add ``limits`` and ``watchdog`` to the ``central`` subcommands."""
    limits = central.add_parser("limits", help="查看或设置中心的限额（上传量、号段、超时）；加 --window 设置某个窗口自己的限额")
    limits.add_argument("--url", required=True, help="中心数据库管理员地址")
    limits.add_argument("--window", metavar="CODE", help="只设置这个窗口的限额（其余窗口用中心默认值）")
    for option, _key, _factor, text in _OPTIONS:
        limits.add_argument(option, type=int, metavar="N", help=text)
    limits.add_argument("--reset", action="store_true", help="与 --window 一起用：该窗口改回中心默认限额")
    limits.set_defaults(handler=cmd_central_limits)

    watchdog = central.add_parser("watchdog", help="看门狗：结束在事务中停留过久、阻碍各窗口下载更新的窗口会话（常驻运行）")
    watchdog.add_argument("--url", required=True, help="中心数据库管理员地址（超级用户）")
    watchdog.add_argument("--interval", type=float, default=5.0, metavar="SECONDS", help="每隔几秒检查一次（默认 5）")
    watchdog.add_argument("--once", action="store_true", help="只检查一次就退出")
    watchdog.set_defaults(handler=cmd_central_watchdog)


def _shown(key: str, value: int | None) -> str:
    if value is None:
        return "中心默认"
    factor = next(f for _o, k, f, _t in _OPTIONS if k == key)
    return f"{value / factor:g} MB" if factor == MB else str(value)


def cmd_central_limits(args: argparse.Namespace) -> int:
    from models.errors import SoregError
    from sync.central_admin import (
        CENTRE_LIMITS,
        WINDOW_LIMITS,
        centre_limits,
        set_limits,
        set_window_limits,
    )

    given = {key: getattr(args, option[2:].replace("-", "_")) * factor for option, key, factor, _ in _OPTIONS
             if getattr(args, option[2:].replace("-", "_")) is not None}
    if args.window:
        if args.reset:
            given = dict.fromkeys(WINDOW_LIMITS)
        unknown = sorted(set(given) - set(WINDOW_LIMITS))
        if unknown:
            raise SoregError(f"窗口不能有自己的“{CENTRE_LIMITS[unknown[0]]}”，它只有中心默认值（去掉 --window 设置）。",
                             field="--window")
        own = set_window_limits(args.url, args.window, **given)
        print(f"窗口 {args.window.upper()} 的限额：")
        for key, value in own.items():
            print(f"  {CENTRE_LIMITS[key]}：{_shown(key, value)}")
        return 0
    if args.reset:
        raise SoregError("--reset 只能与 --window 一起使用。", field="--reset")
    current = set_limits(args.url, **given) if given else centre_limits(args.url)
    print("中心默认限额：")
    for key, value in current.items():
        print(f"  {CENTRE_LIMITS[key]}：{_shown(key, value)}")
    return 0


def cmd_central_watchdog(args: argparse.Namespace) -> int:
    from sync.central_admin import admin_connect
    from sync.watchdog import sweep, watch

    def report(ended) -> None:
        print(ended.line(), flush=True)

    if args.once:
        with admin_connect(args.url) as conn:
            ended = sweep(conn)
        for session in ended:
            report(session)
        print(f"看门狗检查完毕：结束了 {len(ended)} 个窗口会话。")
        return 0
    sys.stderr.write(f"看门狗已启动，每 {args.interval:g} 秒检查一次（Ctrl+C 停止）。\n")
    watch(args.url, interval_s=args.interval, report=report)
    return 0
