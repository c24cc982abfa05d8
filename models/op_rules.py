"""What the centre accepts in an op (同步数据规则): its shape, each value's type and length, the
registry's enums, the characters no value may hold, and a cap on each payload's size.

The same rules run in three places, with the same Chinese reasons:

- when a write is queued (``models.outbox``): a value the centre would refuse refuses the write
  itself, where it is typed or imported, with the field named;
- before a push (``sync.push``): an op an older version queued unchecked is refused alone and
  becomes a notice, and the ops behind it go on;
- at the centre, in the SECURITY DEFINER functions (central migration c0004 holds a frozen copy
  of these rules in ``central.column_rules``; tests/test_sync_validation.py checks they agree).

Values of the window's own tables are checked for type, length and characters; a column the
centre does not know (a newer window) is checked as plain text or number, and a column missing
from a window's own record is no fault (the centre only keeps the record). What the centre
keeps in tables of its own — a registry organization (登记库) and a window's signing key — is
checked in full: every required column, the enums, and the name index and former names entry
by entry, so that no window can store a row that breaks another window's pull.

Characters refused: control characters other than tab and line feed (Cc), invisible format
characters such as zero-width spaces and bidirectional overrides (Cf), private-use (Co) and
surrogate (Cs) code points — what ``forms.text`` refuses where text is typed, less the emoji and
unassigned code points the centre cannot tell (typing refuses those too).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, Uuid

from models.registry import OrgStatus

PAYLOAD_LIMIT_BYTES = 1 << 20
"""The largest payload of one op, in bytes of its JSON text (as PostgreSQL prints jsonb)."""
TEXT_LIMIT = 20_000
"""Characters of a Text column (宗旨, notes, reasons) and of a column the centre does not know."""
LONG_TEXT = {("audit_events", "summary"): 100_000}
INTEGER_DIGITS = 18

ORG_TYPES = ("社会团体", "民办非企业单位", "基金会")

REFUSED_RANGES: dict[str, tuple[tuple[int, int], ...]] = {
    "控制字符": ((0x00, 0x08), (0x0B, 0x1F), (0x7F, 0x9F)),
    "不可见的格式字符": (
        (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
        (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
        (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
        (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001),
        (0xE0020, 0xE007F)),
    "私用区字符": ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD)),
    "无法识别的字符": ((0xD800, 0xDFFF),),  # lone surrogates: PostgreSQL cannot even hold them
}
"""Unicode 14 (Python 3.11); the centre's copy leaves out the surrogates, which PostgreSQL text
cannot hold."""

ENVELOPE = ("window", "op_id", "table_name", "row_id", "op", "row_version", "base_version", "registry_cursor",
            "payload")
OPS = ("insert", "update", "delete")

TABLE_LABELS = {
    "organizations": "登记库组织", "cases": "办件", "case_scope_items": "办件业务范围", "case_persons": "办件人员",
    "case_materials": "办件材料", "case_attachments": "办件附件", "case_steps": "办件环节", "case_counters": "办件编号",
    "print_records": "打印记录", "audit_events": "操作日志", "window_keys": "窗口签名密钥",
    "organization_versions": "登记事项版本", "name_reservations": "名称保留",
}

LABELS = {
    "id": "编号", "created_at": "创建时间", "updated_at": "修改时间", "row_version": "版本号",
    "name": "名称", "org_type": "组织类型", "status": "登记状态", "status_changed_on": "状态变更日期",
    "credit_code": "统一社会信用代码", "field": "行(事)业领域", "form": "组织形式", "zihao": "字号",
    "street_code": "街道代码", "address": "住所", "legal_representative": "法定代表人", "sponsor": "业务主管单位",
    "established_on": "成立日期", "certificate_valid_until": "证书有效期", "rating": "评估等级",
    "on_abnormal_list": "是否列入异常名录", "on_dishonest_list": "是否列入失信名单", "former_names": "曾用名",
    "name_index": "名称索引", "is_current": "是否现名", "renamed_on": "更名日期", "compare_key": "比对字号",
    "compare_pinyin": "比对拼音",
    "case_no": "办件编号", "business_type": "业务类型", "state": "办件状态", "resume_state": "补正后返回的环节",
    "window_code": "窗口代码", "accepted_by": "受理人", "accepted_at": "受理时间", "applicant": "申请人",
    "applicant_phone": "申请人电话", "due_date": "承诺办结日期", "statutory_due_date": "法定办结日期",
    "stopped_since": "计时暂停日期", "stopped_working_days": "暂停工作日数", "stopped_calendar_days": "暂停自然日数",
    "purpose": "宗旨", "activity_area": "活动地域", "funds_yuan": "注册资金", "sponsor_consent_doc_no": "业务主管单位批准文号",
    "sponsor_consent_date": "业务主管单位批准日期", "direct_category": "直接登记类别", "direct_justification": "直接登记理由",
    "individual_members": "个人会员数", "unit_members": "单位会员数", "premises_document": "住所证明文件",
    "premises_valid_until": "住所使用期限", "name_warnings_ack_by": "名称提示确认人",
    "name_warnings_ack_at": "名称提示确认时间", "organization_id": "登记库组织编号", "approved_by": "核准人",
    "approved_on": "核准日期", "closed_on": "办结日期",
    "case_id": "办件编号", "position": "序号", "catalogue_code": "目录编码", "text": "内容",
    "approval_doc_no": "前置审批文号", "approval_date": "前置审批日期", "id_number": "身份证号",
    "birth_date": "出生日期", "phone": "电话", "roles": "身份", "title": "拟任职务", "appointed_on": "任职日期",
    "item_code": "材料代码", "label": "材料名称", "received": "是否已收", "received_on": "收件日期",
    "material_id": "材料编号", "original_name": "原文件名", "stored_path": "存放路径", "sha256": "文件摘要",
    "size_bytes": "文件大小", "media_type": "文件类型", "added_by": "添加人", "seq": "序号", "action": "操作",
    "from_state": "原环节", "to_state": "新环节", "actor": "操作人", "at": "时间", "note": "说明", "reasons": "理由",
    "year": "年度", "last_seq": "最后流水号", "document": "文书", "copy": "正副本", "event": "打印类别",
    "copy_number": "份次", "printer": "打印机", "serial": "证件印制号", "reason": "原因", "voids_id": "作废的打印记录",
    "voided": "是否作废", "record_type": "对象类别", "record_id": "对象编号", "summary": "内容摘要",
    "prev_hash": "前一条摘要", "hash": "摘要", "key_id": "公钥编号", "public_key": "公钥",
    "name_override_reason": "名称未通过核准仍予受理的理由", "collector_kind": "领证人类别",
    "collector_name": "领证人姓名", "collector_id_number": "领证人身份证号", "collected_at": "领证时间",
    "opinion": "审查意见", "changes": "更正内容", "changed_items": "变更事项",
    "version_no": "版本序号", "business": "业务", "effective_on": "生效日期", "scope": "业务范围", "persons": "在任人员",
    "reserved_by": "保留人", "reserved_on": "保留日期", "expires_on": "保留期满日期", "ended_on": "保留结束日期",
    "end_reason": "保留结束原因",
}
TABLE_COLUMN_LABELS = {("case_persons", "name"): "姓名", ("case_steps", "action"): "环节操作"}

_KINDS = ((Uuid, "uuid"), (DateTime, "timestamp"), (Date, "date"), (Boolean, "boolean"), (Integer, "integer"),
          (Text, "text"), (String, "text"))


@dataclass(frozen=True)
class Rule:
    """What one column (or one field of a name-index entry or former name) may hold."""

    scope: str  # a table name, or "organizations.name_index" / "organizations.former_names"
    column: str
    kind: str  # text | integer | boolean | date | timestamp | uuid | records
    max_length: int | None
    nullable: bool
    required: bool
    choices: tuple[str, ...] | None
    label: str


def _kind(column) -> str:
    return next(kind for sqltype, kind in _KINDS if isinstance(column.type, sqltype))


def _max_length(table: str, column) -> int | None:
    if isinstance(column.type, String) and not isinstance(column.type, Text) and column.type.length:
        return column.type.length
    if isinstance(column.type, String):
        return LONG_TEXT.get((table, column.name), TEXT_LIMIT)
    return None


def _label(table: str, column: str) -> str:
    return TABLE_COLUMN_LABELS.get((table, column)) or LABELS.get(column, column)


_ORG_CHOICES = {"org_type": ORG_TYPES, "status": tuple(s.value for s in OrgStatus)}
VERSIONS = "organization_versions"
# A version of an organization's registered record travels with its record (a JSON column of the
# row, registry/records.py) spread into fields of its own, so that the centre checks each item.
_VERSION_ITEMS = (
    ("name", "text", 200, False, True, None), ("address", "text", 200, False, True, None),
    ("street_code", "text", 9, False, True, None), ("activity_area", "text", 100, False, True, None),
    ("scope", "records", None, False, True, None), ("funds_yuan", "integer", None, True, True, None),
    ("sponsor", "text", 100, False, True, None), ("direct_category", "text", 16, False, True, None),
    ("legal_representative", "text", 64, False, True, None), ("purpose", "text", TEXT_LIMIT, False, True, None),
    ("persons", "records", None, False, True, None),
)
_NESTED = (
    ("organizations.former_names", (("name", "text", 200, False, True, None), ("renamed_on", "date", None, True, True, None))),
    ("organizations.name_index", (
        ("name", "text", 200, False, True, None), ("is_current", "boolean", None, False, True, None),
        ("renamed_on", "date", None, True, True, None), ("org_type", "text", 16, True, False, ORG_TYPES),
        ("compare_key", "text", 100, False, True, None), ("compare_pinyin", "text", 400, False, True, None),
        ("field", "text", 32, False, True, None), ("form", "text", 16, False, True, None))),
    (f"{VERSIONS}.scope", (("text", "text", 200, False, True, None), ("approval_doc_no", "text", 64, False, True, None),
                           ("approval_date", "date", None, True, True, None))),
    (f"{VERSIONS}.persons", (("name", "text", 64, False, True, None), ("id_number", "text", 18, False, True, None),
                             ("roles", "text", 64, False, True, None), ("title", "text", 32, False, True, None),
                             ("appointed_on", "date", None, True, True, None))),
)
NESTED_LABELS = {(f"{VERSIONS}.scope", "text"): "业务范围", (f"{VERSIONS}.persons", "name"): "姓名",
                 (f"{VERSIONS}.persons", "title"): "职务"}


@cache
def rules() -> dict[str, dict[str, Rule]]:
    """Every rule by scope and column: the synced tables' columns, from the models."""
    import models.tables  # noqa: F401  (every table in the metadata)
    from models.base import Base
    from models.outbox import CENTRE_TABLES, SYNCED_TABLES

    found: dict[str, dict[str, Rule]] = {}
    for name in sorted(SYNCED_TABLES):
        strict = name in CENTRE_TABLES
        found[name] = {
            c.name: Rule(name, c.name, _kind(c), _max_length(name, c), bool(c.nullable), strict and not c.nullable,
                         _ORG_CHOICES.get(c.name) if name == "organizations" else None, _label(name, c.name))
            for c in Base.metadata.tables[name].columns}
    found["organizations"]["former_names"] = Rule("organizations", "former_names", "records", None, False, True,
                                                  None, LABELS["former_names"])
    found["organizations"]["name_index"] = Rule("organizations", "name_index", "records", None, True, False, None,
                                                LABELS["name_index"])
    del found[VERSIONS]["record"]
    found[VERSIONS] |= {column: Rule(VERSIONS, column, kind, length, nullable, required, choices, LABELS[column])
                        for column, kind, length, nullable, required, choices in _VERSION_ITEMS}
    for scope, fields in _NESTED:
        found[scope] = {column: Rule(scope, column, kind, length, nullable, required, choices,
                                     NESTED_LABELS.get((scope, column)) or LABELS[column])
                        for column, kind, length, nullable, required, choices in fields}
    return found


