"""The login dialog (登录) and, for the idle lock, the unlock dialog (解锁) — one dialog, two modes.

The password is checked by ``accounts.users.authenticate`` on the task runner's worker thread;
a refusal (wrong password, locked or disabled account) is shown in red inside the dialog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.errors import SoregError
from models.reference import district
from ui.plain_text import plain
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from accounts.users import UserInfo
    from models.store import Store

ERROR_STYLE = "color: #c62828;"
OK_STYLE = "color: #2e7d32;"
NOTE_STYLE = "color: #616161;"


class LoginDialog(QDialog):
    """Asks for a user name and password; with ``locked_user`` asks only that user's password.

    ``user`` holds the authenticated ``UserInfo`` once the dialog is accepted. In unlock mode the
    dialog cannot be closed: the way out is the right password or 切换用户 (``switch_user``).
    """

    switch_user = Signal()

    def __init__(
        self,
        tasks: TaskRunner,
        *,
        username: str = "",
        locked_user: UserInfo | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks = tasks
        self._store: Store | None = None
        self._where = ""
        self._locked_user = locked_user
        self.user: UserInfo | None = None

        self.setWindowTitle(self.tr("社会组织登记窗口 — 解锁") if locked_user else self.tr("社会组织登记窗口 — 登录"))
        self.username = QLineEdit(locked_user.username if locked_user else username)
        self.username.setReadOnly(locked_user is not None)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("密码"), self.password)

        self.message = plain(QLabel())
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        self.status = plain(QLabel(self.tr("正在打开数据库…")))
        self.status.setStyleSheet(NOTE_STYLE)

        buttons = QDialogButtonBox()
        if locked_user is None:
            self.submit = buttons.addButton(self.tr("登录"), QDialogButtonBox.ButtonRole.AcceptRole)
            buttons.addButton(self.tr("退出"), QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(self.reject)
        else:
            self.submit = buttons.addButton(self.tr("解锁"), QDialogButtonBox.ButtonRole.AcceptRole)
            switch = QPushButton(self.tr("切换用户"))
            switch.setAutoDefault(False)
            buttons.addButton(switch, QDialogButtonBox.ButtonRole.ResetRole)
            switch.clicked.connect(self.switch_user)
        self.submit.setDefault(True)
        self.submit.setEnabled(False)
        self.submit.clicked.connect(self._log_in)

        if locked_user is None:
            heading = QLabel(self.tr("{0}\n社会组织登记窗口").format(district().authority))
            heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
            heading.setStyleSheet("font-size: 14pt; font-weight: bold;")
        else:
            heading = plain(QLabel(self.tr("屏幕已锁定。请 {0} 输入密码解锁，或切换用户。").format(locked_user.display_name)))
            heading.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        (self.password if locked_user or username else self.username).setFocus()

    def set_store(self, store: Store, window_code: str | None = None) -> None:
        """The store is open: logging in may start."""
        self._store = store
        self._where = self.tr("窗口 {0} · 数据库 {1}").format(window_code, store.path.name) if window_code \
            else self.tr("数据库 {0}").format(store.path.name)
        self.status.setText(self._where)
        self.submit.setEnabled(True)

    @property
    def ready(self) -> bool:
        return self.submit.isEnabled()

    def reject(self) -> None:
        if self._locked_user is None:  # the unlock dialog stays until unlocked or switched
            super().reject()

    def _show_error(self, message: str, field: QLineEdit) -> None:
        self.message.setText(message)
        self.message.show()
        field.setFocus()
        field.selectAll()

    def _log_in(self) -> None:
        if self._store is None:
            return
        username, password = self.username.text().strip(), self.password.text()
        if not username:
            self._show_error(self.tr("请输入用户名。"), self.username)
            return
        if not password:
            if self.username.hasFocus():  # Enter after the user name moves on to the password
                self.password.setFocus()
            else:
                self._show_error(self.tr("请输入密码。"), self.password)
            return
        store = self._store

        def check(_progress) -> UserInfo:
            from accounts.users import authenticate

            return authenticate(store, username, password)

        self._set_busy(True)
        self._tasks.run(check, on_success=self._logged_in, on_failure=self._refused, parent=self)

    def _set_busy(self, busy: bool) -> None:
        """While the password is checked only the button is disabled: the focus stays in the field."""
        self.submit.setEnabled(not busy)
        self.status.setText(self.tr("正在验证…") if busy else self._where)

    def _logged_in(self, user: UserInfo) -> None:
        self.user = user
        self.password.clear()
        self._set_busy(False)
        self.accept()

    def _refused(self, error: SoregError) -> None:
        self._set_busy(False)
        self.password.clear()
        self._show_error(error.message, self.password)
