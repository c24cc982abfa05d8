"""PDF to printer (打印输出): the document's own PDF pages rendered at the printer's resolution.

Nothing is laid out again: each page of the PDF made by ``printing/`` is rasterised by QtPdf at
the printer's DPI, in horizontal bands so that an A3 sheet at 600 dpi needs a few megabytes, not
hundreds, and painted onto the full paper (``setFullPage``: the origin is the sheet's corner, as
the templates and the calibration measure it). ``QPainter`` on a ``QPrinter`` may run on a worker
thread, so this runs inside a ``ui.tasks`` task and reports each page.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QIODevice,
    QMarginsF,
    QRect,
    QRectF,
    QSize,
    QSizeF,
)
from PySide6.QtGui import QPageLayout, QPageSize, QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPrintSupport import QPrinter

from models.errors import SoregError
from models.progress import Progress

MAX_DPI = 600  # beyond this a pre-printed form gains nothing and the bands only get slower
BAND_PX = 512


class LoadedPdf:
    """A QPdfDocument read from bytes, with the buffer it reads from kept alive as long as it."""

    def __init__(self, pdf: bytes) -> None:
        self.buffer = QBuffer()
        self.buffer.setData(QByteArray(pdf))
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument()
        self.document.load(self.buffer)
        if self.document.status() != QPdfDocument.Status.Ready:
            raise SoregError("生成的 PDF 无法读取，不能预览或打印，请重新生成。", field="文书")


def page_layout(size_pt: QSizeF) -> QPageLayout:
    """The paper for a PDF page: its size (matched to a standard size if close), orientation, no margins."""
    landscape = size_pt.width() > size_pt.height()
    portrait = QSizeF(min(size_pt.width(), size_pt.height()), max(size_pt.width(), size_pt.height()))
    size = QPageSize(portrait, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
    orientation = QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait
    return QPageLayout(size, orientation, QMarginsF(0, 0, 0, 0))


def print_pdf(pdf: bytes, printer: QPrinter, progress: Progress | None = None) -> int:
    """Print every page of ``pdf`` on ``printer``; returns the number of pages."""
    loaded = LoadedPdf(pdf)
    document = loaded.document
    pages = document.pageCount()
    printer.setFullPage(True)
    printer.setDocName(document.metaData(QPdfDocument.MetaDataField.Title) or "soreg")
    painter = QPainter()
    try:
        for index in range(pages):
            size_pt = document.pagePointSize(index)
            printer.setPageLayout(page_layout(size_pt))
            if index == 0:
                if not painter.begin(printer):
                    raise SoregError("打印机无法开始打印，请检查打印机是否联机、有纸，或换一台打印机。", field="打印机")
            elif not printer.newPage():
                raise SoregError("打印机无法换页，打印已中止，请检查打印机。", field="打印机")
            _paint_page(document, index, size_pt, painter, printer)
            if progress is not None:
                progress.report(index + 1, pages, f"已发送第 {index + 1}/{pages} 页")
    finally:
        if painter.isActive():
            painter.end()
    return pages


def _paint_page(document: QPdfDocument, index: int, size_pt: QSizeF, painter: QPainter, printer: QPrinter) -> None:
    dpi = min(printer.resolution(), MAX_DPI)
    full = QSize(round(size_pt.width() / 72 * dpi), round(size_pt.height() / 72 * dpi))
    paper = printer.paperRect(QPrinter.Unit.DevicePixel)
    scale_y = paper.height() / full.height()  # the bands span the paper's width; their height scales
    for top in range(0, full.height(), BAND_PX):
        height = min(BAND_PX, full.height() - top)
        options = QPdfDocumentRenderOptions()
        options.setScaledSize(full)
        options.setScaledClipRect(QRect(0, top, full.width(), height))
        band = document.render(index, QSize(full.width(), height), options)
        painter.drawImage(QRectF(0, top * scale_y, paper.width(), height * scale_y), band)
