"""The name check (名称核准): a verdict on a proposed name, with every reason and organization.

``check_name`` runs the form rules (``registry/name_rules.py``) and compares the name with the
registry through the name index (organization_names, name_variants): identical names and
字号 (reject), homophone and one-character-different 字号, equal 字号 in another field or form
(warn). Only organizations that are registered now, or renamed / deregistered less than 1 year
or revoked less than 3 years before the check date, count; older ones are mentioned as info.
Names reserved for open cases (名称保留, models/name_reservations.py) count by the same
relations, each named with its case number and window, until the case ends or the 保留期 runs
out; a case's own reservation does not count against it.

"Less than N years before the check date" means: the check date lies before the N-th
anniversary of the change date (deregistered 2025-03-01 still blocks on 2026-02-28, not on
2026-03-01); from 29 February the anniversary in a common year is 1 March.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from sqlalchemy import (
    CompoundSelect,
    bindparam,
    column,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.orm import Session

from models import reference
from models.errors import SoregError
from models.name_reservations import NameReservation
from models.registry import NameVariant, Organization, OrganizationName, OrgStatus
from models.store import Store
from registry.name_index import VARIANT_SQL
from registry.name_rules import (
    FORM_RULES,
    INFO,
    REJECT,
    WARN,
    Finding,
    name_rule_limits,
    zihao_label,
)
from registry.names import (
    ParsedName,
    normalize_name,
    one_char_deletions,
    parse_name,
    pinyin_key,
    variant_key,
    within_one_edit,
)
from registry.registry_indexes import ensure_registry_indexes, variants_pending

LISTED_IN_MESSAGE = 5  # a message names this many organizations; the finding lists them all
VERDICT_LABELS = {"pass": "通过", "warn": "需审核", "reject": "不予通过"}


@dataclass(frozen=True)
class NameCheckResult:
    """The verdict (pass | warn | reject), the findings behind it and the split that was used."""

    name: str
    verdict: str
    findings: list[Finding]
    parsed: ParsedName

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    def to_dict(self) -> dict:
        p = self.parsed
        return {
            "name": self.name,
            "verdict": self.verdict,
            "findings": [f.to_dict() for f in self.findings],
            "parsed": {"region": p.region, "zihao": p.zihao, "field": p.field_word, "form": p.form},
        }


@dataclass(frozen=True)
class RegisteredName:
    """One indexed name (current or former) of an organization, with that organization's state."""

    organization_id: int  # the organization's rowid: cheaper to read than its UUID
    name: str
    is_current: bool
    renamed_on: date | None
    org_type: str
    compare_key: str
    compare_pinyin: str
    field: str
    form: str
    organization: str
    status: str
    status_changed_on: date | None


