"""Serving the dashboard to a room: a cap on kernels, culling that spares open pages, a clean stop.

Voila (0.5.13) starts one kernel per page and has no limit (voila issue 617): a crowd
can start kernels until the machine runs out of memory. This module runs inside the
Voila server process (no widget or plotting imports) and in ``explorer dashboard``:

* :class:`CapacityKernelManager`, Voila's kernel manager class (``voila.json``:
  ``VoilaConfiguration.multi_kernel_manager_class``), counts the kernels and, above
  ``CapacityKernelManager.max_kernels``, has :class:`CapacityVoilaHandler` answer a NEW
  viewer with :data:`CAPACITY_MESSAGE`, HTTP 503 and ``Retry-After: 60``. Pages already
  open keep their kernels and websockets. The manager installs that handler in place of
  Voila's page handler itself, so plain ``voila notebooks/dashboard.ipynb`` run from the
  project root (where ``voila.json`` applies) is capped too.
* :func:`supervise` runs Voila as ``explorer dashboard``'s child and stops it, and every
  kernel, on SIGTERM, SIGINT or SIGHUP.

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
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import tornado.web
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Integer
from voila.tornado.handler import TornadoVoilaHandler

CAPACITY_MESSAGE = ("The dashboard is at capacity — too many people have it open right now. "
                    "Try again in a minute.")
RETRY_AFTER = 60  # seconds, sent as the Retry-After header of the 503
DEFAULT_MAX_KERNELS = 32  # ~2.7 GB of dashboard kernels at ~85 MB each (measured: benchmarks/kernel_cost.py)
KERNEL_MANAGER = f"{__name__}.CapacityKernelManager"  # the value for VoilaConfiguration.multi_kernel_manager_class

CAPACITY_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{RETRY_AFTER}">
<title>Dashboard at capacity</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 18vh auto; padding: 0 1rem;
line-height: 1.5; color: #222; }}</style>
</head>
<body>
<h1>Please try again in a minute</h1>
<p class="capacity-message">{CAPACITY_MESSAGE}</p>
<p>This page reloads itself in a minute.</p>
</body>
</html>
"""


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
        install_gate(self.parent, self.max_kernels)

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

    def admit(self) -> bool:
        """Let one more viewer in (reserving their kernel until :meth:`release`), or refuse."""
        load = self.load()
        if not admits(load, self.max_kernels):
            self.log.warning("At capacity (%d kernels, max %d): a new viewer was refused.", load.total,
                             self.max_kernels)
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
        return super().remove_kernel(kernel_id)


class CapacityVoilaHandler(TornadoVoilaHandler):
    """Voila's page handler behind the capacity gate of a :class:`CapacityKernelManager`.

    It also sets Voila's ``_xsrf`` cookie on the page: the page posts that token in the
    beacon that shuts its kernel down when it is closed, and standalone Voila never sets
    it, so without it every such beacon is refused (403, voila issue 1458) and a closed
    page's kernel waits for the idle cull.
    """

    _holds_place = False

    @tornado.web.authenticated
    async def get(self, path=None):
        starts_kernel = not (self.notebook_path and path)  # else Voila redirects to a file
        manager = self.kernel_manager
        if starts_kernel and isinstance(manager, CapacityKernelManager):
            if not manager.admit():
                self.refuse()
                return
            self._holds_place = True
        if starts_kernel:
            self.xsrf_token  # noqa: B018 - reading it sets the cookie
        await super().get(path=path)

    def refuse(self) -> None:
        self.set_status(503)
        self.set_header("Retry-After", str(RETRY_AFTER))
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(CAPACITY_PAGE)

    def _release(self) -> None:
        if self._holds_place:
            self._holds_place = False
            self.kernel_manager.release()

    def flush(self, *args, **kwargs):
        # The first bytes of the page go out once its kernel runs (fresh or from the pool):
        # from then on the kernel itself is counted.
        self._release()
        return super().flush(*args, **kwargs)

    def on_finish(self):
        self._release()
        super().on_finish()

    def on_connection_close(self):
        self._release()
        super().on_connection_close()


def gate_handlers(handlers: list) -> list:
    """Voila's handler rules with its page handler replaced by :class:`CapacityVoilaHandler`."""
    gated = []
    for rule in handlers:
        if isinstance(rule, tuple) and len(rule) >= 2 and rule[1] is TornadoVoilaHandler:
            rule = (rule[0], CapacityVoilaHandler, *rule[2:])
        gated.append(rule)
    return gated


