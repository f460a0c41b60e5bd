"""Where the app finds its files (no widget imports: the CLI uses this too)."""

from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ENV_DIR = "EXPLORER_SCENARIOS_DIR"
ENV_START = "EXPLORER_SCENARIO"


def checkout_scenarios() -> Path | None:
    """The repository's data/scenarios when this package runs from a checkout; None when installed."""
    folder = PROJECT_ROOT / "data" / "scenarios"
    return folder.resolve() if folder.is_dir() and (PROJECT_ROOT / "pyproject.toml").is_file() else None


def scenario_dir() -> Path:
    """The folder the dashboard may open: ``$EXPLORER_SCENARIOS_DIR`` or the project's data/scenarios."""
    configured = os.environ.get(ENV_DIR)
    if configured:
        return Path(configured).resolve()
    return (PROJECT_ROOT / "data" / "scenarios").resolve()

#: The server's answer to "what became of this page's session?": ``<base_url>explorer/session/<kernel id>``
#: (served by :mod:`explorer.app.serving.session`, asked by :mod:`explorer.app.widgets.session`).
SESSION_URL = "explorer/session/"


PREFERRED_START = "russia_ukraine_talks.yaml"  # the seed: what a viewer sees first when nothing is asked
MAX_FILE_NAME = 80  # characters of a file name suggested to a browser


def safe_file_name(name: str) -> str:
    """A file name a browser may be offered: letters, digits, ``-``, ``_`` and ``.`` only, no folder.

    >>> safe_file_name("../briefing <x>.html")
    'briefing-x-.html'
    """
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(str(name)).name).strip(".") or "briefing.html"
    return stem[-MAX_FILE_NAME:]
