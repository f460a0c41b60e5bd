"""Helpers to serve a notebook with Voila and drive it with Debian's Chromium.

Shared by ``tests/test_browser.py`` and the scripts in ``benchmarks/``; it holds
no tests. See /work/shared/STACK.md for why the flags and selectors are what they
are (Playwright's own browser download cannot work here; Voila's template links a
CDN font stylesheet, so every ``https://`` request is aborted).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _voila() -> Path:
    beside = Path(sys.executable).with_name("voila")
    return beside if beside.exists() else ROOT / ".venv" / "bin" / "voila"


VOILA = _voila()
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 800}
EXTERNAL = re.compile(r"^https://")  # Voila's template links a CDN font stylesheet
POOL_FILLED = "is filled"  # Voila logs "Kernel pool of <notebook> is filled with 1 kernel(s)"

# JavaScript run in the page --------------------------------------------------------
#: The plot div's data, typed arrays made plain (the figure widget may send them typed).
JS_PLOT_DATA = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd.data) return null;
  const plain = (v) => {
    if (v === null || v === undefined) return v;
    if (ArrayBuffer.isView(v)) return Array.from(v);
    if (Array.isArray(v)) return v.map(plain);
    if (typeof v === 'object') {
      const o = {};
      for (const k of Object.keys(v).sort()) { if (k !== 'uid') o[k] = plain(v[k]); }
      return o;
    }
    return v;
  };
  return gd.data.map((t) => ({x: plain(t.x), y: plain(t.y), z: plain(t.z), type: t.type}));
}"""


def find_chromium() -> str | None:
    """The path of a usable Chromium (``$CHROMIUM`` first), or None."""
    for candidate in (os.environ.get("CHROMIUM"), *CHROMIUM_CANDIDATES, shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    """A TCP port nobody listens on at the moment (loopback)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"voila exited with code {process.returncode} before listening")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"voila did not listen on port {port} within {timeout:.0f} s")


@dataclass
class VoilaServer:
    """A running Voila: its base URL (the notebook's page), process and log (a file, read on demand)."""

    url: str
    process: subprocess.Popen
    log_path: Path
    port: int
    command: list[str] = field(default_factory=list)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def terminate(self) -> None:
        """Ask Voila to stop (SIGTERM to its process group) without waiting; ``serve_voila`` waits."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def wait_for_log(self, text: str, count: int = 1, timeout: float = 60.0) -> None:
        """Wait until ``text`` appears ``count`` times in Voila's log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log().count(text) >= count:
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"voila exited with code {self.process.returncode}")
            time.sleep(0.1)
        raise TimeoutError(f"{text!r} did not appear {count}× in voila's log within {timeout:.0f} s")

    def wait_for_pool(self, count: int = 1, timeout: float = 60.0) -> None:
        """Wait for the ``count``-th "Kernel pool ... is filled" line (preheated servers only).

        Voila logs it once the pooled kernel has *started*, before the notebook has run
        in it, so a page opened right then still waits for the notebook: follow with
        :meth:`wait_until_quiet` for a pool that is really warm.
        """
        self.wait_for_log(POOL_FILLED, count, timeout)

    def cpu_seconds(self) -> float:
        """CPU time used so far by Voila and its kernels (Linux /proc).

        Kernels run in sessions of their own (jupyter_client starts them with
        ``start_new_session``), so they are found as descendants, not by process group.
        """
        ticks = sum(stat[11] + stat[12] for stat in _proc_stats(_family(self.process.pid)).values())
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_until_quiet(self, window: float = 1.0, max_share: float = 0.05, timeout: float = 60.0) -> float:
        """Wait until Voila and its kernels use < ``max_share`` of a CPU over ``window`` s.

        Returns the seconds waited. Used after :meth:`wait_for_pool`: a preheated
        kernel runs the notebook in the background, and that work is over when the
        process group goes idle.
        """
        start = time.monotonic()
        before = self.cpu_seconds()
        while time.monotonic() - start < timeout:
            time.sleep(window)
            now = self.cpu_seconds()
            if now - before < max_share * window:
                return time.monotonic() - start
            before = now
        raise TimeoutError(f"voila still busy after {timeout:.0f} s")


@contextlib.contextmanager
def serve_voila(notebook: str | Path, extra_args: Sequence[str] = (), env: dict[str, str] | None = None,
                timeout: float = 60.0) -> Iterator[VoilaServer]:
    """Serve ``notebook`` (relative to the project root) with Voila on a free loopback port.

    Voila runs with cwd at the project root, so ``voila.json`` there applies. Yields a
    :class:`VoilaServer` whose ``url`` is the base URL (``http://127.0.0.1:PORT/``);
    the port is awaited with a socket connect, since a GET of ``/`` would start a kernel.
    The whole process group is terminated on exit; on an exception Voila's log is printed.
    """
    with serve_voilas([(notebook, extra_args, env)], timeout) as (server,):
        yield server


@contextlib.contextmanager
def serve_voilas(specs: Sequence[tuple[str | Path, Sequence[str], dict[str, str] | None]],
                 timeout: float = 60.0) -> Iterator[tuple[VoilaServer, ...]]:
    """Like :func:`serve_voila` for several ``(notebook, extra_args, env)`` at once: all start together."""
    servers: list[VoilaServer] = []
    failed = True
    try:
        for notebook, extra_args, env in specs:
            port = free_port()
            log_file = tempfile.NamedTemporaryFile("w+b", prefix="voila-", suffix=".log", delete=False)
            command = [str(VOILA), str(notebook), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
                       *extra_args]
            try:
                process = subprocess.Popen(
                    command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=log_file,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                )
            finally:
                log_file.close()
            servers.append(VoilaServer(f"http://127.0.0.1:{port}/", process, Path(log_file.name), port, command))
        for server in servers:
            _wait_for_port(server.port, server.process, timeout)
        yield tuple(servers)
        failed = False
    finally:
        for server in servers:
            server.terminate()  # all at once: each takes a few seconds to shut its kernels down
        for server in servers:
            _stop(server.process)
            if failed:
                print(f"----- voila log ({' '.join(server.command)}) -----\n{server.log()}\n----- end of voila log -----",
                      file=sys.stderr)
            server.log_path.unlink(missing_ok=True)


def _proc_stats(pids: set[int] | None = None) -> dict[int, list[int | str]]:
    """Fields of /proc/PID/stat after the command name (index 1 = ppid, 11/12 = utime/stime)."""
    out = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        pid = int(stat.parent.name)
        if pids is not None and pid not in pids:
            continue
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = [fields[0], *(int(f) for f in fields[1:20])]
    return out


def _family(pid: int) -> set[int]:
    """``pid`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for child, fields in _proc_stats().items():
        children.setdefault(fields[1], []).append(child)
    family, frontier = {pid}, [pid]
    while frontier:
        for child in children.get(frontier.pop(), []):
            if child not in family:
                family.add(child)
                frontier.append(child)
    return family


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM Voila's process group (Voila then shuts its kernels down); SIGKILL all after 10 s."""
    if process.poll() is not None:
        return
    family = {pid: fields[19] for pid, fields in _proc_stats(_family(process.pid) - {process.pid}).items()}
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
    # Kernels live in sessions of their own: make sure none outlives its Voila.
    for pid, started in family.items():
        if _proc_stats({pid}).get(pid, [None] * 20)[19] == started:  # the same process, not a reused id
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def launch_chromium(playwright, headless: bool = True):
    """Debian's Chromium through Playwright, with the flags this machine needs."""
    executable = find_chromium()
    if executable is None:
        raise FileNotFoundError("no Chromium found (looked at $CHROMIUM and " + ", ".join(CHROMIUM_CANDIDATES) + ")")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=headless)


