"""Screenshots of the shell (界面截图) for docs/screenshots, grabbed offscreen from the real widgets.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m ui.screenshots [folder]

Uses a throwaway store in a temporary folder. Look at the pictures: Chinese must render (no
boxes), nothing clipped. ``font_check.png`` shows a CJK Extension A character (䶮) outside the
product UI.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from ui.fonts import install_fonts

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PASSWORD = "screenshot-1"


def _settle(ms: int = 150) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def _wait_for(condition, timeout_ms: int = 10_000) -> None:
    waited = 0
    while not condition():
        if waited >= timeout_ms:
            raise TimeoutError("the screenshot scene did not get ready")
        _settle(50)
        waited += 50


def _save(widget: QWidget, folder: Path, name: str) -> Path:
    _settle()
    path = folder / name
    widget.grab().save(str(path))
    print(f"{path}  {widget.width()}×{widget.height()}")
    return path


def grab_all(folder: Path) -> list[Path]:
    from accounts.users import create_user
    from accounts.window import init_window
    from models.accounts import Role
    from models.store import open_store
    from ui.context import PageContext
    from ui.login_dialog import LoginDialog
    from ui.main_window import MainWindow
    from ui.setup_dialog import SetupDialog
    from ui.tasks import TaskRunner

    folder.mkdir(parents=True, exist_ok=True)
    saved = []
    tasks = TaskRunner()
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(Path(tmp) / "soreg.sqlite3")

        setup = SetupDialog(tasks, store, window_code=None, has_users=False)
        setup.window_code.setText("W01")
        setup.username.setText("zhangsan")
        setup.display_name.setText("张三")
        setup.show()
        saved.append(_save(setup, folder, "setup_dialog.png"))
        setup.hide()

        init_window(store, "W01", actor="system")
        user = create_user(store, username="zhangsan", display_name="张三", password=PASSWORD,
                           roles=frozenset({Role.ADMIN, Role.CLERK}), actor="system")

        login = LoginDialog(tasks, username="zhangsan")
        login.set_store(store, "W01")
        login.show()
        saved.append(_save(login, folder, "login_dialog.png"))
        login.password.setText("wrong-password")
        login.submit.click()
        _wait_for(login.message.isVisible)
        saved.append(_save(login, folder, "login_wrong_password.png"))
        login.hide()

        window = MainWindow(PageContext(store=store, user=user, tasks=tasks), window_code="W01",
                            idle_lock_ms=600_000)
        window.show()
        saved.append(_save(window, folder, "main_window_1280x720.png"))
        window.resize(1366, 728)  # a 1366×768 screen less the task bar
        saved.append(_save(window, folder, "main_window_1366x768.png"))
        window.lock()
        saved.append(_save(window, folder, "main_window_locked.png"))
        saved.append(_save(window.unlock_dialog, folder, "unlock_dialog.png"))
        window.log_out()

        check = QLabel("字体检查（不属于产品界面）：刘䶮 · 㐀 · 上海市长宁区民政局 · ABC abc 0123：；，。")
        check.setStyleSheet("font-size: 16pt; padding: 12px; background: white;")
        check.ensurePolished()  # apply the style sheet's font before measuring
        check.resize(check.sizeHint())  # not adjustSize: it caps a window at 2/3 of the (800×600 offscreen) screen
        check.show()
        saved.append(_save(check, folder, "font_check.png"))

        tasks.shut_down()
        store.close()
    return saved


def run_grabber(grab, argv: list[str]) -> int:
    """Run ``grab(folder)`` offscreen with the bundled fonts; the folder is argv[1] or docs/screenshots."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(argv[:1])
    install_fonts(app)
    grab(Path(argv[1]) if len(argv) > 1 else DEFAULT_FOLDER)
    return 0


def main(argv: list[str]) -> int:
    return run_grabber(grab_all, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
