"""Name reservations (名称保留): hold the name of a case that passed 名称核准, end the hold.

A case holds at most one reservation (its row is reused when the case passes 名称核准 again,
after a 退回 or a corrected name). ``reserve_in`` and ``end_in`` run in the caller's
transaction, the one that moves the case (workflow/transitions.py ``perform``); the outbox
queues the row for the centre there too. The name check reads reservations itself
(registry/name_check.py ``reservation_findings_in``).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.audit import record_event_in
from models.name_reservations import NameReservation
from registry.name_index import name_row


def _reservation_of(session: Session, case_id: uuid.UUID) -> NameReservation | None:
    return session.scalar(select(NameReservation).where(NameReservation.case_id == case_id))


def reserve_in(session: Session, *, case_id: uuid.UUID, case_no: str, window_code: str, name: str, org_type: str,
               on: date, expires_on: date, actor: str) -> NameReservation:
    """Reserve ``name`` for the case until ``expires_on`` (its first free day), with an audit event."""
    row = name_row(case_id, org_type, name, is_current=True)
    keys = {k: row[k] for k in ("name", "org_type", "compare_key", "compare_pinyin", "field", "form")}
    reservation = _reservation_of(session, case_id)
    if reservation is None:
        reservation = NameReservation(case_id=case_id, case_no=case_no, window_code=window_code, **keys)
        session.add(reservation)
    else:
        for column, value in keys.items():
            setattr(reservation, column, value)
    reservation.reserved_by, reservation.reserved_on, reservation.expires_on = actor, on, expires_on
    reservation.ended_on = reservation.end_reason = None
    session.flush()
    record_event_in(session, actor=actor, action="name.reserve", record_type="name_reservation",
                 record_id=reservation.id, after={"case_no": case_no, "name": reservation.name,
                                                  "reserved_on": on, "expires_on": expires_on})
    return reservation


def end_in(session: Session, case_id: uuid.UUID, *, on: date, reason: str, actor: str) -> None:
    """End the case's reservation, if it holds one (``reason``: 办结, 不予登记, 撤回 or 已登记)."""
    reservation = _reservation_of(session, case_id)
    if reservation is None or reservation.ended_on is not None:
        return
    reservation.ended_on, reservation.end_reason = on, reason
    session.flush()
    record_event_in(session, actor=actor, action="name.release", record_type="name_reservation",
                 record_id=reservation.id, after={"case_no": reservation.case_no, "name": reservation.name,
                                                  "ended_on": on, "end_reason": reason})
