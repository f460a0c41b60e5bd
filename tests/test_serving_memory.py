"""Bounded memory (explorer.app.serving.memory): a kernel over its limit is stopped and its page says
so; the server over its ceiling kills its kernels and exits for its supervisor to start it again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest

from explorer.app.serving import EXIT_MEMORY, EndedKernels, MemoryLimits, ServerCeiling
from explorer.app.serving.memory import MB
from tests.browser_support import ROOT, VOILA, free_port, open_page, serve_voila
from tests.kernel_client import KernelClient

pytestmark = pytest.mark.alone  # load, memory or timing bounds: run with the machine to itself

ALLOCATE = ".probe-allocate"
NOTICE = ".explorer-session-notice"


# -- the server's ceiling, in this process ---------------------------------------------------
def test_the_ceiling_refuses_viewers_above_its_soft_share_and_calls_out_above_the_limit():
    rss = psutil.Process().memory_info().rss
    called = []
    limits = MemoryLimits(server_memory_limit=int(rss / MB * 1.5), server_soft_share=0.5)
    ceiling = ServerCeiling(limits, on_ceiling=called.append)
    ceiling.check()
    assert ceiling.refusing and called == []
    limits.server_memory_limit = int(rss / MB * 4)
    ceiling.check()
    assert not ceiling.refusing and called == []
    limits.server_memory_limit = max(1, int(rss / MB / 2))
    ceiling.check()
    assert called and called[0] > limits.server_memory_limit * MB


def test_no_limit_no_check():
    called = []
    ceiling = ServerCeiling(MemoryLimits(server_memory_limit=0), on_ceiling=called.append)
    ceiling.check()
    assert not ceiling.refusing and called == []


#: A process that watches itself with a ceiling 80 MB above where it starts, starts a child (a
#: stand-in kernel), then allocates in a pure-Python loop that never yields (as the runaway did).
RUNAWAY = textwrap.dedent("""
    import os, subprocess, sys, time
    import psutil
    from explorer.app.serving import MemoryLimits, ServerCeiling
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    print(child.pid, flush=True)
    start = psutil.Process().memory_info().rss // 2**20
    ServerCeiling(MemoryLimits(server_memory_limit=start + 80, check_interval=0.2)).start()
    blobs = []
    while True:
        blobs.append(b"x" * 2**20)
""")


def test_a_runaway_server_exits_with_code_75_and_takes_its_kernels_with_it():
    process = subprocess.Popen([sys.executable, "-c", RUNAWAY], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    child = int(process.stdout.readline())
    try:
        assert process.wait(timeout=60) == EXIT_MEMORY
        assert "above its ceiling" in process.stderr.read()
        deadline = time.monotonic() + 5
        while psutil.pid_exists(child) and psutil.Process(child).status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, "the child outlived the server"
            time.sleep(0.05)
    finally:
        for pid in (process.pid, child):
            if psutil.pid_exists(pid):
                os.kill(pid, signal.SIGKILL)


def test_voila_with_a_ceiling_below_its_needs_exits_with_code_75(tmp_path):
    command = [str(VOILA), str(probe_notebook(tmp_path)), "--no-browser", f"--port={free_port()}",
               "--Voila.ip=127.0.0.1", "--MemoryLimits.server_memory_limit=40", "--MemoryLimits.check_interval=0.2"]
    voila = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert voila.returncode == EXIT_MEMORY
    assert "above its ceiling" in voila.stderr


# -- the supervisor ---------------------------------------------------------------------------
#: A stand-in for Voila: the first run exits with the memory code, the second writes READY and waits.
ONCE_OVER = textwrap.dedent("""
    import os, sys, time
    marker = os.environ["RUNS"]
    runs = int(open(marker).read()) + 1 if os.path.exists(marker) else 1
    open(marker, "w").write(str(runs))
    if runs == 1:
        sys.exit(75)
    time.sleep(600)
