"""Printer calibration (套打校准): the offset and scale that put each field onto the pre-printed stock.

A printed point that the template puts at (x, y) mm from the sheet's top-left lands at
(x·scale + offset_x, y·scale + offset_y). The clerk prints the calibration page, measures where
its crosshairs landed and stores the difference per printer in the window settings.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy.orm import Session

from models.audit import record_event
from models.errors import SoregError
from models.settings import get_setting, set_setting

MAX_OFFSET_MM = 20.0
MIN_SCALE, MAX_SCALE = 0.95, 1.05
SETTING_PREFIX = "printing.calibration."


@dataclass(frozen=True)
class Calibration:
    offset_x_mm: float = 0.0  # positive moves the print right
    offset_y_mm: float = 0.0  # positive moves the print down
    scale: float = 1.0

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

    def place(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        """Where a template point (mm from the top-left) lands on the sheet."""
        return x_mm * self.scale + self.offset_x_mm, y_mm * self.scale + self.offset_y_mm


NO_CALIBRATION = Calibration()


def _key(printer: str) -> str:
    printer = printer.strip()
    if not printer:
        raise SoregError("请先选择打印机，校准值按打印机分别保存。", field="打印机")
    return SETTING_PREFIX + printer


def calibration_for(session: Session, printer: str) -> Calibration:
    """The calibration stored for ``printer``, or none (all zero) if it was never calibrated."""
    stored = get_setting(session, _key(printer), {})
    return Calibration(**stored) if stored else NO_CALIBRATION


def save_calibration(session: Session, printer: str, calibration: Calibration, *, actor: str) -> None:
    """Remember ``calibration`` for ``printer`` (in the caller's transaction, audited)."""
    key = _key(printer)
    before = get_setting(session, key, {}) or None
    after = asdict(calibration)
    set_setting(session, key, after)
    record_event(session, actor=actor, action="printing.calibrate", record_type="printer",
                 record_id=printer.strip(), before=before, after=after)
