"""Statistics (统计): counts of cases and organizations by SQL GROUP BY, the .xlsx export, and the
migration that adds the index the organization counts read."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from openpyxl import load_workbook
from sqlalchemy import create_engine, event, select, update

from accounts.window import init_window
from models import migrate
from models.cases import Case
from models.errors import SoregError
from models.store import open_store
from registry.organizations import OrganizationRecord, bulk_add_organizations_in
from spreadsheets.count_tables import export_count_tables, sheet_name
from stats.counts import statistics
from stats.tables import UNFILLED, CountRow, CountTable
from workflow.demo import fill_demo_cases

TODAY = date(2026, 3, 10)
HUAYANG, XINJING = "310105001", "310105102"


def _organizations(store) -> None:
    rows = [
        ("上海市长宁区甲乙社区服务中心", "民办非企业单位", HUAYANG, "正常"),
        ("上海市长宁区丙丁社区服务中心", "民办非企业单位", HUAYANG, "已注销"),
        ("上海市长宁区戊己养老服务中心", "民办非企业单位", XINJING, "正常"),
        ("上海市长宁区书法协会", "社会团体", None, "正常"),
        ("上海市长宁区庚辛教育基金会", "基金会", "", "已撤销"),
    ]
    with store.write() as session:
        bulk_add_organizations_in(session, [OrganizationRecord(name=n, org_type=t, street_code=s, status=st)
                                         for n, t, s, st in rows])


def test_organizations_are_counted_by_type_street_and_status(store):
    _organizations(store)
    by_type, by_street, by_status = statistics(store).organizations
    assert by_type.rows == (CountRow("社会团体", 1), CountRow("民办非企业单位", 3), CountRow("基金会", 1))
    assert by_street.rows[0] == CountRow("华阳路街道", 2)
    assert by_street.count_of("新泾镇") == 1 and by_street.count_of("江苏路街道") == 0
    assert by_street.rows[-1] == CountRow(UNFILLED, 2)  # no street and an empty one are one row
    assert len(by_street.rows) == 11 and by_street.total == 5
    assert by_status.rows == (CountRow("正常", 3), CountRow("已注销", 1), CountRow("已撤销", 1))


def test_cases_are_counted_by_state_business_and_month_of_any_year(store):
    init_window(store, "W01", actor="system", demo=True)  # demo cases are made only in a demo database
    fill_demo_cases(store, 48, today=TODAY)  # every state equally often, accepted up to 150 days before
    with store.write() as session:  # one case accepted the year before
        session.execute(update(Case).where(Case.case_no == session.scalar(select(Case.case_no).limit(1)))
                        .values(accepted_at=datetime(2025, 1, 31, 9)))
    with store.read() as session:
        months = Counter(f"{a:%Y-%m}" for a in session.scalars(select(Case.accepted_at)))
    everything = statistics(store)
    assert everything.years == (2026, 2025)
    by_state, by_business, by_month = everything.cases
    assert [row.count for row in by_state.rows] == [4] * 12 and by_state.rows[0].label == "受理"
    assert by_business.count_of("成立登记") == 48 and by_business.count_of("变更登记") == 0
    assert {row.label: row.count for row in by_month.rows} == dict(months)
    assert [row.label for row in by_month.rows] == sorted(months)

    this_year = statistics(store, year=2026)
    by_state, _by_business, by_month = this_year.cases
    assert by_state.total == sum(n for month, n in months.items() if month.startswith("2026-")) < 48
    assert [row.label for row in by_month.rows] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert by_month.count_of("2026-03") == months["2026-03"] and by_month.count_of("2026-12") == 0
    assert this_year.organizations == everything.organizations  # the registry is not cut by year


@pytest.mark.parametrize("year", [None, 2026])
def test_the_counts_read_only_covering_indexes(store, year):
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith("SELECT") and "GROUP BY" in statement:
            plans.append(" ".join(row[-1] for row in cursor.connection.execute("EXPLAIN QUERY PLAN " + statement,
                                                                                 parameters)))

    event.listen(store.engine, "before_cursor_execute", explain)
    statistics(store, year=year)
    event.remove(store.engine, "before_cursor_execute", explain)
    cases, organizations = plans
    assert ("SEARCH" if year else "SCAN") + " cases USING COVERING INDEX ix_cases_accepted_state_business" in cases
    assert "SCAN organizations USING COVERING INDEX ix_organizations_type_street_status" in organizations
    assert "TEMP B-TREE" not in organizations


def test_the_export_holds_each_table_as_shown_and_text_stays_text(tmp_path):
    tables = (
        CountTable("a", "办件按状态（2026 年受理）", "状态", (CountRow("受理", 3), CountRow("=HYPERLINK(\"x\")", 2))),
        CountTable("b", "组织按所属街镇", "所属街镇", (CountRow("+华阳路街道", 1), CountRow("-", 0), CountRow("@x", 4))),
    )
    path = export_count_tables(tables, tmp_path / "统计.xlsx")
    book = load_workbook(path)
    assert book.sheetnames == ["办件按状态（2026 年受理）", "组织按所属街镇"]
    for table, sheet in zip(tables, book.worksheets, strict=True):
        rows = [tuple(cell.value for cell in row) for row in sheet.iter_rows()]
        assert rows == [(table.dimension, "数量"), *((r.label, r.count) for r in table.rows), ("合计", table.total)]
        for row in sheet.iter_rows():
            label = row[0]
            assert label.data_type == "s"  # no formula, whatever the text begins with
            assert label.quotePrefix == str(label.value).startswith(("=", "+", "-", "@"))
    with pytest.raises(SoregError, match="统计表文件应以 .xlsx 结尾"):
        export_count_tables(tables, tmp_path / "统计.csv")
    assert not list(tmp_path.glob(".export-*"))


def test_sheet_names_are_what_excel_allows():
    taken: set[str] = set()
    assert sheet_name("办件/按:状态?", taken) == "办件_按_状态_"
    assert sheet_name("办件/按:状态?", taken) == "办件_按_状态_(2)"
    assert len(sheet_name("很" * 40, taken)) == 31


def test_migration_0010_adds_the_index_to_a_database_of_the_previous_head_and_takes_it_away(tmp_path):
    previous = ScriptDirectory.from_config(migrate._config()).get_revision("0010").down_revision
    engine = create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    migrate.upgrade(engine, previous)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO organizations (id, name, org_type, status, field, form, zihao, on_abnormal_list, "
            "on_dishonest_list, created_at, updated_at, row_version) VALUES "
            "(X'0190a0a0000070008000000000000001', '上海市长宁区书法协会', '社会团体', '正常', '', '', '', 0, 0, "
            "'2025-01-01', '2025-01-01', 1)")
    engine.dispose()
    store = open_store(tmp_path / "old.sqlite3")  # migrates to head, as a window does at start
    assert statistics(store).organizations[0].count_of("社会团体") == 1
    store.close()

    def indexes() -> set[str]:
        with engine.connect() as conn:
            return {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}

    added = {"ix_organizations_type_street_status", "ix_cases_accepted_state_business"}
    assert added <= indexes()
    config = migrate._config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, previous)
    assert not added & indexes()
