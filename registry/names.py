"""Organization names (名称): normalization, the four-part split and comparison keys.

A name is 行政区划 + 字号 + 行(事)业领域 + 组织形式 (社会团体: region + field or member
composition + form, no 字号). ``parse_name`` finds the region from the district prefix and the
division list, the form from the type's allowed endings, the field from the field vocabulary;
what remains is the 字号.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache

from models import reference

_NORMAL = re.compile("[0-9A-Za-z\u4e00-\u9fff]*")
"""Text that ``normalize_name`` leaves as it is (no unified ideograph has a compatibility
decomposition): checked first, as an import normalizes millions of names."""


def normalize_name(text: str) -> str:
    """NFKC (full-width → half-width), with white space and punctuation removed."""
    if _NORMAL.fullmatch(text):
        return text
    text = unicodedata.normalize("NFKC", text)
    return "".join(
        ch for ch in text if not (ch.isspace() or unicodedata.category(ch)[0] in "PZC")
    )


@dataclass(frozen=True)
class ParsedName:
    """A name split into its parts; ``field`` is the canonical 行业领域 of ``field_word``."""

    name: str
    org_type: str
    region: str
    zihao: str
    field_word: str
    field: str
    form: str

    @property
    def compare_key(self) -> str:
        """What the identical/similar-name rules compare: the 字号, or for a 社会团体 the
        whole part between region and form (its field or member composition)."""
        org_type = reference.org_types().get(self.org_type)
        if org_type is not None and not org_type.has_zihao:
            return self.zihao + self.field_word
        return self.zihao

    @property
    def compare_field(self) -> str:
        """The field the rules compare; for a 社会团体 the field counts as equal (empty)."""
        org_type = reference.org_types().get(self.org_type)
        if org_type is not None and not org_type.has_zihao:
            return ""
        return self.field

    def with_parts(self, *, zihao: str, field_word: str, form: str, region: str | None = None) -> ParsedName:
        """The same name split differently, as corrected by the clerk."""
        return replace(
            self,
            region=self.region if region is None else region,
            zihao=zihao,
            field_word=field_word,
            field=field_of_word(field_word),
            form=form,
        )


def field_of_word(word: str) -> str:
    for candidate, field in reference.field_words():
        if candidate == word:
            return field
    return word


@lru_cache(maxsize=1)
def _region_prefixes() -> tuple[str, ...]:
    """Every region a name may start with (divisions in full and short form, and the
    authority's own prefix), longest first."""
    names = set(reference.division_names()) | {reference.district().name_prefix}
    return tuple(sorted(names, key=len, reverse=True))


@lru_cache(maxsize=1)
def authority_regions() -> tuple[str, ...]:
    """The regions a new name registered by this authority may start with, the full form first.

    A district authority (上海市长宁区民政局) takes only its full prefix "上海市长宁区": a
    district name is never used alone, nor after the city's short name. A province-level
    authority (district left empty in district.json, e.g. 上海市民政局) also takes the short
    name of its division ("上海"), as the city's registered names use both forms."""
    prefix = reference.district().name_prefix
    if reference.district().district:
        return (prefix,)
    return (prefix, *_short_names(prefix)[:1])


def _short_names(division: str) -> list[str]:
    """The shorter names of ``division`` in the division list ("上海市" → "上海"), longest first."""
    return [r for r in _region_prefixes() if r != division and division.startswith(r) and r in reference.division_names()]


@lru_cache(maxsize=1)
def older_authority_regions() -> tuple[str, ...]:
    """How names registered before the full form was required write a district authority's
    region: the district after the city's short name ("上海长宁区" for 上海市长宁区); none for
    a province-level authority."""
    district = reference.district()
    if not district.district:
        return ()
    return tuple(short + district.district for short in _short_names(district.province))


def _split_region(name: str) -> tuple[str, str]:
    """The longest region the name starts with; a division followed by a district or county
    (上海市 + 长宁区, 上海 + 浦东新区) is one region."""
    for region in _region_prefixes():
        if name.startswith(region):
            rest = name[len(region):]
            if not region.endswith(("区", "县")):
                for inner in _region_prefixes():
                    if rest.startswith(inner) and inner.endswith(("区", "县", "市")):
                        return region + inner, rest[len(inner):]
            return region, rest
    return "", name


def _split_form(rest: str, org_type: str) -> tuple[str, str]:
    types = reference.org_types()
    own = types[org_type].endings if org_type in types else ()
    for ending in own:
        if rest.endswith(ending) and len(rest) > len(ending):
            return rest[: -len(ending)], ending
    others = sorted({e for t in types.values() for e in t.endings}, key=len, reverse=True)
    for ending in others:
        if rest.endswith(ending) and len(rest) > len(ending):
            return rest[: -len(ending)], ending
    return rest, ""


@lru_cache(maxsize=1)
def _field_suffixes() -> tuple[tuple[int, ...], dict[str, str]]:
    """The field words' lengths, longest first, and each word's field (the first pair of a
    word that ``reference.field_words`` lists twice)."""
    fields: dict[str, str] = {}
    for word, field in reference.field_words():
        fields.setdefault(word, field)
    return tuple(sorted({len(w) for w in fields if w}, reverse=True)), fields


def _split_field(middle: str) -> tuple[str, str, str]:
    """The longest field word ``middle`` ends with (a look-up per word length)."""
    lengths, fields = _field_suffixes()
    for length in lengths:
        word = middle[-length:]
        if length <= len(middle) and word in fields:
            return middle[:-length], word, fields[word]
    return middle, "", ""


@lru_cache(maxsize=4096)
def parse_name(name: str, org_type: str) -> ParsedName:
    """Split a (raw) proposed name into region, 字号, field and form."""
    normalized = normalize_name(name)
    region, rest = _split_region(normalized)
    middle, form = _split_form(rest, org_type)
    zihao, field_word, field = _split_field(middle)
    return ParsedName(normalized, org_type, region, zihao, field_word, field, form)


for _cache in (parse_name, _region_prefixes, authority_regions, older_authority_regions, _field_suffixes):
    reference.on_change(_cache.cache_clear)


@lru_cache(maxsize=1)
def _word_pinyin():
    """pypinyin's converter remembering the reading of each word its segmenter cuts a text
    into: names share their words, and converting a word is most of pypinyin's time."""
    from pypinyin.converter import DefaultConverter
    from pypinyin.core import Pinyin

    class WordConverter(DefaultConverter):
        @lru_cache(maxsize=1 << 16)  # noqa: B019 -- one converter for the program's life
        def convert(self, words, style, heteronym, errors, strict, **kwargs):
            return tuple(tuple(p) for p in super().convert(words, style, heteronym, errors, strict, **kwargs))

    return Pinyin(WordConverter())


@lru_cache(maxsize=65536)
def pinyin_key(text: str) -> str:
    """The toneless pinyin of ``text`` (most common reading), for homophone matching."""
    from pypinyin import Style

    return " ".join(_word_pinyin().lazy_pinyin(text, style=Style.NORMAL, errors="default"))


def one_char_deletions(text: str) -> set[str]:
    """Every string made by removing one character: the keys of the one-edit index."""
    return {text[:i] + text[i + 1:] for i in range(len(text))} if len(text) > 1 else set()


def variant_keys(compare_key: str, field: str, form: str) -> list[str]:
    """The name_variants rows of a name: each one-character deletion of its comparison key,
    qualified by its field and form, since only names of the same field and form can be
    "similar" — so a look-up finds just those, not every 字号 sharing a character."""
    return sorted(variant_key(v, field, form) for v in one_char_deletions(compare_key))


def variant_key(text: str, field: str, form: str) -> str:
    """``text`` as a one-edit index key within ``field`` and ``form``."""
    return f"{field}|{form}|{text}"


def within_one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by exactly one added, removed or replaced character."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1:]
