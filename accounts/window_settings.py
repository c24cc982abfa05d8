"""Window settings (窗口设置) as the 设置 page edits them: four-eyes (双人复核: who accepted a case
may not approve it), the idle lock (闲置锁屏), the window's own time limit per business type
(承诺时限) and the printer of each document (打印机).

Each change is one write transaction with an audit event that holds the value before and after;
setting a value to what it already is changes nothing and records nothing. The statutory limits
(法定时限) are the law's, from the rules file or the centre (``models.case_rules``): the window
only sets its own commitment in working days, never more of them than the statutory calendar days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from models.audit import record_event_in
from models.case_rules import RULES_SETTING, case_rules_in, default_rules
from models.errors import SoregError
from models.settings import FOUR_EYES, IDLE_LOCK_MINUTES, get_setting_in, set_setting_in
from models.store import Store
from printing.calibration import Calibration, calibration_for_in
from printing.printers import printer_for_in, remember_printer_in

MIN_IDLE_LOCK_MINUTES, MAX_IDLE_LOCK_MINUTES = 1, 120


@dataclass(frozen=True)
class Deadline:
    """One business type's limits: the law's in calendar days and this window's in working days."""

    business: str
    statutory_calendar_days: int
    local_working_days: int
    default_working_days: int  # the rules file's (or the centre's) commitment

    @property
    def max_working_days(self) -> int:
        """The longest commitment allowed: no more working days than the statutory calendar days."""
        return self.statutory_calendar_days


@dataclass(frozen=True)
class WindowSettings:
    four_eyes: bool
    idle_lock_minutes: int
    deadlines: tuple[Deadline, ...]


def _deadlines(session: Session) -> tuple[Deadline, ...]:
    defaults = default_rules()["deadlines"]
    return tuple(
        Deadline(business, int(spec["statutory_calendar_days"]), int(spec["local_working_days"]),
                 int(defaults.get(business, spec)["local_working_days"]))
        for business, spec in case_rules_in(session)["deadlines"].items()
    )


def window_settings(store: Store) -> WindowSettings:
    with store.read() as session:
        return WindowSettings(bool(get_setting_in(session, FOUR_EYES)), int(get_setting_in(session, IDLE_LOCK_MINUTES)),
                              _deadlines(session))


def _change(session: Session, key: str, value: Any, *, actor: str) -> bool:
    """Store ``value`` under ``key`` with a ``setting.change`` event; False if it was already so."""
    before = get_setting_in(session, key)
    if before == value:
        return False
    set_setting_in(session, key, value)
    record_event_in(session, actor=actor, action="setting.change", record_type="setting", record_id=key,
                 before={"value": before}, after={"value": value})
    return True


def set_four_eyes(store: Store, on: bool, *, actor: str) -> bool:
    """Turn the four-eyes rule on or off; returns whether anything changed."""
    with store.write() as session:
        return _change(session, FOUR_EYES, bool(on), actor=actor)


def set_idle_lock_minutes(store: Store, minutes: int, *, actor: str) -> bool:
    """Minutes without input before the screen locks; returns whether anything changed."""
    if not MIN_IDLE_LOCK_MINUTES <= minutes <= MAX_IDLE_LOCK_MINUTES:
        raise SoregError(f"闲置锁屏时间应在 {MIN_IDLE_LOCK_MINUTES} 到 {MAX_IDLE_LOCK_MINUTES} 分钟之间，实为 {minutes}。",
                         field="闲置锁屏")
    with store.write() as session:
        return _change(session, IDLE_LOCK_MINUTES, int(minutes), actor=actor)


def set_commitment(store: Store, business: str, working_days: int, *, actor: str) -> Deadline:
    """Set this window's commitment (承诺时限) for ``business`` in working days, within the law's limit."""
    with store.write() as session:
        current = {d.business: d for d in _deadlines(session)}.get(business)
        if current is None:
            raise SoregError(f"业务类型“{business}”没有办理时限，可选：{'、'.join(d.business for d in _deadlines(session))}。",
                             field="业务类型")
        if not 1 <= working_days <= current.max_working_days:
            raise SoregError(
                f"“{business}”的承诺时限应在 1 到 {current.max_working_days} 个工作日之间"
                f"（不能多于法定时限 {current.statutory_calendar_days} 日），实为 {working_days}。", field="承诺时限")
        if working_days == current.local_working_days:
            return current
        overrides = get_setting_in(session, RULES_SETTING, {}) or {}
        deadlines = dict(overrides.get("deadlines", {}))
        deadlines[business] = {**deadlines.get(business, {}), "local_working_days": int(working_days)}
        set_setting_in(session, RULES_SETTING, {**overrides, "deadlines": deadlines})
        record_event_in(session, actor=actor, action="setting.change", record_type="setting",
                     record_id=f"{RULES_SETTING}.deadlines.{business}",
                     before={"local_working_days": current.local_working_days},
                     after={"local_working_days": int(working_days)})
        return {d.business: d for d in _deadlines(session)}[business]


@dataclass(frozen=True)
class PrinterChoice:
    """The printer a document prints on (empty: chosen in the print dialog) and its calibration."""

    document: str
    printer: str
    calibration: Calibration | None  # None when no printer is chosen yet


def _choice(session: Session, document: str) -> PrinterChoice:
    printer = printer_for_in(session, document)
    return PrinterChoice(document, printer, calibration_for_in(session, printer) if printer else None)


def printer_choices(store: Store, documents: Sequence[str]) -> list[PrinterChoice]:
    """For each document (as the printing page names it), its printer and that printer's calibration."""
    with store.read() as session:
        return [_choice(session, document) for document in documents]


def choose_printer(store: Store, document: str, printer: str, *, actor: str) -> PrinterChoice:
    """Print ``document`` on ``printer`` from now on (audited when it changes)."""
    if not printer.strip():
        raise SoregError("请填写或选择打印机名称。", field="打印机")
    with store.write() as session:
        remember_printer_in(session, document, printer, actor=actor)
        return _choice(session, document)
