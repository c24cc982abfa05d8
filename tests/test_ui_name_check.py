"""The 名称核准 and 登记库 pages driven through real widgets (offscreen) on a real registry."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication

from accounts.users import create_user
from models.accounts import Role
from models.registry import OrgStatus
from ui.context import PageContext
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.pages import PAGES
from ui.pages.name_check_page import CHECK_DELAY_MS, NameCheckPage
from ui.pages.registry_page import RegistryPage
from ui.tasks import TaskRunner
from tests.name_check_fixtures import register

CENTRE = "上海市长宁区阳光养老服务中心"
from screens import SCREENSHOTS  # noqa: E402


@pytest.fixture
def context(store, qtbot):
    install_fonts(QApplication.instance())
    register(store, CENTRE, legal_representative="王建国", credit_code="52310105MJ00000016")
    register(store, "上海市长宁区晨曦养老服务中心", status=OrgStatus.DEREGISTERED, changed_on=date(2025, 3, 1),
             legal_representative="李梅")
    register(store, "上海市长宁区青年企业家协会", "社会团体", legal_representative="赵强")
    user = create_user(store, username="clerk", display_name="窗口甲", password="correct-horse-1",
                       roles=frozenset({Role.CLERK}), actor="system")
    tasks = TaskRunner()
    yield PageContext(store=store, user=user, tasks=tasks)
    tasks.shut_down()


@pytest.fixture
def window(context, qtbot):
    """The main window at 1366×768 showing the 名称核准 page."""
    window = MainWindow(context, idle_lock_ms=3_600_000)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.nav.setCurrentRow(page_index("ui.pages.name_check_page:NameCheckPage"))
    return window


def page_index(spec: str) -> int:
    return next(i for i, (_title, s) in enumerate(PAGES) if s == spec)


@pytest.fixture
def page(window):
    page = window.pages.currentWidget()
    assert isinstance(page, NameCheckPage)
    page.date_edit.setDate(QDate(2026, 1, 1))
    return page


def type_name(qtbot, page: NameCheckPage, name: str) -> None:
    """Type ``name`` as an input method delivers Chinese: one committed character at a time."""
    page.name_edit.clear()
    page.name_edit.setFocus()
    for ch in name:
        event = QInputMethodEvent()
        event.setCommitString(ch)
        QApplication.sendEvent(page.name_edit, event)
    qtbot.waitUntil(lambda: page.result is not None and page.result.name == name, timeout=5000)


def shot(page, name: str) -> None:
    """Save the whole main window (1366×768) as <screenshot folder>/<name>."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    window = page.window()
    assert (window.width(), window.height()) == (1366, 768)
    assert window.grab().save(str(SCREENSHOTS / name))


def test_typing_a_name_shows_the_verdict_and_the_split(page, qtbot):
    assert page.banner.text() == "请输入拟申请的名称"
    type_name(qtbot, page, "上海市长宁区星河教育培训学校")
    assert page.banner.text() == "通过"
    assert [page.part_edits[k].text() for k in ("region", "zihao", "field", "form")] == [
        "上海市长宁区", "星河", "教育培训", "学校"]
    assert page.finding_views == []
    assert page.last_latency_ms is not None and 0 < page.last_latency_ms < 5000
    shot(page, "name_check_pass.png")


def test_a_reject_names_the_organization(page, qtbot):
    type_name(qtbot, page, CENTRE)
    assert page.banner.text() == "不予通过"
    [view] = page.finding_views
    assert view.organizations.item(0).text() == CENTRE
    assert "与已登记的社会组织名称相同" in view.message.text() and CENTRE in view.message.text()
    type_name(qtbot, page, "长宁区晨曦养老服务中心")
    messages = [v.message.text() for v in page.finding_views]
    assert any("建议名称：上海市长宁区晨曦养老服务中心" in m for m in messages)
    assert any("上海市长宁区晨曦养老服务中心" in m and "已注销" in m for m in messages)
    shot(page, "name_check_reject.png")


def test_a_warn_lists_each_similar_organization(page, qtbot):
    type_name(qtbot, page, "上海市长宁区阳光养老服务院")
    assert page.banner.text() == "需审核"
    assert [(v.finding.rule, v.organizations.item(0).text()) for v in page.finding_views] == [
        ("same_zihao_other_form", CENTRE)]
    type_name(qtbot, page, "上海市长宁区杨光养老服务中心")
    assert page.banner.text() == "需审核"
    [view] = page.finding_views
    assert "读音相同" in view.message.text()
    assert view.organizations.item(0).text() == CENTRE
    shot(page, "name_check_warn.png")


def test_an_older_form_of_the_region_is_shown_for_review_with_the_current_form(page, qtbot):
    type_name(qtbot, page, "上海长宁区星河教育培训学校")
    assert page.banner.text() == "需审核"
    [view] = page.finding_views
    assert view.finding.rule == "region_older_form"
    assert "已登记的名称可以继续使用" in view.message.text()
    assert "建议名称：上海市长宁区星河教育培训学校" in view.message.text()
    shot(page, "name_check_older_form.png")


