"""Subcommands for cases (办件): cases demo N, cases show CASE_NO."""

from __future__ import annotations

import argparse
import time
from datetime import date

from cli.registry_cmds import StderrProgress
from cli.session import store_for
from workflow.demo import fill_demo_cases
from workflow.queries import case_history, get_case


def register(sub: argparse._SubParsersAction) -> None:
    cases = sub.add_parser("cases", help="办件").add_subparsers(dest="cases_command", metavar="操作", required=True)
    demo = cases.add_parser("demo", help="生成演示办件（分布于各个办理状态）")
    demo.add_argument("count", type=int, metavar="N", help="办件数量")
    demo.add_argument("--seed", type=int, default=1, metavar="S", help="随机种子（默认 1）")
    demo.set_defaults(handler=cmd_demo)
    show = cases.add_parser("show", help="显示一个办件及其办理过程")
    show.add_argument("case_no", metavar="办件编号")
    show.set_defaults(handler=cmd_show)


def cmd_demo(args: argparse.Namespace) -> int:
    store = store_for(args)
    started = time.perf_counter()
    count = fill_demo_cases(store, args.count, seed=args.seed, progress=StderrProgress())
    print(f"已生成 {count} 个演示办件，用时 {time.perf_counter() - started:.1f} 秒。")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    store = store_for(args)
    case = get_case(store, args.case_no)
    deadline = case.deadline(date.today())
    print(f"{case.case_no}\t{case.business_type}\t{case.org_type}\t{case.name}")
    print(f"状态：{case.state}\t受理人：{case.accepted_by}\t承诺办结日：{deadline.due_date:%Y-%m-%d}"
          f"（剩余 {deadline.working_days_left} 个工作日{'，已超期' if deadline.overdue else ''}"
          f"{'，补正中时限中止' if deadline.stopped else ''}）\t法定期限：{deadline.statutory_due_date:%Y-%m-%d}")
    if case.credit_code:
        print(f"统一社会信用代码：{case.credit_code}")
    for step in case_history(store, args.case_no):
        reasons = f"\t理由：{'；'.join(step.reasons)}" if step.reasons else ""
        print(f"{step.seq}\t{step.at:%Y-%m-%d %H:%M}\t{step.from_state or ''} → {step.to_state}\t{step.actor}\t{step.note}{reasons}")
    return 0
