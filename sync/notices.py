"""Sync notices (同步提示) as the clerk reads them: ops the centre refused, with its reason, and
registrations held for central review (待复核), naming the windows involved."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from models import op_rules
from models.outbox import NoticeKind, SyncNotice
from models.store import Store

TABLE_LABELS = op_rules.TABLE_LABELS | {"central_reference": "基础数据"}


@dataclass(frozen=True)
class NoticeView:
    """One notice as a row of the 同步提示 list."""

    kind: str  # 被拒绝 | 待复核
    status: str
    record: str  # what kind of record, in Chinese
    reason: str
    windows: str  # the windows involved, e.g. "W02 与 W01"; empty for a refused op
    updated_at: datetime


def _windows(kind: str, detail: dict) -> str:
    if kind != NoticeKind.REVIEW.value:
        return ""
    involved = [w for w in (detail.get("window_code"), detail.get("existing_window")) if w]
    return " 与 ".join(dict.fromkeys(involved))


LIST_LIMIT = 500  # notices the 同步 page lists at most


def list_notices(store: Store, limit: int = LIST_LIMIT) -> list[NoticeView]:
    """The newest notices first (a notice whose status changed counts as new)."""
    with store.read() as session:
        rows = session.scalars(select(SyncNotice).order_by(SyncNotice.updated_at.desc(), SyncNotice.id.desc())
                               .limit(limit)).all()
        return [NoticeView(kind=row.kind, status=row.status, record=TABLE_LABELS.get(row.table_name, row.table_name),
                           reason=row.reason, windows=_windows(row.kind, json.loads(row.detail or "{}")),
                           updated_at=row.updated_at)
                for row in rows]
