"""The 统一社会信用代码 (unified social credit code, GB 32100-2015): validation and construction.

Eighteen characters: [1] registration department (5 = 民政), [2] type, [3–8] GB/T 2260 division,
[9–17] the organization code (组织机构代码, GB 11714: 8-character body + its own check character),
[18] the final check character. The two check characters use different letter tables: the final
one (as python-stdnum's ``cn.uscc`` computes it, a test holds the two equal) the 31-character
set without I O S V Z, the organization-code one A=10 … Z=35 with the result 10 written X.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from operator import mul

from models import reference
from models.errors import SoregError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
"""Characters allowed in a credit code (GB 32100: no I, O, S, V, Z)."""

ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_VALUES = {ch: int(ch) if ch.isdigit() else ord(ch) - ord("A") + 10 for ch in ALPHABET}
"""The GB 11714 table (digits as themselves, A=10 … Z=35) for the characters a credit code allows."""
FINAL_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
FINAL_VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
"""GB 32100's final check: weights 3^i mod 31, each character's place in ``ALPHABET``."""
_WELL_FORMED = re.compile(r"[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{8}[0-9X][0-9A-HJ-NP-RTUWXY]", re.ASCII)
"""Every character allowed where it stands (what ``_bad_character`` checks one by one)."""


@dataclass(frozen=True)
class CreditCodeCheck:
    """Outcome of ``validate_credit_code``: ``reason`` is Chinese text for the clerk."""

    code: str
    valid: bool
    reason: str

    def as_dict(self) -> dict:
        return {"code": self.code, "valid": self.valid, "reason": self.reason}


def organization_code_check(body8: str) -> str:
    """The check character (position 9 of the organization code) for an 8-character body."""
    if len(body8) != 8 or not set(body8) <= ORG_CODE_VALUES.keys():
        raise SoregError(
            f"组织机构代码本体“{body8}”应为 8 位数字或大写字母（不含 I、O、S、V、Z）。", field="组织机构代码"
        )
    remainder = 11 - sum(map(mul, map(ORG_CODE_VALUES.__getitem__, body8), ORG_CODE_WEIGHTS)) % 11
    return {10: "X", 11: "0"}.get(remainder, str(remainder))


def organization_code(body8: str) -> str:
    """The full 9-character organization code: the body and its check character."""
    return body8 + organization_code_check(body8)


def final_check(body17: str) -> str:
    """The final check character (position 18) of the first 17 characters."""
    if len(body17) != 17:
        raise ValueError(f"final_check takes 17 characters, not {len(body17)}")
    return ALPHABET[-sum(map(mul, map(FINAL_VALUES.__getitem__, body17), FINAL_WEIGHTS)) % 31]


def _bad_character(code: str) -> str | None:
    """The reason for the first character that may not stand where it stands, if any."""
    for position, ch in enumerate(code, start=1):
        if 3 <= position <= 8:
            if not ch.isascii() or not ch.isdigit():
                return f"第 {position} 位字符“{ch}”不合法：第 3–8 位是行政区划代码，只能是数字"
        elif position == 17:
            if not (ch.isascii() and ch.isdigit()) and ch != "X":
                return f"第 17 位字符“{ch}”不合法：组织机构代码校验位只能是数字或 X"
        elif ch not in ALPHABET:
            hint = "字母须大写" if ch.upper() in ALPHABET else "只能是数字或大写字母，且不含 I、O、S、V、Z"
            return f"第 {position} 位字符“{ch}”不合法：{hint}"
    return None


def validate_credit_code(code: str) -> CreditCodeCheck:
    """Check length, characters and both check characters; say in Chinese what is wrong."""
    code = code.strip()
    if len(code) != 18:
        return CreditCodeCheck(code, False, f"长度应为 18 位，实为 {len(code)} 位")
    bad = None if _WELL_FORMED.fullmatch(code) else _bad_character(code)
    if bad:
        return CreditCodeCheck(code, False, bad)
    problems = []
    expected_org = organization_code_check(code[8:16])
    if code[16] != expected_org:
        problems.append(f"组织机构代码校验位（第 17 位）错误，应为 {expected_org}")
    expected_final = final_check(code[:17])
    if code[17] != expected_final:
        problems.append(f"校验位（第 18 位）错误，应为 {expected_final}")
    if problems:
        return CreditCodeCheck(code, False, "；".join(problems))
    return CreditCodeCheck(code, True, "两个校验位均正确")


def build_credit_code(
    org_code9: str, type_digit: str, division: str | None = None, dept: str | None = None
) -> str:
    """The credit code for a 9-character organization code; division and department default to
    this district's (district.json: 310105 and 5 = 民政)."""
    district = reference.district()
    division = district.division_code if division is None else division
    dept = district.registration_department_code if dept is None else dept
    if len(org_code9) != 9 or organization_code_check(org_code9[:8]) != org_code9[8]:
        raise SoregError(f"组织机构代码“{org_code9}”的校验位不正确。", field="组织机构代码")
    body17 = dept + type_digit + division + org_code9
    bad = _bad_character(body17) if len(body17) == 17 else "登记管理部门、类型或行政区划代码的位数不对"
    if bad:
        raise SoregError(f"无法生成统一社会信用代码：{bad}。", field="统一社会信用代码")
    return body17 + final_check(body17)
