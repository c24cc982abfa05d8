"""The 办件台账 export: the filtered rows in the list's order, written with openpyxl write-only."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from models.errors import SoregError
from models.progress import SILENT, Cancelled
from spreadsheets.case_ledger import HEADERS, export_case_ledger
from tests.workflow_fixtures import demo_cases, make_window
from workflow.case_queries import CaseFilter, CaseOrder, DueFilter, SortKey, count_cases_in, list_cases_in

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    w = make_window(tmp_path_factory.mktemp("ledger"))
    demo_cases(w, 1200, seed=11, today=TODAY)
    yield w
    w.store.close()


class Recorder:
    def __init__(self, cancel_after: int | None = None) -> None:
        self.reports: list[tuple[int, int | None]] = []
        self.cancel_after = cancel_after

    def report(self, done, total=None, text=""):
        self.reports.append((done, total))

    @property
    def cancelled(self) -> bool:
        return self.cancel_after is not None and self.reports[-1][0] >= self.cancel_after


def read_back(path):
    return list(load_workbook(path, read_only=True)["办件台账"].iter_rows(values_only=True))


def test_the_ledger_holds_the_filtered_rows_in_order(demo, tmp_path):
    flt, order = CaseFilter(due=DueFilter.OVERDUE, org_type="社会团体"), CaseOrder(SortKey.NAME, descending=False)
    progress = Recorder()
    count = export_case_ledger(demo.store, flt, order, tmp_path / "台账.xlsx", today=TODAY, progress=progress)
    with demo.store.read() as session:
        expected = list_cases_in(session, flt, order, TODAY, limit=10_000)
        assert count == len(expected) == count_cases_in(session, flt, TODAY) > 0
    rows = read_back(tmp_path / "台账.xlsx")
    assert rows[0] == HEADERS
    assert [(r[0], r[1], r[4], r[7], r[8], r[10]) for r in rows[1:]] == [
        (e.case_no, e.name, e.state, e.due_date.isoformat(), e.working_days_left, "已超期") for e in expected]
    assert progress.reports[0] == (0, count) and progress.reports[-1] == (count, count)


def test_a_cancelled_export_leaves_no_file(demo, tmp_path):
    target = tmp_path / "台账.xlsx"
    with pytest.raises(Cancelled):
        export_case_ledger(demo.store, CaseFilter(), CaseOrder(), target, today=TODAY, progress=Recorder(cancel_after=500))
    assert list(tmp_path.iterdir()) == []


def test_a_wrong_file_name_is_refused_in_chinese(demo, tmp_path):
    with pytest.raises(SoregError, match="台账文件应以 .xlsx 结尾"):
        export_case_ledger(demo.store, CaseFilter(), CaseOrder(), tmp_path / "台账.csv", today=TODAY, progress=SILENT)


def test_text_that_a_spreadsheet_would_take_for_a_formula_is_written_as_text(tmp_path):
    """A case name or a user name such as ``=HYPERLINK(…)`` stays text: no cell of the ledger is a formula."""
    from sqlalchemy import text

    from tests.workflow_fixtures import GROUP_FORM, form
    from workflow.intake import open_case

    window = make_window(tmp_path)
    hostile = ['=HYPERLINK("http://example.com/x","点此")', "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"]
    for n, (name, user) in enumerate(zip(hostile[::2], hostile[1::2], strict=True)):
        case = open_case(window.store, form(GROUP_FORM, name=f"上海市长宁区{'春夏秋'[n]}晖养老服务协会"), user=window.clerk,
                         today=TODAY)
        with window.store.write() as session:
            session.execute(text("update cases set name = :name, accepted_by = :user where case_no = :no"),
                            {"name": name, "user": user, "no": case.case_no})
    target = tmp_path / "台账.xlsx"
    export_case_ledger(window.store, CaseFilter(), CaseOrder(SortKey.CASE_NO, descending=False), target, today=TODAY,
                       progress=SILENT)
    window.store.close()
    sheet = load_workbook(target)["办件台账"]
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    typed = [h.replace("\r", "\n") for h in hostile]  # an XML reader gives a carriage return back as a line feed
    kept = {c.value: c.quotePrefix for c in cells if c.value in typed}
    assert kept == dict.fromkeys(typed, True)  # shown as typed, marked as text for Excel