def anniversary(day: date, years: int) -> date:
    """``day`` moved ``years`` years on; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def protected_until(entry: RegisteredName) -> date | None:
    """The first day ``entry`` no longer protects its name; None while it is in use."""
    limits = name_rule_limits()
    if not entry.is_current:
        changed, years = entry.renamed_on, limits.renamed_years
    elif entry.status == OrgStatus.DEREGISTERED:
        changed, years = entry.status_changed_on, limits.deregistered_years
    elif entry.status == OrgStatus.REVOKED:
        changed, years = entry.status_changed_on, limits.revoked_years
    else:
        return None
    # a change without a date cannot be shown to be old enough: it keeps protecting
    return date.max if changed is None else anniversary(changed, years)


def is_protected(entry: RegisteredName, as_of: date) -> bool:
    until = protected_until(entry)
    return until is None or as_of < until


def describe(entry: RegisteredName) -> str:
    """The organization as the clerk should read it in a finding: name, state and dates."""
    if not entry.is_current:
        when = entry.renamed_on.isoformat() if entry.renamed_on else "日期不详"
        return f"“{entry.name}”（曾用名，{when} 更名，现名“{entry.organization}”）"
    if entry.status == OrgStatus.ACTIVE:
        return f"“{entry.name}”（{entry.status}）"
    when = entry.status_changed_on.isoformat() if entry.status_changed_on else "日期不详"
    return f"“{entry.name}”（{when} {entry.status}）"


# The relations between a proposed name and a registered one, strongest first:
# rule id, level, and the message before the list of organizations.
RELATIONS: dict[str, tuple[str, str]] = {
    "identical_name": (REJECT, "与已登记的社会组织名称相同"),
    "identical_zihao": (REJECT, "与行(事)业领域和组织形式都相同的社会组织{label}相同"),
    "homophone_zihao": (WARN, "与行(事)业领域和组织形式都相同的社会组织{label}读音相同，易混淆，请审核人员判断"),
    "one_char_zihao": (WARN, "与行(事)业领域和组织形式都相同的社会组织{label}只差一个字，易混淆，请审核人员判断"),
    "same_zihao_other_form": (WARN, "与行(事)业领域相同、组织形式不同的社会组织{label}相同，请审核人员判断"),
    "same_zihao_other_field": (WARN, "与组织形式相同、行(事)业领域不同的社会组织{label}相同，请审核人员判断"),
}


@dataclass(frozen=True)
class Proposed:
    """What the registry rules compare of the proposed name, computed once per check."""

    name: str
    key: str
    pinyin: str
    field: str
    form: str
    comparable_types: frozenset[str]  # the types whose key means the same (字号, or middle part)

    @classmethod
    def of(cls, parsed: ParsedName) -> Proposed:
        types = reference.org_types()
        has_zihao = types[parsed.org_type].has_zihao
        key = parsed.compare_key
        return cls(
            parsed.name, key, pinyin_key(key) if key else "", parsed.compare_field, parsed.form,
            frozenset(name for name, t in types.items() if t.has_zihao == has_zihao),
        )


def relation(proposed: Proposed, entry: RegisteredName) -> str | None:
    """Which rule ``entry`` falls under for the proposed name, if any."""
    if entry.name == proposed.name:
        return "identical_name"
    key = proposed.key
    if not key or entry.org_type not in proposed.comparable_types:
        return None
    same_field, same_form = entry.field == proposed.field, entry.form == proposed.form
    if entry.compare_key == key:
        if same_field and same_form:
            return "identical_zihao"
        if same_field:
            return "same_zihao_other_form"
        if same_form:
            return "same_zihao_other_field"
        return None
    if not (same_field and same_form):
        return None
    if entry.compare_pinyin == proposed.pinyin:
        return "homophone_zihao"
    if within_one_edit(key, entry.compare_key):
        return "one_char_zihao"
    return None


@cache
def candidate_statement(by_key: bool, variants_ready: bool = True) -> CompoundSelect:
    """The query for registered names that could be identical or similar: index look-ups only.

    Built once (so SQLAlchemy compiles it once). Look-ups: the full name; with ``by_key`` also
    the key and its one-character deletions (equal, or one character removed), the homophone
    key, and name_variants keyed by field and form (one character added or replaced). Rows
    with the proposed key itself come from the key look-up alone, so the others skip them
    before joining the organization. While names may lack their one-edit keys (after a registry
    import into an empty registry, until ``ensure_registry_indexes``: ``variants_ready`` false),
    those of the names of the same field and form and a fitting length are computed here.
    """
    n, o = OrganizationName, Organization
    columns = (
        n.id, literal_column("organizations.rowid"), n.name, n.is_current, n.renamed_on, n.org_type,
        n.compare_key, n.compare_pinyin, n.field, n.form, o.name.label("organization"), o.status, o.status_changed_on,
    )
    base = select(*columns).join(o, o.id == n.organization_id)
    if not by_key:
        return union_all(base.where(n.name == bindparam("name")))
    other_key = n.compare_key != bindparam("key")
    same = (n.field == bindparam("field"), n.form == bindparam("form"))
    variant_ids = select(NameVariant.name_id).where(NameVariant.variant.in_(bindparam("variants", expanding=True))) \
        if variants_ready else _COMPUTED_VARIANT_IDS
    return union_all(
        base.where(n.name == bindparam("name"), other_key),
        # an equal key in both another field and another form is no concern: skip it before the join
        base.where(n.compare_key.in_(bindparam("keys", expanding=True)), or_(*same, other_key)),
        base.where(n.compare_pinyin == bindparam("pinyin"), other_key, *same),
        base.where(n.id.in_(variant_ids), other_key, *same),
    )


_COMPUTED_VARIANT_IDS = text(f"""
WITH RECURSIVE position(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM position WHERE i <= :length)
SELECT n.id FROM organization_names AS n CROSS JOIN position AS p
WHERE n.field = :field AND n.form = :form AND length(n.compare_key) IN (:length, :length + 1)
  AND length(n.compare_key) > 1 AND p.i <= length(n.compare_key) AND {VARIANT_SQL} IN :variants
