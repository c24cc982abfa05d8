"""Window set-up (窗口初始化): the code that names this window in case numbers."""

from __future__ import annotations

import re

from models.audit import record_event
from models.errors import SoregError
from models.settings import WINDOW_CODE, get_setting, set_setting
from models.store import Store

WINDOW_CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")


def normalize_window_code(code: str) -> str:
    code = code.strip().upper()
    if not WINDOW_CODE_PATTERN.fullmatch(code):
        raise SoregError("窗口代码应为字母开头的 2 至 8 位字母或数字，例如 W01。", field="窗口代码")
    return code


def window_code(store: Store) -> str | None:
    with store.read() as session:
        return get_setting(session, WINDOW_CODE)


def init_window(store: Store, code: str, *, actor: str) -> str:
    """Give this window its code once; a second, different code is refused."""
    code = normalize_window_code(code)
    with store.write() as session:
        current = get_setting(session, WINDOW_CODE)
        if current == code:
            return code
        if current is not None:
            raise SoregError(f"本窗口已初始化为 {current}，窗口代码不能更改。", field="窗口代码")
        set_setting(session, WINDOW_CODE, code)
        record_event(session, actor=actor, action="window.init", record_type="window", record_id=code,
                     after={"window_code": code})
    return code
