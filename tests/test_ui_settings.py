"""The 设置 page driven through its real buttons (offscreen), in the main window: users, four-eyes
and the idle lock, commitments, printers and calibration, the centre's connection, code blocks;
what other roles see; and the code-block notices of set-up and the 首页."""

from __future__ import annotations

import json

import pytest
from ui_fixtures import runner  # noqa: F401
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel
from screens import SCREENSHOTS
from sqlalchemy import func, select
from sync_fixtures import file_keyring  # noqa: F401

from accounts.users import MAX_FAILED_LOGINS, LoginFailed, authenticate, create_user, list_users
from models.accounts import Role
from models.audit import AuditEvent
from models.case_rules import case_rules_in
from models.registry import OrganizationCode
from models.settings import FOUR_EYES, get_setting_in
from printing.calibration import Calibration, calibration_for_in
from printing.printers import printer_for_in
from registry.code_blocks import add_block
from sync.connection import central_settings
from sync.credentials import SERVICE
from sync.preferences import auto_sync_minutes
from ui.context import PageContext
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.pages import PAGES
from ui.pages.settings_page import SettingsPage
from ui.print_dialogs import CalibrationDialog
from ui.settings.account_dialog import AccountDialog
from ui.setup_dialog import SetupDialog

PASSWORD = "correct-horse-1"
LEFT = Qt.MouseButton.LeftButton


def _user(store, username: str, *roles: Role, name: str = "张三"):
    return create_user(store, username=username, display_name=name, password=PASSWORD, roles=frozenset(roles),
                       actor="system")


@pytest.fixture
def open_window(qtbot, store, runner):
    """The main window of ``user`` at 1366×768, shown."""
    install_fonts(QApplication.instance())

    def make(user) -> MainWindow:
        window = MainWindow(PageContext(store=store, user=user, tasks=runner), window_code="W01",
                            idle_lock_ms=3_600_000)
        qtbot.addWidget(window)
        window.resize(1366, 768)
        window.show()
        return window

    return make


def click_page(qtbot, window: MainWindow, spec: str):
    row = next(i for i, (_title, s) in enumerate(PAGES) if s == spec)
    nav = window.nav
    qtbot.mouseClick(nav.viewport(), LEFT, pos=nav.visualItemRect(nav.item(row)).center())
    return window.pages.currentWidget()


def open_settings(qtbot, window: MainWindow) -> SettingsPage:
    page = click_page(qtbot, window, "ui.pages.settings_page:SettingsPage")
    assert isinstance(page, SettingsPage)
    return page


def click_tab(qtbot, page: SettingsPage, title: str):
    bar = page.tabs.tabBar()
    index = [page.tabs.tabText(i) for i in range(page.tabs.count())].index(title)
    qtbot.mouseClick(bar, LEFT, pos=bar.tabRect(index).center())
    return page.tabs.currentWidget()


def click_row(qtbot, table, first_cell: str) -> None:
    item = next(table.item(r, 0) for r in range(table.rowCount()) if table.item(r, 0).text() == first_cell)
    qtbot.mouseClick(table.viewport(), LEFT, pos=table.visualItemRect(item).center())


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    QTest.keyClick(widget, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(widget, text)


def cell(table, first_cell: str, column: int) -> str:
    return next(table.item(r, column).text() for r in range(table.rowCount()) if table.item(r, 0).text() == first_cell)


def dialog_of(qtbot, section) -> AccountDialog:
    qtbot.waitUntil(lambda: section.dialog is not None and section.dialog.isVisible(), timeout=15000)
    return section.dialog


def events(store, action: str) -> list[tuple[str, str, dict]]:
    with store.read() as s:
        return [(e.actor, e.record_id, json.loads(e.summary))
                for e in s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq))]


