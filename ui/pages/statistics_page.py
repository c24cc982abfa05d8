"""The 统计 page (统计): counts of cases by state, business type and month of acceptance (for one
year or all), and of the registry's organizations by type, street and status, each table
exportable to .xlsx, all of them at once too.

The counts are ``stats.counts.statistics`` (GROUP BY in SQLite, on the task runner); the page only
lays the tables out. Later views (年检率, ratings, a street's screen, charts) add their tables to
``Statistics`` and a box here.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from models.errors import SoregError
from spreadsheets.count_tables import export_count_tables
from stats.counts import Statistics, statistics
from stats.tables import CountTable
from ui.context import PageContext
from ui.count_table_box import CountTableBox
from ui.login_dialog import ERROR_STYLE, OK_STYLE


class StatisticsPage(QWidget):
    """``loaded`` fires each time the tables show fresh counts."""

    loaded = Signal()

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.data: Statistics | None = None
        self.export_dialog: QFileDialog | None = None
        self.last_export: Path | None = None
        self._loading = False

        heading = QLabel(self.tr("统计"))
        heading.setStyleSheet("font-size: 16pt; font-weight: bold;")
        self.year_combo = QComboBox()
        self.year_combo.addItem(self.tr("全部年度"), None)
        self.year_combo.currentIndexChanged.connect(self.refresh)
        self.refresh_button = QPushButton(self.tr("刷新 (F5)"))
        self.refresh_button.clicked.connect(self.refresh)
        self.export_all_button = QPushButton(self.tr("全部导出…"))
        self.export_all_button.setEnabled(False)
        self.export_all_button.clicked.connect(lambda: self.ask_export(self.data.tables if self.data else ()))
        self.status = QLabel()
        self.status.setObjectName("statisticsStatus")
        top = QHBoxLayout()
        top.addWidget(heading)
        top.addSpacing(24)
        top.addWidget(QLabel(self.tr("办件受理年度：")))
        top.addWidget(self.year_combo)
        top.addWidget(self.refresh_button)
        top.addWidget(self.export_all_button)
        top.addSpacing(12)
        top.addWidget(self.status, 1)

        self.case_boxes = [CountTableBox() for _ in range(3)]
        self.organization_boxes = [CountTableBox() for _ in range(3)]
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        for title, boxes in ((self.tr("办件（本窗口）"), self.case_boxes), (self.tr("登记库组织"), self.organization_boxes)):
            group = QGroupBox(title)
            row = QHBoxLayout(group)
            for box in boxes:
                box.export_asked.connect(lambda table: self.ask_export((table,)))
                row.addWidget(box, 1)
            layout.addWidget(group, 1)

        refresh = QAction(self.tr("刷新"), self)
        refresh.setShortcut(QKeySequence("F5"))
        refresh.triggered.connect(self.refresh)
        self.addAction(refresh)
        self.refresh()

    @property
    def boxes(self) -> list[CountTableBox]:
        return self.case_boxes + self.organization_boxes

    # -- counting --
    def refresh(self) -> None:
        if self._loading:
            return
        self._loading = True
        self._say(self.tr("正在统计…"), None)
        store, year = self.context.store, self.year_combo.currentData()
        self.context.tasks.run(lambda _progress: statistics(store, year=year), on_success=self._show,
                               on_failure=self._failed, parent=self)

    def _show(self, data: Statistics) -> None:
        self._loading = False
        self.data = data
        self.year_combo.blockSignals(True)  # the years known now; the chosen one stays chosen
        for year in data.years:
            if self.year_combo.findData(year) < 0:
                self.year_combo.addItem(self.tr("{0} 年").format(year), year)
        self.year_combo.blockSignals(False)
        for box, table in zip(self.boxes, data.tables, strict=True):
            box.show_table(table)
        self.export_all_button.setEnabled(True)
        self._say(self.tr("统计时间：{0:%Y-%m-%d %H:%M:%S}").format(datetime.now()), None)
        self.loaded.emit()

    def _failed(self, error: SoregError) -> None:
        self._loading = False
        self._say(self.tr("无法统计：{0}").format(error.message), ERROR_STYLE)

    # -- exporting --
    def ask_export(self, tables: tuple[CountTable, ...]) -> None:
        """Ask where to save ``tables`` (one: its title names the file) and export them there."""
        name = tables[0].title if len(tables) == 1 else self.tr("统计")
        dialog = QFileDialog(self, self.tr("导出统计表"), str(Path.home() / f"{name}-{datetime.now():%Y%m%d}.xlsx"),
                             self.tr("Excel 文件 (*.xlsx)"))
        dialog.setObjectName("exportDialog")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("xlsx")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)  # one dialog everywhere, in Chinese
        dialog.fileSelected.connect(lambda path: self.export(tables, Path(path)))
        self.export_dialog = dialog
        dialog.open()

    def export(self, tables: tuple[CountTable, ...], target: Path) -> None:
        def done(path: Path) -> None:
            self.last_export = path
            self._say(self.tr("已导出 {0} 张统计表到 {1}").format(len(tables), path), OK_STYLE)

        self.context.tasks.run(lambda _progress: export_count_tables(tables, target), on_success=done,
                               on_failure=lambda error: self._say(error.message, ERROR_STYLE), parent=self)

    def _say(self, text: str, style: str | None) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style or "")
