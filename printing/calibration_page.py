"""The calibration page (校准页): a millimetre grid and crosshairs at known positions.

The clerk prints it on the printer to be calibrated (calibration off) and measures with a ruler
where the crosshairs landed: the scale is the measured distance between the two top crosses ÷
their labelled distance, the offset is the top-left cross's measured position − its label × the
scale. Printed again with the stored calibration, the crosses land on their labels.
"""

from __future__ import annotations

import io

from reportlab.lib.units import mm

from printing.calibration import NO_CALIBRATION, Calibration
from printing.fonts import FontChain, font_chain
from printing.layout import fit_text
from printing.render import PageDrawer, new_canvas
from printing.templates import Box, TextSpec

CROSS_ARM_MM = 6.0
MARGIN_MM = 20.0

INSTRUCTIONS = (
    "套打校准页：请关闭打印对话框中的“适合页面/缩放”选项，用将要套打证书的打印机和纸盒打印本页（不用校准值）。\n"
    "1. 缩放比例：用直尺量出左上、右上两个十字中心之间的实际距离，除以标注的距离 {span:g} 毫米"
    "（例如 170.9 ÷ 170 = 1.005），允许 0.95～1.05。\n"
    "2. 偏移：量出左上角十字中心到纸张左边、上边的实际距离，各减去标注值 {margin:g} 毫米乘以缩放比例"
    "（例如 21.6 − {margin:g} × 1.005 = 1.5），即横向偏移（向右为正）和纵向偏移（向下为正），单位毫米，允许 ±20 毫米。\n"
    "3. 把三个数填入该打印机的“套打校准”后再打印本页：十字应落在标注的位置上，误差不超过 0.5 毫米。"
)


def crosshair_positions(width_mm: float, height_mm: float) -> list[tuple[float, float]]:
    """The crosshair centres: four near the corners and one in the middle (mm from the top-left)."""
    return [(MARGIN_MM, MARGIN_MM), (width_mm - MARGIN_MM, MARGIN_MM), (width_mm / 2, height_mm / 2),
            (MARGIN_MM, height_mm - MARGIN_MM), (width_mm - MARGIN_MM, height_mm - MARGIN_MM)]


def _label(drawer: PageDrawer, text: str, box: Box, size: float, align: str = "left") -> None:
    spec = TextSpec(key="label", label="校准页", text=text, box=box, font_size=size, min_font_size=size / 2,
                    align=align, wrap=True, line_spacing=1.4)  # type: ignore[arg-type]
    drawer.text(fit_text(drawer.chain, spec, text))


def calibration_page_pdf(width_mm: float = 210.0, height_mm: float = 297.0, *,
                         calibration: Calibration = NO_CALIBRATION, chain: FontChain | None = None) -> bytes:
    """The calibration page for a sheet of ``width_mm`` × ``height_mm``.

    With a ``calibration`` the whole page is shifted by it, so printing it again shows whether the
    stored calibration now puts the crosshairs on their labels.
    """
    buffer = io.BytesIO()
    chain = chain or font_chain()
    c = new_canvas(buffer, "套打校准页", chain)
    drawer = PageDrawer(c, chain, calibration)
    drawer.start(width_mm, height_mm)
    for step, gray, line_width in ((1, 0.85, 0.05), (5, 0.65, 0.12), (10, 0.35, 0.25)):
        c.setStrokeGray(gray)
        c.setLineWidth(line_width * mm)
        xs = [x * mm for x in range(0, int(width_mm) + 1, step)]
        ys = [drawer.y(y) for y in range(0, int(height_mm) + 1, step)]
        c.grid(xs, ys)
    c.setStrokeGray(0)
    c.setLineWidth(0.25 * mm)
    for x, y in crosshair_positions(width_mm, height_mm):
        c.line((x - CROSS_ARM_MM) * mm, drawer.y(y), (x + CROSS_ARM_MM) * mm, drawer.y(y))
        c.line(x * mm, drawer.y(y - CROSS_ARM_MM), x * mm, drawer.y(y + CROSS_ARM_MM))
        c.circle(x * mm, drawer.y(y), 1.5 * mm, stroke=1, fill=0)
        right_half = x > width_mm / 2 + 1
        label_box = Box(x - 36 if right_half else x + 2, y + 2, 34, 4)
        _label(drawer, f"({x:g}, {y:g}) mm", label_box, 8, "right" if right_half else "left")
    for x in range(10, int(width_mm), 10):
        _label(drawer, f"{x}", Box(x + 0.5, 1, 8, 3), 6)
    for y in range(10, int(height_mm), 10):
        _label(drawer, f"{y}", Box(1, y + 0.5, 8, 3), 6)
    c.setFillGray(1)
    c.rect(MARGIN_MM * mm, drawer.y(MARGIN_MM + 72), (width_mm - 2 * MARGIN_MM) * mm, 42 * mm, stroke=0, fill=1)
    c.setFillGray(0)
    text = INSTRUCTIONS.format(span=width_mm - 2 * MARGIN_MM, margin=MARGIN_MM)
    _label(drawer, text, Box(MARGIN_MM + 2, MARGIN_MM + 32, width_mm - 2 * MARGIN_MM - 4, 38), 10)
    drawer.finish(draft=False)
    c.save()
    return buffer.getvalue()