def test_an_administrator_adds_disables_enables_and_resets_a_password_that_logs_in(qtbot, store, open_window):
    window = open_window(_user(store, "admin", Role.ADMIN, Role.CLERK))
    users = open_settings(qtbot, window).sections["用户"]
    qtbot.waitUntil(lambda: users.table.rowCount() == 1, timeout=15000)
    assert cell(users.table, "admin", 1) == "张三（本人）"

    qtbot.mouseClick(users.add_button, LEFT)
    dialog = dialog_of(qtbot, users)
    QTest.keyClicks(dialog.username, "lisi")
    dialog.display_name.setText("李四")  # QTest types Latin-1 only
    QTest.keyClicks(dialog.password, "pass-word-7")
    QTest.keyClicks(dialog.password_again, "pass-word-8")
    qtbot.mouseClick(dialog.roles[Role.REVIEWER], LEFT)
    qtbot.mouseClick(dialog.ok, LEFT)
    assert dialog.message.text() == "两次输入的密码不一致，请重新输入确认密码。" and dialog.focusWidget() is dialog.password_again
    type_into(qtbot, dialog.password_again, "pass-word-7")
    qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: users.table.rowCount() == 2, timeout=15000)
    assert not dialog.isVisible()
    assert users.message.text() == "已新增用户 lisi（李四），角色：窗口受理、审核。"
    assert (cell(users.table, "lisi", 2), cell(users.table, "lisi", 3)) == ("窗口受理、审核", "启用")
    assert authenticate(store, "lisi", "pass-word-7").roles == {Role.CLERK, Role.REVIEWER}

    click_row(qtbot, users.table, "lisi")
    assert not users.enable_button.isEnabled()
    qtbot.mouseClick(users.disable_button, LEFT)
    qtbot.waitUntil(lambda: cell(users.table, "lisi", 3) == "停用", timeout=15000)
    with pytest.raises(LoginFailed, match="已停用"):
        authenticate(store, "lisi", "pass-word-7")
    qtbot.mouseClick(users.enable_button, LEFT)
    qtbot.waitUntil(lambda: cell(users.table, "lisi", 3) == "启用", timeout=15000)

    qtbot.mouseClick(users.password_button, LEFT)
    dialog = dialog_of(qtbot, users)
    assert not dialog.username.isVisible()  # a reset asks only the new password
    QTest.keyClicks(dialog.password, "new-secret-9")
    QTest.keyClicks(dialog.password_again, "new-secret-9")
    qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: "已重置 lisi（李四）的密码" in users.message.text(), timeout=15000)
    assert authenticate(store, "lisi", "new-secret-9").username == "lisi"
    assert [e[0] for e in events(store, "user.reset_password")] == ["admin"]


def test_unlock_roles_and_an_administrator_never_locks_themself_out(qtbot, store, open_window):
    _user(store, "lisi", Role.CLERK, name="李四")
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            authenticate(store, "lisi", "wrong-password")
    window = open_window(_user(store, "admin", Role.ADMIN))
    users = open_settings(qtbot, window).sections["用户"]
    qtbot.waitUntil(lambda: users.table.rowCount() == 2, timeout=15000)
    assert cell(users.table, "lisi", 3).startswith("已锁定（至 ")

    click_row(qtbot, users.table, "lisi")
    qtbot.mouseClick(users.unlock_button, LEFT)
    qtbot.waitUntil(lambda: cell(users.table, "lisi", 3) == "启用", timeout=15000)
    assert users.message.text() == "已解锁用户 lisi（李四），可以立即登录。"
    assert authenticate(store, "lisi", PASSWORD).username == "lisi"

    qtbot.mouseClick(users.roles_button, LEFT)
    dialog = dialog_of(qtbot, users)
    assert dialog.roles[Role.CLERK].isChecked() and not dialog.roles[Role.APPROVER].isChecked()
    qtbot.mouseClick(dialog.roles[Role.CLERK], LEFT)
    qtbot.mouseClick(dialog.roles[Role.APPROVER], LEFT)
    qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: cell(users.table, "lisi", 2) == "审批", timeout=15000)
    assert {u.username: u.roles for u in list_users(store)}["lisi"] == {Role.APPROVER}
    assert events(store, "user.roles")[-1][2] == {"before": {"roles": ["clerk"]}, "after": {"roles": ["approver"]}}

    click_row(qtbot, users.table, "admin")
    qtbot.mouseClick(users.disable_button, LEFT)
    qtbot.waitUntil(lambda: "不能停用自己的账户" in users.message.text(), timeout=15000)
    qtbot.mouseClick(users.roles_button, LEFT)
    dialog = dialog_of(qtbot, users)
    qtbot.mouseClick(dialog.roles[Role.ADMIN], LEFT)
    qtbot.mouseClick(dialog.roles[Role.CLERK], LEFT)
    qtbot.mouseClick(dialog.ok, LEFT)
    qtbot.waitUntil(lambda: "不能取消自己的管理员角色" in dialog.message.text(), timeout=15000)
    assert dialog.isVisible()
    admin = {u.username: u for u in list_users(store)}["admin"]
    assert admin.active and admin.roles == {Role.ADMIN}


