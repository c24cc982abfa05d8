"""The 统计 page driven through its real controls (offscreen): the counts it shows equal the
database's, a year narrows the case tables, and 导出… writes an .xlsx whose cells equal the table."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QFileDialog, QLineEdit
from screens import SCREENSHOTS
from sqlalchemy import select
from ui_fixtures import runner  # noqa: F401

from accounts.users import create_user
from accounts.window import init_window
from models import reference
from models.accounts import Role
from models.cases import Case
from models.registry import Organization
from registry.demo import fill_demo
from ui.context import PageContext
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.pages import PAGES
from ui.pages.statistics_page import StatisticsPage
from workflow.demo import fill_demo_cases

TODAY = date(2026, 3, 10)
LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def page(qtbot, store, runner):
    init_window(store, "W01", actor="system", demo=True)  # demo data is made only in a demo database
    fill_demo(store, 400, seed=3)
    fill_demo_cases(store, 120, today=TODAY)  # accepted over the 150 days before: 2025 and 2026
    install_fonts(QApplication.instance())
    user = create_user(store, username="lisi", display_name="李四", password="correct-horse-1",
                       roles=frozenset({Role.CLERK}), actor="system")
    window = MainWindow(PageContext(store=store, user=user, tasks=runner), window_code="W01", idle_lock_ms=3_600_000)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    row = next(i for i, (_title, spec) in enumerate(PAGES) if spec.endswith(":StatisticsPage"))
    qtbot.mouseClick(window.nav.viewport(), LEFT, pos=window.nav.visualItemRect(window.nav.item(row)).center())
    shown = window.pages.currentWidget()
    assert isinstance(shown, StatisticsPage)
    qtbot.waitUntil(lambda: shown.data is not None, timeout=15000)
    return shown


def _expected(store, year: int | None = None) -> dict[str, dict[str, int]]:
    """Every count the page should show, from the rows themselves (not by GROUP BY)."""
    streets = {s.code: s.name for s in reference.streets()}
    with store.read() as s:
        cases = [c for c in s.scalars(select(Case)) if year is None or c.accepted_at.year == year]
        orgs = list(s.scalars(select(Organization)))
        return {
            "cases_by_state": Counter(c.state for c in cases),
            "cases_by_business": Counter(c.business_type for c in cases),
            "cases_by_month": Counter(f"{c.accepted_at:%Y-%m}" for c in cases),
            "organizations_by_type": Counter(o.org_type for o in orgs),
            "organizations_by_street": Counter(streets.get(o.street_code, "（未填写）") for o in orgs),
            "organizations_by_status": Counter(o.status for o in orgs),
        }


def _shown(page: StatisticsPage) -> dict[str, dict[str, int]]:
    return {box.table.key: {label: int(count.replace(",", "")) for label, count in box.shown_rows() if count != "0"}
            for box in page.boxes}


def test_the_counts_shown_are_the_database_s_for_every_year_and_for_one(qtbot, store, page):
    assert _shown(page) == {key: dict(counts) for key, counts in _expected(store).items()}
    assert [box.title() for box in page.boxes] == ["办件按状态", "办件按业务类型", "办件按受理月份",
                                                   "组织按类型", "组织按所属街镇", "组织按登记状态"]
    assert page.case_boxes[0].total_label.text() == "合计　120"
    assert [page.year_combo.itemText(i) for i in range(page.year_combo.count())] == ["全部年度", "2026 年", "2025 年"]

    page.year_combo.setFocus()
    QTest.keyClick(page.year_combo, Qt.Key.Key_Down)  # 2026
    qtbot.waitUntil(lambda: page.data.year == 2026, timeout=15000)
    assert _shown(page) == {key: dict(counts) for key, counts in _expected(store, 2026).items()}
    months = [label for label, _count in page.case_boxes[2].shown_rows()]
    assert months == [f"2026-{m:02d}" for m in range(1, 13)]  # every month of the year, none empty-handed


def _export_through_dialog(qtbot, page: StatisticsPage, button, target) -> None:
    qtbot.mouseClick(button, LEFT)
    dialog = page.export_dialog
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible(), timeout=15000)
    assert isinstance(dialog, QFileDialog)
    dialog.findChild(QLineEdit, "fileNameEdit").setText(str(target))  # typing would open the completer's list
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    qtbot.mouseClick(save, LEFT)
    qtbot.waitUntil(lambda: page.last_export == target, timeout=15000)


def test_export_writes_the_table_as_shown(qtbot, tmp_path, page):
    box = page.organization_boxes[1]  # 组织按所属街镇
    target = tmp_path / "streets.xlsx"
    _export_through_dialog(qtbot, page, box.export_button, target)
    assert page.status.text() == f"已导出 1 张统计表到 {target}"
    book = load_workbook(target)
    assert book.sheetnames == ["组织按所属街镇"]
    rows = [tuple(c.value for c in row) for row in book.active.iter_rows()]
    shown = [(label, int(count.replace(",", ""))) for label, count in box.shown_rows()]
    assert rows == [("所属街镇", "数量"), *shown, ("合计", box.table.total)]

    everything = tmp_path / "all.xlsx"
    _export_through_dialog(qtbot, page, page.export_all_button, everything)
    book = load_workbook(everything)
    assert book.sheetnames == [b.title() for b in page.boxes]
    for b, sheet in zip(page.boxes, book.worksheets, strict=True):
        cells = [(label, int(count.replace(",", ""))) for label, count in b.shown_rows()]
        assert [tuple(c.value for c in row) for row in sheet.iter_rows(min_row=2)][:-1] == cells


def test_statistics_screenshot(page):
    assert page.window().size().width() == 1366
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert page.window().grab().save(str(SCREENSHOTS / "statistics_page.png"))
