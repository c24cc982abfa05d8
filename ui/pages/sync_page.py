"""The 同步 page: the centre's connection (administrators edit it), 立即同步 (F5) with its progress
and outcome, the pending count and last sync time, and the notices the clerk must see."""

from __future__ import annotations

from dataclasses import dataclass, replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.accounts import Role
from models.base import local_time
from models.errors import SoregError
from sync.connection import SSLMODES, CentralSettings, central_settings
from sync.notices import LIST_LIMIT, NoticeView, list_notices
from sync.preferences import (
    MAX_AUTO_MINUTES,
    auto_sync_minutes,
    central_url,
    save_sync_preferences,
    split_central_url,
)
from sync.runner import SyncReport, SyncStatus
from ui.context import PageContext
from ui.login_dialog import ERROR_STYLE, OK_STYLE
from ui.plain_text import plain
from ui.sync_status import SyncController, controller_of, what_to_do

NOTICE_COLUMNS = ("类别", "状态", "记录", "涉及窗口", "内容", "时间")


@dataclass(frozen=True)
class _Saved:
    """What the page found in the store when it opened."""

    settings: CentralSettings | None
    auto_minutes: int
    notices: list[NoticeView]


def _load(store) -> _Saved:
    try:
        settings = central_settings(store)
    except SoregError:  # not set up yet: the form starts empty
        settings = None
    return _Saved(settings, auto_sync_minutes(store), list_notices(store))


