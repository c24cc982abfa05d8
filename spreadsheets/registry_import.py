"""Registry import (登记库导入) from a .xlsx or .csv file with a Chinese header row.

All or nothing: every row is checked first and any bad row means nothing is imported; the
report names each bad cell (row, column, reason in Chinese), the first ``REPORT_LIMIT`` of them
and how many there are in all. Cells are read by the form fields' parsers (forms/), so the
import refuses what a form refuses (control, invisible and bidirectional characters, line
breaks in a name) with the same messages, and reads dates the same way. Rows match existing
organizations by 统一社会信用代码, else by name and type; unchanged organizations are left
alone, so importing the same file twice changes nothing. A row with 登记状态 “已更名” is a
former name (曾用名) of the organization with the same credit code, renamed on its 状态变更日期.

The rows stream: each checked row goes to a staging database (a temporary SQLite file), the
checks across rows are SQL over it, and matching and writing go through it in chunks, so memory
stays flat however long the file is (``StagedImport``). A large file shares the work with a
second process (``SecondProcess``): it checks two chunks of rows in three while this process
reads the file and stages them, and splits the new organizations' names (and their pinyin)
while this one writes. Into an empty registry every row is new, which SQL decides over the
staging table (``match_into_empty``), and the registry's secondary indexes are built after the
rows, the one-edit keys of the names later (registry/registry_indexes.py).

What the rows then do depends on where the file is imported:
- a window with no centre set up writes them into its registry (``import_registry``);
- a window that syncs adds the new organizations to its registry and queues them for the
  centre like any registration (the centre enters them, or holds them for review when the name
  or credit code clashes), and proposes every change to an organization already in the
  registry to the centre's review (待复核), leaving its copy as the centre has it;
- at the centre (sync/central_registry.py, ``central registry import``) they go into the
  central registry, and the change log takes them to every window.
"""

from __future__ import annotations

import heapq
import itertools
import json
import multiprocessing
import sqlite3
import tempfile
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from forms.fields import (
    Field,
    FieldInvalid,
    as_chinese_line,
    as_date,
    as_single_line,
    clean_text,
)
from forms.intake import as_street_code
from models import reference
from models.audit import record_event_in
from models.errors import SoregError
from models.progress import SILENT, Progress, stop_if_cancelled
from models.registry import Organization, OrganizationName, OrgStatus
from models.settings import CENTRAL_URL, get_setting_in
from models.store import Store
from registry.credit_code import validate_credit_code
from registry.name_index import apply_parsed_parts, index_current_name_in, name_entry
from registry.names import normalize_name
from registry.organizations import (
    FormerName,
    OrganizationRecord,
    add_stored_organizations_in,
    bulk_add_organizations_in,
    propose_change_in,
    split_stored_names,
)
from registry.registry_indexes import (
    create_indexes_but_variants_in,
    drop_deferred_indexes,
    registry_is_empty,
)
from spreadsheets.readers import FormulaWithoutValue, open_table

RENAMED = "已更名"
"""登记状态 of a row that gives a former name, not an organization of its own."""
REPORT_EVERY = 1000
REPORT_LIMIT = 1000
"""How many problems the report lists; the count covers them all."""
CHUNK = 5000


# ---- problems ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportProblem:
    """One bad cell (or header) of the file."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"第 {self.row} 行“{self.column}”列：{self.reason}"


class ProblemLog:
    """Every problem counted; the first ``REPORT_LIMIT`` by row kept (a bounded heap)."""

    def __init__(self) -> None:
        self.count = 0
        self._heap: list[tuple[int, int, ImportProblem]] = []

    def add(self, row: int, column: str, reason: str) -> None:
        self.count += 1
        entry = (-row, -self.count, ImportProblem(row, column, reason))
        if len(self._heap) < REPORT_LIMIT:
            heapq.heappush(self._heap, entry)
        elif entry > self._heap[0]:
            heapq.heapreplace(self._heap, entry)

    def listed(self) -> list[ImportProblem]:
        return [p for _, _, p in sorted(self._heap, reverse=True)]


class ImportRejected(SoregError):
    """The file has bad rows; nothing was imported. ``problems`` lists the first
    ``REPORT_LIMIT`` by row, ``total`` says how many there are."""

    def __init__(self, file_name: str, problems: list[ImportProblem], total: int | None = None) -> None:
        total = len(problems) if total is None else total
        lines = "\n".join(str(p) for p in problems)
        shown = f"（以下列出前 {len(problems)} 处）" if total > len(problems) else ""
        super().__init__(f"文件 {file_name} 有 {total} 处错误，未导入任何数据{shown}：\n{lines}", field="文件")
        self.problems = problems
        self.total = total


@dataclass(frozen=True)
class ImportSummary:
    """How many rows added, updated or left unchanged an organization (or former name), how
    many were proposed to the centre's review instead, and the encoding a .csv was read in."""

    added: int
    updated: int
    unchanged: int
    proposed: int = 0
    encoding: str | None = None

    def __str__(self) -> str:
        text = f"新增 {self.added}，更新 {self.updated}，未变 {self.unchanged}"
        if self.proposed:
            text += f"；{self.proposed} 行是对登记库中已有组织的变更，已提交中心复核（待复核），同步后由中心处理"
        if self.encoding:
            text += f"（文件编码：{self.encoding}）"
        return text


