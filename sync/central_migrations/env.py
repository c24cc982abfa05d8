"""Alembic environment of the central database: run with a connection handed in by sync.central_admin."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, version_table="alembic_version", version_table_schema="central")
with context.begin_transaction():
    context.run_migrations()
