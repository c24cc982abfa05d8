"""The case list's SQL (filter, sort, page, count) and the dashboard, against the domain's own rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from models.cases import CaseState
from registry.organizations import OrganizationRecord, add_organization
from tests.workflow_fixtures import demo_cases, make_window
from workflow.case_queries import (
    CaseFilter,
    CaseOrder,
    DueFilter,
    SortKey,
    case_detail,
    count_cases,
    dashboard,
    list_cases,
    week_end,
)
from workflow.queries import get_case
from workflow.states import UNDER_REVIEW

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    w = make_window(tmp_path_factory.mktemp("cases"))
    demo_cases(w, 120, seed=7, today=TODAY)
    yield w
    w.store.close()


def every(session, flt=CaseFilter(), order=CaseOrder()):
    return list_cases(session, flt, order, TODAY, limit=10_000)


def test_filters_match_the_rows_they_return(demo):
    with demo.store.read() as session:
        rows = every(session)
        assert len(rows) == count_cases(session, CaseFilter(), TODAY) == 120
        for flt, keep in (
            (CaseFilter(states=frozenset({"补正"})), lambda r: r.state == "补正"),
            (CaseFilter(org_type="社会团体"), lambda r: r.org_type == "社会团体"),
            (CaseFilter(accepted_by="clerk2"), lambda r: r.accepted_by == "clerk2"),
            (CaseFilter(text=rows[5].name[:9]), lambda r: r.name.startswith(rows[5].name[:9])),
            (CaseFilter(text=rows[5].case_no), lambda r: r.case_no == rows[5].case_no),
        ):
            expected = [r.case_no for r in rows if keep(r)]
            assert expected, flt
            assert [r.case_no for r in every(session, flt)] == expected
            assert count_cases(session, flt, TODAY) == len(expected)


def test_overdue_and_due_this_week_follow_the_deadline_rules(demo):
    running = {s.value for s in UNDER_REVIEW}
    with demo.store.read() as session:
        rows = every(session)
        overdue = [r.case_no for r in rows if r.state in running and r.due_date < TODAY]
        week = [r.case_no for r in rows if r.state in running and TODAY <= r.due_date <= week_end(TODAY)]
        assert overdue and week_end(TODAY) == date(2026, 11, 29)
        assert [r.case_no for r in every(session, CaseFilter(due=DueFilter.OVERDUE))] == overdue
        assert [r.case_no for r in every(session, CaseFilter(due=DueFilter.THIS_WEEK))] == week
        marked = {r.case_no for r in rows if r.overdue}
        assert marked == set(overdue)
        for r in rows:  # the days left are the domain's own figure
            assert r.working_days_left == get_case(demo.store, r.case_no).deadline(TODAY).working_days_left


@pytest.mark.parametrize("key", list(SortKey))
def test_sorting_and_paging_agree(demo, key):
    with demo.store.read() as session:
        for descending in (False, True):
            order = CaseOrder(key, descending)
            whole = every(session, order=order)
            values = [getattr(r, key.value) for r in whole]
            assert values == sorted(values, reverse=descending)
            paged = [r for offset in range(0, 120, 50) for r in list_cases(session, CaseFilter(), order, TODAY,
                                                                          offset=offset, limit=50, matching=120)]
            assert [r.case_no for r in paged] == [r.case_no for r in whole]


def test_my_cases_are_the_ones_waiting_for_my_role(demo):
    with demo.store.read() as session:
        rows = every(session)
        reviewer = every(session, CaseFilter(mine=demo.reviewer))
        assert {r.state for r in reviewer} == {"名称核准", "业务范围审定", "业务主管单位审查", "发起人/拟任负责人审查"}
        assert len(reviewer) == sum(r.state in {s.value for s in UNDER_REVIEW} - {"受理", "核准登记"} for r in rows)
        approver = every(session, CaseFilter(mine=demo.approver))
        assert {r.state for r in approver} == {"核准登记"}
        # a clerk's steps count only for the cases that clerk accepted: "clerk" accepted none
        assert every(session, CaseFilter(mine=demo.clerk)) == []


def test_dashboard_counts_and_expiring_certificates(demo, tmp_path):
    w = make_window(tmp_path)
    demo_cases(w, 24, seed=3, today=TODAY)
    with w.store.write() as session:
        for n, (days, status) in enumerate(((0, "正常"), (90, "正常"), (91, "正常"), (-1, "正常"), (30, "已注销"))):
            add_organization(session, OrganizationRecord(
                name=f"上海市长宁区测试{'甲乙丙丁戊'[n]}服务中心", org_type="民办非企业单位", status=status,
                certificate_valid_until=TODAY + timedelta(days=days)), actor="system")
    with w.store.read() as session:
        board = dashboard(session, w.reviewer, TODAY)
        assert board.supplement == count_cases(session, CaseFilter(states=frozenset({"补正"})), TODAY) == 2
        assert board.overdue == count_cases(session, CaseFilter(due=DueFilter.OVERDUE), TODAY)
        assert board.mine == count_cases(session, CaseFilter(mine=w.reviewer), TODAY) == len(board.mine_rows) + max(0, board.mine - 5)
        assert [r.due_date for r in board.overdue_rows] == sorted(r.due_date for r in board.overdue_rows)
        assert board.expiring == 2
        assert [c.name for c in board.expiring_rows] == ["上海市长宁区测试甲服务中心", "上海市长宁区测试乙服务中心"]
    w.store.close()


def test_case_detail_is_plain_data(demo):
    with demo.store.read() as session:
        row = every(session, CaseFilter(states=frozenset({CaseState.CERTIFICATE.value})))[0]
        detail = case_detail(session, row.case_no)
    assert detail.state == "制证" and detail.items["credit_code"] == row.credit_code
    assert detail.persons[0].roles == "发起人,法定代表人" and len(detail.scope) == 2
    assert all(m.received for m in detail.materials)


def test_walking_the_sort_index_gives_the_same_rows(demo):
    """When most cases match, the query walks the sort column's index; the rows must not change."""
    flt = CaseFilter(states=frozenset({"受理", "名称核准", "补正"}), org_type="民办非企业单位")
    with demo.store.read() as session:
        for key in (SortKey.ACCEPTED, SortKey.NAME, SortKey.DUE):
            order = CaseOrder(key, descending=key is SortKey.ACCEPTED)
            planned = list_cases(session, flt, order, TODAY, limit=7)
            walked = list_cases(session, flt, order, TODAY, limit=7, matching=10**6)  # "nearly all match"
            assert planned and [r.case_no for r in walked] == [r.case_no for r in planned]
