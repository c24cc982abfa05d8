"""Fitting text into a template box: wrapping, shrink-to-fit and alignment (no drawing here).

Shrinking keeps the text on its baseline: the first line's baseline is where the template's full
font size puts it (single-line text centred in its box, wrapped text from the box's top), so a
value stays level with its printed label however small it gets. Lines break only where Chinese
typesetting allows (行首/行尾禁则) and never inside a date, a number or a code. A table (a flowing
field with columns) wraps each cell in its column and keeps a row on one sheet unless the row alone
is taller than a sheet's box.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.errors import SoregError
from printing.fonts import FontChain
from printing.templates import Box, TextSpec, table_cells

PT_PER_MM = 72 / 25.4
SHRINK_STEP = 0.5  # pt
CELL_PADDING = 1.5  # mm inside a table cell, on every side
NO_LINE_START = set("，。、；：？！）》」』】〕〉”’,.;:?!)]}%")  # 行首禁则
NO_LINE_END = set("（《「『【〔〈“‘([{")  # 行尾禁则
NUMBERED_ITEM = re.compile(r"^\d+\. ")
# Spans a line may not break inside: dates, then codes, words and numbers (letters and digits with
# inner - . / : , such as 51310105MJ5012345X, W01-2026-000123, 1,320.5).
UNBREAKABLE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日|\d{4}-\d{1,2}-\d{1,2}"
                         r"|[0-9A-Za-z\u00c0-\u024f](?:[-./:,]?[0-9A-Za-z\u00c0-\u024f])*")


@dataclass(frozen=True)
class Line:
    text: str
    x: float  # left end of the text, mm from the sheet's left edge
    baseline: float  # mm from the sheet's top edge
    width: float  # mm


@dataclass(frozen=True)
class FittedText:
    font_size: float  # pt
    lines: tuple[Line, ...]
    rules: tuple[Box, ...] = ()  # a table's ruling: lines from (x, y) to (x + width, y + height)


def break_allowed(text: str) -> list[bool]:
    """``allowed[i]``: whether a line may start at character ``i`` (index 0 and len(text) are always allowed)."""
    allowed = [True] * (len(text) + 1)
    for match in UNBREAKABLE.finditer(text):
        for i in range(match.start() + 1, match.end()):
            allowed[i] = False
    for i in range(1, len(text)):
        if text[i] in NO_LINE_START or text[i - 1] in NO_LINE_END:
            allowed[i] = False
    return allowed


def _next_break(widths: list[float], allowed: list[bool], start: int, limit: float) -> int:
    """Where the line starting at ``start`` ends: the last allowed break within ``limit``, else where it is full."""
    used = 0.0
    end = start
    while end < len(widths) and used + widths[end] <= limit + 1e-9:
        used += widths[end]
        end += 1
    if end >= len(widths):
        return end
    if end == start:
        return start + 1  # one character wider than the line: wrap() reports it
    cut = end
    while cut > start and not allowed[cut]:
        cut -= 1
    return cut if cut > start else end  # a code longer than a line has to break somewhere


def wrap(chain: FontChain, text: str, width_mm: float, size: float) -> list[tuple[str, float, float]] | None:
    """Lines (text, width mm, indent mm) of ``text`` at ``size``; None if one character is wider than the box.

    A numbered item (``1. …``) continues under its text, not under its number (hanging indent).
    """
    scale = size / PT_PER_MM
    lines: list[tuple[str, float, float]] = []
    for paragraph in text.split("\n"):
        widths = [chain.char_width(ch) * scale for ch in paragraph]
        allowed = break_allowed(paragraph)
        number = NUMBERED_ITEM.match(paragraph)
        hanging = sum(widths[:number.end()]) if number and sum(widths[:number.end()]) < width_mm / 3 else 0.0
        start = 0
        indent = 0.0
        if not paragraph:
            lines.append(("", 0.0, 0.0))
        while start < len(paragraph):
            end = _next_break(widths, allowed, start, width_mm - indent)
            line = paragraph[start:end].rstrip(" ")
            w = sum(widths[start:start + len(line)])
            if w > width_mm - indent + 1e-9:
                return None
            lines.append((line, w, indent))
            start = end
            indent = hanging
            while start < len(paragraph) and paragraph[start] == " ":
                start += 1
    return lines


def first_baseline(chain: FontChain, spec: TextSpec, box: Box | None = None) -> float:
    """The first line's baseline (mm from the sheet's top) at the template's full font size."""
    full = spec.font_size / PT_PER_MM
    above = full * (1 + chain.primary.descent)
    box = box or spec.box
    return box.y + above if spec.wrap else box.y + (box.height - full) / 2 + above


