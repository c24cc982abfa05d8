"""Imports every table module so that ``Base.metadata`` knows the whole schema."""

from models import accounts, audit, cases, outbox, registry, settings, signing  # noqa: F401
