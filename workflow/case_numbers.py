"""Case numbers (办件编号): ``{division}-{window}-{year}-{seq:06d}``, e.g. 310105-W01-2026-000123.

The window code is unique per window (given at set-up), so numbers drawn from a local counter
are unique across all windows without a network. The counter row is incremented in the
caller's write transaction, so a number is used exactly once even if the transaction fails.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.cases import CaseCounter
from models.errors import SoregError
from models.reference import district
from models.settings import WINDOW_CODE, get_setting_in


def format_case_no(window: str, year: int, seq: int) -> str:
    return f"{district().division_code}-{window}-{year}-{seq:06d}"


def this_window_in(session: Session) -> str:
    window = get_setting_in(session, WINDOW_CODE)
    if window is None:
        raise SoregError("本窗口尚未初始化（没有窗口代码），请先运行 init --window 代码。", field="窗口代码")
    return window


def reserve_case_numbers_in(session: Session, year: int, count: int = 1) -> tuple[str, int]:
    """Take ``count`` consecutive sequence numbers for ``year``; return (window, first seq)."""
    window = this_window_in(session)
    counter = session.scalar(select(CaseCounter).where(CaseCounter.window_code == window, CaseCounter.year == year))
    if counter is None:
        counter = CaseCounter(window_code=window, year=year, last_seq=0)
        session.add(counter)
    first = counter.last_seq + 1
    if first + count - 1 > 999_999:
        raise SoregError(f"本窗口 {year} 年的办件编号已用完（最多 999999 件）。", field="办件编号")
    counter.last_seq += count
    session.flush()
    return window, first


def next_case_no_in(session: Session, year: int) -> str:
    window, seq = reserve_case_numbers_in(session, year)
    return format_case_no(window, year, seq)
