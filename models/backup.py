"""Backups of the local store (备份): SQLite's online backup API, never a file copy of a live database."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path


def backup_file(path: Path, folder: Path | None = None, *, label: str = "backup") -> Path:
    """Copy the database at ``path`` consistently (WAL included) to
    ``<folder>/<name>.<label>-YYYYmmdd-HHMMSS-ffffff<suffix>``; ``folder`` defaults to the database's own."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = (folder or path.parent) / f"{path.stem}.{label}-{stamp}{path.suffix}"
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    return target
