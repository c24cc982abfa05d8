"""expiring certificates index: the 首页 counts the certificates that expire soon from an index alone

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 01:50:00
"""

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_organizations_status_valid_until', 'organizations', ['status', 'certificate_valid_until'],
                    unique=False)
    op.drop_index('ix_organizations_certificate_valid_until', table_name='organizations')


def downgrade() -> None:
    op.create_index('ix_organizations_certificate_valid_until', 'organizations', ['certificate_valid_until'],
                    unique=False)
    op.drop_index('ix_organizations_status_valid_until', table_name='organizations')
