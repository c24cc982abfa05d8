"""Step checks (审查要点): what each review step looks at, as findings in the name check's shape.

Every check is a pure function of the case, the rules (models/case_rules.py) and the day it runs
on, returning ``Finding``s (rule, level reject | warn | info, Chinese message, organizations).
What a check needs from the database is looked up first into plain values (``RegistryFacts``),
so the checks themselves touch no session; only the name check reads the registry itself, as
the name check does (registry/name_check.py).

The persons check uses two sources for the 严重违法失信名单 and for the one-社团 rule:
- exact, by 身份证号: the local list ``dishonest_persons`` and the legal representatives of
  organizations registered through this window (case_persons of approved cases) → reject;
- by name only, against the registry's ``legal_representative`` column (imported data carries
  no ID numbers): an organization on the 严重违法失信名单, or another active 社会团体, whose legal
  representative has the same name → warn, for the reviewer to confirm whether it is the same person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from stdnum.cn import ric

from forms.conditions import (
    GROUP,
    age_excess,
    funds_shortfall,
    members_shortfall,
    premises_shortfall,
    type_limits,
)
from forms.intake import HEADS
from models.cases import Case, CasePerson, DishonestPerson, PersonRole
from models.reference import scope_catalogue
from models.registry import Organization, OrgStatus
from printing.field_limits import certificate_refusals
from registry.name_check import check_name_in
from registry.name_rules import INFO, REJECT, WARN, Finding
from workflow.case_documents import certificate_drafts
from workflow.print_records import old_certificates_in

CHARTER_MATERIAL = "ZCXZ"  # 章程修正案 in the 变更登记 checklists (reference/materials.json)


def has_rejects(findings: Iterable[Finding]) -> bool:
    return any(f.level == REJECT for f in findings)


def warnings_of(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.level == WARN]


# ---- materials (受理) -------------------------------------------------------------------------

def materials_findings(case: Case) -> list[Finding]:
    """Every checklist item must have been received before review starts."""
    missing = [m.label for m in case.materials if not m.received]
    if not missing:
        return []
    return [Finding("materials.missing", REJECT, f"申请材料不齐：{'、'.join(missing)} 尚未收到，请补正后再审查。")]


# ---- name (名称核准) ------------------------------------------------------------------------

def name_findings_in(session: Session, case: Case, as_of: date) -> list[Finding]:
    """The name check again, against the registry and the names other open cases hold (名称保留)
    as they are on ``as_of`` (the case's own organization, when it changes its name, is no
    clash); and, when the clerk accepted the case although the name check refused the name, the
    reason recorded at intake."""
    findings = list(check_name_in(session, case.name, case.org_type, as_of, own=case.organization_id,
                                  case_id=case.id).findings)
    if case.name_override_reason:
        findings.append(Finding("name.override_reason", INFO,
                                f"受理时名称核准未通过，受理人 {case.accepted_by} 记录的受理理由：{case.name_override_reason}"))
    return findings


# ---- scope (业务范围审定) -------------------------------------------------------------------

def scope_findings(case: Case, as_of: date) -> list[Finding]:
    """Catalogue items pass; free-text items are flagged; prior approvals must be recorded."""
    if not case.scope_items:
        return [Finding("scope.empty", REJECT, "业务范围为空，请至少填写一项。")]
    catalogue = {item.code: item for item in scope_catalogue()}
    findings: list[Finding] = []
    for n, item in enumerate(case.scope_items, start=1):
        entry = catalogue.get(item.catalogue_code or "")
        if entry is None:
            findings.append(Finding("scope.free_text", WARN,
                                    f"业务范围第 {n} 项“{item.text}”不在目录中，请审核其表述，并判断是否需要前置审批。"))
            continue
        if entry.prior_approval is None:
            continue
        if not item.approval_doc_no or item.approval_date is None:
            findings.append(Finding("scope.prior_approval_missing", REJECT,
                                    f"业务范围第 {n} 项“{entry.text}”须经{entry.prior_approval}前置审批，"
                                    "请录入审批文号和审批日期。"))
        elif item.approval_date > as_of:
            findings.append(Finding("scope.prior_approval_future", REJECT,
                                    f"业务范围第 {n} 项的前置审批日期 {item.approval_date:%Y-%m-%d} 晚于今天，请核对。"))
    return findings


# ---- sponsor (业务主管单位审查) -------------------------------------------------------------

def sponsor_findings(case: Case, rules: dict[str, Any], as_of: date) -> list[Finding]:
    """A justified direct-registration category, or the sponsor's consent with number and date."""
    categories = rules["direct_registration_categories"]
    if case.direct_category:
        findings = []
        if case.direct_category not in categories:
            findings.append(Finding("sponsor.direct_category", REJECT,
                                    f"直接登记类别“{case.direct_category}”不在可直接登记的类别中（{'、'.join(categories)}），"
                                    "请改选类别或取得业务主管单位同意。"))
        if not (case.direct_justification or "").strip():
            findings.append(Finding("sponsor.direct_justification", REJECT, "选择直接登记的，请填写“直接登记理由”。"))
        return findings
    if not case.sponsor:
        return [Finding("sponsor.missing", REJECT,
                        f"既未填写业务主管单位，也未选择直接登记类别（{'、'.join(categories)}），请补充其一。")]
    findings = []
    if not case.sponsor_consent_doc_no:
        findings.append(Finding("sponsor.consent_doc_no", REJECT, f"请录入业务主管单位“{case.sponsor}”的批准文号。"))
    if case.sponsor_consent_date is None:
        findings.append(Finding("sponsor.consent_date", REJECT, f"请录入业务主管单位“{case.sponsor}”的批准日期。"))
    elif case.sponsor_consent_date > as_of:
        findings.append(Finding("sponsor.consent_future", REJECT,
                                f"业务主管单位批准日期 {case.sponsor_consent_date:%Y-%m-%d} 晚于今天，请核对。"))
    return findings


