"""Schema migrations (数据库升级) with Alembic, run from code rather than the alembic CLI.

Alembic itself (a fifth of the time to a usable login window) is loaded only when the database is
not at the newest revision: ``is_current`` reads the revisions from the script files.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


@cache
def head_revisions() -> frozenset[str]:
    """The revisions no script builds on, from the scripts' ``revision`` and ``down_revision``."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        assigned = {target.id: ast.literal_eval(node.value)
                    for node in ast.parse(script.read_text(encoding="utf-8")).body if isinstance(node, ast.Assign)
                    for target in node.targets
                    if isinstance(target, ast.Name) and target.id in ("revision", "down_revision")}
        revisions.add(assigned["revision"])
        down = assigned.get("down_revision")
        parents.update(down if isinstance(down, tuple | list) else [down] if down else [])
    return frozenset(revisions - parents)


def is_current(conn: Connection) -> bool:
    """Whether the database is at the newest revision (no migration pending), without Alembic."""
    if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").first() is None:
        return False
    applied = {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    return applied == head_revisions()


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def pending_revisions(conn: Connection) -> list[str]:
    """Revisions not yet applied to the database, oldest first."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    current = MigrationContext.configure(conn).get_current_heads()
    applied = {r.revision for r in script.revision_map.iterate_revisions(current, "base")} if current else set()
    return [r.revision for r in reversed(list(script.walk_revisions())) if r.revision not in applied]


def has_schema(engine: Engine) -> bool:
    """Whether the database already holds any table (a file worth backing up)."""
    return bool(inspect(engine).get_table_names())


def upgrade(engine: Engine, target: str = "heads") -> None:
    from alembic import command

    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, target)
