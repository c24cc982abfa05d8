"""case changed items: the registered items a case changes (变更事项), which decide its steps

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 04:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('cases', sa.Column('changed_items', sa.String(length=400), server_default='', nullable=False))


def downgrade() -> None:
    op.drop_column('cases', 'changed_items')
