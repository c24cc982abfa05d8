"""Reference data (基础数据): the JSON files in resources/reference, or the centre's values.

District settings, streets (街镇), organization types with their name endings (组织形式), the
field vocabulary (行业领域), prohibited words, administrative divisions and the 业务范围 catalogue
are read here; name rules, case rules, materials and holidays by their own modules, through the
same ``loader`` so that every file has one set of checks. Registration authorities change the
data, not the code: the bundled files, or the values the centre publishes (中心下发), which
``use_central`` puts in their place once every loader of the file accepts them.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from models.errors import SoregError

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
REFERENCE = RESOURCES / "reference"

T = TypeVar("T")

_central: dict[str, Any] = {}  # the centre's values in use, by file name
_parsers: dict[str, list[Callable[[Any], Any]]] = {}  # every loader's parse function, by file name
_clears: list[Callable[[], None]] = []  # caches built on reference data


def bundled(name: str) -> Any:
    """The JSON of the bundled file ``name``."""
    with (REFERENCE / name).open(encoding="utf-8") as fh:
        return json.load(fh)


def document(name: str) -> Any:
    """The JSON of reference file ``name`` in force: the centre's value if one is in use, else the bundled file."""
    return copy.deepcopy(_central[name]) if name in _central else bundled(name)


def loader(name: str) -> Callable[[Callable[[Any], T]], Callable[[], T]]:
    """Make ``parse(json)`` the cached loader of reference file ``name`` and one of the file's checks."""

    def register(parse: Callable[[Any], T]) -> Callable[[], T]:
        @cache
        def load() -> T:
            return parse(document(name))

        load.__name__, load.__qualname__, load.__doc__ = parse.__name__, parse.__qualname__, parse.__doc__
        _parsers.setdefault(name, []).append(parse)
        _clears.append(load.cache_clear)
        return load

    return register


def on_change(clear: Callable[[], None]) -> None:
    """Have ``use_central`` call ``clear`` too: the ``cache_clear`` of a cache built from reference data."""
    _clears.append(clear)


def known_files() -> frozenset[str]:
    """The files some loader of this program reads (once the modules with loaders are imported)."""
    return frozenset(_parsers)


def problem(name: str, value: Any) -> str | None:
    """What is wrong with ``value`` as reference file ``name`` (Chinese), or None if every loader accepts it."""
    parsers = _parsers.get(name)
    if not parsers:
        return "本程序不使用这个文件，请检查文件名"
    for parse in parsers:
        try:
            parse(copy.deepcopy(value))
        except SoregError as exc:
            return exc.message
        except KeyError as exc:
            return f"缺少字段“{exc.args[0]}”"
        except (TypeError, ValueError, AttributeError, IndexError) as exc:
            return f"结构或取值不对（{exc}）"
    return None


def use_central(values: Mapping[str, Any]) -> dict[str, str]:
    """Use the centre's ``values`` (file name → JSON) over the bundled files; return the refused ones.

    A value that some loader of its file refuses is not used — that file stays the bundled one —
    and comes back with the reason (file name → Chinese text). Values of files no loader reads
    are ignored. Clears every cache built on reference data; ``use_central({})`` goes back to the
    bundled files.
    """
    global _central
    refused = {name: why for name, value in values.items() if name in _parsers and (why := problem(name, value))}
    _central = {name: copy.deepcopy(value) for name, value in values.items() if name in _parsers and name not in refused}
    for clear in _clears:
        clear()
    return refused


def central_in_use() -> dict[str, Any]:
    """The centre's values in use (file name → JSON), as ``use_central`` takes them: what a
    second process of this program is given so that it reads the same reference data."""
    return copy.deepcopy(_central)


_JSON_TYPES = {"str": (str,), "bool": (bool,), "str | None": (str, type(None))}
_JSON_TYPE_NAMES = {"str": "文字", "bool": "true 或 false", "str | None": "文字或 null"}


def record(cls: type[T], data: Any, where: str = "") -> T:
    """``cls(**data)`` for a JSON object with exactly the fields of dataclass ``cls``, each of its JSON type."""
    if not isinstance(data, dict):
        raise SoregError(f"{where}应为对象（{{…}}）")
    fields = {f.name: str(f.type) for f in dataclasses.fields(cls)}
    missing = [name for name in fields if name not in data]
    if missing:
        raise SoregError(f"{where}缺少字段“{'”“'.join(missing)}”")
    extra = [name for name in data if name not in fields]
    if extra:
        raise SoregError(f"{where}多出字段“{'”“'.join(extra)}”")
    for name, type_name in fields.items():
        allowed = _JSON_TYPES.get(type_name)
        if allowed and not isinstance(data[name], allowed):
            raise SoregError(f"{where}字段“{name}”应为{_JSON_TYPE_NAMES[type_name]}")
    return cls(**data)


