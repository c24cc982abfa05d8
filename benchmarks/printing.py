"""Certificate printing speed (证书打印速度): one certificate PDF warm, a batch of 500, and one CLI print.

Fonts are registered once (cold start, reported apart); then one certificate (正本, full mode,
signed QR code, fonts subset and embedded) is rendered repeatedly, and 500 certificates with
different names are rendered both as one 500-page batch PDF and as 500 separate PDFs.

Then a single ``print receipt`` runs as a clerk runs it (a new process on a demo window) with an
Extension B font in the user's font folder: the process records every font file it opens (an
audit hook on ``open``), its time and peak memory, once for a case without Extension B text and
once for a case whose name has an Extension B character.

    .venv/bin/python benchmarks/printing.py [--runs 50] [--batch 500] [--quick]

Targets: one certificate ≤ 100 ms warm (p50); 500 certificates ≤ 20 s; a CLI print without
Extension B text opens no Extension B font.
Last line: one JSON object, e.g. {"single_p50_ms": 40.0, "batch_500_one_pdf_s": 9.1, ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from printing import specimens  # noqa: E402
from printing.data import CopyKind, OrgKind  # noqa: E402
from printing.documents import document_pdf, documents_pdf  # noqa: E402
from printing.fonts import font_chain  # noqa: E402
from signing.keys import WindowSigner  # noqa: E402
from tests.printing_fixtures import EXT_B_CHAR, build_test_font  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗䶮"
# Runs main.py in this process with an audit hook that notes every font file opened, then reports
# them with the process's peak memory on stderr.
CLI_PROBE = """
import json, resource, runpy, sys
opened = set()
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].lower().endswith((".ttf", ".ttc", ".otf")):
        opened.add(args[0].rsplit("/", 1)[-1])
sys.addaudithook(hook)
sys.argv = ["main.py", *sys.argv[1:]]
code = 0
try:
    runpy.run_path("main.py", run_name="__main__")
except SystemExit as exit:
    code = exit.code
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
sys.stderr.write("PROBE " + json.dumps({"fonts": sorted(opened), "rss_mb": rss}) + "\\n")
sys.exit(code)
"""
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


def cli_print(runs: int) -> dict[str, object]:
    """A clerk's ``print receipt`` in a new process, without and with Extension B text."""
    from sqlalchemy import select

    from accounts.users import create_user
    from accounts.window import init_window
    from models.accounts import Role
    from models.cases import Case
    from models.store import open_store
    from workflow.demo import fill_demo_cases

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "home" / ".fonts").mkdir(parents=True)
        build_test_font(folder / "home" / ".fonts" / "HanaMinB.ttf", EXT_B_CHAR)  # stands in for HanaMin
        store = open_store(folder / "w.sqlite3")
        init_window(store, "W01", actor="system", demo=True)
        create_user(store, username="clerk", display_name="张三", password="bench-pass-1",
                    roles=frozenset({Role.CLERK}), actor="system")
        fill_demo_cases(store, 12)
        with store.write() as session:
            plain, rare = session.scalars(select(Case).order_by(Case.case_no).limit(2)).all()
            rare.name = rare.name.replace("长宁区", f"长宁区{EXT_B_CHAR}", 1)
            cases = {"plain": plain.case_no, "ext_b": rare.case_no}
        store.close()
        env = dict(os.environ, HOME=str(folder / "home"), SOREG_HOME=str(folder / "soreg"), SOREG_PASSWORD="bench-pass-1")
        figures: dict[str, object] = {}
        for label, case_no in cases.items():
            times, probe = [], {}
            for run in range(runs):
                started = time.perf_counter()
                done = subprocess.run([sys.executable, "-c", CLI_PROBE, "--db", str(folder / "w.sqlite3"), "--user",
                                       "clerk", "print", "receipt", case_no, "--draft", "--out",
                                       str(folder / f"{label}{run}.pdf")],
                                      cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
                times.append((time.perf_counter() - started) * 1000)
                if done.returncode != 0:
                    raise SystemExit(done.stderr)
                probe = json.loads(done.stderr.rsplit("PROBE ", 1)[1])
            figures[f"cli_print_{label}_p50_ms"] = round(statistics.median(times), 1)
            figures[f"cli_print_{label}_peak_rss_mb"] = round(probe["rss_mb"], 1)
            figures[f"cli_print_{label}_fonts_opened"] = probe["fonts"]
            figures[f"cli_print_{label}_ext_b_fonts_opened"] = int("HanaMinB.ttf" in probe["fonts"])
        return figures


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
        **cli_print(1 if args.quick else 3),
    }
    print(f"证书 PDF（热）中位数 {figures['single_p50_ms']} ms；{batch} 张合并 {batch_s:.2f} s，分别生成 {separate_s:.2f} s",
          file=sys.stderr)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
