"""The bundled CJK fonts (字体), registered at start so Chinese renders on PCs with no Chinese font.

WenQuanYi Micro Hei covers Latin and the common hanzi; Droid Sans Fallback Full adds CJK
Extension A (e.g. 䶮), but has no Latin, so it comes second in the family list.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

FONT_FOLDER = Path(__file__).resolve().parent.parent / "resources" / "fonts"
FONT_FILES = ("wqy-microhei.ttc", "DroidSansFallbackFull.ttf")
FAMILIES = ["WenQuanYi Micro Hei", "Droid Sans Fallback"]
POINT_SIZE = 10


def install_fonts(app: QApplication) -> list[str]:
    """Register the bundled fonts and make them the application font; return the families found."""
    found: list[str] = []
    for name in FONT_FILES:
        font_id = QFontDatabase.addApplicationFont(str(FONT_FOLDER / name))
        if font_id >= 0:
            found.extend(QFontDatabase.applicationFontFamilies(font_id))
    font = QFont(app.font())
    font.setFamilies(FAMILIES)
    font.setPointSize(POINT_SIZE)
    app.setFont(font)
    return found
