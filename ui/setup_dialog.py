"""First start (首次启动设置): this window's code and the first administrator.

Shown when the store has no window code or no user. The rules are the domain's
(``normalize_window_code``, ``check_password_rule``, ``create_user``); the dialog only asks them
and marks the field they name. It also says, in the clerk's words, what the window still lacks
after set-up: a block of organization codes (``registry.code_blocks.code_supply``), without which
the first 核准登记 cannot give a credit code.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from accounts.users import SYSTEM_ACTOR, check_password_rule, create_user
from accounts.window import init_window, normalize_window_code
from models.accounts import Role
from models.errors import SoregError
from models.store import Store
from registry.code_blocks import CodeSupply, code_supply
from signing.setup import window_key_at_setup
from ui.login_dialog import ERROR_STYLE, NOTE_STYLE
from ui.plain_text import plain
from ui.role_checks import RoleChecks
from ui.tasks import TaskRunner

DEFAULT_ROLES = frozenset({Role.ADMIN, Role.CLERK})


class SetupDialog(QDialog):
    """Asks for what the store still lacks; ``admin_username`` is set once it is done."""

    def __init__(
        self,
        tasks: TaskRunner,
        store: Store,
        *,
        window_code: str | None,
        has_users: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._tasks, self._store = tasks, store
        self._needs_code, self._needs_admin = window_code is None, not has_users
        self.code: str | None = window_code  # this window's code once set up
        self.admin_username: str | None = None
        self.key_warning: str | None = None  # set when the window key could not be made
        self.key_warning_box: QMessageBox | None = None
        self.setWindowTitle(self.tr("社会组织登记窗口 — 首次启动设置"))

        asks = [self.tr("设定本窗口的代码")] if self._needs_code else []
        asks += [self.tr("创建第一个管理员账户")] if self._needs_admin else []
        intro = QLabel(self.tr("本窗口尚未完成设置。请{0}。").format(self.tr("，并").join(asks)))
        intro.setWordWrap(True)

        self.window_code = QLineEdit(window_code or "")
        self.window_code.setPlaceholderText(self.tr("例如 W01"))
        self.window_code.setReadOnly(not self._needs_code)
        window_form = QFormLayout()
        window_form.addRow(self.tr("窗口代码"), self.window_code)
        window_hint = QLabel(self.tr("窗口代码用于办件编号，设定后不能更改。"))
        window_hint.setStyleSheet("color: #616161;")
        window_form.addRow("", window_hint)

        self.username = QLineEdit()
        self.display_name = QLineEdit()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_again = QLineEdit()
        self.password_again.setEchoMode(QLineEdit.EchoMode.Password)
        self.roles = RoleChecks(DEFAULT_ROLES)
        self.roles[Role.ADMIN].setEnabled(False)  # the first user must be able to add the others
        admin = QGroupBox(self.tr("第一个管理员"))
        admin_form = QFormLayout(admin)
        admin_form.addRow(self.tr("用户名"), self.username)
        admin_form.addRow(self.tr("姓名"), self.display_name)
        admin_form.addRow(self.tr("密码"), self.password)
        admin_form.addRow(self.tr("确认密码"), self.password_again)
        admin_form.addRow(self.tr("角色"), self.roles)
        admin.setVisible(self._needs_admin)

        self.message = plain(QLabel())
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        self.codes_notice = QLabel()
        self.codes_notice.setObjectName("codesNotice")
        self.codes_notice.setWordWrap(True)
        self.codes_notice.setStyleSheet(NOTE_STYLE)
        self.codes_notice.hide()

        buttons = QDialogButtonBox()
        self.submit = buttons.addButton(self.tr("完成设置"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.submit.setDefault(True)
        self.submit.clicked.connect(self._set_up)
        buttons.addButton(self.tr("退出"), QDialogButtonBox.ButtonRole.RejectRole).clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(window_form)
        layout.addWidget(admin)
        layout.addWidget(self.codes_notice)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        for field in (self.window_code, self.username, self.display_name, self.password, self.password_again):
            field.textChanged.connect(self._update_submit)
        self._update_submit()
        (self.window_code if self._needs_code else self.username).setFocus()
        tasks.run(lambda _progress: code_supply(store), on_success=self._show_code_supply, parent=self)

    def _show_code_supply(self, supply: CodeSupply) -> None:
        if supply.notice is not None:
            self.codes_notice.setText(self.tr("设置完成后还要做一件事：{0}").format(supply.notice))
            self.codes_notice.show()

    def _required(self) -> list[QLineEdit]:
        fields = [self.window_code] if self._needs_code else []
        if self._needs_admin:
            fields += [self.username, self.password, self.password_again]
        return fields

    def _update_submit(self) -> None:
        self.submit.setEnabled(all(field.text().strip() for field in self._required()))

    def _show_error(self, message: str, field: QLineEdit | None = None) -> None:
        self.message.setText(message)
        self.message.show()
        if field is not None:
            field.setFocus()
            field.selectAll()

    def _set_up(self) -> None:
        try:
            code = normalize_window_code(self.window_code.text()) if self._needs_code else None
        except SoregError as exc:
            self._show_error(exc.message, self.window_code)
            return
        admin = None
        if self._needs_admin:
            try:
                check_password_rule(self.password.text())
            except SoregError as exc:
                self._show_error(exc.message, self.password)
                return
            if self.password.text() != self.password_again.text():
                self._show_error(self.tr("两次输入的密码不一致，请重新输入确认密码。"), self.password_again)
                return
            admin = {
                "username": self.username.text(),
                "display_name": self.display_name.text(),
                "password": self.password.text(),
                "roles": self.roles.roles(),
            }
        store = self._store

        def set_up(_progress) -> tuple[str | None, str | None, str | None]:
            new_code = init_window(store, code, actor=SYSTEM_ACTOR) if code is not None else None
            warning = window_key_at_setup(store, new_code, actor=SYSTEM_ACTOR) if new_code is not None else None
            username = create_user(store, actor=SYSTEM_ACTOR, **admin).username if admin is not None else None
            return new_code, username, warning

        self.submit.setEnabled(False)
        self._tasks.run(set_up, on_success=self._done, on_failure=self._refused, parent=self)

    def _done(self, result: tuple[str | None, str | None, str | None]) -> None:
        new_code, self.admin_username, self.key_warning = result
        self.code = new_code or self.code
        if self.key_warning:
            # not modal and not owned by this dialog, which closes now: the shell goes on to log in
            box = plain(QMessageBox(QMessageBox.Icon.Warning, self.tr("签名密钥"), self.key_warning,
                                    QMessageBox.StandardButton.Ok, self.parentWidget()))
            box.setObjectName("keyWarning")
            self.key_warning_box = box  # a box without a parent lives as long as this reference
            box.show()
        self.accept()

    def _refused(self, error: SoregError) -> None:
        self._update_submit()
        fields = {"窗口代码": self.window_code, "用户名": self.username, "密码": self.password}
        self._show_error(error.message, fields.get(error.field or ""))
