"""The form rules of the name check (名称核准): what a name must look like on its own.

Each rule is a function ``(parsed) -> list[Finding]`` with a stable rule id and a Chinese
message; the rules that compare against the registry are in ``registry/name_check.py``.
Word lists and limits come from resources/reference (``models/reference.py`` and
``name_rules.json``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models import reference
from models.errors import SoregError
from registry.names import ParsedName, authority_regions, older_authority_regions

REJECT = "reject"
WARN = "warn"
INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One result of one rule: ``level`` is reject | warn | info; ``organizations`` are names."""

    rule: str
    level: str
    message: str
    organizations: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"rule": self.rule, "level": self.level, "message": self.message, "organizations": list(self.organizations)}


@dataclass(frozen=True)
class NameRuleLimits:
    """Protection periods in years, the 社会团体 endings that take a home-region name, the
    endings of branches and representative offices, the types that may lack a 字号, the
    fewest characters of a 字号 and of a 社会团体's field or member composition, and the words
    older rules put before the region ("民办")."""

    renamed_years: int
    deregistered_years: int
    revoked_years: int
    home_region_forms: tuple[str, ...]
    branch_endings: tuple[str, ...]
    zihao_optional_types: tuple[str, ...]
    min_zihao_chars: int
    min_field_chars: int
    older_leading_words: tuple[str, ...]


_OPTIONAL_KEYS = ("branch_endings", "zihao_optional_types", "older_leading_words")  # added later: a file without them takes the bundled ones
_OPTIONAL_COUNTS = ("min_zihao_chars", "min_field_chars")


def _count(value: Any, key: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SoregError(f"字段“{key}”应为正整数")
    return value


@reference.loader("name_rules.json")
def name_rule_limits(data: Any) -> NameRuleLimits:
    bundled = reference.bundled("name_rules.json")
    reference.check_shape(data, {k: v for k, v in bundled.items() if k not in _OPTIONAL_KEYS + _OPTIONAL_COUNTS})
    years = data["protection_years"]
    optional = {key: reference.words(data.get(key, bundled[key]), f"{key} ") for key in _OPTIONAL_KEYS}
    optional |= {key: _count(data.get(key, bundled[key]), key) for key in _OPTIONAL_COUNTS}
    return NameRuleLimits(
        renamed_years=years["renamed"],
        deregistered_years=years["deregistered"],
        revoked_years=years["revoked"],
        home_region_forms=reference.words(data["home_region_forms"], "home_region_forms "),
        **optional,
    )


def is_chinese_character(ch: str) -> bool:
    """A CJK unified ideograph (basic block or extensions A–F, compatibility ideographs)."""
    code = ord(ch)
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2EBEF
        or 0xF900 <= code <= 0xFAFF
    )


def zihao_label(org_type: str) -> str:
    """What the compared middle part is called: 字号, or for a 社会团体 its field or members."""
    t = reference.org_types().get(org_type)
    return "字号" if t is None or t.has_zihao else "行(事)业领域或会员组成"


def _after_region(parsed: ParsedName) -> str:
    return parsed.name[len(parsed.region):] if parsed.name.startswith(parsed.region) else parsed.name


def rule_chinese_only(parsed: ParsedName) -> list[Finding]:
    """Names use Chinese characters only: no Latin letters, no digits."""
    bad = sorted({ch for ch in parsed.name if not is_chinese_character(ch)}, key=parsed.name.index)
    if not bad:
        return []
    shown = "、".join(f"“{ch}”" for ch in bad)
    return [Finding("chinese_only", REJECT, f"名称只能使用汉字，不能含有字母、数字或其他符号：{shown}。请改用汉字。")]


def _older_region_start(name: str) -> tuple[str, str] | None:
    """(the start written the older way, the name in the current form) when ``name`` begins
    with the authority's region as older rules allowed: "上海长宁区…" (the district after the
    city's short name) or a leading word before the region ("民办上海…")."""
    prefix = reference.district().name_prefix
    older = older_authority_regions()
    regions = sorted(authority_regions() + older, key=len, reverse=True)
    for word in ("", *name_rule_limits().older_leading_words):
        if not name.startswith(word):
            continue
        rest = name[len(word):]
        # with no word before it, only an older region counts (the current one has passed already)
        region = next((r for r in regions if rest.startswith(r) and (word or r in older)), None)
        if region is not None:
            return name[:len(word) + len(region)], prefix + word + rest[len(region):]
    return None


def rule_region_prefix(parsed: ParsedName) -> list[Finding]:
    """The name starts with the authority's region: a district's full prefix (上海市长宁区;
    "长宁区…" alone is refused), or for a province-level authority its full or short name.

    A region written as older rules allowed — "上海长宁区…", or "民办" before the region as the
    民办非企业单位名称管理暂行规定 let schools write it — is a lawful registered name and is never
    refused; a new name should take the current form, so the reviewer is warned with it."""
    district = reference.district()
    regions = authority_regions()
    if parsed.name.startswith(regions):
        return []
    prefix = district.name_prefix
    if older := _older_region_start(parsed.name):
        start, suggestion = older
        return [Finding(
            "region_older_form", WARN,
            f"名称以“{start}”开头，是现行《社会组织名称管理办法》施行前的写法：已登记的名称可以继续使用，"
            f"新申请的名称应以行政区划全称“{prefix}”开头，请审核人员确认。建议名称：{suggestion}。",
        )]
    if district.district and parsed.name.startswith(district.district):
        suggestion = prefix + parsed.name[len(district.district):]
        return [Finding(
            "region_district_alone", REJECT,
            f"行政区划不能单独使用“{district.district}”，应写全称“{prefix}”。建议名称：{suggestion}。",
        )]
    suggestion = prefix + _after_region(parsed)
    shown = "”或“".join(regions)
    return [Finding(
        "region_missing", REJECT,
        f"名称应以行政区划“{shown}”开头（现为“{parsed.region or parsed.name[:len(prefix)]}”）。建议名称：{suggestion}。",
    )]


