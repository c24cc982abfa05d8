"""Where UI tests save their screenshots: ``$SOREG_SCREENSHOTS`` (e.g. docs/screenshots, to refresh
the pictures in the repository on purpose), else a folder under the system's temp directory, so that
an ordinary test run leaves the working tree as it was."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

SCREENSHOTS = Path(os.environ.get("SOREG_SCREENSHOTS") or Path(tempfile.gettempdir()) / "soreg-screenshots")
