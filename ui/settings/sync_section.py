"""设置 → 中心同步: the centre's connection and the automatic sync interval, the same form as on
the 同步 page (``ui.central_connection``), where 立即同步 and the sync notices are."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from ui.central_connection import CentralConnectionBox
from ui.context import PageContext
from ui.settings.section import Section, intro_label


class SyncSection(Section):
    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        intro = intro_label(self.tr("本窗口连接区中心数据库的地址和账户（由中心管理员提供），以及自动同步的间隔。"
                                    "立即同步和同步提示在“同步”页。"))
        self.connection = CentralConnectionBox(context)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.connection)
        layout.addStretch(1)

    def load(self) -> None:
        self.connection.load()
