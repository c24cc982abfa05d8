"""The centre checks every op a window sends, with the window's own rules (models.op_rules):
arbitrary JSON ops through a window's role straight to ``sync_push_v2`` never abort a batch for
another op's fault, never leave an invalid row at the centre, and every window still pulls."""

from __future__ import annotations

import json
import os
import unicodedata
import uuid
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sync_fixtures import centre, copy_window, file_keyring, make_window, private_server, push_raw  # noqa: F401

from forms.text import TextRefused, normalize_text
from models.op_rules import REFUSED_RANGES, object_problem, op_problem, refused_character, rules
from sync.runner import run_sync

EXAMPLES = int(os.environ.get("SOREG_VALIDATION_EXAMPLES", "40"))
NOW = "2026-11-20T09:00:00"


def test_the_centre_holds_the_windows_rules(centre):
    """central.column_rules (a frozen copy made by migration c0004) equals models.op_rules: a model
    change that alters what the window sends needs a central migration too."""
    with centre.admin() as conn:
        central = {(scope, column): (kind, length, nullable, required, tuple(choices) if choices else None, label)
                   for scope, column, kind, length, nullable, required, choices, label in conn.execute(
                       "SELECT scope, column_name, kind, max_length, nullable, required, choices, label"
                       " FROM central.column_rules")}
        order = conn.execute("SELECT scope, array_agg(column_name ORDER BY position) FROM central.column_rules"
                             " GROUP BY scope").fetchall()
    window = {(r.scope, r.column): (r.kind, r.max_length, r.nullable, r.required, r.choices, r.label)
              for table in rules().values() for r in table.values()}
    assert central == window
    assert dict(order) == {scope: list(columns) for scope, columns in rules().items()}


def test_the_refused_characters_are_what_typing_refuses():
    """Every control, format, private-use and surrogate code point of this Python's Unicode is
    refused (tab and line feed aside); typing (forms.text) refuses each of them too, or turns it
    into a line break."""
    refused = {code for ranges in REFUSED_RANGES.values() for a, b in ranges for code in range(a, b + 1)}
    expected = {code for code in range(0x110000) if unicodedata.category(chr(code)) in ("Cc", "Cf", "Co", "Cs")
                and chr(code) not in "\t\n"}
    assert refused == expected
    for code in sorted(refused)[::97] + [0, 0x0D, 0x85, 0x200B, 0x202E, 0xFEFF, 0xE000]:
        ch = chr(code)
        assert refused_character(f"晨曦{ch}") is not None
        try:
            typed = normalize_text(f"晨曦{ch}社区")
        except TextRefused:
            continue
        assert ch not in typed and ch in "\r\x85", hex(code)


# -- arbitrary ops -----------------------------------------------------------------------------

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**20, 10**20),
                         st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=6)
refused_chars = st.sampled_from(["\x00", "\x01", "\x1b", "\r", "\x7f", "\x85", "\u200b", "\u202e", "\ufeff", "\ue000",
                                 "\U000e0041"])


def _organization(row_id: str, n: int) -> dict:
    name = f"上海市长宁区第{n}社区服务中心"
    return {"id": row_id, "created_at": NOW, "updated_at": NOW, "row_version": 1, "name": name,
            "org_type": "民办非企业单位", "status": "正常", "status_changed_on": None, "credit_code": None,
            "field": "社区服务", "form": "中心", "zihao": f"第{n}", "street_code": None, "address": None,
            "legal_representative": None, "sponsor": None, "established_on": "2026-11-20",
            "certificate_valid_until": None, "rating": None, "on_abnormal_list": False, "on_dishonest_list": False,
            "former_names": [{"name": f"上海市长宁区旧{n}社区服务中心", "renamed_on": "2025-01-02"}],
            "name_index": [{"name": name, "is_current": True, "renamed_on": None, "org_type": "民办非企业单位",
                            "compare_key": f"第{n}", "compare_pinyin": f"di{n}", "field": "社区服务", "form": "中心"}]}