def line_capacity(chain: FontChain, spec: TextSpec, size: float, box: Box | None = None) -> int:
    """How many wrapped lines at ``size`` fit ``box`` (``spec.box``) from its first baseline down."""
    box = box or spec.box
    size_mm = size / PT_PER_MM
    room = box.y + box.height + 1e-9 - first_baseline(chain, spec, box) + size_mm * chain.primary.descent
    return max(0, int(room // (size_mm * spec.line_spacing)) + 1) if room >= 0 else 0


def _fits(chain: FontChain, spec: TextSpec, text: str, size: float) -> list[tuple[str, float, float]] | None:
    """The lines of ``text`` at ``size`` if they fit ``spec``'s box from its baseline down, else None."""
    box = spec.box
    if not spec.wrap:
        one = " ".join(text.split("\n"))
        width = chain.text_width(one) * size / PT_PER_MM
        return [(one, width, 0.0)] if width <= box.width + 1e-9 else None
    lines = wrap(chain, text, box.width, size)
    if lines is None or (spec.max_lines and len(lines) > spec.max_lines):
        return None
    return lines if len(lines) <= line_capacity(chain, spec, size) else None


def _sizes(spec: TextSpec) -> list[float]:
    sizes = []
    size = spec.font_size
    while size >= spec.min_font_size - 1e-9:
        sizes.append(size)
        size -= SHRINK_STEP
    return sizes


def lines_at(chain: FontChain, spec: TextSpec, text: str) -> tuple[float, list[tuple[str, float, float]]] | None:
    """The largest size (and its lines) at which ``text`` fits ``spec``; None if it does not fit at the minimum.

    A field that prefers fewer lines (``fewest_lines``, the 名称) takes one line at any size down to
    its minimum before it takes two.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    if spec.fewest_lines and spec.wrap:
        for count in range(1, (spec.max_lines or 1) + 1):
            for size in _sizes(spec):
                lines = _fits(chain, spec, text, size)
                if lines is not None and len(lines) == count:
                    return size, lines
        return None
    for size in _sizes(spec):
        lines = _fits(chain, spec, text, size)
        if lines is not None:
            return size, lines
    return None


def _too_long(spec: TextSpec) -> SoregError:
    return SoregError(f"“{spec.label}”内容太长，缩小到最小字号 {spec.min_font_size:g} 磅仍放不下打印框，"
                      f"请精简“{spec.label}”或调整打印模板。", field=spec.label)


def fit_text(chain: FontChain, spec: TextSpec, text: str) -> FittedText:
    """Place ``text`` in ``spec.box``, shrinking from ``font_size`` to ``min_font_size`` until it fits."""
    chain.check(text, spec.label)
    fitted = lines_at(chain, spec, text)
    if fitted is None:
        raise _too_long(spec)
    return _place(chain, spec, spec.box, *fitted)


def flow_sheets(chain: FontChain, spec: TextSpec, text: str) -> list[FittedText]:
    """A flowing text, one FittedText per sheet: the first sheet alone if it fits there (shrunk as far as
    its minimum size), else at the minimum size in the first box, then in the ``continued`` box of as
    many further sheets as it takes."""
    chain.check(text, spec.label)
    if spec.columns:
        return table_sheets(chain, spec, text)
    fitted = lines_at(chain, spec, text)
    if fitted is not None or spec.continued is None:
        return [fit_text(chain, spec, text)]
    size = spec.min_font_size
    lines = wrap(chain, text, min(spec.box.width, spec.continued.width), size)
    first, more = line_capacity(chain, spec, size), line_capacity(chain, spec, size, spec.continued)
    if lines is None or first < 1 or more < 1:
        raise _too_long(spec)
    sheets = [_place(chain, spec, spec.box, size, lines[:first])]
    for start in range(first, len(lines), more):
        sheets.append(_place(chain, spec, spec.continued, size, lines[start:start + more]))
    return sheets


def _place(chain: FontChain, spec: TextSpec, box: Box, size: float, lines: list[tuple[str, float, float]]) -> FittedText:
    step = size / PT_PER_MM * spec.line_spacing
    baseline = first_baseline(chain, spec, box)
    placed = []
    for i, (line, width, indent) in enumerate(lines):
        if spec.align == "center":
            x = box.x + (box.width - width) / 2
        elif spec.align == "right":
            x = box.x + box.width - width
        else:
            x = box.x + indent
        placed.append(Line(text=line, x=x, baseline=baseline + i * step, width=width))
    return FittedText(font_size=size, lines=tuple(placed))


Cells = list[list[tuple[str, float, float]]]  # a row: the wrapped lines of each cell


def _table_rows(chain: FontChain, spec: TextSpec, text: str, size: float) -> list[Cells] | None:
    """The header and every row, each cell wrapped in its column at ``size``; None if a character is
    wider than its column."""
    rows: list[Cells] = []
    for cells in [[c.title for c in spec.columns], *table_cells(text)]:
        row = []
        for column, cell in zip(spec.columns, cells + [""] * (len(spec.columns) - len(cells)), strict=True):
            lines = wrap(chain, cell, column.width - 2 * CELL_PADDING, size)
            if lines is None:
                return None
            row.append(lines)
        rows.append(row)
    return rows


def _row_height(row: Cells, step: float) -> float:
    return max(1, *(len(lines) for lines in row)) * step + 2 * CELL_PADDING


def _paginate(rows: list[Cells], step: float, first: float, more: float | None) -> list[list[Cells]] | None:
    """The rows after the header, on sheets whose boxes are ``first`` and then ``more`` mm tall (None:
    no further sheets), the header row included on each. A row goes whole onto the next sheet when it
    does not fit the room left; one taller than a whole sheet is cut between lines where it starts.
    None when they do not fit."""
    header, body = rows[0], rows[1:]

    sheets: list[list[Cells]] = [[header]]
    room = first - _row_height(header, step)
    pending = list(body)
    while pending:
        row = pending.pop(0)
        if _row_height(row, step) <= room + 1e-9:
            sheets[-1].append(row)
            room -= _row_height(row, step)
            continue
        fit = int((room - 2 * CELL_PADDING + 1e-9) // step)
        alone = len(sheets[-1]) == 1
        taller_than_a_sheet = more is None or _row_height(row, step) > more - _row_height(header, step) + 1e-9
        if fit >= 1 and (alone or taller_than_a_sheet):  # cut between lines, the rest on the next sheet
            sheets[-1].append([lines[:fit] for lines in row])
            pending.insert(0, [lines[fit:] for lines in row])
            room = 0.0
            continue
        if more is None or (alone and len(sheets) > 1):  # no further sheet, or a fresh one holds no line
            return None
        sheets.append([header])
        room = more - _row_height(header, step)
        pending.insert(0, row)
    return sheets


def _place_table(chain: FontChain, spec: TextSpec, box: Box, size: float, rows: list[Cells]) -> FittedText:
    """The rows drawn from the top of ``box``: each cell's lines in its column, a rule above and below
    every row and between the columns."""
    size_mm = size / PT_PER_MM
    step = size_mm * spec.line_spacing
    ascent = size_mm * (1 + chain.primary.descent)
    lines: list[Line] = []
    top = box.y
    rules = [Box(box.x, top, box.width, 0)]
    for number, row in enumerate(rows):
        left = box.x
        for column, cell in zip(spec.columns, row, strict=True):
            for i, (text, width, indent) in enumerate(cell):
                x = left + (column.width - width) / 2 if number == 0 else left + CELL_PADDING + indent
                lines.append(Line(text=text, x=x, baseline=top + CELL_PADDING + ascent + i * step, width=width))
            left += column.width
        top += _row_height(row, step)
        rules.append(Box(box.x, top, box.width, 0))
    edges = [box.x]
    for column in spec.columns:
        edges.append(edges[-1] + column.width)
    rules += [Box(x, box.y, 0, top - box.y) for x in edges]
    return FittedText(font_size=size, lines=tuple(lines), rules=tuple(rules))


def table_sheets(chain: FontChain, spec: TextSpec, text: str) -> list[FittedText]:
    """A table, one FittedText per sheet: on the first sheet alone at the largest size down to the
    minimum at which it fits there, else at the minimum size over as many sheets as it takes."""
    sizes = _sizes(spec)
    for size in sizes:
        rows = _table_rows(chain, spec, text, size)
        if rows is None:
            continue
        more = spec.continued.height if spec.continued and size == sizes[-1] else None
        sheets = _paginate(rows, size / PT_PER_MM * spec.line_spacing, spec.box.height, more)
        if sheets is not None:
            boxes = [spec.box] + [spec.continued or spec.box] * (len(sheets) - 1)
            return [_place_table(chain, spec, b, size, s) for b, s in zip(boxes, sheets, strict=True)]
    raise _too_long(spec)
