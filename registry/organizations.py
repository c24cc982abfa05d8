"""Writing the registry (登记库): add, rename (更名) and change the status of organizations.

Each write keeps the name index in step (registry/name_index.py) and records an audit event in
the caller's transaction. ``bulk_add_organizations_in`` is the fast path for import and demo data:
Core inserts in chunks, the name index filled from plain rows (its one-edit keys by SQLite), no
per-row audit event (the caller records one summary event), rows bound as tuples through each
column's own bind processor (what Core would send, without its per-row work); with ``queue`` it also queues each
organization for the centre, as the ORM would for one added with ``add_organization_in``.
``add_stored_organizations_in`` is the registry import's faster path at a window that does not
sync: rows already in SQLite's stored form, names split by ``split_stored_names`` (in a second
process for a large file), ids drawn in blocks.
``propose_change_in`` queues a change for the centre's review (待复核) without making it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import date
from itertools import islice

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from models import reference
from models.audit import record_event_in
from models.base import new_id, utcnow
from models.errors import SoregError
from models.outbox import (
    PROPOSE,
    OutboxOp,
    json_value,
    outbox_row,
    registry_position,
    row_payload,
)
from models.registry import Organization, OrganizationName, OrgStatus
from registry.name_index import (
    apply_parsed_parts,
    fill_name_variants,
    index_current_name_in,
    name_entry,
    name_keys,
    name_row,
)
from registry.names import normalize_name, parse_name

CHUNK = 5000
BULK_CACHE_KIB = 64 * 1024  # enough for the name index of a chunk; a bigger cache only grows the memory of a long import


@dataclass(frozen=True)
class FormerName:
    """A former name (曾用名) and the day the organization stopped using it."""

    name: str
    renamed_on: date | None


@dataclass(frozen=True)
class OrganizationRecord:
    """The registry data of one organization as plain values (import rows, demo data, forms)."""

    name: str
    org_type: str
    status: str = OrgStatus.ACTIVE.value
    status_changed_on: date | None = None
    credit_code: str | None = None
    street_code: str | None = None
    address: str | None = None
    legal_representative: str | None = None
    sponsor: str | None = None
    established_on: date | None = None
    certificate_valid_until: date | None = None
    rating: str | None = None
    on_abnormal_list: bool = False
    on_dishonest_list: bool = False
    former_names: tuple[FormerName, ...] = field(default=())

    def columns(self) -> dict:
        """The organizations columns this record sets (not the parts parsed from the name)."""
        return {k: getattr(self, k) for k in COLUMNS}


COLUMNS = tuple(f.name for f in fields(OrganizationRecord) if f.name != "former_names")


def _snapshot(org: Organization) -> dict:
    return {k: getattr(org, k) for k in COLUMNS}


def organization_in(session: Session, org_id: uuid.UUID) -> Organization:
    """The organization ``org_id``, or a Chinese refusal when the registry no longer holds it."""
    org = session.get(Organization, org_id)
    if org is None:
        raise SoregError("登记库中没有这个组织（可能已被删除），请刷新后重试。", field="组织")
    return org


def add_organization_in(session: Session, record: OrganizationRecord, *, actor: str) -> Organization:
    """Add one organization with its current and former names indexed; audited."""
    if record.org_type not in reference.org_types():
        raise SoregError(f"组织类型“{record.org_type}”不存在。", field="组织类型")
    org = Organization(**record.columns())
    apply_parsed_parts(org)
    session.add(org)
    session.flush()
    index_current_name_in(session, org)
    for former in record.former_names:
        org.names.append(name_entry(org, former.name, is_current=False, renamed_on=former.renamed_on))
    session.flush()
    record_event_in(session, actor=actor, action="organization.add", record_type="organization", record_id=org.id,
                 after=_snapshot(org) | {"former_names": [f.name for f in record.former_names]})
    return org


def rename_organization_in(session: Session, org_id: uuid.UUID, new_name: str, *, renamed_on: date,
                           actor: str) -> Organization:
    """更名: the new name becomes current; the old one stays indexed as a former name."""
    org = organization_in(session, org_id)
    new_name = new_name.strip()
    if not new_name:
        raise SoregError("新名称不能为空。", field="名称")
    if new_name == org.name:
        raise SoregError("新名称与现名称相同，无需更名。", field="名称")
    old_name = org.name
    for entry in org.names:
        if entry.is_current:
            entry.renamed_on = renamed_on
    org.name = new_name
    apply_parsed_parts(org)
    index_current_name_in(session, org)
    record_event_in(session, actor=actor, action="organization.rename", record_type="organization", record_id=org.id,
                 before={"name": old_name}, after={"name": new_name, "renamed_on": renamed_on})
    return org


def change_status_in(session: Session, org_id: uuid.UUID, status: str, *, changed_on: date, actor: str) -> Organization:
    """Change the 登记状态 (正常 / 已注销 / 已撤销) and record the day it changed."""
    allowed = [s.value for s in OrgStatus]
    if status not in allowed:
        raise SoregError(f"登记状态“{status}”无效，可选：{'、'.join(allowed)}。", field="登记状态")
    org = organization_in(session, org_id)
    if org.status == status:
        raise SoregError(f"该组织的登记状态已经是“{status}”。", field="登记状态")
    before = {"status": org.status, "status_changed_on": org.status_changed_on}
    org.status, org.status_changed_on = status, changed_on
    session.flush()
    record_event_in(session, actor=actor, action="organization.status", record_type="organization", record_id=org.id,
                 before=before, after={"status": status, "status_changed_on": changed_on})
    return org


@dataclass
class _NameRows:
    """organization_names rows waiting for one executemany; their one-edit keys (name_variants)
    are then computed by SQLite (registry.name_index.fill_name_variants)."""

    next_id: int
    names: list[dict] = field(default_factory=list)

    def add(self, org_id: uuid.UUID, org_type: str, name: str, *, is_current: bool,
            renamed_on: date | None = None) -> None:
        row = name_row(org_id, org_type, name, is_current=is_current, renamed_on=renamed_on)
        row["id"] = self.next_id
        self.names.append(row)
        self.next_id += 1

    def flush_in(self, session: Session) -> None:
        if self.names:
            _insert_rows(session, OrganizationName.__table__, self.names)
            fill_name_variants(session.connection(), self.names[0]["id"])
        self.names = []


def _insert_rows(session: Session, table, rows: list[dict]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``table`` with one executemany of tuples,
    each value through its column type's bind processor, as Core would bind it."""
    conn = session.connection()
    keys = list(rows[0])
    columns = [[row[k] for row in rows] for k in keys]  # a column at a time: only some need processing
    for k, values in zip(keys, columns, strict=True):
        process = table.c[k].type._cached_bind_processor(conn.dialect)
        if process is None:
            continue
        distinct = set(values)
        if len(distinct) * 2 < len(values):  # times, flags, dates: each value processed once
            processed = {v: process(v) for v in distinct}
            values[:] = map(processed.__getitem__, values)
        else:
            values[:] = map(process, values)
    sql = f"INSERT INTO {table.name} ({', '.join(keys)}) VALUES ({', '.join('?' * len(keys))})"
    conn.exec_driver_sql(sql, list(zip(*columns, strict=True)))


