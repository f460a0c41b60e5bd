"""Serving a room (``explorer.app.serving``): the kernel cap, and a clean stop of ``explorer dashboard``.

The browser tests need Debian's Chromium (see tests/browser_support.py): without it they
skip locally and FAIL when ``$CI`` is set. The rest runs Voila or small stand-in
processes only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

from explorer.app import serving
from explorer.app.serving import CAPACITY_MESSAGE, CapacityKernelManager, CapacityVoilaHandler, Load, admits
from explorer.cli import build_parser
from tests.browser_support import (
    ROOT,
    _family,
    _proc_stats,
    _wait_for_port,
    free_port,
    open_page,
    serve_voila,
)

pytestmark = pytest.mark.alone  # load, memory or timing bounds: run with the machine to itself

EXPLORER = Path(sys.executable).with_name("explorer")
STOP_WITHIN = 15.0  # seconds for explorer, Voila and every kernel to be gone after the signal
PROBE_BOX = ".probe-box input[type=checkbox]"
PROBE_LABEL = ".probe-label"


# -- the counting and the decision, without a server ------------------------------------
@pytest.mark.parametrize(("load", "max_kernels", "expected"), [
    (Load(), 1, True),
    (Load(kernels=1), 1, False),                 # the pool alone fills a cap of 1
    (Load(kernels=1), 2, True),                  # the pool and room for one page
    (Load(kernels=2), 2, False),
    (Load(kernels=1, to_come=1), 2, False),      # a page took the pooled kernel; the refill counts
    (Load(kernels=23), 24, True),
    (Load(kernels=24), 24, False),
    (Load(kernels=1000), 0, True),               # 0: no cap
    (Load(kernels=1000), -1, True),
])
def test_admits(load, max_kernels, expected):
    assert admits(load, max_kernels) is expected


class _Task:
    def __init__(self, done: bool):
        self._done = done

    def done(self) -> bool:
        return self._done


def _manager(max_kernels: int, pool_size: int = 1) -> CapacityKernelManager:
    """A manager holding a fake Voila pool (VoilaKernelManager keeps it in ``_pools``)."""
    manager = CapacityKernelManager(max_kernels=max_kernels)
    manager.kernel_pools_config = {"default": {"pool_size": pool_size}}
    manager._pools = {"dashboard.ipynb": []}
    return manager


def test_load_follows_a_viewer_through_the_pool():
    manager = _manager(max_kernels=3)
    pool = manager._pools["dashboard.ipynb"]
    pool.append(_Task(done=False))                   # Voila starts: the pool's task is pending
    assert manager.load() == Load(0, 1)
    manager._starting.add("k1")                      # its kernel starts: counted once
    assert manager.load() == Load(1, 0)
    manager._starting.discard("k1")
    manager._kernels["k1"] = object()
    pool[0] = _Task(done=True)
    assert manager.load() == Load(1, 0)              # the pool is full: one kernel

    assert manager.admit()                           # viewer A
    assert manager.load() == Load(1, 1)
    pool[:] = [_Task(done=False)]                    # A took k1, the refill is pending
    manager.release()                                # A's page is being sent
    assert manager.load() == Load(1, 1)

    assert manager.admit()                           # viewer B takes the refill before it is up:
    pool.clear()                                     # the slot is owed until that kernel is up
    assert manager.load() == Load(1, 2)
    assert not manager.admit()                       # k1, B's kernel, the next refill: 3 of 3
    manager._starting.add("k2")                      # B's (pooled) kernel starts: still 3
    assert manager.load() == Load(2, 1)
    manager._starting.discard("k2")
    manager._kernels["k2"] = object()
    pool.append(_Task(done=False))                   # k2 is up: Voila queues the refill
    manager.release()
    assert manager.load() == Load(2, 1)
    assert not manager.admit()


def test_load_without_a_pool_counts_page_kernels_and_admitted_viewers():
    manager = CapacityKernelManager(max_kernels=2)
    assert manager.admit() and manager.admit()       # two viewers at once, no kernel yet
    assert manager.load() == Load(0, 2)
    assert not manager.admit()
    manager._starting.add("k1")                      # the first one's kernel starts
    assert manager.load() == Load(1, 1)
    manager._starting.discard("k1")
    manager._kernels["k1"] = object()
    manager.release()
    assert manager.load() == Load(1, 1)
    manager.release()                                # the second went away
    manager.release()                                # never below zero
    assert manager.load() == Load(1, 0)
    assert manager.admit()


def test_gate_replaces_only_voilas_page_handler():
    from voila.tornado.handler import TornadoVoilaHandler

    other = object()
    rules = [("/api/x", other), ("/(.*)", TornadoVoilaHandler, {"notebook_path": "a.ipynb"})]
    gated = serving.gate_handlers(rules)
    assert gated[0] is rules[0]
    assert gated[1] == ("/(.*)", CapacityVoilaHandler, {"notebook_path": "a.ipynb"})


def test_voila_json_uses_the_capacity_manager():
    import json

    config = json.loads((ROOT / "voila.json").read_text())
    assert config["VoilaConfiguration"]["multi_kernel_manager_class"] == serving.KERNEL_MANAGER
    assert config["CapacityKernelManager"]["max_kernels"] > config["VoilaConfiguration"]["default_pool_size"]
    culler = config["MappingKernelManager"]
    assert culler["cull_connected"] is False  # open pages are never culled
    assert culler["cull_idle_timeout"] + culler["cull_interval"] <= 120  # closed pages' kernels gone in 2 min


@pytest.mark.parametrize(("argv", "expected"), [
    ([], None),
    (["--max-kernels", "5"], "--CapacityKernelManager.max_kernels=5"),
    (["--max-kernels", "0"], "--CapacityKernelManager.max_kernels=0"),
])
def test_dashboard_command_runs_voila_with_the_cap(monkeypatch, argv, expected):
    seen = {}

    def fake_supervise(command, **kwargs):
        seen["command"] = command
        return 0

    monkeypatch.setattr(serving, "supervise", fake_supervise)
    args = build_parser().parse_args(["dashboard", "--port", "9999", *argv])
    assert args.func(args) == 0
    command = seen["command"]
    assert f"--VoilaConfiguration.multi_kernel_manager_class={serving.KERNEL_MANAGER}" in command
    assert "--port=9999" in command
    caps = [a for a in command if a.startswith("--CapacityKernelManager.max_kernels")]
    assert caps == ([expected] if expected else [])


# -- supervise() with stand-in processes ------------------------------------------------
#: A stand-in for Voila: starts a "kernel" in a session of its own (as jupyter_client does),
#: writes both pids to READY, then waits. With STUBBORN it ignores SIGTERM; else on SIGTERM it
#: exits WITHOUT stopping its kernel, which supervise() must then kill.
STAND_IN = textwrap.dedent("""
    import os, signal, subprocess, sys, time
    kernel = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    if os.environ.get("STUBBORN"):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with open(os.environ["READY"] + ".tmp", "w") as f:
        f.write(f"{os.getpid()} {kernel.pid}")
    os.replace(os.environ["READY"] + ".tmp", os.environ["READY"])
    time.sleep(600)
