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
from tests.workflow_fixtures import GROUP_FORM, SERVICE_FORM, form, id_number, make_window
from workflow.intake import open_case

CJK = re.compile(r"[\u4e00-\u9fff]")
TODAY = date(2026, 9, 21)  # the day of intake in these tests: every date check is measured against it


def _slots():
    """Every field of the form, as (part, index, key, label)."""
    yield from (("organization", None, f.key, f.label) for f in ORGANIZATION_FIELDS)
    yield from (("scope_items", 0, f.key, f.label) for f in SCOPE_FIELDS)
    yield from (("persons", 0, f.key, f.label) for f in PERSON_FIELDS)


SLOTS = list(_slots())
# fields whose registration condition also looks at another field (the key): where its error shows
CONDITION_FIELDS = {
    "org_type": ("funds_yuan", "individual_members"),
    "unit_members": ("individual_members",),
    "direct_category": ("sponsor",),
    "direct_justification": ("direct_category",),
    "roles": ("persons[0].id_number",),
}


def _with(data: dict, slot, value: str) -> dict:
    part, index, key, _ = slot
    data = copy.deepcopy(data)
    target = data[part] if index is None else data[part][index]
    target[key] = value
    return data


def test_the_sample_forms_are_valid():
    assert validate_intake(GROUP_FORM, today=TODAY) == [] and validate_intake(SERVICE_FORM, today=TODAY) == []
    intake = read_intake(GROUP_FORM, today=TODAY)
    assert intake.organization["funds_yuan"] == 30000 and intake.organization["street_code"] == "310105001"
    assert intake.persons[0]["birth_date"] == date(1960, 5, 1)
    assert intake.legal_representative == "李建国"


@settings(max_examples=300, deadline=None)
@given(slot=st.sampled_from(SLOTS), value=st.text(max_size=80))
def test_arbitrary_text_in_any_field_is_accepted_or_reported_in_chinese(slot, value):
    base = GROUP_FORM if slot[0] != "scope_items" else SERVICE_FORM
    errors = validate_intake(_with(base, slot, value), today=TODAY)
    part, index, key, _ = slot
    own_path = key if index is None else f"{part}[{index}].{key}"
    for error in errors:
        assert CJK.search(error.message), error
        assert error.label in error.message  # the message names the field
        # the base form is valid: every error is about the changed field, or a rule across its part,
        # or a registration condition measured at a field that the changed one takes part in
        assert error.path in (own_path, part, f"{part}[{index}].text", *CONDITION_FIELDS.get(key, ())), error
    if errors:
        with pytest.raises(IntakeInvalid) as raised:
            read_intake(_with(base, slot, value), today=TODAY)
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
    errors = validate_intake(_with(GROUP_FORM, ("organization", None, slot_key, ""), value), today=TODAY)
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
        errors = validate_intake(_with(GROUP_FORM, ("persons", 0, "id_number", ""), number), today=TODAY)
        assert [e.path for e in errors] == ["persons[0].id_number"], number
        assert errors[0].message.startswith("“第 1 位人员的身份证号”") and expected in errors[0].message
    assert validate_intake(_with(GROUP_FORM, ("persons", 0, "id_number", ""), good.lower()), today=TODAY) == []


def test_cross_field_rules():
    data = copy.deepcopy(GROUP_FORM)
    data["persons"][1]["roles"] = "法定代表人"
    assert "应有且只有一位拟任法定代表人，现有 2 位" in validate_intake(data, today=TODAY)[0].message
    data = copy.deepcopy(GROUP_FORM)
    data["persons"][1]["id_number"] = data["persons"][0]["id_number"]
    assert "重复的身份证号" in validate_intake(data, today=TODAY)[0].message
    data = copy.deepcopy(SERVICE_FORM)
    data["scope_items"].append({})
    assert "“第 3 项业务范围”为空" in validate_intake(data, today=TODAY)[0].message
    data = copy.deepcopy(GROUP_FORM)
    data["received"] = ["SQS", "XYZ"]
    assert "“XYZ”不在社会团体的材料清单中" in validate_intake(data, today=TODAY)[0].message


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
    # a name the name check refuses is accepted with a reason: this test is about the form's values
    data = _with(GROUP_FORM, slot, value) | {"name_override_reason": "申请人坚持使用此名称"}
    invalid = bool(validate_intake(data, today=TODAY))
    with window.store.read() as session:
        before = session.scalar(select(func.count()).select_from(Case))
        counter_before = session.scalar(select(func.coalesce(func.sum(CaseCounter.last_seq), 0)))
    try:
        open_case(window.store, data, user=window.clerk, today=TODAY)
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


# ---- registration conditions at the field where the value is typed (登记条件) ----------------------

def _errors_at(data: dict, **kwargs) -> dict[str, str]:
    return {e.path: e.message for e in validate_intake(data, today=TODAY, **kwargs)}


@pytest.mark.parametrize(("key", "day", "ok"), [
    ("sponsor_consent_date", "2026-09-21", True), ("sponsor_consent_date", "2026-09-22", False),
])
def test_sponsor_approval_date_may_not_lie_after_today(key, day, ok):
    errors = _errors_at(form(GROUP_FORM, **{key: day}))
    assert errors == ({} if ok else {key: "“业务主管单位批准日期”2026-09-22 晚于今天（2026-09-21），请核对。"})


@pytest.mark.parametrize(("day", "ok"), [("2026-09-21", True), ("2026-09-22", False)])
def test_prior_approval_date_may_not_lie_after_today(day, ok):
    data = _with(SERVICE_FORM, ("scope_items", 0, "approval_date", ""), day)
    errors = _errors_at(data)
    assert errors == ({} if ok else {"scope_items[0].approval_date":
                                     "“第 1 项前置审批日期”2026-09-22 晚于今天（2026-09-21），请核对。"})


