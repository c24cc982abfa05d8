"""Drawing a template onto PDF pages with reportlab: fields, static stock, QR code, draft watermark."""

from __future__ import annotations

import enum
import io
import math
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import segno
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from models.errors import SoregError
from printing.calibration import NO_CALIBRATION, Calibration
from printing.fonts import FontChain, font_chain
from printing.layout import FittedText, fit_text, flow_sheets
from printing.templates import Box, Pages, Template, TextSpec

QR_QUIET_MODULES = 4  # ISO/IEC 18004
# A fixed data mask: choosing the best of the eight (segno's default) costs ~90 ms per code in pure
# Python and only matters for damaged prints; every mask is valid for every reader.
QR_MASK = 4
DARK_RUN = re.compile(rb"\x01+")
WATERMARK = "草稿"
TABLE_RULE_WIDTH = 0.3  # mm


class PrintMode(enum.StrEnum):
    """``full``: the whole certificate on plain paper; ``overlay`` (套打): only the variable fields."""

    FULL = "full"
    OVERLAY = "overlay"


@dataclass(frozen=True)
class Page:
    """One sheet to print: a template, the values of its placeholders and its signed QR text."""

    template: Template
    values: Mapping[str, str]
    qr_text: str | None = None


def _format(spec: TextSpec, values: Mapping[str, str]) -> str:
    """The spec's text filled in; empty when it names values and every one of them is empty."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(spec.text) if name is not None]
        if names and not any(str(values[name]).strip() for name in names):
            return ""
        return spec.text.format_map(values)
    except (KeyError, IndexError, ValueError) as exc:
        raise SoregError(f"打印模板中“{spec.label}”的内容引用了未知的项目 {exc}，请修正模板文件。", field="模板") from None


def _on_sheet(pages: Pages, sheet: int, sheets: int) -> bool:
    """Whether an element placed on ``pages`` is printed on sheet ``sheet`` (from 0) of ``sheets``."""
    return (pages == "all" or (pages == "first" and sheet == 0) or (pages == "last" and sheet == sheets - 1)
            or (pages == "rest" and sheet > 0))


class PageDrawer:
    """Draws pages onto one canvas, in mm from the top-left, with the calibration applied."""

    def __init__(self, canvas: Canvas, chain: FontChain, calibration: Calibration) -> None:
        self.canvas = canvas
        self.chain = chain
        self.calibration = calibration
        self.width_pt = 0.0
        self.height_pt = 0.0

    def start(self, width_mm: float, height_mm: float) -> None:
        self.canvas.setPageSize((width_mm * mm, height_mm * mm))
        self.width_pt, self.height_pt = width_mm * mm, height_mm * mm
        self.canvas.saveState()
        cal = self.calibration
        # The printer puts a point drawn at q at q·s + e (its measured error), so a template point p
        # is drawn at (p − e)/s: x' = (x − ex)/s, and from the bottom y' = H(1 − 1/s) + y/s + ey/s.
        k = 1 / cal.scale
        self.canvas.translate(-cal.offset_x_mm * mm * k, self.height_pt * (1 - k) + cal.offset_y_mm * mm * k)
        self.canvas.scale(k, k)

    def finish(self, *, draft: bool) -> None:
        self.canvas.restoreState()
        if draft:
            self.watermark()
        self.canvas.showPage()

    def y(self, top_mm: float) -> float:
        return self.height_pt - top_mm * mm

    def text(self, fitted: FittedText) -> None:
        for box in fitted.rules:
            self.rule("line", box, TABLE_RULE_WIDTH)
        for line in fitted.lines:
            if line.text:
                self.runs(line.x * mm, self.y(line.baseline), line.text, fitted.font_size, "")

    def runs(self, x_pt: float, y_pt: float, text: str, size: float, field: str) -> None:
        t = self.canvas.beginText(x_pt, y_pt)
        for font, run in self.chain.runs(text, field):
            t.setFont(font.name, size)
            t.textOut(run)
        self.canvas.drawText(t)

    def box_text(self, spec: TextSpec, values: Mapping[str, str]) -> None:
        text = _format(spec, values)
        if text.strip():
            self.text(fit_text(self.chain, spec, text))

    def rule(self, kind: str, box: Box, line_width: float) -> None:
        c = self.canvas
        c.setLineWidth(line_width * mm)
        if kind == "rect":
            c.rect(box.x * mm, self.y(box.y + box.height), box.width * mm, box.height * mm, stroke=1, fill=0)
        else:
            c.line(box.x * mm, self.y(box.y), (box.x + box.width) * mm, self.y(box.y + box.height))

    def qr(self, text: str, box: Box) -> None:
        """The QR code as one vector path of squares, with a quiet zone inside ``box``.

        The path is written in module units under one transformation (``cm``), so a code of
        ~60×60 modules costs a few kilobytes and no per-square number formatting.
        """
        matrix = segno.make(text, error="m", micro=False, mask=QR_MASK).matrix
        module = box.width / (len(matrix) + 2 * QR_QUIET_MODULES) * mm
        left = box.x * mm + QR_QUIET_MODULES * module
        bottom = self.y(box.y) - (QR_QUIET_MODULES + len(matrix)) * module
        ops = [f"q 0 g {module:.4f} 0 0 {module:.4f} {left:.3f} {bottom:.3f} cm"]
        last = len(matrix) - 1
        for r, row in enumerate(matrix):
            ops.extend(f"{run.start()} {last - r} {run.end() - run.start()} 1 re" for run in DARK_RUN.finditer(row))
        ops.append("f Q")
        self.canvas.addLiteral("\n".join(ops))

    def watermark(self) -> None:
        c = self.canvas
        width_pt, height_pt = self.width_pt, self.height_pt
        size = min(width_pt, height_pt) * 0.4
        c.saveState()
        c.setFillGray(0.5)
        c.setFillAlpha(0.25)
        c.translate(width_pt / 2, height_pt / 2)
        c.rotate(math.degrees(math.atan2(height_pt, width_pt)))
        text_width = self.chain.text_width(WATERMARK) * size
        self.runs(-text_width / 2, -size * 0.35, WATERMARK, size, "草稿水印")
        c.restoreState()

    def template(self, page: Page, mode: PrintMode, *, draft: bool) -> int:
        """Draw ``page`` on as many sheets as its flowing list needs; returns the number of sheets."""
        tpl = page.template
        if mode is PrintMode.OVERLAY and not tpl.stock:
            raise SoregError(f"{tpl.title}没有预印的套打纸，不能套打；请用整张方式（full）在白纸上打印。", field="打印方式")
        if tpl.qr is not None and not page.qr_text and not draft:
            raise SoregError(f"{tpl.title}须印有签名二维码，但没有生成二维码；草稿可不带二维码。", field="二维码")
        values = {**page.values, "document_title": tpl.title, "page": "", "pages": ""}
        flow = tpl.flow
        sheets = flow_sheets(self.chain, flow, _format(flow, values)) if flow is not None else []
        count = max(1, len(sheets))
        for sheet in range(count):
            if count > 1:
                values |= {"page": str(sheet + 1), "pages": str(count)}
            self.start(tpl.page_width, tpl.page_height)
            if mode is PrintMode.FULL:
                for rule in tpl.rules:
                    if _on_sheet(rule.pages, sheet, count):
                        self.rule(rule.kind, rule.box, rule.line_width)
                for spec in tpl.static_texts:
                    if _on_sheet(spec.pages, sheet, count):
                        self.box_text(spec, values)
            for spec in tpl.fields:
                if spec is flow:
                    if sheets:
                        self.text(sheets[sheet])
                elif _on_sheet(spec.pages, sheet, count):
                    self.box_text(spec, values)
            if tpl.qr is not None and page.qr_text and _on_sheet(tpl.qr.pages, sheet, count):
                self.qr(page.qr_text, tpl.qr.box)
                if mode is PrintMode.FULL and tpl.qr.caption is not None:
                    self.box_text(tpl.qr.caption, values)
            self.finish(draft=draft)
        return count


def new_canvas(buffer: io.BytesIO, title: str, chain: FontChain) -> Canvas:
    """A canvas whose initial font is the chain's first one, so no unembedded Helvetica sneaks in."""
    c = Canvas(buffer, pageCompression=1, initialFontName=chain.primary.name)
    c.setTitle(title)
    c.setCreator("soreg 社会组织登记窗口")
    return c


def render_pages(pages: Iterable[Page], *, title: str, mode: PrintMode = PrintMode.FULL,
                 calibration: Calibration = NO_CALIBRATION, draft: bool = False,
                 chain: FontChain | None = None) -> bytes:
    """One PDF with a sheet per page; every font subset is embedded."""
    buffer = io.BytesIO()
    chain = chain or font_chain()
    canvas = new_canvas(buffer, title, chain)
    drawer = PageDrawer(canvas, chain, calibration)
    count = 0
    for page in pages:
        count += drawer.template(page, PrintMode(mode), draft=draft)
    if count == 0:
        raise SoregError("没有要打印的页面。", field="打印")
    canvas.save()
    return buffer.getvalue()
