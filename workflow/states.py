"""The states every case shares, whatever its business (业务).

A business's own steps come from the catalogue (workflow/catalogue.py): 成立登记 runs 受理 → 名称核准
→ 业务范围审定 → 业务主管单位审查 → 发起人/拟任负责人审查 → 核准登记 → 制证 → 发证 → 办结. The
side exits are common to all: 补正 (waiting for supplementary materials; the clock stops and the
case returns to the state it left), 不予登记 (rejected with reasons) and 撤回 (withdrawn by the
applicant). 办结, 不予登记 and 撤回 are final.
"""

from __future__ import annotations

from models.cases import CaseState

FINAL: frozenset[str] = frozenset({CaseState.CLOSED.value, CaseState.REJECTED.value, CaseState.WITHDRAWN.value})


def is_open(state: str) -> bool:
    """Whether a case in ``state`` still needs work (办理中)."""
    return state not in FINAL
