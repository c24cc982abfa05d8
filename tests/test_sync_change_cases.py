"""变更登记 cases across two windows and the centre: a change approved at W01 is seen at W02 after
both sync; changes of the same organization approved at both windows while offline end with one
applied and the other held in the centre's 待复核, nothing lost."""

from __future__ import annotations

from datetime import date

from sync_fixtures import centre, file_keyring, make_window, private_server  # noqa: F401

from models.cases import CaseState
from models.outbox import SyncNotice
from models.registry import Organization
from registry.name_check import check_name
from registry.records import current_record, record_versions
from sync.reviews import list_reviews
from sync.runner import run_sync
from tests.test_change_registration import NEW_REP, open_change
from tests.test_sync_versions import _approving_window
from tests.test_workflow_cases import ACCEPTED_ON, walk_to
from tests.workflow_fixtures import GROUP_FORM
from workflow.intake import open_case
from workflow.queries import get_case

RENAMED = "上海市长宁区养老服务促进会"
ON = date(2026, 10, 12)


def _registered(window) -> Organization:
    """A 成立登记 at ``window``, approved (its organization in the registry)."""
    case_no = open_case(window.store, GROUP_FORM, user=window.clerk, today=ACCEPTED_ON).case_no
    walk_to(window, case_no, CaseState.CERTIFICATE, on=date(2026, 9, 22))
    with window.store.read() as session:
        return session.get(Organization, get_case(window.store, case_no).organization_id)


def _changed(window, org, items, **organization) -> str:
    """A 变更登记 of ``org`` at ``window`` for ``items``, approved; its case number."""
    from tests.test_change_registration import change_form

    data = change_form(window, org, **organization)
    if "legal_representative" in items:
        data["persons"] = [NEW_REP]
    case_no = open_change(window, org, set(items), data)
    walk_to(window, case_no, CaseState.CERTIFICATE, on=ON)
    return case_no


def test_a_change_case_at_w01_is_seen_at_w02_after_both_sync(tmp_path, centre, file_keyring):
    (s1, c1), (s2, c2) = (make_window(tmp_path / code, centre, code) for code in ("W01", "W02"))
    w01 = _approving_window(s1)
    org = _registered(w01)
    run_sync(s1, c1)
    run_sync(s2, c2)

    case_no = _changed(w01, org, {"name", "legal_representative"}, name=RENAMED)
    report = run_sync(s1, c1)
    assert report.rejected == report.held_for_review == 0
    run_sync(s2, c2)

    record = current_record(s2, org.id)
    assert record == current_record(s1, org.id)
    assert (record.name, record.legal_representative) == (RENAMED, "周立新")
    assert [(v.number, v.business, v.case_no) for v in record_versions(s2, org.id)] == [
        (2, "变更登记", case_no), (1, "成立登记", record_versions(s1, org.id)[1].case_no)]
    with s2.read() as session:
        row = session.get(Organization, org.id)
        assert (row.name, row.credit_code) == (RENAMED, org.credit_code)  # the code never changes
    # at W02 too the old name is a former name, protected for a year
    assert check_name(s2, org.name, org.org_type, date(2026, 11, 1)).verdict == "reject"


def test_concurrent_change_cases_end_with_one_applied_and_the_other_in_review(tmp_path, centre, file_keyring):
    (s1, c1), (s2, c2) = (make_window(tmp_path / code, centre, code) for code in ("W01", "W02"))
    w01, w02 = _approving_window(s1), _approving_window(s2)
    org = _registered(w01)
    run_sync(s1, c1)
    run_sync(s2, c2)

    _changed(w01, org, {"address"}, address="上海市长宁区仙霞路 8 号", street_code="仙霞新村街道",
             premises_document="租赁合同 XX-2026-8", premises_valid_until="2030-12-31")
    with s2.read() as session:
        at_w02 = session.get(Organization, org.id)
    held_case = _changed(w02, at_w02, {"name"}, name=RENAMED)

    assert run_sync(s1, c1).held_for_review == 0
    assert run_sync(s2, c2).held_for_review == 1
    run_sync(s1, c1)
    run_sync(s2, c2)

    # one applied (W01's, first at the centre), both windows on it
    assert current_record(s1, org.id) == current_record(s2, org.id)
    assert current_record(s2, org.id).address == "上海市长宁区仙霞路 8 号"
    assert current_record(s2, org.id).name == org.name
    assert [v.number for v in record_versions(s2, org.id)] == [2, 1]
    # nothing lost: W02's change waits in 待复核 with its content, and W02's clerk was told
    [review] = [r for r in list_reviews(centre.admin_url) if r.window_code == "W02"]
    assert (review.organization_id, review.proposed_name) == (org.id, RENAMED)
    with s2.read() as session:
        reasons = [n.reason for n in session.query(SyncNotice).all()]
    assert any("待复核" in reason for reason in reasons), reasons
    assert get_case(s2, held_case).state == CaseState.CERTIFICATE  # the case itself is kept
