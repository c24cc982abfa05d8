"""Documents (文书) as PDF bytes: certificates, receipts and notices, in full or overlay mode.

Certificates and acceptance receipts carry a QR code signed by the window (``signer``); the
other notices have none. Drafts (草稿) may go without a signer and carry a large watermark.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from models.errors import SoregError
from models.print_records import DocumentKind
from printing.calibration import NO_CALIBRATION, Calibration
from printing.data import (
    CERTIFICATE_TEMPLATES,
    CertificateData,
    ChangeNoticeData,
    CollectionReceiptData,
    CorrectionNoticeData,
    Document,
    NameCheckSlipData,
    ReceiptData,
    RejectionNoticeData,
)
from printing.fonts import FontChain
from printing.render import Page, PrintMode, render_pages
from printing.templates import load_template
from signing.qr import CertificateClaim, Claim, ReceiptClaim

DOCUMENT_TEMPLATES: dict[DocumentKind, tuple[str, ...]] = {
    DocumentKind.CERTIFICATE: tuple(CERTIFICATE_TEMPLATES.values()),
    DocumentKind.RECEIPT: (ReceiptData.template,),
    DocumentKind.CORRECTION_NOTICE: (CorrectionNoticeData.template,),
    DocumentKind.REJECTION_NOTICE: (RejectionNoticeData.template,),
    DocumentKind.COLLECTION_RECEIPT: (CollectionReceiptData.template,),
    DocumentKind.NAME_CHECK_SLIP: (NameCheckSlipData.template,),
    DocumentKind.CHANGE_NOTICE: (ChangeNoticeData.template,),
}


class Signer(Protocol):
    def sign(self, claim: Claim) -> str: ...


def overlay_offered(kind: DocumentKind) -> bool:
    """Whether documents of ``kind`` go onto pre-printed stock, so that overlay mode (套打) applies."""
    return all(load_template(name).stock for name in DOCUMENT_TEMPLATES[kind])


def qr_claim(document: Document) -> Claim | None:
    """What the document's QR code certifies, or None for documents without one."""
    if isinstance(document, CertificateData):
        return CertificateClaim(credit_code=document.credit_code, name=document.name,
                                issued_on=document.issued_on, valid_until=document.valid_until,
                                serial=document.serial)
    if isinstance(document, ReceiptData):
        return ReceiptClaim(case_no=document.case_no, organization_name=document.organization_name,
                            received_on=document.received_on, due_date=document.due_date)
    return None


def document_page(document: Document, signer: Signer | None, *, draft: bool) -> Page:
    template = load_template(document.template)
    claim = qr_claim(document)
    qr_text = None
    if claim is not None and template.qr is not None:
        if signer is not None:
            qr_text = signer.sign(claim)
        elif not draft:
            raise SoregError(f"打印正式的{template.title}需要本窗口的签名密钥来生成防伪二维码；只有草稿可以不带。",
                             field="签名密钥")
    return Page(template=template, values=document.values(), qr_text=qr_text)


def documents_pdf(documents: Iterable[Document], *, signer: Signer | None = None,
                  mode: PrintMode = PrintMode.FULL, calibration: Calibration = NO_CALIBRATION,
                  draft: bool = False, chain: FontChain | None = None) -> bytes:
    """One PDF with one sheet per document (a batch of certificates, say), fonts embedded."""
    documents = list(documents)
    title = load_template(documents[0].template).title if documents else ""
    pages = (document_page(d, signer, draft=draft) for d in documents)
    return render_pages(pages, title=title, mode=mode, calibration=calibration, draft=draft, chain=chain)


def document_pdf(document: Document, *, signer: Signer | None = None, mode: PrintMode = PrintMode.FULL,
                 calibration: Calibration = NO_CALIBRATION, draft: bool = False,
                 chain: FontChain | None = None) -> bytes:
    """The PDF of one document."""
    return documents_pdf([document], signer=signer, mode=mode, calibration=calibration, draft=draft, chain=chain)
