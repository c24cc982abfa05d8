"""window signing keys (public Ed25519 keys for QR codes)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 09:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('window_keys',
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('window_code', sa.String(length=8), nullable=False),
    sa.Column('public_key', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_window_keys')),
    sa.UniqueConstraint('key_id', name=op.f('uq_window_keys_key_id'))
    )
    with op.batch_alter_table('window_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_window_keys_window_code'), ['window_code'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('window_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_window_keys_window_code'))
    op.drop_table('window_keys')
