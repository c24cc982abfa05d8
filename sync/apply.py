"""Applying what the centre sent (应用中心数据) to the local store, inside the caller's transaction.

The registry copy is written with plain executemany statements (a first pull brings a million
organizations) from rows PostgreSQL already took apart (CHANGE_COLUMNS), together with its name
index: the entries the centre ships when it has them, else computed here with
registry.name_index.name_row; SQLite computes the one-edit keys itself. Rows are stored in the formats the ORM uses on SQLite (UUID as
32 hex digits, times as 'YYYY-MM-DD HH:MM:SS.ffffff', booleans 0/1).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Uuid, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from models.audit import record_event_in
from models.base import utcnow
from models.outbox import NoticeKind
from models.registry import CodeBlock, Organization, OrganizationVersion
from registry.code_blocks import block_codes
from registry.name_index import fill_name_variants, name_row
from registry.records import record_from_json, record_json

ACTOR = "sync"
ORGANIZATION = "organization"
ORGANIZATION_VERSION = "organization_version"
_IN_CHUNK = 10000  # one IN (…) query per snapshot page; SQLite ≥ 3.32 allows 32,766 parameters


def _hex(v: str | None) -> str | None:
    """A canonical UUID text as the 32 hex digits SQLite holds."""
    return None if v is None else v.replace("-", "")


def _sqlite_datetime(v: str | None) -> str | None:
    """ISO text from jsonb ('2026-11-26T09:23:04[.250514]') as the ORM stores it on SQLite."""
    if v is None:
        return None
    v = v[:26].replace("T", " ")
    return v + ".000000" if len(v) == 19 else v.ljust(26, "0")


def _sqlite_value(column) -> Callable[[Any], Any] | None:
    """A converter from the centre's JSON value to what SQLite holds for ``column`` (None: as is)."""
    if isinstance(column.type, Uuid):
        return _hex
    if isinstance(column.type, DateTime):
        return _sqlite_datetime
    if isinstance(column.type, Date):
        return lambda v: None if v is None else v[:10]
    if isinstance(column.type, Boolean):
        return lambda v: None if v is None else int(bool(v))
    return None


class _Rows:
    """INSERT … ON CONFLICT(id) DO UPDATE for one local table, from the centre's JSON rows."""

    def __init__(self, table, key: str = "id") -> None:
        self.columns = [c.name for c in table.columns]
        self.converters = [(i, f) for i, c in enumerate(table.columns) if (f := _sqlite_value(c)) is not None]
        updates = ", ".join(f"{c} = excluded.{c}" for c in self.columns if c != key)
        self.sql = (f"INSERT INTO {table.name} ({', '.join(self.columns)}) VALUES "
                    f"({', '.join('?' * len(self.columns))}) ON CONFLICT({key}) DO UPDATE SET {updates}")

    def tuples(self, payloads: Iterable[dict]) -> list[tuple]:
        cols, conv = self.columns, self.converters
        rows = []
        for p in payloads:
            row = [p.get(c) for c in cols]
            for i, f in conv:
                row[i] = f(row[i])
            rows.append(tuple(row))
        return rows

    def upsert(self, conn: Connection, payloads: list[dict]) -> None:
        if payloads:
            conn.exec_driver_sql(self.sql, self.tuples(payloads))


class NewerRows(_Rows):
    """The same upsert, changing a row only where the centre's version is newer than the local
    one (a window recovering its own records, sync.recovery)."""

    def __init__(self, table) -> None:
        super().__init__(table)
        self.sql += f" WHERE excluded.row_version > {table.name}.row_version"

    def upsert(self, conn: Connection, payloads: list[dict]) -> int:
        """Write the newer ones; return how many rows were written."""
        return conn.exec_driver_sql(self.sql, self.tuples(payloads)).rowcount if payloads else 0


