"""One case document as it goes to a printer (办件文书打印): checked, filled, signed and rendered.

What the CLI and the printing page share: ``case_print_pdf`` refuses a print the rules forbid
before anything is rendered, fills the document from the case, signs its QR code with this
window's key (not for drafts) and applies the printer's calibration in overlay mode. After the
sheet is out, the caller records it with ``print_records.record_print``.
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.users import UserInfo
from models.store import Store
from printing.calibration import NO_CALIBRATION, calibration_for_in
from printing.data import CopyKind
from printing.documents import document_pdf, qr_claim
from printing.render import PrintMode
from signing.keys import window_signer
from workflow.case_documents import case_document
from workflow.print_records import PrintRequest, plan_print
from workflow.print_rules import normalize_stock_serial


@dataclass(frozen=True)
class CasePrint:
    """A print request with how it is drawn: full or overlay (套打), formal or draft (草稿)."""

    request: PrintRequest
    mode: PrintMode = PrintMode.FULL
    draft: bool = False


def case_print_pdf(store: Store, job: CasePrint, *, user: UserInfo, preview: bool = False) -> bytes:
    """The PDF of ``job``; SoregError (Chinese) if it may not be printed.

    Drafts and previews (``preview``: what the sheet will look like before the serial or a reprint
    reason is entered) skip the print rules; nothing here records a print.
    """
    request = job.request
    if job.draft or preview:
        serial = normalize_stock_serial(request.serial) if request.serial.strip() else ""
    else:
        serial = plan_print(store, request, user=user).serial or ""
    document = case_document(store, request.case_no, request.document, copy=request.copy or CopyKind.ORIGINAL,
                             serial=serial, clerk_name=user.display_name)
    calibration = NO_CALIBRATION
    if job.mode is PrintMode.OVERLAY and request.printer.strip():
        with store.read() as session:
            calibration = calibration_for_in(session, request.printer)
    signer = window_signer(store) if qr_claim(document) is not None and not job.draft else None
    return document_pdf(document, signer=signer, mode=job.mode, calibration=calibration, draft=job.draft)
