"""The window's case ledger (办件台账): the filtered case list written to an .xlsx file.

Rows are streamed from the database in the list's order and written with openpyxl's write-only
mode, so 100,000 cases need little memory; the file is written next to the target and renamed
into place only when complete (``spreadsheets.xlsx_files``), so a cancelled or failed export
leaves no half-written ledger, and text that begins like a formula stays text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

from openpyxl import Workbook

from models.progress import Progress, stop_if_cancelled
from models.store import Store
from spreadsheets.xlsx_files import text_safe_row, xlsx_target
from workflow.case_queries import (
    CaseFilter,
    CaseOrder,
    CaseRow,
    count_cases_in,
    iter_cases_in,
)

REPORT_EVERY = 500


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


COLUMNS: tuple[tuple[str, int, Callable[[CaseRow], object]], ...] = (
    ("办件编号", 24, lambda r: r.case_no),
    ("名称", 40, lambda r: r.name),
    ("组织类型", 14, lambda r: r.org_type),
    ("业务类型", 12, lambda r: r.business_type),
    ("状态", 20, lambda r: r.state),
    ("受理人", 12, lambda r: r.accepted_by),
    ("受理日期", 12, lambda r: _day(r.accepted_at.date())),
    ("承诺办结日", 12, lambda r: _day(r.due_date)),
    ("剩余工作日", 10, lambda r: r.working_days_left),
    ("法定期限", 12, lambda r: _day(r.statutory_due_date)),
    ("时限情况", 10, lambda r: "已超期" if r.overdue else "补正中止" if r.stopped else ""),
    ("统一社会信用代码", 22, lambda r: r.credit_code or ""),
)
HEADERS = tuple(c[0] for c in COLUMNS)


def export_case_ledger(store: Store, flt: CaseFilter, order: CaseOrder, target: Path, *, today: date,
                       progress: Progress) -> int:
    """Write the cases matching ``flt`` (in ``order``) to ``target``; return how many rows."""
    with xlsx_target(target, "台账") as temp:
        return _write(store, flt, order, temp, today, progress)


def _write(store: Store, flt: CaseFilter, order: CaseOrder, path: Path, today: date, progress: Progress) -> int:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("办件台账")
    for n, (_label, width, _value) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + n)].width = width
    sheet.freeze_panes = "A2"
    sheet.append(text_safe_row(sheet, HEADERS, bold=True))
    done = 0
    try:
        with store.read() as session:
            total = count_cases_in(session, flt, today)
            progress.report(0, total, "正在导出办件台账…")
            for row in iter_cases_in(session, flt, order, today):
                sheet.append(text_safe_row(sheet, [value(row) for _label, _width, value in COLUMNS]))
                done += 1
                if done % REPORT_EVERY == 0:
                    stop_if_cancelled(progress)
                    progress.report(done, total, f"正在导出办件台账：{done:,} / {total:,}")
        stop_if_cancelled(progress)
    except BaseException:
        sheet.close()  # the write-only sheet's open temporary file
        raise
    book.save(path)
    progress.report(done, total, "办件台账已导出")
    return done
