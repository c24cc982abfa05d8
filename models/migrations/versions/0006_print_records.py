"""print records: every print, reprint, void and replacement, with the stock serial

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 09:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('print_records',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('case_no', sa.String(length=40), nullable=False),
    sa.Column('document', sa.String(length=16), nullable=False),
    sa.Column('copy', sa.String(length=4), nullable=False),
    sa.Column('event', sa.String(length=4), nullable=False),
    sa.Column('copy_number', sa.Integer(), nullable=False),
    sa.Column('printer', sa.String(length=200), nullable=False),
    sa.Column('serial', sa.String(length=20), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('voids_id', sa.Uuid(), nullable=True),
    sa.Column('voided', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_print_records_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_records'))
    )
    with op.batch_alter_table('print_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_print_records_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_print_records_case_document', ['case_id', 'document', 'copy'], unique=False)
        batch_op.create_index('uq_print_records_serial', ['serial'], unique=True,
                              sqlite_where=sa.text("event <> '作废'"), postgresql_where=sa.text("event <> '作废'"))


def downgrade() -> None:
    with op.batch_alter_table('print_records', schema=None) as batch_op:
        batch_op.drop_index('uq_print_records_serial')
        batch_op.drop_index('ix_print_records_case_document')
        batch_op.drop_index(batch_op.f('ix_print_records_case_id'))
    op.drop_table('print_records')
