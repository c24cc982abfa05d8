"""Registry import (登记库导入) from a .xlsx or .csv file with a Chinese header row.

All or nothing: every row is checked first and any bad row means nothing is imported, with every
bad row reported (row, column, reason in Chinese). Rows match existing organizations by
统一社会信用代码, else by name and type; unchanged organizations are left alone, so importing the
same file twice changes nothing. A row with 登记状态 “已更名” is a former name (曾用名) of the
organization with the same credit code, renamed on its 状态变更日期.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import reference
from models.audit import record_event
from models.errors import SoregError
from models.progress import SILENT, Progress, stop_if_cancelled
from models.registry import Organization, OrganizationName, OrgStatus
from models.store import Store
from registry.credit_code import validate_credit_code
from registry.name_index import apply_parsed_parts, index_current_name, name_entry
from registry.names import normalize_name
from registry.organizations import (
    FormerName,
    OrganizationRecord,
    bulk_add_former_names,
    bulk_add_organizations,
)
from spreadsheets.readers import open_table

RENAMED = "已更名"
"""登记状态 of a row that gives a former name, not an organization of its own."""
REPORT_EVERY = 1000
LOOKUP_CHUNK = 500


class CellError(ValueError):
    """A cell's value cannot be used; the message is the Chinese reason."""


@dataclass(frozen=True)
class ImportProblem:
    """One bad cell (or header) of the file."""

    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"第 {self.row} 行“{self.column}”列：{self.reason}"


class ImportRejected(SoregError):
    """The file has bad rows; nothing was imported. ``problems`` lists every one."""

    def __init__(self, file_name: str, problems: list[ImportProblem]) -> None:
        lines = "\n".join(str(p) for p in problems)
        super().__init__(f"文件 {file_name} 有 {len(problems)} 处错误，未导入任何数据：\n{lines}", field="文件")
        self.problems = problems


@dataclass(frozen=True)
class ImportSummary:
    """How many rows added, updated or left unchanged an organization (or former name)."""

    added: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"新增 {self.added}，更新 {self.updated}，未变 {self.unchanged}"


# ---- cells ---------------------------------------------------------------------------------

def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def _limited(length: int) -> Callable[[Any], str | None]:
    def parse(value: Any) -> str | None:
        text = _text(value)
        if len(text) > length:
            raise CellError(f"不能超过 {length} 个字，实为 {len(text)} 个字")
        return text or None

    return parse


def _name(value: Any) -> str:
    text = _limited(200)(value)
    if not text or not normalize_name(text):
        raise CellError("名称不能为空")
    return text


def _org_type(value: Any) -> str:
    text = _text(value)
    types = reference.org_types()
    if text not in types:
        shown = f"“{text}”" if text else "为空"
        raise CellError(f"组织类型{shown}无效，应为{'、'.join(types)}之一")
    return text


def _credit_code(value: Any) -> str | None:
    text = _text(value).replace(" ", "")
    if not text:
        return None
    check = validate_credit_code(text)
    if not check.valid:
        raise CellError(f"统一社会信用代码“{text}”无效：{check.reason}")
    return text


def _status(value: Any) -> str:
    text = _text(value) or OrgStatus.ACTIVE.value
    allowed = [s.value for s in OrgStatus] + [RENAMED]
    if text not in allowed:
        raise CellError(f"登记状态“{text}”无效，应为{'、'.join(allowed)}之一")
    return text


def _date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise CellError(f"日期“{text}”无效，应为 YYYY-MM-DD 格式的日期，例如 2024-03-01") from None


def _street(value: Any) -> str | None:
    text = _text(value)
    if not text:
        return None
    for street in reference.streets():
        if text in (street.code, street.name):
            return street.code
    names = "、".join(s.name for s in reference.streets())
    raise CellError(f"所属街镇“{text}”不是{reference.district().district}的街镇，应为{names}之一（或其 9 位代码）")


def _rating(value: Any) -> str | None:
    text = _text(value).upper()
    if not text:
        return None
    if text not in ("3A", "4A", "5A"):
        raise CellError(f"评估等级“{text}”无效，应为 3A、4A、5A 之一或留空")
    return text


@dataclass(frozen=True)
class Column:
    """A column the import understands: its Chinese header, the record attribute and parser."""

    header: str
    attribute: str
    parse: Callable[[Any], Any]
    required: bool = False