def pushed_payload(table: str, payload: dict) -> dict:
    """A row as the push sends it: a version's record spread into the version's fields."""
    if table == VERSIONS and isinstance(payload.get("record"), str):
        return {k: v for k, v in payload.items() if k != "record"} | json.loads(payload["record"])
    return payload


def _class(ranges: tuple[tuple[int, int], ...]) -> str:
    return "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)


_REFUSED = re.compile("[" + "".join(_class(r) for r in REFUSED_RANGES.values()) + "]")
_WHAT = [(re.compile("[" + _class(r) + "]"), what) for what, r in REFUSED_RANGES.items()]
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?")
_CURSOR = re.compile(r"[0-9]{1,20}:[0-9]{1,19}")
_KEY = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def refused_character(text: str) -> str | None:
    """"含有控制字符（U+0000）" for the first character of ``text`` no value may hold, else None."""
    found = _REFUSED.search(text)
    if found is None:
        return None
    ch = found.group()
    what = next(w for pattern, w in _WHAT if pattern.fullmatch(ch))
    return f"含有{what}（U+{ord(ch):04X}）"


def payload_bytes(payload: Any) -> int:
    """The size of ``payload`` as PostgreSQL prints it as jsonb (what the centre measures)."""
    return len(json.dumps(payload, ensure_ascii=False, separators=(", ", ": ")).encode("utf-8"))


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) <= INTEGER_DIGITS


