"""One logging configuration for the CLI, the API and the dashboard: lines with ids, never content.

Loggers live under `zorgstraf` (`zorgstraf.api` for the access log, `zorgstraf.retentie`, ...).
Uvicorn configures only its own loggers, so without this the service's lines were never printed.
"""

from __future__ import annotations

import logging
import sys

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure(level: str = "INFO") -> logging.Logger:
    """Send `zorgstraf.*` records to stderr at `level`; safe to call more than once."""
    root = logging.getLogger("zorgstraf")
    root.setLevel(level)
    if not any(getattr(h, "_zorgstraf", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(FORMAT))
        handler._zorgstraf = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    return root
