"""Is the machine saturated? Linux's CPU pressure, read by a kernel before it starts background work.

A room's kernels share the server's cores. The dashboard's background work (the chance of a
deal, the deal search, the forecast's spread) runs after a click's panels are drawn; started
while other pages' kernels and browsers already keep every core busy, it takes the CPU a
click of another page needs. So each part of it first asks :meth:`CpuPressure.saturated`
and, while the answer is yes, waits (:mod:`explorer.app.dashboard.background`).

The measure is Linux's pressure stall information (PSI, kernel 4.20+): the cumulative
microseconds during which at least one runnable task waited for a CPU (the ``some`` line's
``total``), from the container's cgroup (``/sys/fs/cgroup/cpu.pressure``) where there is
one, else the whole machine's (``/proc/pressure/cpu``). Its growth over a short window,
divided by the window, is the share of time something waited: 0 on an idle or merely busy
machine (one task per core), near 1 when more tasks want to run than there are cores. Where
PSI cannot be read (macOS, old kernels), nothing is ever deferred.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path

PSI_FILES = (Path("/sys/fs/cgroup/cpu.pressure"), Path("/proc/pressure/cpu"))
#: Set to 0 in the server's environment to switch the wait off (the benchmarks' "before").
QUIET_GATE_ENV = "EXPLORER_BACKGROUND_WAITS"
SATURATED_SHARE = 0.3  #: share of the window during which some task waited for a CPU
WINDOW = 0.25  #: seconds: readings closer than this reuse the last verdict
_SOME_TOTAL = re.compile(r"^some\b.*\btotal=(\d+)", re.MULTILINE)


def stall_total(text: str) -> int | None:
    """Microseconds some task waited for a CPU, from a PSI file's text (None if it has no ``some`` line).

    >>> stall_total("some avg10=0.50 avg60=0.10 avg300=0.00 total=123456\\nfull avg10=0.00 total=0\\n")
    123456
    >>> stall_total("garbage") is None
    True
    """
    match = _SOME_TOTAL.search(text)
    return int(match.group(1)) if match else None


def stalled_share(before: tuple[float, int], after: tuple[float, int]) -> float:
    """Share of the time between two (seconds, stall microseconds) readings that some task waited.

    >>> stalled_share((10.0, 1_000_000), (10.5, 1_400_000))
    0.8
    >>> stalled_share((10.0, 5), (10.0, 9))  # no time passed: no evidence
    0.0
    """
    elapsed = after[0] - before[0]
    if elapsed <= 0:
        return 0.0
    return min(1.0, max(0.0, (after[1] - before[1]) / 1e6 / elapsed))


class CpuPressure:
    """Whether tasks wait for a CPU now (see the module's docstring).

    ``read`` returns a PSI file's text (None: no PSI here); ``clock`` gives seconds.
    """

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> CpuPressure:
        """The machine's pressure, or one that never reads it when ``$EXPLORER_BACKGROUND_WAITS`` is 0."""
        environ = os.environ if environ is None else environ
        if environ.get(QUIET_GATE_ENV, "1").strip() == "0":
            return cls(read=lambda: None)
        return cls()

    def __init__(self, read: Callable[[], str | None] | None = None, clock: Callable[[], float] = time.monotonic,
                 threshold: float = SATURATED_SHARE, window: float = WINDOW, files: Sequence[Path] = PSI_FILES):
        self._read = read or (lambda: _first_readable(files))
        self.clock, self.threshold, self.window = clock, threshold, window
        self._verdict: bool | None = None
        self.share: float | None = None  #: the last measured share (None before two readings)
        self._last: tuple[float, int] | None = self.reading()

    def reading(self) -> tuple[float, int] | None:
        text = self._read()
        total = stall_total(text) if text is not None else None
        return None if total is None else (self.clock(), total)

    def saturated(self) -> bool | None:
        """True while some task waited for a CPU over more than ``threshold`` of the last window.

        None when that is not known yet: no PSI here (then nothing should wait), or only one
        reading so far (ask again after ``window`` seconds).
        """
        now = self.reading()
        if now is None:
            return None
        if self._last is not None and now[0] - self._last[0] < self.window:
            return self._verdict
        if self._last is not None:
            self.share = stalled_share(self._last, now)
            self._verdict = self.share > self.threshold
        self._last = now
        return self._verdict

    @property
    def available(self) -> bool:
        return self.reading() is not None


def _first_readable(files: Sequence[Path]) -> str | None:
    for path in files:
        try:
            text = path.read_text()
        except OSError:
            continue
        if stall_total(text) is not None:
            return text
    return None
