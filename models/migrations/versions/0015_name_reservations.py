"""name reservations: names held for open cases (名称保留), the local copy of every window's

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 04:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'name_reservations',
        sa.Column('window_code', sa.String(length=8), nullable=False),
        sa.Column('case_id', sa.Uuid(), nullable=False),
        sa.Column('case_no', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('org_type', sa.String(length=16), nullable=False),
        sa.Column('compare_key', sa.String(length=100), nullable=False),
        sa.Column('compare_pinyin', sa.String(length=400), nullable=False),
        sa.Column('field', sa.String(length=32), nullable=False),
        sa.Column('form', sa.String(length=16), nullable=False),
        sa.Column('reserved_by', sa.String(length=64), nullable=False),
        sa.Column('reserved_on', sa.Date(), nullable=False),
        sa.Column('expires_on', sa.Date(), nullable=False),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('end_reason', sa.String(length=16), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_name_reservations_case', 'name_reservations', ['case_id'], unique=True)
    op.create_index('ix_name_reservations_name', 'name_reservations', ['name'], unique=False)
    op.create_index('ix_name_reservations_key', 'name_reservations', ['compare_key'], unique=False)
    op.create_index('ix_name_reservations_field_form', 'name_reservations', ['field', 'form'], unique=False)


def downgrade() -> None:
    op.drop_table('name_reservations')
