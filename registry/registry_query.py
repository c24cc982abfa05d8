"""Listing and searching the registry (登记库查询) one page at a time, for the 登记库 page.

Pages are keyset-paged in the order of ``ix_organizations_name_type`` (name, org_type, rowid),
so the first page of a million organizations costs as much as the first page of ten. The search
text matches, through indexes, the start of the name (with or without 上海市长宁区), the start
of the 统一社会信用代码 or the start of the legal representative's name.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, literal_column, or_, select, tuple_

from models import reference
from models.registry import Organization, OrganizationName
from models.store import Store
from registry.names import normalize_name

PAGE_SIZE = 200
_AFTER_EVERYTHING = "\U0010ffff"  # sorts after any character: the end of a prefix range
_CREDIT_CODE_PREFIX = re.compile(r"[0-9A-Z]{1,18}")


@dataclass(frozen=True)
class RegistryFilter:
    """What the clerk asked for: search text, type and status (None: all)."""

    text: str = ""
    org_type: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class OrganizationRow:
    """One organization as the list shows it; ``position`` is the keyset for the next page."""

    id: uuid.UUID
    name: str
    org_type: str
    status: str
    status_changed_on: date | None
    credit_code: str | None
    legal_representative: str | None
    street: str
    address: str | None
    sponsor: str | None
    established_on: date | None
    certificate_valid_until: date | None
    rating: str | None
    on_abnormal_list: bool
    on_dishonest_list: bool
    position: tuple  # the keyset of this row in its list's order, for the next page


def street_name(code: str | None) -> str:
    return next((s.name for s in reference.streets() if s.code == code), code or "")


def _prefix(column, text: str) -> ColumnElement[bool]:
    return (column >= text) & (column < text + _AFTER_EVERYTHING)


def credit_code_prefix(text: str) -> str | None:
    """The search text as the start of a 统一社会信用代码, if it looks like one."""
    code = normalize_name(text).upper()
    return code if _CREDIT_CODE_PREFIX.fullmatch(code) else None


def name_condition(text: str) -> ColumnElement[bool] | None:
    """Name prefix (with or without 上海市长宁区) or legal representative prefix; None if empty."""
    text = normalize_name(text)
    if not text:
        return None
    o = Organization
    prefix = reference.district().name_prefix
    names = [text] if text.startswith(prefix) else [text, prefix + text]
    return or_(*[_prefix(o.name, n) for n in names], _prefix(o.legal_representative, text))


def search_organizations(
    store: Store, flt: RegistryFilter, *, after: tuple | None = None, limit: int = PAGE_SIZE
) -> list[OrganizationRow]:
    """The next ``limit`` organizations matching ``flt`` after the keyset ``after``.

    A credit-code search lists in credit-code order (the order of its index, so a prefix
    matching a third of the registry costs no sort); every other list is in name order.
    """
    o = Organization
    rowid = literal_column("organizations.rowid")
    query = select(
        o.id, o.name, o.org_type, o.status, o.status_changed_on, o.credit_code, o.legal_representative,
        o.street_code, o.address, o.sponsor, o.established_on, o.certificate_valid_until, o.rating,
        o.on_abnormal_list, o.on_dishonest_list, rowid,
    )
    code = credit_code_prefix(flt.text)
    if code is not None:
        query = query.where(_prefix(o.credit_code, code))
        order = (o.credit_code,)
    else:
        condition = name_condition(flt.text)
        if condition is not None:
            query = query.where(condition)
        order = (o.name, o.org_type, rowid)
    if flt.org_type:
        query = query.where(o.org_type == flt.org_type)
    if flt.status:
        query = query.where(o.status == flt.status)
    if after is not None:
        keyset = order
        if code is None and flt.text.strip():
            # "name || ''" hides the name index from the keyset, so SQLite keeps searching by
            # the text's indexes instead of walking the whole registry from the keyset on
            keyset = (o.name.op("||")(""), *order[1:])
        query = query.where(tuple_(*keyset) > tuple_(*after))
    query = query.add_columns(*(c.label(f"keyset_{i}") for i, c in enumerate(order))).order_by(*order).limit(limit)
    with store.read() as session:
        return [
            OrganizationRow(*row[:7], street_name(row[7]), *row[8:15], position=tuple(row[16:]))
            for row in session.execute(query)
        ]


def former_names(store: Store, organization_id: uuid.UUID) -> list[tuple[str, date | None]]:
    """An organization's former names (曾用名) with their rename dates, newest first."""
    n = OrganizationName
    with store.read() as session:
        rows = session.execute(
            select(n.name, n.renamed_on)
            .where(n.organization_id == organization_id, n.is_current.is_(False))
            .order_by(n.renamed_on.desc())
        )
        return [(name, renamed_on) for name, renamed_on in rows]
