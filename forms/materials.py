"""Materials checklists (申请材料清单) per business type and organization type.

The items are data in resources/reference/materials.json; an item marked ``when`` is required
only for a case with a 业务主管单位 ("sponsor"), a direct registration ("direct") or 业务范围
items that need a prior approval ("prior_approval").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from models.errors import SoregError
from models.reference import REFERENCE

CONDITIONS = ("sponsor", "direct", "prior_approval")


@dataclass(frozen=True)
class MaterialItem:
    code: str
    label: str
    when: str | None


@cache
def _checklists() -> dict[str, dict[str, tuple[MaterialItem, ...]]]:
    with (REFERENCE / "materials.json").open(encoding="utf-8") as fh:
        data = json.load(fh)["checklists"]
    return {
        business: {org_type: tuple(MaterialItem(**item) for item in items) for org_type, items in by_type.items()}
        for business, by_type in data.items()
    }


def checklist(business_type: str, org_type: str) -> tuple[MaterialItem, ...]:
    """Every item of the checklist for ``business_type`` and ``org_type``."""
    items = _checklists().get(business_type, {}).get(org_type)
    if items is None:
        raise SoregError(f"尚未配置“{org_type}{business_type}”的材料清单，请在 materials.json 中补充。", field="材料清单")
    return items


def required_items(business_type: str, org_type: str, conditions: frozenset[str]) -> tuple[MaterialItem, ...]:
    """The items this case must bring, given which ``conditions`` apply to it."""
    return tuple(i for i in checklist(business_type, org_type) if i.when is None or i.when in conditions)
