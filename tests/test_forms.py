"""The intake form: every field takes arbitrary text without crashing, reports each invalid value
in Chinese naming the field, and an invalid form saves nothing."""

from __future__ import annotations

import copy
import re
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from forms.intake import ORGANIZATION_FIELDS, PERSON_FIELDS, SCOPE_FIELDS, IntakeInvalid, read_intake, validate_intake
from forms.materials import checklist, required_items
from models.cases import Case, CaseCounter
from models.errors import SoregError
from tests.workflow_fixtures import GROUP_FORM, SERVICE_FORM, id_number, make_window
from workflow.intake import open_case

CJK = re.compile(r"[\u4e00-\u9fff]")


def _slots():
    """Every field of the form, as (part, index, key, label)."""
    yield from (("organization", None, f.key, f.label) for f in ORGANIZATION_FIELDS)
    yield from (("scope_items", 0, f.key, f.label) for f in SCOPE_FIELDS)
    yield from (("persons", 0, f.key, f.label) for f in PERSON_FIELDS)


SLOTS = list(_slots())


def _with(data: dict, slot, value: str) -> dict:
    part, index, key, _ = slot
    data = copy.deepcopy(data)
    target = data[part] if index is None else data[part][index]
    target[key] = value
    return data


def test_the_sample_forms_are_valid():
    assert validate_intake(GROUP_FORM) == [] and validate_intake(SERVICE_FORM) == []
    intake = read_intake(GROUP_FORM)
    assert intake.organization["funds_yuan"] == 30000 and intake.organization["street_code"] == "310105001"
    assert intake.persons[0]["birth_date"] == date(1960, 5, 1)
    assert intake.legal_representative == "李建国"


@settings(max_examples=300, deadline=None)
@given(slot=st.sampled_from(SLOTS), value=st.text(max_size=80))
def test_arbitrary_text_in_any_field_is_accepted_or_reported_in_chinese(slot, value):
    base = GROUP_FORM if slot[0] != "scope_items" else SERVICE_FORM
    errors = validate_intake(_with(base, slot, value))
    part, index, key, _ = slot
    own_path = key if index is None else f"{part}[{index}].{key}"
    for error in errors:
        assert CJK.search(error.message), error
        assert error.label in error.message  # the message names the field
        # the base form is valid: every error is about the changed field, or a rule across its part
        assert error.path in (own_path, part, f"{part}[{index}].text"), error
    if errors:
        with pytest.raises(IntakeInvalid) as raised:
            read_intake(_with(base, slot, value))
        assert str(raised.value).startswith(errors[0].message)


@pytest.mark.parametrize(("slot_key", "value", "expected"), [
    ("funds_yuan", "三万", "“注册资金/开办资金（元）”应为不小于 0 的整数"),
    ("funds_yuan", "-1", "应为不小于 0 的整数"),
    ("sponsor_consent_date", "2026-02-30", "“业务主管单位批准日期”不是一个存在的日期"),
    ("sponsor_consent_date", "下周", "格式 YYYY-MM-DD"),
    ("street_code", "静安寺街道", "“所属街镇”应为本区的街道或镇"),
    ("name", "ABC Association", "“拟定名称”应使用中文填写"),
    ("name", "", "“拟定名称”不能为空"),
    ("applicant_phone", "12345", "“申请人电话”应为 11 位手机号或固定电话"),
    ("applicant_phone", "1\u0663812345678", "“申请人电话”应为 11 位手机号或固定电话"),  # an Arabic-Indic digit
    ("sponsor_consent_date", "\u0662\u0660\u0662\u0666-01-01", "格式 YYYY-MM-DD"),
    ("direct_category", "文化类", "“直接登记类别”应从以下选项中选择：行业协会商会类"),
    ("address", "上海\x00市", "“住所”含有控制字符（U+0000）"),
    ("purpose", "宗" * 501, "“宗旨”最多 500 个字"),
])
def test_invalid_organization_items_say_what_to_do(slot_key, value, expected):
    errors = validate_intake(_with(GROUP_FORM, ("organization", None, slot_key, ""), value))
    assert len(errors) == 1 and expected in errors[0].message
    assert errors[0].path == slot_key


def test_id_number_errors_are_specific():
    good = id_number(date(1980, 2, 29))
    cases = {
        good[:-1] + ("1" if good[-1] != "1" else "2"): "校验位（最后一位）不正确",
        good[:17]: "应为 18 位，现为 17 位",
        "31010519810229123X": "出生日期不存在",
        "3101051981022912AB": "前 17 位应为数字",
    }
    for number, expected in cases.items():
        errors = validate_intake(_with(GROUP_FORM, ("persons", 0, "id_number", ""), number))
        assert [e.path for e in errors] == ["persons[0].id_number"], number
        assert errors[0].message.startswith("“第 1 位人员的身份证号”") and expected in errors[0].message
    assert validate_intake(_with(GROUP_FORM, ("persons", 0, "id_number", ""), good.lower())) == []


def test_cross_field_rules():
    data = copy.deepcopy(GROUP_FORM)
    data["persons"][1]["roles"] = "法定代表人"
    assert "应有且只有一位拟任法定代表人，现有 2 位" in validate_intake(data)[0].message
    data = copy.deepcopy(GROUP_FORM)
    data["persons"][1]["id_number"] = data["persons"][0]["id_number"]
    assert "重复的身份证号" in validate_intake(data)[0].message
    data = copy.deepcopy(SERVICE_FORM)
    data["scope_items"].append({})
    assert "“第 3 项业务范围”为空" in validate_intake(data)[0].message
    data = copy.deepcopy(GROUP_FORM)
    data["received"] = ["SQS", "XYZ"]
    assert "“XYZ”不在社会团体的材料清单中" in validate_intake(data)[0].message


def test_materials_checklists_per_type_and_conditions():
    assert [i.code for i in required_items("成立登记", "社会团体", frozenset({"sponsor"}))] == \
        ["SQS", "ZC", "ZGPJ", "ZSZM", "ZJZM", "FQR", "FZR", "HYMD"]
    assert [i.code for i in required_items("成立登记", "民办非企业单位", frozenset({"direct", "prior_approval"}))] == \
        ["SQS", "ZC", "ZJDJ", "ZSZM", "ZJZM", "FZR", "CYRY", "QZSP"]
    with pytest.raises(SoregError, match="尚未配置“社会团体注销登记”的材料清单"):
        checklist("注销登记", "社会团体")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(slot=st.sampled_from(SLOTS), value=st.text(max_size=40))
def test_an_invalid_form_saves_nothing(tmp_path_factory, slot, value):
    window = _shared_window(tmp_path_factory)
    data = _with(GROUP_FORM, slot, value)
    invalid = bool(validate_intake(data))
    with window.store.read() as session:
        before = session.scalar(select(func.count()).select_from(Case))
        counter_before = session.scalar(select(func.coalesce(func.sum(CaseCounter.last_seq), 0)))
    try:
        open_case(window.store, data, user=window.clerk, today=date(2026, 9, 21))
    except IntakeInvalid:
        assert invalid
    with window.store.read() as session:
        after = session.scalar(select(func.count()).select_from(Case))
        counter_after = session.scalar(select(func.coalesce(func.sum(CaseCounter.last_seq), 0)))
    assert (after - before, counter_after - counter_before) == ((0, 0) if invalid else (1, 1))


_WINDOW = {}


def _shared_window(tmp_path_factory):
    if "w" not in _WINDOW:
        _WINDOW["w"] = make_window(tmp_path_factory.mktemp("forms"))
    return _WINDOW["w"]
