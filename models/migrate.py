"""Schema migrations (数据库升级) with Alembic, run from code rather than the alembic CLI."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect

MIGRATIONS = Path(__file__).with_name("migrations")


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def pending_revisions(conn: Connection) -> list[str]:
    """Revisions not yet applied to the database, oldest first."""
    script = ScriptDirectory.from_config(_config())
    current = MigrationContext.configure(conn).get_current_heads()
    applied = {r.revision for r in script.revision_map.iterate_revisions(current, "base")} if current else set()
    return [r.revision for r in reversed(list(script.walk_revisions())) if r.revision not in applied]


def has_schema(engine: Engine) -> bool:
    """Whether the database already holds any table (a file worth backing up)."""
    return bool(inspect(engine).get_table_names())


def upgrade(engine: Engine, target: str = "heads") -> None:
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