COLUMNS = (
    Column("名称", "name", _name, required=True),
    Column("组织类型", "org_type", _org_type, required=True),
    Column("统一社会信用代码", "credit_code", _credit_code),
    Column("登记状态", "status", _status),
    Column("状态变更日期", "status_changed_on", _date),
    Column("成立日期", "established_on", _date),
    Column("住所", "address", _limited(200)),
    Column("所属街镇", "street_code", _street),
    Column("法定代表人", "legal_representative", _limited(64)),
    Column("业务主管单位", "sponsor", _limited(100)),
    Column("证书有效期至", "certificate_valid_until", _date),
    Column("评估等级", "rating", _rating),
)
HEADERS = {c.header: c for c in COLUMNS}
DATED_STATUSES = (OrgStatus.DEREGISTERED.value, OrgStatus.REVOKED.value, RENAMED)


# ---- rows ----------------------------------------------------------------------------------

@dataclass
class Row:
    """A row that passed the checks of its own cells: the values of the columns present."""

    number: int
    values: dict[str, Any]

    @property
    def is_former_name(self) -> bool:
        return self.values.get("status") == RENAMED

    @property
    def key(self) -> tuple:
        code = self.values.get("credit_code")
        return ("code", code) if code else ("name", self.values["name"], self.values["org_type"])


@dataclass
class _Checked:
    """The outcome of reading the file: good rows, problems, and the header's columns."""

    columns: list[Column | None]
    rows: list[Row] = field(default_factory=list)
    problems: list[ImportProblem] = field(default_factory=list)

    @property
    def present(self) -> set[str]:
        return {c.attribute for c in self.columns if c is not None}


def _header_columns(header: list[str], problems: list[ImportProblem]) -> list[Column | None]:
    columns: list[Column | None] = []
    seen: set[str] = set()
    for text in header:
        column = HEADERS.get(text)
        if text and column is None:
            problems.append(ImportProblem(1, text, f"无法识别的列，可用的列为：{'、'.join(HEADERS)}"))
        elif column is not None and text in seen:
            problems.append(ImportProblem(1, text, "列名重复"))
            column = None
        seen.add(text)
        columns.append(column)
    for column in COLUMNS:
        if column.required and column.header not in seen:
            problems.append(ImportProblem(1, column.header, "缺少必填列"))
    return columns


def _check_row(number: int, values: tuple, columns: list[Column | None]) -> tuple[Row | None, list[ImportProblem]]:
    parsed: dict[str, Any] = {}
    problems = []
    padded = tuple(values) + (None,) * (len(columns) - len(values))  # a short row: missing cells are empty
    for column, value in zip(columns, padded, strict=False):
        if column is None:
            continue
        try:
            parsed[column.attribute] = column.parse(value)
        except CellError as exc:
            problems.append(ImportProblem(number, column.header, str(exc)))
    status = parsed.get("status")
    if status in DATED_STATUSES and parsed.get("status_changed_on") is None and "状态变更日期" not in {
            p.column for p in problems}:
        problems.append(ImportProblem(number, "状态变更日期", f"登记状态为“{status}”时必须填写状态变更日期（YYYY-MM-DD）"))
    if status == RENAMED and parsed.get("credit_code") is None and "统一社会信用代码" not in {p.column for p in problems}:
        problems.append(ImportProblem(number, "统一社会信用代码", "“已更名”行是曾用名，必须填写该组织的统一社会信用代码"))
    code, org_type = parsed.get("credit_code"), parsed.get("org_type")
    if code and org_type and code[0] == reference.district().registration_department_code:
        digit = reference.org_types()[org_type].code_digit
        if code[1] != digit:
            problems.append(ImportProblem(number, "统一社会信用代码",
                                          f"第 2 位为 {code[1]}，与组织类型“{org_type}”的类别代码 {digit} 不符"))
    return (None if problems else Row(number, parsed)), problems


