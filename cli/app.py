"""Argument parsing and dispatch: one Chinese line on stderr and a non-zero exit for bad input."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from models.errors import SoregError

# Modules that add subcommands: each has ``register(subparsers)``.
COMMAND_MODULES = ("cli.admin", "cli.namecheck_cmd", "cli.print_cmds", "cli.registry_cmds", "cli.case_cmds", "cli.sync_cmds")

_ARGPARSE_MESSAGES = (
    (re.compile(r"the following arguments are required: (.+)"), "缺少必填参数：{0}"),
    (re.compile(r"argument (\S+): invalid choice: '?([^' ]*)'? \(choose from (.+)\)"), "参数 {0} 的值“{1}”无效，可选：{2}"),
    (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 需要一个值"),
    (re.compile(r"argument (\S+): invalid (\w+) value: '?([^']*)'?"), "参数 {0} 的值“{2}”格式不对"),
    (re.compile(r"unrecognized arguments: (.+)"), "无法识别的参数：{0}"),
    (re.compile(r"one of the arguments (.+) is required"), "须指定其中一个参数：{0}"),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)"), "参数 {0} 不能与 {1} 同时使用"),
    (re.compile(r"invalid choice: '?([^' ]*)'? \(choose from (.+)\)"), "命令“{0}”不存在，可选：{1}"),
)


def _translate(message: str) -> str:
    for pattern, template in _ARGPARSE_MESSAGES:
        match = pattern.search(message)
        if match:
            return template.format(*match.groups())
    return message


class ChineseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one Chinese line and exit code 2."""

    def error(self, message: str):  # type: ignore[override]
        sys.stderr.write(f"参数错误：{_translate(message)}。用 --help 查看用法。\n")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    import importlib

    parser = ChineseArgumentParser(
        prog="soreg",
        description="社会组织登记窗口。不带子命令时启动图形界面。",
    )
    parser.add_argument("--db", type=Path, help="数据库文件路径（默认在数据文件夹中，环境变量 SOREG_HOME 可改变数据文件夹）")
    parser.add_argument("--user", help="以哪个用户的身份执行（密码从环境变量 SOREG_PASSWORD 或提示输入读取）")
    sub = parser.add_subparsers(dest="command", parser_class=ChineseArgumentParser, metavar="子命令")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def run(argv: Sequence[str]) -> int:
    """Run one subcommand; return the exit code. Never lets a traceback reach the clerk."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        code = handler(args) or 0
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except BrokenPipeError:  # the reader went away (``verify-qr … | head``): nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a process ended by a closed pipe
    except SoregError as exc:
        sys.stderr.write(f"错误：{exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("已取消。\n")
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence for the clerk
        from models.store import damaged_store_message, default_db_path, is_damage

        if is_damage(getattr(exc, "orig", exc)):  # a damaged page that opening the store did not read
            sys.stderr.write(f"错误：{damaged_store_message(args.db or default_db_path())}\n")
            return 2
        from models.crashlog import write_crash_log

        log = write_crash_log(exc)
        sys.stderr.write(f"内部错误（{exc.__class__.__name__}），详情已写入 {log}，请联系管理员。\n")
        return 1
    finally:
        from cli.session import close_stores

        close_stores()
