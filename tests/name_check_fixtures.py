"""A fresh store with a registry built through the name index, for the name-check tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from accounts.window import init_window
from models.registry import OrgStatus
from models.store import Store, open_store
from registry.organizations import FormerName, OrganizationRecord, add_organization_in


def fresh_store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "t.sqlite3")
    init_window(store, "W01", actor="system")
    return store


def register(
    store: Store,
    name: str,
    org_type: str = "民办非企业单位",
    *,
    status: OrgStatus = OrgStatus.ACTIVE,
    changed_on: date | None = None,
    former: tuple[tuple[str, date], ...] = (),
    legal_representative: str | None = None,
    credit_code: str | None = None,
) -> None:
    """Register ``name`` (with former names renamed on the given days) through the registry code."""
    record = OrganizationRecord(
        name=name, org_type=org_type, status=status.value, status_changed_on=changed_on,
        legal_representative=legal_representative, credit_code=credit_code,
        former_names=tuple(FormerName(old, renamed_on) for old, renamed_on in former),
    )
    with store.write() as session:
        add_organization_in(session, record, actor="test")
