"""The account dialog (用户信息) of 设置 → 用户: 新增用户, 更改角色 or 重置密码, each asking only its
fields. It saves through the task runner and stays open on a refusal, marking the field named."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from accounts.users import UserInfo
from models.accounts import Role
from models.errors import SoregError
from models.progress import Progress
from ui.login_dialog import ERROR_STYLE
from ui.role_checks import RoleChecks
from ui.tasks import TaskRunner


@dataclass(frozen=True)
class AccountForm:
    """What the dialog was given: the fields it did not ask stay empty."""

    username: str = ""
    display_name: str = ""
    password: str = ""
    roles: frozenset[Role] = frozenset()


Save = Callable[[AccountForm], Callable[[Progress], UserInfo]]


class AccountDialog(QDialog):
    """``identity`` asks 用户名 and 姓名, ``password`` a new password twice, ``roles`` the roles
    (ticked as given). ``save(form)`` gives the work to run; ``user`` is its result."""

    def __init__(self, title: str, tasks: TaskRunner, save: Save, *, identity: bool = False, password: bool = False,
                 roles: frozenset[Role] | None = None, intro: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("accountDialog")
        self.setWindowTitle(title)
        self._tasks, self._save = tasks, save
        self.user: UserInfo | None = None
        self.username, self.display_name = QLineEdit(), QLineEdit()
        self.password, self.password_again = QLineEdit(), QLineEdit()
        for edit in (self.password, self.password_again):
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.roles = RoleChecks(roles or frozenset())
        form = QFormLayout()
        if identity:
            form.addRow(self.tr("用户名"), self.username)
            form.addRow(self.tr("姓名"), self.display_name)
        if password:
            form.addRow(self.tr("新密码"), self.password)
            form.addRow(self.tr("确认密码"), self.password_again)
        if roles is not None:
            form.addRow(self.tr("角色"), self.roles)
        self._asks = (identity, password, roles is not None)
        self.message = QLabel()
        self.message.setObjectName("accountMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("确定"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        self.ok.clicked.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        if intro:
            note = QLabel(intro)
            note.setWordWrap(True)
            layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)

    def submit(self) -> None:
        identity, password, roles = self._asks
        if password and self.password.text() != self.password_again.text():
            self._refused(SoregError(self.tr("两次输入的密码不一致，请重新输入确认密码。"), field="确认密码"))
            return
        form = AccountForm(self.username.text() if identity else "", self.display_name.text() if identity else "",
                           self.password.text() if password else "", self.roles.roles() if roles else frozenset())
        self.ok.setEnabled(False)
        self._tasks.run(self._save(form), on_success=self._saved, on_failure=self._refused, parent=self)

    def _saved(self, user: UserInfo) -> None:
        self.user = user
        self.accept()

    def _refused(self, error: SoregError) -> None:
        self.ok.setEnabled(True)
        self.message.setText(error.message)
        self.message.show()
        fields = {"用户名": self.username, "姓名": self.display_name, "密码": self.password,
                  "确认密码": self.password_again, "角色": self.roles}
        widget = fields.get(error.field or "")
        if widget is not None:
            widget.setFocus()
