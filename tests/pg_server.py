"""A PostgreSQL server for the test session: given, local, or a throwaway cluster.

Order: ``SOREG_TEST_PG_URL`` if set; else the server on 127.0.0.1:5432 if it answers; else a
cluster made with ``initdb`` from PostgreSQL binaries found on the machine, started on a free
port in a temporary folder and stopped afterwards. If none can be had the test session fails
with one line saying so — never a silent skip.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg

LOCAL_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


class NoPostgres(RuntimeError):
    pass


def _answers(url: str) -> bool:
    try:
        with psycopg.connect(url, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def _find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return candidates[0] if candidates else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _throwaway_cluster() -> Iterator[str]:
    initdb, pg_ctl = _find_binary("initdb"), _find_binary("pg_ctl")
    if not (initdb and pg_ctl):
        raise NoPostgres(
            "没有可用的 PostgreSQL：127.0.0.1:5432 无响应，未设置 SOREG_TEST_PG_URL，也找不到 initdb/pg_ctl。"
            "请安装 PostgreSQL（Debian: apt-get install postgresql）后重试。"
        )
    folder = Path(tempfile.mkdtemp(prefix="soreg-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root: run the cluster as the postgres user
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            raise NoPostgres("以 root 身份运行测试时需要系统用户 postgres 来启动临时数据库集群。") from None
        shutil.chown(folder, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = folder / "data", _free_port()
    subprocess.run([*prefix, initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--locale=C.UTF-8"], check=True, capture_output=True)
    subprocess.run([*prefix, pg_ctl, "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
                    f"-p {port} -k {folder} -c listen_addresses=127.0.0.1", "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a superuser URL of a running PostgreSQL server (see module docstring)."""
    given = os.environ.get("SOREG_TEST_PG_URL")
    if given:
        if not _answers(given):
            raise NoPostgres(f"SOREG_TEST_PG_URL={given} 无法连接。")
        yield given
        return
    if os.environ.get("SOREG_TEST_PG_CLUSTER") != "1" and _answers(LOCAL_URL):
        yield LOCAL_URL
        return
    with _throwaway_cluster() as url:
        yield url


def create_database(server_url: str, name: str) -> str:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    info = psycopg.conninfo.conninfo_to_dict(server_url)
    host, port = info.get("host", "127.0.0.1"), info.get("port", "5432")
    return f"postgresql://{info.get('user', 'postgres')}@{host}:{port}/{name}"


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