def _payload(table: str, row_id: str, n: int) -> dict:
    if table == "organizations":
        return _organization(row_id, n)
    if table == "window_keys":
        return {"id": row_id, "created_at": NOW, "updated_at": NOW, "row_version": 1, "key_id": f"W01-{n:06X}",
                "window_code": "W01", "public_key": "ab" * 32}
    if table == "audit_events":
        return {"id": row_id, "created_at": NOW, "updated_at": NOW, "row_version": 1, "seq": n, "actor": "clerk",
                "action": "case.note", "record_type": "case", "record_id": f"c{n}", "summary": "{}",
                "prev_hash": "0" * 64, "hash": "1" * 64}
    return {"id": row_id, "created_at": NOW, "updated_at": NOW, "row_version": 1, "name": "乐龄社区服务中心",
            "funds_yuan": 30000, "due_date": "2026-12-18"}


@st.composite
def ops(draw) -> dict | list | str | int | None:
    """A valid op of a window table, the registry or the window keys, then a few careless or
    hostile changes; now and then no op at all."""
    if draw(st.integers(0, 15)) == 0:
        return draw(st.one_of(json_scalars, st.lists(json_scalars, max_size=2)))
    table = draw(st.sampled_from(["cases", "audit_events", "case_persons", "organizations", "organizations",
                                  "window_keys"]))
    row_id, n = str(uuid.uuid4()), draw(st.integers(1, 10**6))
    op = {"window": "W01", "op_id": str(uuid.uuid4()), "table_name": table, "row_id": row_id, "op": "insert",
          "row_version": 1, "base_version": 0, "registry_cursor": None, "payload": _payload(table, row_id, n)}
    for _ in range(draw(st.integers(0, 2))):
        payload = op["payload"] if isinstance(op.get("payload"), dict) else None
        target = op if payload is None or draw(st.booleans()) else payload
        keys = sorted(target) + ["extra"]
        key = draw(st.sampled_from(keys))
        if key == "window":
            continue  # an op signed by another window refuses the whole batch, by design
        how = draw(st.sampled_from(["value", "drop", "char", "long", "entry"]))
        if how == "value":
            target[key] = draw(json_values)
        elif how == "drop":
            target.pop(key, None)
        elif how == "char" and isinstance(target.get(key), str):
            text = target[key]
            at = draw(st.integers(0, len(text)))
            target[key] = text[:at] + draw(refused_chars) + text[at:]
        elif how == "long" and isinstance(target.get(key), str):
            target[key] = target[key] + "长" * draw(st.sampled_from([200, 20_000, 400_000]))
        elif how == "entry" and payload is not None and isinstance(payload.get("name_index"), list):
            entry = payload["name_index"][0]
            entry[draw(st.sampled_from(sorted(entry) + ["extra"]))] = draw(json_values)
    return op


def _has_nul(op) -> bool:
    return "\\u0000" in json.dumps(op)


APPLY_REASONS = ("窗口只能登记自己的签名公钥", "公钥编号", "登记库中的组织不能由窗口删除")


def _answered_op_id(op) -> str | None:
    """The op id the centre's answer carries: its first 64 characters; none for an id the centre
    cannot even read (a NUL in it), whose refusal is answered without one."""
    op_id = op.get("op_id") if isinstance(op, dict) else None
    return op_id[:64] if isinstance(op_id, str) and "\x00" not in op_id else None


def _check_answer(batch: list, answer: dict) -> None:
    """Each op's answer is the window's own verdict (models.op_rules), or the registry's decision."""
    problems: dict[str, list] = {}
    for p in answer["problems"]:
        problems.setdefault(p["op_id"], []).append(p)
    answered_as = [_answered_op_id(op) for op in batch]
    op_ids = Counter(answered_as)
    for op, op_id in zip(batch, answered_as, strict=True):
        if not isinstance(op.get("op_id") if isinstance(op, dict) else None, str) or op_ids[op_id] > 1:
            continue
        expected = op_problem(op)
        found = problems.get(op_id, [])
        if expected is not None:
            assert [p["status"] for p in found] == ["rejected"], (op, found)
            want = "含有空字符（U+0000），数据库不能保存" if _has_nul(op) else expected
            assert found[0]["reason"] == want, (op, found)
        else:
            assert all(p["status"] == "review" or p["reason"].startswith(APPLY_REASONS) for p in found), (op, found)


def _stored_rows_are_valid(centre) -> None:
    with centre.admin() as conn:
        orgs = [r[0] for r in conn.execute("SELECT to_jsonb(o) FROM central.organizations o")]
        records = conn.execute("SELECT table_name, payload FROM central.window_records WHERE NOT deleted").fetchall()
        keys = [r[0] for r in conn.execute("SELECT to_jsonb(k) FROM central.window_keys k")]
    for org in orgs:
        assert object_problem("organizations", org) is None, org
    for key in keys:
        assert object_problem("window_keys", key) is None, key
    for table, payload in records:
        assert object_problem(table, payload) is None, (table, payload)


