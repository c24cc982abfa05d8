"""Central migration c0004 on a centre made by c0003: rows an unchecked window left behind are
repaired so that every pull reads them; downgrade and upgrade again."""

from __future__ import annotations

import json
import uuid

import psycopg
from alembic import command
from sqlalchemy import create_engine
from sync_fixtures import private_server  # noqa: F401

from sync.central_admin import add_window, alembic_config, drop_central_roles, init_central, sqlalchemy_url

BROKEN = uuid.UUID("0190a0a0-0000-7000-8000-0000000000e1")


def _migrate(url: str, revision: str, *, down: bool = False) -> None:
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.begin() as conn:
            (command.downgrade if down else command.upgrade)(alembic_config(conn), revision)
    finally:
        engine.dispose()


def test_c0004_repairs_what_an_unchecked_window_left_and_goes_down_and_up(private_server):
    from pg_server import create_database, drop_database

    name = f"soreg_mig_{uuid.uuid4().hex[:10]}"
    url = create_database(private_server, name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE SCHEMA central")
        _migrate(url, "c0003")
        with psycopg.connect(url, autocommit=True) as conn:  # what a window could store before c0004
            conn.execute("INSERT INTO central.organizations (id, name, org_type, former_names, name_index) VALUES"
                         " (%s, '上海市长宁区华阳社区服务中心', '民办非企业单位', %s, %s)",
                         (BROKEN, json.dumps([{"name": "旧名", "renamed_on": "2025-01-02"}, {"name": 5}]),
                          json.dumps([{"name": "上海市长宁区华阳社区服务中心", "is_current": "maybe"}])))
        init_central(url)  # upgrades to head
        with psycopg.connect(url, autocommit=True) as conn:
            former, index = conn.execute("SELECT former_names, name_index FROM central.organizations WHERE id = %s",
                                         (BROKEN,)).fetchone()
            logged = conn.execute("SELECT count(*) FROM central.change_log WHERE row_id = %s", (str(BROKEN),)).fetchone()[0]
            version = conn.execute("SELECT version_num FROM central.alembic_version").fetchone()[0]
        assert (former, index) == ([{"name": "旧名", "renamed_on": "2025-01-02"}], None)
        assert logged == 3 and version >= "c0004"  # inserted, then repaired twice: it goes down to every window again
        add_window(url, "W01")
        _migrate(url, "c0003", down=True)
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("SELECT to_regclass('central.column_rules')").fetchone()[0] is None
            assert conn.execute("SELECT has_database_privilege('public', current_database(), 'CONNECT')").fetchone()[0]
            assert conn.execute("SELECT to_regprocedure('sync_api.sync_push_v2(json)')").fetchone()[0] is None
        _migrate(url, "head")
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("SELECT count(*) FROM central.column_rules").fetchone()[0] > 100
    finally:
        drop_central_roles(url)
        drop_database(private_server, name)
