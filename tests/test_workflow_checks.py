"""Each step check on both sides of its limit, as pure functions of a case built from the intake form."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from cli.app import run
from forms.intake import read_intake
from models.case_rules import default_rules
from models.cases import Case, CasePerson, DishonestPerson
from models.registry import Organization
from registry.organizations import OrganizationRecord, add_organization_in
from tests.workflow_fixtures import (
    GROUP_FORM,
    PASSWORD,
    SERVICE_FORM,
    form,
    id_number,
    make_window,
)
from workflow.checks import (
    RegistryFacts,
    conditions_findings,
    materials_findings,
    name_findings_in,
    persons_findings,
    registry_facts_in,
    scope_findings,
    sponsor_findings,
)
from workflow.dishonest import listed_persons
from workflow.intake import build_case

RULES = default_rules()
ON = date(2026, 9, 22)


def case_of(data: dict) -> Case:
    intake = read_intake(data, conditions=False)  # the review checks judge what intake would refuse
    return build_case(intake, case_no="310105-W01-2026-999999", window="W01", user="clerk", accepted_on=ON,
                      due_date=ON, statutory_due_date=ON)


def rules_of(findings) -> list[tuple[str, str]]:
    return [(f.rule, f.level) for f in findings]


@pytest.mark.parametrize(("individual", "unit", "ok"), [
    (50, 0, True), (49, 0, False), (0, 30, True), (0, 29, False), (25, 25, True), (25, 24, False), (21, 29, True), (20, 29, False),
])
def test_group_member_counts(individual, unit, ok):
    case = case_of(form(GROUP_FORM, individual_members=str(individual), unit_members=str(unit)))
    findings = conditions_findings(case, RULES, ON)
    assert rules_of(findings) == ([] if ok else [("conditions.members", "reject")])
    if not ok:
        assert f"个人会员 {individual} 个、单位会员 {unit} 个" in findings[0].message


@pytest.mark.parametrize("base", [GROUP_FORM, SERVICE_FORM], ids=["社会团体", "民办非企业单位"])
@pytest.mark.parametrize(("funds", "ok"), [("30000", True), ("29999", False)])
def test_funds_at_the_type_minimum(base, funds, ok):
    findings = conditions_findings(case_of(form(base, funds_yuan=funds)), RULES, ON)
    assert rules_of(findings) == ([] if ok else [("conditions.funds", "reject")])


def test_funds_minimum_comes_from_the_rules():
    rules = {**RULES, "conditions": {**RULES["conditions"], "民办非企业单位": {"min_funds_yuan": 100000}}}
    case = case_of(form(SERVICE_FORM, funds_yuan="99999"))
    assert "最低限额 100,000 元" in conditions_findings(case, rules, ON)[0].message


@pytest.mark.parametrize(("until", "ok"), [("2027-09-22", True), ("2027-09-21", False), ("", True)])
def test_premises_use_right_of_at_least_a_year(until, ok):
    case = case_of(form(SERVICE_FORM, premises_valid_until=until))
    assert rules_of(conditions_findings(case, RULES, ON)) == ([] if ok else [("conditions.premises_term", "reject")])


def test_premises_document_required():
    case = case_of(form(SERVICE_FORM, premises_document=""))
    assert rules_of(conditions_findings(case, RULES, ON)) == [("conditions.premises", "reject")]


def test_scope_catalogue_free_text_and_prior_approval():
    data = form(SERVICE_FORM)
    case = case_of(data)
    assert rules_of(scope_findings(case, ON)) == [("scope.free_text", "warn")]
    data["scope_items"][0] = {"catalogue_code": "YL01"}  # needs 区民政局养老服务科 approval, none recorded
    findings = scope_findings(case_of(data), ON)
    assert rules_of(findings) == [("scope.prior_approval_missing", "reject"), ("scope.free_text", "warn")]
    assert "区民政局养老服务科" in findings[0].message
    data["scope_items"][0] = {"catalogue_code": "YL01", "approval_doc_no": "长民养〔2026〕5号", "approval_date": "2026-09-23"}
    assert rules_of(scope_findings(case_of(data), ON))[0] == ("scope.prior_approval_future", "reject")
    data["scope_items"] = [{"catalogue_code": "YL02"}]  # in the catalogue, no prior approval needed
    assert scope_findings(case_of(data), ON) == []


def test_sponsor_consent_or_direct_category():
    assert sponsor_findings(case_of(GROUP_FORM), RULES, ON) == []
    assert sponsor_findings(case_of(SERVICE_FORM), RULES, ON) == []
    no_doc = case_of(form(GROUP_FORM, sponsor_consent_doc_no="", sponsor_consent_date=""))
    assert rules_of(sponsor_findings(no_doc, RULES, ON)) == [("sponsor.consent_doc_no", "reject"), ("sponsor.consent_date", "reject")]
    late = case_of(form(GROUP_FORM, sponsor_consent_date="2026-09-23"))
    assert rules_of(sponsor_findings(late, RULES, ON)) == [("sponsor.consent_future", "reject")]
    neither = case_of(form(GROUP_FORM, sponsor=""))
    assert rules_of(sponsor_findings(neither, RULES, ON)) == [("sponsor.missing", "reject")]
    unjustified = case_of(form(SERVICE_FORM, direct_justification=""))
    assert rules_of(sponsor_findings(unjustified, RULES, ON)) == [("sponsor.direct_justification", "reject")]
    narrower = {**RULES, "direct_registration_categories": ["科技类"]}
    assert rules_of(sponsor_findings(case_of(SERVICE_FORM), narrower, ON)) == [("sponsor.direct_category", "reject")]


def test_materials_checklist_complete_or_not():
    assert materials_findings(case_of(GROUP_FORM)) == []
    data = form(GROUP_FORM)
    data["received"] = ["SQS"]
    findings = materials_findings(case_of(data))
    assert rules_of(findings) == [("materials.missing", "reject")] and "章程草案" in findings[0].message


def _group_with_legal_rep_born(birth: date, appointed: str = "") -> Case:
    data = form(GROUP_FORM)
    data["persons"][0] = {**data["persons"][0], "id_number": id_number(birth), "appointed_on": appointed}
    return case_of(data)


@pytest.mark.parametrize(("birth", "ok"), [(date(1955, 9, 23), True), (date(1955, 9, 22), False)])
def test_age_at_most_70_on_the_appointment_day(birth, ok):
    # born 1955-09-23: 70 on 2026-09-22 (allowed); born 1955-09-22: turns 71 that day (refused)
    findings = persons_findings(_group_with_legal_rep_born(birth), RULES, ON, RegistryFacts())
    assert rules_of(findings) == ([] if ok else [("persons.age", "reject")])


def test_age_limit_is_for_heads_not_for_founders_only():
    data = form(GROUP_FORM)
    data["persons"].append({"name": "周老", "id_number": id_number(date(1940, 1, 1), "468"), "phone": "13911112222",
                            "roles": "发起人"})
    assert persons_findings(case_of(data), RULES, ON, RegistryFacts()) == []
    data["persons"][-1]["roles"] = "发起人,负责人"
    assert rules_of(persons_findings(case_of(data), RULES, ON, RegistryFacts())) == [("persons.age", "reject")]


def test_age_counts_on_the_recorded_appointment_date():
    case = _group_with_legal_rep_born(date(1955, 9, 22), appointed="2026-09-21")
    assert persons_findings(case, RULES, ON, RegistryFacts()) == []


def test_id_number_check_character_rechecked():
    case = case_of(GROUP_FORM)
    good = case.persons[0].id_number
    case.persons[0].id_number = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert rules_of(persons_findings(case, RULES, ON, RegistryFacts())) == [("persons.id_number", "reject")]


def test_dishonest_list_and_other_groups_from_the_database(tmp_path):
    window = make_window(tmp_path)
    case = case_of(GROUP_FORM)
    legal = case.persons[0]
    with window.store.write() as session:
        session.add(case)
        session.flush()
        assert persons_findings(case, RULES, ON, registry_facts_in(session, case, ON)) == []
        # name-only matches in the imported registry: warnings naming the organizations
        add_organization_in(session, OrganizationRecord(name="上海市长宁区书画协会", org_type="社会团体",
                                                     legal_representative=legal.name), actor="t")
        add_organization_in(session, OrganizationRecord(name="上海市长宁区某某文化中心", org_type="民办非企业单位",
                                                     legal_representative=legal.name, on_dishonest_list=True), actor="t")
        add_organization_in(session, OrganizationRecord(name="上海市长宁区棋类协会", org_type="社会团体", status="已注销",
                                                     legal_representative=legal.name), actor="t")
        findings = persons_findings(case, RULES, ON, registry_facts_in(session, case, ON))
        assert rules_of(findings) == [("persons.dishonest_org", "warn"), ("persons.legal_rep_other_group_name", "warn")]
        assert findings[0].organizations == ["上海市长宁区某某文化中心"]
        assert findings[1].organizations == ["上海市长宁区书画协会"]  # not the deregistered one
        # the exact list, by ID number, from the day of listing until removal
        session.add(DishonestPerson(id_number=legal.id_number, name=legal.name, listed_on=ON, source="test"))
        session.flush()
        assert ("persons.dishonest", "reject") in rules_of(persons_findings(case, RULES, ON, registry_facts_in(session, case, ON)))
        assert ("persons.dishonest", "reject") not in rules_of(
            persons_findings(case, RULES, date(2026, 9, 21), registry_facts_in(session, case, date(2026, 9, 21))))
        # the same ID as legal representative of an active 社团 registered through this window
        other = case_of(form(GROUP_FORM, name="上海市长宁区围棋协会"))
        other.organization_id = session.scalar(select(Organization.id).where(Organization.name == "上海市长宁区书画协会"))
        other.case_no = "310105-W01-2026-999998"
        session.add(other)
        session.flush()
        findings = persons_findings(case, RULES, ON, registry_facts_in(session, case, ON))
        assert ("persons.legal_rep_other_group", "reject") in rules_of(findings)
        assert ("persons.legal_rep_other_group_name", "warn") not in rules_of(findings)
        session.rollback()
    window.store.close()


def test_legal_rep_rule_only_for_groups():
    facts = RegistryFacts(group_by_legal_rep_name={"陈晓东": ["上海市长宁区书画协会"]})
    assert persons_findings(case_of(SERVICE_FORM), RULES, ON, facts) == []


def test_name_check_runs_against_the_registry_on_the_day(tmp_path):
    window = make_window(tmp_path)
    case = case_of(GROUP_FORM)
    with window.store.write() as session:
        assert name_findings_in(session, case, ON) == []
        add_organization_in(session, OrganizationRecord(name=case.name, org_type="社会团体", status="已注销",
                                                     status_changed_on=date(2025, 9, 23)), actor="t")
        assert rules_of(name_findings_in(session, case, ON))[0][1] == "reject"  # deregistered < 1 year ago
        assert all(f.level != "reject" for f in name_findings_in(session, case, date(2026, 9, 23)))
        session.rollback()
    window.store.close()


def test_person_rows_carry_their_roles():
    case = case_of(GROUP_FORM)
    assert isinstance(case.persons[0], CasePerson)
    assert {r.value for r in case.persons[0].role_set} == {"发起人", "法定代表人"}


def test_dishonest_list_kept_through_the_cli_blocks_the_person(tmp_path, monkeypatch, capsys):
    window = make_window(tmp_path)
    db = str(window.store.path)
    legal = read_intake(GROUP_FORM).persons[0]
    monkeypatch.setenv("SOREG_PASSWORD", PASSWORD)
    assert run(["--db", db, "--user", "clerk", "dishonest", "add", legal["id_number"], legal["name"],
                "--listed-on", "2026-09-01", "--source", "长民罚〔2026〕1号"]) == 2
    assert "没有“管理员”或“审批”角色" in capsys.readouterr().err
    wrong = legal["id_number"][:-1] + ("1" if legal["id_number"][-1] != "1" else "2")
    assert run(["--db", db, "--user", "approver", "dishonest", "add", wrong, legal["name"],
                "--listed-on", "2026-09-01", "--source", "x"]) == 2
    assert "“身份证号”校验位（最后一位）不正确" in capsys.readouterr().err
    assert run(["--db", db, "--user", "approver", "dishonest", "add", legal["id_number"], legal["name"],
                "--listed-on", "2026-09-01", "--source", "长民罚〔2026〕1号"]) == 0
    case = case_of(GROUP_FORM)
    with window.store.read() as session:
        assert ("persons.dishonest", "reject") in rules_of(persons_findings(case, RULES, ON, registry_facts_in(session, case, ON)))
    assert run(["--db", db, "--user", "approver", "dishonest", "remove", legal["id_number"], "--on", "2026-09-20"]) == 0
    with window.store.read() as session:
        assert persons_findings(case, RULES, ON, registry_facts_in(session, case, ON)) == []
        assert ("persons.dishonest", "reject") in rules_of(
            persons_findings(case, RULES, date(2026, 9, 10), registry_facts_in(session, case, date(2026, 9, 10))))
    assert [(p.name, p.removed_on) for p in listed_persons(window.store)] == [(legal["name"], date(2026, 9, 20))]
    window.store.close()