""").bindparams(bindparam("variants", expanding=True)).columns(column("id"))
"""The ids of the names with one of the one-edit keys ``variants`` (of a key of ``length``
characters or one less), computed as ``fill_name_variants`` computes them: a name one character
longer or as long can have them."""


def candidate_query(parsed: ParsedName, variants_ready: bool = True) -> tuple[CompoundSelect, dict]:
    """The candidate statement for ``parsed`` and its parameters."""
    key = parsed.compare_key
    if not key:
        return candidate_statement(False), {"name": parsed.name}
    keys = sorted({key} | one_char_deletions(key))
    params = {
        "name": parsed.name,
        "key": key,
        "keys": keys,
        "pinyin": pinyin_key(key),
        "field": parsed.compare_field,
        "form": parsed.form,
        "variants": [variant_key(k, parsed.compare_field, parsed.form) for k in keys],
    }
    if not variants_ready:
        params["length"] = len(key)
    return candidate_statement(True, variants_ready), params


def candidate_names_in(session: Session, parsed: ParsedName) -> list[RegisteredName]:
    """Each registered name found by any of the look-ups, once."""
    statement, params = candidate_query(parsed, not variants_pending(session.connection()))
    found: dict[int, RegisteredName] = {}
    for name_id, *columns in session.connection().execute(statement, params):
        if name_id not in found:
            found[name_id] = RegisteredName(*columns)
    return list(found.values())


def listing(descriptions: list[str]) -> str:
    """The organizations as a message names them: all of a few, the first few of many."""
    shown = "；".join(descriptions[:LISTED_IN_MESSAGE])
    more = len(descriptions) - LISTED_IN_MESSAGE
    return shown + (f"；等，共 {len(descriptions)} 个（见所列组织）。" if more > 0 else "。")


def registry_findings_in(session: Session, parsed: ParsedName, as_of: date, *, own: int | None = None) -> list[Finding]:
    """Identical and similar names in the registry, grouped by rule; old ones as one info finding.

    Each organization is named once, under its strongest relation; one that is past its
    protection period is named in the info finding only if no protected name of it counts.
    ``own``: the rowid of the organization that applies (a 变更登记): its own names are no clash.
    """
    proposed = Proposed.of(parsed)
    strongest: dict[int, tuple[int, RegisteredName]] = {}
    expired: dict[int, RegisteredName] = {}
    order = list(RELATIONS)
    for entry in candidate_names_in(session, parsed):
        if entry.organization_id == own:
            continue
        rule = relation(proposed, entry)
        if rule is None:
            continue
        if is_protected(entry, as_of):
            rank = order.index(rule)
            if entry.organization_id not in strongest or rank < strongest[entry.organization_id][0]:
                strongest[entry.organization_id] = (rank, entry)
        else:
            expired.setdefault(entry.organization_id, entry)
    label = zihao_label(parsed.org_type)
    findings = []
    for rank, rule in enumerate(order):
        entries = sorted((e for r, e in strongest.values() if r == rank), key=lambda e: (e.organization, e.name))
        if entries:
            level, sentence = RELATIONS[rule]
            message = sentence.format(label=label) + "：" + listing([describe(e) for e in entries])
            findings.append(Finding(rule, level, message, [e.organization for e in entries]))
    old = sorted((e for oid, e in expired.items() if oid not in strongest), key=lambda e: (e.organization, e.name))
    if old:
        texts = [f"{describe(e)}，保护期至 {protected_until(e):%Y-%m-%d} 前" for e in old]
        message = "以下名称相同或相近的社会组织已过名称保护期，不影响本次核准结果：" + listing(texts)
        findings.append(Finding("expired_protection", INFO, message, [e.organization for e in old]))
    return findings


# The same relations to a name reserved for an open case (名称保留): rule "reserved.<relation>".
RESERVED_RELATIONS: dict[str, tuple[str, str]] = {
    "identical_name": (REJECT, "与正在办理的办件已保留的名称相同"),
    "identical_zihao": (REJECT, "与正在办理的、行(事)业领域和组织形式都相同的办件所保留名称的{label}相同"),
    "homophone_zihao": (WARN, "与正在办理的、行(事)业领域和组织形式都相同的办件所保留名称的{label}读音相同，易混淆，请审核人员判断"),
    "one_char_zihao": (WARN, "与正在办理的、行(事)业领域和组织形式都相同的办件所保留名称的{label}只差一个字，易混淆，请审核人员判断"),
    "same_zihao_other_form": (WARN, "与正在办理的、行(事)业领域相同、组织形式不同的办件所保留名称的{label}相同，请审核人员判断"),
    "same_zihao_other_field": (WARN, "与正在办理的、组织形式相同、行(事)业领域不同的办件所保留名称的{label}相同，请审核人员判断"),
}


def reserved_names_in(session: Session, parsed: ParsedName, as_of: date,
                      case_id: uuid.UUID | None = None) -> list[NameReservation]:
    """Reservations in force on ``as_of`` that could relate to ``parsed`` (the same name, the same
    key, or the same field and form), other than ``case_id``'s own: index look-ups."""
    r = NameReservation
    candidates = [r.name == parsed.name]
    if parsed.compare_key:
        candidates += [r.compare_key == parsed.compare_key, (r.field == parsed.compare_field) & (r.form == parsed.form)]
    query = select(r).where(r.ended_on.is_(None), r.expires_on > as_of, or_(*candidates))
    if case_id is not None:
        query = query.where(r.case_id != case_id)
    return list(session.scalars(query))


