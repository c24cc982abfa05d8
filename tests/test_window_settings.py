"""Window settings (窗口设置): four-eyes, idle lock, the window's commitments and printers, each audited."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from accounts.window_settings import (
    choose_printer,
    printer_choices,
    set_commitment,
    set_four_eyes,
    set_idle_lock_minutes,
    window_settings,
)
from models.audit import AuditEvent
from models.case_rules import case_rules_in
from models.errors import SoregError
from printing.calibration import Calibration, save_calibration_in
from workflow.deadlines import limits_for


def _events(store, action: str) -> list[tuple[str, str, dict]]:
    with store.read() as s:
        return [(e.actor, e.record_id, json.loads(e.summary))
                for e in s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))]


def test_four_eyes_and_idle_lock_change_with_before_and_after_in_the_audit(store):
    assert window_settings(store).four_eyes is True
    assert set_four_eyes(store, False, actor="admin") is True
    assert set_four_eyes(store, False, actor="admin") is False  # no change, no event
    assert set_idle_lock_minutes(store, 25, actor="admin") is True
    settings = window_settings(store)
    assert (settings.four_eyes, settings.idle_lock_minutes) == (False, 25)
    assert _events(store, "setting.change") == [
        ("admin", "workflow.four_eyes", {"before": {"value": True}, "after": {"value": False}}),
        ("admin", "security.idle_lock_minutes", {"before": {"value": 10}, "after": {"value": 25}}),
    ]


@pytest.mark.parametrize("minutes", [0, 121])
def test_an_idle_lock_outside_its_range_is_refused(store, minutes):
    with pytest.raises(SoregError, match="闲置锁屏时间应在 1 到 120 分钟之间") as refused:
        set_idle_lock_minutes(store, minutes, actor="admin")
    assert refused.value.field == "闲置锁屏"


def test_the_commitment_changes_within_the_statutory_limit(store):
    deadline = set_commitment(store, "成立登记", 15, actor="admin")
    assert (deadline.local_working_days, deadline.default_working_days, deadline.statutory_calendar_days) == (15, 20, 60)
    with store.read() as s:
        assert limits_for(case_rules_in(s), "成立登记").local_working_days == 15
        assert limits_for(case_rules_in(s), "变更登记").local_working_days == 15  # the file's, untouched
    assert set_commitment(store, "变更登记", 12, actor="admin").local_working_days == 12
    with store.read() as s:
        assert limits_for(case_rules_in(s), "成立登记").local_working_days == 15  # both overrides kept
    assert _events(store, "setting.change")[0] == (
        "admin", "workflow.rules.deadlines.成立登记",
        {"before": {"local_working_days": 20}, "after": {"local_working_days": 15}})
    assert set_commitment(store, "成立登记", 60, actor="admin").local_working_days == 60
    with pytest.raises(SoregError, match="承诺时限应在 1 到 60 个工作日之间（不能多于法定时限 60 日）"):
        set_commitment(store, "成立登记", 61, actor="admin")
    with pytest.raises(SoregError, match="承诺时限应在 1 到 20 个工作日之间"):
        set_commitment(store, "慈善组织认定", 0, actor="admin")
    with pytest.raises(SoregError, match="业务类型“开会”没有办理时限"):
        set_commitment(store, "开会", 5, actor="admin")


def test_printers_are_chosen_per_document_and_show_their_calibration(store):
    assert [c.printer for c in printer_choices(store, ["登记证书", "受理回执"])] == ["", ""]
    choose_printer(store, "登记证书", "Epson LQ-630K", actor="admin")
    with store.write() as s:
        save_calibration_in(s, "Epson LQ-630K", Calibration(1.5, -0.5, 1.0), actor="admin")
    certificate, receipt = printer_choices(store, ["登记证书", "受理回执"])
    assert (certificate.printer, certificate.calibration) == ("Epson LQ-630K", Calibration(1.5, -0.5, 1.0))
    assert (receipt.printer, receipt.calibration) == ("", None)
    assert _events(store, "printing.printer")[0][2] == {"after": {"printer": "Epson LQ-630K"}}
    with pytest.raises(SoregError, match="请填写或选择打印机名称"):
        choose_printer(store, "受理回执", "  ", actor="admin")
