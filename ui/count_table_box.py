"""A count table on screen (统计表): one ``stats.tables.CountTable``, its 合计 below the rows (always
in sight), and 导出…."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from spreadsheets.count_tables import COUNT_HEADER, TOTAL_LABEL
from stats.tables import CountTable


class CountTableBox(QGroupBox):
    """Shows one table; ``export_asked(table)`` when 导出… is clicked."""

    export_asked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.table: CountTable | None = None
        self.view = QTableWidget(0, 2)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.export_button = QPushButton(self.tr("导出…"))
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(lambda: self.export_asked.emit(self.table))
        self.total_label = QLabel()
        self.total_label.setStyleSheet("font-weight: bold;")
        row = QHBoxLayout()
        row.addWidget(self.total_label, 1)
        row.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.view, 1)
        layout.addLayout(row)

    def show_table(self, table: CountTable) -> None:
        self.table = table
        self.setObjectName(f"table_{table.key}")
        self.setTitle(table.title)
        self.view.setHorizontalHeaderLabels([table.dimension, self.tr(COUNT_HEADER)])
        self.view.setRowCount(len(table.rows))
        for n, row in enumerate(table.rows):
            count = QTableWidgetItem(f"{row.count:,}")
            count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.view.setItem(n, 0, QTableWidgetItem(row.label))
            self.view.setItem(n, 1, count)
        self.total_label.setText(self.tr("{0}　{1:,}").format(self.tr(TOTAL_LABEL), table.total))
        self.export_button.setEnabled(True)

    def shown_rows(self) -> list[tuple[str, str]]:
        """The cells as the clerk reads them, row by row."""
        return [(self.view.item(r, 0).text(), self.view.item(r, 1).text()) for r in range(self.view.rowCount())]
