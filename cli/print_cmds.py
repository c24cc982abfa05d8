"""Subcommands for printed documents: verify-qr (and the document output the print command uses)."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from cli.session import store_for
from models.errors import SoregError
from printing.calibration import NO_CALIBRATION, Calibration
from printing.data import Document
from printing.documents import Signer, document_pdf
from printing.render import PrintMode
from signing.keys import public_keys
from signing.qr import verify_qr


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify-qr", help="离线核验证书或回执上的防伪二维码")
    p.add_argument("text", metavar="TEXT", help="扫码得到的文字（以 SOREG1: 开头）")
    p.set_defaults(handler=cmd_verify_qr)


def cmd_verify_qr(args: argparse.Namespace) -> int:
    store = store_for(args)
    with store.read() as session:
        keys = public_keys(session)
    result = verify_qr(args.text, keys, date.today())
    out = sys.stdout if result.valid else sys.stderr
    out.write(f"核验结果：{result.status.value}。{result.message}\n")
    for line in result.lines():
        out.write(f"  {line}\n")
    return 0 if result.valid else 3


def write_document(document: Document, out: Path, *, signer: Signer | None, mode: PrintMode = PrintMode.FULL,
                   calibration: Calibration = NO_CALIBRATION, draft: bool = False) -> Path:
    """Write ``document`` as a PDF to ``out`` (atomically); used by the ``print`` subcommand."""
    pdf = document_pdf(document, signer=signer, mode=mode, calibration=calibration, draft=draft)
    out = Path(out)
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_bytes(pdf)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SoregError(f"无法写入文件 {out}（{exc.strerror}），请换一个可写的位置。", field="--out") from exc
    return out
