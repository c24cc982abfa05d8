"""设置 → 备份 through the real program (备份与恢复): a manual backup is listed, a restore with a
wrong password replaces nothing, a restore with the administrator's password brings the database
back to the backup and keeps the replaced one (script: tests/backup_restore_script.py)."""

from __future__ import annotations

import sqlite3

from backup_restore_script import LATER_USER
from robot_run import run_script


def users_in(db) -> set[str]:
    with sqlite3.connect(db) as conn:
        return {u for (u,) in conn.execute("select username from users")}


def test_the_administrator_backs_up_and_restores_in_settings(tmp_path):
    report, db = run_script(tmp_path, "backup_restore_script:backup_and_restore")
    seen = report["seen"]
    assert seen["listed"] == ["手动备份"]
    assert "密码" in seen["refused"]
    assert "已用备份" in seen["restored"]
    assert users_in(db) == {"admin"}  # the user added after the backup is gone
    kept = [p for p in (db.parent / "backups").iterdir() if p.name.endswith("-before-restore.sqlite3")]
    assert len(kept) == 1 and users_in(kept[0]) == {"admin", LATER_USER[0]}
    assert "恢复前的原数据库" in seen["listed_after"]
