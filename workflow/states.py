"""The states of an establishment case (成立登记办件) and their order.

The main line runs 受理 → 名称核准 → 业务范围审定 → 业务主管单位审查 → 发起人/拟任负责人审查 →
核准登记 → 制证 → 发证 → 办结. Side exits: 补正 (waiting for supplementary materials; the clock
stops and the case returns to the state it left), 不予登记 (rejected with reasons) and 撤回
(withdrawn by the applicant). 办结, 不予登记 and 撤回 are final.
"""

from __future__ import annotations

from models.cases import CaseState

MAIN_LINE: tuple[CaseState, ...] = (
    CaseState.ACCEPTED,
    CaseState.NAME_REVIEW,
    CaseState.SCOPE_REVIEW,
    CaseState.SPONSOR_REVIEW,
    CaseState.PERSONS_REVIEW,
    CaseState.APPROVAL,
    CaseState.CERTIFICATE,
    CaseState.ISSUE,
    CaseState.CLOSED,
)

FINAL: frozenset[CaseState] = frozenset({CaseState.CLOSED, CaseState.REJECTED, CaseState.WITHDRAWN})

# States in which the registration authority is still deciding: 补正 may be asked for,
# the case may be rejected or withdrawn.
UNDER_REVIEW: frozenset[CaseState] = frozenset(MAIN_LINE[: MAIN_LINE.index(CaseState.APPROVAL) + 1])


def next_on_main_line(state: CaseState) -> CaseState:
    """The state after ``state`` on the main line."""
    return MAIN_LINE[MAIN_LINE.index(state) + 1]


def is_open(state: str) -> bool:
    """Whether a case in ``state`` still needs work (办理中)."""
    return CaseState(state) not in FINAL