def test_check_date_moves_a_deregistered_name_out_of_protection(page, qtbot):
    type_name(qtbot, page, "上海市长宁区晨曦养老服务中心")
    assert page.banner.text() == "不予通过"
    page.date_edit.setDate(QDate(2026, 3, 1))
    qtbot.waitUntil(lambda: page.banner.text() == "通过", timeout=5000)
    assert "已过名称保护期" in page.finding_views[0].message.text()


def test_corrected_split_is_checked_again(page, qtbot):
    type_name(qtbot, page, "上海市长宁区阳光乐龄服务中心")
    assert page.banner.text() == "通过" and page.part_edits["zihao"].text() == "阳光乐龄服务"
    page.part_edits["zihao"].setText("阳光")
    page.part_edits["field"].setText("乐龄服务")
    qtbot.mouseClick(page.recheck_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.banner.text() == "需审核", timeout=5000)
    assert page.result.parsed.zihao == "阳光"
    assert page.finding_views[0].organizations.item(0).text() == CENTRE
    qtbot.mouseClick(page.reset_split_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.banner.text() == "通过", timeout=5000)


def test_only_the_last_typed_name_is_shown(page, qtbot):
    shown = []
    page.checked.connect(shown.append)
    page.name_edit.setText(CENTRE)
    page.run_check()  # a check under way …
    page.name_edit.setText("上海市长宁区星河教育培训学校")  # … while the clerk types on
    qtbot.waitUntil(lambda: page.result is not None, timeout=5000)
    qtbot.wait(CHECK_DELAY_MS + 200)
    assert [r.name for r in shown] == ["上海市长宁区星河教育培训学校"]
    assert page.banner.text() == "通过"


def double_click_first_organization(qtbot, page: NameCheckPage) -> None:
    orgs = page.finding_views[0].organizations
    rect = orgs.visualItemRect(orgs.item(0))
    qtbot.mouseClick(orgs.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(orgs.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_double_click_switches_to_the_registry_page_on_that_organization(window, page, qtbot):
    type_name(qtbot, page, CENTRE)
    double_click_first_organization(qtbot, page)
    registry_index = page_index("ui.pages.registry_page:RegistryPage")
    qtbot.waitUntil(lambda: window.nav.currentRow() == registry_index, timeout=3000)
    registry = window.pages.currentWidget()
    assert isinstance(registry, RegistryPage)
    qtbot.waitUntil(lambda: registry.table.currentIndex().isValid(), timeout=5000)
    assert registry.model.row(registry.table.currentIndex().row()).name == CENTRE


def test_outside_the_main_window_the_organization_opens_in_a_window(context, qtbot):
    page = NameCheckPage(context)
    qtbot.addWidget(page)
    page.show()
    type_name(qtbot, page, CENTRE)
    double_click_first_organization(qtbot, page)
    qtbot.waitUntil(lambda: page.findChild(RegistryPage) is not None, timeout=3000)
    registry = page.findChild(RegistryPage)
    qtbot.waitUntil(lambda: registry.table.currentIndex().isValid(), timeout=5000)
    row = registry.model.row(registry.table.currentIndex().row())
    assert row.name == CENTRE and row.legal_representative == "王建国"
    assert registry.search_edit.text() == CENTRE
    qtbot.waitUntil(lambda: "52310105MJ00000016" in registry.details.text(), timeout=5000)


@pytest.fixture
def registry(window, qtbot):
    window.nav.setCurrentRow(page_index("ui.pages.registry_page:RegistryPage"))
    page = window.pages.currentWidget()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    return page


def names(page: RegistryPage) -> list[str]:
    return [page.model.row(i).name for i in range(page.model.rowCount())]


def test_registry_lists_and_searches(registry, qtbot):
    assert names(registry) == sorted(names(registry))
    for text, expected in [
        ("晨曦", ["上海市长宁区晨曦养老服务中心"]),
        ("上海市长宁区青年", ["上海市长宁区青年企业家协会"]),
        ("52310105", [CENTRE]),
        ("赵强", ["上海市长宁区青年企业家协会"]),
        ("不存在", []),
    ]:
        registry.search_edit.setText(text)
        qtbot.waitUntil(lambda e=expected: names(registry) == e and registry.count_label.text().startswith("已显示"), timeout=5000)
    registry.search_edit.clear()
    registry.status_combo.setCurrentText("已注销")
    qtbot.waitUntil(lambda: names(registry) == ["上海市长宁区晨曦养老服务中心"], timeout=5000)
    registry.status_combo.setCurrentIndex(0)
    registry.type_combo.setCurrentText("社会团体")
    qtbot.waitUntil(lambda: names(registry) == ["上海市长宁区青年企业家协会"], timeout=5000)
    registry.type_combo.setCurrentIndex(0)
    qtbot.waitUntil(lambda: len(names(registry)) == 3, timeout=5000)
    registry.table.selectRow(0)
    qtbot.waitUntil(lambda: "法定代表人" in registry.details.text(), timeout=5000)
    shot(registry, "registry_page.png")