# ---- registration conditions (登记条件) -------------------------------------------------------

def conditions_findings(case: Case, rules: dict[str, Any], as_of: date) -> list[Finding]:
    """Member counts (社会团体), funds at or above the type's minimum, premises document."""
    limits = type_limits(rules, case.org_type)
    findings: list[Finding] = []
    if case.org_type == GROUP and (short := members_shortfall(case.individual_members, case.unit_members, limits)):
        findings.append(Finding("conditions.members", REJECT, f"会员数不足：{short}。"))
    if short := funds_shortfall(case.funds_yuan, case.org_type, limits):
        findings.append(Finding("conditions.funds", REJECT, f"注册资金/开办资金 {short}。"))
    if not (case.premises_document or "").strip():
        findings.append(Finding("conditions.premises", REJECT, "未录入住所证明文件（产权证明或使用权证明），请补充。"))
    elif case.premises_valid_until is not None and (short := premises_shortfall(case.premises_valid_until, as_of, rules)):
        findings.append(Finding("conditions.premises_term", REJECT,
                                f"住所使用期限{short}，请提供更长期限的使用权证明。"))
    return findings


# ---- persons (发起人/拟任负责人审查) ----------------------------------------------------------

@dataclass(frozen=True)
class RegistryFacts:
    """What the persons check needs from the database, looked up by ``registry_facts_in``."""

    dishonest_ids: frozenset[str] = frozenset()
    dishonest_org_by_name: dict[str, list[str]] = field(default_factory=dict)
    group_by_legal_rep_id: dict[str, list[str]] = field(default_factory=dict)
    group_by_legal_rep_name: dict[str, list[str]] = field(default_factory=dict)


def _person_label(person: CasePerson) -> str:
    return f"{'、'.join(sorted(person.role_set))} {person.name}"