""")
SUPERVISOR = ("import sys; from explorer.app.serving import supervise; "
              "sys.exit(supervise([sys.executable, '-c', sys.argv[1]], stop_timeout=1.5))")


def _alive(pid: int) -> bool:
    stats = _proc_stats({pid})
    return pid in stats and stats[pid][0] != "Z"


@pytest.mark.parametrize(("sig", "stubborn", "code"), [
    (signal.SIGTERM, False, 0), (signal.SIGINT, False, 0), (signal.SIGTERM, True, 1),
])
def test_supervise_stops_the_child_and_kills_what_it_leaves(tmp_path, sig, stubborn, code):
    ready = tmp_path / "ready"
    env = {**os.environ, "READY": str(ready), **({"STUBBORN": "1"} if stubborn else {})}
    supervisor = subprocess.Popen([sys.executable, "-c", SUPERVISOR, STAND_IN], cwd=ROOT, env=env,
                                  stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not ready.exists():
            assert time.monotonic() < deadline and supervisor.poll() is None, "the stand-in did not start"
            time.sleep(0.05)
        child, kernel = map(int, ready.read_text().split())
        assert _alive(kernel)
        supervisor.send_signal(sig)
        assert supervisor.wait(timeout=10) == code
        assert not _alive(child) and not _alive(kernel)
        assert "Stopping the dashboard" in supervisor.stderr.read()
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
        for pid in (locals().get("child"), locals().get("kernel")):
            if pid and _alive(pid):
                os.kill(pid, signal.SIGKILL)


# -- Voila itself -------------------------------------------------------------------------
def _probe_notebook(folder: Path) -> Path:
    """A one-checkbox notebook: its observer writes "on"/"off" in a Label (the kernel answers)."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(textwrap.dedent("""
        import ipywidgets as widgets
        box = widgets.Checkbox(value=False, description="probe")
        label = widgets.Label("off")
        box.add_class("probe-box")
        label.add_class("probe-label")
        box.observe(lambda change: setattr(label, "value", "on" if change["new"] else "off"), "value")
        widgets.VBox([box, label])
    """))]
    path = folder / "probe.ipynb"
    nbformat.write(notebook, path)
    return path


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read().decode()


def _assert_refused(url: str) -> None:
    status, headers, body = _get(url)
    assert status == 503, status
    assert headers.get("retry-after") == "60"
    assert CAPACITY_MESSAGE in body


CAP_OF_TWO = ["--CapacityKernelManager.max_kernels=2", "--VoilaConfiguration.default_pool_size=1"]


def test_plain_voila_from_the_project_root_is_capped(tmp_path):
    """``voila NOTEBOOK`` run from the project root picks the cap up from voila.json."""
    notebook = _probe_notebook(tmp_path)
    with serve_voila(notebook, CAP_OF_TWO) as server:
        server.wait_for_pool()
        status, headers, body = _get(server.url)  # the first viewer takes the pooled kernel
        assert status == 200 and CAPACITY_MESSAGE not in body
        assert "_xsrf=" in headers.get("set-cookie", ""), headers  # for the page's shutdown beacon
        _assert_refused(server.url)  # that page's kernel and the pool's refill: 2 of 2
        assert "At most 2 kernels (pool of 1 included)" in server.log()
        assert server.log().count("a new viewer was refused") == 1


# -- in a browser -------------------------------------------------------------------------
def _flip(page, expected: str) -> None:
    page.locator(PROBE_BOX).click()
    page.wait_for_function("([sel, text]) => document.querySelector(sel)?.textContent.trim() === text",
                           arg=[PROBE_LABEL, expected], timeout=20_000, polling=50)


@pytest.mark.browser
def test_at_capacity_a_new_viewer_gets_503_and_open_pages_keep_working(browser, tmp_path):
    notebook = _probe_notebook(tmp_path)
    with serve_voila(notebook, CAP_OF_TWO) as server:
        server.wait_for_pool()
        watched = open_page(browser)
        try:
            page = watched.page
            page.goto(server.url)
            page.wait_for_selector(PROBE_BOX, timeout=60_000)
            _flip(page, "on")
            _assert_refused(server.url)  # page A's kernel and the pool's: 2 of 2
            _flip(page, "off")  # page A's kernel and websocket are untouched
            _flip(page, "on")
            assert watched.errors == []
        finally:
            watched.context.close()


def _start_dashboard(*extra: str) -> tuple[subprocess.Popen, int, Path]:
    port = free_port()
    with tempfile.NamedTemporaryFile("wb", prefix="explorer-dashboard-", suffix=".log", delete=False) as out:
        log = Path(out.name)
        process = subprocess.Popen([str(EXPLORER), "dashboard", "--port", str(port), *extra], cwd=ROOT,
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    _wait_for_port(port, process, 60)
    return process, port, log


def _stop_and_check(process: subprocess.Popen, sig: int, log: Path) -> float:
    """Send ``sig`` to explorer; return the seconds until it and every process it started are gone."""
    family = {pid: fields[19] for pid, fields in _proc_stats(_family(process.pid)).items()}
    assert len(family) >= 3, family  # explorer, voila, at least the pooled kernel
    start = time.monotonic()
    process.send_signal(sig)
    try:
        assert process.wait(timeout=STOP_WITHIN) == 0
        while True:
            left = {pid for pid, started in family.items()
                    if _proc_stats({pid}).get(pid, [None] * 20)[19] == started and _alive(pid)}
            if not left or time.monotonic() - start > STOP_WITHIN:
                break
            time.sleep(0.1)
        assert not left, f"still running {time.monotonic() - start:.1f} s after {signal.Signals(sig).name}: {left}"
        return time.monotonic() - start
    except BaseException:
        print(log.read_text(errors="replace"), file=sys.stderr)
        raise
    finally:
        for pid, started in family.items():  # never leave anything behind, even on failure
            if _proc_stats({pid}).get(pid, [None] * 20)[19] == started:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
        log.unlink(missing_ok=True)


@pytest.mark.browser
def test_sigterm_stops_dashboard_voila_and_every_kernel(browser):
    process, port, log = _start_dashboard()
    watched = open_page(browser)
    try:
        watched.page.goto(f"http://127.0.0.1:{port}/")
        watched.page.wait_for_selector(".jupyter-widgets", timeout=60_000)  # its kernel runs, websocket open
        _stop_and_check(process, signal.SIGTERM, log)
    finally:
        watched.context.close()
        if process.poll() is None:
            process.kill()


def test_ctrl_c_stops_dashboard_voila_and_every_kernel():
    """SIGINT, as Ctrl-C sends it; a viewer without a browser (plain GET) holds one kernel, the pool another."""
    process, port, log = _start_dashboard("--max-kernels", "3")
    try:
        status, _, _ = _get(f"http://127.0.0.1:{port}/")
        assert status == 200
        _stop_and_check(process, signal.SIGINT, log)
    finally:
        if process.poll() is None:
            process.kill()

