"""The 登记库's organization page driven through real widgets (offscreen): the current record and
its versions with before → after, for an organization registered by a 成立登记 and then changed."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from screens import SCREENSHOTS  # noqa: E402

from models.registry import Organization
from registry.records import (
    PersonInOffice,
    RegisteredRecord,
    add_version_in,
    current_record,
)
from tests.test_registry_records import registered
from tests.test_ui_name_check import page_index
from tests.workflow_fixtures import id_number, make_window
from ui.context import PageContext
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.tasks import TaskRunner

NEW_NAME = "上海市长宁区养老服务发展协会"


@pytest.fixture
def changed_org(tmp_path):
    """A window whose registry holds one organization: 成立登记 (version 1), then a change of name,
    address and legal representative (version 2)."""
    window = make_window(tmp_path)
    case_no, org_id = registered(window)
    first = current_record(window.store, org_id)
    new_head = PersonInOffice("周文静", id_number(date(1978, 6, 3), "579"), ("法定代表人", "负责人"), "会长", date(2026, 11, 2))
    later = RegisteredRecord(**{**first.__dict__, "name": NEW_NAME, "address": "上海市长宁区延安西路 900 号 2 楼",
                                "legal_representative": "周文静", "persons": (new_head, first.persons[1])})
    with window.store.write() as session:
        add_version_in(session, session.get(Organization, org_id), later, actor="approver", case_id=None,
                       business="变更登记", on=date(2026, 11, 2))
    yield window, case_no
    window.store.close()


@pytest.fixture
def main_window(changed_org, qtbot):
    install_fonts(QApplication.instance())
    window, _ = changed_org
    tasks = TaskRunner()
    shell = MainWindow(PageContext(store=window.store, user=window.clerk, tasks=tasks), idle_lock_ms=3_600_000)
    qtbot.addWidget(shell)
    shell.resize(1366, 768)
    shell.show()
    yield shell
    tasks.shut_down()


def open_first_organization(main_window, qtbot):
    """On the 登记库 page, Enter on its one organization; the page and its organization view, loaded."""
    main_window.nav.setCurrentRow(page_index("ui.pages.registry_page:RegistryPage"))
    registry = main_window.pages.currentWidget()
    qtbot.waitUntil(lambda: registry.model.rowCount() == 1, timeout=5000)
    registry.table.setFocus()
    registry.table.setCurrentIndex(registry.model.index(0, 0))
    qtbot.keyClick(registry.table, Qt.Key.Key_Return)
    view = registry.organization_view
    qtbot.waitUntil(lambda: view.page is not None, timeout=5000)
    return registry, view


def test_enter_on_an_organization_opens_its_record_and_versions_with_before_and_after(changed_org, main_window, qtbot):
    _, case_no = changed_org
    registry, view = open_first_organization(main_window, qtbot)
    assert registry.stack.currentWidget() is view and view.title.text() == NEW_NAME

    items = {view.items_table.item(r, 0).text(): view.items_table.item(r, 1).text()
             for r in range(view.items_table.rowCount())}
    assert items["名称"] == NEW_NAME and items["法定代表人"] == "周文静"
    assert items["注册资金/开办资金（元）"] == "30,000" and items["直接登记类别"] == "（未登记）"
    assert [view.persons_table.item(r, 0).text() for r in range(view.persons_table.rowCount())] == ["周文静", "张敏"]

    versions = [[view.versions_table.item(r, c).text() for c in range(4)] for r in range(view.versions_table.rowCount())]
    assert versions == [["2", "变更登记", "", "approver"], ["1", "成立登记", case_no, "approver"]]
    changes = [[view.changes_table.item(r, c).text() for c in range(3)] for r in range(view.changes_table.rowCount())]
    assert changes[:3] == [["名称", "上海市长宁区养老服务协会", NEW_NAME],
                           ["住所", "上海市长宁区长宁路 100 号 3 楼", "上海市长宁区延安西路 900 号 2 楼"],
                           ["法定代表人", "李建国", "周文静"]]
    assert changes[3][0] == "在任人员" and "李建国" in changes[3][1] and "周文静" in changes[3][2]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert main_window.grab().save(str(SCREENSHOTS / "registry_org_versions.png"))

    view.versions_table.selectRow(1)
    assert view.changes_caption.text().startswith("第 1 版（成立登记）")
    assert view.changes_table.item(0, 1).text() == "（未登记）"

    qtbot.mouseClick(view.back_button, Qt.MouseButton.LeftButton)
    assert registry.stack.currentIndex() == 0
