"""The text policy (文本规范): what every field keeps, normalizes and refuses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.fields import FieldInvalid, as_person_name, clean_text
from forms.text import TextRefused, is_han, normalize_text


@pytest.mark.parametrize("typed", [
    "上海市长宁区愚园路１２３号（近江苏路）、３楼；",
    "附件Ⅴ：−5℃（原件第Ⅹ页）",
    "Lǚ Bǎn Lù",
    "𠈌𪚥䶮",
])
def test_punctuation_and_symbols_are_kept_as_typed(typed: str) -> None:
    kept = normalize_text(typed)
    for ch in "（），、；：Ⅴ℃Ⅹǚǎ𠈌䶮":
        assert typed.count(ch) == kept.count(ch)


def test_full_width_letters_and_digits_become_ascii() -> None:
    assert normalize_text("ＡＢＣ１２３ｘｙｚ") == "ABC123xyz"
    assert normalize_text("０２１－６２３４５６７８") == "021－62345678"  # the full-width dash stays


def test_combining_marks_are_composed_but_compatibility_ideographs_kept() -> None:
    assert normalize_text("Lu\u0308\u030c") == "Lǚ"
    assert normalize_text("\uf900") == "\uf900"  # NFC would turn it into 豈


def test_spaces_line_ends_and_bom() -> None:
    assert normalize_text("\ufeff  甲\u00a0乙\u3000丙 \r\n丁\r戊  ") == "甲 乙 丙 \n丁\n戊"


@pytest.mark.parametrize(("text", "what"), [
    ("甲\x00乙", "控制字符"),
    ("甲\x1b[31m乙", "控制字符"),
    ("甲\u202e乙", "不可见的格式字符"),
    ("甲\u200b乙", "不可见的格式字符"),
    ("甲\ue000乙", "私用区字符"),
    ("协会😀", "表情符号"),
    ("协会\U0001F468\u200d\U0001F469", "表情符号"),
])
def test_refused_characters_are_named(text: str, what: str) -> None:
    with pytest.raises(TextRefused) as info:
        normalize_text(text)
    assert info.value.what == what
    assert "U+" in info.value.reason and "请删除" in info.value.reason
    with pytest.raises(FieldInvalid, match=what):
        clean_text(text)


def test_extension_b_names_are_names() -> None:
    assert is_han("𠈌") and is_han("䶮") and is_han("〇") and not is_han("A")
    assert as_person_name("王𠈌") == "王𠈌"
    assert as_person_name("阿依古丽·买买提") == "阿依古丽·买买提"
    with pytest.raises(FieldInvalid):
        as_person_name("王")
    with pytest.raises(FieldInvalid):
        as_person_name("王1")


@given(st.text())
def test_normalizing_twice_changes_nothing(text: str) -> None:
    try:
        once = normalize_text(text)
    except TextRefused:
        return
    assert normalize_text(once) == once


@given(st.text(alphabet=st.sampled_from(
    [chr(c) for c in (*range(0x20, 0x7F), 0xB7, 0x2014, 0x201C, 0x2026, *range(0x3000, 0x3040), 0x3400, 0x4E00, 0x9FFF,
                      *range(0xFF01, 0xFF60), 0xF900, 0x200B, 0x0A, 0x0D, 0x09, 0xA0, 0x301, 0xFEFF, 0x1F600)]),
               max_size=12))
def test_plain_text_takes_a_short_cut_to_the_same_result(text: str) -> None:
    """ASCII, CJK and Chinese punctuation skip the full work (forms.text._PLAIN) and end as it would."""
    from forms.text import _PLAIN

    try:
        full = normalize_text(text + "\u00a0")  # a wide space at the end: never plain, so the full work
    except TextRefused:
        assert not _PLAIN.fullmatch(text)
        return
    assert normalize_text(text) == full
