"""The centre's 待复核 queue (review queue) as its administrator settles it.

A window's registration or change that collided with the registry waits in
``central.review_queue``; the administrator lists the items and decides each one: 采纳 (accept:
the proposal enters the registry) or 驳回 (reject: it does not), always with a reason. A name
reservation (名称保留) that clashed with another window's waits there too: 采纳 lets both stand, 驳回
ends it. The decision is made by ``central.resolve_review`` (migrations c0003, c0008), in one
transaction; the two windows concerned see it as a sync notice after their next pull.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

from models.errors import SoregError
from sync.central_admin import admin_connect

PENDING = "待复核"


class Decision(enum.StrEnum):
    """The administrator's decision on a review item (复核处理决定)."""

    ACCEPT = "采纳"
    REJECT = "驳回"


@dataclass(frozen=True)
class ReviewItem:
    """One item of the review queue (复核事项)."""

    id: uuid.UUID
    status: str  # 待复核 | 已采纳 | 已驳回
    reason: str  # why the centre held the proposal
    window_code: str  # the window that proposed it
    organization_id: uuid.UUID
    proposed_name: str
    org_type: str
    existing_name: str | None  # the registry's organization it collided with
    existing_window: str | None
    created_at: datetime
    resolution_note: str | None
    resolved_by: str | None
    resolved_at: datetime | None


_COLUMNS = """
SELECT id, status, reason, window_code, organization_id, coalesce(proposed ->> 'name', '') AS proposed_name,
       coalesce(proposed ->> 'org_type', '') AS org_type, existing_name, existing_window, created_at,
       resolution_note, resolved_by, resolved_at
"""

# SQLSTATE of a refusal by central.resolve_review → the field the message is about
_REFUSALS = {
    "P0002": "复核编号",  # no_data_found
    "55000": "复核编号",  # object_not_in_prerequisite_state: already resolved
    "22023": "处理决定",  # invalid_parameter_value
    "22004": "处理说明",  # null_value_not_allowed
    "23505": "登记库",  # unique_violation: the clash still stands
}


def _refusal(exc: psycopg.Error) -> SoregError:
    """The Chinese message a refusal carries; an old schema or a non-administrator login told as such."""
    if isinstance(exc, (psycopg.errors.InvalidSchemaName, psycopg.errors.UndefinedTable,
                        psycopg.errors.UndefinedColumn, psycopg.errors.UndefinedFunction)):
        return SoregError("中心数据库尚未初始化或结构过旧，还不能处理复核事项：请先运行 python main.py central init --url …。",
                          field="--url")
    if isinstance(exc, psycopg.errors.InsufficientPrivilege):
        return SoregError("处理复核事项需要中心数据库的管理员（超级用户）地址，窗口账户不能处理。", field="--url")
    field = _REFUSALS.get(exc.sqlstate or "")
    if field is None:
        return SoregError(f"中心数据库出错：{exc.diag.message_primary or exc.__class__.__name__}。", field="--url")
    return SoregError(exc.diag.message_primary, field=field)


def list_reviews(url: str, *, include_resolved: bool = False) -> list[ReviewItem]:
    """The items still waiting (or all of them), oldest first."""
    query = (_COLUMNS + " FROM central.review_queue" + ("" if include_resolved else " WHERE status = %s")
             + " ORDER BY created_at, id")
    with admin_connect(url) as conn:
        try:
            with conn.cursor(row_factory=class_row(ReviewItem)) as cur:
                return cur.execute(query, () if include_resolved else (PENDING,)).fetchall()
        except psycopg.Error as exc:
            raise _refusal(exc) from exc


def _review_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise SoregError(f"复核编号“{text}”格式不对：应为 central reviews 列出的完整编号。", field="复核编号") from None


def resolve_review(url: str, review_id: uuid.UUID | str, decision: Decision | str, note: str,
                   resolver: str | None = None) -> ReviewItem:
    """Settle one item (采纳 or 驳回, with ``note`` as the reason the windows read); ``resolver``
    defaults to the database login. A refusal is a SoregError naming what to do; nothing changes."""
    if not isinstance(review_id, uuid.UUID):
        review_id = _review_id(review_id)
    with admin_connect(url) as conn:
        try:
            with conn.cursor(row_factory=class_row(ReviewItem)) as cur:
                return cur.execute(_COLUMNS + " FROM central.resolve_review(%s, %s, %s, %s)",
                                   (review_id, str(decision), note, resolver)).fetchone()
        except psycopg.Error as exc:
            raise _refusal(exc) from exc