# ---- cells ---------------------------------------------------------------------------------

def _cell(value: Any) -> Any:
    """The cell's value as a form field takes it (a whole number without “.0”); a formula
    without a value is refused."""
    if isinstance(value, FormulaWithoutValue):
        raise FieldInvalid(f"单元格 {value.cell} 是公式，但文件中没有它的计算结果：请在 Excel 中打开并保存该文件"
                           "（或把公式换成数值）后再导入")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value: Any) -> str:
    """The cell as text under the forms' text policy."""
    return clean_text(_cell(value))


def _line(length: int, parse: Callable[[str], str] = as_single_line, *,
          required: bool = False) -> Callable[[Any], str | None]:
    """A text column read as a form field of at most ``length`` characters reads it (its messages)."""
    form_field = Field("", "", parse, required=required, max_length=length)
    return lambda value: form_field.read(_cell(value))


_name = _line(200, as_chinese_line, required=True)  # a name has a Chinese character, so it never normalizes to nothing


def _org_type(value: Any) -> str:
    text = _text(value)
    types = reference.org_types()
    if text not in types:
        shown = f"“{text}”" if text else "为空"
        raise FieldInvalid(f"组织类型{shown}无效，应为{'、'.join(types)}之一")
    return text


def _credit_code(value: Any) -> str | None:
    text = _text(value).replace(" ", "").upper()
    if not text:
        return None
    check = validate_credit_code(text)
    if not check.valid:
        raise FieldInvalid(f"统一社会信用代码“{text}”无效：{check.reason}")
    return text


def _status(value: Any) -> str:
    text = _text(value) or OrgStatus.ACTIVE.value
    allowed = [s.value for s in OrgStatus] + [RENAMED]
    if text not in allowed:
        raise FieldInvalid(f"登记状态“{text}”无效，应为{'、'.join(allowed)}之一")
    return text