def _cross_check(rows: list[Row], problems: list[ImportProblem]) -> list[Row]:
    """Rows that name the same organization twice, and former names without their organization."""
    first_row: dict[tuple, int] = {}
    good: list[Row] = []
    currents = {r.values["credit_code"]: r for r in rows if not r.is_former_name and r.values.get("credit_code")}
    for row in rows:
        if row.is_former_name:
            key = ("former", row.values["credit_code"], normalize_name(row.values["name"]))
            current = currents.get(row.values["credit_code"])
            if current is not None and normalize_name(current.values["name"]) == key[2]:
                problems.append(ImportProblem(row.number, "名称", f"曾用名与第 {current.number} 行的现名称相同"))
                continue
            if current is not None and current.values["org_type"] != row.values["org_type"]:
                problems.append(ImportProblem(row.number, "组织类型",
                                              f"与第 {current.number} 行（同一统一社会信用代码）的组织类型不同"))
                continue
        else:
            key = row.key
        if key in first_row:
            column = "统一社会信用代码" if key[0] == "code" else "名称"
            problems.append(ImportProblem(row.number, column, f"与第 {first_row[key]} 行重复"))
            continue
        first_row[key] = row.number
        good.append(row)
    return good


def _read(path: Path, progress: Progress) -> _Checked:
    with open_table(path) as table:
        problems: list[ImportProblem] = []
        checked = _Checked(_header_columns(table.header, problems), problems=problems)
        present = {c.header for c in checked.columns if c is not None}
        if not all(c.header in present for c in COLUMNS if c.required):
            return checked  # rows cannot be read without their name and type
        total = table.estimated_rows
        rows = []
        done = 0
        for number, values in table.rows:
            row, row_problems = _check_row(number, values, checked.columns)
            if row is not None:
                rows.append(row)
            checked.problems += row_problems
            done += 1
            if done % REPORT_EVERY == 0:
                progress.report(done, max(total, done) if total else None, "校验")
                stop_if_cancelled(progress)
        progress.report(done, done, "校验")
    if not rows and not checked.problems:
        checked.problems.append(ImportProblem(2, "名称", "文件没有数据行"))
    checked.rows = _cross_check(rows, checked.problems)
    return checked


# ---- matching and writing ------------------------------------------------------------------

def _chunks(items: list, size: int = LOOKUP_CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]


ORG_TABLE = Organization.__table__


def _existing(session: Session, rows: list[Row]) -> tuple[dict[str, Any], dict[tuple[str, str], list[Any]]]:
    """Organizations the rows may refer to (as plain column rows): by credit code, and by (name, type)."""
    codes = sorted({r.values["credit_code"] for r in rows if r.values.get("credit_code")})
    names = sorted({r.values["name"] for r in rows if not r.is_former_name})
    by_code: dict[str, Any] = {}
    by_name: dict[tuple[str, str], list[Any]] = {}
    for chunk in _chunks(codes):
        for org in session.execute(select(ORG_TABLE).where(ORG_TABLE.c.credit_code.in_(chunk))):
            by_code[org.credit_code] = org
    for chunk in _chunks(names):
        for org in session.execute(select(ORG_TABLE).where(ORG_TABLE.c.name.in_(chunk))):
            by_name.setdefault((org.name, org.org_type), []).append(org)
    return by_code, by_name


@dataclass
class _Plan:
    """What the import will do, decided before anything is written: new rows, rows matched to
    an existing organization (with its stored columns), and former-name rows with the id and
    type of their organization (None: it is new in this file)."""

    new: list[Row] = field(default_factory=list)
    matched: list[tuple[Row, Any]] = field(default_factory=list)
    formers: list[tuple[Row, uuid.UUID | None]] = field(default_factory=list)


def _match(session: Session, rows: list[Row], problems: list[ImportProblem]) -> _Plan:
    by_code, by_name = _existing(session, rows)
    plan = _Plan()
    claimed: dict[uuid.UUID, int] = {}
    new_codes: set[str] = set()
    for row in rows:
        if row.is_former_name:
            continue
        code, name, org_type = row.values.get("credit_code"), row.values["name"], row.values["org_type"]
        org = by_code.get(code) if code else None
        if org is None:
            same_name = [o for o in by_name.get((name, org_type), []) if not code or o.credit_code is None]
            if len(same_name) > 1:
                problems.append(ImportProblem(row.number, "名称",
                                              f"登记库中有 {len(same_name)} 个同名同类型的组织，请填写统一社会信用代码以区分"))
                continue
            org = same_name[0] if same_name else None
        if org is None:
            plan.new.append(row)
            if code:
                new_codes.add(code)
            continue
        if org.id in claimed:
            problems.append(ImportProblem(row.number, "名称", f"与第 {claimed[org.id]} 行对应登记库中的同一个组织"))
            continue
        claimed[org.id] = row.number
        plan.matched.append((row, org))
    owners = dict(by_code)
    owners.update((row.values["credit_code"], org) for row, org in plan.matched if row.values.get("credit_code"))
    for row in (r for r in rows if r.is_former_name):
        code = row.values["credit_code"]
        owner = owners.get(code)
        if code in new_codes:
            plan.formers.append((row, None))
        elif owner is None:
            problems.append(ImportProblem(row.number, "统一社会信用代码",
                                          f"找不到统一社会信用代码为 {code} 的组织：曾用名所属组织的现名称须在登记库中或本文件中"))
        elif owner.org_type != row.values["org_type"] and owner.id not in claimed:
            problems.append(ImportProblem(row.number, "组织类型", "与该统一社会信用代码所属组织的组织类型不同"))
        else:
            plan.formers.append((row, owner.id))
    return plan


