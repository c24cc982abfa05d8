"""Private files (本机数据保护): the data folder is 0700 and every file in it 0600.

The database, its -wal and -shm files, backups, attachments and crash logs hold ID and phone
numbers: no other account on the computer may read them. (On Windows the modes are not
enforced; the user's profile folder protects the data there.)
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """Create ``path`` (and missing parents) as a private folder, or make an existing one private."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    make_private(path, FOLDER_MODE)
    return path


def make_private(path: Path, mode: int = FILE_MODE) -> None:
    """Take away every other account's access to ``path``, where this account owns it."""
    try:
        os.chmod(path, mode)
    except OSError:  # someone else's file or folder: leave it as it is
        pass


def create_private_file(path: Path) -> Path:
    """Create ``path`` as an empty file that only this account can read; refuse an existing one."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
    return path


def write_private_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to a new private file ``path``."""
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    make_private(path)
    return path
