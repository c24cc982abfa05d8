"""The case list's SQL (filter, sort, page, count) and the dashboard, against the domain's own rules."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from models.cases import CaseState
from registry.organizations import OrganizationRecord, add_organization_in
from tests.workflow_fixtures import demo_cases, make_window
from workflow.case_queries import (
    CaseFilter,
    CaseOrder,
    DueFilter,
    SortKey,
    case_detail,
    count_cases_in,
    dashboard,
    list_cases_in,
    week_end,
)
from workflow.catalogue import business
from workflow.queries import get_case

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    w = make_window(tmp_path_factory.mktemp("cases"))
    demo_cases(w, 120, seed=7, today=TODAY)
    yield w
    w.store.close()


def every(session, flt=CaseFilter(), order=CaseOrder()):
    return list_cases_in(session, flt, order, TODAY, limit=10_000)


def test_filters_match_the_rows_they_return(demo):
    with demo.store.read() as session:
        rows = every(session)
        assert len(rows) == count_cases_in(session, CaseFilter(), TODAY) == 120
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
            assert count_cases_in(session, flt, TODAY) == len(expected)


def test_overdue_and_due_this_week_follow_the_deadline_rules(demo):
    running = set(business("成立登记").under_review())
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
            paged = [r for offset in range(0, 120, 50) for r in list_cases_in(session, CaseFilter(), order, TODAY,
                                                                          offset=offset, limit=50, matching=120)]
            assert [r.case_no for r in paged] == [r.case_no for r in whole]


def test_my_cases_are_the_ones_waiting_for_my_role(demo):
    with demo.store.read() as session:
        rows = every(session)
        reviewer = every(session, CaseFilter(mine=demo.reviewer))
        assert {r.state for r in reviewer} == {"名称核准", "业务范围审定", "业务主管单位审查", "发起人/拟任负责人审查"}
        assert len(reviewer) == sum(r.state in set(business("成立登记").under_review()) - {"受理", "核准登记"} for r in rows)
        approver = every(session, CaseFilter(mine=demo.approver))
        assert {r.state for r in approver} == {"核准登记"}
        # a clerk's steps count only for the cases that clerk accepted: "clerk" accepted none
        assert every(session, CaseFilter(mine=demo.clerk)) == []


def test_dashboard_counts_and_expiring_certificates(demo, tmp_path):
    w = make_window(tmp_path)
    demo_cases(w, 24, seed=3, today=TODAY)
    with w.store.write() as session:
        for n, (days, status) in enumerate(((0, "正常"), (90, "正常"), (91, "正常"), (-1, "正常"), (30, "已注销"))):
            add_organization_in(session, OrganizationRecord(
                name=f"上海市长宁区测试{'甲乙丙丁戊'[n]}服务中心", org_type="民办非企业单位", status=status,
                certificate_valid_until=TODAY + timedelta(days=days)), actor="system")
    board = dashboard(w.store, w.reviewer, TODAY)
    with w.store.read() as session:
        assert board.supplement == count_cases_in(session, CaseFilter(states=frozenset({"补正"})), TODAY) == 2
        assert board.overdue == count_cases_in(session, CaseFilter(due=DueFilter.OVERDUE), TODAY)
        assert board.mine == count_cases_in(session, CaseFilter(mine=w.reviewer), TODAY) == len(board.mine_rows) + max(0, board.mine - 5)
        assert [r.due_date for r in board.overdue_rows] == sorted(r.due_date for r in board.overdue_rows)
        assert board.expiring == 2
        assert [c.name for c in board.expiring_rows] == ["上海市长宁区测试甲服务中心", "上海市长宁区测试乙服务中心"]
    w.store.close()


def test_the_dashboard_reads_through_indexes(demo):
    """On 100,000 cases and a million organizations the 首页 must not read a whole table: every
    query searches an index, and the expiring certificates are counted from one alone."""
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT"):
            plans.append(" | ".join(row[-1] for row in cursor.connection.execute("EXPLAIN QUERY PLAN " + statement,
                                                                                    parameters)))

    event.listen(demo.store.engine, "before_cursor_execute", explain)
    try:
        dashboard(demo.store, demo.reviewer, TODAY)
    finally:
        event.remove(demo.store.engine, "before_cursor_execute", explain)
    whole_tables = [p for p in plans for part in p.split(" | ") if part in ("SCAN cases", "SCAN organizations")]
    assert plans and whole_tables == []
    assert any("SEARCH organizations USING COVERING INDEX ix_organizations_status_valid_until" in p for p in plans)


def test_case_detail_is_plain_data(demo):
    with demo.store.read() as session:
        row = every(session, CaseFilter(states=frozenset({CaseState.CERTIFICATE.value})))[0]
    detail = case_detail(demo.store, row.case_no)
    assert detail.state == "制证" and detail.items["credit_code"] == row.credit_code
    assert detail.persons[0].roles == "发起人,法定代表人" and len(detail.scope) == 2
    assert all(m.received for m in detail.materials)


@pytest.mark.parametrize("flt", [
    CaseFilter(states=frozenset({"受理", "名称核准", "补正"}), org_type="民办非企业单位"),
    CaseFilter(due=DueFilter.OVERDUE),
    CaseFilter(text="上海"),  # two characters: a scan of the search lines, or each walked case's own line
    CaseFilter(text="上海市", states=frozenset({"受理", "名称核准"})),  # three: the trigram index
])
def test_walking_the_sort_index_gives_the_same_rows(demo, flt):
    """When most cases match, the query walks the sort column's index; the rows must not change."""
    with demo.store.read() as session:
        for key in (SortKey.ACCEPTED, SortKey.NAME, SortKey.DUE):
            order = CaseOrder(key, descending=key is SortKey.ACCEPTED)
            planned = list_cases_in(session, flt, order, TODAY, limit=7)
            walked = list_cases_in(session, flt, order, TODAY, limit=7, matching=10**6)  # "nearly all match"
            assert planned and [r.case_no for r in walked] == [r.case_no for r in planned]


