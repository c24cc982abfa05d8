"""Writing .xlsx files (表格文件): whole or not at all, and a clerk's text always as text.

``xlsx_target`` gives a temporary file next to the target and renames it into place only when the
workbook was written completely, so a cancelled or failed export leaves no half-written file and
the old file, if any, as it was. ``text_safe_row`` makes the cells of a write-only sheet: text is
stored as text, so a value beginning with = + - @, a tab or a carriage return (a name, a user name
such as ``=HYPERLINK(…)``) is shown as typed and never run as a formula — also when the reader
edits the cell (quote prefix).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from models.errors import SoregError

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet program may take for a formula


@contextmanager
def xlsx_target(target: Path, what: str) -> Iterator[Path]:
    """A temporary path to save the workbook to; it becomes ``target`` when the block ends
    without an error. ``what`` names the file for the messages (台账, 统计表)."""
    target = Path(target)
    if target.suffix.lower() != ".xlsx":
        raise SoregError(f"{what}文件应以 .xlsx 结尾，实为“{target.name}”，请更改文件名。", field="文件")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".export-", suffix=".xlsx")
        os.close(fd)
    except OSError:
        raise SoregError(f"无法在文件夹 {target.parent} 中写入，请换一个位置保存{what}。", field="文件") from None
    try:
        yield Path(temp)
        os.replace(temp, target)
    except OSError:
        raise SoregError(f"无法保存{what}文件 {target}（文件可能正被 Excel 打开），请关闭后重试或换一个文件名。",
                         field="文件") from None
    finally:
        Path(temp).unlink(missing_ok=True)


def text_safe_row(sheet: WriteOnlyWorksheet, values: Iterable[object], *, bold: bool = False) -> list[object]:
    """One row for ``sheet.append``: a text that begins like a formula becomes a text cell with a
    quote prefix; other values stay as they are (openpyxl writes them as numbers, dates or text)."""
    row: list[object] = []
    for value in values:
        risky = isinstance(value, str) and value.startswith(FORMULA_STARTS)
        if not (risky or bold):
            row.append(value)
            continue
        cell = WriteOnlyCell(sheet, value=value)
        if risky:
            cell.data_type, cell.quotePrefix = "s", True
        if bold:
            cell.font = Font(bold=True)
        row.append(cell)
    return row
