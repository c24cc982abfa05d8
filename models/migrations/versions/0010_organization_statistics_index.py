"""organizations: an index on (org_type, street_code, status) from which the 统计 page counts

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-02 10:00:00
"""

from alembic import op

revision = '0010'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_organizations_type_street_status', 'organizations', ['org_type', 'street_code', 'status'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_organizations_type_street_status', table_name='organizations')
