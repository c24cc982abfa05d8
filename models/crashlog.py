"""Crash log: the traceback of an unexpected error goes to a private file, not to the clerk's screen."""

from __future__ import annotations

import traceback
from datetime import datetime
from pathlib import Path

from models.private_files import private_folder, write_private_text
from models.store import data_home


def write_crash_log(exc: BaseException) -> Path:
    try:
        folder = private_folder(data_home() / "logs")
    except OSError:
        import tempfile

        folder = Path(tempfile.gettempdir())
    path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S}.log"
    return write_private_text(path, "".join(traceback.format_exception(exc)))