_TEMPLATES: dict = {}


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
@given(batch=st.lists(ops(), min_size=1, max_size=8))
def test_arbitrary_ops_are_refused_alone_and_every_window_still_pulls(batch, centre, file_keyring, tmp_path):
    if _TEMPLATES.get("centre") is not centre:
        templates = {}
        for code in ("W01", "W02"):
            store, cfg = make_window(tmp_path / "templates", centre, code)
            store.close()
            templates[code] = (store.path, cfg)
        _TEMPLATES.update(centre=centre, templates=templates)
    centre.reset()
    with centre.window_conn("W01") as conn:
        answer = push_raw(conn, batch)  # never raises: no op aborts the batch
    _check_answer(batch, answer)
    _stored_rows_are_valid(centre)
    centre.drain()
    run = tmp_path / uuid.uuid4().hex
    for code, (path, cfg) in _TEMPLATES["templates"].items():
        store = copy_window(path, run / f"{code}.sqlite3")
        try:
            run_sync(store, cfg)  # every window's pull still works
        finally:
            store.close()


def test_an_op_id_the_centre_cannot_read_is_refused_without_one(centre):
    """A NUL in the op id: the centre cannot store the id, so it refuses the op and answers without
    it, next to the other ops of the batch (found by the property test above)."""
    ops = []
    for n, op_id in enumerate(("\x00" + str(uuid.uuid4()), str(uuid.uuid4()))):
        row_id = str(uuid.uuid4())
        ops.append({"window": "W01", "op_id": op_id, "table_name": "cases", "row_id": row_id, "op": "insert",
                    "row_version": 1, "base_version": 0, "registry_cursor": None,
                    "payload": _payload("cases", row_id, n)})
    centre.add_window("W01")
    with centre.window_conn("W01") as conn:
        answer = push_raw(conn, ops)
    refused = [p for p in answer["problems"] if p["status"] == "rejected"]
    assert [(p["op_id"], p["reason"]) for p in refused if p["op_id"] is None] == [
        (None, "含有空字符（U+0000），数据库不能保存")]
    _check_answer(ops, answer)


@pytest.mark.parametrize("mutate, reason", [
    (lambda op: op["payload"].update(established_on="2026-02-30"), "成立日期应为日期（YYYY-MM-DD）"),
    (lambda op: op["payload"].update(status="吊销"), "登记状态“吊销”不是可选的值（正常、已注销、已撤销）"),
    (lambda op: op["payload"].update(name="晨曦\u202e社区"), "名称含有不可见的格式字符（U+202E）"),
    (lambda op: op["payload"].update(on_abnormal_list="maybe"), "是否列入异常名录应为 true 或 false"),
    (lambda op: op["payload"].pop("org_type"), "缺少组织类型"),
    (lambda op: op["payload"]["former_names"].append({"name": "x", "renamed_on": 5}),
     "曾用名第 2 项：更名日期应为日期（YYYY-MM-DD）"),
    (lambda op: op.update(row_version=0), "版本号应为正整数"),
    (lambda op: op.update(op="upsert"), "操作类别应为 insert、update 或 delete"),
    (lambda op: op["payload"].update(id=str(uuid.uuid4())), "数据中的编号与记录编号不符"),
])
def test_each_rule_is_told_alike_by_the_window_and_the_centre(centre, mutate, reason):
    centre.add_window("W01")
    row_id = str(uuid.uuid4())
    op = {"window": "W01", "op_id": str(uuid.uuid4()), "table_name": "organizations", "row_id": row_id,
          "op": "insert", "row_version": 1, "base_version": 0, "registry_cursor": None,
          "payload": _organization(row_id, 1)}
    assert op_problem(op) is None
    mutate(op)
    assert op_problem(op) == reason
    with centre.window_conn("W01") as conn:
        answer = push_raw(conn, [op])
    assert [(p["status"], p["reason"]) for p in answer["problems"]] == [("rejected", reason)]
    with centre.admin() as conn:
        assert conn.execute("SELECT count(*) FROM central.organizations").fetchone()[0] == 0
