"""Sync notices (同步提示) as the clerk reads them: ops the centre refused, with its reason, and
registrations held for central review (待复核), naming the windows involved."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from models.outbox import NoticeKind, SyncNotice
from models.store import Store

TABLE_LABELS = {
    "organizations": "登记库组织", "cases": "办件", "case_scope_items": "办件业务范围", "case_persons": "办件人员",
    "case_materials": "办件材料", "case_attachments": "办件附件", "case_steps": "办件环节", "case_counters": "办件编号",
    "print_records": "打印记录", "audit_events": "操作日志", "window_keys": "窗口签名密钥",
    "central_reference": "基础数据",
}


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
