"""Keeps the name-check index (organization_names, name_variants) in step with the registry."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models.registry import NameVariant, Organization, OrganizationName
from registry.names import parse_name, pinyin_key, variant_keys


def name_row(
    organization_id: uuid.UUID, org_type: str, name: str, *, is_current: bool, renamed_on: date | None = None
) -> tuple[dict, list[str]]:
    """The organization_names columns of one name and its name_variants keys (``variant_keys``),
    as plain data: what ``name_entry`` builds objects from and the bulk import inserts directly."""
    parsed = parse_name(name, org_type)
    key = parsed.compare_key
    row = {
        "organization_id": organization_id,
        "name": parsed.name,  # normalized by parse_name
        "is_current": is_current,
        "renamed_on": renamed_on,
        "org_type": org_type,
        "compare_key": key,
        "compare_pinyin": pinyin_key(key),
        "field": parsed.compare_field,
        "form": parsed.form,
    }
    return row, variant_keys(key, parsed.compare_field, parsed.form)


def name_entry(org: Organization, name: str, *, is_current: bool, renamed_on: date | None = None) -> OrganizationName:
    """An index entry for one name of ``org``, with its variants; the caller adds it."""
    row, variants = name_row(org.id, org.org_type, name, is_current=is_current, renamed_on=renamed_on)
    return OrganizationName(**row, variants=[NameVariant(variant=v) for v in variants])


def apply_parsed_parts(org: Organization) -> None:
    """Fill the organization's 字号, field and form columns from its current name."""
    parsed = parse_name(org.name, org.org_type)
    org.zihao, org.field, org.form = parsed.zihao, parsed.field, parsed.form


def index_current_name(session: Session, org: Organization) -> OrganizationName:
    """Index ``org``'s current name (after it was created or renamed), in the caller's transaction."""
    for entry in org.names:
        if entry.is_current:
            entry.is_current = False
    entry = name_entry(org, org.name, is_current=True)
    org.names.append(entry)
    session.flush()
    return entry


_FILL_VARIANTS = """
WITH RECURSIVE position(i) AS (
    SELECT 1 UNION ALL SELECT i + 1 FROM position
    WHERE i < (SELECT max(length(compare_key)) FROM organization_names WHERE id >= ?1))
INSERT OR IGNORE INTO name_variants (name_id, variant)
SELECT n.id, n.field || '|' || n.form || '|' || substr(n.compare_key, 1, p.i - 1) || substr(n.compare_key, p.i + 1)
FROM organization_names AS n CROSS JOIN position AS p
WHERE n.id >= ?1 AND length(n.compare_key) > 1 AND p.i <= length(n.compare_key)
"""


def fill_name_variants(conn: Connection, first_name_id: int) -> None:
    """Insert the name_variants rows of every organization_names row from ``first_name_id`` on,
    computed by SQLite itself: the same keys as ``variant_keys`` (a test holds the two equal),
    for bulk loads, where building them in Python and binding them one by one cost most.
    CROSS JOIN keeps the names outermost, so rows arrive in primary-key order; OR IGNORE drops
    the repeats a doubled character makes (“aab” loses either “a” to the same key)."""
    conn.exec_driver_sql(_FILL_VARIANTS, (first_name_id,))
