"""The centre's reference data in use at this window (中心下发的基础数据).

The pull keeps the centre's values in ``central_reference``; ``use_central_reference`` puts them
in place of the bundled files (``models.reference.use_central``) when the store is opened and
after a sync that brought new ones. A value this program's loaders refuse is not used — that
file stays the bundled one — and leaves a sync notice (同步提示) for the clerk, once per version.
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

# the modules whose loaders read reference files besides models.reference: imported so that
# every file is checked by all of its loaders
import forms.materials  # noqa: F401
import models.case_rules  # noqa: F401
import registry.name_rules  # noqa: F401
import workflow.workdays  # noqa: F401
from models import reference
from models.outbox import CentralReference, NoticeKind, SyncNotice
from models.store import Store

NOT_USED = "未采用"


def use_central_reference(store: Store) -> dict[str, str]:
    """Use the centre's reference data kept in ``store``; return the refused files with the reason."""
    with store.read() as session:
        rows = session.execute(select(CentralReference.key, CentralReference.value, CentralReference.row_version)).all()
    refused = reference.use_central({key: json.loads(value) for key, value, _ in rows})
    if refused:
        versions = {key: version for key, _, version in rows}
        notices = [
            {"key": f"reference:{key}:{versions[key]}", "kind": NoticeKind.REJECTED.value, "table_name": "central_reference",
             "row_id": key, "status": NOT_USED,
             "reason": f"中心下发的基础数据 {key}（第 {versions[key]} 版）不能使用：{why}。本窗口继续使用程序自带的 {key}，"
                       "请联系中心管理员更正后重新发布。",
             "detail": json.dumps({"row_version": versions[key], "problem": why}, ensure_ascii=False)}
            for key, why in refused.items()
        ]
        with store.write() as session:
            session.execute(sqlite_insert(SyncNotice).on_conflict_do_nothing(index_elements=["key"]), notices)
    return refused