def install_gate(app, max_kernels: int = DEFAULT_MAX_KERNELS) -> None:
    """Make a Voila application serve its pages through :class:`CapacityVoilaHandler`.

    Voila builds its kernel manager (``init_settings``) before its handlers
    (``init_handlers``), both in ``Voila.start``: the manager wraps the app's
    ``init_handlers``. Anything but a standalone Voila app (the Jupyter server
    extension, a test without parent) is left alone.
    """
    try:
        from voila.app import Voila
    except ImportError:  # pragma: no cover - voila is what runs this module
        return
    if not isinstance(app, Voila) or getattr(app, "_capacity_gate", False):
        return
    build = app.init_handlers

    def init_handlers():
        handlers = build()
        gated = gate_handlers(handlers)
        if all(a is b for a, b in zip(handlers, gated)):
            app.log.error("No Voila page handler found to put behind the capacity gate: kernels are NOT capped.")
        return gated

    app.init_handlers = init_handlers
    app._capacity_gate = True
    voila_configuration = app.voila_configuration
    pool = max(voila_configuration.default_pool_size, 0) if voila_configuration.preheat_kernel else 0
    if 0 < max_kernels <= pool:
        app.log.warning("max_kernels (%d) is not above the kernel pool (%d): every viewer will be refused.",
                        max_kernels, pool)
    app.log.info("At most %s kernels (pool of %d included); more viewers get a 'try again' page.",
                 max_kernels if max_kernels > 0 else "unlimited", pool)


# -- a clean stop ------------------------------------------------------------------------
STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGINT", "SIGHUP") if hasattr(signal, name))


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, start time) of a live process, from /proc; None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return int(fields[1]), int(fields[19])


def descendants(pid: int) -> dict[int, int]:
    """Every descendant of ``pid`` (Linux /proc) as {pid: start time}; {} elsewhere.

    Kernels run in sessions of their own (jupyter_client starts them with
    ``start_new_session``), so they are found by parentage, not by process group.
    """
    stats: dict[int, tuple[int, int]] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
                stats[int(entry.name)] = stat
    children: dict[int, list[int]] = {}
    for child, (parent, _) in stats.items():
        children.setdefault(parent, []).append(child)
    found: dict[int, int] = {}
    frontier = [pid]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in found:
                found[child] = stats[child][1]
                frontier.append(child)
    return found


def _alive(family: dict[int, int]) -> dict[int, int]:
    return {pid: started for pid, started in family.items() if (stat := _stat(pid)) and stat[1] == started}


def kill_leftovers(family: dict[int, int]) -> list[int]:
    """SIGKILL every process of ``family`` ({pid: start time}) still alive; the pids killed."""
    killed = []
    for pid, started in family.items():
        stat = _stat(pid)
        if stat is not None and stat[1] == started:  # the same process, not a reused id
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
    return killed


def supervise(command: Sequence[str], *, cwd: str | os.PathLike | None = None, env: dict[str, str] | None = None,
              stop_timeout: float = 10.0, log: Callable[[str], None] | None = None) -> int:
    """Run ``command`` (Voila) until it ends or this process gets SIGTERM, SIGINT or SIGHUP.

    Voila runs in a session of its own, so a terminal's Ctrl-C reaches this process only,
    which then sends Voila one SIGTERM: Voila stops serving and shuts every kernel down.
    After ``stop_timeout`` seconds (or at a second signal) Voila's process group is
    killed; any kernel left (its descendants, recorded while it ran) is killed last.
    Returns Voila's exit status, 0 after a stop by signal, 1 if Voila had to be killed.
    """
    say = log or (lambda text: print(text, file=sys.stderr, flush=True))
    received: list[int] = []

    def on_signal(signum, frame):
        received.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    family: dict[int, int] = {}
    process = None
    try:
        process = subprocess.Popen(list(command), cwd=cwd, env=env, start_new_session=True)
        polls = 0
        while not received:
            if polls % 10 == 0:  # every 5 s: so kernels are found even if Voila dies by itself
                family = _alive(family) | descendants(process.pid)
            polls += 1
            try:
                return process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
        family.update(descendants(process.pid))
        say(f"Stopping the dashboard ({signal.Signals(received[0]).name}): Voila and its kernels…")
        with contextlib.suppress(ProcessLookupError):
            os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + stop_timeout
        while time.monotonic() < deadline and len(received) == 1:
            try:
                process.wait(timeout=0.2)
                return 0
            except subprocess.TimeoutExpired:
                family.update(descendants(process.pid))
        say("Voila did not stop in time: killing it and its kernels.")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        return 1
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if process is not None and process.poll() is None:  # an exception here: do not leave Voila behind
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if kill_leftovers(family):
            say("Killed kernels Voila left behind.")
