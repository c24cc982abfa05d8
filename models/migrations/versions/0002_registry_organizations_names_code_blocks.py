"""registry: organizations, names, code blocks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:08:31.588311
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('code_blocks',
    sa.Column('first_body', sa.String(length=8), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_code_blocks'))
    )
    op.create_table('organizations',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('org_type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('status_changed_on', sa.Date(), nullable=True),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('form', sa.String(length=16), nullable=False),
    sa.Column('zihao', sa.String(length=100), nullable=False),
    sa.Column('street_code', sa.String(length=9), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('legal_representative', sa.String(length=64), nullable=True),
    sa.Column('sponsor', sa.String(length=100), nullable=True),
    sa.Column('established_on', sa.Date(), nullable=True),
    sa.Column('certificate_valid_until', sa.Date(), nullable=True),
    sa.Column('rating', sa.String(length=4), nullable=True),
    sa.Column('on_abnormal_list', sa.Boolean(), nullable=False),
    sa.Column('on_dishonest_list', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('row_version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations')),
    sa.UniqueConstraint('credit_code', name=op.f('uq_organizations_credit_code'))
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_certificate_valid_until'), ['certificate_valid_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_organizations_legal_representative'), ['legal_representative'], unique=False)
        batch_op.create_index('ix_organizations_name_type', ['name', 'org_type'], unique=False)

    op.create_table('organization_codes',
    sa.Column('code', sa.String(length=9), nullable=False),
    sa.Column('block_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('used_by', sa.String(length=18), nullable=True),
    sa.ForeignKeyConstraint(['block_id'], ['code_blocks.id'], name=op.f('fk_organization_codes_block_id_code_blocks')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_organization_codes')),
    sa.UniqueConstraint('used_by', name=op.f('uq_organization_codes_used_by'))
    )
    with op.batch_alter_table('organization_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_codes_block_id'), ['block_id'], unique=False)
        batch_op.create_index('ix_organization_codes_free', ['used_by', 'block_id', 'position'], unique=False)

    op.create_table('organization_names',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('organization_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.Column('renamed_on', sa.Date(), nullable=True),
    sa.Column('org_type', sa.String(length=16), nullable=False),
    sa.Column('compare_key', sa.String(length=100), nullable=False),
    sa.Column('compare_pinyin', sa.String(length=400), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('form', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_names_organization_id_organizations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_names'))
    )
    with op.batch_alter_table('organization_names', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_names_compare_key'), ['compare_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_organization_names_compare_pinyin'), ['compare_pinyin'], unique=False)
        batch_op.create_index(batch_op.f('ix_organization_names_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_organization_names_organization_id'), ['organization_id'], unique=False)

    op.create_table('name_variants',
    sa.Column('name_id', sa.Integer(), nullable=False),
    sa.Column('variant', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['name_id'], ['organization_names.id'], name=op.f('fk_name_variants_name_id_organization_names'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('name_id', 'variant', name=op.f('pk_name_variants'))
    )
    with op.batch_alter_table('name_variants', schema=None) as batch_op:
        batch_op.create_index('ix_name_variants_variant', ['variant'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('name_variants', schema=None) as batch_op:
        batch_op.drop_index('ix_name_variants_variant')

    op.drop_table('name_variants')
    with op.batch_alter_table('organization_names', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_names_organization_id'))
        batch_op.drop_index(batch_op.f('ix_organization_names_name'))
        batch_op.drop_index(batch_op.f('ix_organization_names_compare_pinyin'))
        batch_op.drop_index(batch_op.f('ix_organization_names_compare_key'))

    op.drop_table('organization_names')
    with op.batch_alter_table('organization_codes', schema=None) as batch_op:
        batch_op.drop_index('ix_organization_codes_free')
        batch_op.drop_index(batch_op.f('ix_organization_codes_block_id'))

    op.drop_table('organization_codes')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index('ix_organizations_name_type')
        batch_op.drop_index(batch_op.f('ix_organizations_legal_representative'))
        batch_op.drop_index(batch_op.f('ix_organizations_certificate_valid_until'))

    op.drop_table('organizations')
    op.drop_table('code_blocks')
