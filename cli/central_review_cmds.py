"""Subcommands for the centre's 待复核 queue (review queue): central reviews | resolve."""

from __future__ import annotations

import argparse
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # sync.reviews (psycopg, alembic) is imported only when a command runs
    from sync.reviews import ReviewItem


def add_review_commands(central: argparse._SubParsersAction) -> None:
    """Add ``reviews`` and ``resolve`` to the ``central`` subcommands."""
    reviews = central.add_parser("reviews", help="列出中心的待复核事项（名称或代码冲突、依据过期版本的变更）")
    reviews.add_argument("--url", required=True, help="中心数据库管理员地址")
    reviews.add_argument("--all", action="store_true", help="也列出已处理（已采纳、已驳回）的事项")
    reviews.set_defaults(handler=cmd_central_reviews)

    resolve = central.add_parser("resolve", help="处理一个待复核事项：采纳（录入登记库）或驳回")
    resolve.add_argument("review_id", metavar="REVIEW_ID", help="central reviews 列出的复核编号")
    resolve.add_argument("--url", required=True, help="中心数据库管理员地址")
    decision = resolve.add_mutually_exclusive_group(required=True)
    decision.add_argument("--accept", action="store_true",
                          help="采纳：录入登记库（冲突仍在时拒绝，须先处理登记库中的原组织）")
    decision.add_argument("--reject", action="store_true", help="驳回：不录入登记库")
    resolve.add_argument("--note", required=True, metavar="TEXT", help="处理说明（驳回理由），两个窗口都会看到")
    resolve.add_argument("--by", metavar="NAME", help="处理人姓名（默认为数据库登录名）")
    resolve.set_defaults(handler=cmd_central_resolve)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Columns padded by display width (a Chinese character takes two columns)."""
    widths = [max(_width(r[i]) for r in (headers, *rows)) for i in range(len(headers))]
    return "\n".join("  ".join(cell + " " * (w - _width(cell)) for cell, w in zip(row, widths)).rstrip()
                     for row in (headers, *rows))


def _existing(item: ReviewItem) -> str:
    if not item.existing_name:
        return ""
    return f"{item.existing_name}（{'窗口 ' + item.existing_window if item.existing_window else '中心'}）"


def _resolution(item: ReviewItem) -> str:
    if item.resolved_at is None:
        return ""
    return f"{item.resolution_note}（{item.resolved_by}，{item.resolved_at.astimezone():%Y-%m-%d %H:%M}）"


def cmd_central_reviews(args: argparse.Namespace) -> int:
    from sync.reviews import list_reviews

    items = list_reviews(args.url, include_resolved=args.all)
    if not items:
        print("中心没有复核事项。" if args.all else "没有待复核的事项。")
        return 0
    headers = ("编号", "状态", "窗口", "拟登记名称", "原因", "冲突的组织（窗口）") + (("处理说明",) if args.all else ())
    rows = [(str(i.id), i.status, i.window_code, i.proposed_name, i.reason, _existing(i))
            + ((_resolution(i),) if args.all else ()) for i in items]
    print(_table(headers, rows))
    waiting = sum(i.status == "待复核" for i in items)
    hint = "用 central resolve 编号 --accept 或 --reject --note 说明 处理。" if waiting else ""
    print(f"共 {len(items)} 项，其中待复核 {waiting} 项。{hint}")
    return 0


def cmd_central_resolve(args: argparse.Namespace) -> int:
    from sync.reviews import Decision, resolve_review

    decision = Decision.ACCEPT if args.accept else Decision.REJECT
    item = resolve_review(args.url, args.review_id, decision, args.note, args.by)
    outcome = "已录入登记库" if item.status == "已采纳" else "未录入登记库"
    print(f"复核事项 {item.id}（窗口 {item.window_code} 的“{item.proposed_name}”）{item.status}，{outcome}。"
          "相关窗口下次同步后会看到处理结果。")
    return 0
