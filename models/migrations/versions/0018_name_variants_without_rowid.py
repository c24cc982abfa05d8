"""name_variants WITHOUT ROWID: the one-edit keys (name_variants) are stored in their primary key
(name_id, variant) alone, one B-tree less to write and read for the three or so keys of each name

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 05:40:00
"""

from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

_INDEX = 'ix_name_variants_variant'


def _recreate(rowid: bool) -> None:
    """Copy name_variants into a table made with or without a rowid. Its variant index is built
    again only if it was there: a registry import into an empty registry leaves it out until
    registry_indexes.ensure_registry_indexes has filled the names' keys. SQLite only (elsewhere
    the table stays as it is)."""
    conn = op.get_bind()
    if conn.dialect.name != "sqlite":
        return
    indexed = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", (_INDEX,)).first()
    op.execute(
        "CREATE TABLE name_variants_copy (name_id INTEGER NOT NULL, variant VARCHAR(100) NOT NULL,"
        " CONSTRAINT pk_name_variants PRIMARY KEY (name_id, variant),"
        " CONSTRAINT fk_name_variants_name_id_organization_names FOREIGN KEY(name_id)"
        " REFERENCES organization_names (id) ON DELETE CASCADE)" + ("" if rowid else " WITHOUT ROWID"))
    op.execute("INSERT INTO name_variants_copy (name_id, variant) SELECT name_id, variant FROM name_variants")
    op.execute("DROP TABLE name_variants")
    op.execute("ALTER TABLE name_variants_copy RENAME TO name_variants")
    if indexed:
        op.execute(f"CREATE INDEX {_INDEX} ON name_variants (variant)")


def upgrade() -> None:
    _recreate(rowid=False)


def downgrade() -> None:
    _recreate(rowid=True)
