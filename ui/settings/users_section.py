"""设置 → 用户: the window's accounts; add, change roles, reset a password, disable, re-enable,
unlock. The rules (never the last administrator, never one's own account) are
``accounts.users``'s; this section asks them and says what they answered."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from accounts.users import (
    UserInfo,
    create_user,
    disable_user,
    enable_user,
    list_users,
    reset_password,
    set_roles,
    unlock_user,
)
from models.accounts import Role
from models.base import local_time, utcnow
from ui.context import PageContext
from ui.settings.account_dialog import AccountDialog, AccountForm
from ui.settings.section import Section, intro_label, read_only_table

COLUMNS = ("用户名", "姓名", "角色", "状态")


class UsersSection(Section):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.users: list[UserInfo] = []
        self.dialog: AccountDialog | None = None
        intro = intro_label(self.tr("每位工作人员用自己的账户登录；角色决定能办理哪些步骤。"
                                    "不能停用自己的账户或取消自己的管理员角色，本窗口至少要有一位启用的管理员。"))
        self.table = read_only_table("usersTable", [self.tr(c) for c in COLUMNS], pick_rows=True)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.add_button = QPushButton(self.tr("新增用户…"))
        self.roles_button = QPushButton(self.tr("更改角色…"))
        self.password_button = QPushButton(self.tr("重置密码…"))
        self.disable_button = QPushButton(self.tr("停用"))
        self.enable_button = QPushButton(self.tr("重新启用"))
        self.unlock_button = QPushButton(self.tr("解锁"))
        self.add_button.clicked.connect(self.add_user)
        self.roles_button.clicked.connect(self.change_roles)
        self.password_button.clicked.connect(self.reset_password)
        self.disable_button.clicked.connect(self.disable)
        self.enable_button.clicked.connect(self.enable)
        self.unlock_button.clicked.connect(self.unlock)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.roles_button, self.password_button, self.disable_button,
                       self.enable_button, self.unlock_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self._update_buttons()

    # -- showing --
    def load(self) -> None:
        store = self.context.store
        self.run(lambda _progress: list_users(store), self._show)

    def _show(self, users: list[UserInfo]) -> None:
        chosen = self.selected.username if self.selected is not None else None
        self.users = users
        self.table.setRowCount(len(users))
        for row, user in enumerate(users):
            you = self.tr("（本人）") if user.username == self.actor else ""
            for column, text in enumerate((user.username, user.display_name + you, user.role_labels, self._state(user))):
                item = QTableWidgetItem(text)
                if column == 3 and not (user.active and not user.is_locked(utcnow())):
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(row, column, item)
            if user.username == chosen:
                self.table.selectRow(row)
        self._update_buttons()

    def _state(self, user: UserInfo) -> str:
        if not user.active:
            return self.tr("停用")
        if user.is_locked(utcnow()):
            return self.tr("已锁定（至 {0:%H:%M}）").format(local_time(user.locked_until))
        return self.tr("启用")

    @property
    def selected(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.users[rows[0].row()] if rows and rows[0].row() < len(self.users) else None

    def _update_buttons(self) -> None:
        user = self.selected
        for button in (self.roles_button, self.password_button):
            button.setEnabled(user is not None)
        self.disable_button.setEnabled(user is not None and user.active)
        self.enable_button.setEnabled(user is not None and not user.active)
        self.unlock_button.setEnabled(user is not None and user.is_locked(utcnow()))

    # -- acting --
    def _open(self, dialog: AccountDialog, said: str) -> None:
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._done(dialog.user, said))
        dialog.open()

    def _done(self, user: UserInfo, said: str) -> None:
        self.tell(said.format(user.username, user.display_name, user.role_labels))
        self.load()

    def add_user(self) -> None:
        store, actor = self.context.store, self.actor

        def save(form: AccountForm):
            return lambda _progress: create_user(store, username=form.username, display_name=form.display_name,
                                                 password=form.password, roles=form.roles, actor=actor)

        self._open(AccountDialog(self.tr("新增用户"), self.context.tasks, save, identity=True, password=True,
                                 roles=frozenset({Role.CLERK}), parent=self),
                   self.tr("已新增用户 {0}（{1}），角色：{2}。"))

    def change_roles(self) -> None:
        user, store, actor = self.selected, self.context.store, self.actor
        if user is None:
            return
        self._open(AccountDialog(self.tr("更改角色 — {0}").format(user.username), self.context.tasks,
                                 lambda form: lambda _progress: set_roles(store, user.username, form.roles, actor=actor),
                                 roles=user.roles, parent=self),
                   self.tr("已更改 {0}（{1}）的角色：{2}。"))

    def reset_password(self) -> None:
        user, store, actor = self.selected, self.context.store, self.actor
        if user is None:
            return
        intro = self.tr("为 {0}（{1}）设定新密码，请当面告诉本人；重置后账户的锁定一并解除。").format(
            user.username, user.display_name)
        self._open(AccountDialog(self.tr("重置密码 — {0}").format(user.username), self.context.tasks,
                                 lambda form: lambda _p: reset_password(store, user.username, form.password, actor=actor),
                                 password=True, intro=intro, parent=self),
                   self.tr("已重置 {0}（{1}）的密码，可用新密码登录。"))

    def _act(self, action, said: str) -> None:
        user, store, actor = self.selected, self.context.store, self.actor
        if user is not None:
            self.run(lambda _progress: action(store, user.username, actor=actor), lambda done: self._done(done, said))

    def disable(self) -> None:
        self._act(disable_user, self.tr("已停用用户 {0}（{1}），该用户不能再登录。"))

    def enable(self) -> None:
        self._act(enable_user, self.tr("已重新启用用户 {0}（{1}）。"))

    def unlock(self) -> None:
        self._act(unlock_user, self.tr("已解锁用户 {0}（{1}），可以立即登录。"))