""")


@pytest.mark.parametrize(("min_uptime", "restarted"), [(0.0, True), (60.0, False)])
def test_supervise_starts_voila_again_after_its_memory_ceiling(tmp_path, min_uptime, restarted):
    runs = tmp_path / "runs"
    code = (f"import sys; from explorer.app.serving import supervise; "
            f"sys.exit(supervise([sys.executable, '-c', sys.argv[1]], stop_timeout=2, min_uptime={min_uptime}))")
    supervisor = subprocess.Popen([sys.executable, "-c", code, ONCE_OVER], cwd=ROOT, stderr=subprocess.PIPE,
                                  text=True, env={**os.environ, "RUNS": str(runs)})
    try:
        if restarted:
            deadline = time.monotonic() + 30
            while not (runs.exists() and runs.read_text() == "2"):
                assert time.monotonic() < deadline and supervisor.poll() is None
                time.sleep(0.05)
            supervisor.send_signal(signal.SIGTERM)
            assert supervisor.wait(timeout=10) == 0
            assert "memory ceiling" in supervisor.stderr.read()
        else:  # it died too soon: a setting to fix, not a crash to repeat
            assert supervisor.wait(timeout=30) == EXIT_MEMORY
            assert runs.read_text() == "1"
    finally:
        if supervisor.poll() is None:
            supervisor.kill()


# -- a kernel over its limit ---------------------------------------------------------------------
def probe_notebook(folder: Path) -> Path:
    """A button that makes its kernel hold 300 MB more, beside the dashboard's session notice."""
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(textwrap.dedent("""
        import ipywidgets as widgets
        from explorer.app.widgets import SessionNotice
        held = []
        button = widgets.Button(description="hold 300 MB")
        button.add_class("probe-allocate")
        button.on_click(lambda _: held.append(b"x" * (300 * 2**20)))
        widgets.VBox([SessionNotice(every_ms=500), button])
    """))]
    path = folder / "memory_probe.ipynb"
    nbformat.write(notebook, path)
    return path


KERNEL_LIMIT = ["--MemoryLimits.kernel_memory_limit=250", "--MemoryLimits.check_interval=0.5"]


def session_status(server, kernel_id: str) -> dict:
    with urllib.request.urlopen(f"{server.url}explorer/session/{kernel_id}", timeout=30) as response:
        return json.loads(response.read())


def test_a_kernel_over_its_limit_is_stopped_and_remembered(tmp_path):
    with serve_voila(probe_notebook(tmp_path), KERNEL_LIMIT) as server:
        server.wait_for_pool()
        with KernelClient.for_new_page(server.url) as greedy, KernelClient.for_new_page(server.url) as other:
            button = next(c for c, s in greedy.widget_states().items() if s.get("description") == "hold 300 MB")
            assert session_status(server, greedy.kernel_id) == {"state": "running"}
            greedy.comm_msg(button, {"method": "custom", "content": {"event": "click"}})
            deadline = time.monotonic() + 30
            while (status := session_status(server, greedy.kernel_id))["state"] == "running":
                assert time.monotonic() < deadline, "the kernel over its limit was not stopped"
                time.sleep(0.2)
            assert status["state"] == "stopped" and status["reason"] == "memory"
            assert "more than the 250 MB one viewer may use" in status["message"]
            assert other.kernel_answers() and session_status(server, other.kernel_id) == {"state": "running"}
        assert "above the 250 MB a kernel may hold: stopping it" in server.log()


@pytest.mark.browser
def test_the_page_of_a_stopped_kernel_says_so_and_reloads(browser, tmp_path):
    with serve_voila(probe_notebook(tmp_path), KERNEL_LIMIT) as server:
        server.wait_for_pool()
        watched = open_page(browser)
        try:
            page = watched.page
            page.goto(server.url)
            page.locator(ALLOCATE).click(timeout=60_000)
            notice = page.locator(NOTICE)
            notice.wait_for(timeout=30_000)
            assert "more than the 250 MB one viewer may use" in notice.inner_text()
            page.get_by_role("button", name="Reload the page").click()
            page.locator(ALLOCATE).wait_for(timeout=60_000)  # a new page, with a kernel of its own
            assert page.locator(NOTICE).count() == 0
            assert watched.errors == []
        finally:
            watched.context.close()


def test_ended_kernels_are_remembered_up_to_a_bound():
    ended = EndedKernels(size=3)
    for k in range(5):
        ended.stopped_for_memory(f"k{k}", 700 * MB, 600)
    assert list(ended.reasons) == ["k2", "k3", "k4"]
    assert ended.status("k0", running=False)["state"] == "ended"


class FakeStream:
    """What start_buffering needs of a kernel channel's ZMQ stream."""

    def __init__(self):
        self.callback, self.closed_now = None, False
        self.socket = self

    @property
    def closed(self) -> bool:
        return self.closed_now

    def on_recv(self, callback):
        self.callback = callback

    def close(self):
        self.closed_now = True


def test_messages_kept_for_a_page_that_left_are_bounded():
    """jupyter_server keeps a kernel's messages for a page whose websocket dropped, in an unbounded list."""
    from explorer.app.serving import CapacityKernelManager

    manager = CapacityKernelManager()
    manager.connection_limits.max_buffered_bytes = 1000
    manager._kernels["k"] = object()
    streams = {"iopub": FakeStream(), "shell": FakeStream()}
    manager.start_buffering("k", "session", streams)
    for _ in range(3):
        streams["iopub"].callback([b"x" * 300])
    assert len(manager._kernel_buffers["k"]["buffer"]) == 3  # 900 bytes: kept
    streams["shell"].callback([b"x" * 300])  # 1,200: over the bound, all dropped
    assert "k" not in manager._kernel_buffers and all(s.closed_now for s in streams.values())
    assert manager.get_buffer("k", "session") is None  # the page that comes back gets a fresh start
