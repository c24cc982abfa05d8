"""The bureau's load of its registry into the centre (中心登记库导入): ``central registry import``.

The file is read and checked exactly as a window's import reads it (spreadsheets.registry_import:
the same formats, columns, cell checks and matching by credit code, else name and type), then
matched against ``central.organizations`` and written there in one transaction with the
administrator's connection: new organizations are entered (with their former names and name
index, so that no window has to compute them on its first pull), changed ones updated with a
new row_version. The change log's triggers record every row written, so every window's next
pull brings them; nothing is deleted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from models.base import new_id
from models.errors import SoregError
from models.outbox import json_value
from models.progress import SILENT, Progress, stop_if_cancelled
from registry.names import normalize_name, parse_name
from registry.organizations import COLUMNS, OrganizationRecord, name_index_payload
from spreadsheets.registry_import import (
    Action,
    Existing,
    ImportSummary,
    OrganizationChange,
    staged_import,
)
from sync.central_admin import admin_connect

_ATTRIBUTES = [c for c in COLUMNS if c not in ("on_abnormal_list", "on_dishonest_list")]
_SELECT = f"SELECT id::text, {', '.join(_ATTRIBUTES)} FROM central.organizations"
_INSERTED = (*COLUMNS, "id", "zihao", "field", "form", "former_names", "name_index")


class CentralRegistry:
    """The registry lookups of spreadsheets.registry_import.RegistryLookup on the centre."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn

    def _select(self, where: str, values: list) -> list[Existing]:
        rows = self.conn.execute(f"{_SELECT} WHERE {where}", (values,)).fetchall() if values else []
        return [Existing(row[0], dict(zip(_ATTRIBUTES, row[1:], strict=True))) for row in rows]

    def by_codes(self, codes: list[str]) -> dict[str, Existing]:
        return {o.values["credit_code"]: o for o in self._select("credit_code = ANY(%s)", codes)}

    def by_names(self, names: list[str]) -> dict[tuple[str, str], list[Existing]]:
        found: dict[tuple[str, str], list[Existing]] = {}
        for o in self._select("name = ANY(%s)", names):
            found.setdefault((o.values["name"], o.values["org_type"]), []).append(o)
        return found

    def by_ids(self, ids: list[str]) -> dict[str, Existing]:
        return {o.id: o for o in self._select("id = ANY(%s::uuid[])", ids)}

    def former_names(self, ids: list[str]) -> dict[str, dict]:
        found: dict[str, dict] = {}
        rows = self.conn.execute(
            "SELECT o.id::text, f ->> 'name', (f ->> 'renamed_on')::date FROM central.organizations o,"
            " jsonb_array_elements(o.former_names) f WHERE o.id = ANY(%s::uuid[])", (ids,)).fetchall() if ids else []
        for org_id, name, renamed_on in rows:
            found.setdefault(org_id, {})[name] = renamed_on
        return found


def _names_json(org_id, record: dict, formers: dict) -> tuple[list[dict], list[dict]]:
    """(former_names, name_index) of an organization as the centre keeps them."""
    former_names = [{"name": n, "renamed_on": json_value(d)} for n, d in formers.items()]
    index = name_index_payload(org_id, record["org_type"], [(record["name"], True, None)] + [
        (n, False, d) for n, d in formers.items()])
    return former_names, index


def _inserted_rows(records: list[OrganizationRecord]) -> Iterator[tuple]:
    for record in records:
        org_id = new_id()
        values = asdict(record)
        parsed = parse_name(record.name, record.org_type)
        formers = {normalize_name(f.name): f.renamed_on for f in record.former_names}
        former_names, index = _names_json(org_id, values, formers)
        yield (*(values[c] for c in COLUMNS), org_id, parsed.zihao, parsed.field, parsed.form,
               Jsonb(former_names), Jsonb(index))


def _update(conn: psycopg.Connection, change: OrganizationChange) -> None:
    current = conn.execute(f"SELECT id::text, {', '.join(_ATTRIBUTES)}, former_names FROM central.organizations"
                           " WHERE id = %s FOR UPDATE", (change.org_id,)).fetchone()
    record = dict(zip(_ATTRIBUTES, current[1:-1], strict=True)) | change.values
    formers = {f["name"]: f.get("renamed_on") for f in current[-1] or []}
    formers |= {normalize_name(f.name): json_value(f.renamed_on) for f in change.formers}
    parsed = parse_name(record["name"], record["org_type"])
    formers.pop(parsed.name, None)
    former_names, index = _names_json(change.org_id, record, formers)
    columns = {**change.values, "zihao": parsed.zihao, "field": parsed.field, "form": parsed.form,
               "former_names": Jsonb(former_names), "name_index": Jsonb(index)}
    conn.execute(
        f"UPDATE central.organizations SET {', '.join(f'{c} = %s' for c in columns)},"
        " changed_by_window = NULL, updated_at = now() AT TIME ZONE 'utc', row_version = row_version + 1"
        " WHERE id = %s", (*columns.values(), change.org_id))


def import_central_registry(url: str, path: Path | str, *, progress: Progress = SILENT) -> ImportSummary:
    """Import the file into the central registry in one transaction (all or nothing); raise
    spreadsheets.registry_import.ImportRejected, nothing written, if any row is bad."""
    with admin_connect(url) as conn:
        if conn.execute("SELECT to_regclass('central.organizations')").fetchone()[0] is None:
            raise SoregError("中心数据库尚未初始化，请先运行 central init。", field="--url")
        with staged_import(path, progress=progress) as staged, conn.transaction():
            staged.match(CentralRegistry(conn), progress)
            counts = staged.counts()
            total, done = sum(counts.values()), 0
            with conn.cursor() as cur:
                for records in staged.additions():
                    with cur.copy(f"COPY central.organizations ({', '.join(_INSERTED)}) FROM STDIN") as copy:
                        for row in _inserted_rows(records):
                            copy.write_row(row)
                    done += len(records)
                    progress.report(done, total, "写入")
                    stop_if_cancelled(progress)
            for change in staged.changes():
                _update(conn, change)
                stop_if_cancelled(progress)
            progress.report(total, total, "写入")
    return ImportSummary(added=counts.get(Action.NEW, 0) + counts.get(Action.FORMER_NEW, 0)
                         + counts.get(Action.FORMER_ADD, 0),
                         updated=counts.get(Action.CHANGE, 0) + counts.get(Action.FORMER_DATE, 0),
                         unchanged=counts.get(Action.SAME, 0) + counts.get(Action.FORMER_SAME, 0),
                         encoding=staged.encoding)

