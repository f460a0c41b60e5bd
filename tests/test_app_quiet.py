"""Background work waits while the CPUs are saturated (explorer.app.quiet, Background.when_quiet)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import pytest

from explorer.app.dashboard import background as background_module
from explorer.app.dashboard import Dashboard
from explorer.app.quiet import CpuPressure
from tests.conftest import SCENARIOS

pytestmark = pytest.mark.alone  # load, memory or timing bounds: run with the machine to itself


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def psi(total_us: int) -> str:
    return f"some avg10=0.00 avg60=0.00 avg300=0.00 total={total_us}\nfull avg10=0.00 total=0\n"


def test_saturated_is_the_share_of_the_window_some_task_waited():
    clock, stalled = Clock(), [0]
    pressure = CpuPressure(read=lambda: psi(stalled[0]), clock=clock, threshold=0.3, window=0.25)
    clock.now += 1.0
    stalled[0] += 200_000  # 0.2 s of 1 s: below the threshold
    assert pressure.saturated() is False and pressure.share == pytest.approx(0.2)
    clock.now += 0.1
    stalled[0] += 100_000  # within the window: the last verdict, no new reading
    assert pressure.saturated() is False and pressure.share == pytest.approx(0.2)
    clock.now += 0.4
    stalled[0] += 300_000
    assert pressure.saturated() is True and pressure.share == pytest.approx(0.8)  # 0.4 s of the last 0.5 s


def test_without_psi_nothing_is_known_and_nothing_waits():
    pressure = CpuPressure(read=lambda: None)
    assert pressure.saturated() is None and not pressure.available


@pytest.mark.skipif(not CpuPressure().available, reason="no Linux PSI (/proc/pressure/cpu) on this machine")
def test_busy_processes_on_every_core_and_more_read_as_saturated():
    pressure = CpuPressure(window=0.5)
    count = 2 * (len(__import__("os").sched_getaffinity(0)) + 1)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        deadline = time.monotonic() + 10
        while not pressure.saturated():
            assert time.monotonic() < deadline, f"not saturated with {count} busy processes: share {pressure.share}"
            time.sleep(0.1)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


class Saturated:
    """A pressure that says "saturated" ``times`` times, then "not"."""

    def __init__(self, times: int):
        self.times = times

    def saturated(self) -> bool:
        self.times -= 1
        return self.times >= 0


def test_background_work_waits_for_a_quiet_moment_then_runs(monkeypatch):
    monkeypatch.setattr(background_module, "QUIET_RECHECK", 0.01)
    board = Dashboard(SCENARIOS)
    board.pressure = Saturated(3)
    ran = []

    async def scenario():
        board.background.start()  # a page has shown the dashboard
        board.background.schedule(lambda generation: ran.append(generation))
        await asyncio.sleep(0.005)
        assert ran == []  # saturated: waiting
        deadline = time.monotonic() + 5
        while not ran and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    asyncio.run(scenario())
    assert ran == [board.background.generation] and board.pressure.times < 0


def test_background_work_runs_anyway_after_the_longest_wait(monkeypatch):
    monkeypatch.setattr(background_module, "QUIET_RECHECK", 0.01)
    monkeypatch.setattr(background_module, "QUIET_MAX_WAIT", 0.05)
    board = Dashboard(SCENARIOS)
    board.pressure = Saturated(10**6)  # never quiet
    ran = []

    async def scenario():
        board.background.start()  # a page has shown the dashboard
        board.background.schedule(lambda generation: ran.append(generation))
        deadline = time.monotonic() + 5
        while not ran and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    asyncio.run(scenario())
    assert ran == [board.background.generation]


def test_a_click_while_background_work_waits_supersedes_it(monkeypatch):
    """The waiting chance computation of an older click gives way to the newer click's."""
    monkeypatch.setattr(background_module, "QUIET_RECHECK", 0.01)
    board = Dashboard(SCENARIOS)
    board.pressure = Saturated(3)
    cards = []
    monkeypatch.setattr(board, "update_outlook", lambda generation: cards.append(generation == board.background.generation))

    async def scenario():
        board.background.start()  # a page has shown the dashboard
        first = board.concessions.groups[0]["items"][0]["id"]
        board.set_concession(first, True)  # click 1: its background work waits
        board.set_concession(first, False)  # click 2 while it waits
        deadline = time.monotonic() + 5
        while len(cards) < 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    asyncio.run(scenario())
    assert sorted(cards) == [False, True]  # each ran once; only the newer click's is current (the older returns at once)


def test_the_wait_can_be_switched_off_for_a_benchmark():
    assert CpuPressure.from_environment({"EXPLORER_BACKGROUND_WAITS": "0"}).saturated() is None
    assert CpuPressure.from_environment({}).available == CpuPressure().available
