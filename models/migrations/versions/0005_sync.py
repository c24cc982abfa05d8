"""sync: outbox, pull state, notices, central reference data

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sync_outbox',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('row_id', sa.String(length=64), nullable=False),
    sa.Column('op', sa.String(length=8), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('registry_cursor', sa.String(length=64), nullable=True),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_sync_outbox')),
    sa.UniqueConstraint('op_id', name=op.f('uq_sync_outbox_op_id'))
    )
    op.create_table('sync_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cursor_xid', sa.String(length=32), nullable=True),
    sa.Column('cursor_id', sa.Integer(), nullable=False),
    sa.Column('snapshot_done', sa.Boolean(), nullable=False),
    sa.Column('snapshot_start_xid', sa.String(length=32), nullable=True),
    sa.Column('snapshot_after_kind', sa.String(length=32), nullable=True),
    sa.Column('snapshot_after_id', sa.String(length=64), nullable=True),
    sa.Column('last_sync_at', sa.DateTime(), nullable=True),
    sa.Column('last_digest_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_state'))
    )
    op.create_table('sync_notices',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('table_name', sa.String(length=64), nullable=False),
    sa.Column('row_id', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_notices')),
    sa.UniqueConstraint('key', name=op.f('uq_sync_notices_key'))
    )
    with op.batch_alter_table('sync_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sync_notices_row_id'), ['row_id'], unique=False)

    op.create_table('central_reference',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_central_reference'))
    )


def downgrade() -> None:
    op.drop_table('central_reference')
    with op.batch_alter_table('sync_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sync_notices_row_id'))
    op.drop_table('sync_notices')
    op.drop_table('sync_state')
    op.drop_table('sync_outbox')
