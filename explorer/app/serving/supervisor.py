"""A clean stop (and a restart after the memory ceiling) of Voila run by ``explorer dashboard``.

:func:`supervise` runs Voila as a child in a session of its own and stops it, and every
kernel, on SIGTERM, SIGINT or SIGHUP. Kernels run in sessions of their own too
(jupyter_client starts them with ``start_new_session``), so they are found by parentage
(:func:`descendants`, Linux /proc), not by process group, and any left behind is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from explorer.app.serving.memory import EXIT_MEMORY

MIN_UPTIME = 30.0  # seconds Voila must have run for a restart after its memory ceiling
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
              stop_timeout: float = 10.0, log: Callable[[str], None] | None = None,
              min_uptime: float = MIN_UPTIME) -> int:
    """Run ``command`` (Voila) until it ends or this process gets SIGTERM, SIGINT or SIGHUP.

    Voila runs in a session of its own, so a terminal's Ctrl-C reaches this process only,
    which then sends Voila one SIGTERM: Voila stops serving and shuts every kernel down.
    After ``stop_timeout`` seconds (or at a second signal) Voila's process group is
    killed; any kernel left (its descendants, recorded while it ran) is killed last.
    Returns Voila's exit status, 0 after a stop by signal, 1 if Voila had to be killed.

    Voila exits with :data:`~explorer.app.serving.memory.EXIT_MEMORY` when its memory passed
    its ceiling (it has killed its kernels first): it is started again, unless it ran for
    less than ``min_uptime`` seconds (a ceiling below what it needs to start: a setting to fix).
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
        started, polls = time.monotonic(), 0
        while not received:
            if polls % 10 == 0:  # every 5 s: so kernels are found even if Voila dies by itself
                family = _alive(family) | descendants(process.pid)
            polls += 1
            try:
                status = process.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
            if status != EXIT_MEMORY or time.monotonic() - started < min_uptime:
                return status
            kill_leftovers(family)
            say("Voila passed its memory ceiling and stopped (its pages are lost): starting it again.")
            process = subprocess.Popen(list(command), cwd=cwd, env=env, start_new_session=True)
            started, family, polls = time.monotonic(), {}, 0
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
