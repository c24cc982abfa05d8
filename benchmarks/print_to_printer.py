"""Sending PDFs to a printer (打印输出速度): QtPdf rasterising each page in bands at the printer's DPI.

A real ``QPrinter`` writing a PDF file stands in for the printer driver. Measures one A3
certificate at 300 and 600 dpi and a batch of certificates + receipts at 600 dpi, with the
process's peak memory, since an A3 sheet at 600 dpi would be ~280 MB as one image.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/print_to_printer.py [--batch 20] [--quick]

Last line: one JSON object, e.g. {"certificate_600dpi_ms": 900.0, ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


from printing import specimens
from printing.documents import document_pdf, documents_pdf
from ui.harness import application, pdf_file_printer
from ui.pdf_printing import print_pdf


def timed_ms(pdf: bytes, path: Path, dpi: int) -> float:
    t = time.perf_counter()
    print_pdf(pdf, pdf_file_printer(path, dpi))
    return (time.perf_counter() - t) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=20, help="sheets in the batch (half certificates, half receipts)")
    parser.add_argument("--quick", action="store_true", help="a batch of 4")
    args = parser.parse_args()
    batch = 4 if args.quick else args.batch
    application()
    certificate = document_pdf(specimens.certificate(), draft=True)
    sheets = [specimens.certificate() if i % 2 == 0 else specimens.receipt() for i in range(batch)]
    batch_pdf = documents_pdf(sheets, draft=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        timed_ms(certificate, out / "warm.pdf", 300)  # warm-up: QtPdf and fonts loaded
        figures = {
            "certificate_a3_300dpi_ms": round(timed_ms(certificate, out / "c300.pdf", 300), 1),
            "certificate_a3_600dpi_ms": round(timed_ms(certificate, out / "c600.pdf", 600), 1),
            f"batch_{batch}_sheets_600dpi_s": round(timed_ms(batch_pdf, out / "batch.pdf", 600) / 1000, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
