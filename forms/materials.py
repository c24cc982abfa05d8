"""Materials checklists (申请材料清单) per business type and organization type.

The items are data in resources/reference/materials.json; an item marked ``when`` is required
only for a case with a 业务主管单位 ("sponsor"), a direct registration ("direct"), 业务范围
items that need a prior approval ("prior_approval"), or that changes a registered item
("changed:<item>", e.g. "changed:legal_representative" for the outgoing one's 离任审计报告).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from models.errors import SoregError
from models.reference import loader, record

CONDITIONS = ("sponsor", "direct", "prior_approval")
CHANGED = "changed:"  # the prefix of a condition "changes this registered item"


@dataclass(frozen=True)
class MaterialItem:
    code: str
    label: str
    when: str | None


@loader("materials.json")
def _checklists(data: Any) -> dict[str, dict[str, tuple[MaterialItem, ...]]]:
    return {
        business: {org_type: tuple(_item(item, f"“{business}”“{org_type}”第 {i} 项") for i, item in enumerate(items, 1))
                   for org_type, items in by_type.items()}
        for business, by_type in data["checklists"].items()
    }


def _item(data: Any, where: str) -> MaterialItem:
    item = record(MaterialItem, data, where)
    if item.when is not None and item.when not in CONDITIONS and not item.when.startswith(CHANGED):
        raise SoregError(f"{where}的 when 应为 {'、'.join(CONDITIONS)}、{CHANGED}<登记事项> 之一或 null")
    return item


def checklist(business_type: str, org_type: str) -> tuple[MaterialItem, ...]:
    """Every item of the checklist for ``business_type`` and ``org_type``."""
    items = _checklists().get(business_type, {}).get(org_type)
    if items is None:
        raise SoregError(f"尚未配置“{org_type}{business_type}”的材料清单，请在 materials.json 中补充。", field="材料清单")
    return items


def required_items(business_type: str, org_type: str, conditions: frozenset[str]) -> tuple[MaterialItem, ...]:
    """The items this case must bring, given which ``conditions`` apply to it."""
    return tuple(i for i in checklist(business_type, org_type) if i.when is None or i.when in conditions)


def changed_conditions(changed: Iterable[str]) -> frozenset[str]:
    """The conditions of a case that changes the registered items ``changed``."""
    return frozenset(CHANGED + key for key in changed)