def reservation_findings_in(session: Session, parsed: ParsedName, as_of: date,
                            case_id: uuid.UUID | None = None) -> list[Finding]:
    """Names reserved for open cases that are identical or similar, grouped by rule, each named
    with its case number, window and last day reserved."""
    proposed = Proposed.of(parsed)
    order = list(RESERVED_RELATIONS)
    ranked = sorted(((order.index(rule), entry) for entry in reserved_names_in(session, parsed, as_of, case_id)
                     if (rule := relation(proposed, entry)) is not None), key=lambda x: (x[0], x[1].case_no))
    label = zihao_label(parsed.org_type)
    findings = []
    for rank, rule in enumerate(order):
        entries = [e for r, e in ranked if r == rank]
        if entries:
            level, sentence = RESERVED_RELATIONS[rule]
            texts = [f"窗口 {e.window_code} 办件 {e.case_no} 保留的“{e.name}”（保留至 {e.expires_on - timedelta(days=1):%Y-%m-%d}）"
                     for e in entries]
            findings.append(Finding(f"reserved.{rule}", level, sentence.format(label=label) + "：" + listing(texts),
                                    [e.case_no for e in entries]))
    return findings


def verdict_of(findings: list[Finding]) -> str:
    levels = {f.level for f in findings}
    return "reject" if REJECT in levels else "warn" if WARN in levels else "pass"


def _validate(name: str, org_type: str) -> str:
    if org_type not in reference.org_types():
        allowed = "、".join(reference.org_types())
        raise SoregError(f"组织类型“{org_type}”无效，应为：{allowed}。", field="组织类型")
    normalized = normalize_name(name)
    if not normalized:
        raise SoregError("请输入拟申请的名称。", field="名称")
    return normalized


def check_name(store: Store, name: str, org_type: str, as_of: date, parsed: ParsedName | None = None, *,
               own: uuid.UUID | None = None, case_id: uuid.UUID | None = None) -> NameCheckResult:
    """Check a proposed name for ``org_type`` on ``as_of``; ``parsed`` is the clerk's corrected split;
    ``own``: the organization that applies for it (a change of name), whose names are no clash;
    ``case_id``: the case whose own reservation does not count."""
    with store.read() as session:
        return check_name_in(session, name, org_type, as_of, parsed, own=own, case_id=case_id)


def check_name_in(session: Session, name: str, org_type: str, as_of: date, parsed: ParsedName | None = None, *,
                  own: uuid.UUID | None = None, case_id: uuid.UUID | None = None) -> NameCheckResult:
    """``check_name`` in the caller's transaction."""
    normalized = _validate(name, org_type)
    if parsed is None:
        parsed = parse_name(normalized, org_type)
    findings = [f for rule in FORM_RULES for f in rule(parsed)] + registry_findings_in(
        session, parsed, as_of, own=None if own is None else session.scalar(
            select(literal_column("organizations.rowid")).where(Organization.id == own)))
    findings += reservation_findings_in(session, parsed, as_of, case_id)
    return NameCheckResult(normalized, verdict_of(findings), findings, parsed)


def warm_up(store: Store) -> None:
    """Load the pinyin dictionary and compile the candidate query ahead of the first check
    (both take a second on a cold start), so the clerk's first verdict is as quick as the next;
    first rebuild any registry index that a first pull killed midway left out."""
    ensure_registry_indexes(store)
    prefix = reference.district().name_prefix
    org_type = next(iter(reference.org_types()))
    check_name(store, f"{prefix}预备{reference.org_types()[org_type].endings[0]}", org_type, date.today())
