"""The centre's connection form (中心连接): address, window account, password, SSL mode and the
automatic sync interval, as ``central connect`` and ``sync.auto_minutes`` set them.

Shown on the 同步 page and in 设置 → 中心同步; administrators edit it, others see it read-only.
The rules are ``sync.preferences`` (``central_url``, ``save_sync_preferences``); the box only asks
them, saves on the task runner and marks the field a refusal names. After a save the main
window's automatic sync follows the new interval.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from models.accounts import Role
from models.errors import SoregError
from sync.connection import SSLMODES, CentralSettings, central_settings
from sync.preferences import (
    MAX_AUTO_MINUTES,
    auto_sync_minutes,
    central_url,
    save_sync_preferences,
    split_central_url,
)
from ui.context import PageContext
from ui.login_dialog import ERROR_STYLE, OK_STYLE
from ui.sync_status import controller_of


@dataclass(frozen=True)
class SavedConnection:
    """The connection and interval found in the store (``settings`` None: not set up yet)."""

    settings: CentralSettings | None
    auto_minutes: int


def saved_connection(store) -> SavedConnection:
    try:
        settings = central_settings(store)
    except SoregError:  # not set up yet: the form starts empty
        settings = None
    return SavedConnection(settings, auto_sync_minutes(store))


class CentralConnectionBox(QGroupBox):
    """The form; ``show_saved`` fills it, 保存连接设置 saves it. ``saved(minutes)`` after a save."""

    saved = Signal(int)

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("中心连接"), parent)
        self.context = context
        self.is_admin = context.user.has(Role.ADMIN)
        self.saved_settings: CentralSettings | None = None
        self.address_edit = QLineEdit()
        self.address_edit.setPlaceholderText(self.tr("主机:端口/库名，例如 10.0.0.5:5432/soreg"))
        self.role_edit = QLineEdit()
        self.role_edit.setPlaceholderText(self.tr("中心管理员给本窗口的账户，例如 soreg_w_w01"))
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.sslmode_combo = QComboBox()
        self.sslmode_combo.addItems(SSLMODES)
        self.sslmode_combo.setCurrentText("prefer")
        self.auto_spin = QSpinBox()
        self.auto_spin.setRange(0, MAX_AUTO_MINUTES)
        self.auto_spin.setSuffix(self.tr(" 分钟"))
        self.auto_spin.setSpecialValueText(self.tr("关闭"))
        self.file_keyring_check = QCheckBox(self.tr("没有系统密钥环时改用文件密钥环（安全性较低）"))
        self.save_button = QPushButton(self.tr("保存连接设置"))
        self.save_button.clicked.connect(self.save_settings)
        self.settings_message = QLabel()
        self.settings_message.setWordWrap(True)

        form = QFormLayout(self)
        form.addRow(self.tr("中心地址(&D)："), self.address_edit)
        form.addRow(self.tr("窗口账户(&R)："), self.role_edit)
        form.addRow(self.tr("密码(&P)："), self.password_edit)
        form.addRow(self.tr("SSL 模式："), self.sslmode_combo)
        form.addRow(self.tr("自动同步间隔："), self.auto_spin)
        form.addRow("", self.file_keyring_check)
        form.addRow(self.settings_message)
        form.addRow("", self.save_button)
        if self.is_admin:
            self.password_edit.setPlaceholderText(self.tr("输入后存入系统密钥环；已保存的不必再填"))
        else:
            for edit in (self.address_edit, self.role_edit, self.password_edit):
                edit.setReadOnly(True)
            for widget in (self.sslmode_combo, self.auto_spin, self.file_keyring_check):
                widget.setEnabled(False)
            self.password_edit.setPlaceholderText(self.tr("已保存在系统密钥环中"))
            self.save_button.hide()
            self._say(self.tr("只有管理员可以修改中心连接设置。"), None)

    def load(self) -> None:
        """Read the saved connection on the task runner and fill the form."""
        store = self.context.store
        self.context.tasks.run(lambda _progress: saved_connection(store), on_success=self.show_saved, parent=self)

    def show_saved(self, saved: SavedConnection) -> None:
        self.saved_settings = saved.settings
        if saved.settings is not None:
            address, role = split_central_url(saved.settings.url)
            self.address_edit.setText(address)
            self.role_edit.setText(role)
            self.sslmode_combo.setCurrentText(saved.settings.sslmode)
            self.file_keyring_check.setChecked(saved.settings.allow_file_keyring)
        elif self.is_admin:
            self._say(self.tr("本窗口尚未设置中心连接：请填写中心管理员提供的地址、账户和密码后保存。"), ERROR_STYLE)
        self.auto_spin.setValue(saved.auto_minutes)

    def save_settings(self) -> None:
        """Check the form, then save the connection (password to the keyring) on the worker."""
        if not self.is_admin:
            return
        try:
            url = central_url(self.address_edit.text(), self.role_edit.text())
        except SoregError as error:
            self._refuse(error)
            return
        password = self.password_edit.text() or None
        if password is None and (self.saved_settings is None or self.saved_settings.url != url):
            self._refuse(SoregError(self.tr("请输入中心管理员为该窗口账户设置的密码。"), field="密码"))
            return
        settings = replace(self.saved_settings or CentralSettings(url=url), url=url,
                           sslmode=self.sslmode_combo.currentText(),
                           allow_file_keyring=self.file_keyring_check.isChecked())
        minutes = self.auto_spin.value()
        store, actor = self.context.store, self.context.user.username
        self.save_button.setEnabled(False)
        self.context.tasks.run(
            lambda _progress: save_sync_preferences(store, settings, password, minutes, actor=actor),
            on_success=lambda _none: self._saved(settings, minutes), on_failure=self._refuse, parent=self)

    def _saved(self, settings: CentralSettings, minutes: int) -> None:
        self.saved_settings = settings
        self.save_button.setEnabled(True)
        self.password_edit.clear()
        self._say(self.tr("已保存：密码存入系统密钥环，不写入数据库文件。"), OK_STYLE)
        controller = controller_of(self)
        if controller is not None:
            controller.set_auto_interval(minutes * 60_000)
        self.saved.emit(minutes)

    def _refuse(self, error: SoregError) -> None:
        self.save_button.setEnabled(True)
        self._say(error.message, ERROR_STYLE)
        fields = {"中心地址": self.address_edit, "--url": self.address_edit, "窗口账户": self.role_edit,
                  "密码": self.password_edit, "--sslmode": self.sslmode_combo, "自动同步": self.auto_spin,
                  "密钥环": self.file_keyring_check}
        widget = fields.get(error.field or "")
        if widget is not None:
            widget.setFocus()

    def _say(self, text: str, style: str | None) -> None:
        self.settings_message.setText(text)
        self.settings_message.setStyleSheet(style or "")
