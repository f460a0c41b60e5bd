"""``GET <base_url>briefing.html``: the briefing of the scenario a page opens first, for viewers
the capacity page turns away (and anyone with the link).

The file is made once per version of that scenario file (its SHA-256), by ``explorer briefing``
in a child process at low priority (``nice``) and with a memory limit, so the server's event loop
never computes it; the first request (or the capacity page, when it first turns someone away)
starts the make, and requests meanwhile wait for the same child. Reading and hashing the file run
in a thread. A make that failed is not tried again for that version before ``RETRY_AFTER_FAILURE``
seconds (a failing file cannot keep a child running); while a newer version is being made or has
failed, the last good file is served. The request carries no parameter: which file is fixed by the
server's settings (``$EXPLORER_SCENARIOS_DIR``, ``$EXPLORER_SCENARIO``), never by the viewer. The
file is served with a sandboxing Content-Security-Policy: its scripts run, but not in the
dashboard's origin.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

from tornado import web

from explorer.app.paths import ENV_START, PREFERRED_START, safe_file_name, scenario_dir
from explorer.io.loader import SCENARIO_SUFFIXES

BRIEFING_URL = "briefing.html"
MAKE_TIMEOUT = 300  # seconds the child process may take
RETRY_AFTER_FAILURE = 600  # seconds before a version whose make failed is tried again
CHILD_MEMORY = 2 * 1024**3  # bytes of address space the child may map
NICENESS = 10
SANDBOX = ("sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
           "img-src data:; font-src data:")


def default_scenario(folder: Path | None = None) -> Path | None:
    """The file a page opens first, by name only (the child validates it): ``$EXPLORER_SCENARIO`` if
    it is in the folder, else the seed, else the first scenario file by name."""
    folder = Path(folder or scenario_dir())
    files = sorted(p for p in folder.glob("*") if p.suffix in SCENARIO_SUFFIXES and p.is_file())
    by_name = {p.name: p for p in files}
    start = Path(os.environ.get(ENV_START) or "").name
    return by_name.get(start) or by_name.get(PREFERRED_START) or (files[0] if files else None)


def _version(folder: Path | None) -> tuple[Path, str] | None:
    """(path, SHA-256) of the default scenario now (run in a thread)."""
    path = default_scenario(folder)
    return None if path is None else (path, hashlib.sha256(path.read_bytes()).hexdigest())


def _limit_memory() -> None:  # pragma: no cover - runs in the child before exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


class BriefingCache:
    """The default scenario's briefing, made once per file version; concurrent requests share one make."""

    def __init__(self, folder: Path | None = None, log: logging.Logger | None = None, clock=time.monotonic):
        self.folder = folder
        self.log = log or logging.getLogger(__name__)  # the server's log once installed
        self.clock = clock
        self.digest: str | None = None
        self.content: bytes | None = None
        self.name = "briefing.html"
        self.failed: dict[str, float] = {}  # digest → when its make failed
        self._making: asyncio.Task | None = None
        self._making_digest: str | None = None

    def last_good(self) -> tuple[str, bytes] | None:
        return (self.name, self.content) if self.content is not None else None

    async def get(self) -> tuple[str, bytes] | None:
        """(file name, bytes) of the current version's briefing (or the last good one), or None."""
        version = await asyncio.to_thread(_version, self.folder)
        if version is None:
            return self.last_good()
        path, digest = version
        if digest == self.digest and self.content is not None:
            return self.last_good()
        if self.clock() - self.failed.get(digest, -RETRY_AFTER_FAILURE) < RETRY_AFTER_FAILURE:
            return self.last_good()
        if self._making is None or self._making.done() or self._making_digest != digest:
            self._making, self._making_digest = asyncio.ensure_future(self._make(path, digest)), digest
        made = await asyncio.shield(self._making)
        return made or self.last_good()

    def starting(self) -> None:
        """Start making the current version in the background (the capacity page calls this)."""
        task = asyncio.ensure_future(self.get())
        task.add_done_callback(self._log_failure)

    def _log_failure(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            self.log.error("briefing: could not be made: %r", task.exception())

    async def _make(self, path: Path, digest: str) -> tuple[str, bytes] | None:
        with tempfile.TemporaryDirectory(prefix="explorer-briefing-") as folder:
            out = Path(folder) / "briefing.html"
            command = [sys.executable, "-m", "explorer", "briefing", str(path), "-o", str(out)]
            if os.name == "posix":
                command = ["nice", "-n", str(NICENESS), *command]
            try:
                process = await asyncio.create_subprocess_exec(
                    *command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
                    preexec_fn=_limit_memory if os.name == "posix" else None)
                _, err = await asyncio.wait_for(process.communicate(), MAKE_TIMEOUT)
            except asyncio.TimeoutError:
                process.kill()
                return self._fail(digest, f"{path.name} took over {MAKE_TIMEOUT} s")
            except OSError as error:
                return self._fail(digest, f"{path.name}: the maker could not start ({error})")
            if process.returncode != 0 or not out.is_file():
                return self._fail(digest, f"{path.name}: {err.decode(errors='replace')[-500:]}")
            self.digest, self.content = digest, out.read_bytes()
            self.name = safe_file_name(f"briefing-{path.stem}.html")
            self.failed.pop(digest, None)
            self.log.info("briefing: made for %s (%.1f MB)", path.name, len(self.content) / 1e6)
            return self.last_good()

    def _fail(self, digest: str, why: str) -> None:
        self.failed[digest] = self.clock()
        self.log.error("briefing: not made (tried again in %d s at the earliest): %s", RETRY_AFTER_FAILURE, why)
        return None


_shared: BriefingCache | None = None


def shared_cache() -> BriefingCache:
    """The server's one cache (the handler serves it; the capacity page starts it)."""
    global _shared
    if _shared is None:
        _shared = BriefingCache()
    return _shared


def warm_up() -> None:
    """Start making the briefing in the background unless it is made or being made (the capacity page
    calls this when it turns a viewer away, so the file is ready when they follow its link)."""
    cache = shared_cache()
    if cache.content is None and (cache._making is None or cache._making.done()):
        cache.starting()


class BriefingHandler(web.RequestHandler):
    """``GET`` ``<base_url>briefing.html`` (see the module's docstring)."""

    def initialize(self, cache: BriefingCache):
        self.cache = cache

    async def get(self) -> None:
        made = await self.cache.get()
        if made is None:
            self.set_status(503)
            self.set_header("Retry-After", "60")
            self.set_header("Content-Type", "text/plain; charset=UTF-8")
            self.finish("No briefing is available from this server right now.")
            return
        name, content = made
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Content-Disposition", f'inline; filename="{name}"')
        self.set_header("Content-Security-Policy", SANDBOX)
        self.set_header("Cache-Control", "no-cache")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(content)
