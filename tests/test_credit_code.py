"""统一社会信用代码: both check characters, the Chinese reasons, and building codes."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.errors import SoregError
from registry.credit_code import (
    ALPHABET,
    build_credit_code,
    final_check,
    organization_code,
    organization_code_check,
    validate_credit_code,
)

PUBLISHED = Path(__file__).resolve().parents[2] / "shared" / "peer-data" / "uscc-published-valid.txt"
if not PUBLISHED.exists():
    PUBLISHED = Path("/work/shared/peer-data/uscc-published-valid.txt")

# Every character a single-character typo can produce: the code's own alphabet, the five
# letters it leaves out, lower case, and a full-width digit.
REPLACEMENTS = ALPHABET + "IOSVZ" + "amxy" + "０" + "-"


def published_codes() -> list[str]:
    return PUBLISHED.read_text(encoding="utf-8").split()


def test_published_example_validates():
    check = validate_credit_code("91350100M000100Y43")
    assert check.valid and check.reason == "两个校验位均正确"


def test_every_published_code_validates():
    codes = published_codes()
    assert len(codes) == 200
    failures = [(c, validate_credit_code(c).reason) for c in codes if not validate_credit_code(c).valid]
    assert failures == []


def test_reasons_name_the_problem_in_chinese():
    assert validate_credit_code("91350100M000100Y4").reason == "长度应为 18 位，实为 17 位"
    assert validate_credit_code("91350100M000100Y44").reason == "校验位（第 18 位）错误，应为 3"
    assert validate_credit_code("91350100M000100I43").reason.startswith("第 16 位字符“I”不合法")
    assert validate_credit_code("9135010AM000100Y43").reason.startswith("第 8 位字符“A”不合法")
    assert validate_credit_code("91350100m000100Y43").reason == "第 9 位字符“m”不合法：字母须大写"
    assert validate_credit_code("91350100M000100YA3").reason.startswith("第 17 位字符“A”不合法")
    # position 17 wrong: the organization-code check fails, and so does the final one
    assert validate_credit_code("91350100M000100Y53").reason == (
        "组织机构代码校验位（第 17 位）错误，应为 4；校验位（第 18 位）错误，应为 6"
    )


def test_organization_code_check_catches_what_the_final_check_alone_accepts():
    """A code whose final character fits a wrong position 17: stdnum's check alone passes it."""
    from stdnum.cn import uscc

    forged = "91350100M000100Y5" + uscc.calc_check_digit("91350100M000100Y5")
    assert uscc.is_valid(forged)
    check = validate_credit_code(forged)
    assert not check.valid
    assert check.reason == "组织机构代码校验位（第 17 位）错误，应为 4"


def test_organization_code_check_uses_its_own_letter_table():
    # M000100Y → 4 (the published example's position 17); letters count A=10 … Z=35 here,
    # while in the final check M is 21 (the 31-character table): the tables differ.
    assert organization_code_check("M000100Y") == "4"
    assert organization_code("MA1FL001") == "MA1FL0015"
    # check value 10 is written X, 11 is written 0
    results = {organization_code_check(f"{n:08d}") for n in range(200)}
    assert "X" in results and "0" in results


def test_organization_code_check_refuses_a_bad_body():
    with pytest.raises(SoregError, match="8 位"):
        organization_code_check("M00010")
    with pytest.raises(SoregError, match="不含 I、O、S、V、Z"):
        organization_code_check("I0001000")


def test_build_credit_code_for_this_district():
    code = build_credit_code(organization_code("MA1FL001"), "2")
    assert code[:8] == "52310105" and code[8:17] == "MA1FL0015"
    assert validate_credit_code(code).valid


def test_build_credit_code_refuses_an_organization_code_with_a_wrong_check():
    with pytest.raises(SoregError, match="校验位不正确"):
        build_credit_code("MA1FL0016", "2")


def single_changes(code: str):
    for index, original in enumerate(code):
        for ch in REPLACEMENTS:
            if ch != original:
                yield index, code[:index] + ch + code[index + 1:]


def test_every_single_change_of_every_published_code_is_detected():
    """Exhaustive: all 18 positions × every replacement character × 201 codes."""
    undetected = [
        (code, index, changed)
        for code in published_codes() + ["91350100M000100Y43"]
        for index, changed in single_changes(code)
        if validate_credit_code(changed).valid
    ]
    assert undetected == []


body = st.text(alphabet=ALPHABET, min_size=8, max_size=8)
division = st.text(alphabet=string.digits, min_size=6, max_size=6)
head = st.text(alphabet=ALPHABET, min_size=1, max_size=1)


@settings(max_examples=300, deadline=None)
@given(body=body, type_digit=head, division=division, dept=head, position=st.integers(0, 17),
       replacement=st.sampled_from(REPLACEMENTS))
def test_any_single_changed_character_is_detected(body, type_digit, division, dept, position, replacement):
    code = build_credit_code(organization_code(body), type_digit, division=division, dept=dept)
    assert validate_credit_code(code).valid
    changed = code[:position] + replacement + code[position + 1:]
    if changed != code:
        check = validate_credit_code(changed)
        assert not check.valid
        assert f"第 {position + 1} 位" in check.reason or "校验位" in check.reason


def test_build_credit_code_refuses_a_bad_division_or_department():
    with pytest.raises(SoregError, match="位数不对"):
        build_credit_code(organization_code("MA1FL001"), "2", division="31010")
    with pytest.raises(SoregError, match="第 8 位字符“A”不合法"):
        build_credit_code(organization_code("MA1FL001"), "2", division="31010A")
    with pytest.raises(SoregError, match="第 1 位字符“I”不合法"):
        build_credit_code(organization_code("MA1FL001"), "2", dept="I")


@given(st.text(alphabet=ALPHABET, min_size=17, max_size=17))
def test_final_check_is_the_one_stdnum_computes(body17):
    from stdnum.cn import uscc

    assert final_check(body17) == uscc.calc_check_digit(body17)
