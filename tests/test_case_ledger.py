"""The 办件台账 export: the filtered rows in the list's order, written with openpyxl write-only."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook

from models.errors import SoregError
from models.progress import SILENT, Cancelled
from spreadsheets.case_ledger import HEADERS, export_case_ledger
from tests.workflow_fixtures import make_window
from workflow.case_queries import CaseFilter, CaseOrder, DueFilter, SortKey, count_cases, list_cases
from workflow.demo import fill_demo_cases

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    w = make_window(tmp_path_factory.mktemp("ledger"))
    fill_demo_cases(w.store, 1200, seed=11, today=TODAY)
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
        expected = list_cases(session, flt, order, TODAY, limit=10_000)
        assert count == len(expected) == count_cases(session, flt, TODAY) > 0
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
