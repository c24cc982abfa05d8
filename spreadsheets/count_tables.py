"""Statistics to .xlsx (统计表导出): each count table of the 统计 page on a sheet of its own.

A sheet holds the table as the page shows it: the dimension and 数量 as the header, one row per
value, and 合计 last.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from models.errors import SoregError
from spreadsheets.xlsx_files import text_safe_row, xlsx_target
from stats.tables import CountTable

COUNT_HEADER = "数量"
TOTAL_LABEL = "合计"
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_NAME_MAX = 31  # Excel's limit


def sheet_name(title: str, taken: set[str]) -> str:
    """``title`` as Excel allows a sheet name (no []:*?/\\, at most 31 characters), unique in ``taken``."""
    base = _SHEET_FORBIDDEN.sub("_", title)[:_SHEET_NAME_MAX] or "统计"
    name, n = base, 1
    while name in taken:
        n += 1
        suffix = f"({n})"
        name = base[: _SHEET_NAME_MAX - len(suffix)] + suffix
    taken.add(name)
    return name


def export_count_tables(tables: Sequence[CountTable], target: Path) -> Path:
    """Write ``tables`` to ``target`` (.xlsx), one sheet each, in order; returns the path."""
    if not tables:
        raise SoregError("没有可导出的统计表。", field="统计表")
    with xlsx_target(target, "统计表") as temp:
        book = Workbook(write_only=True)
        taken: set[str] = set()
        for table in tables:
            sheet = book.create_sheet(sheet_name(table.title, taken))
            sheet.column_dimensions["A"].width = 28
            sheet.column_dimensions["B"].width = 12
            sheet.append(text_safe_row(sheet, (table.dimension, COUNT_HEADER), bold=True))
            for row in table.rows:
                sheet.append(text_safe_row(sheet, (row.label, row.count)))
            sheet.append(text_safe_row(sheet, (TOTAL_LABEL, table.total), bold=True))
        book.save(temp)
    return Path(target)
