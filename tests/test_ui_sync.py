"""The 同步 page, the sync status bar and automatic sync, driven through real widgets (offscreen)
against a real central PostgreSQL (the sync fixtures' private cluster)."""

from __future__ import annotations

import socket
import threading
import uuid
from datetime import date

import pytest
from ui_fixtures import runner  # noqa: F401
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from screens import SCREENSHOTS
from sync_fixtures import centre, file_keyring, make_window, private_server  # noqa: F401

from accounts.users import create_user
from models.accounts import Role
from models.audit import record_event_in
from models.registry import Organization
from models.settings import set_setting_in
from models.store import Store
from registry.organizations import OrganizationRecord, add_organization_in
from sync.connection import CentralSettings, central_settings, save_central_settings
from sync.credentials import SERVICE
from sync.preferences import AUTO_MINUTES_KEY, auto_sync_minutes, retry_delay_ms
from sync.reviews import Decision, list_reviews, resolve_review
from sync.runner import SyncReport, run_sync, sync_status
from ui.context import PageContext
from ui.fonts import install_fonts
from ui.main_window import MainWindow
from ui.pages import PAGES
from ui.pages.sync_page import SyncPage
from ui.sync_status import SyncController
from ui.tasks import TaskRunner

PASSWORD = "correct-horse-1"
CLASH = "上海市长宁区晨曦社区服务中心"
CENTRAL_ORG = uuid.UUID("0190a0a0-0000-7000-8000-000000000002")



@pytest.fixture
def controller_for(qtbot, runner):
    """Sync controllers outside a main window; afterwards shut down, their outcomes delivered, and
    deleted while still referenced (not whenever the garbage collector frees them)."""
    made: list[SyncController] = []

    def make(store: Store) -> SyncController:
        controller = SyncController(PageContext(store=store, user=_user(store, Role.ADMIN), tasks=runner))
        made.append(controller)
        return controller

    yield make
    for controller in made:
        controller.shut_down()
    runner.shut_down()
    _delete_now(made)


def _delete_now(objects) -> None:
    QCoreApplication.sendPostedEvents()  # outcomes that finished while they are alive
    for qobject in objects:
        qobject.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _user(store: Store, role: Role):
    return create_user(store, username=role.value, display_name="张三", password=PASSWORD,
                       roles=frozenset({role, Role.CLERK}), actor="system")


def _no_auto_sync(store: Store) -> None:
    """Tests that press 立即同步 themselves keep the timer out of the way."""
    with store.write() as session:
        set_setting_in(session, AUTO_MINUTES_KEY, 0)


def _settled(store: Store, settings: CentralSettings) -> None:
    """One sync leaves nothing waiting: its own audit events (pull pages, code blocks) go up with it."""
    report = run_sync(store, settings)
    assert report.codes_reserved > 0  # loading the block wrote an audit event, and so did the first pull
    assert sync_status(store).pending == 0


def _open(qtbot, store: Store, runner: TaskRunner, role: Role = Role.ADMIN) -> tuple[MainWindow, SyncPage]:
    install_fonts(QApplication.instance())
    window = MainWindow(PageContext(store=store, user=_user(store, role), tasks=runner), window_code="W01",
                        idle_lock_ms=3_600_000)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    window.activateWindow()
    window.nav.setCurrentRow(next(i for i, (_t, spec) in enumerate(PAGES) if spec.endswith(":SyncPage")))
    page = window.pages.currentWidget()
    assert isinstance(page, SyncPage)
    qtbot.waitUntil(lambda: page.sync is not None and page.sync.status is not None)
    return window, page


def _note(store: Store, record_id: str) -> None:
    with store.write() as session:
        record_event_in(session, actor="clerk", action="case.note", record_type="case", record_id=record_id)


