"""Form fields (表单字段): label, whether required, and a parser that says in Chinese what is wrong.

A ``Field`` turns the text a clerk typed (or a spreadsheet cell held) into a value, or raises
``FieldInvalid`` with a message that names the field and says what to do. The GUI renders the
same definitions, the import reads with them and the tests feed them arbitrary text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from forms.text import TextRefused, is_han, normalize_text


class FieldInvalid(ValueError):
    """A value a field does not accept; ``reason`` completes "「label」…"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FieldError:
    """One invalid value: where it is (``path``), its label and the Chinese message."""

    path: str
    label: str
    message: str


Parser = Callable[[str], Any]


@dataclass(frozen=True)
class Field:
    """One input of a form. ``parse`` receives non-empty text normalized by ``forms.text``."""

    key: str
    label: str
    parse: Parser
    required: bool = False
    max_length: int = 200
    choices: Callable[[], Sequence[str]] | None = None
    multiline: bool = False
    hint: str = ""

    def read(self, raw: object) -> Any:
        """The value of ``raw`` (text, or None for empty); None when empty and optional."""
        text = clean_text(raw)
        if not text:
            if self.required:
                raise FieldInvalid("不能为空，请填写。")
            return None
        if len(text) > self.max_length:
            raise FieldInvalid(f"最多 {self.max_length} 个字，现有 {len(text)} 个，请删减。")
        return self.parse(text)


def clean_text(raw: object) -> str:
    """``raw`` normalized by the text policy (``forms.text``); a refused character is a ``FieldInvalid``."""
    try:
        return normalize_text(raw)
    except TextRefused as exc:
        raise FieldInvalid(exc.reason) from None


def read_fields(fields: Sequence[Field], data: Mapping[str, object], *, path: str = "", where: str = "") -> tuple[dict[str, Any], list[FieldError]]:
    """Read every field of ``fields`` from ``data``; return the values and every error."""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    for field in fields:
        try:
            values[field.key] = field.read(data.get(field.key))
        except FieldInvalid as exc:
            errors.append(field_error(field, exc.reason, path=path, where=where))
    return values, errors


def field_error(field: Field, reason: str, *, path: str = "", where: str = "") -> FieldError:
    """The error of ``field`` (at ``path``, in the row named by ``where``): "“label”reason"."""
    label = f"{where}{field.label}"
    return FieldError(f"{path}{field.key}", label, f"“{label}”{reason}")


# ---- parsers -------------------------------------------------------------------------------

def as_text(text: str) -> str:
    return text


def as_single_line(text: str) -> str:
    if "\n" in text or "\t" in text:
        raise FieldInvalid("应为一行，请去掉换行。")
    return text


def as_chinese_text(text: str) -> str:
    """Text of which at least one character is Chinese (宗旨, reasons and the like)."""
    if not any(is_han(ch) for ch in text):
        raise FieldInvalid("应使用中文填写。")
    return text


def as_chinese_line(text: str) -> str:
    """One line of Chinese text (names, addresses)."""
    return as_chinese_text(as_single_line(text))


def _name_letter(ch: str) -> bool:
    return is_han(ch) or ("A" <= ch <= "Z") or ("a" <= ch <= "z")


def as_person_name(text: str) -> str:
    """A person's name: 2–32 Chinese characters (any CJK block, Extension B included) or Latin
    letters, with · between parts of a minority or foreign name."""
    text = text.replace("•", "·")
    if not (2 <= len(text) <= 32 and _name_letter(text[0]) and _name_letter(text[-1])
            and all(_name_letter(ch) or ch in "·. " for ch in text)):
        raise FieldInvalid("应为 2 至 32 个汉字或字母（少数民族或外籍姓名用“·”分隔），请核对。")
    return text


_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$|^\d{8}$", re.ASCII)


def as_phone(text: str) -> str:
    """A mainland mobile number (11 digits) or a landline (区号-号码, or 8 digits in Shanghai)."""
    compact = text.replace(" ", "")
    if not (_MOBILE.match(compact) or _LANDLINE.match(compact)):
        raise FieldInvalid("应为 11 位手机号或固定电话（如 021-62345678），请核对。")
    return compact


def as_date(text: str) -> date:
    """A date written YYYY-MM-DD (also YYYY/MM/DD, YYYY.MM.DD or YYYY年M月D日)."""
    match = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text, re.ASCII)
    if not match:
        raise FieldInvalid("应为日期，格式 YYYY-MM-DD，例如 2026-10-08。")
    try:
        value = date(*(int(g) for g in match.groups()))
    except ValueError:
        raise FieldInvalid("不是一个存在的日期，请核对年月日。") from None
    if not 1900 <= value.year <= 2200:
        raise FieldInvalid("年份应在 1900 至 2200 之间。")
    return value


def count_parser(maximum: int) -> Parser:
    """A whole number from 0 to ``maximum`` (thousands separators allowed)."""

    def parse(text: str) -> int:
        compact = text.replace(",", "").replace("，", "").replace(" ", "")
        if not compact.isascii() or not compact.isdigit():
            raise FieldInvalid("应为不小于 0 的整数，请只填数字。")
        value = int(compact)
        if value > maximum:
            raise FieldInvalid(f"不能超过 {maximum:,}。")
        return value

    return parse


def choice_parser(choices: Callable[[], Sequence[str]], aliases: Callable[[], Mapping[str, str]] | None = None) -> Parser:
    """One of ``choices()`` (or an alias of one, e.g. a street's code for its name)."""

    def parse(text: str) -> str:
        options = choices()
        if text in options:
            return text
        if aliases is not None and text in aliases():
            return aliases()[text]
        raise FieldInvalid(f"应从以下选项中选择：{'、'.join(options)}。")

    return parse


def list_parser(item: Parser, *, separators: str = ",，、;；") -> Parser:
    """A list of values separated by commas or 、."""

    def parse(text: str) -> tuple[Any, ...]:
        parts = [p.strip() for p in re.split(f"[{re.escape(separators)}]", text)]
        return tuple(dict.fromkeys(item(p) for p in parts if p))

    return parse
