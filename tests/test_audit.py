"""The audit trail's hash chain detects edited, deleted and removed-at-the-end rows."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from models.audit import record_event_in, verify_chain_in


@pytest.fixture
def logged(store):
    with store.write() as s:
        for i in range(1, 6):
            record_event_in(s, actor="zhangsan", action="case.step", record_type="case", record_id=f"C{i}",
                         before={"state": "受理"}, after={"state": "名称核准", "备注": f"第{i}件"})
    return store  # init_window wrote event 1, so the log has 6 events


def _verify(store):
    with store.read() as s:
        return verify_chain_in(s)


def test_untouched_log_verifies(logged):
    report = _verify(logged)
    assert report.ok and report.checked == 6


def test_an_edited_row_is_named(logged):
    with logged.engine.begin() as conn:
        conn.execute(text("update audit_events set summary = replace(summary, '第3件', '第9件') where seq = 4"))
    report = _verify(logged)
    assert not report.ok and report.broken_seq == 4
    assert "第 4 条记录的内容已被改动" in report.reason


def test_an_edited_hash_is_caught_at_the_next_link(logged):
    with logged.engine.begin() as conn:
        conn.execute(text("update audit_events set actor = 'mallory' where seq = 3"))
        # a careful forger also rewrites the row's own hash; the next row's link still betrays it
        from models.audit import AuditEvent, _event_digest
        from sqlalchemy.orm import Session

        with Session(bind=conn) as s:
            row = s.query(AuditEvent).filter_by(seq=3).one()
            conn.execute(text("update audit_events set hash = :h where seq = 3"), {"h": _event_digest(row)})
    report = _verify(logged)
    assert report.broken_seq == 4 and "链接不符" in report.reason


def test_a_deleted_row_is_named(logged):
    with logged.engine.begin() as conn:
        conn.execute(text("delete from audit_events where seq = 3"))
    report = _verify(logged)
    assert report.broken_seq == 3 and "缺失" in report.reason


def test_deleting_the_newest_rows_is_detected(logged):
    with logged.engine.begin() as conn:
        conn.execute(text("delete from audit_events where seq >= 5"))
    report = _verify(logged)
    assert not report.ok and report.broken_seq == 5
