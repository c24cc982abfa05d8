"""case list walk index: the 办件 list walks (accepted_at, state, due_date), so a state or due-date
filter is judged from the index alone and reads only the rows it shows

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-06 04:20:00
"""

from alembic import op

revision = '0017'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_cases_accepted_state_due', 'cases', ['accepted_at', 'state', 'due_date'], unique=False)
    op.drop_index('ix_cases_accepted_at', table_name='cases')


def downgrade() -> None:
    op.create_index('ix_cases_accepted_at', 'cases', ['accepted_at'], unique=False)
    op.drop_index('ix_cases_accepted_state_due', table_name='cases')
