"""Fitting text into a template box: wrapping, shrink-to-fit and alignment (no drawing here)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from models.errors import SoregError
from printing.fonts import FontChain
from printing.templates import TextSpec

PT_PER_MM = 72 / 25.4
SHRINK_STEP = 0.5  # pt
# Characters that may not begin a line (行首禁则) and ASCII word characters kept together.
NO_LINE_START = set("，。、；：？！）》」』】〕”’,.;:?!)%")
NUMBERED_ITEM = re.compile(r"^\d+\. ")
WORD_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass(frozen=True)
class Line:
    text: str
    x: float  # left end of the text, mm from the sheet's left edge
    top: float  # top of the line's em box, mm from the sheet's top edge
    width: float  # mm


@dataclass(frozen=True)
class FittedText:
    font_size: float  # pt
    lines: tuple[Line, ...]


def _break_at(text: str, widths: list[float], limit: float) -> int:
    """How many characters of ``text`` start the next line, given their widths and the line limit."""
    used = 0.0
    end = 0
    while end < len(text) and used + widths[end] <= limit + 1e-9:
        used += widths[end]
        end += 1
    if end >= len(text) or end == 0:
        return max(end, 1)
    cut = end
    while cut > 1 and text[cut] in NO_LINE_START:
        cut -= 1
    while cut > 1 and text[cut] in WORD_CHARS and text[cut - 1] in WORD_CHARS:
        cut -= 1
    return cut if cut > 1 else end


def wrap(chain: FontChain, text: str, width_mm: float, size: float) -> list[tuple[str, float, float]] | None:
    """Lines (text, width mm, indent mm) of ``text`` at ``size``; None if one character is wider than the box.

    A numbered item (``1. …``) continues under its text, not under its number (hanging indent).
    """
    scale = size / PT_PER_MM
    lines: list[tuple[str, float, float]] = []
    for paragraph in text.split("\n"):
        widths = [chain.char_width(ch) * scale for ch in paragraph]
        number = NUMBERED_ITEM.match(paragraph)
        hanging = sum(widths[:number.end()]) if number and sum(widths[:number.end()]) < width_mm / 3 else 0.0
        start = 0
        indent = 0.0
        if not paragraph:
            lines.append(("", 0.0, 0.0))
        while start < len(paragraph):
            n = _break_at(paragraph[start:], widths[start:], width_mm - indent)
            line = paragraph[start:start + n].rstrip(" ")
            w = sum(widths[start:start + len(line)])
            if w > width_mm - indent + 1e-9:
                return None
            lines.append((line, w, indent))
            start += n
            indent = hanging
            while start < len(paragraph) and paragraph[start] == " ":
                start += 1
    return lines


def fit_text(chain: FontChain, spec: TextSpec, text: str) -> FittedText:
    """Place ``text`` in ``spec.box``, shrinking from ``font_size`` to ``min_font_size`` until it fits."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    chain.check(text, spec.label)
    box = spec.box
    size = spec.font_size
    while True:
        size_mm = size / PT_PER_MM
        if spec.wrap:
            lines = wrap(chain, text, box.width, size)
            step = size_mm * spec.line_spacing
            fits = lines is not None and size_mm + (len(lines) - 1) * step <= box.height + 1e-9
        else:
            one = " ".join(text.split("\n"))
            width = chain.text_width(one) * size_mm
            lines = [(one, width, 0.0)]
            step = 0.0
            fits = width <= box.width + 1e-9 and size_mm <= box.height + 1e-9
        if fits:
            break
        if size - SHRINK_STEP < spec.min_font_size - 1e-9:
            raise SoregError(
                f"“{spec.label}”内容太长，缩小到最小字号 {spec.min_font_size:g} 磅仍放不下打印框，"
                f"请精简“{spec.label}”或调整打印模板。",
                field=spec.label,
            )
        size -= SHRINK_STEP
    assert lines is not None
    first_top = box.y if spec.wrap else box.y + (box.height - size_mm) / 2
    placed = []
    for i, (line, width, indent) in enumerate(lines):
        if spec.align == "center":
            x = box.x + (box.width - width) / 2
        elif spec.align == "right":
            x = box.x + box.width - width
        else:
            x = box.x + indent
        placed.append(Line(text=line, x=x, top=first_top + i * step, width=width))
    return FittedText(font_size=size, lines=tuple(placed))
