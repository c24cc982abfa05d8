"""What every section of the 设置 page shares: reading when shown, saving through the task runner,
and one message line that says what was saved or, naming its field, what was refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QWidget,
)

from models.errors import SoregError
from models.progress import Progress
from ui.context import PageContext
from ui.login_dialog import ERROR_STYLE, OK_STYLE


def read_only_table(name: str, headers: list[str], *, pick_rows: bool = False) -> QTableWidget:
    """A table the section fills and the clerk reads; ``pick_rows``: one row at a time can be chosen,
    and the columns fit their contents (else they share the width)."""
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    if pick_rows:
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


def intro_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class Section(QWidget):
    """One tab of the 设置 page. ``fields`` maps the field a refusal names to the widget to focus."""

    def __init__(self, context: PageContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.fields: dict[str, QWidget] = {}
        self.message = QLabel()
        self.message.setObjectName("sectionMessage")
        self.message.setWordWrap(True)

    @property
    def actor(self) -> str:
        return self.context.user.username

    def load(self) -> None:
        """Read what the section shows (called each time its tab is shown)."""

    def run(self, work: Callable[[Progress], Any], done: Callable[[Any], None]) -> None:
        """Run ``work`` on the task runner; ``done(result)`` after it, ``refuse`` on a refusal."""
        self.context.tasks.run(work, on_success=done, on_failure=self.refuse, parent=self)

    def tell(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(OK_STYLE)

    def refuse(self, error: SoregError) -> None:
        self.message.setText(error.message)
        self.message.setStyleSheet(ERROR_STYLE)
        widget = self.fields.get(error.field or "")
        if widget is not None:
            widget.setFocus()
