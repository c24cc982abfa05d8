"""The fast paths of the name keys give what the plain computation gives: pinyin by pypinyin's
own converter, normalization by NFKC, the field split by scanning the field words."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from models import reference
from registry.names import _split_field, normalize_name, pinyin_key

# polyphonic characters whose reading depends on the word (长宁 / 行长 / 银行, 重庆 / 重要, 乐团 / 快乐)
WORDS = ["长宁", "行长", "银行", "重庆", "重要", "乐团", "快乐", "音乐", "长", "行", "重", "乐", "阳光", "养老", "A", "1"]


@settings(deadline=None)  # the first call loads the pinyin dictionaries
@given(st.lists(st.sampled_from(WORDS), max_size=6))
def test_pinyin_key_reads_words_as_pypinyin_does(words):
    from pypinyin import Style, lazy_pinyin

    text = "".join(words)
    assert pinyin_key(text) == " ".join(lazy_pinyin(text, style=Style.NORMAL, errors="default"))


@given(st.text(alphabet="阳光养老服务中心ＡＢ１aZ9（）　 ·、\u00a0﨑", max_size=12))
def test_normalize_name_is_nfkc_without_space_and_punctuation(text):
    nfkc = unicodedata.normalize("NFKC", text)
    assert normalize_name(text) == "".join(ch for ch in nfkc if not (ch.isspace() or unicodedata.category(ch)[0] in "PZC"))


def test_the_field_split_takes_the_longest_field_word_first_listed():
    for word, _field in reference.field_words():
        middle = "阳光" + word
        found, field = next((w, f) for w, f in reference.field_words() if middle.endswith(w))
        assert _split_field(middle) == (middle[: -len(found)], found, field)
    assert _split_field("阳光") == ("阳光", "", "")
