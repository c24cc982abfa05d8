"""设置 → 备份: the backups of this window's database (备份与恢复), backing up now, how many are
kept and the second folder (a USB drive), and restoring one (models/backup.py).

A restore replaces the database the program has open: the section asks the administrator's
password again and hands the chosen file to the main window (``restore_requested``), whose shell
closes the database, restores, and opens it again at the login window.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from models.backup import (
    KEEP_RANGE,
    Backup,
    BackupReason,
    BackupResult,
    BackupSettings,
    backup_settings,
    backup_store,
    list_backups,
    set_backup_settings,
)
from ui.context import PageContext
from ui.plain_text import plain
from ui.settings.section import Section, intro_label, read_only_table

COLUMNS = ("备份时间", "类别", "大小", "位置")


class RestoreDialog(QDialog):
    """Confirms a restore: what will happen, and the administrator's password once more."""

    def __init__(self, backup: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("从备份恢复"))
        note = plain(QLabel(self.tr(
            "将用备份 {0} 替换本窗口当前的数据库。\n"
            "· 程序会先关闭数据库，当前数据库另存一份在备份文件夹（“恢复前的原数据库”）；\n"
            "· 恢复后须重新登录，并尽快同步：同步会向中心取回本窗口在这份备份之后办理的记录，"
            "取回之前不能受理新办件。").format(backup)))
        note.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("管理员密码"), self.password)
        buttons = QDialogButtonBox()
        self.ok = buttons.addButton(self.tr("恢复"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.ok.setEnabled(False)
        self.password.textChanged.connect(lambda text: self.ok.setEnabled(bool(text)))
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(560)


class BackupSection(Section):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.backups: list[Backup] = []
        self.table = read_only_table("backupsTable", [self.tr(c) for c in COLUMNS], pick_rows=True)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.backup_button = QPushButton(self.tr("立即备份"))
        self.backup_button.clicked.connect(self.back_up)
        self.restore_button = QPushButton(self.tr("从所选备份恢复…"))
        self.restore_button.clicked.connect(lambda: self.ask_restore(self._selected()))
        self.restore_file_button = QPushButton(self.tr("从其他备份文件恢复…"))
        self.restore_file_button.clicked.connect(self.choose_file)
        actions = QHBoxLayout()
        for button in (self.backup_button, self.restore_button, self.restore_file_button):
            actions.addWidget(button)
        actions.addStretch(1)

        self.keep_spin = QSpinBox()
        self.keep_spin.setRange(*KEEP_RANGE)
        self.keep_spin.setSuffix(self.tr(" 份"))
        self.keep_spin.setMaximumWidth(120)
        self.second_edit = QLineEdit()
        self.second_edit.setPlaceholderText(self.tr("不设则只备份到本机的数据文件夹"))
        choose = QPushButton(self.tr("选择…"))
        choose.clicked.connect(self.choose_second_folder)
        second_row = QHBoxLayout()
        second_row.addWidget(self.second_edit, 1)
        second_row.addWidget(choose)
        self.save_button = QPushButton(self.tr("保存备份设置"))
        self.save_button.clicked.connect(self.save_settings)
        box = QGroupBox(self.tr("备份设置"))
        form = QFormLayout(box)
        form.addRow(self.tr("每处保留份数"), self.keep_spin)
        form.addRow(self.tr("第二备份位置"), second_row)
        save_row = QHBoxLayout()
        save_row.addWidget(self.save_button)
        save_row.addStretch(1)
        form.addRow("", save_row)
        self.fields = {"保留份数": self.keep_spin, "第二备份位置": self.second_edit}

        layout = QVBoxLayout(self)
        layout.addWidget(intro_label(self.tr(
            "程序每天自动备份一次（登录后在后台进行；程序一直开着时，过了零点再备份），每次同步快照前也备份"
            "（SQLite 在线备份，写好后逐份校验）。"
            "备份放在数据文件夹的 backups 中，设了第二备份位置（如 U 盘）时再复制一份。")))
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        layout.addWidget(box)
        layout.addWidget(self.message)
        self._update_buttons()

    # -- showing --
    def load(self) -> None:
        store = self.context.store
        self.run(lambda _progress: (list_backups(store), backup_settings(store)), self._show)

    def _show(self, result: tuple[list[Backup], BackupSettings]) -> None:
        self.backups, settings = result
        self.table.setRowCount(len(self.backups))
        for row, b in enumerate(self.backups):
            cells = (f"{b.made_at:%Y-%m-%d %H:%M:%S}", b.reason.label, f"{b.size_bytes / 2**20:,.1f} MB",
                     str(b.path.parent))
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.keep_spin.setValue(settings.keep)
        self.second_edit.setText(str(settings.second_folder or ""))
        self._update_buttons()

    def _selected(self) -> Path | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()].path if rows else None

    def _update_buttons(self) -> None:
        self.restore_button.setEnabled(self._selected() is not None)

    # -- backing up and settings --
    def back_up(self) -> None:
        store, actor = self.context.store, self.actor
        self.backup_button.setEnabled(False)

        def done(result: BackupResult) -> None:
            self.backup_button.setEnabled(True)
            where = "、".join(str(b.path) for b in result.backups)
            self.tell(self.tr("已备份并校验：{0}").format(where) + "".join("\n" + p for p in result.problems))
            self.load()

        self.context.tasks.run(lambda _progress: backup_store(store, BackupReason.MANUAL, actor=actor),
                               on_success=done, on_failure=self._backup_refused, title=self.tr("正在备份"), parent=self)

    def _backup_refused(self, error) -> None:
        self.backup_button.setEnabled(True)
        self.refuse(error)

    def choose_second_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择第二备份位置（如 U 盘中的文件夹）"),
                                                  self.second_edit.text())
        if folder:
            self.second_edit.setText(folder)

    def save_settings(self) -> None:
        store, actor = self.context.store, self.actor
        keep, second = self.keep_spin.value(), self.second_edit.text().strip() or None
        self.run(lambda _progress: set_backup_settings(store, keep=keep, second_folder=second, actor=actor),
                 lambda saved: self.tell(self.tr("已保存：每处保留 {0} 份{1}。").format(
                     saved.keep, self.tr("，并复制到 {0}").format(saved.second_folder) if saved.second_folder else "")))

    # -- restoring --
    def choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("选择备份文件"), "", self.tr("数据库备份 (*.sqlite3)"))
        if name:
            self.ask_restore(Path(name))

    def ask_restore(self, backup: Path | None) -> None:
        if backup is None:
            return
        dialog = RestoreDialog(backup, self)
        dialog.accepted.connect(lambda: self.window().restore_requested.emit(backup, dialog.password.text()))
        dialog.open()
