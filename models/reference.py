"""Reference data (基础数据) read from the JSON files in resources/reference.

District settings, streets (街镇), organization types with their name endings (组织形式), the
field vocabulary (行业领域), prohibited words, administrative divisions and the 业务范围 catalogue.
Loaded once per process; registration authorities change the files, not the code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
REFERENCE = RESOURCES / "reference"


def _load(name: str):
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        return json.load(fh)


@dataclass(frozen=True)
class District:
    province: str
    district: str
    name_prefix: str
    division_code: str
    registration_department_code: str
    authority: str
    authority_alias: str
    appeal_rights: str


@dataclass(frozen=True)
class Street:
    code: str
    name: str


@dataclass(frozen=True)
class OrgType:
    """An organization type (组织类型) with its credit-code digit and allowed name endings."""

    name: str
    code_digit: str
    has_zihao: bool
    endings: tuple[str, ...]
    forbidden_in_name: tuple[str, ...]


@dataclass(frozen=True)
class ScopeItem:
    """One 业务范围 catalogue item; ``prior_approval`` names the department, if one must approve."""

    code: str
    text: str
    field: str
    prior_approval: str | None


@dataclass(frozen=True)
class ProhibitedWords:
    reject: tuple[str, ...]
    reject_reason: str
    warn: tuple[str, ...]
    warn_reason: str


@cache
def district() -> District:
    return District(**_load("district.json"))


@cache
def streets() -> tuple[Street, ...]:
    return tuple(Street(**s) for s in _load("streets.json"))


@cache
def org_types() -> dict[str, OrgType]:
    return {
        t["type"]: OrgType(
            name=t["type"],
            code_digit=t["code_digit"],
            has_zihao=t["has_zihao"],
            endings=tuple(sorted(t["endings"], key=len, reverse=True)),
            forbidden_in_name=tuple(t["forbidden_in_name"]),
        )
        for t in _load("org_types.json")
    }


@cache
def field_words() -> tuple[tuple[str, str], ...]:
    """(word, field) pairs, longest word first, for suffix matching."""
    pairs = [(w, f["field"]) for f in _load("fields.json")["fields"] for w in f["words"]]
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


@cache
def fields() -> tuple[str, ...]:
    return tuple(f["field"] for f in _load("fields.json")["fields"])


@cache
def prohibited_words() -> ProhibitedWords:
    data = _load("prohibited_words.json")
    return ProhibitedWords(
        reject=tuple(data["reject"]["words"]),
        reject_reason=data["reject"]["reason"],
        warn=tuple(data["warn"]["words"]),
        warn_reason=data["warn"]["reason"],
    )


@cache
def division_names() -> frozenset[str]:
    """Names of county-level and higher divisions, in full and short form (北京市 and 北京)."""
    data = _load("divisions.json")
    suffixes = sorted(data["suffixes"], key=len, reverse=True)
    names: set[str] = set()
    for full in data["province_level"] + data["shanghai_districts"] + data["other_counties"]:
        names.add(full)
        for suffix in suffixes:
            if full.endswith(suffix) and len(full) - len(suffix) >= 2:
                names.add(full[: -len(suffix)])
                break
    return frozenset(names)


@cache
def scope_catalogue() -> tuple[ScopeItem, ...]:
    return tuple(ScopeItem(**item) for item in _load("scope_catalogue.json")["items"])