def _central_column(column) -> str:
    """PostgreSQL taking ``column`` from a change's jsonb ``payload`` as the ORM stores it on SQLite."""
    v = f"payload ->> '{column.name}'"
    if isinstance(column.type, Uuid):
        return f"replace({v}, '-', '')"
    if isinstance(column.type, DateTime):
        return f"to_char(({v})::timestamp, 'YYYY-MM-DD HH24:MI:SS.US')"
    if isinstance(column.type, Date):
        return f"left({v}, 10)"
    if isinstance(column.type, Boolean):
        return f"({v})::boolean::int"
    return v


_ORG_COLUMNS = [c.name for c in Organization.__table__.columns]

_INDEX_COLUMNS = ["ix_name", "ix_is_current", "ix_renamed_on", "ix_org_type", "ix_compare_key", "ix_compare_pinyin",
                  "ix_field", "ix_form"]


def _name_index_columns(index: str, org_type: str) -> list[str]:
    """The name index (jsonb ``index``) as sync_snapshot_v2 hands it over: its first entry in
    the _INDEX_COLUMNS, the others (former names, rare) as JSON arrays in the same order; all
    NULL when the centre has no index for the organization."""
    first = f"(CASE WHEN jsonb_typeof({index}) = 'array' THEN {index} -> 0 END)"
    entry = (f"jsonb_build_array(e ->> 'name', (e ->> 'is_current')::boolean::int, e ->> 'renamed_on', "
             f"coalesce(e ->> 'org_type', {org_type}), e ->> 'compare_key', e ->> 'compare_pinyin', e ->> 'field', "
             "e ->> 'form')")
    return [f"{first} ->> 'name'", f"({first} ->> 'is_current')::boolean::int", f"{first} ->> 'renamed_on'",
            f"CASE WHEN {first} IS NOT NULL THEN coalesce({first} ->> 'org_type', {org_type}) END",
            f"{first} ->> 'compare_key'", f"{first} ->> 'compare_pinyin'", f"{first} ->> 'field'", f"{first} ->> 'form'",
            f"CASE WHEN jsonb_typeof({index}) = 'array' AND jsonb_array_length({index}) > 1 THEN (SELECT jsonb_agg("
            f"{entry} ORDER BY e_n)::text FROM jsonb_array_elements({index}) WITH ORDINALITY AS x(e, e_n) WHERE e_n > 1)"
            " END"]


CHANGE_COLUMNS = ", ".join([
    "kind", "row_id", f"CASE WHEN kind <> '{ORGANIZATION}' THEN payload::text END",
    *(_central_column(c) for c in Organization.__table__.columns),
    *_name_index_columns("(payload -> 'name_index')", "(payload ->> 'org_type')"), "(payload -> 'former_names')::text"])
"""The select list that reads the centre's change log (a table of kind, row_id, payload jsonb)
as (kind, row id, JSON text of anything but an organization, the organization's columns ready
for SQLite…, its name index (_name_index_columns), its former names as JSON text): the rows of
a snapshot page in the order sync_snapshot_v2 returns them (SNAPSHOT_COLUMNS). PostgreSQL takes
the organization apart, so Python does no JSON or per-column work; the rows go to SQLite with
executemany."""

SNAPSHOT_COLUMNS = ", ".join(["kind", "row_id", "payload", *_ORG_COLUMNS, *_INDEX_COLUMNS, "ix_more", "former_names"])
"""The same row read from sync_api.sync_snapshot_v2, which reads organizations straight from the
table instead of through JSON."""

_ORG_FIRST, _ORG_END = 3, 3 + len(_ORG_COLUMNS)
_ORG_ID, _ORG_NAME, _ORG_TYPE, _ORG_CODE = (_ORG_FIRST + _ORG_COLUMNS.index(c)
                                            for c in ("id", "name", "org_type", "credit_code"))
_IX_FIRST, _IX_MORE = _ORG_END, _ORG_END + len(_INDEX_COLUMNS)
_ORG_INSERT = (f"INSERT INTO organizations ({', '.join(_ORG_COLUMNS)}) "
               f"VALUES ({', '.join('?' * len(_ORG_COLUMNS))})")
