"""Registration conditions (登记条件) that a single value can be measured against.

Each function takes plain values, the day and the rules (``models/case_rules.py``) and returns
``None`` when the condition holds, or the Chinese clause that says what falls short. The intake
form shows the clause beside the field where the value was typed (``forms/intake.py``); the
review checks (``workflow/checks.py``) turn the same clause into a finding, so a value accepted at
intake is judged by the same rule at approval.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

GROUP = "社会团体"


def age_on(birth: date, day: date) -> int:
    """Full years of age on ``day`` (周岁)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def type_limits(rules: Mapping[str, Any], org_type: str | None) -> Mapping[str, Any]:
    """The conditions of ``org_type`` in ``rules`` (empty for a type without any)."""
    return rules["conditions"].get(org_type or "", {})


def members_requirement(limits: Mapping[str, Any]) -> str:
    return (f"社会团体须有个人会员 {limits['min_individual_members']} 个以上，"
            f"或单位会员 {limits['min_unit_members']} 个以上，"
            f"或两者合计 {limits['min_mixed_members']} 个以上")


def members_shortfall(individual: int, unit: int, limits: Mapping[str, Any]) -> str | None:
    """A 社会团体's members against 个人 / 单位 / 合计 minimums (社会团体登记管理条例 Art. 10)."""
    if (individual >= limits["min_individual_members"] or unit >= limits["min_unit_members"]
            or individual + unit >= limits["min_mixed_members"]):
        return None
    return f"个人会员 {individual} 个、单位会员 {unit} 个；{members_requirement(limits)}"


def funds_shortfall(funds: int, org_type: str, limits: Mapping[str, Any]) -> str | None:
    """注册资金/开办资金 against the type's minimum."""
    minimum = limits.get("min_funds_yuan")
    if minimum is None or funds >= minimum:
        return None
    return f"{funds:,} 元低于{org_type}的最低限额 {minimum:,} 元"


def premises_shortfall(valid_until: date, today: date, rules: Mapping[str, Any]) -> str | None:
    """住所使用期限: still running, and at least ``premises.min_use_days`` from today."""
    min_days = rules["premises"]["min_use_days"]
    if valid_until < today:
        return f"至 {valid_until:%Y-%m-%d}，已经到期"
    if (valid_until - today).days < min_days:
        return f"至 {valid_until:%Y-%m-%d}，自今日起不足 {min_days} 天"
    return None


def age_excess(birth: date, appointed: date, rules: Mapping[str, Any]) -> str | None:
    """The age limit of a legal representative or responsible person on the appointment day."""
    max_age = rules["persons"]["max_age_at_appointment"]
    age = age_on(birth, appointed)
    if age <= max_age:
        return None
    return f"任职日 {appointed:%Y-%m-%d} 时年满 {age} 周岁，超过 {max_age} 周岁的上限"


def later_than(day: date, today: date) -> str | None:
    """A date that has to lie in the past (an approval, a consent) but is after ``today``."""
    return f"{day:%Y-%m-%d} 晚于今天（{today:%Y-%m-%d}）" if day > today else None