def _parses(parse, text: str) -> bool:
    """Whether ``parse`` (date.fromisoformat, datetime.fromisoformat) takes ``text``."""
    try:
        parse(text)
    except ValueError:
        return False
    return True


def _text_problem(label: str, value: str, max_length: int | None, choices: tuple[str, ...] | None) -> str | None:
    if max_length is not None and len(value) > max_length:
        return f"{label}超过 {max_length} 个字符（现有 {len(value)} 个）"
    refused = refused_character(value)
    if refused is not None:
        return label + refused
    if choices is not None and value not in choices:
        return f"{label}“{value}”不是可选的值（{'、'.join(choices)}）"
    return None


def value_problem(rule: Rule, value: Any) -> str | None:
    """Why ``value`` cannot be ``rule``'s column, or None."""
    label = rule.label
    if value is None:
        return None if rule.nullable else f"{label}不能为空"
    kind = rule.kind
    if kind == "text":
        if not isinstance(value, str):
            return f"{label}应为文字"
        return _text_problem(label, value, rule.max_length, rule.choices)
    if kind == "integer":
        return None if _is_integer(value) else f"{label}应为整数"
    if kind == "boolean":
        return None if isinstance(value, bool) else f"{label}应为 true 或 false"
    if kind == "date":
        ok = isinstance(value, str) and _DATE.fullmatch(value) and _parses(date.fromisoformat, value)
        return None if ok else f"{label}应为日期（YYYY-MM-DD）"
    if kind == "timestamp":
        ok = isinstance(value, str) and _TIMESTAMP.fullmatch(value) and _parses(datetime.fromisoformat, value)
        return None if ok else f"{label}应为时间（YYYY-MM-DDTHH:MM:SS）"
    if kind == "uuid":
        return None if isinstance(value, str) and _UUID.fullmatch(value) else f"{label}应为编号（UUID）"
    return _records_problem(rule, value)