_ORG_UPSERT = _ORG_INSERT + " ON CONFLICT(id) DO UPDATE SET " + ", ".join(
    f"{c} = excluded.{c}" for c in _ORG_COLUMNS if c != "id")


def _chunks(items: list, size: int = _IN_CHUNK) -> Iterable[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _index_entries(change: tuple) -> list[Sequence]:
    """The organization's name-index entries (_INDEX_COLUMNS): as shipped, else computed."""
    if change[_IX_FIRST] is not None:
        first = change[_IX_FIRST:_IX_MORE]
        return [first, *json.loads(change[_IX_MORE])] if change[_IX_MORE] else [first]
    org_id, org_type = uuid.UUID(change[_ORG_ID]), change[_ORG_TYPE]
    names = [(change[_ORG_NAME], True, None)] + [
        (f["name"], False, date.fromisoformat(f["renamed_on"]) if f.get("renamed_on") else None)
        for f in json.loads(change[-1] or "[]")]
    entries = []
    for name, current, renamed in names:
        row = name_row(org_id, org_type, name, is_current=current, renamed_on=renamed)
        entries.append((row["name"], int(current), renamed.isoformat() if renamed else None, org_type,
                        row["compare_key"], row["compare_pinyin"], row["field"], row["form"]))
    return entries


def _insert_name_index(conn: Connection, orgs: list[tuple]) -> None:
    """The pages' name index from the rows PostgreSQL took apart (_INDEX_COLUMNS), and its
    one-edit keys, computed by SQLite (registry.name_index.fill_name_variants)."""
    first = (conn.exec_driver_sql("SELECT max(id) FROM organization_names").scalar() or 0) + 1
    conn.exec_driver_sql(
        "INSERT INTO organization_names (organization_id, name, is_current, renamed_on, org_type, compare_key,"
        " compare_pinyin, field, form) VALUES (?,?,?,?,?,?,?,?,?)",
        [(org[_ORG_ID], *entry) for org in orgs for entry in _index_entries(org)])
    fill_name_variants(conn, first)


_OWN_UNCONFIRMED_IDS = (
    "SELECT replace(row_id, '-', '') FROM sync_outbox WHERE table_name = 'organizations' UNION "
    "SELECT replace(row_id, '-', '') FROM sync_notices WHERE table_name = 'organizations'")
"""The ids (as SQLite holds them) of this window's registrations the centre has not confirmed:
still queued, held for review or refused."""
_OWN_UNCONFIRMED = ("SELECT id, name, credit_code FROM organizations WHERE credit_code IS NOT NULL"
                    f" AND id IN ({_OWN_UNCONFIRMED_IDS})")


def _code_holders(conn: Connection, codes: list[str], own_only: bool) -> list:
    """(id, name, credit code) of the local organizations holding one of ``codes``; with
    ``own_only`` only among this window's registrations the centre has not confirmed."""
    if own_only:
        wanted = set(codes)
        return [row for row in conn.exec_driver_sql(_OWN_UNCONFIRMED) if row[2] in wanted]
    holders = []
    for chunk in _chunks(codes):
        holders += conn.exec_driver_sql(f"SELECT id, name, credit_code FROM organizations WHERE credit_code IN"
                                        f" ({','.join('?' * len(chunk))})", tuple(chunk)).all()
    return holders


def _release_clashing_codes(conn: Connection, orgs: list[tuple], own_only: bool) -> None:
    """A local organization not from the centre that holds a credit code the centre gives to
    another organization loses that code here (the centre is authoritative), with a notice.
    ``own_only``: the registry was empty when this snapshot began, so such an organization can
    only be one of this window's own registrations."""
    by_code = {o[_ORG_CODE]: o for o in orgs if o[_ORG_CODE]}
    page_ids = {o[_ORG_ID] for o in orgs}
    if not by_code:
        return
    for local_id, local_name, code in _code_holders(conn, list(by_code), own_only):
        if local_id in page_ids:
            continue
        conn.exec_driver_sql("UPDATE organizations SET credit_code = NULL WHERE id = ?", (local_id,))
        central = by_code[code]
        _notice(conn, key=f"code:{uuid.UUID(local_id)}:{code}", kind=NoticeKind.REVIEW, table="organizations",
                row_id=str(uuid.UUID(local_id)), status="待复核",
                reason=f"本窗口记录“{local_name}”的统一社会信用代码 {code} 在中心登记库中属于“{central[_ORG_NAME]}”，"
                       "已从本窗口记录中移除，请与中心核实。",
                detail={"credit_code": code, "central_id": str(uuid.UUID(central[_ORG_ID]))})


def _delete_organizations(conn: Connection, hexes: list[str]) -> None:
    """Remove organizations the centre deleted; one a local case refers to stays, with a
    notice (仅本窗口), so that a foreign key never stops the pull."""
    for chunk in _chunks(hexes):
        marks = ",".join("?" * len(chunk))
        kept = {r[0] for r in conn.exec_driver_sql(
            f"SELECT DISTINCT organization_id FROM cases WHERE organization_id IN ({marks})", tuple(chunk))}
        if kept:
            _note_local_only(conn, f"id IN ({','.join('?' * len(kept))})", tuple(sorted(kept)))
        gone = [h for h in chunk if h not in kept]
        if gone:
            conn.exec_driver_sql(f"DELETE FROM organizations WHERE id IN ({','.join('?' * len(gone))})", tuple(gone))


INTO_EMPTY_REGISTRY = "sync.into_empty_registry"
"""session.info flag of a snapshot page: the registry was empty when the snapshot began."""


def apply_organizations_in(session: Session, orgs: list[tuple], deleted: list[str]) -> None:
    """Write the centre's organizations (changes read with CHANGE_COLUMNS) and their name index
    over the local copy, and remove the ``deleted`` ones (row ids)."""
    conn = session.connection()
    known = set()
    for chunk in _chunks([o[_ORG_ID] for o in orgs] + [_hex(d) for d in deleted]):
        known.update(r[0] for r in conn.exec_driver_sql(
            f"SELECT id FROM organizations WHERE id IN ({','.join('?' * len(chunk))})", tuple(chunk)))
    for chunk in _chunks(sorted(known)):  # their name index is rebuilt below (or goes with them)
        conn.exec_driver_sql(
            f"DELETE FROM organization_names WHERE organization_id IN ({','.join('?' * len(chunk))})", tuple(chunk))
    _delete_organizations(conn, [_hex(d) for d in deleted])
    if not orgs:
        return
    _release_clashing_codes(conn, orgs, own_only=session.info.get(INTO_EMPTY_REGISTRY, False))
    if known:  # one noted as only local that the centre now sends is local no more
        conn.exec_driver_sql("DELETE FROM sync_notices WHERE kind = ? AND key IN (SELECT 'local:' || value FROM"
                             " json_each(?))", (NoticeKind.LOCAL_ONLY.value,
                                                json.dumps([str(uuid.UUID(o[_ORG_ID])) for o in orgs
                                                            if o[_ORG_ID] in known])))
    upserts = [o[_ORG_FIRST:_ORG_END] for o in orgs if o[_ORG_ID] in known]
    inserts = [o[_ORG_FIRST:_ORG_END] for o in orgs if o[_ORG_ID] not in known]
    if upserts:
        conn.exec_driver_sql(_ORG_UPSERT, upserts)
    if inserts:  # a plain INSERT for the new ones: about twice as fast as the upsert
        conn.exec_driver_sql(_ORG_INSERT, inserts)
    _insert_name_index(conn, orgs)


_LOCAL_ONLY_REASON = ("'“' || name || '”只在本窗口的登记库中，中心登记库没有（可能是本窗口导入的或演示数据）：已保留，"
                      "它不会出现在其他窗口。如属本局登记库，请由中心管理员导入（central registry import）。'")


def note_organizations_not_in_snapshot_in(session: Session, low: str | None, high: str | None,
                                          page_ids: list[str]) -> None:
    """Local organizations in the id range (low, high] of a snapshot page that the page does
    not hold — rows imported locally before the window first synced, demo data, or lost
    centrally — are kept, each with a notice for the clerk (仅本窗口), which also leaves it out
    of the registry check (sync.pull.local_digest_in). Never deleted: a case may refer to one, and
    nothing leaves the registry unsaid. This window's own registrations the centre does not
    hold yet (queued, held for review or refused) have notices of their own. Snapshot pages
    come in id order, so each range is checked once."""
    hexes = [_hex(i) for i in page_ids]
    # only the bounds that exist go into the SQL: "(? IS NULL OR id > ?)" would keep SQLite from
    # reading the range through the primary key, and a scan of the whole table for every page
    # made a first pull of a million organizations quadratic
    bounds = [(sql, _hex(value)) for sql, value in (("id > ?", low), ("id <= ?", high)) if value]
    conditions = [sql for sql, _ in bounds] + ["id NOT IN (SELECT value FROM json_each(?))",
                                              f"id NOT IN ({_OWN_UNCONFIRMED_IDS})"]
    _note_local_only(session.connection(), " AND ".join(conditions),
                     (*(value for _, value in bounds), json.dumps(hexes)))


def _note_local_only(conn: Connection, where: str, params: tuple) -> None:
    """A notice (仅本窗口) for each organization ``where`` selects that has none yet."""
    now = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
    row_id = ("lower(substr(id, 1, 8) || '-' || substr(id, 9, 4) || '-' || substr(id, 13, 4) || '-' ||"
              " substr(id, 17, 4) || '-' || substr(id, 21))")
    conn.exec_driver_sql(
        "INSERT INTO sync_notices (key, kind, table_name, row_id, reason, status, detail, created_at, updated_at)"
        f" SELECT 'local:' || {row_id}, ?, 'organizations', {row_id}, {_LOCAL_ONLY_REASON}, ?,"
        f" json_object('credit_code', credit_code), ?, ? FROM organizations WHERE {where} ON CONFLICT(key) DO NOTHING",
        (NoticeKind.LOCAL_ONLY.value, NoticeKind.LOCAL_ONLY.value, now, now, *params))


def _notice(conn: Connection, *, key: str, kind: NoticeKind, table: str, row_id: str, reason: str, status: str,
            detail: dict) -> None:
    now = utcnow().strftime("%Y-%m-%d %H:%M:%S.%f")
    conn.exec_driver_sql(
        "INSERT INTO sync_notices (key, kind, table_name, row_id, reason, status, detail, created_at, updated_at)"
        " VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(key) DO UPDATE SET reason = excluded.reason,"
        " status = excluded.status, detail = excluded.detail, updated_at = excluded.updated_at",
        (key, kind.value, table, row_id, reason, status, json.dumps(detail, ensure_ascii=False), now, now))


def _reservation_review_reason(review: dict, proposer: str) -> str:
    """The same for a name reserved for an open case (名称保留) that clashed with another window's."""
    subject = f"{proposer}办件 {review['proposed']['case_no']} 保留的名称“{review['proposed'].get('name', '')}”"
    note = (review.get("resolution_note") or "").rstrip("。；，.;, ")
    if review.get("status") == "已采纳":
        return f"中心已采纳{subject}，两个保留均继续有效：{note}。"
    if review.get("status") == "已驳回":
        return f"中心已驳回{subject}，该保留已结束：{note}。"
    return f"{subject}与其他窗口已保留的名称冲突，已转中心待复核：{review['reason']}。"


def review_reason(review: dict, window: str) -> str:
    """What the clerk of ``window`` reads about a registration (or a name reservation) held for
    review (待复核), and about the centre's decision on it: 已采纳 (accepted) or 已驳回 (rejected),
    with its note."""
    name = review["proposed"].get("name", "")
    proposer = "本窗口" if review["window_code"] == window else f"窗口 {review['window_code']} "
    if "case_no" in review["proposed"]:
        return _reservation_review_reason(review, proposer)
    # a change based on an outdated version: held against the same organization it changes
    change = review.get("existing_id") is not None and review["existing_id"] == review.get("organization_id")
    subject = f"{proposer}对“{name}”的变更" if change else f"{proposer}登记的“{name}”"
    note = (review.get("resolution_note") or "").rstrip("。；，.;, ")
    if review.get("status") == "已采纳":
        return f"中心已采纳{subject}，已录入登记库：{note}。"
    if review.get("status") == "已驳回":
        if review["window_code"] != window:
            return f"中心已驳回{subject}：{note}。本窗口无需处理。"
        if change:
            return f"中心已驳回{subject}：{note}，登记库以中心版本为准，如仍需变更请重新办理或与中心联系。"
        return f"中心已驳回{subject}：{note}，请办理名称变更或与中心联系。"
    if review["window_code"] == window or change:
        return f"{subject}已转中心待复核：{review['reason']}。"
    return (f"窗口 {review['window_code']} 登记的“{name}”与本窗口登记的“{review.get('existing_name') or name}”"
            f"冲突，已转中心待复核：{review['reason']}。")


def apply_reviews_in(session: Session, reviews: list[dict], window: str) -> None:
    conn = session.connection()
    for review in reviews:
        if review["window_code"] == window:  # it replaces the notice the push left for its op
            conn.exec_driver_sql("DELETE FROM sync_notices WHERE key = ? AND kind = ?",
                                 (review["op_id"], NoticeKind.REVIEW.value))
        _notice(conn, key=review["id"], kind=NoticeKind.REVIEW,
                table="name_reservations" if "case_no" in review["proposed"] else "organizations",
                row_id=review["organization_id"], reason=review_reason(review, window), status=review["status"],
                detail={k: review.get(k) for k in ("window_code", "existing_window", "existing_id", "existing_name",
                                                   "op_id", "reason")})


def apply_reference_in(session: Session, rows: list[dict]) -> None:
    conn = session.connection()
    conn.exec_driver_sql(
        "INSERT INTO central_reference (key, value, row_version) VALUES (?,?,?) ON CONFLICT(key) DO UPDATE SET"
        " value = excluded.value, row_version = excluded.row_version",
        [(r["key"], json.dumps(r["value"], ensure_ascii=False), r["row_version"]) for r in rows])


def _table(session: Session, name: str):
    """A local table by name, if this store has it (tables of other features may be absent)."""
    from models.base import Base

    table = Base.metadata.tables.get(name)
    if table is None:
        return None
    exists = session.connection().exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).first()
    return table if exists else None