def test_four_eyes_idle_lock_and_commitments_are_saved_and_audited(qtbot, store, open_window):
    window = open_window(_user(store, "admin", Role.ADMIN))
    rules = click_tab(qtbot, open_settings(qtbot, window), "办理规则")
    qtbot.waitUntil(lambda: rules.deadlines != (), timeout=15000)
    assert rules.four_eyes_check.isChecked() and rules.idle_spin.value() == 10
    qtbot.mouseClick(rules.four_eyes_check, LEFT, pos=QPoint(10, rules.four_eyes_check.height() // 2))  # its box
    type_into(qtbot, rules.idle_spin, "25")
    qtbot.mouseClick(rules.save_rules_button, LEFT)
    qtbot.waitUntil(lambda: rules.message.text() == "已保存：双人复核关闭，无操作 25 分钟后锁屏。", timeout=15000)
    with store.read() as s:
        assert get_setting_in(s, FOUR_EYES) is False
    assert events(store, "setting.change")[:2] == [
        ("admin", "workflow.four_eyes", {"before": {"value": True}, "after": {"value": False}}),
        ("admin", "security.idle_lock_minutes", {"before": {"value": 10}, "after": {"value": 25}}),
    ]
    assert 10 * 60_000 < window.idle_watch.remaining_ms <= 25 * 60_000  # the running window follows at once

    type_into(qtbot, rules.commitment_spin("成立登记"), "15")
    qtbot.mouseClick(rules.save_deadlines_button, LEFT)
    qtbot.waitUntil(lambda: rules.message.text() == "已保存承诺时限：成立登记 15 个工作日。", timeout=15000)
    with store.read() as s:
        assert case_rules_in(s)["deadlines"]["成立登记"]["local_working_days"] == 15
    assert events(store, "setting.change")[-1] == (
        "admin", "workflow.rules.deadlines.成立登记",
        {"before": {"local_working_days": 20}, "after": {"local_working_days": 15}})


def test_a_printer_is_chosen_per_document_and_calibrated_in_the_printing_dialog(qtbot, store, open_window):
    window = open_window(_user(store, "admin", Role.ADMIN))
    printers = click_tab(qtbot, open_settings(qtbot, window), "打印机")
    qtbot.waitUntil(lambda: printers.table.rowCount() == 7, timeout=15000)  # one per document, 准予变更登记通知书 among them
    click_row(qtbot, printers.table, "登记证书")
    qtbot.mouseClick(printers.calibrate_button, LEFT)
    assert "请先为“登记证书”选择打印机" in printers.message.text()
    type_into(qtbot, printers.printer_combo.lineEdit(), "Epson LQ-630K")
    qtbot.mouseClick(printers.choose_button, LEFT)
    qtbot.waitUntil(lambda: cell(printers.table, "登记证书", 1) == "Epson LQ-630K", timeout=15000)
    assert cell(printers.table, "登记证书", 2) == "未校准"

    click_row(qtbot, printers.table, "登记证书")
    qtbot.mouseClick(printers.calibrate_button, LEFT)
    dialog = printers.calibration_dialog
    assert isinstance(dialog, CalibrationDialog) and dialog.printer == "Epson LQ-630K"
    qtbot.waitUntil(dialog.isVisible, timeout=15000)
    type_into(qtbot, dialog.offset_x, "1.5")
    type_into(qtbot, dialog.offset_y, "-0.5")
    qtbot.mouseClick(dialog.save_button, LEFT)
    qtbot.waitUntil(lambda: cell(printers.table, "登记证书", 2) == "横向 +1.5 毫米，纵向 -0.5 毫米，缩放 1.000",
                    timeout=15000)
    with store.read() as s:
        assert printer_for_in(s, "登记证书") == "Epson LQ-630K"
        assert calibration_for_in(s, "Epson LQ-630K") == Calibration(1.5, -0.5, 1.0)


def test_the_centre_connection_is_set_in_settings(qtbot, store, open_window, file_keyring):
    window = open_window(_user(store, "admin", Role.ADMIN))
    sync = click_tab(qtbot, open_settings(qtbot, window), "中心同步")
    box = sync.connection
    qtbot.waitUntil(lambda: "尚未设置中心连接" in box.settings_message.text(), timeout=15000)
    type_into(qtbot, box.address_edit, "127.0.0.1:5432/soreg")
    type_into(qtbot, box.role_edit, "soreg_w_w01")
    type_into(qtbot, box.password_edit, "s3cret-W01")
    type_into(qtbot, box.auto_spin, "9")
    qtbot.mouseClick(box.save_button, LEFT)
    qtbot.waitUntil(lambda: "已保存" in box.settings_message.text(), timeout=15000)
    assert central_settings(store).url == "postgresql://soreg_w_w01@127.0.0.1:5432/soreg"
    assert file_keyring.get_password(SERVICE, "soreg_w_w01") == "s3cret-W01"
    assert auto_sync_minutes(store) == 9 and window.sync.interval_ms == 9 * 60_000
    assert events(store, "setting.change")[-1][1:] == ("sync.auto_minutes", {"before": {"value": 5}, "after": {"value": 9}})


def _codes(store) -> int:
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(OrganizationCode))


def test_a_code_block_with_a_wrong_check_character_is_refused_and_a_right_one_loaded(qtbot, store, open_window):
    window = open_window(_user(store, "admin", Role.ADMIN))
    codes = click_tab(qtbot, open_settings(qtbot, window), "代码段")
    qtbot.waitUntil(lambda: codes.supply is not None, timeout=15000)
    assert codes.remaining_label.text() == "剩余组织机构代码：0 个（少于 20 个时提醒）"
    assert "“设置 → 代码段”" in codes.notice.text() and codes.notice.isVisible()

    QTest.keyClicks(codes.first_edit, "MJ0000017")
    QTest.keyClicks(codes.last_edit, "MJ0002005")
    qtbot.mouseClick(codes.load_button, LEFT)
    qtbot.waitUntil(lambda: "校验位不对" in codes.message.text(), timeout=15000)
    assert codes.message.text() == "“起始代码”MJ000001-7 的校验位不对，应为 8：请对照号段通知核对，多半是抄错了一位。"
    assert codes.focusWidget() is codes.first_edit and _codes(store) == 0

    type_into(qtbot, codes.first_edit, "MJ000001-8")
    qtbot.mouseClick(codes.load_button, LEFT)
    qtbot.waitUntil(lambda: codes.table.rowCount() == 1, timeout=15000)
    assert codes.message.text() == "已载入号段 MJ000001-8 至 MJ000200-5，共 200 个组织机构代码。"
    assert [codes.table.item(0, c).text() for c in range(5)] == ["MJ000001-8", "MJ000200-5", "200", "0", "200"]
    assert codes.remaining_label.text() == "剩余组织机构代码：200 个（少于 20 个时提醒）" and not codes.notice.isVisible()
    assert _codes(store) == 200 and events(store, "codes.add_block")[0][0] == "admin"


def test_settings_screenshot(qtbot, store, open_window):
    admin = _user(store, "zhangsan", Role.ADMIN, Role.CLERK)
    _user(store, "lisi", Role.CLERK, name="李四")
    _user(store, "wangwu", Role.REVIEWER, Role.APPROVER, name="王五")
    _user(store, "zhaoliu", Role.CLERK, name="赵六")
    for _ in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginFailed):
            authenticate(store, "lisi", "wrong-password")
    window = open_window(admin)
    users = open_settings(qtbot, window).sections["用户"]
    qtbot.waitUntil(lambda: users.table.rowCount() == 4, timeout=15000)
    click_row(qtbot, users.table, "zhaoliu")
    qtbot.mouseClick(users.disable_button, LEFT)
    qtbot.waitUntil(lambda: cell(users.table, "zhaoliu", 3) == "停用", timeout=15000)
    click_row(qtbot, users.table, "lisi")
    assert users.unlock_button.isEnabled() and window.size().width() == 1366
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert window.grab().save(str(SCREENSHOTS / "settings_page.png"))


