"""Subcommands for cases (办件): cases demo N, cases show CASE_NO; dishonest add|remove|list (失信人员名单)."""

from __future__ import annotations

import argparse
import time
from datetime import date

from cli.registry_cmds import StderrProgress
from cli.session import logged_in_store
from models.accounts import Role
from workflow.demo import fill_demo_cases
from workflow.dishonest import MANAGERS, list_person, listed_persons, remove_person
from workflow.queries import case_history, get_case
from workflow.states import is_open


def register(sub: argparse._SubParsersAction) -> None:
    cases = sub.add_parser("cases", help="办件").add_subparsers(dest="cases_command", metavar="操作", required=True)
    demo = cases.add_parser("demo", help="生成演示办件（分布于各个办理状态；只能在 init --demo 建立的演示数据库中，需管理员 --user）")
    demo.add_argument("count", type=int, metavar="N", help="办件数量")
    demo.add_argument("--seed", type=int, default=1, metavar="S", help="随机种子（默认 1）")
    demo.set_defaults(handler=cmd_demo)
    show = cases.add_parser("show", help="显示一个办件及其办理过程")
    show.add_argument("case_no", metavar="办件编号")
    show.set_defaults(handler=cmd_show)

    dishonest = sub.add_parser("dishonest", help="严重违法失信人员名单（受理审查时按身份证号比对）")
    ops = dishonest.add_subparsers(dest="dishonest_command", metavar="操作", required=True)
    add = ops.add_parser("add", help="列入名单")
    add.add_argument("id_number", metavar="身份证号")
    add.add_argument("name", metavar="姓名")
    add.add_argument("--listed-on", required=True, metavar="YYYY-MM-DD", help="列入日期")
    add.add_argument("--source", required=True, help="列入依据（决定书文号等）")
    add.set_defaults(handler=cmd_dishonest_add)
    remove = ops.add_parser("remove", help="移出名单")
    remove.add_argument("id_number", metavar="身份证号")
    remove.add_argument("--on", required=True, metavar="YYYY-MM-DD", help="移出日期")
    remove.set_defaults(handler=cmd_dishonest_remove)
    ops.add_parser("list", help="列出名单（含身份证号；需管理员或审批人员 --user）").set_defaults(handler=cmd_dishonest_list)


def cmd_demo(args: argparse.Namespace) -> int:
    store, _admin = logged_in_store(args, Role.ADMIN)
    started = time.perf_counter()
    count = fill_demo_cases(store, args.count, seed=args.seed, progress=StderrProgress())
    print(f"已生成 {count} 个演示办件，用时 {time.perf_counter() - started:.1f} 秒。")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    store, _user = logged_in_store(args)
    case = get_case(store, args.case_no)
    deadline = case.deadline(date.today())
    if not is_open(case.state):
        left = ""
    elif deadline.stopped:
        left = "（补正中，时限中止）"
    else:
        left = f"（剩余 {deadline.working_days_left} 个工作日{'，已超期' if deadline.overdue else ''}）"
    print(f"{case.case_no}\t{case.business_type}\t{case.org_type}\t{case.name}")
    print(f"状态：{case.state}\t受理人：{case.accepted_by}\t承诺办结日：{deadline.due_date:%Y-%m-%d}{left}"
          f"\t法定期限：{deadline.statutory_due_date:%Y-%m-%d}")
    if case.credit_code:
        print(f"统一社会信用代码：{case.credit_code}")
    for step in case_history(store, args.case_no):
        reasons = f"\t理由：{'；'.join(step.reasons)}" if step.reasons else ""
        print(f"{step.seq}\t{step.at:%Y-%m-%d %H:%M}\t{step.from_state or ''} → {step.to_state}\t{step.actor}\t{step.note}{reasons}")
    return 0


def cmd_dishonest_add(args: argparse.Namespace) -> int:
    store, user = logged_in_store(args, MANAGERS)
    person = list_person(store, args.id_number, args.name, args.listed_on, source=args.source, user=user)
    print(f"已列入：{person.name}（{person.id_number}），自 {person.listed_on:%Y-%m-%d} 起。")
    return 0


def cmd_dishonest_remove(args: argparse.Namespace) -> int:
    store, user = logged_in_store(args, MANAGERS)
    remove_person(store, args.id_number, args.on, user=user)
    print(f"已移出：{args.id_number.strip()}，自 {args.on} 起。")
    return 0


def cmd_dishonest_list(args: argparse.Namespace) -> int:
    store, _user = logged_in_store(args, MANAGERS)
    for p in listed_persons(store):
        removed = f"{p.removed_on:%Y-%m-%d} 移出" if p.removed_on else "在册"
        print(f"{p.id_number}\t{p.name}\t{p.listed_on:%Y-%m-%d} 列入\t{removed}\t{p.source}")
    return 0
