"""cases: the reason a refused name was accepted at intake; the 办件 search line of each case

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 19:00:00

``cases.name_override_reason`` holds why the clerk accepted a name that the name check refused.
``case_search`` holds, per case, its number, name, applicant and persons' names on one line; on
SQLite, triggers on ``cases`` and ``case_persons`` rewrite that line whenever one of them is
written, triggers on ``case_search`` keep the FTS5 trigram index ``case_search_index`` over it
(external content), and the upgrade fills both for the cases already there.
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# The line of case ``c``, parts separated by char(31) (models.cases.SEARCH_SEPARATOR).
LINE = ("c.case_no || char(31) || c.name || char(31) || c.applicant || coalesce(char(31) || "
        "(SELECT group_concat(p.name, char(31)) FROM case_persons p WHERE p.case_id = c.id), '')")


def _refresh(case_id: str) -> str:
    """Rewrite the line of the case whose id is ``case_id`` (the WHERE keeps the upsert unambiguous)."""
    return (f"INSERT INTO case_search (case_id, text) SELECT c.id, {LINE} FROM cases c WHERE c.id = {case_id} "
            "ON CONFLICT (case_id) DO UPDATE SET text = excluded.text;")


TRIGGERS = {
    "cases_search_insert": f"AFTER INSERT ON cases BEGIN {_refresh('new.id')} END",
    "cases_search_update": f"AFTER UPDATE OF case_no, name, applicant ON cases BEGIN {_refresh('new.id')} END",
    "case_persons_search_insert": f"AFTER INSERT ON case_persons BEGIN {_refresh('new.case_id')} END",
    "case_persons_search_update": ("AFTER UPDATE OF name, case_id ON case_persons BEGIN "
                                   f"{_refresh('old.case_id')} {_refresh('new.case_id')} END"),
    "case_persons_search_delete": f"AFTER DELETE ON case_persons BEGIN {_refresh('old.case_id')} END",
    # the index follows its content table (the FTS5 documentation's external-content triggers)
    "case_search_index_insert": ("AFTER INSERT ON case_search BEGIN "
                                 "INSERT INTO case_search_index (rowid, text) VALUES (new.id, new.text); END"),
    "case_search_index_delete": ("AFTER DELETE ON case_search BEGIN INSERT INTO case_search_index "
                                 "(case_search_index, rowid, text) VALUES ('delete', old.id, old.text); END"),
    "case_search_index_update": ("AFTER UPDATE ON case_search BEGIN INSERT INTO case_search_index "
                                 "(case_search_index, rowid, text) VALUES ('delete', old.id, old.text); "
                                 "INSERT INTO case_search_index (rowid, text) VALUES (new.id, new.text); END"),
}


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_override_reason', sa.Text(), nullable=True))
    op.create_table('case_search',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_search_case_id_cases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_search')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_search_case_id'))
    )
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"INSERT INTO case_search (case_id, text) SELECT c.id, {LINE} FROM cases c")
        op.execute("CREATE VIRTUAL TABLE case_search_index USING fts5(text, content='case_search', content_rowid='id', "
                   "tokenize='trigram')")
        op.execute("INSERT INTO case_search_index (case_search_index) VALUES ('rebuild')")
        for name, body in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS case_search_index")
    op.drop_table('case_search')
    if sqlite:  # in place: a batch copy of ``cases`` would drop it, and foreign keys would cascade
        op.execute("ALTER TABLE cases DROP COLUMN name_override_reason")
    else:
        op.drop_column('cases', 'name_override_reason')