@pytest.mark.parametrize("base", [GROUP_FORM, SERVICE_FORM], ids=["社会团体", "民办非企业单位"])
@pytest.mark.parametrize(("funds", "expected"), [
    ("0", "“注册资金/开办资金（元）”不能为 0，请填写章程规定的注册资金或开办资金。"),
    ("29,999", "“注册资金/开办资金（元）”为 29,999 元低于{type}的最低限额 30,000 元，请核对。"),
    ("30000", None),
])
def test_funds_of_zero_or_below_the_type_minimum_are_refused(base, funds, expected):
    errors = _errors_at(form(base, funds_yuan=funds))
    org_type = base["organization"]["org_type"]
    assert errors == ({} if expected is None else {"funds_yuan": expected.format(type=org_type)})


def test_the_funds_minimum_comes_from_the_rules():
    from models.case_rules import default_rules

    rules = default_rules()
    rules = {**rules, "conditions": {**rules["conditions"], "民办非企业单位": {"min_funds_yuan": 100000}}}
    assert "最低限额 100,000 元" in _errors_at(form(SERVICE_FORM, funds_yuan="99999"), rules=rules)["funds_yuan"]
    assert _errors_at(form(SERVICE_FORM, funds_yuan="100000"), rules=rules) == {}


@pytest.mark.parametrize(("individual", "unit", "expected"), [
    ("", "", "“个人会员数”未填写：社会团体须有个人会员 50 个以上，或单位会员 30 个以上，或两者合计 50 个以上，"
             "请填写个人会员数或单位会员数。"),
    ("49", "", "“个人会员数”不足：个人会员 49 个、单位会员 0 个；社会团体须有个人会员 50 个以上，"
               "或单位会员 30 个以上，或两者合计 50 个以上。"),
    ("50", "", None), ("", "29", "不足"), ("", "30", None), ("25", "24", "不足"), ("25", "25", None),
])
def test_a_group_needs_its_member_counts(individual, unit, expected):
    errors = _errors_at(form(GROUP_FORM, individual_members=individual, unit_members=unit))
    if expected is None:
        assert errors == {}
    else:
        assert list(errors) == ["individual_members"] and expected in errors["individual_members"]


def test_member_counts_are_not_asked_of_other_types():
    assert _errors_at(form(SERVICE_FORM, individual_members="", unit_members="")) == {}


@pytest.mark.parametrize(("until", "expected"), [
    ("2026-09-20", "“住所使用期限至”至 2026-09-20，已经到期，请提供期限更长的住所使用证明。"),
    ("2026-09-21", "“住所使用期限至”至 2026-09-21，自今日起不足 365 天，请提供期限更长的住所使用证明。"),
    ("2027-09-20", "自今日起不足 365 天"),
    ("2027-09-21", None),
    ("", None),  # owned premises: no end
])
def test_premises_use_must_run_at_least_a_year_from_today(until, expected):
    errors = _errors_at(form(SERVICE_FORM, premises_valid_until=until))
    if expected is None:
        assert errors == {}
    else:
        assert list(errors) == ["premises_valid_until"] and expected in errors["premises_valid_until"]


def test_premises_document_sponsor_and_direct_registration_at_their_fields():
    assert _errors_at(form(SERVICE_FORM, premises_document="")) == {
        "premises_document": "“住所证明文件”未填写：须有固定住所，请填写产权证号或租赁合同编号。"}
    assert _errors_at(form(SERVICE_FORM, direct_category="", direct_justification="")) == {
        "sponsor": "“业务主管单位”未填写：请填写业务主管单位，或选择直接登记类别（行业协会商会类、科技类、公益慈善类、城乡社区服务类）。"}
    assert _errors_at(form(SERVICE_FORM, direct_justification="")) == {
        "direct_category": "“直接登记类别”已选择，请在“直接登记理由”中写明理由。"}


@pytest.mark.parametrize(("born", "roles", "appointed", "path"), [
    (date(1955, 9, 22), "负责人", "", None),  # 70 full years today
    (date(1955, 9, 21), "负责人", "", "persons[1].id_number"),  # 71 today: the ID number gives the birth date
    (date(1955, 9, 21), "发起人", "", None),  # the limit is for heads only
    (date(1956, 9, 22), "负责人", "2027-09-21", None),
    (date(1956, 9, 22), "负责人", "2027-09-22", "persons[1].appointed_on"),  # 71 on the day of appointment
])
def test_heads_over_the_age_limit_on_their_appointment_day(born, roles, appointed, path):
    data = copy.deepcopy(GROUP_FORM)
    data["persons"][1].update(id_number=id_number(born, "246"), roles=roles, appointed_on=appointed)
    errors = _errors_at(data)
    assert list(errors) == ([] if path is None else [path])
    if path is not None:
        assert errors[path].startswith("“第 2 位人员的") and "张敏生于" in errors[path]
        assert "时年满 71 周岁，超过 70 周岁的上限，不能担任负责人。" in errors[path]


def test_conditions_can_be_left_to_the_review_checks():
    data = form(GROUP_FORM, individual_members="3", funds_yuan="0", sponsor_consent_date="2099-01-01")
    assert {e.path for e in validate_intake(data, today=TODAY)} == {"individual_members", "funds_yuan", "sponsor_consent_date"}
    assert read_intake(data, today=TODAY, conditions=False).organization["funds_yuan"] == 0
