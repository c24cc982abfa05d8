"""成立登记 (establishment): approval enters the new organization in the registry."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from models.cases import Case
from workflow.approval import Registration, register_organization_in


def register_in(session: Session, case: Case, rules: dict[str, Any], *, actor: str, on: date) -> Registration:
    """Assign the 统一社会信用代码 and add the organization, in the approval's transaction."""
    return register_organization_in(session, case, rules, actor=actor, on=on)