class SyncPage(QWidget):
    """同步: connection settings, sync now, the outcome and the notices."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.is_admin = context.user.has(Role.ADMIN)
        self.sync: SyncController | None = None  # the main window's, found when the page is first shown
        self.saved: CentralSettings | None = None
        self.notices: list[NoticeView] = []

        heading = QLabel(self.tr("同步"))
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        intro = QLabel(self.tr("本窗口的办件和记录上传到区中心库，登记库、名单和基础数据从中心下载。"
                               "离线时照常办理，联网后同步即可。"))
        intro.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        top = QHBoxLayout()
        top.addWidget(self._connection_box(), 1)
        top.addWidget(self._status_box(), 1)
        layout.addLayout(top)
        layout.addWidget(self._notice_box(), 1)
        self._set_busy(False)

    # -- building --
    def _connection_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("中心连接"))
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
        self.settings_message = plain(QLabel())
        self.settings_message.setWordWrap(True)

        form = QFormLayout(box)
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
            self._say(self.settings_message, self.tr("只有管理员可以修改中心连接设置。"), None)
        return box

    def _status_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("同步状态"))
        self.online_value = QLabel(self.tr("尚未连接"))
        self.last_sync_value = QLabel("—")
        self.pending_value = QLabel("—")
        self.outcome_label = plain(QLabel())
        self.outcome_label.setWordWrap(True)
        self.outcome_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.progress_text = plain(QLabel())
        self.progress_bar = QProgressBar()
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.clicked.connect(self._cancel)
        self.sync_button = QPushButton(self.tr("立即同步 (F5)"))
        self.sync_button.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.sync_button.setMinimumHeight(36)
        self.sync_button.clicked.connect(self.sync_now)

        form = QFormLayout()
        form.addRow(self.tr("联网状态："), self.online_value)
        form.addRow(self.tr("上次同步："), self.last_sync_value)
        form.addRow(self.tr("待上传："), self.pending_value)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress_bar, 1)
        progress_row.addWidget(self.cancel_button)
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addWidget(self.outcome_label)
        layout.addWidget(self.progress_text)
        layout.addLayout(progress_row)
        layout.addStretch(1)
        layout.addWidget(self.sync_button)
        return box

    def _notice_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("同步提示（被中心拒绝的记录、转中心待复核的登记，请逐条核实处理）"))
        self.notice_table = QTableWidget(0, len(NOTICE_COLUMNS))
        self.notice_table.setHorizontalHeaderLabels([self.tr(c) for c in NOTICE_COLUMNS])
        self.notice_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.notice_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.notice_table.setWordWrap(True)
        self.notice_table.verticalHeader().hide()
        header = self.notice_table.horizontalHeader()
        for column in range(len(NOTICE_COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(NOTICE_COLUMNS.index("内容"), QHeaderView.ResizeMode.Stretch)
        self.no_notices = QLabel(self.tr("没有需要处理的同步提示。"))
        layout = QVBoxLayout(box)
        layout.addWidget(self.no_notices)
        layout.addWidget(self.notice_table, 1)
        return box

    # -- showing --
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.sync is None:
            self._bind(controller_of(self) or self._own_controller())
        self.reload()

    def _own_controller(self) -> SyncController:
        """A page shown outside a main window syncs through a controller of its own."""
        controller = SyncController(self.context, parent=self)
        controller.refresh_status()
        return controller

    def _bind(self, controller: SyncController) -> None:
        self.sync = controller
        controller.started.connect(lambda: self._set_busy(True))
        controller.progressed.connect(self._show_progress)
        controller.finished.connect(self._show_outcome)
        controller.status_changed.connect(self._show_status)
        self._set_busy(controller.running)
        if controller.status is not None:
            self._show_status(controller.status)
        if controller.last_outcome is not None:
            self._show_outcome(controller.last_outcome)

    def reload(self) -> None:
        """Read the saved settings and the notices again."""
        store = self.context.store
        self.context.tasks.run(lambda _progress: _load(store), on_success=self._show_saved, parent=self)

    def reload_notices(self) -> None:
        store = self.context.store
        self.context.tasks.run(lambda _progress: list_notices(store), on_success=self._show_notices, parent=self)

    def _show_saved(self, saved: _Saved) -> None:
        self.saved = saved.settings
        if saved.settings is not None:
            address, role = split_central_url(saved.settings.url)
            self.address_edit.setText(address)
            self.role_edit.setText(role)
            self.sslmode_combo.setCurrentText(saved.settings.sslmode)
            self.file_keyring_check.setChecked(saved.settings.allow_file_keyring)
        elif self.is_admin:
            self._say(self.settings_message, self.tr("本窗口尚未设置中心连接：请填写中心管理员提供的地址、账户和密码后保存。"),
                      ERROR_STYLE)
        self.auto_spin.setValue(saved.auto_minutes)
        self._show_notices(saved.notices)

    def _show_notices(self, notices: list[NoticeView]) -> None:
        self.notices = notices
        table = self.notice_table
        table.setRowCount(len(notices))
        for row, notice in enumerate(notices):
            cells = (notice.kind, notice.status, notice.record, notice.windows, notice.reason,
                     local_time(notice.updated_at).strftime("%Y-%m-%d %H:%M"))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(notice.reason)
                if column == 0:
                    item.setForeground(Qt.GlobalColor.darkRed if notice.kind == "被拒绝" else Qt.GlobalColor.darkYellow)
                table.setItem(row, column, item)
        table.resizeRowsToContents()
        self.no_notices.setVisible(not notices)
        table.setVisible(bool(notices))

    def _show_status(self, status: SyncStatus) -> None:
        self.last_sync_value.setText(local_time(status.last_sync_at).strftime("%Y-%m-%d %H:%M:%S")
                                     if status.last_sync_at else self.tr("从未同步"))
        self.pending_value.setText(self.tr("{0} 条").format(status.pending))
        if self.sync is not None and self.sync.syncs_started == 0 and status.last_error:  # from an earlier session
            self._say(self.outcome_label, self.tr("上次同步出错：{0}").format(status.last_error), ERROR_STYLE)
        if min(status.notices, LIST_LIMIT) != len(self.notices):  # the list holds LIST_LIMIT at the most
            self.reload_notices()

    def _show_online(self, online: bool) -> None:
        self.online_value.setText(self.tr("在线") if online else self.tr("离线（本窗口可继续离线办理）"))
        self.online_value.setStyleSheet(OK_STYLE if online else ERROR_STYLE)

    # -- syncing --
    def sync_now(self) -> None:
        if self.sync is None:
            return
        if not self.sync.sync_now():
            self._say(self.outcome_label, self.tr("同步正在进行，完成后这里显示结果。"), None)

    def _cancel(self) -> None:
        if self.sync is not None:
            self.cancel_button.setEnabled(False)
            self.progress_text.setText(self.tr("正在取消（当前这一批完成后停止，已完成的部分保留）…"))
            self.sync.cancel()

    def _set_busy(self, busy: bool) -> None:
        self.sync_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        for widget in (self.progress_bar, self.cancel_button, self.progress_text):
            widget.setVisible(busy)
        if busy:
            self.progress_bar.setRange(0, 0)
            self.progress_text.setText(self.tr("正在连接中心…"))
            self._say(self.outcome_label, "", None)

    def _show_progress(self, done: int, total: int | None, text: str) -> None:
        if text:
            self.progress_text.setText(self.tr("{0}：{1}").format(text, f"{done}/{total}" if total else done))
        if total:
            self.progress_bar.setRange(0, total)
            self.progress_bar.setValue(min(done, total))
        else:
            self.progress_bar.setRange(0, 0)

    def _show_outcome(self, outcome: SyncReport | SoregError | None) -> None:
        self._set_busy(False)
        if isinstance(outcome, SyncReport):
            self._say(self.outcome_label, outcome.summary(), OK_STYLE)
        elif isinstance(outcome, SoregError):
            self._say(self.outcome_label, what_to_do(outcome), ERROR_STYLE)
        else:
            self._say(self.outcome_label, self.tr("同步已取消；已完成的部分已保存，下次同步从中断处继续。"), None)
        self._show_online(self.sync is not None and self.sync.online)
        self.reload_notices()

    # -- settings --
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
        if password is None and (self.saved is None or self.saved.url != url):
            self._refuse(SoregError(self.tr("请输入中心管理员为该窗口账户设置的密码。"), field="密码"))
            return
        settings = replace(self.saved or CentralSettings(url=url), url=url, sslmode=self.sslmode_combo.currentText(),
                           allow_file_keyring=self.file_keyring_check.isChecked())
        minutes = self.auto_spin.value()
        store, actor = self.context.store, self.context.user.username
        self.save_button.setEnabled(False)
        self.context.tasks.run(
            lambda _progress: save_sync_preferences(store, settings, password, minutes, actor=actor),
            on_success=lambda _none: self._saved(settings, minutes), on_failure=self._refuse, parent=self)

    def _saved(self, settings: CentralSettings, minutes: int) -> None:
        self.saved = settings
        self.save_button.setEnabled(True)
        self.password_edit.clear()
        self._say(self.settings_message, self.tr("已保存：密码存入系统密钥环，不写入数据库文件。"), OK_STYLE)
        if self.sync is not None:
            self.sync.set_auto_interval(minutes * 60_000)

    def _refuse(self, error: SoregError) -> None:
        self.save_button.setEnabled(True)
        self._say(self.settings_message, error.message, ERROR_STYLE)
        fields = {"中心地址": self.address_edit, "--url": self.address_edit, "窗口账户": self.role_edit,
                  "密码": self.password_edit, "--sslmode": self.sslmode_combo, "自动同步": self.auto_spin,
                  "密钥环": self.file_keyring_check}
        widget = fields.get(error.field or "")
        if widget is not None:
            widget.setFocus()

    @staticmethod
    def _say(label: QLabel, text: str, style: str | None) -> None:
        label.setText(text)
        label.setStyleSheet(style or "")
