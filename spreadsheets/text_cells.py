"""Text cells for every .xlsx this program writes (公式注入防护).

A cell whose text begins with = + - @, a tab or a carriage return would be taken for a formula by
a spreadsheet program (a case name or a user name such as ``=HYPERLINK(…)``). Such text is written
as a text cell with Excel's quote prefix, so it is shown as typed and never runs.
"""

from __future__ import annotations

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def as_text(cell: Cell) -> Cell:
    """Make ``cell`` hold its value as text if a spreadsheet would take it for a formula."""
    if looks_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def safe_row(sheet: Worksheet, values: list[object]) -> list[object]:
    """A row for ``sheet.append`` (write-only sheets too) in which no text can become a formula."""
    return [as_text(WriteOnlyCell(sheet, value=v)) if looks_like_formula(v) else v for v in values]