def _next_name_id(session: Session) -> int:
    """Name ids are handed out here, not by SQLite, so variants can refer to them in the same
    batch; safe because the caller's write transaction holds the lock."""
    return (session.scalar(select(func.max(OrganizationName.id))) or 0) + 1


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


@contextmanager
def _large_page_cache(session: Session) -> Iterator[None]:
    """Give SQLite a page cache big enough that a bulk load does not reread index pages."""
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    previous = session.execute(text("PRAGMA cache_size")).scalar()
    session.execute(text(f"PRAGMA cache_size=-{BULK_CACHE_KIB}"))
    try:
        yield
    finally:
        session.execute(text(f"PRAGMA cache_size={previous}"))


def bulk_add_organizations_in(session: Session, records: Iterable[OrganizationRecord], *,
                              on_chunk=None, queue: bool = False) -> list[uuid.UUID]:
    """Insert many organizations with their name index, fast; no audit event per row.

    ``on_chunk(n)`` is called after each chunk with the number of organizations it held.
    ``queue``: also queue an insert op for each, for the centre. Returns the new ids in input
    order.
    """
    with _large_page_cache(session):
        return _bulk_add(session, records, on_chunk, queue)


def _queue_added(session: Session, org_rows: list[dict]) -> None:
    """Insert ops for organizations added with Core, as the ORM capture queues them."""
    conn = session.connection()
    cursor = registry_position(conn)
    conn.execute(insert(OutboxOp.__table__), [
        outbox_row("organizations", str(row["id"]), "insert", {k: json_value(v) for k, v in row.items()},
                   row_version=1, base_version=0, cursor=cursor)
        for row in org_rows])


