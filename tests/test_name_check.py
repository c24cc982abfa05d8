"""The name check (名称核准): every rule on both sides of its limits, on a registry built through the name index."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from models import reference
from models.errors import SoregError
from models.registry import NameVariant, Organization, OrgStatus
from registry.name_check import anniversary, candidate_query, check_name, warm_up
from registry.name_index import rebuild_if_stale
from registry.name_rules import name_rule_limits
from registry.names import parse_name, variant_keys
from registry.organizations import change_status_in, rename_organization_in
from registry.registry_indexes import ensure_registry_indexes
from tests.name_check_fixtures import fresh_store, register

CENTRE = "上海市长宁区阳光养老服务中心"
MINFEI = "民办非企业单位"
TODAY = date(2026, 1, 1)


@pytest.fixture
def store(tmp_path):
    s = fresh_store(tmp_path)
    yield s
    s.close()


def rules(result) -> dict[str, list[str]]:
    return {f.rule: f.organizations for f in result.findings}


def test_unique_name_in_empty_registry_passes(store):
    result = check_name(store, CENTRE, MINFEI, TODAY)
    assert result.verdict == "pass"
    assert result.findings == []
    assert (result.parsed.region, result.parsed.zihao, result.parsed.field_word, result.parsed.form) == (
        "上海市长宁区", "阳光", "养老服务", "中心")


# --- form rules -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["上海市长宁区ABC养老服务中心", "上海市长宁区阳光2号养老服务中心", "上海市长宁区阳光２号养老服务中心"])
def test_latin_letters_and_digits_reject(store, name):
    result = check_name(store, name, MINFEI, TODAY)
    assert result.verdict == "reject"
    assert "chinese_only" in rules(result)
    assert "只能使用汉字" in result.findings[0].message


def test_district_alone_is_refused_with_corrected_form(store):
    result = check_name(store, "长宁区阳光养老服务中心", MINFEI, TODAY)
    assert result.verdict == "reject"
    finding = next(f for f in result.findings if f.rule == "region_district_alone")
    assert "上海市长宁区阳光养老服务中心" in finding.message


@pytest.mark.parametrize("name", ["阳光养老服务中心", "上海市阳光养老服务中心", "北京市阳光养老服务中心"])
def test_missing_district_prefix_rejects(store, name):
    result = check_name(store, name, MINFEI, TODAY)
    assert "region_missing" in rules(result)
    assert result.verdict == "reject"


@pytest.mark.parametrize(("name", "org_type", "ok"), [
    ("上海市长宁区阳光养老服务协会", MINFEI, False),
    ("上海市长宁区阳光养老服务中心", "社会团体", False),
    ("上海市长宁区阳光养老服务", MINFEI, False),
    ("上海市长宁区阳光养老服务基金会", "基金会", True),
    ("上海市长宁区养老服务协会", "社会团体", True),
])
def test_ending_must_be_allowed_for_type(store, name, org_type, ok):
    assert ("form_not_allowed" in rules(check_name(store, name, org_type, TODAY))) is not ok


def test_zong_is_forbidden_for_minfei(store):
    assert check_name(store, "上海市长宁区阳光总养老服务中心", MINFEI, TODAY).verdict == "reject"
    assert "forbidden_for_type" in rules(check_name(store, "上海市长宁区阳光总养老服务中心", MINFEI, TODAY))
    assert "forbidden_for_type" not in rules(check_name(store, "上海市长宁区阳光总养老服务基金会", "基金会", TODAY))


@pytest.mark.parametrize(("name", "ok"), [("上海市长宁区阳养老服务中心", False), ("上海市长宁区阳光养老服务中心", True)])
def test_zihao_needs_two_characters(store, name, ok):
    assert ("zihao_too_short" in rules(check_name(store, name, MINFEI, TODAY))) is not ok


@pytest.mark.parametrize(("name", "org_type", "ok"), [
    ("上海市长宁区医学会", "社会团体", True),  # a field of one character: 上海市医学会 is registered
    ("上海市长宁区药学会", "社会团体", True),
    ("上海市长宁区阳养老服务中心", MINFEI, False),  # a 字号 still needs two
    ("上海市长宁区阳慈善基金会", "基金会", False),
])
def test_only_a_social_groups_field_may_have_one_character(store, name, org_type, ok):
    assert ("zihao_too_short" in rules(check_name(store, name, org_type, TODAY))) is not ok


def test_a_social_group_name_without_field_or_members_is_still_refused(store):
    result = check_name(store, "上海市长宁区学会", "社会团体", TODAY)
    assert result.verdict == "reject" and "form_not_allowed" in rules(result)


@pytest.mark.parametrize(("name", "org_type", "ok"), [
    ("上海市长宁区体育总会", "社会团体", True),  # 上海市体育总会
    ("上海市长宁区书画学社", "社会团体", True),  # 上海中山学社
    ("上海市长宁区书画社", "社会团体", False),  # 社 alone stays a form of 民办非企业单位
    ("上海市长宁区书画社", MINFEI, True),
])
def test_social_group_endings_zonghui_and_xueshe(store, name, org_type, ok):
    assert ("form_not_allowed" in rules(check_name(store, name, org_type, TODAY))) is not ok


def test_zonghui_is_no_minfei_ending_and_zong_stays_forbidden_there(store):
    found = rules(check_name(store, "上海市长宁区阳光体育总会", MINFEI, TODAY))
    assert "form_not_allowed" in found and "forbidden_for_type" in found


@pytest.mark.parametrize(("name", "org_type", "ok"), [
    ("上海市长宁区北京养老服务中心", MINFEI, False),
    ("上海市长宁区黄浦养老服务中心", MINFEI, False),
    ("上海市长宁区浙江省养老服务中心", MINFEI, False),
    ("上海市长宁区北辰养老服务中心", MINFEI, True),
    ("上海市长宁区浙江协会", "社会团体", False),
    ("上海市长宁区浙江商会", "社会团体", True),  # 异地商会: home-region name + 商会
])
def test_zihao_may_not_be_a_division_name(store, name, org_type, ok):
    assert ("zihao_is_division" in rules(check_name(store, name, org_type, TODAY))) is not ok


def test_prohibited_words_reject_and_qualifiers_warn(store):
    result = check_name(store, "上海市长宁区中华养老服务中心", MINFEI, TODAY)
    assert result.verdict == "reject" and "prohibited_word" in rules(result)
    result = check_name(store, "上海市长宁区国家级阳光养老服务中心", MINFEI, TODAY)
    assert [f.message for f in result.findings if f.rule == "prohibited_word"] == [
        "只有国务院民政部门登记的社会组织才能使用“国家级”，或该词属于夸大用语，区级登记的名称不得使用。"]
    result = check_name(store, "上海市长宁区阳光国际养老服务中心", MINFEI, TODAY)
    assert result.verdict == "warn" and "qualifier_word" in rules(result)


def test_bad_input_is_refused(store):
    with pytest.raises(SoregError, match="名称"):
        check_name(store, "  ，", MINFEI, TODAY)
    with pytest.raises(SoregError, match="组织类型"):
        check_name(store, CENTRE, "公司", TODAY)


# --- identical names and protection periods ---------------------------------------------------

def test_full_width_and_spaced_input_is_normalized_before_comparing(store):
    register(store, CENTRE)
    result = check_name(store, "上海市长宁区　阳光 养老服务（中心）", MINFEI, TODAY)
    assert result.name == "上海市长宁区阳光养老服务中心"
    assert result.verdict == "reject"
    assert rules(result) == {"identical_name": [CENTRE]}


def test_active_identical_name_rejects_and_names_the_organization(store):
    register(store, CENTRE)
    result = check_name(store, CENTRE, MINFEI, TODAY)
    assert result.verdict == "reject"
    assert result.findings[0].organizations == [CENTRE]
    assert CENTRE in result.findings[0].message and "正常" in result.findings[0].message


def test_identical_zihao_same_field_and_form_rejects(store):
    register(store, CENTRE)
    # 为老服务 and 养老服务 are both the field 养老
    result = check_name(store, "上海市长宁区阳光为老服务中心", MINFEI, TODAY)
    assert result.verdict == "reject"
    assert rules(result) == {"identical_zihao": [CENTRE]}


@pytest.mark.parametrize(("status", "changed_on", "as_of", "verdict"), [
    (OrgStatus.DEREGISTERED, date(2025, 3, 1), date(2026, 2, 28), "reject"),
    (OrgStatus.DEREGISTERED, date(2025, 3, 1), date(2026, 3, 1), "pass"),
    (OrgStatus.DEREGISTERED, date(2024, 2, 29), date(2025, 2, 28), "reject"),
    (OrgStatus.DEREGISTERED, date(2024, 2, 29), date(2025, 3, 1), "pass"),
    (OrgStatus.REVOKED, date(2023, 3, 1), date(2026, 2, 28), "reject"),
    (OrgStatus.REVOKED, date(2023, 3, 1), date(2026, 3, 1), "pass"),
    (OrgStatus.REVOKED, date(2024, 6, 1), date(2026, 3, 1), "reject"),  # revoked: 3 years, not 1
    (OrgStatus.DEREGISTERED, None, date(2040, 1, 1), "reject"),  # no date: cannot be shown old enough
])
def test_protection_period_after_deregistration_and_revocation(store, status, changed_on, as_of, verdict):
    register(store, CENTRE, status=status, changed_on=changed_on)
    result = check_name(store, CENTRE, MINFEI, as_of)
    assert result.verdict == verdict
    if verdict == "pass":
        assert rules(result) == {"expired_protection": [CENTRE]}
        assert result.findings[0].level == "info"
    else:
        assert rules(result) == {"identical_name": [CENTRE]}
        assert status.value in result.findings[0].message


@pytest.mark.parametrize(("as_of", "verdict"), [(date(2026, 2, 28), "reject"), (date(2026, 3, 1), "pass")])
def test_former_name_is_protected_for_one_year_after_the_rename(store, as_of, verdict):
    register(store, "上海市长宁区晨曦养老服务中心", former=((CENTRE, date(2025, 3, 1)),))
    result = check_name(store, CENTRE, MINFEI, as_of)
    assert result.verdict == verdict
    assert result.findings[0].organizations == ["上海市长宁区晨曦养老服务中心"]
    assert "曾用名" in result.findings[0].message


def test_rename_and_deregistration_through_the_registry_start_the_protection_periods(store):
    register(store, CENTRE)
    with store.write() as session:
        org_id = session.scalar(select(Organization.id).where(Organization.name == CENTRE))
        rename_organization_in(session, org_id, "上海市长宁区晨曦养老服务中心", renamed_on=date(2025, 3, 1), actor="test")
    assert check_name(store, CENTRE, MINFEI, date(2026, 2, 28)).verdict == "reject"
    assert check_name(store, CENTRE, MINFEI, date(2026, 3, 1)).verdict == "pass"
    with store.write() as session:
        change_status_in(session, org_id, OrgStatus.REVOKED.value, changed_on=date(2025, 6, 1), actor="test")
    result = check_name(store, "上海市长宁区晨曦养老服务中心", MINFEI, date(2028, 5, 31))
    assert (result.verdict, rules(result)) == ("reject", {"identical_name": ["上海市长宁区晨曦养老服务中心"]})
    assert check_name(store, "上海市长宁区晨曦养老服务中心", MINFEI, date(2028, 6, 1)).verdict == "pass"


def test_current_name_of_a_renamed_organization_still_rejects(store):
    register(store, "上海市长宁区晨曦养老服务中心", former=((CENTRE, date(2020, 3, 1)),))
    assert check_name(store, "上海市长宁区晨曦养老服务中心", MINFEI, TODAY).verdict == "reject"
    assert check_name(store, CENTRE, MINFEI, TODAY).verdict == "pass"


def test_anniversary_moves_29_february_to_1_march():
    assert anniversary(date(2024, 2, 29), 1) == date(2025, 3, 1)
    assert anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert anniversary(date(2025, 3, 1), 1) == date(2026, 3, 1)


# --- similar names: field and ending ------------------------------------------------------------

@pytest.mark.parametrize(("name", "rule"), [
    ("上海市长宁区阳光养老服务院", "same_zihao_other_form"),
    ("上海市长宁区阳光教育中心", "same_zihao_other_field"),
    ("上海市长宁区阳光教育学校", None),  # other field and other ending: passes
])
def test_equal_zihao_with_other_field_or_ending(store, name, rule):
    register(store, CENTRE)
    result = check_name(store, name, MINFEI, TODAY)
    if rule is None:
        assert (result.verdict, result.findings) == ("pass", [])
    else:
        assert result.verdict == "warn"
        assert rules(result) == {rule: [CENTRE]}


@pytest.mark.parametrize(("name", "rule"), [
    ("上海市长宁区杨光养老服务中心", "homophone_zihao"),  # yang guang, other characters
    ("上海市长宁区阳光明养老服务中心", "one_char_zihao"),  # one added
    ("上海市长宁区暖阳光养老服务中心", "one_char_zihao"),  # one added in front
    ("上海市长宁区阳明养老服务中心", "one_char_zihao"),  # one replaced
])
def test_homophone_and_one_character_edits_warn(store, name, rule):
    register(store, CENTRE)
    result = check_name(store, name, MINFEI, TODAY)
    assert result.verdict == "warn"
    assert rules(result) == {rule: [CENTRE]}
    assert CENTRE in result.findings[0].message


def test_one_character_removed_warns(store):
    register(store, "上海市长宁区阳光明媚养老服务中心")
    result = check_name(store, "上海市长宁区阳光媚养老服务中心", MINFEI, TODAY)
    assert rules(result) == {"one_char_zihao": ["上海市长宁区阳光明媚养老服务中心"]}


@pytest.mark.parametrize("name", [
    "上海市长宁区明月养老服务中心",  # two characters replaced
    "上海市长宁区杨光教育中心",  # homophone but other field
    "上海市长宁区阳光明养老服务院",  # one added but other ending
])
def test_dissimilar_or_other_field_similar_names_pass(store, name):
    register(store, CENTRE)
    result = check_name(store, name, MINFEI, TODAY)
    assert (result.verdict, result.findings) == ("pass", [])


@pytest.mark.parametrize(("status", "changed_on", "verdict"), [
    (OrgStatus.DEREGISTERED, date(2025, 6, 1), "warn"),
    (OrgStatus.DEREGISTERED, date(2024, 6, 1), "pass"),
    (OrgStatus.REVOKED, date(2023, 6, 1), "warn"),
    (OrgStatus.REVOKED, date(2022, 6, 1), "pass"),
])
def test_only_protected_organizations_can_warn(store, status, changed_on, verdict):
    register(store, CENTRE, status=status, changed_on=changed_on)
    result = check_name(store, "上海市长宁区杨光养老服务中心", MINFEI, date(2026, 1, 1))
    assert result.verdict == verdict
    expected = "homophone_zihao" if verdict == "warn" else "expired_protection"
    assert rules(result) == {expected: [CENTRE]}


# --- 社会团体: the middle part is the 字号, the field counts as equal ---------------------------

def test_social_group_compares_its_middle_part(store):
    register(store, "上海市长宁区青年企业家协会", "社会团体")
    assert rules(check_name(store, "上海市长宁区青年企业家协会", "社会团体", TODAY)) == {
        "identical_name": ["上海市长宁区青年企业家协会"]}
    result = check_name(store, "上海市长宁区青年企业家联合会", "社会团体", TODAY)
    assert (result.verdict, rules(result)) == ("warn", {"same_zihao_other_form": ["上海市长宁区青年企业家协会"]})
    result = check_name(store, "上海市长宁区青年企业协会", "社会团体", TODAY)
    assert (result.verdict, rules(result)) == ("warn", {"one_char_zihao": ["上海市长宁区青年企业家协会"]})
    # a 民办非企业单位 字号 is not compared with a 社会团体's member composition
    assert check_name(store, "上海市长宁区青年企业家中心", MINFEI, TODAY).findings == []


def test_social_group_field_words_count_as_the_compared_part(store):
    register(store, "上海市长宁区养老服务协会", "社会团体")
    result = check_name(store, "上海市长宁区养老服务协会", "社会团体", TODAY)
    assert result.verdict == "reject"
    result = check_name(store, "上海市长宁区为老服务协会", "社会团体", TODAY)
    assert (result.verdict, rules(result)) == ("warn", {"one_char_zihao": ["上海市长宁区养老服务协会"]})


# --- the clerk's corrected split --------------------------------------------------------------

def test_corrected_split_is_used_instead_of_the_automatic_one(store):
    register(store, CENTRE)
    name = "上海市长宁区阳光乐龄服务中心"
    automatic = check_name(store, name, MINFEI, TODAY)
    assert automatic.parsed.zihao == "阳光乐龄服务" and automatic.verdict == "pass"
    corrected = parse_name(name, MINFEI).with_parts(zihao="阳光", field_word="乐龄服务", form="中心")
    result = check_name(store, name, MINFEI, TODAY, parsed=corrected)
    assert result.parsed.zihao == "阳光"
    assert (result.verdict, rules(result)) == ("warn", {"same_zihao_other_field": [CENTRE]})


def test_lookups_use_the_name_index_only(store):
    register(store, CENTRE)
    statement, params = candidate_query(parse_name("上海市长宁区杨光养老服务中心", MINFEI))
    sql = str(statement.params(**params).compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    assert "养老|中心|杨" in sql  # the variant look-up is keyed by field and form
    with store.engine.connect() as conn:
        plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    lookups = [step for step in plan if step.startswith(("SEARCH", "SCAN"))]
    assert len(lookups) >= 8
    assert all(step.startswith("SEARCH") and "USING" in step for step in lookups), plan


def test_a_finding_lists_every_organization_and_its_message_the_first_few(store):
    similar = [f"上海市长宁区阳光{ch}养老服务中心" for ch in "一二三四五六七"]
    for name in similar:
        register(store, name)
    result = check_name(store, CENTRE, MINFEI, TODAY)
    [finding] = result.findings
    assert (finding.rule, sorted(finding.organizations)) == ("one_char_zihao", sorted(similar))
    assert finding.message.endswith("等，共 7 个（见所列组织）。")
    assert sum(name in finding.message for name in similar) == 5



# --- branches, names without 字号, the authority's level -------------------------------------

@pytest.mark.parametrize(("name", "org_type"), [
    ("上海市长宁区青年企业家协会青年分会", "社会团体"),
    ("上海市长宁区青年企业家协会公益专业委员会", "社会团体"),
    ("上海市长宁区阳光慈善基金会虹桥代表处", "基金会"),
    ("上海市长宁区阳光慈善基金会助学专项基金管理委员会", "基金会"),
])
def test_branch_and_representative_office_names_are_refused_by_their_own_rule(store, name, org_type):
    result = check_name(store, name, org_type, TODAY)
    assert result.verdict == "reject"
    assert "branch_name" in rules(result) and "form_not_allowed" not in rules(result)
    assert "分支机构或代表机构" in next(f.message for f in result.findings if f.rule == "branch_name")


def test_a_foundation_without_zihao_is_reviewed_but_one_character_is_refused(store):
    result = check_name(store, "上海市长宁区慈善基金会", "基金会", TODAY)
    assert (result.verdict, rules(result)) == ("warn", {"zihao_missing": []})
    assert "公开募捐" in result.findings[0].message
    assert "zihao_too_short" in rules(check_name(store, "上海市长宁区阳慈善基金会", "基金会", TODAY))
    assert "zihao_too_short" in rules(check_name(store, "上海市长宁区养老服务中心", MINFEI, TODAY))


@pytest.mark.parametrize(("name", "org_type", "form"), [
    ("上海市长宁区新世纪中学", MINFEI, "中学"),
    ("上海市长宁区新世纪小学", MINFEI, "小学"),
    ("上海市长宁区仁济门诊部", MINFEI, "门诊部"),
    ("上海市长宁区晨曦社工工作室", MINFEI, "工作室"),
])
def test_school_clinic_and_studio_endings_are_forms(store, name, org_type, form):
    result = check_name(store, name, org_type, TODAY)
    assert (result.verdict, result.parsed.form) == ("pass", form)


@pytest.fixture
def city_authority():
    """The reference data of a province-level authority (上海市民政局): no district."""
    district = dict(reference.bundled("district.json"), district="", name_prefix="上海市",
                    authority="上海市民政局", authority_alias="上海市社会团体管理局")
    assert reference.use_central({"district.json": district}) == {}
    yield
    reference.use_central({})


@pytest.mark.parametrize(("name", "ok"), [
    ("上海市阳光养老服务中心", True),
    ("上海阳光养老服务中心", True),  # the city's short name
    ("上海市长宁区阳光养老服务中心", True),  # a district's name, as the city may register it
    ("阳光养老服务中心", False),
    ("北京市阳光养老服务中心", False),
])
def test_a_city_level_authority_takes_its_full_or_short_name(store, city_authority, name, ok):
    assert ("region_missing" in rules(check_name(store, name, MINFEI, TODAY))) is not ok


@pytest.mark.parametrize("name", ["上海阳光养老服务中心", "民办长宁区阳光养老服务中心"])
def test_a_district_authority_takes_only_its_full_prefix(store, name):
    """The city's short name alone is the city authority's form, and "长宁区" after "民办" is
    still the district alone: a district authority refuses both and suggests its full prefix."""
    result = check_name(store, name, MINFEI, TODAY)
    finding = next(f for f in result.findings if f.rule == "region_missing")
    assert result.verdict == "reject" and "上海市长宁区" in finding.message


@pytest.mark.parametrize(("name", "suggested"), [
    ("上海长宁区阳光养老服务中心", "上海市长宁区阳光养老服务中心"),
    ("民办上海市长宁区阳光小学", "上海市长宁区民办阳光小学"),
    ("民办上海长宁区阳光小学", "上海市长宁区民办阳光小学"),
])
def test_a_district_authority_warns_on_an_older_form_of_its_prefix(store, name, suggested):
    """Names registered under the older rules wrote the district after the city's short name
    (上海长宁区…) or "民办" before the region (民办非企业单位名称管理暂行规定); such a name is
    lawful and must never be refused, but a new name should take the current form
    (社会组织名称管理办法, 2024): the reviewer is warned, with the current form suggested."""
    result = check_name(store, name, MINFEI, TODAY)
    assert (result.verdict, rules(result)) == ("warn", {"region_older_form": []})
    message = result.findings[0].message
    assert result.findings[0].level == "warn" and "上海市长宁区" in message and f"建议名称：{suggested}。" in message
    assert check_name(store, suggested, MINFEI, TODAY).verdict == "pass"


def test_a_city_authority_warns_on_minban_before_its_name(store, city_authority):
    result = check_name(store, "民办上海阳光中学", MINFEI, TODAY)
    assert (result.verdict, rules(result)) == ("warn", {"region_older_form": []})
    assert "建议名称：上海市民办阳光中学。" in result.findings[0].message


# --- the name index follows the name rules ----------------------------------------------------

def test_an_index_made_with_other_name_rules_is_rebuilt_before_the_next_check(store):
    old_types = reference.bundled("org_types.json")
    for t in old_types:
        t["endings"] = [e for e in t["endings"] if e not in ("中学", "小学")]
    assert reference.use_central({"org_types.json": old_types}) == {}
    try:
        register(store, "上海市长宁区新世纪中学")  # indexed with the older rules: no form, 字号 "新世纪中学"
        assert ensure_registry_indexes(store) == 0
    finally:
        reference.use_central({})
    proposed = "上海市长宁区新世纪小学"
    assert check_name(store, proposed, MINFEI, TODAY).verdict == "pass"  # stale keys miss the equal 字号
    assert rebuild_if_stale(store) == 1
    result = check_name(store, proposed, MINFEI, TODAY)
    assert (result.verdict, rules(result)) == ("warn", {"same_zihao_other_form": ["上海市长宁区新世纪中学"]})
    with store.read() as session:
        variants = session.scalars(select(NameVariant.variant)).all()
    assert sorted(variants) == sorted(variant_keys("新世纪", "", "中学"))
    assert rebuild_if_stale(store) is None  # recorded: nothing to do the next time


def test_the_name_check_page_warm_up_rebuilds_a_stale_index(store):
    register(store, "上海市长宁区新世纪中学")
    with store.write() as session:
        session.connection().exec_driver_sql(
            "UPDATE organization_names SET compare_key = '新世纪中学', form = '', compare_pinyin = 'x'")
        session.connection().exec_driver_sql("PRAGMA user_version = 0")  # a database from before the rules were recorded
    warm_up(store)
    assert rules(check_name(store, "上海市长宁区新世纪小学", MINFEI, TODAY)) == {
        "same_zihao_other_form": ["上海市长宁区新世纪中学"]}


def test_name_rules_without_the_character_limits_take_the_bundled_ones_and_bad_limits_are_refused():
    older = {k: v for k, v in reference.bundled("name_rules.json").items() if not k.startswith("min_")}
    assert reference.use_central({"name_rules.json": older}) == {}
    try:
        limits = name_rule_limits()
        assert (limits.min_zihao_chars, limits.min_field_chars) == (2, 1)
    finally:
        reference.use_central({})
    refused = reference.use_central({"name_rules.json": dict(older, min_field_chars=0)})
    reference.use_central({})
    assert "name_rules.json" in refused