def apply_synced_rows_in(session: Session, table_name: str, rows: list[dict]) -> None:
    """Upsert rows of a centre-published table that mirrors a local model (window keys, the
    严重违法失信名单 persons); skipped while this store has no such table."""
    table = _table(session, table_name)
    if table is not None and rows:
        _Rows(table).upsert(session.connection(), rows)


def apply_reservations_in(session: Session, rows: list[dict]) -> int:
    """Upsert every window's name reservations (名称保留) where the centre's version is newer: this
    window's own row may have changed since it was sent. Returns how many rows were written."""
    table = _table(session, "name_reservations")
    return NewerRows(table).upsert(session.connection(), rows) if table is not None else 0


def load_code_blocks_in(session: Session, blocks: list[dict]) -> int:
    """Load blocks reserved for this window at the centre; a block already loaded is skipped.
    Returns the number of codes loaded.

    Not registry.code_blocks.add_block: that opens its own transaction and gives the block a new
    id, while a block from the centre must load in the pull page's transaction under the
    centre's id (so it loads once, however often it comes down). The codes are the same:
    block_codes computes them.
    """
    loaded = 0
    for block in blocks:
        block_id = uuid.UUID(block["id"])
        if session.scalar(select(CodeBlock.id).where(CodeBlock.id == block_id)) is not None:
            continue
        codes = block_codes(block["first_body"], block["count"])
        session.add(CodeBlock(id=block_id, first_body=block["first_body"], count=block["count"], source="central",
                              note=f"中心下发号段 {block['first_body']}（{block['count']} 个）"))
        session.flush()
        session.connection().exec_driver_sql(
            "INSERT INTO organization_codes (code, block_id, position) VALUES (?,?,?)",
            [(code, block_id.hex, i) for i, code in enumerate(codes)])
        record_event_in(session, actor=ACTOR, action="codes.add_block", record_type="code_block", record_id=block_id,
                     after={"first": codes[0], "last": codes[-1], "count": len(codes), "source": "central"})
        loaded += len(codes)
    return loaded