def _walk_plan(session, flt: CaseFilter) -> str:
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        plans.append(" | ".join(row[-1] for row in cursor.connection.execute("EXPLAIN QUERY PLAN " + statement,
                                                                                parameters)))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", explain)
    try:
        list_cases_in(session, flt, CaseOrder(), TODAY, limit=7, matching=10**6)
    finally:
        event.remove(engine, "before_cursor_execute", explain)
    return plans[-1]


def test_a_walk_of_the_list_judges_state_and_due_date_in_the_index_and_looks_up_each_line(demo):
    """The newest cases are rarely overdue, so the default order's walk passes many before the
    first match: it reads (accepted_at, state, due_date) and no table row for those (migration
    0017). A search the walk applies looks up each case's own line, not a list of all lines."""
    with demo.store.read() as session:
        assert "USING INDEX ix_cases_accepted_state_due" in _walk_plan(session, CaseFilter(due=DueFilter.OVERDUE))
        plan = _walk_plan(session, CaseFilter(text="上海"))
        assert "SEARCH case_search USING INDEX" in plan and "SCAN case_search" not in plan


def _search_lines(session) -> dict[str, list[str]]:
    """Each case's number, name, applicant and persons' names, read from the cases themselves."""
    from sqlalchemy import select

    from models.cases import Case, CasePerson

    lines = {case_no: [case_no, name, applicant] for case_no, name, applicant in
             session.execute(select(Case.case_no, Case.name, Case.applicant))}
    for case_no, person in session.execute(select(Case.case_no, CasePerson.name).join(CasePerson, CasePerson.case_id == Case.id)):
        lines[case_no].append(person)
    return lines


def _found(session, text: str, flt=CaseFilter()) -> list[str]:
    from dataclasses import replace

    flt = replace(flt, text=text)
    rows = every(session, flt)
    assert count_cases_in(session, flt, TODAY) == len(rows)
    return sorted(r.case_no for r in rows)


def test_search_matches_a_middle_part_of_each_kind_of_text(demo):
    with demo.store.read() as session:
        lines = _search_lines(session)
        sample = next(parts for parts in lines.values() if len(parts) >= 4 and len(parts[3]) >= 3)
        case_no, name, applicant, person = sample[:4]
        middles = {
            "case number": case_no[8:15],  # "-2026-0", neither start nor end
            "name (three characters, the index)": name[7:10],
            "name (two characters, a scan)": name[7:9],
            "applicant": applicant[1:3] if len(applicant) >= 3 else applicant[-2:],
            "person": person[1:3],
        }
        for kind, part in middles.items():
            expected = sorted(no for no, parts in lines.items() if any(part in p for p in parts))
            assert case_no in expected, kind
            assert _found(session, part) == expected, kind
            assert _found(session, f"  {part} ") == expected, kind  # surrounding blanks do not count
        # combined with another filter, and nothing spans two parts of a line
        assert _found(session, name[7:10], CaseFilter(states=frozenset({"补正"}))) == sorted(
            no for no, parts in lines.items() if any(name[7:10] in p for p in parts)
            and no in {r.case_no for r in every(session, CaseFilter(states=frozenset({"补正"})))})
        assert _found(session, case_no[-2:] + name[:2]) == []
        for wild in ("%", "_", "%%%", '"', '"上海'):  # LIKE wildcards and FTS5 syntax are plain characters
            assert _found(session, wild) == sorted(no for no, parts in lines.items() if any(wild in p for p in parts))


