"""The kernel manager of a room: a cap on kernels, culling that spares open pages, memory limits.

Voila (0.5.13) starts one kernel per page and has no limit (voila issue 617): a crowd
can start kernels until the machine runs out of memory. :class:`CapacityKernelManager`,
Voila's kernel manager class (``voila.json``: ``VoilaConfiguration.multi_kernel_manager_class``),
counts the kernels and, above ``CapacityKernelManager.max_kernels``, has the page handler
(:class:`~explorer.app.serving.pages.CapacityVoilaHandler`) answer a NEW viewer with a
"try again" page, HTTP 503 and ``Retry-After: 60``. Pages already open keep their kernels
and websockets. The manager installs that handler, and the other guards, itself
(:func:`explorer.app.serving.install.install`), so plain ``voila notebooks/dashboard.ipynb``
run from the project root (where ``voila.json`` applies) is capped and guarded too.

Why these hooks: ``VoilaConfiguration.prelaunch_hook`` would see each request, but Voila
refuses to start when it is combined with ``preheat_kernel`` (app.py, ``init_settings``);
a kernel manager alone cannot refuse a page (a viewer who gets a pooled kernel never makes
it start one, and an error raised inside the pool's refill breaks the pool), nor set a
``Retry-After`` header. So the manager gates the page handler, before Voila chooses between
a pooled kernel and a fresh one.

What counts: every kernel process, pooled ones included, running or starting, plus the
kernels already committed to: pool refills not up yet (Voila queues a refill only once
the pooled kernel a page took is up, so during a burst that slot is owed) and viewers let
in a moment ago whose page has not started coming out. A kernel holds its memory whether
a page shows it or it waits in the pool, so ``max_kernels`` bounds the kernels' memory;
with a pool of P, at most ``max_kernels - P`` pages are open at once. The pool's own
refills are never refused: room for them is kept by refusing viewers.

Culling (``MappingKernelManager`` settings in ``voila.json``) stays jupyter_server's — a
kernel with no open websocket and no message for ``cull_idle_timeout`` seconds is shut
down — with two moments made to count as activity: a pooled kernel handed to a page (it
may have been silent for long, and its page has not connected yet) and a websocket closing
(a page about to reconnect). So an open or reconnecting page is never culled.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado.ioloop import PeriodicCallback
from traitlets import Integer

from explorer.app.serving.guard import forget_request_info
from explorer.app.serving.install import install
from explorer.app.serving.limits import ConnectionLimits
from explorer.app.serving.memory import MemoryLimits, ServerCeiling, over_limit, rss_bytes
from explorer.app.serving.session import EndedKernels

DEFAULT_MAX_KERNELS = 32  # ~3.8 GB of dashboard kernels at ~120 MB each (measured: benchmarks/bench_soak.py)
#: The value for ``VoilaConfiguration.multi_kernel_manager_class``.
KERNEL_MANAGER = "explorer.app.serving.CapacityKernelManager"


@dataclass(frozen=True)
class Load:
    """The kernels a server holds, and those it is committed to start."""

    kernels: int = 0  #: kernel processes running or starting: pages' and pooled ones
    to_come: int = 0  #: kernels still to start: pool refills, viewers let in a moment ago

    @property
    def total(self) -> int:
        return self.kernels + self.to_come


def admits(load: Load, max_kernels: int) -> bool:
    """Whether one more viewer fits under ``max_kernels`` (0 or less: no cap).

    The viewer costs one kernel either way: a fresh one, or the pool's, which the pool
    then replaces. So a viewer is let in while the total is below the cap.

    >>> admits(Load(kernels=1), 2)             # only the pool: a first viewer fits
    True
    >>> admits(Load(kernels=2), 2)             # one page and the pool: full
    False
    >>> admits(Load(kernels=1, to_come=1), 2)  # a page took the pooled kernel, the pool refills
    False
    >>> admits(Load(kernels=500), 0)
    True
    """
    return max_kernels <= 0 or load.total < max_kernels


def _now() -> datetime:
    return datetime.now(timezone.utc)  # what jupyter_server stamps kernel.last_activity with


class CapacityKernelManager(AsyncMappingKernelManager):
    """Voila's kernel manager with a cap on kernels (see the module's docstring).

    Voila derives its pooling ``VoilaKernelManager`` from this class when
    ``preheat_kernel`` is on; the pool lives in that subclass's ``_pools``.
    """

    max_kernels = Integer(
        DEFAULT_MAX_KERNELS, config=True,
        help="Refuse a new viewer (HTTP 503, Retry-After) while this many kernels run or start, "
             "the preheated pool included. 0 or less: no cap.",
    )

    def __init__(self, **kwargs):
        self._starting: set[str] = set()  # kernels being started
        self._admitted = 0
        self._seen_by_culler: set[str] = set()
        super().__init__(**kwargs)
        self.memory_limits = MemoryLimits(parent=self)
        self.connection_limits = ConnectionLimits(parent=self)
        self.ended = EndedKernels()
        self.ceiling: ServerCeiling | None = None  # started by install() in a real server
        self.memory_watch: PeriodicCallback | None = None  # the kernels' memory, started by install()
        install(self.parent, self)

    # -- counting -----------------------------------------------------------------------
    def _pool_size(self, notebook: str) -> int:
        """The pool size Voila keeps for ``notebook`` (as ``VoilaKernelManager.fill_if_needed`` reads it)."""
        config = getattr(self, "kernel_pools_config", None) or {}
        default = config.get("default", {})
        return int(config.get(notebook, default).get("pool_size", default.get("pool_size", 1)))

    def load(self) -> Load:
        """Kernels running or starting, and those the pool and admitted viewers will still start.

        Voila's pool (``_pools``: notebook -> tasks, each starting one kernel) loses a task
        when a page takes it, and gets its replacement only once that task's kernel is
        up: until then the slot is owed. Each start in progress is already among the
        kernels, and is also a pending pool task (or an owed slot's taken task) or an
        admitted viewer's kernel, so it is taken off what is to come.
        """
        kernels = set(self.list_kernel_ids()) | set(self._starting)
        owed = 0
        for notebook, pool in getattr(self, "_pools", {}).items():
            owed += sum(1 for task in pool if not task.done())  # refills not up yet
            owed += max(0, self._pool_size(notebook) - len(pool))  # taken before they were up
        return Load(len(kernels), max(0, owed + self._admitted - len(self._starting)))

    @property
    def memory_ok(self) -> bool:
        """False while the server's memory is above the soft share of its ceiling (no new viewers)."""
        return self.ceiling is None or not self.ceiling.refusing

    def accepting(self) -> bool:
        """Whether a new viewer would be let in now (what ``healthz`` reports; reserves nothing)."""
        return admits(self.load(), self.max_kernels) and self.memory_ok

    def admit(self) -> bool:
        """Let one more viewer in (reserving their kernel until :meth:`release`), or refuse."""
        load = self.load()
        if not admits(load, self.max_kernels):
            self.log.warning("At capacity (%d kernels, max %d): a new viewer was refused.", load.total,
                             self.max_kernels)
            return False
        if not self.memory_ok:
            self.log.warning("The server's memory is near its ceiling: a new viewer was refused.")
            return False
        self._admitted += 1
        self.log.debug("Viewer admitted at %s (max %d).", load, self.max_kernels)
        return True

    def release(self) -> None:
        """An admitted viewer has their kernel (their page is being sent) or went away."""
        self._admitted = max(0, self._admitted - 1)

    async def start_kernel(self, *, kernel_id: str | None = None, **kwargs) -> str:
        if kernel_id is not None and kernel_id in self:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        kernel_id = kernel_id or self.new_kernel_id()
        self._starting.add(kernel_id)
        try:
            return await super().start_kernel(kernel_id=kernel_id, **kwargs)
        finally:
            self._starting.discard(kernel_id)

    # -- culling ------------------------------------------------------------------------
    # jupyter_server culls a kernel once it has had no IOPub message for cull_idle_timeout s
    # and (cull_connected false) no open websocket. Two moments are not "idle" for a viewer:
    # the seconds between a kernel being handed out and its page connecting (a pooled kernel
    # has long been silent then), and a dropped websocket about to reconnect. Both restart
    # the clock, so a page always gets a full timeout to (re)connect.
    def notify_disconnect(self, kernel_id: str) -> None:
        super().notify_disconnect(kernel_id)
        kernel = self._kernels.get(kernel_id)
        if kernel is not None:
            kernel.last_activity = _now()

    async def cull_kernel_if_idle(self, kernel_id: str):
        # Voila's pooling subclass returns before calling this for a kernel still in the pool,
        # so the first call for a kernel comes after it left the pool for a page.
        if kernel_id not in self._seen_by_culler:
            self._seen_by_culler.add(kernel_id)
            kernel = self._kernels.get(kernel_id)
            if kernel is not None and getattr(kernel, "execution_state", None) != "dead":
                kernel.last_activity = _now()
                return None
        return await super().cull_kernel_if_idle(kernel_id)

    def remove_kernel(self, kernel_id: str):
        self._seen_by_culler.discard(kernel_id)
        forget_request_info(kernel_id)
        return super().remove_kernel(kernel_id)

    # -- memory -------------------------------------------------------------------------
    def kernel_memory(self) -> list[tuple[str, int | None]]:
        """(kernel id, resident bytes) of every kernel whose process is known."""
        readings = []
        for kernel_id in self.list_kernel_ids():
            provisioner = getattr(self._kernels.get(kernel_id), "provisioner", None)
            readings.append((kernel_id, rss_bytes(getattr(provisioner, "pid", None))))
        return readings

    async def watch_kernels(self) -> None:
        """Every ``MemoryLimits.check_interval`` s: kernels that died, then kernels over their memory."""
        await self.remove_dead_kernels()
        await self.stop_kernels_over_memory()

    async def remove_dead_kernels(self) -> list[str]:
        """Forget every kernel whose process has ended (crashed, killed); their ids.

        jupyter_client would start a dead kernel again (``KernelManager.autorestart``), but a
        page's widgets lived in the old process: the new one would leave the page dead and
        silent. ``voila.json`` turns that off, and each is remembered as died, for its page to
        say so with a reload button (:mod:`.session`).
        """
        dead = []
        for kernel_id in self.list_kernel_ids():
            kernel = self._kernels.get(kernel_id)
            provisioner = getattr(kernel, "provisioner", None)
            if provisioner is None or kernel_id in self._starting or getattr(kernel, "shutting_down", False):
                continue  # starting, or being shut down (a page closed, the server stopping): not a death
            with contextlib.suppress(Exception):
                if await provisioner.poll() is not None:
                    dead.append(kernel_id)
        for kernel_id in dead:
            if kernel_id not in self:
                continue
            self.log.warning("Kernel %s ended by itself: removing it (its page is told).", kernel_id)
            self.ended.died(kernel_id)
            with contextlib.suppress(Exception):
                await self.shutdown_kernel(kernel_id, now=True)
            if kernel_id in self:  # shutdown failed half-way: do not leave it listed
                self.remove_kernel(kernel_id)
        return dead

    async def stop_kernels_over_memory(self) -> list[str]:
        """Shut down every kernel above ``MemoryLimits.kernel_memory_limit``; their ids.

        Each is remembered as stopped for memory, for its page to say so (:mod:`.session`).
        """
        limit = self.memory_limits.kernel_memory_limit
        if limit <= 0:
            return []
        stopped = []
        for kernel_id, rss in over_limit(self.kernel_memory(), limit):
            if kernel_id not in self:
                continue
            self.log.warning("Kernel %s holds %d MB, above the %d MB a kernel may hold: stopping it.", kernel_id,
                             rss // 2**20, limit)
            self.ended.stopped_for_memory(kernel_id, rss, limit)
            with contextlib.suppress(Exception):  # it may be going already
                await self.shutdown_kernel(kernel_id, now=True)
            stopped.append(kernel_id)
        return stopped

    # -- messages kept for a page whose websocket dropped ---------------------------------
    # jupyter_server keeps a kernel's messages for a page that lost its websocket, to replay
    # them when it reconnects, in a list with no bound ("TODO: the buffer should likely be a
    # memory bounded queue"): a client could ask for many large states and leave. Here the
    # buffer holds at most ConnectionLimits.max_buffered_bytes; past that it is dropped.
    def start_buffering(self, kernel_id, session_key, channels):
        super().start_buffering(kernel_id, session_key, channels)
        info = self._kernel_buffers.get(kernel_id)
        if not self.buffer_offline_messages or info is None:
            return
        held = [0]
        for channel, stream in channels.items():
            stream.on_recv(partial(self._buffer_bounded, kernel_id, info, channel, held))

    def _buffer_bounded(self, kernel_id: str, info: dict, channel: str, held: list[int], parts: list) -> None:
        # As jupyter_server's own callback, it keeps appending to this buffer until the page that
        # came back subscribes (the buffer is replayed then), unless the bound dropped it.
        if info.get("dropped"):
            return
        held[0] += sum(len(part) for part in parts)
        if held[0] > self.connection_limits.max_buffered_bytes:
            self.log.warning("Kernel %s: over %d MB kept for a page that left; dropping them.", kernel_id,
                             self.connection_limits.max_buffered_bytes // 2**20)
            info["dropped"] = True
            info["buffer"].clear()
            if self._kernel_buffers.get(kernel_id) is info:
                self.stop_buffering(kernel_id)
            return
        info["buffer"].append((channel, parts))
