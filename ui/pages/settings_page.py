"""The 设置 page (设置): the window's administration, one tab per section, for administrators.

Other roles see the page too, with a note that names this window's administrators: the
messages elsewhere send a clerk to 设置 (e.g. "设置 → 代码段" when codes run out), and the page
tells them whom to ask. Sections are listed in ``SECTIONS``; each reads what it shows when its
tab is shown and saves through the domain (``accounts``, ``registry.code_blocks``,
``sync.preferences``, ``models.backup``), every change audited there.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from accounts.users import UserInfo, list_users
from models.accounts import Role
from ui.context import PageContext
from ui.settings.backup_section import BackupSection
from ui.settings.codes_section import CodesSection
from ui.settings.printers_section import PrintersSection
from ui.settings.rules_section import RulesSection
from ui.settings.section import Section
from ui.settings.sync_section import SyncSection
from ui.settings.users_section import UsersSection

SECTIONS: tuple[tuple[str, type[Section]], ...] = (
    (QT_TRANSLATE_NOOP("SettingsPage", "用户"), UsersSection),
    (QT_TRANSLATE_NOOP("SettingsPage", "办理规则"), RulesSection),
    (QT_TRANSLATE_NOOP("SettingsPage", "打印机"), PrintersSection),
    (QT_TRANSLATE_NOOP("SettingsPage", "中心同步"), SyncSection),
    (QT_TRANSLATE_NOOP("SettingsPage", "代码段"), CodesSection),
    (QT_TRANSLATE_NOOP("SettingsPage", "备份"), BackupSection),
)


class SettingsPage(QWidget):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.tabs: QTabWidget | None = None
        self.sections: dict[str, Section] = {}
        heading = QLabel(self.tr("设置"))
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        if not context.user.has(Role.ADMIN):
            self.note = QLabel(self.tr("设置只有管理员可以使用。"))
            self.note.setObjectName("adminOnlyNote")
            self.note.setWordWrap(True)
            self.note.setAlignment(Qt.AlignmentFlag.AlignTop)
            layout.addWidget(self.note, 1)
            context.tasks.run(lambda _progress: list_users(context.store), on_success=self._name_administrators,
                              parent=self)
            return
        self.tabs = QTabWidget()
        self.tabs.setObjectName("settingsTabs")
        for title, section_class in SECTIONS:
            section = section_class(context)
            self.sections[title] = section
            self.tabs.addTab(section, QCoreApplication.translate("SettingsPage", title))
        self.tabs.currentChanged.connect(lambda index: self.tabs.widget(index).load())
        layout.addWidget(self.tabs, 1)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.tabs is not None:
            self.tabs.currentWidget().load()  # what others changed meanwhile (a lockout, a synced block)

    def _name_administrators(self, users: list[UserInfo]) -> None:
        names = "、".join(f"{u.display_name}（{u.username}）" for u in users if u.active and u.has(Role.ADMIN))
        self.note.setText(self.tr("设置只有管理员可以使用。本窗口的管理员：{0}。\n"
                                  "需要新增用户、重置密码、解锁账户、载入代码段，或修改打印机、办理时限和中心连接时，"
                                  "请与管理员联系。").format(names))

    def show_section(self, title: str) -> Section | None:
        """Bring the section ``title`` (e.g. 代码段) to the front; None for a user who is not an administrator."""
        if self.tabs is None:
            return None
        section = self.sections[title]
        self.tabs.setCurrentWidget(section)
        return section