def test_the_search_follows_every_write_to_a_case_and_its_persons(tmp_path):
    from sqlalchemy import select

    from models.cases import Case, CasePerson

    w = make_window(tmp_path)
    demo_cases(w, 3, seed=11, today=TODAY)
    with w.store.write() as session:
        case = session.scalars(select(Case).order_by(Case.case_no)).first()
        case.name = "上海市长宁区甪直书画研究会"
        case.persons[0].name = "欧阳𠈌"
        session.add(CasePerson(case_id=case.id, position=9, name="司马相如", id_number="310105198001011236",
                               birth_date=date(1980, 1, 1), roles="发起人"))
        case_no = case.case_no
    with w.store.read() as session:
        assert _found(session, "甪直书") == [case_no] and _found(session, "阳𠈌") == [case_no]
        assert _found(session, "马相") == [case_no] and _found(session, "司马相如") == [case_no]
    with w.store.write() as session:
        case = session.scalars(select(Case).where(Case.case_no == case_no)).one()
        case.persons.remove(next(p for p in case.persons if p.name == "司马相如"))
    with w.store.read() as session:
        assert _found(session, "司马相如") == [] and _found(session, "马相") == []
    w.store.close()


def test_migration_0011_fills_the_search_of_existing_cases_and_goes_back(tmp_path):
    """A database made by the previous head (0006) with cases in it: 0011 adds the override reason and
    fills the search lines and their index; the downgrade removes both and keeps every case."""
    import sqlite3

    from alembic import command
    from sqlalchemy import create_engine, select

    from models import migrate
    from models.cases import Case
    from models.store import open_store

    path = tmp_path / "old.sqlite3"
    engine = create_engine(f"sqlite:///{path}")
    migrate.upgrade(engine, "0006")
    engine.dispose()
    with sqlite3.connect(path) as conn:  # a case as 0006 stored it, with one person
        conn.execute("INSERT INTO cases (id, created_at, updated_at, row_version, case_no, business_type, org_type, state, "
                     "window_code, accepted_by, accepted_at, applicant, applicant_phone, due_date, statutory_due_date, "
                     "stopped_working_days, stopped_calendar_days, name, address, purpose, activity_area, "
                     "legal_representative, funds_yuan, individual_members, unit_members) VALUES ('0' || hex(randomblob(15)) || '0', "
                     "'2026-01-01', '2026-01-01', 1, '310105-W01-2026-000077', '成立登记', '社会团体', '受理', 'W01', 'clerk', "
                     "'2026-01-01', '钱塘江', '13812345678', '2026-02-01', '2026-03-01', 0, 0, '上海市长宁区琴韵音乐协会', '', '', "
                     "'', '', 30000, 60, 0)")
        conn.execute("INSERT INTO case_persons (id, created_at, updated_at, row_version, case_id, position, name, id_number, "
                     "birth_date, phone, roles, title) SELECT 'ab' || substr(id, 3), '2026-01-01', '2026-01-01', 1, id, 0, "
                     "'慕容复', '310105198001011236', '1980-01-01', '', '法定代表人', '' FROM cases")
    store = open_store(path)  # upgrades to the head
    with store.read() as session:
        assert session.scalar(select(Case.name_override_reason)) is None
        for part in ("W01-2026-0000", "韵音乐", "琴韵", "塘江", "容复"):
            assert _found(session, part) == ["310105-W01-2026-000077"], part
    store.close()
    config = migrate._config()
    with create_engine(f"sqlite:///{path}").begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0006")
    with sqlite3.connect(path) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")}
        assert not {t for t in tables if "search" in t}
        assert "name_override_reason" not in {row[1] for row in conn.execute("PRAGMA table_info(cases)")}
        assert conn.execute("SELECT count(*) FROM case_persons").fetchone() == (1,)
