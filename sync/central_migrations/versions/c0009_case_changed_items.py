"""what windows send since the business catalogue: cases.changed_items

Windows of this release send ``cases.changed_items`` (变更事项, the registered items a case
changes, comma-joined): the frozen copy of the window's rules (``central.column_rules``) holds it
after the case columns of c0006, before the synced columns (id, created_at …), so the centre checks it as the window does (models.op_rules).

Revision ID: c0009
Revises: c0008
Create Date: 2026-12-06
"""

import importlib.util
from pathlib import Path

revision = "c0009"
down_revision = "c0008"
branch_labels = None
depends_on = None


def _c0006():
    spec = importlib.util.spec_from_file_location("c0006", Path(__file__).with_name("c0006_review_columns.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    c0006 = _c0006()
    before = dict(c0006.RULES)["cases"]
    at = [rule[0] for rule in before].index("id")  # the model's own columns come before the synced ones
    cases = (*before[:at], ('changed_items', 'text', 400, False, False, None, '变更事项'), *before[at:])
    c0006._replace([("cases", cases)])


def downgrade() -> None:
    c0006 = _c0006()
    c0006._replace([("cases", dict(c0006.RULES)["cases"])])