def _push_waits_on_lock(centre, code: str) -> bool:
    with centre.admin() as conn:
        return conn.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND wait_event_type = 'Lock'",
                            (centre.windows[code].role,)).fetchone()[0] == 1


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_admin_saves_the_connection_and_the_password_goes_to_the_keyring(qtbot, store, runner, file_keyring):
    window, page = _open(qtbot, store, runner)
    qtbot.waitUntil(lambda: "尚未设置中心连接" in page.connection.settings_message.text())
    page.connection.address_edit.setText("127.0.0.1:5432")  # no database name
    page.connection.role_edit.setText("soreg_w_w01")
    qtbot.mouseClick(page.connection.save_button, Qt.MouseButton.LeftButton)
    assert "主机:端口/库名" in page.connection.settings_message.text() and page.connection.address_edit.hasFocus()
    page.connection.address_edit.setText("127.0.0.1:5432/soreg")
    qtbot.mouseClick(page.connection.save_button, Qt.MouseButton.LeftButton)
    assert "请输入" in page.connection.settings_message.text() and page.connection.password_edit.hasFocus()

    page.connection.password_edit.setFocus()
    QTest.keyClicks(page.connection.password_edit, "s3cret-W01")
    page.connection.sslmode_combo.setCurrentText("require")
    page.connection.auto_spin.setValue(7)
    qtbot.mouseClick(page.connection.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "已保存" in page.connection.settings_message.text())
    assert page.connection.password_edit.text() == ""
    saved = central_settings(store)
    assert (saved.url, saved.sslmode) == ("postgresql://soreg_w_w01@127.0.0.1:5432/soreg", "require")
    assert file_keyring.get_password(SERVICE, "soreg_w_w01") == "s3cret-W01"
    assert auto_sync_minutes(store) == 7 and window.sync.interval_ms == 7 * 60_000
    for path in store.path.parent.glob(store.path.name + "*"):  # the database and its WAL
        assert b"s3cret" not in path.read_bytes(), path


def test_other_users_see_the_connection_read_only(qtbot, store, runner, file_keyring):
    save_central_settings(store, CentralSettings(url="postgresql://soreg_w_w01@10.0.0.5:5432/soreg"), "pw",
                          actor="system")
    _no_auto_sync(store)
    _window, page = _open(qtbot, store, runner, Role.REVIEWER)
    qtbot.waitUntil(lambda: page.connection.address_edit.text() == "10.0.0.5:5432/soreg")
    assert page.connection.role_edit.text() == "soreg_w_w01" and page.connection.address_edit.isReadOnly()
    assert not page.connection.sslmode_combo.isEnabled() and not page.connection.save_button.isVisible()
    assert "只有管理员" in page.connection.settings_message.text()


def test_sync_without_a_connection_says_where_to_set_it(qtbot, store, runner):
    _no_auto_sync(store)
    window, page = _open(qtbot, store, runner, Role.REVIEWER)
    qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "尚未设置中心数据库连接" in page.outcome_label.text())
    assert "“同步”页的“中心连接”" in page.outcome_label.text()
    assert window.online_label.text() == "联网状态：离线" and page.online_value.text().startswith("离线")


def test_sync_now_pushes_the_pending_op_and_shows_the_counts(qtbot, tmp_path, centre, runner, file_keyring):
    store, settings = make_window(tmp_path, centre, "W01")
    _settled(store, settings)
    _no_auto_sync(store)
    _note(store, "note-sync-now")
    window, page = _open(qtbot, store, runner)
    pending = sync_status(store).pending  # the note and the admin's creation
    assert pending == 2 and window.pending_label.text() == "待上传：2 条" and page.pending_value.text() == "2 条"
    _note(store, "note-while-open")  # a local write shows in the status bar at once, not only every 30 s
    qtbot.waitUntil(lambda: window.pending_label.text() == "待上传：3 条", timeout=2_000)
    assert window.online_label.text() == "联网状态：离线"  # nothing tried yet

    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: "同步完成" in page.outcome_label.text(), timeout=20_000)
    assert "上传 3 条" in page.outcome_label.text() and "用时" in page.outcome_label.text()
    assert window.online_label.text() == "联网状态：在线" and page.online_value.text() == "在线"
    assert window.pending_label.text() == "待上传：0 条" and page.pending_value.text() == "0 条"
    assert window.last_sync_label.text().startswith("上次同步：") and "从未" not in window.last_sync_label.text()
    assert not page.progress_bar.isVisible() and page.sync_button.isEnabled()
    window.resize(1280, 720)  # the default size: every status-bar label still whole
    QApplication.processEvents()
    for label in (window.user_label, window.roles_label, window.database_label, window.last_sync_label,
                  window.pending_label, window.online_label):
        assert label.isVisible() and label.width() >= label.sizeHint().width()
    with centre.admin() as conn:
        assert conn.execute("SELECT count(*) FROM central.window_records WHERE window_code = 'W01'"
                            " AND payload->>'record_id' = 'note-sync-now'").fetchone()[0] == 1


def test_an_unreachable_centre_is_said_in_chinese_and_nothing_is_lost(qtbot, tmp_path, centre, runner,
                                                                      file_keyring):
    store, _settings = make_window(tmp_path, centre, "W01", port=_closed_port())
    _no_auto_sync(store)
    _note(store, "note-offline")
    window, page = _open(qtbot, store, runner)
    pending = sync_status(store).pending
    assert pending > 0 and window.pending_label.text() == f"待上传：{pending} 条"
    qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "中心暂时无法访问" in page.outcome_label.text(), timeout=20_000)
    assert "稍后再同步" in page.outcome_label.text()
    assert window.online_label.text() == "联网状态：离线" and "中心暂时无法访问" in window.online_label.toolTip()
    qtbot.waitUntil(lambda: window.pending_label.text() == f"待上传：{pending} 条")
    assert sync_status(store).pending == pending and window.last_sync_label.text() == "上次同步：从未"


