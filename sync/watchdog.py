"""The centre's watchdog (看门狗): ends window sessions that hold the centre up.

A window role can set its own statement and idle timeouts to 0, so the centre cannot rely on
them: a window that keeps a transaction open holds back the pull horizon (pg_snapshot_xmin) of
every window, and VACUUM of the whole cluster. ``sweep`` runs ``central.end_stuck_windows``
(central migration c0004) as the administrator: it ends every window session idle in a
transaction, or in one, longer than the limits in ``central.limits``, or connected to another
database. ``watch`` sweeps every few seconds until stopped; ``central watchdog`` runs it, as a
service of the centre's machine (installer/README.md).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import psycopg

from models.errors import SoregError
from sync.central_admin import admin_connect


@dataclass(frozen=True)
class EndedSession:
    """A window session the watchdog ended, and why."""

    at: datetime
    pid: int
    role: str
    database: str
    reason: str

    def line(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} 已结束窗口账户 {self.role} 的会话（进程 {self.pid}，数据库 {self.database}）：{self.reason}"


def sweep(conn: psycopg.Connection) -> list[EndedSession]:
    """One round: end the stuck window sessions; returns them."""
    try:
        rows = conn.execute("SELECT pid, role, database, reason FROM central.end_stuck_windows()").fetchall()
    except psycopg.errors.UndefinedFunction as exc:
        raise SoregError("中心数据库的结构过旧，没有看门狗函数：请先运行 central init 升级。", field="--url") from exc
    except psycopg.errors.InsufficientPrivilege as exc:
        raise SoregError("看门狗需要中心数据库的管理员（超级用户）地址。", field="--url") from exc
    now = datetime.now()
    return [EndedSession(now, *row) for row in rows]


def watch(url: str, *, interval_s: float, report: Callable[[EndedSession], None],
          stop: threading.Event | None = None) -> None:
    """Sweep every ``interval_s`` seconds until ``stop`` is set; reconnect after a lost connection."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            with admin_connect(url) as conn:
                while not stop.is_set():
                    for ended in sweep(conn):
                        report(ended)
                    stop.wait(interval_s)
        except psycopg.OperationalError:
            time.sleep(min(interval_s, 5.0))  # the centre restarts: try again