def test_other_roles_are_told_who_the_administrators_are(qtbot, store, open_window):
    _user(store, "admin", Role.ADMIN, name="王管理")
    window = open_window(_user(store, "lisi", Role.CLERK, Role.APPROVER, name="李四"))
    page = open_settings(qtbot, window)
    assert page.tabs is None and not page.findChildren(type(page.note).__mro__[0], "sectionMessage")
    qtbot.waitUntil(lambda: "王管理（admin）" in page.note.text(), timeout=15000)
    assert page.note.text().startswith("设置只有管理员可以使用。本窗口的管理员：王管理（admin）。")


def test_the_home_page_says_when_codes_are_missing_and_leads_an_administrator_to_them(qtbot, store, open_window):
    window = open_window(_user(store, "admin", Role.ADMIN))
    home = window.pages.currentWidget()
    qtbot.waitUntil(home.codes_notice.isVisible, timeout=15000)
    assert home.codes_notice.text().startswith("本窗口还没有组织机构代码号段，核准登记时无法给新组织赋统一社会信用代码。")
    assert home.codes_button.isVisible()
    qtbot.mouseClick(home.codes_button, LEFT)
    page = window.pages.currentWidget()
    assert isinstance(page, SettingsPage) and page.tabs.tabText(page.tabs.currentIndex()) == "代码段"


