"""Window set-up (窗口初始化): the code that names this window in case numbers, and the demo flag.

A demo database (演示数据库, ``init --demo``) is the only place demo data may be made
(registry/demo.py, workflow/demo.py refuse any other) and never syncs with a centre.
"""

from __future__ import annotations

import re

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models.audit import record_event_in
from models.cases import Case
from models.errors import SoregError
from models.registry import Organization
from models.settings import DEMO_DATABASE, WINDOW_CODE, get_setting_in, set_setting_in
from models.store import Store

WINDOW_CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,7}$")


def normalize_window_code(code: str) -> str:
    code = code.strip().upper()
    if not WINDOW_CODE_PATTERN.fullmatch(code):
        raise SoregError("窗口代码应为字母开头的 2 至 8 位字母或数字，例如 W01。", field="窗口代码")
    return code


def window_code(store: Store) -> str | None:
    with store.read() as session:
        return get_setting_in(session, WINDOW_CODE)


def init_window(store: Store, code: str, *, actor: str, demo: bool = False) -> str:
    """Give this window its code once; a second, different code is refused. With ``demo`` the
    database is flagged as a demo database, which only a database without registry or case data may become."""
    code = normalize_window_code(code)
    with store.write() as session:
        current = get_setting_in(session, WINDOW_CODE)
        if current is not None and current != code:
            raise SoregError(f"本窗口已初始化为 {current}，窗口代码不能更改。", field="窗口代码")
        if current is None:
            set_setting_in(session, WINDOW_CODE, code)
            record_event_in(session, actor=actor, action="window.init", record_type="window", record_id=code,
                         after={"window_code": code})
        if demo and not get_setting_in(session, DEMO_DATABASE):
            _make_demo_in(session, code, actor)
    return code


def _make_demo_in(session: Session, code: str, actor: str) -> None:
    if session.scalar(select(exists().where(Organization.id.is_not(None)))) or \
            session.scalar(select(exists().where(Case.id.is_not(None)))):
        raise SoregError("此数据库已有登记库或办件数据，不能改为演示数据库。请用 init --demo 新建一个演示数据库，"
                         "例如 --db demo.sqlite3 init --window D01 --demo。", field="--demo")
    set_setting_in(session, DEMO_DATABASE, True)
    record_event_in(session, actor=actor, action="window.demo", record_type="window", record_id=code,
                 after={"demo": True})

