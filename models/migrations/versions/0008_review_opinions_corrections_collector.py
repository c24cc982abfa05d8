"""review steps that fit the work: opinions and corrections in the history, the certificate's collector

Adds to ``case_steps`` the reviewer's opinion (审查意见) and the items a correction changed
(更正登记事项, before → after), and to ``cases`` who collected the certificate at 发证 (领证人).
Add-only: existing rows get empty opinions and no changes; cases issued before have no collector.
The columns are added in place (no table rebuild), so the append-only triggers of case_steps stay.

Revision ID: 0008
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None

CASE_COLUMNS = (
    ('collector_kind', sa.String(length=8)),
    ('collector_name', sa.String(length=64)),
    ('collector_id_number', sa.String(length=18)),
    ('collected_at', sa.DateTime()),
)


def upgrade() -> None:
    op.add_column('case_steps', sa.Column('opinion', sa.Text(), server_default='', nullable=False))
    op.add_column('case_steps', sa.Column('changes', sa.Text(), server_default='[]', nullable=False))
    for name, type_ in CASE_COLUMNS:
        op.add_column('cases', sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    for name, _type in reversed(CASE_COLUMNS):
        op.drop_column('cases', name)
    op.drop_column('case_steps', 'changes')
    op.drop_column('case_steps', 'opinion')