def _bulk_add(session: Session, records: Iterable[OrganizationRecord], on_chunk, queue: bool) -> list[uuid.UUID]:
    names = _NameRows(_next_name_id(session))
    ids: list[uuid.UUID] = []
    now = utcnow()
    for chunk in _chunks(records, CHUNK):
        org_rows = []
        for record in chunk:
            org_id = new_id()
            parsed = parse_name(record.name, record.org_type)
            org_rows.append(record.columns() | {
                "id": org_id, "zihao": parsed.zihao, "field": parsed.field, "form": parsed.form,
                "created_at": now, "updated_at": now, "row_version": 1,
            })
            names.add(org_id, record.org_type, record.name, is_current=True)
            for former in record.former_names:
                names.add(org_id, record.org_type, former.name, is_current=False, renamed_on=former.renamed_on)
            ids.append(org_id)
        _insert_rows(session, Organization.__table__, org_rows)
        names.flush_in(session)
        if queue:
            _queue_added(session, org_rows)
        if on_chunk is not None:
            on_chunk(len(chunk))
    return ids


def _id_block(count: int) -> range:
    """``count`` UUIDv7 ids as integers, in order: one ``new_id`` (its own millisecond, as
    uuid7 never repeats one) with a counter in its last 20 random bits (RFC 9562's fixed-length
    counter), as making a UUID per row costs more than inserting it."""
    if count > 1 << 20:
        raise ValueError("an id block holds at most 2**20 ids")
    first = new_id().int & ~0xFFFFF
    return range(first, first + count)


_STORED_NAME_COLUMNS = ("id", "organization_id", "name", "compare_key", "compare_pinyin", "field", "form",
                        "is_current", "renamed_on", "org_type")


def split_stored_names(attributes: tuple[str, ...], rows: list[tuple]) -> list[tuple]:
    """What ``add_stored_organizations_in`` takes from the names of ``rows``: for each
    organization its 字号, field and form, its current name's ``name_keys`` and its former names
    as (``name_keys``, renamed_on). Plain data in and out, so that a second process can do it
    (splitting names and their pinyin is most of the work of writing them)."""
    at_name, at_type = attributes.index("name"), attributes.index("org_type")
    split = []
    for row in rows:
        org_type, formers = row[at_type], row[-1]
        parsed = parse_name(row[at_name], org_type)
        split.append((parsed.zihao, parsed.field, parsed.form, name_keys(parsed), [
            (name_keys(parse_name(former, org_type)), renamed_on)
            for former, renamed_on in json.loads(formers)] if formers else ()))
    return split