def _records_problem(rule: Rule, value: Any) -> str | None:
    if not isinstance(value, list):
        return f"{rule.label}应为列表"
    scope = f"{rule.scope}.{rule.column}"
    for n, entry in enumerate(value, start=1):
        if not isinstance(entry, dict):
            return f"{rule.label}第 {n} 项应为对象"
        problem = object_problem(scope, entry)
        if problem is not None:
            return f"{rule.label}第 {n} 项：{problem}"
    return None


def _unknown_problem(key: str, value: Any) -> str | None:
    """A field the centre has no rule for (a newer window's column): a plain value, checked as text."""
    if not _KEY.fullmatch(key):
        return "字段名" + (refused_character(key) or "不对")
    if isinstance(value, str):
        return _text_problem(f"字段“{key}”", value, TEXT_LIMIT, None)
    if value is None or isinstance(value, bool | int | float):
        return None
    return f"字段“{key}”应为文字、数字或 true/false"


def _jsonb_order(key: str) -> tuple[int, bytes]:
    """The order jsonb keeps an object's keys in: shorter first, then byte by byte."""
    raw = key.encode("utf-8", "surrogatepass")
    return len(raw), raw


def object_problem(scope: str, obj: dict) -> str | None:
    """The first problem of a record of ``scope`` (a table, or a nested list's entries): unknown
    fields first, then each known field in the table's column order, then the missing ones."""
    known = rules()[scope]
    for key in sorted(obj, key=_jsonb_order):
        if key not in known:
            problem = _unknown_problem(key, obj[key])
            if problem is not None:
                return problem
    for column, rule in known.items():
        if column in obj:
            problem = value_problem(rule, obj[column])
            if problem is not None:
                return problem
    for column, rule in known.items():
        if rule.required and column not in obj:
            return f"缺少{rule.label}"
    return None


