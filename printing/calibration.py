"""Printer calibration (套打校准): the measured error of a printer, which overlay printing cancels.

A printer puts a point that the PDF draws at (x, y) mm from the sheet's top-left at
(x·scale + offset_x, y·scale + offset_y): that is what the clerk measures on the calibration page
(offset = measured − labelled position at the top-left cross, scale = measured ÷ labelled distance
between two crosses). Overlay printing cancels it by drawing each template point at
((x − offset_x)/scale, (y − offset_y)/scale), so that it lands where the template says. A
calibration that would draw some field of the stock templates off the sheet is refused.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from itertools import product

from sqlalchemy.orm import Session

from models.audit import record_event_in
from models.errors import SoregError
from models.settings import get_setting_in, set_setting_in
from models.store import Store
from printing.templates import Template, load_template, stock_templates

MAX_OFFSET_MM = 20.0
MIN_SCALE, MAX_SCALE = 0.95, 1.05
SETTING_PREFIX = "printing.calibration."


@dataclass(frozen=True)
class Calibration:
    offset_x_mm: float = 0.0  # the printer prints this much right of where it should (negative: left)
    offset_y_mm: float = 0.0  # the printer prints this much below where it should (negative: above)
    scale: float = 1.0  # the printer's distances ÷ the true distances

    def __post_init__(self) -> None:
        for value, label in ((self.offset_x_mm, "横向偏移"), (self.offset_y_mm, "纵向偏移")):
            if abs(value) > MAX_OFFSET_MM:
                raise SoregError(
                    f"{label} {value:g} 毫米超出允许范围（±{MAX_OFFSET_MM:g} 毫米）。"
                    "偏移这么大多半是纸张放错或测量有误，请检查进纸方向后重新打印校准页测量。",
                    field=label,
                )
        if not MIN_SCALE <= self.scale <= MAX_SCALE:
            raise SoregError(
                f"缩放比例 {self.scale:g} 超出允许范围（{MIN_SCALE:g}～{MAX_SCALE:g}），"
                "请在打印对话框中关闭“适合页面”等缩放选项后重新测量。",
                field="缩放比例",
            )

    def drawn_at(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        """Where a template point (mm from the top-left) is drawn so that this printer puts it in place."""
        return (x_mm - self.offset_x_mm) / self.scale, (y_mm - self.offset_y_mm) / self.scale

    def check_on_sheet(self, template: Template) -> None:
        """Refuse if any field box of ``template`` (or its QR code) would be drawn off the sheet."""
        boxes = [(spec.label, spec.box) for spec in template.fields]
        boxes += [("二维码", template.qr.box)] if template.qr is not None else []
        for label, box in boxes:
            for x, y in product((box.x, box.x + box.width), (box.y, box.y + box.height)):
                dx, dy = self.drawn_at(x, y)
                beyond = {"左": -dx, "右": dx - template.page_width, "上": -dy, "下": dy - template.page_height}
                side, by = max(beyond.items(), key=lambda item: item[1])
                if by > 1e-6:
                    raise SoregError(
                        f"按此校准值，{template.title}的“{label}”要打印到纸张{side}边之外 {by:.1f} 毫米，打印机印不出来。"
                        "请核对测量值（偏移 = 实测位置 − 标注位置），或调整纸张位置后重新打印校准页测量。",
                        field="横向偏移" if side in "左右" else "纵向偏移",
                    )


NO_CALIBRATION = Calibration()


def _key(printer: str) -> str:
    printer = printer.strip()
    if not printer:
        raise SoregError("请先选择打印机，校准值按打印机分别保存。", field="打印机")
    return SETTING_PREFIX + printer


def calibration_for(store: Store, printer: str) -> Calibration:
    """The calibration stored for ``printer`` (``calibration_for_in``), read on its own."""
    with store.read() as session:
        return calibration_for_in(session, printer)


def save_calibration(store: Store, printer: str, calibration: Calibration, *, actor: str) -> None:
    """Remember ``calibration`` for ``printer`` (``save_calibration_in``) in a transaction of its own."""
    with store.write() as session:
        save_calibration_in(session, printer, calibration, actor=actor)


def calibration_for_in(session: Session, printer: str) -> Calibration:
    """The calibration stored for ``printer``, or none (all zero) if it was never calibrated."""
    stored = get_setting_in(session, _key(printer), {})
    return Calibration(**stored) if stored else NO_CALIBRATION


def save_calibration_in(session: Session, printer: str, calibration: Calibration, *, actor: str) -> None:
    """Remember ``calibration`` for ``printer`` (in the caller's transaction, audited), once it keeps
    every field of every stock template on the sheet."""
    key = _key(printer)
    for name in stock_templates():
        calibration.check_on_sheet(load_template(name))
    before = get_setting_in(session, key, {}) or None
    after = asdict(calibration)
    set_setting_in(session, key, after)
    record_event_in(session, actor=actor, action="printing.calibrate", record_type="printer",
                 record_id=printer.strip(), before=before, after=after)
