"""A process killed in the middle of a transition leaves the case in its previous state or its
next one — never in between — and the audit trail still verifies."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models.audit import AuditEvent, verify_chain_in
from models.cases import Case, CaseState, CaseStep
from models.registry import Organization, OrganizationCode
from models.store import open_store
from tests.test_workflow_cases import walk_to
from tests.workflow_fixtures import GROUP_FORM, PASSWORD, make_window
from workflow.intake import open_case
from workflow.transitions import Action

ROOT = Path(__file__).resolve().parents[1]

# The child performs one transition. With a marker path it stops inside the write transaction,
# after everything is flushed and before COMMIT, and tells the parent it is there.
CHILD = """
import sys, time
from datetime import date
from pathlib import Path
from sqlalchemy import event
from sqlalchemy.orm import Session
from accounts.users import authenticate
from models.store import open_store
from workflow.transitions import Action, perform

db, case_no, action, username, password, marker = sys.argv[1:7]
store = open_store(db)
user = authenticate(store, username, password)
if marker != "-":
    @event.listens_for(Session, "before_commit")
    def pause(session):
        session.flush()
        Path(marker).write_text("in transaction")
        time.sleep(120)
perform(store, case_no, Action(action), user=user, on=date(2026, 9, 30), reasons=["材料不齐"], acknowledge_warnings=True)
print("committed")
"""


def _snapshot(store, case_no):
    with store.read() as session:
        case = session.scalar(select(Case).where(Case.case_no == case_no))
        steps = session.scalars(select(CaseStep).where(CaseStep.case_id == case.id).order_by(CaseStep.seq)).all()
        events = session.scalar(select(func.count()).where(AuditEvent.record_id == case_no))
        orgs = session.scalar(select(func.count()).select_from(Organization))
        used = session.scalar(select(func.count()).where(OrganizationCode.used_by.is_not(None)))
        chain = verify_chain_in(session)
        return {"state": case.state, "steps": len(steps), "last_to": steps[-1].to_state, "events": events,
                "orgs": orgs, "codes_used": used, "credit_code": case.credit_code, "chain_ok": chain.ok}


def _run_child(db: Path, case_no: str, action: Action, username: str, marker: Path | None):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), case_no, action.value, username, PASSWORD, str(marker) if marker else "-"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"child ended early: {proc.stderr.read().decode()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError("child never reached the transaction")
        time.sleep(0.02)


@pytest.mark.parametrize(("start", "action", "username", "after"), [
    (CaseState.APPROVAL, Action.APPROVE, "approver", CaseState.CERTIFICATE),
    (CaseState.NAME_REVIEW, Action.SUPPLEMENT, "reviewer", CaseState.SUPPLEMENT),
])
def test_killed_inside_the_transaction_leaves_the_previous_state(tmp_path, start, action, username, after):
    window = make_window(tmp_path)
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=date(2026, 9, 21))
    walk_to(window, case.case_no, start)
    before = _snapshot(window.store, case.case_no)
    window.store.close()

    marker = tmp_path / "in-transaction"
    child = _run_child(window.store.path, case.case_no, action, username, marker)
    _wait_for(marker, child)
    child.send_signal(signal.SIGKILL)
    child.wait()

    store = open_store(window.store.path)
    crashed = _snapshot(store, case.case_no)
    # the login itself committed an audit event (user.login) before the transition started
    assert crashed == before, crashed
    assert crashed["state"] == start.value and crashed["chain_ok"]
    store.close()

    # and the same transition, run to the end, then moves it exactly one step
    done = _run_child(window.store.path, case.case_no, action, username, None)
    assert done.wait(timeout=120) == 0, done.stderr.read().decode()
    store = open_store(window.store.path)
    finished = _snapshot(store, case.case_no)
    assert finished["state"] == after.value and finished["steps"] == before["steps"] + 1
    assert finished["last_to"] == after.value and finished["chain_ok"]
    assert finished["orgs"] == before["orgs"] + (1 if action is Action.APPROVE else 0)
    store.close()


def test_killed_at_random_moments_is_always_whole(tmp_path):
    window = make_window(tmp_path)
    case = open_case(window.store, GROUP_FORM, user=window.clerk, today=date(2026, 9, 21))
    walk_to(window, case.case_no, CaseState.APPROVAL)
    window.store.close()
    states = {CaseState.APPROVAL.value, CaseState.CERTIFICATE.value}
    for delay in (0.3, 0.8, 1.2, 1.6, 2.0, 2.5):
        child = _run_child(window.store.path, case.case_no, Action.APPROVE, "approver", None)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait()
        store = open_store(window.store.path)
        snap = _snapshot(store, case.case_no)
        store.close()
        assert snap["state"] in states and snap["chain_ok"]
        assert snap["last_to"] == snap["state"]
        approved = snap["state"] == CaseState.CERTIFICATE.value
        assert (snap["orgs"], snap["codes_used"], bool(snap["credit_code"])) == ((1, 1, True) if approved else (0, 0, False))
        if approved:
            break
