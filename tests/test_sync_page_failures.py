"""The 同步 page shows the failure a sync recorded, in Chinese, and an op this window refused
itself among the notices — also when the sync ran from the command line."""

from __future__ import annotations

import json
import uuid

import pytest

from PySide6.QtCore import Qt
from screens import SCREENSHOTS
from sqlalchemy import insert
from sync_fixtures import centre, file_keyring, make_window, private_server  # noqa: F401
from test_ui_sync import _no_auto_sync, _open
from ui_fixtures import runner  # noqa: F401

from models.errors import SoregError
from models.outbox import OutboxOp
from sync.runner import run_sync, sync_status


def _queue_a_nul(store) -> None:
    """An op queued unchecked, as a version before the queue check could."""
    event_id = str(uuid.uuid4())
    payload = {"id": event_id, "created_at": "2026-11-20T09:00:00", "updated_at": "2026-11-20T09:00:00",
               "row_version": 1, "seq": 999, "actor": "clerk", "action": "registry.import", "record_type": "organization",
               "record_id": "晨曦\x00社区", "summary": "{}", "prev_hash": "0" * 64, "hash": "1" * 64}
    with store.write() as session:
        session.execute(insert(OutboxOp.__table__).values(
            op_id=str(uuid.uuid4()), table_name="audit_events", row_id=event_id, op="insert", row_version=1,
            base_version=0, payload=json.dumps(payload, ensure_ascii=False)))


def test_the_page_shows_a_recorded_failure_and_a_refused_op(qtbot, tmp_path, centre, runner, file_keyring):
    store, settings = make_window(tmp_path, centre, "W01")
    _no_auto_sync(store)
    _queue_a_nul(store)
    with store.write() as session:  # the local database refuses what the centre sends
        session.connection().exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON code_blocks BEGIN SELECT RAISE(ABORT, 'refused here'); END")
    window, page = _open(qtbot, store, runner)
    assert not page.last_error_value.isVisible()
    with pytest.raises(SoregError):  # a sync from the command line, while the window is open
        run_sync(store, settings)
    recorded = sync_status(store).last_error
    assert recorded.startswith("同步出错，已停止（已完成的部分已保存，下次同步从中断处继续）。详情已写入 ")
    qtbot.waitUntil(lambda: page.last_error_value.isVisible() and page.last_error_value.text() == recorded,
                    timeout=10_000)
    page.reload_notices()
    qtbot.waitUntil(lambda: page.notice_table.rowCount() == 1, timeout=5_000)
    cells = [page.notice_table.item(0, c).text() for c in range(page.notice_table.columnCount())]
    assert cells[:3] == ["被拒绝", "已拒绝", "操作日志"]
    assert cells[4] == "本窗口未上传：对象编号含有控制字符（U+0000），中心不接收。"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SCREENSHOTS / "sync-failure-recorded.png"))

    qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)  # the same failure, from the page
    qtbot.waitUntil(lambda: "同步出错，已停止" in page.outcome_label.text(), timeout=20_000)
    assert "IntegrityError" not in page.outcome_label.text()
    qtbot.waitUntil(lambda: not page.last_error_value.isVisible(), timeout=5_000)  # said once, not twice
