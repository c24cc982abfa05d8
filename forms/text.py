"""What text a form accepts (文本规范): one policy for every field, import cell and reason.

A value is kept as the clerk typed it, punctuation included: full-width ``（）、，；：`` stay
full-width, so a document never mixes the two widths. Only what needs it is normalized:

- full-width letters and digits (``ＡＢＣ１２３``) become ASCII, as the credit code, phone numbers
  and dates need;
- combining marks are composed (``u`` + ``̌`` → ``ǔ``), except that CJK compatibility
  ideographs are kept as typed (NFC would silently replace them);
- non-breaking and other wide spaces become a plain space, line ends become ``\\n``, and a
  byte-order mark at the start is dropped;
- leading and trailing white space is removed.

Refused with a Chinese message naming the character and its code point: control characters
(line breaks and tabs excepted), invisible format characters (zero-width spaces and joiners,
bidirectional overrides such as RLO), unassigned, surrogate and private-use code points, and
emoji. ``TextRefused`` carries the character, so an import can add the row and column.
"""

from __future__ import annotations

import re
import unicodedata

# CJK Unified Ideographs and their extensions A–I, the compatibility blocks and 〇.
HAN_RANGES: tuple[tuple[int, int], ...] = (
    (0x3007, 0x3007),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EE5F),
    (0x2F800, 0x2FA1F),
    (0x30000, 0x323AF),
)
_COMPATIBILITY_IDEOGRAPHS = re.compile("[\uf900-\ufaff\U0002f800-\U0002fa1f]")
_FULL_WIDTH_ALNUM = {code: code - 0xFEE0 for code in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B))}
_LINE_ENDS = re.compile(r"\r\n?|[\u2028\u2029\x85]")
_REFUSED_CATEGORIES = {
    "Cc": "控制字符",
    "Cf": "不可见的格式字符",
    "Cs": "无法识别的字符",
    "Co": "私用区字符",
    "Cn": "未定义的字符",
}


class TextRefused(ValueError):
    """Text holding a character no field accepts; ``reason`` completes "「field」…"."""

    def __init__(self, char: str, what: str) -> None:
        self.char, self.what = char, what
        shown = f"“{char}”" if what == "表情符号" else ""
        self.reason = f"含有{what}{shown}（U+{ord(char[0]):04X}），请删除后重新输入。"
        super().__init__(self.reason)


def is_han(ch: str) -> bool:
    """Whether ``ch`` is a Chinese character (汉字) of any CJK block, Extension B included."""
    code = ord(ch)
    return any(low <= code <= high for low, high in HAN_RANGES)


def _compose(text: str) -> str:
    """NFC, leaving CJK compatibility ideographs as they are."""
    parts, start = [], 0
    for match in _COMPATIBILITY_IDEOGRAPHS.finditer(text):
        parts += [unicodedata.normalize("NFC", text[start:match.start()]), match.group()]
        start = match.end()
    parts.append(unicodedata.normalize("NFC", text[start:]))
    return "".join(parts)


def _refusal(text: str) -> TextRefused | None:
    import emoji  # loaded by the first text that is not plain: its tables cost the login window 60 ms

    found = emoji.emoji_list(text)
    if found:
        return TextRefused(found[0]["emoji"], "表情符号")
    for ch in text:
        if ch in "\n\t":
            continue
        what = _REFUSED_CATEGORIES.get(unicodedata.category(ch))
        if what is not None:
            return TextRefused(ch, what)
    return None


_PLAIN = re.compile("[\x20-\x7e\u00b7\u2014\u2018\u2019\u201c\u201d\u2026\u3001-\u302f\u3031-\u303c\u303e\u303f"
                    "\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff5e]*")
"""Text that the policy keeps as it is, but for the white space at its ends: ASCII, the common
CJK ideographs and Chinese punctuation (no emoji, control, wide space or full-width letter or
digit among them). Checked first, as a registry import reads millions of such cells."""


def normalize_text(raw: object) -> str:
    """``raw`` as stored and printed (see the module docstring); raises ``TextRefused``."""
    if raw is None:
        return ""
    if isinstance(raw, str) and _PLAIN.fullmatch(raw):
        return raw.strip()
    text = str(raw).removeprefix("\ufeff")
    text = _LINE_ENDS.sub("\n", text).translate(_FULL_WIDTH_ALNUM)
    text = "".join(" " if unicodedata.category(ch) == "Zs" else ch for ch in text)
    refused = _refusal(text)
    if refused is not None:
        raise refused
    return _compose(text).strip()
