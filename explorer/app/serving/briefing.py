"""``GET <base_url>briefing.html``: the briefing of the scenario a page opens first, for viewers
the capacity page turns away (and anyone with the link).

The file is made once per version of that scenario file (its SHA-256), by ``explorer briefing``
in a child process at low priority (``nice``), so the server's event loop never computes it; the
first request (or the warm-up a few seconds after the server starts) makes it, later ones get it
from memory. The request carries no parameter: which file is fixed by the server's settings
(``$EXPLORER_SCENARIOS_DIR``, ``$EXPLORER_SCENARIO``), never by the viewer.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sys
import tempfile
from pathlib import Path

from tornado import web

from explorer.app.catalog import list_scenarios, start_index
from explorer.app.paths import ENV_START, scenario_dir

BRIEFING_URL = "briefing.html"
MAKE_TIMEOUT = 300  # seconds the child process may take
NICENESS = 10


def default_scenario(folder: Path | None = None) -> Path | None:
    """The scenario file a page opens first, if any is valid."""
    entries = list_scenarios(folder or scenario_dir())
    if not entries:
        return None
    chosen = entries[start_index(entries, os.environ.get(ENV_START))]
    return chosen.path if chosen.scenario is not None else None


class BriefingCache:
    """The default scenario's briefing, made once per file version; concurrent requests share one make."""

    def __init__(self, folder: Path | None = None, log: logging.Logger | None = None):
        self.folder = folder
        self.log = log or logging.getLogger(__name__)  # the server's log once installed
        self.digest: str | None = None
        self.content: bytes | None = None
        self.name = "briefing.html"
        self._making: asyncio.Task | None = None

    async def get(self) -> tuple[str, bytes] | None:
        """(file name, bytes) of the current version's briefing, or None when there is none."""
        path = default_scenario(self.folder)
        if path is None:
            return None
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest == self.digest and self.content is not None:
            return self.name, self.content
        if self._making is None or self._making.done():
            self._making = asyncio.ensure_future(self._make(path, digest))
        return await asyncio.shield(self._making)

    async def _make(self, path: Path, digest: str) -> tuple[str, bytes] | None:
        with tempfile.TemporaryDirectory(prefix="explorer-briefing-") as folder:
            out = Path(folder) / "briefing.html"
            command = [sys.executable, "-m", "explorer", "briefing", str(path), "-o", str(out)]
            if os.name == "posix":
                command = ["nice", "-n", str(NICENESS), *command]
            process = await asyncio.create_subprocess_exec(*command, stdout=asyncio.subprocess.DEVNULL,
                                                           stderr=asyncio.subprocess.PIPE)
            try:
                _, err = await asyncio.wait_for(process.communicate(), MAKE_TIMEOUT)
            except asyncio.TimeoutError:
                process.kill()
                self.log.error("briefing: %s took over %d s; not made", path.name, MAKE_TIMEOUT)
                return None
            if process.returncode != 0 or not out.is_file():
                self.log.error("briefing: %s could not be made: %s", path.name, err.decode(errors="replace")[-500:])
                return None
            self.digest, self.content = digest, out.read_bytes()
            self.name = f"briefing-{path.stem}.html"
            self.log.info("briefing: made for %s (%.1f MB)", path.name, len(self.content) / 1e6)
            return self.name, self.content


_shared: BriefingCache | None = None


def shared_cache() -> BriefingCache:
    """The server's one cache (the handler serves it; the capacity page starts it)."""
    global _shared
    if _shared is None:
        _shared = BriefingCache()
    return _shared


def warm_up() -> None:
    """Start making the briefing in the background if it is not made (the capacity page calls this
    when it first turns a viewer away, so the file is ready when they follow its link)."""
    cache = shared_cache()
    if cache.content is None and (cache._making is None or cache._making.done()):
        task = asyncio.ensure_future(cache.get())
        task.add_done_callback(lambda done: done.exception())  # a failure is logged by _make, not raised


class BriefingHandler(web.RequestHandler):
    """``GET`` ``<base_url>briefing.html`` (see the module's docstring)."""

    def initialize(self, cache: BriefingCache):
        self.cache = cache

    async def get(self) -> None:
        made = await self.cache.get()
        if made is None:
            self.set_status(503)
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            self.finish("No briefing is available from this server right now.")
            return
        name, content = made
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Content-Disposition", f'inline; filename="{name}"')
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(content)
