"""The 同步 page: the centre's connection (``ui.central_connection``; administrators edit it),
立即同步 (F5) with its progress and outcome, the pending count, last sync time and the failure the
last sync recorded, and the notices the clerk must see."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.base import local_time
from models.errors import SoregError
from sync.notices import LIST_LIMIT, NoticeView, list_notices
from sync.runner import SyncReport, SyncStatus
from ui.central_connection import (
    CentralConnectionBox,
    SavedConnection,
    saved_connection,
)
from ui.context import PageContext
from ui.login_dialog import ERROR_STYLE, OK_STYLE
from ui.plain_text import plain
from ui.sync_status import SyncController, controller_of, what_to_do

NOTICE_COLUMNS = ("类别", "状态", "记录", "涉及窗口", "内容", "时间")


@dataclass(frozen=True)
class _Saved:
    """What the page found in the store when it opened."""

    connection: SavedConnection
    notices: list[NoticeView]


def _load(store) -> _Saved:
    return _Saved(saved_connection(store), list_notices(store))


class SyncPage(QWidget):
    """同步: connection settings, sync now, the outcome and the notices."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.sync: SyncController | None = None  # the main window's, found when the page is first shown
        self.notices: list[NoticeView] = []
        self.recorded_error: str | None = None

        heading = QLabel(self.tr("同步"))
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        intro = QLabel(self.tr("本窗口的办件和记录上传到区中心库，登记库、名单和基础数据从中心下载。"
                               "离线时照常办理，联网后同步即可。"))
        intro.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(intro)
        top = QHBoxLayout()
        self.connection = CentralConnectionBox(context)
        top.addWidget(self.connection, 1)
        top.addWidget(self._status_box(), 1)
        layout.addLayout(top)
        layout.addWidget(self._notice_box(), 1)
        self._set_busy(False)

    # -- building --
    def _status_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("同步状态"))
        self.online_value = QLabel(self.tr("尚未连接"))
        self.last_sync_value = QLabel("—")
        self.pending_value = QLabel("—")
        self.last_error_value = plain(QLabel())  # the failure the last sync recorded, whoever ran it
        self.last_error_value.setWordWrap(True)
        self.last_error_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
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
        self.status_form = form
        form.addRow(self.tr("联网状态："), self.online_value)
        form.addRow(self.tr("上次同步："), self.last_sync_value)
        form.addRow(self.tr("待上传："), self.pending_value)
        form.addRow(self.tr("上次出错："), self.last_error_value)
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
        self.connection.show_saved(saved.connection)
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
        self.recorded_error = status.last_error
        self._show_recorded_error()
        if min(status.notices, LIST_LIMIT) != len(self.notices):  # the list holds LIST_LIMIT at the most
            self.reload_notices()

    def _show_recorded_error(self) -> None:
        """上次出错: the failure the last sync recorded (a sync run from the command line too),
        unless the outcome of this page's own sync says it already."""
        error = self.recorded_error
        told = self.sync is not None and isinstance(self.sync.last_outcome, SoregError) \
            and self.sync.last_outcome.message == error
        self._say(self.last_error_value, error or "", ERROR_STYLE)
        self.status_form.setRowVisible(self.last_error_value, bool(error) and not told)

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
        self._show_recorded_error()
        self.reload_notices()

    @staticmethod
    def _say(label: QLabel, text: str, style: str | None) -> None:
        label.setText(text)
        label.setStyleSheet(style or "")
