"""Imports every table module so that ``Base.metadata`` knows the whole schema."""

from models import (  # noqa: F401
    accounts,
    audit,
    cases,
    name_reservations,
    outbox,
    print_records,
    registry,
    settings,
    signing,
)
