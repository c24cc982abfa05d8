"""Window settings (窗口设置): small key/value pairs kept in the local store."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base

WINDOW_CODE = "window.code"
IDLE_LOCK_MINUTES = "security.idle_lock_minutes"
FOUR_EYES = "workflow.four_eyes"
DEMO_DATABASE = "store.demo"  # made by ``init --demo``: demo commands run only here; it never syncs
CENTRAL_URL = "sync.central_url"  # the centre this window syncs with (sync/connection.py); unset: it never syncs
RECOVERY_PENDING = "sync.recovery_pending"  # restored or reinstalled: no new case until the centre has answered

DEFAULTS: dict[str, Any] = {
    IDLE_LOCK_MINUTES: 10,
    FOUR_EYES: True,
    DEMO_DATABASE: False,
    RECOVERY_PENDING: False,
}


class Setting(Base):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, nullable=False)


def get_setting_in(session: Session, key: str, default: Any = None) -> Any:
    """The JSON value stored under ``key``, else ``default``, else the built-in default."""
    raw = session.scalar(select(Setting.value).where(Setting.key == key))
    if raw is None:
        return DEFAULTS.get(key, default) if default is None else default
    return json.loads(raw)


def set_setting_in(session: Session, key: str, value: Any) -> None:
    """Store ``value`` (JSON-serialisable) under ``key`` in the caller's transaction."""
    row = session.get(Setting, key)
    encoded = json.dumps(value, ensure_ascii=False)
    if row is None:
        session.add(Setting(key=key, value=encoded))
    else:
        row.value = encoded