def branch_ending(parsed: ParsedName) -> str | None:
    """The branch or representative-office ending (分会, 代表处…) the name ends with, if any."""
    return next((e for e in name_rule_limits().branch_endings if parsed.name.endswith(e)), None)


def rule_branch_name(parsed: ParsedName) -> list[Finding]:
    """Names of branches (分支机构) and representative offices (代表机构) are not registered."""
    ending = branch_ending(parsed)
    if ending is None:
        return []
    return [Finding(
        "branch_name", REJECT,
        f"以“{ending}”结尾的是社会团体、基金会的分支机构或代表机构名称，分支（代表）机构不是独立的社会组织，"
        "不能以此名称申请登记。请改用本组织自己的组织形式结尾。",
    )]


def rule_form_allowed(parsed: ParsedName) -> list[Finding]:
    """The ending (组织形式) is one allowed for the organization type (a branch's ending is
    reported by ``rule_branch_name`` instead)."""
    org_type = reference.org_types()[parsed.org_type]
    if parsed.form in org_type.endings or branch_ending(parsed):
        return []
    allowed = "、".join(org_type.endings)
    if parsed.form:
        message = f"组织形式“{parsed.form}”不能用于{org_type.name}。{org_type.name}的名称应以下列之一结尾：{allowed}。"
    else:
        message = f"名称缺少组织形式（结尾）。{org_type.name}的名称应以下列之一结尾：{allowed}。"
    return [Finding("form_not_allowed", REJECT, message)]


def rule_forbidden_for_type(parsed: ParsedName) -> list[Finding]:
    """Characters the type may not use anywhere in its name (民办非企业单位: "总")."""
    org_type = reference.org_types()[parsed.org_type]
    rest = _after_region(parsed)
    found = [word for word in org_type.forbidden_in_name if word in rest]
    if not found:
        return []
    shown = "、".join(f"“{w}”" for w in found)
    return [Finding("forbidden_for_type", REJECT, f"{org_type.name}的名称中不得含有{shown}字样，请删去。")]


def rule_zihao_length(parsed: ParsedName) -> list[Finding]:
    """The 字号 has at least ``min_zihao_chars`` characters (2); a 社会团体's field or member
    composition at least ``min_field_chars`` (1: 上海市医学会). A type that may lack a 字号
    (公开募捐基金会) and has none is shown for review instead."""
    key = parsed.compare_key
    limits = name_rule_limits()
    org_type = reference.org_types().get(parsed.org_type)
    least = limits.min_field_chars if org_type is not None and not org_type.has_zihao else limits.min_zihao_chars
    if len(key) >= least:
        return []
    label = zihao_label(parsed.org_type)
    if not key and parsed.org_type in limits.zihao_optional_types:
        return [Finding(
            "zihao_missing", WARN,
            f"名称没有{label}。只有公开募捐的{parsed.org_type}可以不使用{label}，请审核人员确认。",
        )]
    current = f"“{key}”只有 {len(key)} 个字" if key else "没有找到"
    return [Finding("zihao_too_short", REJECT, f"{label}应至少由 {least} 个汉字组成（{current}），请检查名称或更正拆分。")]


def rule_zihao_not_division(parsed: ParsedName) -> list[Finding]:
    """The 字号 is not the name of a county-level or higher division (异地商会 excepted)."""
    key = parsed.compare_key
    if key not in reference.division_names():
        return []
    org_type = reference.org_types()[parsed.org_type]
    if not org_type.has_zihao and parsed.form in name_rule_limits().home_region_forms:
        return []
    label = zihao_label(parsed.org_type)
    return [Finding("zihao_is_division", REJECT, f"{label}“{key}”是县级以上行政区划名称，不能作为{label}使用，请另选。")]


def rule_prohibited_words(parsed: ParsedName) -> list[Finding]:
    """Words a district-registered name may not use (reject) or uses only as a qualifier (warn)."""
    words = reference.prohibited_words()
    rest = _after_region(parsed)
    findings = []
    for level, rule, listed, reason in (
        (REJECT, "prohibited_word", words.reject, words.reject_reason),
        (WARN, "qualifier_word", words.warn, words.warn_reason),
    ):
        found = [w for w in listed if w in rest]
        # "国家级" already says what "国家" would: report the longest word only
        found = [w for w in found if not any(w != other and w in other for other in found)]
        findings += [Finding(rule, level, reason.format(word=w)) for w in found]
    return findings


FORM_RULES: tuple[Callable[[ParsedName], list[Finding]], ...] = (
    rule_chinese_only,
    rule_region_prefix,
    rule_branch_name,
    rule_form_allowed,
    rule_forbidden_for_type,
    rule_zihao_length,
    rule_zihao_not_division,
    rule_prohibited_words,
)