def test_cancel_stops_the_sync_after_the_batch_on_its_way(qtbot, tmp_path, centre, runner, file_keyring):
    store, settings = make_window(tmp_path, centre, "W01")
    _settled(store, settings)
    _no_auto_sync(store)
    _note(store, "note-cancel")
    window, page = _open(qtbot, store, runner)
    with centre.admin() as blocker:  # hold the centre's op table: the push waits on it
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE central.received_ops IN ACCESS EXCLUSIVE MODE")
        qtbot.mouseClick(page.sync_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.progress_bar.isVisible() and page.cancel_button.isEnabled())
        assert not page.sync_button.isEnabled() and window.statusBar().currentMessage() == "正在与中心同步…"
        qtbot.waitUntil(lambda: _push_waits_on_lock(centre, "W01"), timeout=10_000)
        qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
        assert "正在取消" in page.progress_text.text()
        blocker.execute("ROLLBACK")
    qtbot.waitUntil(lambda: "同步已取消" in page.outcome_label.text(), timeout=20_000)
    qtbot.wait(200)  # the status read after the end must not paint over the outcome
    assert "同步已取消" in page.outcome_label.text() and not page.progress_bar.isVisible()
    assert page.sync_button.isEnabled() and window.statusBar().currentMessage() == ""
    with centre.admin() as conn:  # the batch on its way when 取消 was pressed went up and was acknowledged
        assert conn.execute("SELECT count(*) FROM central.window_records WHERE window_code = 'W01'"
                            " AND payload->>'record_id' = 'note-cancel'").fetchone()[0] == 1
    assert sync_status(store).last_sync_at is not None


def test_automatic_sync_runs_on_its_timer_and_never_twice_at_once(qtbot, tmp_path, centre, controller_for,
                                                                    file_keyring):
    store, settings = make_window(tmp_path, centre, "W01")
    _settled(store, settings)
    _note(store, "note-auto")
    controller = controller_for(store)
    overlap = {"now": 0, "most": 0, "outcomes": []}

    def started() -> None:
        overlap["now"] += 1
        overlap["most"] = max(overlap["most"], overlap["now"])

    def finished(outcome) -> None:
        overlap["now"] -= 1
        overlap["outcomes"].append(outcome)

    controller.started.connect(started)
    controller.finished.connect(finished)
    role = centre.windows["W01"].role
    with centre.admin() as blocker:  # hold the centre's op table: the first push waits on it
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE central.received_ops IN ACCESS EXCLUSIVE MODE")
        controller.set_auto_interval(20, first_delay_ms=0)
        qtbot.waitUntil(lambda: controller.running)
        qtbot.wait(600)  # some 30 intervals pass while the first sync waits
        with centre.admin() as conn:
            sessions = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s", (role,)).fetchone()[0]
        assert controller.syncs_started == 1 and sessions == 1
        blocker.execute("ROLLBACK")
    qtbot.waitUntil(lambda: len(overlap["outcomes"]) >= 3, timeout=20_000)
    controller.shut_down()
    assert overlap["most"] == 1
    first = overlap["outcomes"][0]
    assert isinstance(first, SyncReport) and first.pushed == 2  # the note and the admin's creation
    assert all(isinstance(o, SyncReport) for o in overlap["outcomes"])
    assert sync_status(store).pending == 0


def test_automatic_sync_waits_longer_while_the_centre_is_away(qtbot, tmp_path, centre, controller_for,
                                                              file_keyring):
    store, _settings = make_window(tmp_path, centre, "W01", port=_closed_port())
    controller = controller_for(store)
    waits: list[int] = []
    controller.finished.connect(lambda _outcome: waits.append(controller.next_auto_ms))
    controller.set_auto_interval(20, first_delay_ms=0)
    qtbot.waitUntil(lambda: len(waits) >= 3, timeout=20_000)
    controller.shut_down()
    assert not controller.online and "中心暂时无法访问" in controller.last_outcome.message
    for wait, expected in zip(waits, (40, 80, 160)):  # doubling after each failure in a row (coarse timer: ±10 %)
        assert abs(wait - expected) <= expected / 10, waits
    assert retry_delay_ms(5 * 60_000, 0) == 5 * 60_000 and retry_delay_ms(5 * 60_000, 10) == 60 * 60_000
    assert retry_delay_ms(120 * 60_000, 3) == 120 * 60_000  # never sooner than the interval


