"""Bounded memory: a limit per kernel, and a ceiling for the server process itself.

* **Per kernel.** Every ``check_interval`` seconds the server reads each kernel's resident
  memory; a kernel above ``kernel_memory_limit`` MB is shut down at once and remembered as
  stopped "for memory" (:mod:`explorer.app.serving.session`), so its page can say so and
  offer a reload. Other pages go on.
* **The server.** A thread of the server process (a thread, so that it still runs when the
  event loop is stuck, as it was by the runaway of docs/security.md) reads the server's own
  resident memory every ``check_interval`` seconds. Above ``server_soft_share`` of
  ``server_memory_limit`` MB, new viewers get the capacity page; above the limit, the server
  kills its kernels and exits with :data:`EXIT_MEMORY` (75), for its supervisor
  (``explorer dashboard``, systemd, Kubernetes) to start it again. Every page of that server is
  lost then — their kernels lived in it — but no other server's.

The defaults come from measurements (the soak benchmark: 20 pages clicking for 10 minutes):
a dashboard kernel holds 118–122 MB once every panel has been drawn, so 500 MB is about 4×
(an uploaded scenario of 12 parties × 30 issues peaks at ~320 MB);
the server holds ~120 MB idle and 155 MB with 20 pages clicking, so 1.5 GB is ten times what real
pages make it hold. What hostile pages can make it hold through the kernels' websockets is bounded
below it (:class:`~explorer.app.serving.limits.ConnectionLimits`, defaults): 256 MB unread in all,
8 MB kept for a reconnection per kernel (31 kernels: 248 MB), a partial message of at most 4 MB per
websocket (2 per kernel: 248 MB) — ~0.9 GB with the server's own, under the soft limit (1.2 GB).
Plain HTTP connections are bounded by the operating system's file limit only (each may hold a
partial request of up to 128 KB): a proxy in front limits them (docs/security.md).
Set either limit to 0 to switch it off.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable

import psutil
from traitlets import Float, Integer
from traitlets.config import Configurable

MB = 1024 * 1024
EXIT_MEMORY = 75  # EX_TEMPFAIL: "try again", what a supervisor restarts


class MemoryLimits(Configurable):
    """Memory limits of the kernels and of the server (``voila.json``, section ``MemoryLimits``)."""

    kernel_memory_limit = Integer(500, config=True, help="MB a kernel may hold; above, it is stopped. 0: no limit.")
    server_memory_limit = Integer(
        1536, config=True,
        help="MB the server process may hold; above, it kills its kernels and exits with code 75. 0: no limit.")
    server_soft_share = Float(0.8, config=True,
                              help="Share of server_memory_limit above which new viewers get the capacity page.")
    check_interval = Float(2.0, config=True, help="Seconds between two readings of the memory.")


def rss_bytes(pid: int | None) -> int | None:
    """Resident memory of process ``pid`` in bytes (None when there is no such process)."""
    if pid is None:
        return None
    try:
        return psutil.Process(pid).memory_info().rss
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None


def over_limit(readings: Iterable[tuple[str, int | None]], limit_mb: int) -> list[tuple[str, int]]:
    """The ``(name, bytes)`` readings above ``limit_mb`` MB (none when the limit is 0 or less).

    >>> over_limit([("a", 700 * MB), ("b", 100 * MB), ("c", None)], 600)
    [('a', 734003200)]
    >>> over_limit([("a", 700 * MB)], 0)
    []
    """
    if limit_mb <= 0:
        return []
    return [(name, rss) for name, rss in readings if rss is not None and rss > limit_mb * MB]


class ServerCeiling(threading.Thread):
    """Watches this process's memory from a thread of its own (see the module's docstring).

    ``on_ceiling`` is called (from this thread) once the limit is passed; by default it kills
    this process's children and exits with :data:`EXIT_MEMORY`. :attr:`refusing` says whether
    new viewers should be refused (above the soft share).
    """

    def __init__(self, limits: MemoryLimits, log: logging.Logger | None = None,
                 on_ceiling: Callable[[int], None] | None = None, pid: int | None = None):
        super().__init__(name="explorer-memory-ceiling", daemon=True)
        self.limits, self.log = limits, log or logging.getLogger(__name__)
        self.on_ceiling = on_ceiling or self.exit_for_memory
        self.pid = pid or os.getpid()
        self.refusing = False
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.limits.check_interval):
            try:
                self.check()
            except Exception:  # noqa: BLE001 - a reading that failed must not end the watch
                self.log.exception("The server's memory could not be read; trying again.")

    def check(self) -> None:
        limit = self.limits.server_memory_limit
        rss = rss_bytes(self.pid)
        if limit <= 0 or rss is None:
            return
        refusing = rss > self.limits.server_soft_share * limit * MB
        if refusing != self.refusing:
            self.refusing = refusing
            self.log.warning("Server memory %d MB: %s new viewers (soft limit %d MB of %d).", rss // MB,
                             "refusing" if refusing else "admitting again",
                             int(self.limits.server_soft_share * limit), limit)
        if rss > limit * MB:
            self.stopped.set()
            self.on_ceiling(rss)

    def exit_for_memory(self, rss: int) -> None:
        self.log.critical("Server memory %d MB is above its ceiling (%d MB): killing its kernels and exiting "
                          "with code %d for the supervisor to start it again.", rss // MB,
                          self.limits.server_memory_limit, EXIT_MEMORY)
        for child in psutil.Process(self.pid).children(recursive=True):
            try:
                child.kill()
            except psutil.Error:
                pass
        logging.shutdown()
        os._exit(EXIT_MEMORY)

    def stop(self) -> None:
        self.stopped.set()
