"""Driving the real widgets without a person: the application object, waiting on signals, a
printer that writes a PDF file. Used by the benchmarks, which themselves stay free of Qt imports."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication


def application() -> QApplication:
    """The running QApplication, made if there is none yet."""
    return QApplication.instance() or QApplication([])


def wait_for(*signals, timeout_ms: int) -> None:
    """Run the event loop until one of ``signals`` fires or ``timeout_ms`` passes."""
    loop = QEventLoop()
    for signal in signals:
        signal.connect(loop.quit)
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    for signal in signals:
        signal.disconnect(loop.quit)


def pdf_file_printer(path: Path, dpi: int) -> QPrinter:
    """A real QPrinter whose output is a PDF file at ``dpi``, standing in for a printer driver."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setResolution(dpi)
    return printer
