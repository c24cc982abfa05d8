"""The registry's secondary indexes (二级索引) while a first snapshot loads into an empty window.

A first pull brings about a million organizations, a million names and three million one-edit
keys. Inserted row by row, each of them also goes into several indexes in random order, which
is most of the cost of the pull; building an index once from all its rows (a sort) is many
times cheaper. So a snapshot into an EMPTY registry drops the indexes listed by
``deferred_indexes`` in the transaction of its first page and builds them again in the
transaction of its last page. Everything else about a page stays as it was: each page and its
position are still one SQLite transaction.

Kept during the load, because the load relies on them: the primary keys (which organizations
a page already holds, the snapshot's id ranges), the unique credit code (a code the centre gives
to another organization) and ``organization_names.organization_id`` (a deleted organization's
names go with it through that index; pages come in organization id order, so it only grows at
its end and costs little).

A window killed in the middle of such a snapshot is left without those indexes until the
snapshot ends: the next pull goes on loading without them and builds them with its last page.
Any other pull that finds one missing (a snapshot that no longer runs) builds it first, and
``ensure_registry_indexes`` lets the name check do the same before it reads.
"""

from __future__ import annotations

from sqlalchemy import Index
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex

from models.registry import NameVariant, Organization, OrganizationName
from models.store import Store

_KEPT = {"ix_organization_names_organization_id"}


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
    """In the caller's transaction (the first page of a snapshot into an empty registry)."""
    for ix in deferred_indexes():
        conn.exec_driver_sql(f'DROP INDEX IF EXISTS "{ix.name}"')


def build_missing_indexes(conn: Connection) -> int:
    """Create, in the caller's transaction, every deferred index that is missing (the same
    definitions the migrations made, taken from the models); returns how many were built."""
    missing = missing_indexes(conn)
    for ix in missing:
        conn.exec_driver_sql(str(CreateIndex(ix).compile(dialect=sqlite.dialect())))
    return len(missing)


def ensure_registry_indexes(store: Store) -> int:
    """Build any missing registry index now, in its own transaction (for a reader such as the
    name check that must not search a registry without them); returns how many were built.
    A snapshot still loading resumes without them at its next pull and rebuilds them at its end."""
    with store.read() as session:
        if not missing_indexes(session.connection()):
            return 0
    with store.write() as session:
        return build_missing_indexes(session.connection())
