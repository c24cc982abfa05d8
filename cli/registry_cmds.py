"""Subcommands for the registry data: registry import, codes add-block|status, uscc validate, demo."""

from __future__ import annotations

import argparse
import json
import sys
import time

from cli.session import logged_in_store, store_for
from models.accounts import Role
from registry.code_blocks import add_block, code_supply
from registry.credit_code import validate_credit_code
from registry.demo import fill_demo
from spreadsheets.registry_import import import_registry


class StderrProgress:
    """Progress for the terminal: one line on stderr at every 5 % of each phase (every
    10,000 items when the total is not known)."""

    STEP = 5
    UNSIZED_STEP = 10_000

    def __init__(self) -> None:
        self._shown: dict[str, int] = {}

    def report(self, done: int, total: int | None = None, text: str = "") -> None:
        if total:
            mark = min(100, done * 100 // total) // self.STEP * self.STEP
            line = f"{text} {mark}%（{done}/{total}）"
        else:
            mark = done // self.UNSIZED_STEP
            line = f"{text} {done} 行"
        if mark > self._shown.get(text, -1):
            self._shown[text] = mark
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    @property
    def cancelled(self) -> bool:
        return False


def register(sub: argparse._SubParsersAction) -> None:
    registry = sub.add_parser("registry", help="登记库").add_subparsers(dest="registry_command", metavar="操作", required=True)
    imp = registry.add_parser("import", help="从 .xlsx 或 .csv 文件导入登记库（全部成功或全部不导入；需管理员 --user）。"
                              "已连接中心的窗口：新组织随同步报中心，对已有组织的变更提交中心复核（待复核）")
    imp.add_argument("file", metavar="FILE", help="表头为中文的 .xlsx 或 .csv（UTF-8 或 GBK/GB18030）文件")
    imp.set_defaults(handler=cmd_registry_import)

    codes = sub.add_parser("codes", help="组织机构代码号段").add_subparsers(dest="codes_command", metavar="操作", required=True)
    add = codes.add_parser("add-block", help="载入号段（需管理员 --user）")
    add.add_argument("first", metavar="FIRST", help="第一个组织机构代码的前 8 位（不含校验位）")
    add.add_argument("count", metavar="COUNT", type=int, help="代码个数")
    add.set_defaults(handler=cmd_codes_add_block)
    status = codes.add_parser("status", help="各号段的使用情况")
    status.set_defaults(handler=cmd_codes_status)

    uscc = sub.add_parser("uscc", help="统一社会信用代码").add_subparsers(dest="uscc_command", metavar="操作", required=True)
    val = uscc.add_parser("validate", help="校验统一社会信用代码（全部有效时退出码为 0，否则为 1）")
    val.add_argument("codes", metavar="CODE", nargs="+", help="18 位统一社会信用代码")
    val.add_argument("--json", action="store_true", help='以 JSON 输出：[{"code", "valid", "reason"}]')
    val.set_defaults(handler=cmd_uscc_validate)

    demo = sub.add_parser("demo", help="生成演示数据（虚构的社会组织；只能在 init --demo 建立的演示数据库中，需管理员 --user）")
    demo.add_argument("--orgs", type=int, required=True, metavar="N", help="组织数量")
    demo.add_argument("--seed", type=int, default=1, metavar="S", help="随机种子（相同种子生成相同数据，默认 1）")
    demo.set_defaults(handler=cmd_demo)


def cmd_registry_import(args: argparse.Namespace) -> int:
    store, user = logged_in_store(args, Role.ADMIN)
    summary = import_registry(store, args.file, actor=user.username, progress=StderrProgress())
    print(summary)
    return 0


def cmd_codes_add_block(args: argparse.Namespace) -> int:
    store, user = logged_in_store(args, Role.ADMIN)
    block = add_block(store, args.first, args.count, actor=user.username)
    print(f"已载入号段 {block.first} 至 {block.last}，共 {block.count} 个组织机构代码。")
    return 0


def cmd_codes_status(args: argparse.Namespace) -> int:
    store = store_for(args)
    supply = code_supply(store)
    blocks, threshold = supply.blocks, supply.low_threshold
    if not blocks:
        print("尚未载入任何号段。用 codes add-block FIRST COUNT 载入。")
        return 0
    for b in blocks:
        print(f"{b.first} 至 {b.last}\t共 {b.count}\t已用 {b.used}\t剩余 {b.free}")
    free = sum(b.free for b in blocks)
    low = f"已不足 {threshold} 个，请尽快申领并载入新的号段。" if free < threshold else ""
    print(f"合计剩余 {free} 个。{low}")
    return 0


def cmd_uscc_validate(args: argparse.Namespace) -> int:
    checks = [validate_credit_code(code) for code in args.codes]
    if args.json:
        print(json.dumps([c.as_dict() for c in checks], ensure_ascii=False))
    else:
        for c in checks:
            print(f"{c.code}\t{'有效' if c.valid else '无效'}\t{c.reason}")
    return 0 if all(c.valid for c in checks) else 1


def cmd_demo(args: argparse.Namespace) -> int:
    store, _admin = logged_in_store(args, Role.ADMIN)
    started = time.monotonic()
    count = fill_demo(store, args.orgs, seed=args.seed, progress=StderrProgress())
    print(f"已生成 {count} 个演示组织（种子 {args.seed}），用时 {time.monotonic() - started:.1f} 秒。")
    return 0
