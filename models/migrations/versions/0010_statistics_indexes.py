"""statistics indexes: the 统计 page counts organizations and cases from an index alone

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 10:00:00
"""

from alembic import op

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_organizations_type_street_status', 'organizations', ['org_type', 'street_code', 'status'],
                    unique=False)
    op.create_index('ix_cases_accepted_state_business', 'cases', ['accepted_at', 'state', 'business_type'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_cases_accepted_state_business', table_name='cases')
    op.drop_index('ix_organizations_type_street_status', table_name='organizations')
