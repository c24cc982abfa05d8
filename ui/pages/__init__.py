"""The page registry (功能页): the left navigation of the main window, in order.

Each entry is ``(title, "module:ClassName")``; the class is constructed as ``Page(context)`` with
a ``ui.context.PageContext`` the first time its title is chosen. To add a page, create the module
named here (or add a line); until the module exists the page shows an honest "not yet" note.
"""

from __future__ import annotations

import importlib

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ui.context import PageContext

PAGES: list[tuple[str, str]] = [
    (QT_TRANSLATE_NOOP("Pages", "首页"), "ui.pages.dashboard_page:DashboardPage"),
    (QT_TRANSLATE_NOOP("Pages", "办件"), "ui.pages.cases_page:CasesPage"),
    (QT_TRANSLATE_NOOP("Pages", "名称核准"), "ui.pages.name_check_page:NameCheckPage"),
    (QT_TRANSLATE_NOOP("Pages", "登记库"), "ui.pages.registry_page:RegistryPage"),
    (QT_TRANSLATE_NOOP("Pages", "打印"), "ui.pages.printing_page:PrintingPage"),
    (QT_TRANSLATE_NOOP("Pages", "同步"), "ui.pages.sync_page:SyncPage"),
    (QT_TRANSLATE_NOOP("Pages", "统计"), "ui.pages.statistics_page:StatisticsPage"),
    (QT_TRANSLATE_NOOP("Pages", "设置"), "ui.pages.settings_page:SettingsPage"),
]


def main_window_page(widget: QWidget, spec: str) -> QWidget | None:
    """Switch the main window holding ``widget`` to the page ``spec`` and return that page
    (None when ``widget`` is not inside the main window)."""
    window = widget.window()
    nav, pages = getattr(window, "nav", None), getattr(window, "pages", None)
    if nav is None or pages is None:
        return None
    index = next(i for i, (_title, s) in enumerate(PAGES) if s == spec)
    nav.setCurrentRow(index)
    return pages.widget(index)


def page_title(title: str) -> str:
    return QCoreApplication.translate("Pages", title)


class NotYetPage(QWidget):
    """Stands in for a page whose module has not been written yet."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel(title)
        heading.setObjectName("pageHeading")
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note = QLabel(self.tr("此功能将在后续版本提供"))
        note.setObjectName("notYetNote")
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        layout.addWidget(heading)
        layout.addWidget(note)
        layout.addStretch(1)


def build_page(title: str, spec: str, context: PageContext) -> QWidget:
    """Construct the page named by ``spec``, or a ``NotYetPage`` if its module does not exist yet.

    Only the absence of the page's own module is forgiven: an import error inside an existing page
    module is a bug and is raised.
    """
    module_name, class_name = spec.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return NotYetPage(page_title(title))
    return getattr(module, class_name)(context)
