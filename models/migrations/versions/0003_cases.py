"""cases: establishment cases, persons, materials, steps

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:12:40.140535
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_counters',
    sa.Column('window_code', sa.String(length=8), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_counters')),
    sa.UniqueConstraint('window_code', 'year', name='uq_case_counters_window_year')
    )
    op.create_table('dishonest_persons',
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('listed_on', sa.Date(), nullable=False),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dishonest_persons'))
    )
    with op.batch_alter_table('dishonest_persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dishonest_persons_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_dishonest_persons_name'), ['name'], unique=False)

    op.create_table('cases',
    sa.Column('case_no', sa.String(length=40), nullable=False),
    sa.Column('business_type', sa.String(length=16), nullable=False),
    sa.Column('org_type', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('resume_state', sa.String(length=16), nullable=True),
    sa.Column('window_code', sa.String(length=8), nullable=False),
    sa.Column('accepted_by', sa.String(length=64), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=False),
    sa.Column('applicant', sa.String(length=64), nullable=False),
    sa.Column('applicant_phone', sa.String(length=32), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('statutory_due_date', sa.Date(), nullable=False),
    sa.Column('stopped_since', sa.Date(), nullable=True),
    sa.Column('stopped_working_days', sa.Integer(), nullable=False),
    sa.Column('stopped_calendar_days', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('street_code', sa.String(length=9), nullable=True),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('activity_area', sa.String(length=100), nullable=False),
    sa.Column('legal_representative', sa.String(length=64), nullable=False),
    sa.Column('funds_yuan', sa.Integer(), nullable=False),
    sa.Column('sponsor', sa.String(length=100), nullable=True),
    sa.Column('sponsor_consent_doc_no', sa.String(length=64), nullable=True),
    sa.Column('sponsor_consent_date', sa.Date(), nullable=True),
    sa.Column('direct_category', sa.String(length=16), nullable=True),
    sa.Column('direct_justification', sa.Text(), nullable=True),
    sa.Column('individual_members', sa.Integer(), nullable=False),
    sa.Column('unit_members', sa.Integer(), nullable=False),
    sa.Column('premises_document', sa.String(length=100), nullable=True),
    sa.Column('premises_valid_until', sa.Date(), nullable=True),
    sa.Column('name_warnings_ack_by', sa.String(length=64), nullable=True),
    sa.Column('name_warnings_ack_at', sa.DateTime(), nullable=True),
    sa.Column('organization_id', sa.Uuid(), nullable=True),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('approved_by', sa.String(length=64), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_cases_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cases')),
    sa.UniqueConstraint('case_no', name=op.f('uq_cases_case_no')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_cases_credit_code'))
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cases_accepted_at'), ['accepted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_accepted_by'), ['accepted_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_business_type'), ['business_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_org_type'), ['org_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_state'), ['state'], unique=False)
        batch_op.create_index('ix_cases_state_due', ['state', 'due_date'], unique=False)

    op.create_table('case_materials',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_code', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('received', sa.Boolean(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_materials_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_materials')),
    sa.UniqueConstraint('case_id', 'item_code', name='uq_case_materials_case_item')
    )
    with op.batch_alter_table('case_materials', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_materials_case_id'), ['case_id'], unique=False)

    op.create_table('case_persons',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('roles', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=32), nullable=False),
    sa.Column('appointed_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_persons_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_persons'))
    )
    with op.batch_alter_table('case_persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_persons_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_persons_id_number'), ['id_number'], unique=False)

    op.create_table('case_scope_items',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('catalogue_code', sa.String(length=16), nullable=True),
    sa.Column('text', sa.String(length=200), nullable=False),
    sa.Column('approval_doc_no', sa.String(length=64), nullable=True),
    sa.Column('approval_date', sa.Date(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_scope_items_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_scope_items'))
    )
    with op.batch_alter_table('case_scope_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_scope_items_case_id'), ['case_id'], unique=False)

    op.create_table('case_steps',
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_steps_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_steps')),
    sa.UniqueConstraint('case_id', 'seq', name='uq_case_steps_case_seq')
    )
    with op.batch_alter_table('case_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_steps_case_id'), ['case_id'], unique=False)

    op.create_table('case_attachments',
    sa.Column('material_id', sa.Uuid(), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('stored_path', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('media_type', sa.String(length=32), nullable=False),
    sa.Column('added_by', sa.String(length=64), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['material_id'], ['case_materials.id'], name=op.f('fk_case_attachments_material_id_case_materials'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_attachments'))
    )
    with op.batch_alter_table('case_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_attachments_material_id'), ['material_id'], unique=False)



    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER case_steps_no_{verb.lower()} BEFORE {verb} ON case_steps "
                "BEGIN SELECT RAISE(ABORT, '办理过程记录只能追加，不能修改或删除'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS case_steps_no_update")
        op.execute("DROP TRIGGER IF EXISTS case_steps_no_delete")
    with op.batch_alter_table('case_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_attachments_material_id'))

    op.drop_table('case_attachments')
    with op.batch_alter_table('case_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_steps_case_id'))

    op.drop_table('case_steps')
    with op.batch_alter_table('case_scope_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_scope_items_case_id'))

    op.drop_table('case_scope_items')
    with op.batch_alter_table('case_persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_persons_id_number'))
        batch_op.drop_index(batch_op.f('ix_case_persons_case_id'))

    op.drop_table('case_persons')
    with op.batch_alter_table('case_materials', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_materials_case_id'))

    op.drop_table('case_materials')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_state_due')
        batch_op.drop_index(batch_op.f('ix_cases_state'))
        batch_op.drop_index(batch_op.f('ix_cases_org_type'))
        batch_op.drop_index(batch_op.f('ix_cases_name'))
        batch_op.drop_index(batch_op.f('ix_cases_due_date'))
        batch_op.drop_index(batch_op.f('ix_cases_business_type'))
        batch_op.drop_index(batch_op.f('ix_cases_accepted_by'))
        batch_op.drop_index(batch_op.f('ix_cases_accepted_at'))

    op.drop_table('cases')
    with op.batch_alter_table('dishonest_persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dishonest_persons_name'))
        batch_op.drop_index(batch_op.f('ix_dishonest_persons_id_number'))

    op.drop_table('dishonest_persons')
    op.drop_table('case_counters')
