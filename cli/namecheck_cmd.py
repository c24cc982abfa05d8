"""The ``namecheck`` subcommand: the name check (名称核准) of one name or a file of names."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from cli.session import store_for
from models import reference
from models.errors import SoregError
from models.store import Store
from registry.name_check import NameCheckResult, check_name
from registry.registry_indexes import ensure_registry_indexes

LEVEL_LABELS = {"reject": "不予通过", "warn": "需审核", "info": "说明"}


def register(sub: argparse._SubParsersAction) -> None:
    types = "、".join(reference.org_types())
    p = sub.add_parser("namecheck", help="名称核准：检查拟申请的名称能否登记")
    p.add_argument("name", nargs="?", help="拟申请的名称")
    p.add_argument("--type", required=True, dest="org_type", help=f"组织类型：{types}")
    p.add_argument("--as-of", help="核准日期 YYYY-MM-DD（默认今天）")
    p.add_argument("--json", action="store_true", help="输出 JSON")
    p.add_argument("--batch", type=Path, help="名称文件（UTF-8，每行一个名称），输出 JSON Lines")
    p.set_defaults(handler=cmd_namecheck)


def parse_as_of(text: str | None) -> date:
    if text is None:
        return date.today()
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise SoregError(f"核准日期“{text}”格式不对，应为 YYYY-MM-DD，例如 2026-03-01。", field="--as-of") from None


def batch_names(path: Path) -> list[tuple[int, str]]:
    """The names of a batch file with their line numbers; blank lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError:
        raise SoregError(f"无法读取名称文件 {path}，请检查路径。", field="--batch") from None
    except UnicodeDecodeError:
        raise SoregError(f"名称文件 {path} 不是 UTF-8 编码，请另存为 UTF-8 后重试。", field="--batch") from None
    names = [(i, line.strip()) for i, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not names:
        raise SoregError(f"名称文件 {path} 中没有名称。", field="--batch")
    return names


def human_report(result: NameCheckResult) -> str:
    p = result.parsed
    lines = [
        f"名称：{result.name}",
        f"结论：{result.verdict_label}",
        f"拆分：行政区划“{p.region}” 字号“{p.zihao}” 行业领域“{p.field_word}” 组织形式“{p.form}”",
    ]
    for i, f in enumerate(result.findings, 1):
        lines.append(f"{i}. [{LEVEL_LABELS[f.level]}] {f.message}")
    if not result.findings:
        lines.append("未发现问题。")
    return "\n".join(lines)


def checked(store: Store, name: str, org_type: str, as_of: date, line: int | None) -> NameCheckResult:
    """Check one name; a bad name in a batch file is reported with its line number."""
    try:
        return check_name(store, name, org_type, as_of)
    except SoregError as exc:
        if line is None:
            raise
        raise SoregError(f"名称文件第 {line} 行“{name}”：{exc}", field=exc.field) from None


def cmd_namecheck(args: argparse.Namespace) -> int:
    as_of = parse_as_of(args.as_of)
    if args.org_type not in reference.org_types():
        raise SoregError(f"组织类型“{args.org_type}”无效，应为：{'、'.join(reference.org_types())}。", field="--type")
    if args.batch is not None and args.name:
        raise SoregError("请只给出一个名称或 --batch 名称文件，不要同时给出。", field="名称")
    if args.batch is not None:
        numbered = batch_names(args.batch)
    else:
        numbered = [(None, args.name or "")]
    store = store_for(args)
    ensure_registry_indexes(store)  # a first pull killed midway may have left them out
    results = [checked(store, name, args.org_type, as_of, line) for line, name in numbered]
    for result in results:
        if args.batch is not None or args.json:
            sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        else:
            print(human_report(result))
    return 0
