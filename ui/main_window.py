"""The main window (主窗口): left navigation, the pages, the status bar, background sync and the idle lock."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from accounts.window_settings import window_settings
from models.errors import SoregError
from models.reference import district
from sync.runner import SyncStatus
from ui.context import PageContext
from ui.idle_lock import IdleWatch
from ui.login_dialog import LoginDialog
from ui.pages import PAGES, build_page, page_title
from ui.plain_text import plain
from ui.sync_status import SyncController, last_sync_text, pending_text, what_to_do

DEFAULT_SIZE = (1280, 720)
MINIMUM_SIZE = (1024, 600)
NAV_WIDTH = 150


class MainWindow(QMainWindow):
    """The working window of one logged-in user.

    ``logged_out`` asks the application to go back to the login dialog (注销 or 切换用户);
    ``closed`` says the user closed the window (the application ends).
    """

    logged_out = Signal()
    closed = Signal()
    restore_requested = Signal(object, str)  # a backup file and the administrator's password (设置 → 备份)

    def __init__(
        self,
        context: PageContext,
        *,
        window_code: str | None = None,
        idle_lock_ms: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.context = context
        self._leaving = False
        self.unlock_dialog: LoginDialog | None = None
        title = self.tr("社会组织登记窗口 — {0}").format(district().authority)
        self.setWindowTitle(title + (self.tr(" — 窗口 {0}").format(window_code) if window_code else ""))
        self.resize(*DEFAULT_SIZE)
        self.setMinimumSize(*MINIMUM_SIZE)

        self.nav = QListWidget()
        self.nav.setFixedWidth(NAV_WIDTH)
        self.nav.setStyleSheet("QListWidget { font-size: 12pt; } QListWidget::item { padding: 8px 12px; }")
        self.pages = QStackedWidget()
        for title_source, _spec in PAGES:
            self.nav.addItem(page_title(title_source))
            self.pages.addWidget(QWidget())  # replaced by the real page the first time it is chosen
        self._built: set[int] = set()
        self.nav.currentRowChanged.connect(self.show_page)

        work = QWidget()
        row = QHBoxLayout(work)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.nav)
        row.addWidget(self.pages, 1)
        self.cover = self._lock_cover()
        self.screen_stack = QStackedWidget()
        self.screen_stack.addWidget(work)
        self.screen_stack.addWidget(self.cover)
        self.setCentralWidget(self.screen_stack)

        self.sync = SyncController(context, parent=self)
        self._build_menu()
        self._build_status_bar()
        self.sync.status_changed.connect(self.show_sync_status)
        self.sync.online_changed.connect(self._sync_attempted)
        self.sync.started.connect(lambda: self.statusBar().showMessage(self.tr("正在与中心同步…")))
        self.sync.finished.connect(lambda _outcome: self.statusBar().clearMessage())
        self.sync.start()
        self.idle_watch = IdleWatch(self)
        self.idle_watch.idle.connect(self.lock)
        if idle_lock_ms is None:
            self._start_idle_watch_from_setting()
        else:
            self.idle_watch.start(idle_lock_ms)
        self.nav.setCurrentRow(0)

    # -- building --
    def _build_menu(self) -> None:
        account = self.menuBar().addMenu(self.tr("账户(&A)"))
        self.lock_action = QAction(self.tr("锁定屏幕"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.triggered.connect(self.lock)
        self.logout_action = QAction(self.tr("注销"), self)
        self.logout_action.triggered.connect(self.log_out)
        quit_action = QAction(self.tr("退出"), self)
        quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        quit_action.triggered.connect(self.close)
        account.addAction(self.lock_action)
        account.addAction(self.logout_action)
        account.addSeparator()
        account.addAction(quit_action)
        toolbar = self.addToolBar(self.tr("账户"))
        toolbar.setObjectName("accountToolBar")
        toolbar.setMovable(False)
        toolbar.addAction(self.lock_action)
        toolbar.addAction(self.logout_action)

    def _build_status_bar(self) -> None:
        user = self.context.user
        self.user_label = plain(QLabel(self.tr("用户：{0}（{1}）").format(user.display_name, user.username)))
        self.roles_label = QLabel(self.tr("角色：{0}").format(user.role_labels))
        self.database_label = plain(QLabel(self.tr("数据库：{0}").format(self.context.store.path.name)))
        self.database_label.setToolTip(str(self.context.store.path))
        self.last_sync_label = QLabel(last_sync_text(None))
        self.pending_label = QLabel(pending_text(None))
        self.online_label = QLabel()
        bar = self.statusBar()
        for label in (self.user_label, self.roles_label, self.database_label, self.last_sync_label,
                      self.pending_label, self.online_label):
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)
        self.set_online(False)

    def _lock_cover(self) -> QWidget:
        cover = QWidget()
        note = QLabel(self.tr("屏幕已锁定"))
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.setStyleSheet("font-size: 20pt; color: #616161;")
        layout = QVBoxLayout(cover)
        layout.addWidget(note)
        return cover

    def _start_idle_watch_from_setting(self) -> None:
        store = self.context.store

        def start(minutes: int) -> None:
            if not self._leaving:
                self.idle_watch.start(max(1, minutes) * 60_000)

        self.context.tasks.run(lambda _progress: window_settings(store).idle_lock_minutes, on_success=start,
                               on_failure=self._idle_setting_unreadable, parent=self)

    def _idle_setting_unreadable(self, error: SoregError) -> None:
        self.statusBar().showMessage(self.tr("无法读取锁屏时间设置：{0}").format(error.message))

    # -- pages --
    def show_page(self, index: int) -> None:
        if index < 0:
            return
        if index not in self._built:
            title, spec = PAGES[index]
            placeholder = self.pages.widget(index)
            self.pages.insertWidget(index, build_page(title, spec, self.context))
            self.pages.removeWidget(placeholder)
            placeholder.deleteLater()
            self._built.add(index)
        self.pages.setCurrentIndex(index)

    # -- status --
    def set_online(self, online: bool) -> None:
        """Show whether the central database can be reached (联网状态)."""
        self.online_label.setText(self.tr("联网状态：在线") if online else self.tr("联网状态：离线"))

    def show_sync_status(self, status: SyncStatus) -> None:
        """上次同步 and 待上传 from a ``sync.runner.SyncStatus``."""
        self.last_sync_label.setText(last_sync_text(status))
        self.pending_label.setText(pending_text(status))

    def _sync_attempted(self, online: bool) -> None:
        self.set_online(online)
        outcome = self.sync.last_outcome
        self.online_label.setToolTip(what_to_do(outcome) if isinstance(outcome, SoregError) else "")

    # -- lock and leave --
    @property
    def locked(self) -> bool:
        return self.screen_stack.currentWidget() is self.cover

    def lock(self) -> None:
        """Cover the work and ask the same user's password again (锁定)."""
        if self.locked or self._leaving:
            return
        self.idle_watch.stop()
        self.screen_stack.setCurrentWidget(self.cover)
        self.menuBar().setEnabled(False)
        self.lock_action.setEnabled(False)
        self.logout_action.setEnabled(False)
        dialog = LoginDialog(self.context.tasks, locked_user=self.context.user, parent=self)
        dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        dialog.set_store(self.context.store)
        dialog.accepted.connect(self._unlocked)
        dialog.switch_user.connect(self._switch_user)
        self.unlock_dialog = dialog
        dialog.open()

    def _unlocked(self) -> None:
        self._close_unlock_dialog()
        self.screen_stack.setCurrentIndex(0)
        self.menuBar().setEnabled(True)
        self.lock_action.setEnabled(True)
        self.logout_action.setEnabled(True)
        self.idle_watch.resume()

    def _switch_user(self) -> None:
        self._close_unlock_dialog()
        self.log_out()

    def _close_unlock_dialog(self) -> None:
        if self.unlock_dialog is not None:
            self.unlock_dialog.hide()
            self.unlock_dialog.deleteLater()
            self.unlock_dialog = None

    def log_out(self) -> None:
        """注销: close this window and go back to the login dialog."""
        self.leave()
        self.close()
        self.logged_out.emit()

    def leave(self) -> None:
        """Stop what runs on its own (the idle lock, background sync) before the window goes."""
        self._leaving = True
        self.idle_watch.stop()
        self.sync.shut_down()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._leaving:
            self.leave()
            self.closed.emit()
        event.accept()
