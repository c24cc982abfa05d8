"""Imports every table module so that ``Base.metadata`` knows the whole schema."""

from models import accounts, audit, cases, outbox, print_records, registry, settings, signing  # noqa: F401
