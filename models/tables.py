"""Imports every table module so that ``Base.metadata`` knows the whole schema."""

from models import accounts, audit, cases, registry, settings  # noqa: F401