@dataclass
class WatchedPage:
    """A page whose ``pageerror`` events (uncaught exceptions) and console errors are recorded."""

    page: object
    context: object
    errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def open_page(browser, viewport: dict | None = None) -> WatchedPage:
    """A fresh context and page: every ``https://`` request aborted (no network), page errors recorded."""
    context = browser.new_context(viewport=viewport or VIEWPORT)
    # A regex, not the glob "https://**": with Playwright 1.65 that glob matches nothing.
    context.route(EXTERNAL, lambda route: route.abort())
    page = context.new_page()
    watched = WatchedPage(page, context)
    page.on("pageerror", lambda error: watched.errors.append(str(error)))
    page.on("console", lambda msg: watched.console_errors.append(msg.text) if msg.type == "error" else None)
    return watched


#: Shorthands for what a plot div has drawn; any other "kind" is a CSS selector inside the div.
PLOT_KINDS = {
    "bars": ".bars path",
    "heatmap": ".heatmaplayer .hm image",
    "scatter": ".scatterlayer .trace",
}

#: The dashboard's four panels, each drawn: issue map, red-line gap bars, utility bars, distance heatmap.
DASHBOARD_PANELS = (".subplot.xy .scatterlayer .trace", ".subplot.x2y2 .bars path", ".subplot.x3y3 .bars path",
                    ".subplot.x4y4 .heatmaplayer .hm image")

#: (selectors) => true once the (first) plot div has an element for every selector.
JS_PLOTS_DRAWN = """(selectors) => {
  const gd = document.querySelector('.js-plotly-plot');
  if (!gd || !gd._fullLayout) return false;
  return selectors.every((s) => gd.querySelector(s) !== null);
}"""


def plot_selectors(kinds: Sequence[str]) -> list[str]:
    return [PLOT_KINDS.get(kind, kind) for kind in kinds]


def wait_for_plots(page, kinds: Sequence[str] = ("bars",), timeout: float = 60.0) -> None:
    """Wait until the (first) plotly div has drawn every kind in ``kinds`` (see ``PLOT_KINDS``)."""
    page.wait_for_function(JS_PLOTS_DRAWN, arg=plot_selectors(kinds), timeout=timeout * 1000, polling=50)


def plot_data(page) -> list[dict] | None:
    """The plot div's trace data (x, y, z and type of each trace), as plain lists."""
    return page.evaluate(JS_PLOT_DATA)
