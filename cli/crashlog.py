"""Crash log: the traceback of an unexpected error goes to a file, not to the clerk's screen."""

from __future__ import annotations

import traceback
from datetime import datetime
from pathlib import Path

from models.store import data_home


def write_crash_log(exc: BaseException) -> Path:
    folder = data_home() / "logs"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        import tempfile

        folder = Path(tempfile.gettempdir())
    path = folder / f"crash-{datetime.now():%Y%m%d-%H%M%S}.log"
    path.write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
    return path