_VERSION_COLUMNS = [c.name for c in OrganizationVersion.__table__.columns if c.name != "record"]


def apply_versions_in(session: Session, rows: list[dict]) -> None:
    """Store versions of registered records the centre sent (each row of central.organization_versions
    with the version as sent, its record spread into fields): a version already here, or of an
    organization this window does not hold, is left as it is (versions are append-only)."""
    if not rows:
        return
    table = OrganizationVersion.__table__
    converters = {c.name: _sqlite_value(c) for c in table.columns}
    names = _VERSION_COLUMNS + ["record"]
    values = []
    for row in rows:
        sent = row["payload"]
        record = {k: v for k, v in sent.items() if k not in table.columns}
        converted = [(converters[c] or (lambda v: v))(sent.get(c)) for c in _VERSION_COLUMNS]
        values.append((*converted, record_json(record_from_json(json.dumps(record))), _hex(sent["organization_id"])))
    session.connection().exec_driver_sql(
        f"INSERT INTO organization_versions ({', '.join(names)}) SELECT {', '.join('?' * len(names))}"
        " WHERE EXISTS (SELECT 1 FROM organizations WHERE id = ?) ON CONFLICT DO NOTHING", values)


def apply_changes_in(session: Session, changes: list[tuple], window: str) -> dict[str, int]:
    """Apply one page of changes read with CHANGE_COLUMNS, in order; the last change of a row
    wins (an organization whose columns are all NULL was deleted). Returns how many rows of
    each kind were applied."""
    latest: dict[tuple[str, str], tuple] = {}
    for change in changes:
        latest.pop((change[0], change[1]), None)
        latest[(change[0], change[1])] = change
    orgs: list[tuple] = []
    by_kind: dict[str, list[dict]] = {}
    deleted_orgs = []
    for (kind, row_id), change in latest.items():
        if kind == ORGANIZATION:
            if change[_ORG_ID] is None:
                deleted_orgs.append(row_id)
            else:
                orgs.append(change)
        elif change[2] is not None:
            by_kind.setdefault(kind, []).append(json.loads(change[2]))
    apply_organizations_in(session, orgs, deleted_orgs)
    apply_versions_in(session, by_kind.get(ORGANIZATION_VERSION, []))
    apply_reviews_in(session, by_kind.get("review", []), window)
    if by_kind.get("reference"):
        apply_reference_in(session, by_kind["reference"])
    apply_synced_rows_in(session, "window_keys", by_kind.get("window_key", []))
    apply_synced_rows_in(session, "dishonest_persons", by_kind.get("dishonest_person", []))
    apply_reservations_in(session, by_kind.get("name_reservation", []))
    load_code_blocks_in(session, by_kind.get("code_block", []))
    counts = {kind: len(rows) for kind, rows in by_kind.items()}
    if orgs:
        counts[ORGANIZATION] = len(orgs)
    if deleted_orgs:
        counts["organization_deleted"] = len(deleted_orgs)
    return counts
