"""The printer chosen per document kind (各类文书的打印机), remembered in the window settings."""

from __future__ import annotations

from sqlalchemy.orm import Session

from models.audit import record_event_in
from models.settings import get_setting_in, set_setting_in

SETTING_PREFIX = "printing.printer."


def printer_for_in(session: Session, document: str) -> str:
    """The printer last used for ``document`` (a DocumentKind value or 套打校准页); empty if none yet."""
    return get_setting_in(session, SETTING_PREFIX + document, "") or ""


def remember_printer_in(session: Session, document: str, printer: str, *, actor: str) -> None:
    """Remember ``printer`` for ``document`` (in the caller's transaction, audited when it changes)."""
    printer = printer.strip()
    before = printer_for_in(session, document)
    if not printer or printer == before:
        return
    set_setting_in(session, SETTING_PREFIX + document, printer)
    record_event_in(session, actor=actor, action="printing.printer", record_type="printer_choice", record_id=document,
                 before={"printer": before} if before else None, after={"printer": printer})
