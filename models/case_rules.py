"""Case rules (办件规则): limits of the workflow, from resources/reference/case_rules.json.

Deadlines, registration conditions (登记条件), the age limit, the premises rule, the
direct-registration categories (直接登记类别) and the attachment limits are data: the file (or
the centre's published value, see ``models.reference``) gives the defaults and the window setting
``workflow.rules`` (same shape, partial) overrides them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models.reference import bundled, check_shape, loader
from models.settings import get_setting_in

RULES_SETTING = "workflow.rules"


@loader("case_rules.json")
def default_rules(data: Any) -> dict[str, Any]:
    """The file's rules; a value must have every field of the bundled file, of the same type."""
    check_shape(data, bundled("case_rules.json"))
    return {key: value for key, value in data.items() if key != "note"}


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def case_rules_in(session: Session) -> dict[str, Any]:
    """The rules in force: the file's defaults with this window's overrides merged in."""
    return _merge(default_rules(), get_setting_in(session, RULES_SETTING, {}) or {})


def direct_categories() -> tuple[str, ...]:
    return tuple(default_rules()["direct_registration_categories"])
