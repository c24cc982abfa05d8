"""The GUI entry (图形界面): fonts, Qt's own texts in Chinese, the store, first-start set-up, login
and the main window.

The login dialog is shown first, before SQLAlchemy is even imported; the store opens (and
migrates) on the worker thread meanwhile, and the 登录 button stays disabled until it is ready.
Nothing whose time grows with the database runs before that: the day's backup starts later, on a
worker of its own (ui/daily_backup.py).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QLibraryInfo,
    QLocale,
    QObject,
    Qt,
    QTimer,
    QTranslator,
    Signal,
)
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from cli.app import ChineseArgumentParser
from models.errors import SoregError
from ui.daily_backup import BackupStatusLabel, DailyBackup
from ui.fonts import install_fonts
from ui.login_dialog import LoginDialog
from ui.main_thread_gc import MainThreadCollector
from ui.plain_text import plain
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from models.store import Store
    from ui.main_window import MainWindow
    from ui.setup_dialog import SetupDialog

STARTUP_PROBE_ENV = "SOREG_STARTUP_PROBE"  # benchmarks/startup.py: print when the login window is up, then quit
STORE_FAILURE_EXIT = 2
TRANSLATIONS = Path(__file__).resolve().parent.parent / "resources" / "translations"
# Qt's catalogue shipped with PySide6, then the few of its texts it leaves in English (read first)
QT_CATALOGUES = (("qtbase_zh_CN", None), ("qt_supplement_zh_CN", TRANSLATIONS))


def install_translations(app: QApplication) -> list[str]:
    """Qt's own texts in Chinese — the buttons of QMessageBox and QDialogButtonBox, QFileDialog, the
    context menus of text fields — and Chinese as the default locale (calendar pop-ups, month and
    day names). Returns the catalogues loaded."""
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
    loaded = []
    for name, folder in QT_CATALOGUES:
        translator = QTranslator(app)
        if translator.load(name, str(folder or QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath))):
            app.installTranslator(translator)
            loaded.append(name)
    return loaded


@dataclass(frozen=True)
class OpenedStore:
    """The store as the shell first sees it: what first-start set-up still has to do."""

    store: Store
    window_code: str | None
    has_users: bool

    @property
    def needs_setup(self) -> bool:
        return self.window_code is None or not self.has_users


def _open(db_path: Path | None) -> OpenedStore:
    from accounts.users import has_users
    from accounts.window import window_code
    from models.store import default_db_path, open_store
    from sync.reference_use import use_central_reference

    store = open_store(db_path or default_db_path(), daily=False)  # the shell's DailyBackup makes it
    use_central_reference(store)  # a refused value leaves a notice on the 同步 page
    return OpenedStore(store, window_code(store), has_users(store))


class Shell(QObject):
    """Leads the user from start to the main window and back: login, set-up, lock, log-out.

    ``ready`` fires when the first dialog can be used; ``finished(exit_code)`` when the program
    should end.
    """

    ready = Signal()
    finished = Signal(int)

    def __init__(self, db_path: Path | None = None, username: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db_path = db_path
        self._username = username
        self.tasks = TaskRunner(self)
        self.opened: OpenedStore | None = None
        self.login_dialog: LoginDialog | None = None
        self.setup_dialog: SetupDialog | None = None
        self.main_window: MainWindow | None = None
        self.store_error_box: QMessageBox | None = None
        self.daily_backup: DailyBackup | None = None
        self._disposing: set[QWidget] = set()

    def start(self) -> None:
        """Show the login dialog now; open the store once the event loop has painted it."""
        self._show_login()
        QTimer.singleShot(0, self._open_store)

    def _open_store(self) -> None:
        db_path = self._db_path
        self.tasks.run(lambda _progress: _open(db_path), on_success=self._store_opened, on_failure=self._store_failed)

    def shut_down(self) -> None:
        self._stop_daily_backup()
        self.tasks.shut_down()
        if self.opened is not None:
            self.opened.store.close()

    # -- the store --
    def _store_opened(self, opened: OpenedStore) -> None:
        self.opened = opened
        if opened.needs_setup:
            self._show_setup()
        else:
            self.login_dialog.set_store(opened.store, opened.window_code)
        self.ready.emit()
        self.tasks.run(_prepare_login)  # while the clerk types
        self.daily_backup = DailyBackup(opened.store, parent=self)
        self.daily_backup.failed.connect(self._backup_failed)
        self.daily_backup.start()

    def _stop_daily_backup(self) -> None:
        if self.daily_backup is not None:
            self.daily_backup.shut_down()
            self.daily_backup.deleteLater()
            self.daily_backup = None

    def _backup_failed(self, message: str) -> None:
        self._tell(QMessageBox.Icon.Warning, self.tr("今天的自动备份未完成"),
                   self.tr("{0}\n\n程序会每隔几分钟再试；也可以在 设置 → 备份 中立即备份。").format(message),
                   name="backupFailure")

    def _store_failed(self, error: SoregError) -> None:
        if self.login_dialog is not None:
            self.login_dialog.hide()
        box = plain(QMessageBox(QMessageBox.Icon.Critical, self.tr("无法打开数据库"),
                                self.tr("{0}\n\n程序将退出。").format(error.message)))
        box.setObjectName("storeError")
        box.finished.connect(lambda _result: self.finished.emit(STORE_FAILURE_EXIT))
        self.store_error_box = box
        box.open()

    # -- first start --
    def _show_setup(self) -> None:
        from ui.setup_dialog import SetupDialog

        self._close_login()
        opened = self.opened
        dialog = SetupDialog(self.tasks, opened.store, window_code=opened.window_code, has_users=opened.has_users)
        dialog.accepted.connect(self._setup_done)
        dialog.rejected.connect(lambda: self.finished.emit(0))
        self.setup_dialog = dialog
        dialog.show()

    def _setup_done(self) -> None:
        dialog, self.setup_dialog = self.setup_dialog, None
        self._dispose(dialog)
        self.opened = OpenedStore(self.opened.store, dialog.code, True)
        self._show_login(dialog.admin_username or "")

    # -- login --
    def _show_login(self, username: str | None = None) -> None:
        dialog = LoginDialog(self.tasks, username=self._username if username is None else username)
        dialog.accepted.connect(self._logged_in)
        dialog.rejected.connect(lambda: self.finished.emit(0))
        if self.opened is not None:
            dialog.set_store(self.opened.store, self.opened.window_code)
        self.login_dialog = dialog
        dialog.show()

    def _close_login(self) -> None:
        if self.login_dialog is not None:
            self._dispose(self.login_dialog)
            self.login_dialog = None

    def _logged_in(self) -> None:
        from ui.context import PageContext
        from ui.main_window import MainWindow

        user = self.login_dialog.user
        self._close_login()
        context = PageContext(store=self.opened.store, user=user, tasks=self.tasks)
        window = MainWindow(context, window_code=self.opened.window_code)
        window.logged_out.connect(self._logged_out)
        window.restore_requested.connect(self._restore)
        window.closed.connect(lambda: self.finished.emit(0))
        if self.daily_backup is not None:
            window.statusBar().addPermanentWidget(BackupStatusLabel(self.daily_backup))
        self.main_window = window
        window.show()

    def _logged_out(self) -> None:
        username = self.main_window.context.user.username
        self._dispose(self.main_window)
        self.main_window = None
        self._show_login(username)

    # -- restore (设置 → 备份) --
    def _restore(self, backup: Path, password: str) -> None:
        """Close the main window and the database, put ``backup`` in its place (the administrator's
        password is checked against the database being replaced), and open it again at login."""
        from models.backup import restore_store

        window, self.main_window = self.main_window, None
        username = window.context.user.username
        window.leave()
        self._dispose(window)
        self._stop_daily_backup()  # waits for a backup being made to stop: the restore needs the database alone
        store, self.opened = self.opened.store, None
        self._show_login(username)

        def work(_progress):
            store.close()
            return restore_store(store.path, backup, authorize=lambda current: _administrator(current, username, password))

        self.tasks.run(work, on_success=self._restored, on_failure=self._restore_refused, title=self.tr("正在恢复数据库"),
                       parent=self.login_dialog)

    def _restored(self, result) -> None:
        self._open_store()
        self._tell(QMessageBox.Icon.Information, self.tr("已从备份恢复"), self.tr(
            "已用备份 {0} 恢复窗口 {1} 的数据库。恢复前的数据库已另存为 {2}。\n"
            "请登录后尽快同步：同步会向中心取回本窗口在这份备份之后办理的记录，取回之前不能受理新办件。").format(
            result.restored_from, result.window_code, result.kept_copy or self.tr("（无）")), name="restoreOutcome")

    def _restore_refused(self, error: SoregError) -> None:
        self._open_store()  # the database as it was: nothing was replaced
        self._tell(QMessageBox.Icon.Warning, self.tr("未能恢复"), error.message, name="restoreOutcome")

    def _tell(self, icon: QMessageBox.Icon, title: str, text: str, *, name: str) -> None:
        """A message box over the window in front (the main window, else the login dialog)."""
        box = plain(QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self.main_window or self.login_dialog))
        box.button(QMessageBox.StandardButton.Ok).setText(self.tr("确定"))
        box.setObjectName(name)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def _dispose(self, widget: QWidget) -> None:
        """Hide a window and delete it from the event loop, keeping Python's reference until then.

        (These windows belong to Python: were the last reference dropped before the deferred
        delete ran — e.g. inside the window's own signal — PySide would delete it twice.)
        """
        widget.hide()
        self._disposing.add(widget)
        widget.destroyed.connect(lambda: self._disposing.discard(widget))
        widget.deleteLater()


def _prepare_login(_progress) -> None:
    """What the first login and the 首页 would otherwise wait for, done while the clerk types: the
    first argon2 hash of the run (accounts.users) and loading the modules of the main window and
    the 首页 (only loading: their widgets are made on the UI thread)."""
    import ui.main_window  # noqa: F401
    import ui.pages.dashboard_page  # noqa: F401
    from accounts.users import prepare_login

    prepare_login()


def _administrator(store: Store, username: str, password: str) -> str:
    """The restore's authorization: ``username`` is an administrator of ``store`` with this password."""
    from accounts.users import authenticate
    from models.accounts import Role

    user = authenticate(store, username, password)
    if not user.has(Role.ADMIN):
        raise SoregError("只有管理员可以从备份恢复数据库。", field="用户")
    return user.username


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = ChineseArgumentParser(prog="soreg", description="社会组织登记窗口（图形界面）")
    parser.add_argument("--db", type=Path)
    parser.add_argument("--user", default="")
    return parser.parse_args(argv)


def _attach_startup_probe(shell: Shell) -> None:
    """Print one line when the login window is shown and one when it is usable, then quit."""
    def say(what: str) -> None:
        print(f"SOREG_STARTUP {what}", flush=True)

    def ready() -> None:
        say("ready")
        shell.finished.emit(0)

    QTimer.singleShot(0, lambda: say("shown"))
    shell.ready.connect(ready)


def run_gui(argv: list[str]) -> int:
    """Start the GUI; return the exit code (non-zero if the store cannot be opened)."""
    options = _parse(argv)
    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("soreg")
    app.setQuitOnLastWindowClosed(False)  # the shell decides when the program ends
    MainThreadCollector(app)  # kept by its parent, the application
    install_fonts(app)
    install_translations(app)
    shell = Shell(options.db, options.user)
    shell.finished.connect(app.exit)
    if os.environ.get(STARTUP_PROBE_ENV):
        _attach_startup_probe(shell)
    shell.start()
    try:
        return app.exec()
    finally:
        shell.shut_down()
