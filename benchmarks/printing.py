"""Certificate printing speed (证书打印速度): one certificate PDF warm, and a batch of 500.

Fonts are registered once (cold start, reported apart); then one certificate (正本, full mode,
signed QR code, fonts subset and embedded) is rendered repeatedly, and 500 certificates with
different names are rendered both as one 500-page batch PDF and as 500 separate PDFs.

    .venv/bin/python benchmarks/printing.py [--runs 50] [--batch 500] [--quick]

Targets: one certificate ≤ 100 ms warm (p50); 500 certificates ≤ 20 s.
Last line: one JSON object, e.g. {"single_p50_ms": 40.0, "batch_500_s": 9.1, ...}.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from printing import specimens  # noqa: E402
from printing.data import CopyKind, OrgKind  # noqa: E402
from printing.documents import document_pdf, documents_pdf  # noqa: E402
from printing.fonts import font_chain  # noqa: E402
from signing.keys import WindowSigner  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗䶮"
FIELDS = ("餐饮行业协会", "文化促进会", "社区服务中心", "养老服务中心", "青少年体育俱乐部", "书画研究会")


def _certificates(n: int) -> list:
    certs = []
    for i in range(n):
        kind = OrgKind.SOCIAL_GROUP if i % 2 == 0 else OrgKind.PRIVATE_NON_ENTERPRISE
        copy = CopyKind.ORIGINAL if i % 3 else CopyKind.DUPLICATE
        name = f"上海市长宁区{SURNAMES[i % len(SURNAMES)]}{SURNAMES[(i * 7) % len(SURNAMES)]}{FIELDS[i % len(FIELDS)]}"
        certs.append(specimens.certificate(kind, copy, name=name, serial=f"SZ2026{i:06d}",
                                           representative=f"{SURNAMES[(i * 3) % len(SURNAMES)]}明"))
    return certs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="repetitions of the single certificate")
    parser.add_argument("--batch", type=int, default=500, help="certificates in the batch")
    parser.add_argument("--quick", action="store_true", help="10 runs and a batch of 50")
    args = parser.parse_args()
    runs, batch = (10, 50) if args.quick else (args.runs, args.batch)

    signer = WindowSigner("W01-BENCH0", Ed25519PrivateKey.generate())
    started = time.perf_counter()
    font_chain()
    fonts_ms = (time.perf_counter() - started) * 1000

    cert = specimens.certificate()
    document_pdf(cert, signer=signer)  # warm-up: first subset tables, template load
    times = []
    size = 0
    for _ in range(runs):
        t = time.perf_counter()
        size = len(document_pdf(cert, signer=signer))
        times.append((time.perf_counter() - t) * 1000)

    certs = _certificates(batch)
    t = time.perf_counter()
    batch_pdf = documents_pdf(certs, signer=signer)
    batch_s = time.perf_counter() - t
    t = time.perf_counter()
    for c in certs:
        document_pdf(c, signer=signer)
    separate_s = time.perf_counter() - t

    figures = {
        "font_registration_ms": round(fonts_ms, 1),
        "single_p50_ms": round(statistics.median(times), 1),
        "single_max_ms": round(max(times), 1),
        "single_pdf_kb": round(size / 1024, 1),
        f"batch_{batch}_one_pdf_s": round(batch_s, 2),
        f"batch_{batch}_one_pdf_mb": round(len(batch_pdf) / 1024 / 1024, 2),
        f"batch_{batch}_separate_pdfs_s": round(separate_s, 2),
        "runs": runs,
    }
    print(f"证书 PDF（热）中位数 {figures['single_p50_ms']} ms；{batch} 张合并 {batch_s:.2f} s，分别生成 {separate_s:.2f} s",
          file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
