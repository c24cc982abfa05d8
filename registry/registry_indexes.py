"""The registry's secondary indexes (二级索引) while a first snapshot loads into an empty window.

A first pull brings about a million organizations, a million names and three million one-edit
keys. Inserted row by row, each of them also goes into several indexes in random order, which
is most of the cost of the pull; building an index once from all its rows (a sort) is many
times cheaper. So a snapshot into an EMPTY registry drops the indexes listed by
``deferred_indexes`` in the transaction of its first page and, right after its last page,
builds them again one index per transaction (``ensure_registry_indexes``): the longest takes a
few seconds on a million names, so a clerk's write never waits on the lock for long. Each
page and its position stay one SQLite transaction.

Kept during the load, because the load relies on them: the primary keys (which organizations
a page already holds, the snapshot's id ranges), the unique credit code (a code the centre gives
to another organization) and ``organization_names.organization_id`` (a deleted organization's
names go with it through that index; pages come in organization id order, so it only grows at
its end and costs little).

A registry import into an empty registry does the same within its one transaction
(spreadsheets/registry_import.py): it drops them before its first row and builds them after its
last, all but ``VARIANTS_INDEX``: it leaves the one-edit keys (name_variants) of its names
unwritten, a seventh of its work, for ``ensure_registry_indexes`` to fill before it builds that
index (the name check's warm-up and a pull call it; until then the name check computes the
one-edit keys it needs itself, registry/name_check.py).

A window killed in the middle of such a snapshot, or before the indexes were built, is left
without them: the next pull goes on loading without them and builds them at its end; any other
pull that finds one missing builds it first, and the name check's warm-up does the same.
"""

from __future__ import annotations

from sqlalchemy import Index
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex

from models.registry import NameVariant, Organization, OrganizationName
from models.store import Store
from registry.name_index import (
    fill_missing_name_variants_in,
    index_is_current,
    rebuild_if_stale,
    record_rules_in,
)

_KEPT = {"ix_organization_names_organization_id"}
VARIANTS_INDEX = "ix_name_variants_variant"
"""Missing while names may lack their one-edit keys (name_variants): built once they are filled."""


def deferred_indexes() -> list[Index]:
    """The secondary indexes of the registry tables a first snapshot builds at its end."""
    tables = (Organization.__table__, OrganizationName.__table__, NameVariant.__table__)
    return sorted((ix for table in tables for ix in table.indexes if not ix.unique and ix.name not in _KEPT),
                  key=lambda ix: ix.name)


def missing_indexes(conn: Connection) -> list[Index]:
    present = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index'")}
    return [ix for ix in deferred_indexes() if ix.name not in present]


def registry_is_empty(conn: Connection) -> bool:
    return conn.exec_driver_sql("SELECT NOT EXISTS (SELECT 1 FROM organizations)").scalar() == 1


def drop_deferred_indexes(conn: Connection) -> None:
    """In the caller's transaction (the first page of a snapshot into an empty registry), which
    also records that the name index is made with the rules in use: the snapshot's entries are."""
    record_rules_in(conn)
    for ix in deferred_indexes():
        conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{ix.name}"')


def variants_pending(conn: Connection) -> bool:
    """Whether some names may lack their one-edit keys (``VARIANTS_INDEX`` is not built yet)."""
    return conn.exec_driver_sql("SELECT NOT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?)",
                                (VARIANTS_INDEX,)).scalar() == 1


def create_index_in(conn: Connection, index: Index) -> None:
    """Build ``index`` in the caller's transaction; ``VARIANTS_INDEX`` after filling the one-edit
    keys the names lack."""
    if index.name == VARIANTS_INDEX:
        fill_missing_name_variants_in(conn)
    conn.exec_driver_sql(str(CreateIndex(index).compile(dialect=sqlite.dialect())))


def create_indexes_but_variants_in(conn: Connection) -> None:
    """Build the missing indexes but ``VARIANTS_INDEX`` (a registry import into an empty registry)."""
    for index in missing_indexes(conn):
        if index.name != VARIANTS_INDEX:
            create_index_in(conn, index)


def ensure_registry_indexes(store: Store) -> int:
    """Build every missing registry index now, one per write transaction, then rebuild the name
    index keys if they were made with other name rules (``name_index.rebuild_if_stale``);
    returns how many indexes were built. ``VARIANTS_INDEX`` comes with the one-edit keys the
    names lack, in the same transaction: about 7 s after an import of a million organizations
    into an empty registry (the warm-up of the name check runs it in the background). A snapshot
    still loading resumes without them at its next pull and builds them at its end."""
    with store.read() as session:  # the usual case, for every name check: nothing to do, no write lock
        conn = session.connection()
        if not missing_indexes(conn) and index_is_current(conn):
            return 0
    built = 0
    while True:
        with store.write() as session:
            conn = session.connection()
            missing = missing_indexes(conn)
            if not missing:
                break
            create_index_in(conn, missing[0])
        built += 1
    rebuild_if_stale(store)
    return built
