"""Subcommands for printed documents: verify-qr, window-key, print calibration and case documents.

``print certificate|receipt|notice|collection-receipt|name-slip CASE_NO --out FILE.pdf`` maps the
case onto its document (workflow/case_documents.py), writes the PDF and records the print
(workflow/print_records.py); ``notice`` is the 补正 or 不予登记 notice, by the case's state.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from accounts.window import window_code
from cli.session import logged_in_store, store_for
from models.accounts import Role
from models.errors import SoregError
from models.print_records import DocumentKind
from printing.calibration import NO_CALIBRATION, calibration_for
from printing.calibration_page import calibration_page_pdf
from printing.data import CopyKind
from printing.render import PrintMode
from printing.verification import verify_printed_code
from signing.keys import create_window_key, window_keys
from workflow.case_documents import case_notice_kind
from workflow.case_print import CasePrint, case_print_pdf
from workflow.print_records import PrintRequest, record_print


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("verify-qr", help="离线核验证书或回执上的防伪二维码")
    p.add_argument("text", metavar="TEXT", help="扫码得到的文字（以 SOREG1: 开头）")
    p.set_defaults(handler=cmd_verify_qr)

    key = sub.add_parser("window-key", help="本窗口的二维码签名密钥").add_subparsers(
        dest="key_command", metavar="操作", required=True)
    create = key.add_parser("create", help="生成本窗口的签名密钥（私钥存入系统密钥库，只需一次）")
    create.set_defaults(handler=cmd_window_key_create)
    lst = key.add_parser("list", help="列出本机已知的各窗口签名公钥")
    lst.set_defaults(handler=cmd_window_key_list)

    prt = sub.add_parser("print", help="打印文书（输出 PDF）").add_subparsers(
        dest="print_command", metavar="文书", required=True)
    cal = prt.add_parser("calibration", help="套打校准页（毫米网格和十字线）")
    cal.add_argument("--out", type=Path, required=True, help="输出的 PDF 文件")
    cal.add_argument("--width", type=float, default=210.0, help="纸张宽度（毫米，默认 210）")
    cal.add_argument("--height", type=float, default=297.0, help="纸张高度（毫米，默认 297）")
    cal.add_argument("--printer", help="按该打印机已保存的校准值偏移整页，用于检查校准是否准确")
    cal.set_defaults(handler=cmd_print_calibration)

    for name, help_text in DOCUMENT_COMMANDS.items():
        doc = prt.add_parser(name, help=help_text)
        doc.add_argument("case_no", metavar="CASE_NO", help="办件编号")
        doc.add_argument("--out", type=Path, required=True, help="输出的 PDF 文件")
        doc.add_argument("--mode", choices=[m.value for m in PrintMode], default=PrintMode.FULL.value,
                         help="full：整张打印在白纸上；overlay：套打，只打印可变内容（默认 full）")
        doc.add_argument("--printer", help="打印机名称（记入打印记录；套打时使用该打印机的校准值）")
        doc.add_argument("--reason", default="", help="再次打印的原因（补打、重打时必填）")
        doc.add_argument("--draft", action="store_true", help="草稿：带“草稿”水印，不签名，不记入打印记录")
        if name == "certificate":
            doc.add_argument("--copy", choices=list(COPIES), default="original", help="original：正本；duplicate：副本")
            doc.add_argument("--serial", default="", help="证书纸上的证件印制号（正式打印必填）")
        doc.set_defaults(handler=cmd_print_document)


DOCUMENT_COMMANDS = {
    "certificate": "登记证书（正本或副本）",
    "receipt": "受理回执",
    "notice": "通知书：补正中的办件打印补正材料通知书，不予登记的办件打印不予登记通知书",
    "collection-receipt": "领证回执",
    "name-slip": "名称核准结果",
}
DOCUMENT_KINDS = {"certificate": DocumentKind.CERTIFICATE, "receipt": DocumentKind.RECEIPT,
                  "collection-receipt": DocumentKind.COLLECTION_RECEIPT, "name-slip": DocumentKind.NAME_CHECK_SLIP}
COPIES = {"original": CopyKind.ORIGINAL, "duplicate": CopyKind.DUPLICATE}


def cmd_verify_qr(args: argparse.Namespace) -> int:
    result = verify_printed_code(store_for(args), args.text, date.today())
    out = sys.stdout if result.valid else sys.stderr
    out.write(f"核验结果：{result.status.value}。{result.message}\n")
    for line in result.lines():
        out.write(f"  {line}\n")
    return 0 if result.valid else 3


def cmd_window_key_create(args: argparse.Namespace) -> int:
    store, actor = logged_in_store(args, Role.ADMIN)
    code = window_code(store)
    if code is None:
        raise SoregError("本窗口尚未初始化，请先运行 init。", field="窗口代码")
    made = create_window_key(store, code, actor=actor.username)
    print(f"窗口 {code} 的签名密钥：{made.key_id}（{'新生成，' if made.created else ''}私钥在系统密钥库中，公钥已存入数据库）")
    if made.note:
        sys.stderr.write(made.note + "\n")
    return 0


def cmd_window_key_list(args: argparse.Namespace) -> int:
    for key in window_keys(store_for(args)):
        print(f"{key.key_id}\t{key.window_code}\t{key.created_at:%Y-%m-%d}")
    return 0


def cmd_print_calibration(args: argparse.Namespace) -> int:
    calibration = NO_CALIBRATION
    if args.printer:
        calibration = calibration_for(store_for(args), args.printer)
    for value, label in ((args.width, "--width"), (args.height, "--height")):
        if not 50 <= value <= 600:
            raise SoregError(f"纸张尺寸 {value:g} 毫米不合理，应在 50 至 600 毫米之间。", field=label)
    write_pdf(calibration_page_pdf(args.width, args.height, calibration=calibration), args.out)
    print(f"校准页已写入 {args.out}")
    return 0


def cmd_print_document(args: argparse.Namespace) -> int:
    store, user = logged_in_store(args)
    kind = case_notice_kind(store, args.case_no) if args.print_command == "notice" else DOCUMENT_KINDS[args.print_command]
    copy = COPIES[args.copy] if kind is DocumentKind.CERTIFICATE else None
    printer = (args.printer or "").strip() or f"PDF 文件 {Path(args.out).name}"
    request = PrintRequest(args.case_no, kind, printer, copy=copy, serial=args.serial if copy else "", reason=args.reason)
    pdf = case_print_pdf(store, CasePrint(request, PrintMode(args.mode), args.draft), user=user)
    write_pdf(pdf, args.out)
    what = kind.value + (copy.value if copy else "")
    if args.draft:
        print(f"{what}草稿已写入 {args.out}（未记入打印记录）")
        return 0
    record = record_print(store, request, user=user)
    serial_note = f"，证件印制号 {record.serial}" if record.serial else ""
    print(f"{what}已写入 {args.out}：第 {record.copy_number} 份（{record.event}{serial_note}），已记入打印记录")
    return 0


def write_pdf(pdf: bytes, out: Path) -> Path:
    """Write PDF bytes to ``out`` atomically (a temporary file, then rename)."""
    out = Path(out)
    tmp = out.with_name(out.name + ".part")
    try:
        tmp.write_bytes(pdf)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise SoregError(f"无法写入文件 {out}（{exc.strerror}），请换一个可写的位置。", field="--out") from exc
    return out

