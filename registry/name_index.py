"""Keeps the name-check index (organization_names, name_variants) in step with the registry.

The index keys (compare_key, its pinyin, field, form and the one-edit keys) come from splitting
each name with the reference data (org_types endings, field vocabulary, divisions, the
authority's prefix). When that data changes — a new version of the bundled files, or the
centre's values — the keys of names indexed before no longer match those of a proposed name.
So the database records which rules its keys were made with (``rules_fingerprint`` in SQLite's
``PRAGMA user_version``), and ``rebuild_if_stale`` recomputes every entry when they differ.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date
from functools import lru_cache

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models import reference
from models.registry import NameVariant, Organization, OrganizationName
from models.store import Store
from registry.names import ParsedName, parse_name, pinyin_key, variant_keys


def name_row(
    organization_id: uuid.UUID, org_type: str, name: str, *, is_current: bool, renamed_on: date | None = None
) -> dict:
    """The organization_names columns of one name as plain data: what ``name_entry`` builds
    objects from and the bulk import inserts directly."""
    normalized, key, pinyin, field, form = name_keys(parse_name(name, org_type))
    return {"organization_id": organization_id, "name": normalized, "is_current": is_current,
            "renamed_on": renamed_on, "org_type": org_type, "compare_key": key, "compare_pinyin": pinyin,
            "field": field, "form": form}


def name_keys(parsed: ParsedName) -> tuple[str, str, str, str, str]:
    """The organization_names columns a name's split gives: the normalized name, compare_key,
    its pinyin, field and form."""
    key = parsed.compare_key
    return parsed.name, key, pinyin_key(key), parsed.compare_field, parsed.form


def name_entry(org: Organization, name: str, *, is_current: bool, renamed_on: date | None = None) -> OrganizationName:
    """An index entry for one name of ``org``, with its variants; the caller adds it."""
    row = name_row(org.id, org.org_type, name, is_current=is_current, renamed_on=renamed_on)
    variants = variant_keys(row["compare_key"], row["field"], row["form"])
    return OrganizationName(**row, variants=[NameVariant(variant=v) for v in variants])


def apply_parsed_parts(org: Organization) -> None:
    """Fill the organization's 字号, field and form columns from its current name."""
    parsed = parse_name(org.name, org.org_type)
    org.zihao, org.field, org.form = parsed.zihao, parsed.field, parsed.form


def index_current_name_in(session: Session, org: Organization) -> OrganizationName:
    """Index ``org``'s current name (after it was created or renamed), in the caller's transaction."""
    for entry in org.names:
        if entry.is_current:
            entry.is_current = False
    entry = name_entry(org, org.name, is_current=True)
    org.names.append(entry)
    session.flush()
    return entry


VARIANT_SQL = "n.field || '|' || n.form || '|' || substr(n.compare_key, 1, p.i - 1) || substr(n.compare_key, p.i + 1)"
"""``variant_keys`` in SQL: the one-edit key of name ``n`` without its character at position ``p.i``."""
_FILL_VARIANTS = f"""
WITH RECURSIVE position(i) AS (
    SELECT 1 UNION ALL SELECT i + 1 FROM position
    WHERE i < (SELECT max(length(compare_key)) FROM organization_names WHERE id >= ?1))
INSERT OR IGNORE INTO name_variants (name_id, variant)
SELECT n.id, {VARIANT_SQL}
FROM organization_names AS n CROSS JOIN position AS p
WHERE n.id >= ?1 AND length(n.compare_key) > 1 AND p.i <= length(n.compare_key){{missing}}
"""


def fill_name_variants(conn: Connection, first_name_id: int) -> None:
    """Insert the name_variants rows of every organization_names row from ``first_name_id`` on,
    computed by SQLite itself: the same keys as ``variant_keys`` (a test holds the two equal),
    for bulk loads, where building them in Python and binding them one by one cost most.
    CROSS JOIN keeps the names outermost, so rows arrive in primary-key order; OR IGNORE drops
    the repeats a doubled character makes (“aab” loses either “a” to the same key)."""
    conn.exec_driver_sql(_FILL_VARIANTS.format(missing=""), (first_name_id,))


def fill_missing_name_variants_in(conn: Connection) -> None:
    """``fill_name_variants`` for the names that have none (those a registry import into an
    empty registry left for ``registry_indexes.ensure_registry_indexes``), in the caller's
    transaction; a name with variants keeps them."""
    conn.exec_driver_sql(_FILL_VARIANTS.format(
        missing=" AND NOT EXISTS (SELECT 1 FROM name_variants AS v WHERE v.name_id = n.id)"), (1,))


@lru_cache(maxsize=1)
def rules_fingerprint() -> int:
    """A 31-bit digest of the reference data ``parse_name`` splits names with."""
    rules = {
        "types": sorted((t.name, t.has_zihao, t.endings) for t in reference.org_types().values()),
        "fields": reference.field_words(),
        "divisions": sorted(reference.division_names()),
        "prefix": reference.district().name_prefix,
    }
    digest = hashlib.sha256(json.dumps(rules, ensure_ascii=False).encode("utf-8")).hexdigest()
    return int(digest[:8], 16) & 0x7FFFFFFF or 1  # 0 is a database that never recorded one


reference.on_change(rules_fingerprint.cache_clear)


def index_is_current(conn: Connection) -> bool:
    """True when the name index was made with the rules in use now."""
    return conn.exec_driver_sql("PRAGMA user_version").scalar() == rules_fingerprint()


def record_rules_in(conn: Connection) -> None:
    """Record that the name index is made with the rules in use now (caller's transaction)."""
    conn.exec_driver_sql(f"PRAGMA user_version = {rules_fingerprint()}")


def rebuild_name_index_in(conn: Connection) -> int:
    """Recompute every organization_names entry with the rules in use now, rewrite the entries
    (and their one-edit keys) whose keys changed, and record the rules; in the caller's
    transaction. Returns the number of entries rewritten."""
    rows = conn.exec_driver_sql("SELECT id, name, org_type, compare_key, field, form FROM organization_names")
    changed = []
    for name_id, name, org_type, *stored in rows.fetchall():
        parsed = parse_name(name, org_type)
        keys = [parsed.compare_key, parsed.compare_field, parsed.form]
        if keys != stored:
            changed.append((keys[0], pinyin_key(keys[0]), keys[1], keys[2], name_id))
    for chunk in (changed[i:i + 500] for i in range(0, len(changed), 500)):
        conn.exec_driver_sql(
            "UPDATE organization_names SET compare_key = ?, compare_pinyin = ?, field = ?, form = ? WHERE id = ?", chunk)
        conn.exec_driver_sql(f"DELETE FROM name_variants WHERE name_id IN ({', '.join('?' * len(chunk))})",
                             tuple(row[-1] for row in chunk))
        variants = [(row[-1], v) for row in chunk for v in variant_keys(row[0], row[2], row[3])]
        if variants:
            conn.exec_driver_sql("INSERT OR IGNORE INTO name_variants (name_id, variant) VALUES (?, ?)", variants)
    record_rules_in(conn)
    return len(changed)


def rebuild_if_stale(store: Store) -> int | None:
    """Rebuild the name index if it was made with other rules (one write transaction, some
    fifty seconds for a million names (parsing every name)); returns the number of entries rewritten, or None if
    it is current."""
    with store.read() as session:
        if index_is_current(session.connection()):
            return None
    with store.write() as session:
        conn = session.connection()
        return None if index_is_current(conn) else rebuild_name_index_in(conn)
