"""Shared set-up for the print-record, print CLI and printing page tests: cases walked by the real workflow."""

from __future__ import annotations

from datetime import date

import pytest

from models.cases import CaseState, CollectorKind
from tests.workflow_fixtures import GROUP_FORM, Window, print_certificates
from workflow.intake import open_case
from workflow.queries import get_case
from workflow.transitions import Action, Collector, perform

ACCEPTED_ON = date(2026, 9, 21)
DECIDED_ON = date(2026, 9, 22)


def case_at(window: Window, state: CaseState, base: dict = GROUP_FORM) -> str:
    """A new case opened from ``base`` and moved along the main line (or to 补正 / 不予登记) until ``state``."""
    # several cases of one name: once one is registered the name check refuses the next, so say why
    case_no = open_case(window.store, base | {"name_override_reason": "同名办件，用于打印各种文书"}, user=window.clerk,
                        today=ACCEPTED_ON).case_no
    if state is CaseState.SUPPLEMENT:
        perform(window.store, case_no, Action.SUPPLEMENT, user=window.clerk, on=DECIDED_ON,
                reasons=["章程草案未经发起人签字"])
        return case_no
    if state is CaseState.REJECTED:
        perform(window.store, case_no, Action.REJECT, user=window.approver, on=DECIDED_ON,
                reasons=["拟任法定代表人年龄超过七十周岁", "住所证明已过期"])
        return case_no
    while (current := CaseState(get_case(window.store, case_no).state)) is not state:
        if current is CaseState.ACCEPTED:
            perform(window.store, case_no, Action.ADVANCE, user=window.clerk, on=DECIDED_ON)
        elif current is CaseState.APPROVAL:
            perform(window.store, case_no, Action.APPROVE, user=window.approver, on=DECIDED_ON, acknowledge_warnings=True)
        elif current is CaseState.CERTIFICATE:
            print_certificates(window, case_no)
            perform(window.store, case_no, Action.PRINT, user=window.clerk, on=DECIDED_ON)
        elif current is CaseState.ISSUE:
            perform(window.store, case_no, Action.ISSUE, user=window.clerk, on=DECIDED_ON,
                    collector=Collector(CollectorKind.LEGAL_REPRESENTATIVE))
        else:
            perform(window.store, case_no, Action.ADVANCE, user=window.reviewer, on=DECIDED_ON, acknowledge_warnings=True)
    return case_no


@pytest.fixture
def keyed_window(tmp_path, monkeypatch):
    """A window (W01) whose signing key sits in a plain-file keyring under ``tmp_path``."""
    from signing.keys import create_window_key
    from tests.printing_fixtures import file_keyring
    from tests.workflow_fixtures import make_window

    w = make_window(tmp_path)
    with file_keyring(tmp_path, monkeypatch):
        create_window_key(w.store, "W01", actor="system")
        yield w
    w.store.close()