def test_a_clerk_sees_the_notice_without_the_way_to_settings_and_it_goes_once_codes_are_loaded(qtbot, store, open_window):
    window = open_window(_user(store, "lisi", Role.CLERK))
    home = window.pages.currentWidget()
    qtbot.waitUntil(home.codes_notice.isVisible, timeout=15000)
    assert not home.codes_button.isVisible()
    add_block(store, "MJ000001", 200, actor="system")
    click_page(qtbot, window, "ui.pages.cases_page:CasesPage")
    click_page(qtbot, window, "ui.pages.dashboard_page:DashboardPage")  # shown again: read again
    qtbot.waitUntil(lambda: not home.codes_notice.isVisible(), timeout=15000)


def test_set_up_tells_a_new_window_that_it_has_no_code_block_yet(qtbot, store, runner):
    dialog = SetupDialog(runner, store, window_code="W01", has_users=False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(dialog.codes_notice.isVisible, timeout=15000)
    assert dialog.codes_notice.text() == (
        "设置完成后还要做一件事：本窗口还没有组织机构代码号段，核准登记时无法给新组织赋统一社会信用代码。"
        "请管理员在“设置 → 代码段”中载入区局分配的号段（已连接区中心的窗口，同步时会自动领取）。")
    assert "codes add-block" not in " ".join(label.text() for label in dialog.findChildren(QLabel))
