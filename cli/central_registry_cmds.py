"""``central registry import FILE --url ADMIN_URL``: the bureau's load of its registry into the centre."""

from __future__ import annotations

import argparse


def add_registry_commands(central: argparse._SubParsersAction) -> None:
    registry = central.add_parser("registry", help="中心登记库").add_subparsers(
        dest="central_registry_command", metavar="操作", required=True)
    imp = registry.add_parser(
        "import", help="把本局现有的登记库从 .xlsx 或 .csv 文件导入中心（全部成功或全部不导入；各窗口下次同步时收到）")
    imp.add_argument("file", metavar="FILE", help="表头为中文的 .xlsx 或 .csv（UTF-8 或 GBK/GB18030）文件，列与窗口的 registry import 相同")
    imp.add_argument("--url", required=True, help="中心数据库管理员地址，例如 postgresql://postgres@主机/soreg")
    imp.set_defaults(handler=cmd_central_registry_import)


def cmd_central_registry_import(args: argparse.Namespace) -> int:
    from cli.registry_cmds import StderrProgress
    from sync.central_registry import import_central_registry

    summary = import_central_registry(args.url, args.file, progress=StderrProgress())
    print(f"中心登记库：{summary}。各窗口下次同步时收到。")
    return 0