def test_closing_the_window_during_a_sync_waits_for_the_batch_and_loses_nothing(qtbot, tmp_path, centre, runner,
                                                                                file_keyring):
    store, settings = make_window(tmp_path, centre, "W01")
    _settled(store, settings)
    _no_auto_sync(store)
    _note(store, "note-closing")
    window = MainWindow(PageContext(store=store, user=_user(store, Role.ADMIN), tasks=runner), window_code="W01",
                        idle_lock_ms=3_600_000)
    window.show()
    page_row = next(i for i, (_t, spec) in enumerate(PAGES) if spec.endswith(":SyncPage"))
    window.nav.setCurrentRow(page_row)
    page = window.pages.currentWidget()
    qtbot.waitUntil(lambda: page.sync is not None and page.sync.status is not None)
    with centre.admin() as blocker:  # the push waits on the centre while the clerk closes the window
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE central.received_ops IN ACCESS EXCLUSIVE MODE")
        QTest.keyClick(window, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: _push_waits_on_lock(centre, "W01"), timeout=10_000)
        release = threading.Timer(0.3, lambda: blocker.execute("ROLLBACK"))
        release.start()
        window.close()  # cancels, then waits for the batch on its way
        release.join()
    runner.shut_down()
    QCoreApplication.sendPostedEvents()  # the outcome reaches the closed window's page
    assert not window.sync.running and "同步已取消" in page.outcome_label.text()
    _delete_now([window])
    with centre.admin() as conn:  # the batch on its way went up; what was not sent waits in the outbox
        assert conn.execute("SELECT count(*) FROM central.window_records WHERE window_code = 'W01'"
                            " AND payload->>'record_id' = 'note-closing'").fetchone()[0] == 1
    run_sync(store, settings)
    assert sync_status(store).pending == 0


def test_refused_ops_and_held_registrations_are_listed_for_the_clerk(qtbot, tmp_path, centre, runner,
                                                                     file_keyring):
    with centre.admin() as conn:
        conn.execute("INSERT INTO central.organizations (id, name, org_type) VALUES"
                     " (%s, '上海市长宁区江苏路文化服务中心', '民办非企业单位')", (CENTRAL_ORG,))
    store, settings = make_window(tmp_path / "w1", centre, "W01")
    _settled(store, settings)
    _no_auto_sync(store)
    other, other_settings = make_window(tmp_path / "w2", centre, "W02")
    for window_store in (other, store):
        with window_store.write() as session:
            add_organization_in(session, OrganizationRecord(name=CLASH, org_type="民办非企业单位",
                                                         established_on=date(2026, 11, 1)), actor="clerk")
    run_sync(other, other_settings)
    with store.write() as session:
        session.delete(session.get(Organization, CENTRAL_ORG))
        record_event_in(session, actor="clerk", action="organization.delete", record_type="organization",
                     record_id=CENTRAL_ORG)

    window, page = _open(qtbot, store, runner)
    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: "同步完成" in page.outcome_label.text(), timeout=20_000)
    assert "1 条被中心拒绝" in page.outcome_label.text() and "1 条转待复核" in page.outcome_label.text()
    qtbot.waitUntil(lambda: page.notice_table.rowCount() == 2)
    rows = {page.notice_table.item(r, 0).text(): [page.notice_table.item(r, c).text() for c in range(6)]
            for r in range(2)}
    assert rows["被拒绝"][2:5] == ["登记库组织", "", "登记库中的组织不能由窗口删除"]
    assert rows["待复核"][1] == "待复核" and rows["待复核"][3] == "W01 与 W02" and CLASH in rows["待复核"][4]
    assert page.notice_table.isVisible() and not page.no_notices.isVisible()
    _screenshot(window, "sync_page.png")

    # the centre rejects the held registration: the clerk reads the decision and what to do
    [held] = list_reviews(centre.admin_url)
    resolve_review(centre.admin_url, held.id, Decision.REJECT, "该名称已由窗口 W02 先行登记", "中心复核员")
    centre.drain()
    QTest.keyClick(window, Qt.Key.Key_F5)
    qtbot.waitUntil(lambda: any(page.notice_table.item(r, 1).text() == "已驳回"
                                for r in range(page.notice_table.rowCount())), timeout=20_000)
    rejected = next(r for r in range(page.notice_table.rowCount()) if page.notice_table.item(r, 1).text() == "已驳回")
    reason = page.notice_table.item(rejected, 4).text()
    assert "该名称已由窗口 W02 先行登记" in reason and "请办理名称变更" in reason
    _screenshot(window, "sync_page_review_rejected.png")


def _screenshot(window: MainWindow, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    assert (window.width(), window.height()) == (1366, 768)
    assert window.grab().save(str(SCREENSHOTS / name))