def _shown(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """``parse`` with the cell's text before its reason: “静安寺街道”应为本区的街道或镇…"""

    def read(text: str) -> Any:
        try:
            return parse(text)
        except FieldInvalid as exc:
            raise FieldInvalid(f"“{text}”{exc.reason}") from None

    return read


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    return _shown(as_date)(text) if text else None


def _street(value: Any) -> str | None:
    text = _text(value)
    return _shown(as_street_code)(text) if text else None


def _rating(value: Any) -> str | None:
    text = _text(value).upper()
    if not text:
        return None
    if text not in ("3A", "4A", "5A"):
        raise FieldInvalid(f"评估等级“{text}”无效，应为 3A、4A、5A 之一或留空")
    return text


@dataclass(frozen=True)
class Column:
    """A column the import understands: its Chinese header, the record attribute and parser."""

    header: str
    attribute: str
    parse: Callable[[Any], Any]
    required: bool = False
    repeats: bool = False
    """Few values recur over the rows (types, streets, dates): each is parsed once per import."""


COLUMNS = (
    Column("名称", "name", _name, required=True),
    Column("组织类型", "org_type", _org_type, required=True, repeats=True),
    Column("统一社会信用代码", "credit_code", _credit_code),
    Column("登记状态", "status", _status, repeats=True),
    Column("状态变更日期", "status_changed_on", _date, repeats=True),
    Column("成立日期", "established_on", _date, repeats=True),
    Column("住所", "address", _line(200)),
    Column("所属街镇", "street_code", _street, repeats=True),
    Column("法定代表人", "legal_representative", _line(64)),
    Column("业务主管单位", "sponsor", _line(100), repeats=True),
    Column("证书有效期至", "certificate_valid_until", _date, repeats=True),
    Column("评估等级", "rating", _rating, repeats=True),
)
HEADERS = {c.header: c for c in COLUMNS}
HEADER_OF = {c.attribute: c.header for c in COLUMNS}
DATES = frozenset({"status_changed_on", "established_on", "certificate_valid_until"})
DATED_STATUSES = (OrgStatus.DEREGISTERED.value, OrgStatus.REVOKED.value, RENAMED)


def _header_columns(header: list[str], problems: ProblemLog) -> list[Column | None]:
    columns: list[Column | None] = []
    seen: set[str] = set()
    for text in header:
        column = HEADERS.get(text)
        if text and column is None:
            problems.add(1, text, f"无法识别的列，可用的列为：{'、'.join(HEADERS)}")
        elif column is not None and text in seen:
            problems.add(1, text, "列名重复")
            column = None
        seen.add(text)
        columns.append(column)
    for column in COLUMNS:
        if column.required and column.header not in seen:
            problems.add(1, column.header, "缺少必填列")
    return columns


MEMO_LIMIT = 20_000
"""Values remembered per ``repeats`` column (a day for each of some fifty years fits)."""


def _remembered(parse: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``parse`` remembering its first ``MEMO_LIMIT`` values (by type and value; refusals are
    not remembered, so each bad cell is reported)."""
    memo: dict[tuple[type, Any], Any] = {}

    def read(value: Any) -> Any:
        key = (type(value), value)
        found = memo.get(key, memo)  # the memo itself stands for "not yet"
        if found is memo:
            found = parse(value)
            if len(memo) < MEMO_LIMIT:
                memo[key] = found
        return found

    return read


def _readers(columns: list[Column | None]) -> list[tuple[Column, Callable[[Any], Any]] | None]:
    """Each file column's Column and the parser an import reads it with."""
    return [None if c is None else (c, _remembered(c.parse) if c.repeats else c.parse) for c in columns]


def _check_row(number: int, values: tuple, readers: list[tuple[Column, Callable[[Any], Any]] | None],
               problems: ProblemLog | _Problems) -> dict | None:
    """The row's values by attribute, or None (its problems logged)."""
    parsed: dict[str, Any] = {}
    bad: set[str] = set()
    padded = tuple(values) + (None,) * (len(readers) - len(values))  # a short row: missing cells are empty
    for reader, value in zip(readers, padded, strict=False):
        if reader is None:
            continue
        column, parse = reader
        try:
            parsed[column.attribute] = parse(value)
        except FieldInvalid as exc:
            problems.add(number, column.header, exc.reason)
            bad.add(column.header)
    status = parsed.get("status")
    if status in DATED_STATUSES and parsed.get("status_changed_on") is None and "状态变更日期" not in bad:
        problems.add(number, "状态变更日期", f"登记状态为“{status}”时必须填写状态变更日期（YYYY-MM-DD）")
        bad.add("状态变更日期")
    if status == RENAMED and parsed.get("credit_code") is None and "统一社会信用代码" not in bad:
        problems.add(number, "统一社会信用代码", "“已更名”行是曾用名，必须填写该组织的统一社会信用代码")
        bad.add("统一社会信用代码")
    code, org_type = parsed.get("credit_code"), parsed.get("org_type")
    if code and org_type and code[0] == reference.district().registration_department_code:
        digit = reference.org_types()[org_type].code_digit
        if code[1] != digit:
            problems.add(number, "统一社会信用代码", f"第 2 位为 {code[1]}，与组织类型“{org_type}”的类别代码 {digit} 不符")
            bad.add("统一社会信用代码")
    return None if bad else parsed


class _Problems(list):
    """Problems as (row, column, reason) tuples, for a ``ProblemLog`` in the process that keeps it."""

    def add(self, row: int, column: str, reason: str) -> None:
        self.append((row, column, reason))


def _staged_rows(chunk: list[tuple[int, tuple]],
                 readers: list[tuple[Column, Callable[[Any], Any]] | None]) -> tuple[list[list], _Problems]:
    """The good rows of ``chunk`` (row number, values) as the staging table takes them, and the
    problems of the others."""
    problems, staged = _Problems(), []
    for number, values in chunk:
        parsed = _check_row(number, values, readers, problems)
        if parsed is not None:
            former = parsed.get("status") == RENAMED
            row = [number, int(former), parsed.get("credit_code"), parsed["name"],
                   normalize_name(parsed["name"]) if former else None, parsed["org_type"],
                   *map(parsed.get, _VALUE_COLUMNS)]
            for i in _DATE_POSITIONS:
                if row[i] is not None:
                    row[i] = row[i].isoformat()
            staged.append(row)
    return staged, problems


_CHECKING: dict[tuple[str, ...], list] = {}
"""The readers of the second process, by header: made once for the import it serves."""


def _check_chunk(header: list[str], chunk: list[tuple[int, tuple]]) -> tuple[list[list], _Problems]:
    """``_staged_rows`` in the second process (the header's problems are the first process's)."""
    readers = _CHECKING.get(tuple(header))
    if readers is None:
        readers = _CHECKING.setdefault(tuple(header), _readers(_header_columns(header, ProblemLog())))
    return _staged_rows(chunk, readers)


# ---- the staging database ------------------------------------------------------------------

def _encode(values: dict) -> str:
    return json.dumps({k: _stored(k, v) for k, v in values.items()}, ensure_ascii=False)


def _stored(attribute: str, value: Any) -> Any:
    """A value as the staging database holds it (dates as ISO text)."""
    return value.isoformat() if attribute in DATES and value is not None else value


def _restored(attribute: str, value: Any) -> Any:
    return date.fromisoformat(value) if attribute in DATES and value is not None else value


def _decode(text: str) -> dict:
    return {k: _restored(k, v) for k, v in json.loads(text).items()}


STAGED_AS = {"credit_code": "code"}
"""Staging columns named otherwise than their attribute; the others are named alike."""
_ROW_COLUMNS = ("name", "org_type", "credit_code")
"""Attributes every staged row gives in its first columns (code, name, org_type)."""
_LEAD_COLUMNS = ("number", "former", "code", "name", "norm", "org_type")
"""A staged row's first columns: its row in the file, whether it gives a former name, what it is matched by."""
_VALUE_COLUMNS = tuple(c.attribute for c in COLUMNS if c.attribute not in _ROW_COLUMNS)
_STAGED_COLUMNS = _LEAD_COLUMNS + _VALUE_COLUMNS
_DATE_POSITIONS = tuple(i for i, a in enumerate(_STAGED_COLUMNS) if a in DATES)
"""Where the dates are in a staged row."""


_SCHEMA = f"""
CREATE TABLE rows (
    number INTEGER PRIMARY KEY,   -- the row in the file
    former INTEGER NOT NULL,      -- 1: a 已更名 row (a former name)
    code TEXT, name TEXT NOT NULL, org_type TEXT NOT NULL,
    norm TEXT,                    -- a former name normalized (registry.names.normalize_name)
    {", ".join(f"{a} TEXT" for a in _VALUE_COLUMNS)},  -- the other values (dates as ISO text)
    bad INTEGER NOT NULL DEFAULT 0,
    org_id TEXT,                  -- the registry organization the row is about
    action TEXT,                  -- see Action
    diff TEXT                     -- what a change changes (JSON)
)
"""
_INDEXES = ("CREATE INDEX rows_code ON rows (former, code)", "CREATE INDEX rows_name ON rows (former, name, org_type)")
_MATCHED_INDEXES = ("CREATE INDEX rows_org ON rows (org_id)", "CREATE INDEX rows_action ON rows (action, org_id)")
"""Built once the current names are matched, not kept up to date by each decision."""


class Action:
    """What the import does with a row (staging column ``action``)."""

    NEW = "new"                    # a new organization
    SAME = "same"                  # an organization already in the registry, unchanged
    CHANGE = "change"              # changes an organization already in the registry
    FORMER_NEW = "former_new"      # a former name of a new organization
    FORMER_ADD = "former_add"      # a new former name of an organization in the registry
    FORMER_DATE = "former_date"    # corrects the date of a former name
    FORMER_SAME = "former_same"    # a former name the registry already has


CHANGES = (Action.CHANGE, Action.FORMER_ADD, Action.FORMER_DATE)
_FORMERS = ("(SELECT json_group_array(json_array(f.name, f.status_changed_on)) FROM rows f"
            f" WHERE f.former = 1 AND f.bad = 0 AND f.code = rows.code AND f.action = '{Action.FORMER_NEW}')")
"""The former names (曾用名) of a new organization from the file, as JSON."""
_NO_OWNER = "找不到统一社会信用代码为 {code} 的组织：曾用名所属组织的现名称须在登记库中或本文件中"


@dataclass(frozen=True)
class Existing:
    """An organization of the registry as the matching needs it: id and COLUMNS values."""

    id: str
    values: dict[str, Any]


class RegistryLookup(Protocol):
    """Where the import looks organizations up: the window's registry or the centre's."""

    def by_codes(self, codes: list[str]) -> dict[str, Existing]: ...

    def by_names(self, names: list[str]) -> dict[tuple[str, str], list[Existing]]: ...

    def by_ids(self, ids: list[str]) -> dict[str, Existing]: ...

    def former_names(self, ids: list[str]) -> dict[str, dict[str, date | None]]:
        """Each organization's former names: normalized name → renamed_on."""
        ...


@dataclass(frozen=True)
class OrganizationChange:
    """What the file changes in one organization of the registry: the columns that differ
    and the former names it adds or re-dates."""

    org_id: uuid.UUID
    values: dict[str, Any]
    formers: tuple[FormerName, ...]


@dataclass
class StagedImport:
    """A checked file in its staging database: run ``match`` against a registry, then read
    ``additions`` and ``changes``."""

    path: Path
    db: sqlite3.Connection
    encoding: str | None
    problems: ProblemLog = field(default_factory=ProblemLog)
    attributes: tuple[str, ...] = ()
    """The attributes of the file's columns: what its rows set (a column left out changes nothing)."""

    # -- reading the file --

    def _load(self, progress: Progress, second: SecondProcess | None = None) -> None:
        """Read, check and stage every row; a large file's rows are checked by ``second``
        (a chunk or two ahead) while this process reads the next ones and stages the checked."""
        with open_table(self.path) as table:
            self.encoding = table.encoding
            columns = _header_columns(table.header, self.problems)
            present = {c.header for c in columns if c is not None}
            self.attributes = tuple(c.attribute for c in COLUMNS if c.header in present)
            if not all(c.header in present for c in COLUMNS if c.required):
                return  # rows cannot be read without their name and type
            total, done = table.estimated_rows, 0
            chunks = iter(lambda: list(itertools.islice(table.rows, REPORT_EVERY)), [])
            if second is not None and (total or 0) >= SECOND_PROCESS_FROM:
                readers = _readers(columns)
                checked = second.ahead(_check_chunk, chunks, table.header,
                                       local=lambda chunk: _staged_rows(chunk, readers))
            else:
                readers = _readers(columns)
                checked = ((chunk, _staged_rows(chunk, readers)) for chunk in chunks)
            for chunk, (rows, problems) in checked:
                for problem in problems:
                    self.problems.add(*problem)
                self._insert(rows)
                done += len(chunk)
                progress.report(done, max(total, done) if total else None, "校验")
                stop_if_cancelled(progress)
            progress.report(done, done, "校验")
        if done == 0 and not self.problems.count:
            self.problems.add(2, "名称", "文件没有数据行")

    def _insert(self, batch: list[tuple]) -> None:
        self.db.executemany(f"INSERT INTO rows ({', '.join(_STAGED_COLUMNS)})"
                            f" VALUES ({', '.join('?' * len(_STAGED_COLUMNS))})", batch)

    def _flag(self, found: list[tuple], column: str, reason: Callable[[int], str]) -> None:
        """Refuse each row of the (row, other row) found, the reason naming the other row."""
        for number, other in found:
            self._refuse(number, column, reason(other))

    def _refuse(self, number: int, column: str, reason: str) -> None:
        """Log a problem of the row and leave the row out from now on."""
        self.problems.add(number, column, reason)
        self.db.execute("UPDATE rows SET bad = 1 WHERE number = ?", (number,))

    def _cross_check(self) -> None:
        """Rows that name the same organization twice, and former names that contradict the
        current row of their organization in the file."""
        sql = self.db.execute
        self._flag(sql("""SELECT r.number, m.first FROM rows r JOIN (
                              SELECT code, min(number) AS first FROM rows WHERE former = 0 AND code IS NOT NULL
                              GROUP BY code HAVING count(*) > 1) m ON m.code = r.code
                          WHERE r.former = 0 AND r.number > m.first""").fetchall(),
                   "统一社会信用代码", lambda n: f"与第 {n} 行重复")
        self._flag(sql("""SELECT r.number, m.first FROM rows r JOIN (
                              SELECT name, org_type, min(number) AS first FROM rows WHERE former = 0 AND code IS NULL
                              GROUP BY name, org_type HAVING count(*) > 1) m ON m.name = r.name AND m.org_type = r.org_type
                          WHERE r.former = 0 AND r.code IS NULL AND r.number > m.first""").fetchall(),
                   "名称", lambda n: f"与第 {n} 行重复")
        pairs = [(f, c, norm == normalize_name(name), same_type) for f, c, norm, name, same_type in sql(
            """SELECT f.number, c.number, f.norm, c.name, f.org_type = c.org_type FROM rows f
                 JOIN (SELECT code, min(number) AS number FROM rows WHERE former = 0 AND code IS NOT NULL
                       GROUP BY code) cm ON cm.code = f.code
                 JOIN rows c ON c.number = cm.number
                WHERE f.former = 1""")]
        self._flag([(f, c) for f, c, same_name, _ in pairs if same_name], "名称", lambda n: f"曾用名与第 {n} 行的现名称相同")
        self._flag([(f, c) for f, c, same_name, same_type in pairs if not same_name and not same_type], "组织类型",
                   lambda n: f"与第 {n} 行（同一统一社会信用代码）的组织类型不同")
        self._flag(sql("""SELECT r.number, m.first FROM rows r JOIN (
                              SELECT code, norm, min(number) AS first FROM rows WHERE former = 1 AND bad = 0
                              GROUP BY code, norm HAVING count(*) > 1) m ON m.code = r.code AND m.norm = r.norm
                          WHERE r.former = 1 AND r.bad = 0 AND r.number > m.first""").fetchall(),
                   "名称", lambda n: f"与第 {n} 行重复")

    @property
    def _value_columns(self) -> str:
        """The staging columns of ``attributes``, in their order."""
        return ", ".join(STAGED_AS.get(a, a) for a in self.attributes)

    def _values(self, staged: tuple | list) -> dict[str, Any]:
        """The row's values by attribute from its ``_value_columns``."""
        values = dict(zip(self.attributes, staged, strict=True))
        for attribute in DATES.intersection(values):
            if values[attribute] is not None:
                values[attribute] = date.fromisoformat(values[attribute])
        return values

    def _rows(self, where: str, params: tuple = (), columns: str = "code, name, org_type") -> Iterator[list[tuple]]:
        """Good rows matching ``where`` (number and ``columns``), in file order, a chunk at a time:
        read along the row number (NOT INDEXED), as an index on ``where``'s columns would have
        every chunk sort all the rows after it."""
        last = 0
        while chunk := self.db.execute(
                f"SELECT number, {columns} FROM rows NOT INDEXED WHERE bad = 0 AND number > ? AND {where}"
                f" ORDER BY number LIMIT {CHUNK}", (last, *params)).fetchall():
            yield chunk
            last = chunk[-1][0]

    # -- matching --

    def match(self, registry: RegistryLookup, progress: Progress) -> None:
        """Decide what each row does against ``registry``; raise ImportRejected (listing the
        problems of the whole file) if any row is bad."""
        done = 0
        for chunk in self._rows("former = 0", columns=f"code, name, org_type, {self._value_columns}"):
            self._match_current(registry, chunk)
            done += len(chunk)
            progress.report(done, None, "比对")
            stop_if_cancelled(progress)
        for index in _MATCHED_INDEXES:
            self.db.execute(index)
        claimed = self.db.execute("""SELECT r.number, m.first FROM rows r JOIN (
                                         SELECT org_id, min(number) AS first FROM rows WHERE former = 0 AND org_id IS NOT NULL
                                         GROUP BY org_id HAVING count(*) > 1) m ON m.org_id = r.org_id
                                     WHERE r.former = 0 AND r.number > m.first""").fetchall()
        self._flag(claimed, "名称", lambda n: f"与第 {n} 行对应登记库中的同一个组织")
        for chunk in self._rows("former = 1", columns="code, name, org_type, status_changed_on"):
            self._match_formers(registry, chunk)
            stop_if_cancelled(progress)
        self._reject_if_bad()

    def match_into_empty(self, progress: Progress) -> None:
        """``match`` against an empty registry, decided in SQL: every current row is new, and a
        former name is one of a new organization when its credit code has a current row in the
        file, else it is refused as ``_match_formers`` refuses it."""
        progress.report(0, None, "比对")
        sql = self.db.execute
        sql("UPDATE rows SET action = ? WHERE former = 0 AND bad = 0", (Action.NEW,))
        owned = "code IN (SELECT code FROM rows WHERE former = 0 AND bad = 0)"
        sql(f"UPDATE rows SET action = ? WHERE former = 1 AND bad = 0 AND {owned}", (Action.FORMER_NEW,))
        for number, code in sql(f"SELECT number, code FROM rows WHERE former = 1 AND bad = 0 AND NOT {owned}"
                                " ORDER BY number").fetchall():
            self._refuse(number, "统一社会信用代码", _NO_OWNER.format(code=code))
        for index in _MATCHED_INDEXES:
            sql(index)
        self._reject_if_bad()

    def _reject_if_bad(self) -> None:
        if self.problems.count:
            raise ImportRejected(self.path.name, self.problems.listed(), self.problems.count)

    def _decide(self, decisions: list[tuple]) -> None:
        """(action, org id, diff JSON, row number) of each row."""
        self.db.executemany("UPDATE rows SET action = ?, org_id = ?, diff = ? WHERE number = ?", decisions)

    def _match_current(self, registry: RegistryLookup, chunk: list[tuple]) -> None:
        by_code = registry.by_codes(sorted({code for _, code, *_ in chunk if code}))
        by_name = registry.by_names(sorted({name for _, code, name, *_ in chunk if code not in by_code}))
        decisions = []
        for number, code, name, org_type, *staged in chunk:
            org = by_code.get(code) if code else None
            if org is None:
                same_name = [o for o in by_name.get((name, org_type), []) if not code or o.values["credit_code"] is None]
                if len(same_name) > 1:
                    self._refuse(number, "名称", f"登记库中有 {len(same_name)} 个同名同类型的组织，请填写统一社会信用代码以区分")
                    continue
                org = same_name[0] if same_name else None
            if org is None:
                decisions.append((Action.NEW, None, None, number))
                continue
            values = self._values(staged)
            diff = {k: v for k, v in values.items() if org.values[k] != v}
            decisions.append((Action.CHANGE, org.id, _encode(diff), number) if diff
                             else (Action.SAME, org.id, None, number))
        self._decide(decisions)

    def _match_formers(self, registry: RegistryLookup, chunk: list[tuple]) -> None:
        codes = sorted({code for _, code, *_ in chunk})
        in_file = dict(self.db.execute(
            f"SELECT code, coalesce(org_id, '') FROM rows WHERE former = 0 AND bad = 0 AND code IN"
            f" ({','.join('?' * len(codes))})", codes).fetchall())
        by_code = registry.by_codes([c for c in codes if c not in in_file])
        owners = by_code | registry.by_ids(sorted({i for i in in_file.values() if i}))
        known = registry.former_names(sorted({o.id for o in owners.values()}))
        decisions = []
        for number, code, name, org_type, renamed_on in chunk:
            owner_id = in_file.get(code)
            if owner_id == "":
                decisions.append((Action.FORMER_NEW, None, None, number))
                continue
            owner = owners.get(owner_id) if owner_id else by_code.get(code)
            if owner is None:
                self._refuse(number, "统一社会信用代码", _NO_OWNER.format(code=code))
                continue
            if owner_id is None and owner.values["org_type"] != org_type:
                self._refuse(number, "组织类型", "与该统一社会信用代码所属组织的组织类型不同")
                continue
            renamed_on = date.fromisoformat(renamed_on)
            formers = known.get(owner.id, {})
            norm = normalize_name(name)
            action = (Action.FORMER_ADD if norm not in formers
                      else Action.FORMER_DATE if formers[norm] != renamed_on else Action.FORMER_SAME)
            decisions.append((action, owner.id, None, number))
        self._decide(decisions)

    # -- the plan --

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT action, count(*) FROM rows WHERE bad = 0 GROUP BY action").fetchall())

    def additions(self) -> Iterator[list[OrganizationRecord]]:
        """The new organizations with their former names from the file, a chunk at a time."""
        for chunk in self._rows("former = 0 AND action = ?", (Action.NEW,), f"{_FORMERS}, {self._value_columns}"):
            yield [OrganizationRecord(**self._values(staged), former_names=tuple(
                FormerName(name, date.fromisoformat(renamed_on)) for name, renamed_on in json.loads(names)))
                   for _number, names, *staged in chunk]

    def stored_additions(self) -> tuple[tuple[str, ...], Iterator[list[tuple]]]:
        """The new organizations as the registry stores them: the attributes of the file's
        columns and, a chunk at a time, rows of their values (dates as ISO text, as SQLite
        keeps them) followed by their former names (JSON ``[[name, renamed_on], …]``, or None),
        in credit code order (those without one first), so that the registry's unique credit
        code index grows at its end instead of at random places."""
        attributes = self.attributes + (() if "status" in self.attributes else ("status",))
        status = "" if "status" in self.attributes else f", '{OrgStatus.ACTIVE.value}'"
        cursor = self.db.execute(
            f"SELECT {self._value_columns}{status}, nullif({_FORMERS}, '[]') FROM rows INDEXED BY rows_code"
            f" WHERE former = 0 AND bad = 0 AND action = ? ORDER BY code", (Action.NEW,))
        return attributes, iter(lambda: cursor.fetchmany(CHUNK), [])

    def changes(self) -> Iterator[OrganizationChange]:
        """The changes to organizations already in the registry, one organization at a time."""
        rows = self.db.execute(
            f"SELECT org_id, action, name, status_changed_on, diff FROM rows WHERE bad = 0 AND action IN ({','.join('?' * len(CHANGES))})"
            " ORDER BY org_id, number", CHANGES)
        for org_id, group in itertools.groupby(rows, key=lambda r: r[0]):
            values: dict[str, Any] = {}
            formers = []
            for _, action, name, renamed_on, diff in group:
                if action == Action.CHANGE:
                    values |= _decode(diff)
                else:
                    formers.append(FormerName(name, date.fromisoformat(renamed_on)))
            yield OrganizationChange(uuid.UUID(org_id), values, tuple(formers))


@contextmanager
def staged_import(path: Path | str, *, folder: Path | None = None, progress: Progress = SILENT,
                  second: SecondProcess | None = None) -> Iterator[StagedImport]:
    """Read and check ``path`` into a staging database in ``folder`` (removed on exit), a
    large file's rows checked by ``second``."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix=".registry-import-", dir=folder) as tmp:
        db = sqlite3.connect(Path(tmp) / "staging.sqlite3", isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            db.execute(_SCHEMA)
            staged = StagedImport(path, db, None)
            db.execute("BEGIN")
            staged._load(progress, second)
            for index in _INDEXES:
                db.execute(index)
            staged._cross_check()
            yield staged
        finally:
            db.close()


# ---- the window's registry -----------------------------------------------------------------

ORG_TABLE = Organization.__table__
_COLUMNS = [c.attribute for c in COLUMNS]


def _chunks(items: list, size: int = 500) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class WindowRegistry:
    """The registry lookups of ``RegistryLookup`` on the window's SQLite copy."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _select(self, column, values: list) -> list[Existing]:
        found = []
        for chunk in _chunks(values):
            for org in self.session.execute(select(ORG_TABLE).where(column.in_(chunk))):
                found.append(Existing(str(org.id), {k: getattr(org, k) for k in _COLUMNS}))
        return found

    def by_codes(self, codes: list[str]) -> dict[str, Existing]:
        return {o.values["credit_code"]: o for o in self._select(ORG_TABLE.c.credit_code, codes)}

    def by_names(self, names: list[str]) -> dict[tuple[str, str], list[Existing]]:
        found: dict[tuple[str, str], list[Existing]] = {}
        for o in self._select(ORG_TABLE.c.name, names):
            found.setdefault((o.values["name"], o.values["org_type"]), []).append(o)
        return found

    def by_ids(self, ids: list[str]) -> dict[str, Existing]:
        return {o.id: o for o in self._select(ORG_TABLE.c.id, [uuid.UUID(i) for i in ids])}

    def former_names(self, ids: list[str]) -> dict[str, dict[str, date | None]]:
        found: dict[str, dict[str, date | None]] = {}
        for chunk in _chunks([uuid.UUID(i) for i in ids]):
            for org_id, name, renamed_on in self.session.execute(
                    select(OrganizationName.organization_id, OrganizationName.name, OrganizationName.renamed_on).where(
                        OrganizationName.organization_id.in_(chunk), OrganizationName.is_current.is_(False))):
                found.setdefault(str(org_id), {})[name] = renamed_on
        return found


def _reindex(session: Session, org: Organization) -> None:
    """Rebuild the name index of ``org`` after its name or type changed (former names kept)."""
    formers = [(e.name, e.renamed_on) for e in org.names if not e.is_current]
    org.names.clear()
    session.flush()
    index_current_name_in(session, org)
    for name, renamed_on in formers:
        org.names.append(name_entry(org, name, is_current=False, renamed_on=renamed_on))


def _apply_change(session: Session, change: OrganizationChange) -> None:
    """Write ``change`` into the window's registry (a window that does not sync)."""
    org = session.get(Organization, change.org_id)
    for key, value in change.values.items():
        setattr(org, key, value)
    if "name" in change.values or "org_type" in change.values:
        apply_parsed_parts(org)
        _reindex(session, org)
    entries = {e.name: e for e in org.names if not e.is_current}
    for former in change.formers:
        entry = entries.get(normalize_name(former.name))
        if entry is None:
            org.names.append(name_entry(org, former.name, is_current=False, renamed_on=former.renamed_on))
        else:
            entry.renamed_on = former.renamed_on
    session.flush()


SECOND_PROCESS_FROM = 20_000
"""Rows from which an import checks them, and new organizations from which it splits their
names, in a second process (starting it takes a second)."""
AHEAD = 2
"""Chunks the second process may be ahead of this one."""
LOCAL_EVERY = 3
"""Of the rows to check, this process checks every third chunk itself: reading the file and
staging the rows are a third of the work of checking them."""


class SecondProcess:
    """One worker process of the import (spawned, so it inherits no database connection or
    thread), started when first needed: it checks rows and splits names a chunk or two ahead
    of this process, which reads the file and writes the databases, so two cores share an
    import. Chunks in flight are its only memory; ``close`` drops the chunks still waiting."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def ahead(self, function: Callable, chunks: Iterator[Any], *args: Any,
              sent: Callable[[Any], Any] = lambda chunk: chunk,
              local: Callable[[Any], Any] | None = None) -> Iterator[tuple[Any, Any]]:
        """Each chunk, in order, with ``function(*args, sent(chunk))`` computed in the second
        process; with ``local``, every ``LOCAL_EVERY``-th chunk is ``local(chunk)`` computed
        here instead, when its turn comes (the second process has the next ones meanwhile)."""
        if self._pool is None:  # spawned: it reads the reference data this process uses, the centre's if so
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=reference.use_central, initargs=(reference.central_in_use(),))
        pending: deque[tuple[Any, Future | None]] = deque()
        submitted = 0  # chunks in ``pending`` that the second process has
        for n, chunk in enumerate(chunks, start=1):
            if local is not None and n % LOCAL_EVERY == 0:
                pending.append((chunk, None))
            else:
                pending.append((chunk, self._pool.submit(function, *args, sent(chunk))))
                submitted += 1
            while submitted > AHEAD:  # it has enough to do: take the oldest
                chunk, result = pending.popleft()
                submitted -= result is not None
                yield chunk, local(chunk) if result is None else result.result()
        while pending:
            chunk, result = pending.popleft()
            yield chunk, local(chunk) if result is None else result.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


@contextmanager
def second_process() -> Iterator[SecondProcess]:
    second = SecondProcess()
    try:
        yield second
    finally:
        second.close()


def _split_names(attributes: tuple[str, ...], chunks: Iterator[list[tuple]], new: int,
                 second: SecondProcess) -> Iterator[tuple[list[tuple], list[tuple] | None]]:
    """Each chunk of ``stored_additions`` with its names split (``split_stored_names``) by the
    second process while this one writes the chunks before it; with fewer than
    ``SECOND_PROCESS_FROM`` new organizations the writer splits them itself (None). The
    second process gets only names, types and former names."""
    if new < SECOND_PROCESS_FROM:
        return ((rows, None) for rows in chunks)
    at_name, at_type = attributes.index("name"), attributes.index("org_type")
    return second.ahead(split_stored_names, chunks, ("name", "org_type"),
                        sent=lambda rows: [(row[at_name], row[at_type], row[-1]) for row in rows])


def window_syncs_in(session: Session) -> bool:
    """Whether this window is connected to a centre (its registry is the centre's copy)."""
    return bool(get_setting_in(session, CENTRAL_URL))


def import_registry(store: Store, path: Path | str, *, actor: str, progress: Progress | None = None) -> ImportSummary:
    """Import the file into the window's registry in one write transaction (see the module
    docstring for a window that syncs); raise ``ImportRejected`` (nothing imported) if any
    row is bad."""
    path = Path(path)
    progress = progress or SILENT
    with second_process() as second, staged_import(path, folder=store.path.parent, progress=progress,
                                                    second=second) as staged:
        with store.write() as session:
            conn = session.connection()
            empty = registry_is_empty(conn)
            if empty:
                staged.match_into_empty(progress)
            else:
                staged.match(WindowRegistry(session), progress)
            counts = staged.counts()
            proposing = window_syncs_in(session)
            total, done = sum(counts.values()), 0
            into_empty = counts.get(Action.NEW, 0) > 0 and empty
            if into_empty:  # one sort per index after the rows, not an insertion per row and index
                drop_deferred_indexes(conn)
            if proposing:  # queued for the centre as the ORM would queue them
                for records in staged.additions():
                    bulk_add_organizations_in(session, records, queue=True)
                    done += len(records)
                    progress.report(done, total, "写入")
                    stop_if_cancelled(progress)
            else:
                attributes, chunks = staged.stored_additions()
                for rows, split in _split_names(attributes, chunks, counts.get(Action.NEW, 0), second):
                    add_stored_organizations_in(session, attributes, rows, split, variants=not into_empty)
                    done += len(rows)
                    progress.report(done, total, "写入")
                    stop_if_cancelled(progress)
            if into_empty:  # the one-edit keys and their index are left to ensure_registry_indexes
                create_indexes_but_variants_in(conn)
            for n, change in enumerate(staged.changes(), start=1):
                if proposing:
                    propose_change_in(session, change.org_id, change.values, change.formers, actor=actor)
                else:
                    _apply_change(session, change)
                if n % CHUNK == 0:  # written (and queued) at each flush: let go of the objects
                    session.flush()
                    session.expunge_all()
                    stop_if_cancelled(progress)
            progress.report(total, total, "写入")
            changed = sum(counts.get(a, 0) for a in CHANGES)
            summary = ImportSummary(
                added=counts.get(Action.NEW, 0) + counts.get(Action.FORMER_NEW, 0)
                + (0 if proposing else counts.get(Action.FORMER_ADD, 0)),
                updated=0 if proposing else counts.get(Action.CHANGE, 0) + counts.get(Action.FORMER_DATE, 0),
                unchanged=counts.get(Action.SAME, 0) + counts.get(Action.FORMER_SAME, 0),
                proposed=changed if proposing else 0, encoding=staged.encoding)
            record_event_in(session, actor=actor, action="registry.import", record_type="registry", record_id=path.name,
                         after={"file": path.name, "added": summary.added, "updated": summary.updated,
                                "unchanged": summary.unchanged, "proposed": summary.proposed,
                                "encoding": summary.encoding})
    return summary