def _reindex(session: Session, org: Organization) -> None:
    """Rebuild the name index of ``org`` after its name or type changed (former names kept)."""
    formers = [(e.name, e.renamed_on) for e in org.names if not e.is_current]
    org.names.clear()
    session.flush()
    index_current_name(session, org)
    for name, renamed_on in formers:
        org.names.append(name_entry(org, name, is_current=False, renamed_on=renamed_on))


def _update(session: Session, row: Row, stored: Any) -> bool:
    """Apply the row's values to the organization stored as ``stored``; False when nothing differs."""
    changed = {k: v for k, v in row.values.items() if getattr(stored, k) != v}
    if not changed:
        return False
    org = session.get(Organization, stored.id)
    for key, value in changed.items():
        setattr(org, key, value)
    if "name" in changed or "org_type" in changed:
        apply_parsed_parts(org)
        _reindex(session, org)
    return True


def _former_names_of(session: Session, org_ids: list[uuid.UUID]) -> dict[tuple[uuid.UUID, str], OrganizationName]:
    found = {}
    for chunk in _chunks(org_ids):
        for entry in session.scalars(select(OrganizationName).where(
                OrganizationName.organization_id.in_(chunk), OrganizationName.is_current.is_(False))):
            found[(entry.organization_id, entry.name)] = entry
    return found


def _write(session: Session, plan: _Plan, progress: Progress) -> ImportSummary:
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    total = len(plan.new) + len(plan.matched) + len(plan.formers)
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n
        progress.report(done, total, "写入")
        stop_if_cancelled(progress)

    for row, stored in plan.matched:
        counts["updated" if _update(session, row, stored) else "unchanged"] += 1
    session.flush()
    advance(len(plan.matched))

    formers_of_new: dict[str, list[FormerName]] = {}
    known = _former_names_of(session, sorted({org_id for _, org_id in plan.formers if org_id is not None}))
    pending: list[tuple[uuid.UUID, str, FormerName]] = []
    for row, org_id in plan.formers:
        former = FormerName(row.values["name"], row.values["status_changed_on"])
        entry = known.get((org_id, normalize_name(former.name)))
        if org_id is None:
            formers_of_new.setdefault(row.values["credit_code"], []).append(former)
            counts["added"] += 1
        elif entry is None:
            pending.append((org_id, row.values["org_type"], former))
            counts["added"] += 1
        elif entry.renamed_on != former.renamed_on:
            entry.renamed_on = former.renamed_on
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    session.flush()
    bulk_add_former_names(session, pending)
    advance(len(plan.formers))

    records = [
        OrganizationRecord(**(row.values | {"former_names": tuple(formers_of_new.get(row.values.get("credit_code"), ()))}))
        for row in plan.new
    ]
    bulk_add_organizations(session, records, on_chunk=advance)
    counts["added"] += len(records)
    return ImportSummary(**counts)


def import_registry(store: Store, path: Path | str, *, actor: str, progress: Progress | None = None) -> ImportSummary:
    """Import the file in one write transaction; raise ``ImportRejected`` (nothing imported)
    listing every bad row if any row is bad."""
    path = Path(path)
    progress = progress or SILENT
    checked = _read(path, progress)
    with store.write() as session:
        plan = _match(session, checked.rows, checked.problems)
        if checked.problems:
            raise ImportRejected(path.name, sorted(checked.problems, key=lambda p: p.row))
        summary = _write(session, plan, progress)
        record_event(session, actor=actor, action="registry.import", record_type="registry", record_id=path.name,
                     after={"file": path.name, "added": summary.added, "updated": summary.updated,
                            "unchanged": summary.unchanged})
    return summary