def persons_findings(case: Case, rules: dict[str, Any], on: date, facts: RegistryFacts) -> list[Finding]:
    """ID check character, the age limit of the legal representative and responsible persons on
    their appointment date, the 严重违法失信名单 and, for a 社会团体, its legal representative
    heading no other active 社会团体."""
    findings: list[Finding] = []
    for person in case.persons:
        label = _person_label(person)
        if not ric.is_valid(person.id_number):
            findings.append(Finding("persons.id_number", REJECT, f"{label} 的身份证号 {person.id_number} 校验不通过，请核对。"))
            continue
        excess = age_excess(person.birth_date, person.appointed_on or on, rules)
        if excess and person.role_set & HEADS:
            findings.append(Finding("persons.age", REJECT, f"{label} {excess}。"))
        if person.id_number in facts.dishonest_ids:
            findings.append(Finding("persons.dishonest", REJECT, f"{label} 列入严重违法失信名单（按身份证号匹配），不得担任。"))
        if person.name in facts.dishonest_org_by_name:
            orgs = facts.dishonest_org_by_name[person.name]
            findings.append(Finding("persons.dishonest_org", WARN,
                                    f"{label} 与列入严重违法失信名单的组织的法定代表人同名，请核实是否同一人。", orgs))
        if case.org_type == GROUP and PersonRole.LEGAL_REPRESENTATIVE in person.role_set:
            same_id = facts.group_by_legal_rep_id.get(person.id_number, [])
            if same_id:
                findings.append(Finding("persons.legal_rep_other_group", REJECT,
                                        f"拟任法定代表人 {person.name} 已是其他社会团体的法定代表人，"
                                        "社会团体的法定代表人不得同时担任其他社会团体的法定代表人。", same_id))
            same_name = [o for o in facts.group_by_legal_rep_name.get(person.name, []) if o not in same_id]
            if same_name:
                findings.append(Finding("persons.legal_rep_other_group_name", WARN,
                                        f"拟任法定代表人 {person.name} 与其他正常登记的社会团体的法定代表人同名，"
                                        "请核实是否同一人。", same_name))
    return findings


def registry_facts_in(session: Session, case: Case, on: date) -> RegistryFacts:
    """Look up, for the case's persons, the 失信 list and the legal representatives of active 社团."""
    ids = [p.id_number for p in case.persons]
    names = [p.name for p in case.persons]
    dishonest_ids = frozenset(session.scalars(
        select(DishonestPerson.id_number).where(
            DishonestPerson.id_number.in_(ids),
            DishonestPerson.listed_on <= on,
            or_(DishonestPerson.removed_on.is_(None), DishonestPerson.removed_on > on),
        )
    ))
    dishonest_orgs = _names_by(session.execute(
        select(Organization.legal_representative, Organization.name).where(
            Organization.legal_representative.in_(names), Organization.on_dishonest_list.is_(True))
    ))
    active_group = (Organization.org_type == GROUP, Organization.status == OrgStatus.ACTIVE.value)
    by_id = _names_by(session.execute(
        select(CasePerson.id_number, Organization.name)
        .join(Case, Case.id == CasePerson.case_id)
        .join(Organization, Organization.id == Case.organization_id)
        .where(CasePerson.id_number.in_(ids), CasePerson.roles.contains(PersonRole.LEGAL_REPRESENTATIVE.value),
               Case.id != case.id, *active_group)
    ))
    by_name = _names_by(session.execute(
        select(Organization.legal_representative, Organization.name).where(
            Organization.legal_representative.in_(names), *active_group)
    ))
    return RegistryFacts(dishonest_ids, dishonest_orgs, by_id, by_name)


