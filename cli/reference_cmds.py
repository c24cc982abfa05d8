"""Subcommand for the centre's reference data (基础数据): central publish-reference."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_reference_commands(central: argparse._SubParsersAction) -> None:
    """Add ``publish-reference`` to the ``central`` subcommands."""
    publish = central.add_parser("publish-reference",
                                 help="把基础数据（街镇、组织类型、领域词、禁用词等 JSON 文件）发布到中心，各窗口同步后使用")
    publish.add_argument("--url", required=True, help="中心数据库管理员地址")
    publish.add_argument("files", nargs="*", type=Path, metavar="文件",
                         help="要发布的 JSON 文件，文件名即数据名，例如 streets.json（默认：程序自带的全部基础数据文件）")
    publish.set_defaults(handler=cmd_central_publish_reference)


def cmd_central_publish_reference(args: argparse.Namespace) -> int:
    from sync.reference_publish import publish_reference

    done = publish_reference(args.url, args.files)
    for label, names in (("新增", done.added), ("更新", done.changed), ("未变", done.unchanged)):
        print(f"{label}：{'、'.join(names) if names else '无'}")
    if done.added or done.changed:
        print(f"已发布 {len(done.added) + len(done.changed)} 个文件，各窗口下次同步后使用。")
    else:
        print("中心的基础数据已是这些文件的内容，无需发布。")
    return 0
