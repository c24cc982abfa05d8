"""User text shown as text (纯文本显示): a name such as "<b>粗体</b>协会" keeps its angle brackets.

QLabel, QMessageBox and tool tips guess whether a string is rich text (``Qt::mightBeRichText``),
so a name, reason or message holding a tag would be rendered instead of shown. A widget that
shows text a user, the registry or a message built from them supplied is set to plain text with
``plain``; where rich text is intended (colours, tables), each piece of user text goes through
``html.escape`` and the widget says ``Qt.TextFormat.RichText`` itself. ``tip`` makes a tool tip
that shows its text literally.
"""

from __future__ import annotations

import html
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

Shown = TypeVar("Shown", QLabel, QMessageBox)


def plain(widget: Shown) -> Shown:
    """``widget`` set to show its text as plain text; returned, to be used where it is made."""
    widget.setTextFormat(Qt.TextFormat.PlainText)
    return widget


def tip(text: str) -> str:
    """A tool tip that shows ``text`` as written (and wraps a long one)."""
    return f"<p>{html.escape(text)}</p>" if text else ""