def _names_by(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, name in rows:
        grouped.setdefault(key, []).append(name)
    return grouped


# ---- the certificate (登记证书) --------------------------------------------------------------

def certificate_findings(case: Case, as_of: date) -> list[Finding]:
    """Both copies of the certificate must print the registered items as they stand: every value fits
    its box, every character has a glyph (checked by printing them as drafts)."""
    refusals = certificate_refusals(certificate_drafts(case, as_of))
    return [Finding("certificate.unprintable", REJECT, message) for message in refusals]


# ---- the organization a case changes (变更登记) ------------------------------------------------

def registered_refusal(org: Organization) -> str | None:
    """Why a registered organization may not change its registered items now, or None: one not
    正常 (deregistered, revoked) or on the 活动异常名录 (list of abnormal activity)."""
    if org.status != OrgStatus.ACTIVE.value:
        return f"“{org.name}”的登记状态为“{org.status}”，不能办理变更登记。"
    if org.on_abnormal_list:
        return (f"“{org.name}”已被列入活动异常名录，不能办理变更登记；"
                "请先依法移出活动异常名录（如补报年度工作报告），再申请变更。")
    return None


def registered_findings_in(session: Session, case: Case) -> list[Finding]:
    """The organization the case changes may change now (refused with the reason otherwise)."""
    org = session.get(Organization, case.organization_id) if case.organization_id else None
    if org is None:
        return [Finding("registered.missing", REJECT, "办件未关联登记库中的组织，请从登记库中的组织发起变更登记。")]
    reason = registered_refusal(org)
    return [Finding("registered.refused", REJECT, reason)] if reason else []


def funds_findings(case: Case, rules: dict[str, Any]) -> list[Finding]:
    """The new 注册资金/开办资金/原始基金 at or above the type's minimum."""
    short = funds_shortfall(case.funds_yuan, case.org_type, type_limits(rules, case.org_type))
    return [Finding("conditions.funds", REJECT, f"变更后的注册资金/开办资金 {short}。")] if short else []


def charter_findings(case: Case) -> list[Finding]:
    """章程核准: the amended 章程 (章程修正案) received, and the 宗旨 it sets not empty."""
    findings = [Finding("charter.missing", REJECT, f"尚未收到“{m.label}”，请补正后再核准章程。")
                for m in case.materials if m.item_code == CHARTER_MATERIAL and not m.received]
    if not case.purpose.strip():
        findings.append(Finding("charter.purpose", REJECT, "章程修正后的“宗旨”为空，请按章程修正案填写。"))
    if not findings:
        findings.append(Finding("charter.review", INFO, "请对照章程示范文本审查章程修正案，确认修改内容符合法律法规。"))
    return findings


def old_certificates_findings_in(session: Session, case: Case) -> list[Finding]:
    """发证 of a new certificate: the organization's earlier copies that still stand are taken back
    and voided at issue (旧证收回作废); the clerk confirms they were handed in."""
    old = old_certificates_in(session, case)
    if not old:
        return [Finding("old_certificates.none", INFO, "该组织没有需收回的旧登记证书。")]
    listed = "、".join(f"{r.copy}（印制号 {r.serial}）" for r in old)
    return [Finding("old_certificates.return", WARN, f"发证时须收回旧登记证书{listed}，发证后旧证作废；请确认已收回。")]


# ---- the checks by id (what a business's steps name in the catalogue) ----------------------

StepCheck = Callable[[Session, Case, dict[str, Any], date], list[Finding]]

CHECKS: dict[str, StepCheck] = {
    "materials": lambda s, c, r, d: materials_findings(c),
    "name": lambda s, c, r, d: name_findings_in(s, c, d),
    "scope": lambda s, c, r, d: scope_findings(c, d),
    "sponsor": lambda s, c, r, d: sponsor_findings(c, r, d),
    "persons": lambda s, c, r, d: persons_findings(c, r, d, registry_facts_in(s, c, d)),
    "conditions": lambda s, c, r, d: conditions_findings(c, r, d),
    "certificate": lambda s, c, r, d: certificate_findings(c, d),
    "registered": lambda s, c, r, d: registered_findings_in(s, c),
    "funds": lambda s, c, r, d: funds_findings(c, r),
    "charter": lambda s, c, r, d: charter_findings(c),
    "old_certificates_returned": lambda s, c, r, d: old_certificates_findings_in(s, c),
}


def run_checks_in(session: Session, case: Case, rules: dict[str, Any], on: date, check_ids: Iterable[str]) -> list[Finding]:
    """The findings of the checks ``check_ids`` (a step's, from the catalogue), in order."""
    return [f for check_id in check_ids for f in CHECKS[check_id](session, case, rules, on)]