def row_problem(table: str, payload: dict) -> str | None:
    """Why the centre would refuse this row of ``table`` as a payload (models.outbox queues it)."""
    size = payload_bytes(payload)
    if size > PAYLOAD_LIMIT_BYTES:
        return f"数据超过 {PAYLOAD_LIMIT_BYTES} 字节的上限（{size} 字节）"
    if table == "organizations":  # former names and the name index join the row when it is pushed
        payload = {"former_names": []} | payload
    return object_problem(table, pushed_payload(table, payload))


def envelope_problem(op: Any) -> str | None:
    """Why the centre cannot take ``op`` as an op, leaving its payload's values aside (that the op
    is signed by the calling window is checked for the whole batch)."""
    if not isinstance(op, dict):
        return "操作应为 JSON 对象"
    if set(op) - set(ENVELOPE):
        return "操作中有不认识的项"
    op_id, table, row_id = op.get("op_id"), op.get("table_name"), op.get("row_id")
    if not (isinstance(op_id, str) and _UUID.fullmatch(op_id)):
        return "操作编号应为 UUID"
    if not isinstance(table, str) or table not in rules() or "." in table:
        return "数据表不是同步的数据表"
    if not (isinstance(row_id, str) and _UUID.fullmatch(row_id)):
        return "记录编号应为 UUID"
    if op.get("op") not in OPS:
        return "操作类别应为 insert、update 或 delete"
    version, base = op.get("row_version"), op.get("base_version")
    if not (_is_integer(version) and 1 <= version <= 2**31 - 1):
        return "版本号应为正整数"
    if not (_is_integer(base) and 0 <= base <= version):
        return "依据的版本号应为 0 至版本号之间的整数"
    cursor = op.get("registry_cursor")
    if cursor is not None and not (isinstance(cursor, str) and _CURSOR.fullmatch(cursor)):
        return "登记库位置格式不对"
    payload = op.get("payload")
    if op["op"] == "delete":
        return None if payload is None else "删除操作不能带数据"
    if not isinstance(payload, dict):
        return "数据应为 JSON 对象"
    size = payload_bytes(payload)
    if size > PAYLOAD_LIMIT_BYTES:
        return f"数据超过 {PAYLOAD_LIMIT_BYTES} 字节的上限（{size} 字节）"
    if payload.get("id") != row_id:
        return "数据中的编号与记录编号不符"
    if "row_version" in payload and (payload["row_version"] != version or isinstance(payload["row_version"], bool)):
        return "数据中的版本号与操作不符"
    return None


def op_problem(op: Any) -> str | None:
    """Why the centre refuses ``op`` (as JSON values), or None."""
    problem = envelope_problem(op)
    if problem is None and op["payload"] is not None:
        problem = object_problem(op["table_name"], op["payload"])
    return problem


