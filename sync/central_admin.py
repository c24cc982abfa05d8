"""Setting up the central database (中心库): its schema, and one login role per window.

``init_central`` runs the central Alembic migrations (sync/central_migrations) with an
administrator's connection; ``add_window`` creates the window's LOGIN role, which may do
nothing but call the versioned functions in schema ``sync_api``. Role names start with the
central database's name (roles are cluster-wide): ``<db>_sync_owner`` owns the functions,
``<db>_window`` holds EXECUTE on them, ``<db>_w_<code>`` is one window.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import psycopg
from alembic import command
from alembic.config import Config
from psycopg import sql
from sqlalchemy import create_engine

from accounts.window import normalize_window_code
from models.errors import SoregError

CENTRAL_MIGRATIONS = Path(__file__).with_name("central_migrations")
WINDOW_STATEMENT_TIMEOUT = "60s"
WINDOW_IDLE_IN_TRANSACTION_TIMEOUT = "30s"
_CODE_START = re.compile(r"^([0-9A-HJ-NP-RT-UW-Y]*?)(\d+)$")


@dataclass(frozen=True)
class WindowRole:
    """A window's login at the centre: role name and (new) password, shown once to the admin."""

    code: str
    role: str
    password: str


def sqlalchemy_url(url: str) -> str:
    """The same URL for SQLAlchemy's psycopg 3 dialect."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql+psycopg://", url)


def admin_connect(url: str) -> psycopg.Connection:
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise SoregError(f"无法连接中心数据库：{first_line(exc)}。请检查 --url（主机、端口、库名、用户）。",
                         field="--url") from exc


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]


def role_names(database: str) -> tuple[str, str]:
    """(function owner, group of windows) for a central database."""
    return f"{database}_sync_owner", f"{database}_window"


def window_role_name(database: str, code: str) -> str:
    return f"{database}_w_{code.lower()}"


def parse_code_start(first_body: str) -> tuple[str, int, int]:
    """Split the first organization-code body of the central pool into (stem, number, width)."""
    body = first_body.strip().upper()
    match = _CODE_START.fullmatch(body)
    if len(body) != 8 or match is None:
        raise SoregError(
            f"号段池起点“{first_body}”应为 8 位组织机构代码本体（不含校验位，末尾为数字），例如 MJ000001。",
            field="--code-start",
        )
    return match.group(1), int(match.group(2)), len(match.group(2))


def init_central(url: str, *, code_start: str = "MJ000001") -> str:
    """Create or upgrade the central schema; set the organization-code pool once. Returns the
    Alembic revision the database is at."""
    stem, number, width = parse_code_start(code_start)
    with admin_connect(url) as conn:
        is_super = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        if not is_super:
            raise SoregError("central init 需要中心数据库的超级用户（用于创建角色并设定函数属主）。", field="--url")
        conn.execute("CREATE SCHEMA IF NOT EXISTS central")
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.begin() as conn:
            cfg = Config()
            cfg.set_main_option("script_location", str(CENTRAL_MIGRATIONS))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            raw = conn.connection.dbapi_connection
            raw.execute(
                "INSERT INTO central.code_pool (id, stem, next_number, width) VALUES (1, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (stem, number, width),
            )
            revision = raw.execute("SELECT version_num FROM central.alembic_version").fetchone()[0]
    finally:
        engine.dispose()
    return revision


def add_window(url: str, code: str, *, password: str | None = None) -> WindowRole:
    """Create (or reset the password of) the login role of window ``code``."""
    code = normalize_window_code(code)
    password = password or secrets.token_urlsafe(24)
    with admin_connect(url) as conn:
        database = conn.execute("SELECT current_database()").fetchone()[0]
        ready = conn.execute("SELECT to_regclass('central.windows')").fetchone()[0]
        if ready is None:
            raise SoregError("中心数据库尚未初始化，请先运行 central init。", field="--url")
        _, group = role_names(database)
        role = window_role_name(database, code)
        ident = sql.Identifier(role)
        with conn.transaction():
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(sql.SQL(
                verb + " ROLE {} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION INHERIT "
                "CONNECTION LIMIT 5 PASSWORD {}"
            ).format(ident, sql.Literal(password)))
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), ident))
            conn.execute(sql.SQL("ALTER ROLE {} SET statement_timeout = {}").format(
                ident, sql.Literal(WINDOW_STATEMENT_TIMEOUT)))
            conn.execute(sql.SQL("ALTER ROLE {} SET idle_in_transaction_session_timeout = {}").format(
                ident, sql.Literal(WINDOW_IDLE_IN_TRANSACTION_TIMEOUT)))
            conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), ident))
            conn.execute(
                "INSERT INTO central.windows (code, login_role) VALUES (%s, %s)"
                " ON CONFLICT (code) DO UPDATE SET login_role = excluded.login_role",
                (code, role),
            )
    return WindowRole(code=code, role=role, password=password)


def drop_central_roles(url: str) -> None:
    """Remove every role of this central database (for tests and for retiring a centre)."""
    with admin_connect(url) as conn:
        database = conn.execute("SELECT current_database()").fetchone()[0]
        roles = [r[0] for r in conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname LIKE %s", (database.replace("_", r"\_") + r"\_%",))]
        for role in roles:
            conn.execute(sql.SQL("DROP OWNED BY {} CASCADE").format(sql.Identifier(role)))
        for role in roles:
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))
