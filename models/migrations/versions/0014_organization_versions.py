"""organization versions: every version of an organization's registered record (登记事项)

One row per version, numbered per organization, the record's items and persons as JSON. Add-only:
existing organizations get no rows (their record is read from the organizations row until a
version is added). On SQLite a trigger refuses an UPDATE: versions are appended, never edited.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 04:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'organization_versions',
        sa.Column('organization_id', sa.Uuid(), nullable=False),
        sa.Column('version_no', sa.Integer(), nullable=False),
        sa.Column('business', sa.String(length=16), nullable=False),
        sa.Column('case_id', sa.Uuid(), nullable=True),
        sa.Column('case_no', sa.String(length=40), nullable=True),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('effective_on', sa.Date(), nullable=False),
        sa.Column('record', sa.Text(), nullable=False),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.Column('row_version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'],
                                name=op.f('fk_organization_versions_organization_id_organizations'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_versions')),
        sa.UniqueConstraint('organization_id', 'version_no', name='uq_organization_versions_number'),
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE TRIGGER organization_versions_no_update BEFORE UPDATE ON organization_versions "
                   "BEGIN SELECT RAISE(ABORT, '登记事项的版本只能追加，不能修改'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS organization_versions_no_update")
    op.drop_table('organization_versions')
