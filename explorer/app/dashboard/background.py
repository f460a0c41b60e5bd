"""When the dashboard's background work runs: after what is drawn, once a page shows it, when the CPUs have room.

The chance of a deal, the deal search and the forecast's spread take longer than a click's
panels. :class:`Background` runs them after what a click has already sent (reading any click
that came in meanwhile first), only the latest request of each kind (``generation``), only
once a page has shown the dashboard (a new viewer's first page is not slowed by it), and
only when the server's CPUs are not saturated (:mod:`explorer.app.quiet`). Without an event
loop (plain Python: tests, scripts) the work runs at once.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable

from explorer.app.quiet import CpuPressure

SPREAD_PAUSE = 0.02  # seconds between two parts of the forecast's draws (see Background.later)
QUIET_RECHECK = 0.5  # seconds between two looks at the CPU while background work waits (Background.when_quiet)
QUIET_MAX_WAIT = 20.0  # seconds background work waits for a quiet moment at most, then runs anyway

Work = Callable[[int], None]
"""A piece of background work: called with the generation it was requested for."""
Guard = Callable[[Work, int], None]
"""Runs a piece of work for a generation, catching (and showing) its failure."""


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop (a kernel's), or None in plain Python."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


class Background:
    """The dashboard's scheduler of background work.

    Parameters
    ----------
    pressure
        Says when the server's CPUs are saturated; by default read from the environment
        (:meth:`explorer.app.quiet.CpuPressure.from_environment`).

    Attributes
    ----------
    generation : int
        The number of the latest request: work for an older one is superseded.
    started : bool
        Whether a page has shown the dashboard: in a kernel, nothing runs before.
    pressure
        What :meth:`when_quiet` asks before running work.
    """

    def __init__(self, pressure: CpuPressure | None = None):
        self.generation = 0
        self.started = False
        self.pressure = pressure if pressure is not None else CpuPressure.from_environment()

    def start(self) -> bool:
        """A page has shown the dashboard: background work may run from now on.

        Returns
        -------
        bool
            True the first time (the caller then schedules the work that waited), False after.
        """
        if self.started:
            return False
        self.started = True
        return True

    def current(self, generation: int) -> bool:
        """Whether ``generation`` is the latest request (no newer one supersedes it)."""
        return generation == self.generation

    def schedule(self, work: Work, guard: Guard | None = None) -> None:
        """Run ``work`` once the kernel has sent what is already drawn (and read any click that came
        in meanwhile); only the latest request runs.

        In a kernel, nothing runs before a page has shown the dashboard (:meth:`start`) and the work
        goes through ``guard`` (which shows its failure); without an event loop (plain Python), at
        once and unguarded.

        >>> background, ran = Background(), []
        >>> background.schedule(ran.append); background.schedule(ran.append)
        >>> ran, background.current(2)
        ([1, 2], True)
        """
        self.generation += 1
        generation = self.generation
        loop = running_loop()
        if loop is None:
            work(generation)
            return
        if self.started:
            loop.call_soon(self.when_quiet, functools.partial(guard, work) if guard else work, generation)

    def when_quiet(self, work: Work, generation: int, waited: float = 0.0) -> None:
        """Run ``work`` unless the server's CPUs are saturated (tasks waiting for one,
        :mod:`explorer.app.quiet`): then look again every ``QUIET_RECHECK`` s, for at most
        ``QUIET_MAX_WAIT`` s in all. So in a burst (a room opening at once) the background work
        of every page waits and the clicks, handled on the kernel's loop meanwhile, get the CPUs;
        a click's own work supersedes what waited (``generation``)."""
        if waited < QUIET_MAX_WAIT and self.pressure.saturated():
            asyncio.get_running_loop().call_later(QUIET_RECHECK, self.when_quiet, work, generation,
                                                  waited + QUIET_RECHECK)
            return
        work(generation)

    def later(self, work: Work, generation: int, pause: float = 0.0) -> None:
        """Run ``work`` after what is queued on the kernel's loop, keeping ``generation`` (a newer
        click still supersedes it); without an event loop, at once.

        With ``pause`` (seconds), only after that pause: work done in parts leaves the loop free in
        between, so a click that comes in is handled through all its steps (each an ``await`` of the
        kernel's) before the next part, not one step per part. Each part waits for the CPUs to have
        room (:meth:`when_quiet`).
        """
        loop = running_loop()
        if loop is None:
            work(generation)
            return
        loop.call_later(pause, self.when_quiet, work, generation)