def add_stored_organizations_in(session: Session, attributes: tuple[str, ...], rows: list[tuple],
                                split: list[tuple] | None = None, *, variants: bool = True) -> None:
    """The registry import's fast path (no outbox ops, no audit event per row: the caller
    records one): insert new organizations given as values of ``attributes`` (``name`` and
    ``org_type`` among them) in the form SQLite stores them — dates as ISO text — each row
    followed by its former names as JSON ``[[name, renamed_on], …]`` or None, with their name
    index; ``split`` is ``split_stored_names`` of the rows if the caller made it already.
    ``variants=False`` leaves the names' one-edit keys to ``ensure_registry_indexes`` (only
    while ``registry_indexes.VARIANTS_INDEX`` is dropped). Plain tuples bound once: the per-row
    work left is the names'."""
    conn = session.connection()
    table = Organization.__table__
    now = table.c.created_at.type._cached_bind_processor(conn.dialect)(utcnow())
    false = table.c.on_abnormal_list.type._cached_bind_processor(conn.dialect)(False)
    at_type = attributes.index("org_type")
    name_id = _next_name_id(session)
    orgs, names = [], []
    split = split_stored_names(attributes, rows) if split is None else split
    for row, (zihao, field_, form, keys, formers), org_int in zip(rows, split, _id_block(len(rows)), strict=True):
        org_id, org_type = f"{org_int:032x}", row[at_type]  # Uuid's stored form (hex)
        orgs.append((*row[:-1], org_id, zihao, field_, form))
        names.append((name_id, org_id, *keys, 1, None, org_type))
        name_id += 1
        for former_keys, renamed_on in formers:
            names.append((name_id, org_id, *former_keys, 0, renamed_on, org_type))
            name_id += 1
    columns = (*attributes, "id", "zihao", "field", "form")
    fixed = {"created_at": now, "updated_at": now, "row_version": 1, "on_abnormal_list": false,
             "on_dishonest_list": false}
    conn.exec_driver_sql(  # the values every row shares as SQL literals (text and numbers, bound once)
        f"INSERT INTO organizations ({', '.join(columns + tuple(fixed))})"
        f" VALUES ({', '.join('?' * len(columns))}, {', '.join(repr(v) for v in fixed.values())})", orgs)
    conn.exec_driver_sql(f"INSERT INTO organization_names ({', '.join(_STORED_NAME_COLUMNS)})"
                         f" VALUES ({', '.join('?' * len(_STORED_NAME_COLUMNS))})", names)
    if variants:
        fill_name_variants(conn, names[0][0])


def bulk_add_former_names_in(session: Session, formers: Iterable[tuple[uuid.UUID, str, FormerName]]) -> None:
    """Index former names of existing organizations: (organization id, type, former name)."""
    names = _NameRows(_next_name_id(session))
    for chunk in _chunks(formers, CHUNK):
        for org_id, org_type, former in chunk:
            names.add(org_id, org_type, former.name, is_current=False, renamed_on=former.renamed_on)
        names.flush_in(session)


def name_index_payload(org_id: uuid.UUID, org_type: str, names: list[tuple[str, bool, date | None]]) -> list[dict]:
    """Name-index entries as the centre keeps them (what a push sends along, sync.push):
    (name, is current, renamed on) of each name of one organization."""
    entries = []
    for name, is_current, renamed_on in names:
        row = name_row(org_id, org_type, name, is_current=is_current, renamed_on=renamed_on)
        entries.append({k: json_value(row[k]) for k in ("name", "is_current", "renamed_on", "org_type", "compare_key",
                                                         "compare_pinyin", "field", "form")})
    return entries


def propose_change_in(session: Session, org_id: uuid.UUID, values: dict, formers: Iterable[FormerName], *,
                      actor: str) -> None:
    """Queue a change to an organization of the registry for the centre's review (待复核):
    the whole organization as it would be (``values`` over its columns, ``formers`` added to
    or re-dated among its former names, the name index to match), leaving the local copy as
    the centre has it until the centre decides; audited."""
    org = organization_in(session, org_id)
    record = _snapshot(org) | values
    parsed = parse_name(record["name"], record["org_type"])
    former_names = {e.name: e.renamed_on for e in org.names if not e.is_current}
    former_names |= {normalize_name(f.name): f.renamed_on for f in formers}
    former_names.pop(parsed.name, None)
    payload = row_payload(org) | {k: json_value(v) for k, v in values.items()} | {
        "zihao": parsed.zihao, "field": parsed.field, "form": parsed.form, "row_version": org.row_version + 1,
        "former_names": [{"name": n, "renamed_on": json_value(d)} for n, d in former_names.items()],
        "name_index": name_index_payload(org.id, record["org_type"], [(record["name"], True, None)] + [
            (n, False, d) for n, d in former_names.items()]),
    }
    conn = session.connection()
    conn.execute(insert(OutboxOp.__table__), [outbox_row(
        "organizations", str(org.id), PROPOSE, payload, row_version=org.row_version + 1,
        base_version=org.row_version, cursor=registry_position(conn))])
    record_event_in(session, actor=actor, action="organization.propose", record_type="organization", record_id=org.id,
                 before={k: json_value(getattr(org, k)) for k in values},
                 after={k: json_value(v) for k, v in values.items()} | {"former_names": [f.name for f in formers]})