def records(cls: type[T], data: Any) -> tuple[T, ...]:
    """``record`` of each item of a JSON array."""
    if not isinstance(data, list):
        raise SoregError("应为数组（[…]）")
    return tuple(record(cls, item, f"第 {i} 项") for i, item in enumerate(data, start=1))


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true 或 false"
    return {int: "整数", float: "数", str: "文字", list: "数组", dict: "对象"}.get(type(value), "null")


def check_shape(data: Any, like: Any, path: str = "") -> None:
    """Refuse ``data`` unless it has every field of ``like`` (but "note"), each of the same JSON type,
    through nested objects; fields ``like`` lacks are allowed."""
    kind = _json_kind(like)
    if _json_kind(data) != kind and not (kind == "数" and _json_kind(data) == "整数"):
        raise SoregError(f"字段“{path}”应为{kind}" if path else f"内容应为{kind}")
    if isinstance(like, dict):
        for key, value in like.items():
            inner = f"{path}.{key}" if path else key
            if key == "note":
                continue
            if key not in data:
                raise SoregError(f"缺少字段“{inner}”")
            check_shape(data[key], value, inner)


def words(data: Any, where: str) -> tuple[str, ...]:
    """A JSON array of words (non-empty text), as a tuple."""
    if not isinstance(data, list) or not all(isinstance(w, str) and w for w in data):
        raise SoregError(f"{where}应为词语数组（[\"…\", …]）")
    return tuple(data)


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


@loader("district.json")
def district(data: Any) -> District:
    return record(District, data)


@loader("streets.json")
def streets(data: Any) -> tuple[Street, ...]:
    found = records(Street, data)
    if not found:
        raise SoregError("至少要有一个街道或镇")
    return found


@loader("org_types.json")
def org_types(data: Any) -> dict[str, OrgType]:
    types = {
        t["type"]: OrgType(
            name=t["type"],
            code_digit=t["code_digit"],
            has_zihao=t["has_zihao"],
            endings=tuple(sorted(words(t["endings"], f"“{t['type']}”的 endings "), key=len, reverse=True)),
            forbidden_in_name=words(t["forbidden_in_name"], f"“{t['type']}”的 forbidden_in_name "),
        )
        for t in data
    }
    if not types:
        raise SoregError("至少要有一种组织类型")
    return types


@loader("fields.json")
def field_words(data: Any) -> tuple[tuple[str, str], ...]:
    """(word, field) pairs, longest word first, for suffix matching."""
    pairs = [(w, f["field"]) for f in data["fields"] for w in words(f["words"], f"领域“{f['field']}”的 words ")]
    return tuple(sorted(pairs, key=lambda p: len(p[0]), reverse=True))


@loader("fields.json")
def fields(data: Any) -> tuple[str, ...]:
    return words([f["field"] for f in data["fields"]], "fields 的 field ")


@loader("prohibited_words.json")
def prohibited_words(data: Any) -> ProhibitedWords:
    return ProhibitedWords(
        reject=words(data["reject"]["words"], "reject 的 words "),
        reject_reason=data["reject"]["reason"],
        warn=words(data["warn"]["words"], "warn 的 words "),
        warn_reason=data["warn"]["reason"],
    )


@loader("divisions.json")
def division_names(data: Any) -> frozenset[str]:
    """Names of county-level and higher divisions, in full and short form (北京市 and 北京)."""
    suffixes = sorted(words(data["suffixes"], "suffixes "), key=len, reverse=True)
    names: set[str] = set()
    for full in (words(data[part], f"{part} ") for part in ("province_level", "shanghai_districts", "other_counties")):
        for name in full:
            names.add(name)
            for suffix in suffixes:
                if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                    names.add(name[: -len(suffix)])
                    break
    return frozenset(names)


@loader("scope_catalogue.json")
def scope_catalogue(data: Any) -> tuple[ScopeItem, ...]:
    return records(ScopeItem, data["items"])


@dataclass(frozen=True)
class FieldLimit:
    """How many characters a registered item can hold on the certificate (证书可印字数), and the template that sets it."""

    label: str
    max_chars: int
    tightest: str


@loader("field_limits.json")
def field_limits(data: Any) -> dict[str, FieldLimit]:
    """The limits measured from the certificate templates (``python -m printing.field_limits``), by field key."""
    limits = {key: record(FieldLimit, value, f"字段“{key}”") for key, value in data["fields"].items()}
    if any(not isinstance(limit.max_chars, int) or limit.max_chars < 1 for limit in limits.values()):
        raise SoregError("max_chars 应为正整数")
    return limits
