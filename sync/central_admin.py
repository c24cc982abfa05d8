"""Setting up the central database (中心库): its schema, and one login role per window.

``init_central`` runs the central Alembic migrations (sync/central_migrations) with an
administrator's connection; ``add_window`` creates the window's LOGIN role, which may do
nothing but call the versioned functions in schema ``sync_api``. Role names start with the
central database's name (roles are cluster-wide): ``<db>_sync_owner`` owns the functions,
``<db>_window`` holds EXECUTE on them, ``<db>_w_<code>`` is one window.

The centre wants a cluster of its own: ``init_central`` takes PUBLIC's default CONNECT away from
every other database of the cluster (their owners keep theirs), so that a window's login reaches
the centre's database alone (``shared_cluster=True`` leaves them be, for a server the centre
shares; the watchdog still ends any window session it finds in another database). ``set_limits`` sets the centre's quotas and timeouts
(``central.limits``) and ``set_window_limits`` one window's own quotas.
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


def alembic_config(conn) -> Config:
    """Alembic's configuration for the central migrations, on ``conn`` (a SQLAlchemy connection)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(CENTRAL_MIGRATIONS))
    cfg.attributes["connection"] = conn
    return cfg


def init_central(url: str, *, code_start: str = "MJ000001", shared_cluster: bool = False) -> str:
    """Create or upgrade the central schema; set the organization-code pool once; unless
    ``shared_cluster``, close the cluster's other databases to PUBLIC. Returns the Alembic
    revision the database is at."""
    stem, number, width = parse_code_start(code_start)
    with admin_connect(url) as conn:
        is_super = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        if not is_super:
            raise SoregError("central init 需要中心数据库的超级用户（用于创建角色并设定函数属主）。", field="--url")
        conn.execute("CREATE SCHEMA IF NOT EXISTS central")
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")
            raw = conn.connection.dbapi_connection
            raw.execute(
                "INSERT INTO central.code_pool (id, stem, next_number, width) VALUES (1, %s, %s, %s)"
                " ON CONFLICT (id) DO NOTHING",
                (stem, number, width),
            )
            revision = raw.execute("SELECT version_num FROM central.alembic_version").fetchone()[0]
    finally:
        engine.dispose()
    if not shared_cluster:
        with admin_connect(url) as conn:
            close_other_databases(conn)
    return revision


def close_other_databases(conn: psycopg.Connection) -> list[str]:
    """Take PUBLIC's default CONNECT away from every other database of the cluster, granting it
    to each database's owner instead; returns the databases changed. (A database made later
    gives PUBLIC CONNECT again: ``central init`` closes it, and meanwhile the watchdog ends any
    window session found there.)"""
    changed = []
    with conn.transaction():
        rows = conn.execute(
            "SELECT d.datname, r.rolname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba"
            " WHERE d.datallowconn AND d.datname <> current_database()"
            " AND has_database_privilege('public', d.datname, 'CONNECT') ORDER BY 1").fetchall()
        for database, owner in rows:
            conn.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database),
                                                                              sql.Identifier(owner)))
            conn.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))
            changed.append(database)
    return changed


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


CENTRE_LIMITS = {
    "bytes_per_day": "每个窗口每天可上传的字节数",
    "call_bytes": "一次上传的字节数上限",
    "code_blocks_per_hour": "每个窗口每小时可申领的号段数",
    "outstanding_codes": "每个窗口已申领而未使用的组织机构代码上限",
    "idle_in_transaction_s": "窗口会话在事务中空闲的秒数上限（看门狗）",
    "transaction_s": "窗口会话一个事务持续的秒数上限（看门狗）",
}
"""The centre's limits (central.limits) and what each one means."""
WINDOW_LIMITS = ("bytes_per_day", "code_blocks_per_hour", "outstanding_codes")
"""The limits a window may have of its own (None: the centre's)."""


def _limits_ready(conn: psycopg.Connection) -> None:
    if conn.execute("SELECT to_regclass('central.limits')").fetchone()[0] is None:
        raise SoregError("中心数据库尚未初始化或结构过旧，请先运行 central init。", field="--url")


def _check_limits(limits: dict, allowed) -> None:
    for key, value in limits.items():
        if key not in allowed:
            raise SoregError(f"没有名为 {key} 的限额。", field=key)
        least = 0 if key in ("code_blocks_per_hour", "outstanding_codes") else 1
        if value is not None and (not isinstance(value, int) or value < least):
            raise SoregError(f"“{CENTRE_LIMITS[key]}”应为不小于 {least} 的整数。", field=key)


def centre_limits(url: str) -> dict[str, int]:
    with admin_connect(url) as conn:
        _limits_ready(conn)
        row = conn.execute(sql.SQL("SELECT {} FROM central.limits WHERE id = 1").format(
            sql.SQL(", ").join(map(sql.Identifier, CENTRE_LIMITS)))).fetchone()
    return dict(zip(CENTRE_LIMITS, row, strict=True))


def set_limits(url: str, **limits: int) -> dict[str, int]:
    """Change the centre's limits (keys of CENTRE_LIMITS); returns them all."""
    _check_limits(limits, CENTRE_LIMITS)
    if any(v is None for v in limits.values()):
        raise SoregError("中心的限额不能为空。", field="限额")
    with admin_connect(url) as conn:
        _limits_ready(conn)
        if limits:
            conn.execute(sql.SQL("UPDATE central.limits SET {} WHERE id = 1").format(sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(k), sql.Literal(v)) for k, v in limits.items())))
    return centre_limits(url)


def set_window_limits(url: str, code: str, **limits: int | None) -> dict[str, int | None]:
    """Give window ``code`` limits of its own (keys of WINDOW_LIMITS; None: the centre's again);
    returns its own limits."""
    _check_limits(limits, WINDOW_LIMITS)
    code = normalize_window_code(code)
    with admin_connect(url) as conn:
        _limits_ready(conn)
        columns = sql.SQL(", ").join(map(sql.Identifier, WINDOW_LIMITS))
        if limits:
            conn.execute(sql.SQL("UPDATE central.windows SET {} WHERE code = %s").format(sql.SQL(", ").join(
                sql.SQL("{} = {}").format(sql.Identifier(k), sql.Literal(v)) for k, v in limits.items())), (code,))
        row = conn.execute(sql.SQL("SELECT {} FROM central.windows WHERE code = %s").format(columns),
                           (code,)).fetchone()
    if row is None:
        raise SoregError(f"中心没有窗口 {code}，请先用 central add-window 登记。", field="窗口代码")
    return dict(zip(WINDOW_LIMITS, row, strict=True))


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
