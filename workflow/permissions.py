"""Who may act on a case (权限): roles per action and the four-eyes rule (四眼原则)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from accounts.users import UserInfo
from models.accounts import Role
from models.cases import Case
from models.errors import SoregError
from models.settings import FOUR_EYES, get_setting_in


def require_role(user: UserInfo, roles: frozenset[Role], what: str) -> None:
    """Refuse unless ``user`` holds one of ``roles``."""
    if not roles & user.roles:
        needed = "或".join(f"“{r.label}”" for r in sorted(roles))
        raise SoregError(f"用户“{user.username}”没有{needed}角色，不能{what}。", field="用户")


def four_eyes_forbids_in(session: Session, accepted_by: str, user: UserInfo) -> bool:
    """Four-eyes: whether ``user`` may not approve a case accepted by ``accepted_by`` — the user who
    accepted a case may not approve it (setting ``workflow.four_eyes``); in the caller's transaction."""
    return bool(get_setting_in(session, FOUR_EYES)) and user.username == accepted_by


def require_second_person_in(session: Session, case: Case, user: UserInfo) -> None:
    """Refuse the approval of ``case`` by ``user`` when the four-eyes rule forbids it."""
    if four_eyes_forbids_in(session, case.accepted_by, user):
        raise SoregError(f"办件 {case.case_no} 由您受理，按四眼原则（受理与核准不得为同一人）须由其他审批人员核准。",
                         field="用户")
