"""Helpers to serve a notebook with Voila and drive it with Debian's Chromium.

Shared by ``tests/test_browser.py`` and the scripts in ``benchmarks/``; it holds
no tests. See /work/shared/STACK.md for why the flags and selectors are what they
are (Playwright's own browser download cannot work here; Voila's template links a
CDN font stylesheet, so every ``https://`` request is aborted).
"""

from __future__ import annotations

import contextlib
import math
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
        return wait_until_idle(self.cpu_seconds, "voila", window, max_share, timeout)


def wait_until_idle(cpu_seconds, what: str, window: float = 1.0, max_share: float = 0.05,
                    timeout: float = 60.0) -> float:
    """Wait until ``cpu_seconds()`` grows by < ``max_share`` of a CPU over ``window`` s; the seconds waited."""
    start = time.monotonic()
    before = cpu_seconds()
    while time.monotonic() - start < timeout:
        time.sleep(window)
        now = cpu_seconds()
        if now - before < max_share * window:
            return time.monotonic() - start
        before = now
    raise TimeoutError(f"{what} still busy after {timeout:.0f} s")


def json_safe(value):
    """``value`` with ∞ written "inf" and NaN null, every key a string, for json.dumps."""
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else "inf"
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


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
    """``pid`` and all its descendants (the walk ``explorer dashboard`` uses to stop every kernel)."""
    from explorer.app.serving import descendants

    return {pid, *descendants(pid)}


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


# Drawn / click-redrawn detection shared by the benchmarks -----------------------------
# A "drawn" predicate is a JS function () => false | {mode, t?}: ``mode`` "panels" means the
# panel-board contract (``section.explorer-panel[data-panel]`` with ``data-draws`` and the
# bubbling ``explorer-panel-drawn`` event); "figure" means one plotly div (its
# ``plotly_afterplot`` event tells a redraw). ``t`` (optional) is when it was drawn.

#: The floor notebook (one FigureWidget bar chart): drawn once its bars are.
JS_FLOOR_DRAWN = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  return (gd && gd._fullLayout && gd.querySelector('.bars path')) ? {mode: 'figure'} : false;
}"""

#: The dashboard: every ``section.explorer-panel`` (≥ 4) has ``data-draws`` ≥ 1; ``t`` = the latest
#: first draw among them (from the recorded ``explorer-panel-drawn`` events).
JS_DASHBOARD_DRAWN = """() => {
  const sections = document.querySelectorAll('section.explorer-panel');
  if (sections.length < 4) return false;
  for (const s of sections) {
    if (!(parseInt(s.getAttribute('data-draws') || '0', 10) >= 1)) return false;
  }
  const b = window.__bench, first = {};
  for (const e of (b ? b.events : [])) { if (!(e.panel in first)) first[e.panel] = e.t; }
  let t = 0;
  for (const s of sections) {
    const id = s.getAttribute('data-panel');
    if (!(id in first)) { t = null; break; }
    t = Math.max(t, first[id]);
  }
  return {mode: 'panels', panels: sections.length, t: t === null ? performance.now() : t};
}"""


def bench_init_script(drawn_js: str, poll_ms: int = 16) -> str:
    """An init script (``page.add_init_script``) that records, in ``window.__bench``:

    * ``drawnAt``: ``performance.now()`` (ms since the navigation start) when ``drawn_js``
      first held (or the ``t`` it returned), ``drawnMode``/``drawnInfo``: what it returned;
    * ``events``: every ``explorer-panel-drawn`` event ({panel, draws, t});
    * after :data:`JS_ARM_CLICK`: ``clickAt`` (capture-phase click on the armed selector), then
      ``draws`` (panel events after it), ``plotDraws``/``begins`` (``plotly_afterplot``/
      ``plotly_beforeplot`` of every plotly div after it).

    The predicate is checked in the page every ``poll_ms`` (no round trip to Playwright).
    """
    return """(() => {
  const b = window.__bench = {drawnAt: null, drawnMode: null, drawnInfo: null, events: [], clickSelector: null,
                              clickAt: null, draws: [], plotDraws: [], begins: [], armed: false};
  document.addEventListener('explorer-panel-drawn', (event) => {
    const d = event.detail || {};
    const rec = {panel: d.panel, draws: d.draws, t: typeof d.t === 'number' ? d.t : performance.now()};
    b.events.push(rec);
    if (b.clickAt !== null) b.draws.push(rec);
  }, true);
  document.addEventListener('click', (event) => {
    const target = b.clickSelector && document.querySelector(b.clickSelector);
    if (target && target.contains(event.target)) {
      b.clickAt = performance.now(); b.draws = []; b.plotDraws = []; b.begins = [];
    }
  }, true);
  const drawn = (__DRAWN__);
  const tick = () => {
    let r = false;
    try { r = drawn(); } catch (e) { r = false; }
    if (r) {
      b.drawnAt = (typeof r.t === 'number') ? r.t : performance.now();
      b.drawnMode = r.mode || 'figure'; b.drawnInfo = r;
    } else {
      setTimeout(tick, __POLL__);
    }
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', tick); else tick();
})();""".replace("__DRAWN__", drawn_js).replace("__POLL__", str(int(poll_ms)))


#: (selector) => arms the click recorder of :func:`bench_init_script` (and hooks plotly events).
JS_ARM_CLICK = """(selector) => {
  const b = window.__bench;
  b.clickSelector = selector; b.clickAt = null; b.draws = []; b.plotDraws = []; b.begins = [];
  if (!b.armed) {
    document.querySelectorAll('.js-plotly-plot').forEach((gd, k) => {
      if (typeof gd.on !== 'function') return;
      const section = gd.closest('section.explorer-panel');
      const panel = section ? section.getAttribute('data-panel') : String(k);
      gd.on('plotly_beforeplot', () => { if (b.clickAt !== null) b.begins.push({panel, t: performance.now()}); });
      gd.on('plotly_afterplot', () => { if (b.clickAt !== null) b.plotDraws.push({panel, t: performance.now()}); });
    });
    b.armed = true;
  }
  return b.drawnMode;
}"""

#: () => forget the last click's records (before the next click).
JS_RESET_CLICK = "() => { const b = window.__bench; b.clickAt = null; b.draws = []; b.plotDraws = []; b.begins = []; }"

#: ({expected, settle, timeout}) => Promise of the last click's redraw record. Waits (in the page)
#: until the click has been seen and then — panels mode — every ``expected`` panel that exists has
#: sent ``explorer-panel-drawn`` (any panel when none of them exists), or — figure mode — one
#: ``plotly_afterplot`` came; then until no further draw for ``settle`` ms. Returns
#: {ok, clickAt, ms (click → last draw), firstMs, neededMs (click → last draw of an ``expected`` panel),
#: startMs (click → first ``plotly_beforeplot``), draws: [{panel, t}], mode, need}.
JS_AWAIT_CLICK = """async ({expected, settle, timeout}) => {
  const b = window.__bench, t0 = performance.now();
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const list = () => (b.drawnMode === 'panels' ? b.draws : b.plotDraws);
  // Panels out of view are not redrawn until scrolled to (the board defers them): only the
  // expected panels in the viewport are awaited.
  const inView = (s) => { const r = s.getBoundingClientRect(); return r.bottom > 0 && r.top < window.innerHeight; };
  const present = new Set(Array.from(document.querySelectorAll('section.explorer-panel'))
                           .filter(inView).map((s) => s.getAttribute('data-panel')));
  const need = (expected || []).filter((p) => present.has(p));
  const done = () => {
    if (b.clickAt === null || list().length === 0) return false;
    if (b.drawnMode !== 'panels' || need.length === 0) return true;
    const got = new Set(list().map((d) => d.panel));
    return need.every((p) => got.has(p));
  };
  while (!done()) {
    if (performance.now() - t0 > timeout) {
      return {ok: false, clickAt: b.clickAt, draws: list().slice(), mode: b.drawnMode, need};
    }
    await sleep(10);
  }
  let n = list().length;
  for (;;) {
    await sleep(settle);
    const m = list().length;
    if (m === n || performance.now() - t0 > timeout) break;
    n = m;
  }
  const draws = list().slice();
  const last = Math.max(...draws.map((d) => d.t));
  const first = Math.min(...draws.map((d) => d.t));
  const needed = draws.filter((d) => need.includes(d.panel));
  const neededMs = needed.length ? Math.max(...needed.map((d) => d.t)) - b.clickAt : null;
  return {ok: true, clickAt: b.clickAt, ms: last - b.clickAt, firstMs: first - b.clickAt, neededMs,
          startMs: b.begins.length ? Math.min(...b.begins.map((d) => d.t)) - b.clickAt : null,
          draws, mode: b.drawnMode, need};
}"""

#: () => JSON of every plotly div's x/y data (to check that a click changed something).
JS_ALL_PLOT_XY = """() => JSON.stringify(Array.from(document.querySelectorAll('.js-plotly-plot')).map(
  (gd) => (gd.data || []).map((t) => Array.from(t.x || []).concat(Array.from(t.y || [])))))"""


# Processes, memory and load (Linux /proc), for the benchmarks ----------------------------
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int) -> int:
    """Resident set size of ``pid`` (0 when it is gone)."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_SIZE
    except (OSError, IndexError, ValueError):
        return 0


def process_cpu_seconds(pid: int) -> float:
    """CPU time (utime + stime) used so far by process ``pid`` alone (0 when it is gone)."""
    stat = _proc_stats({pid}).get(pid)
    return (stat[11] + stat[12]) / CLK_TCK if stat else 0.0


def kernel_pids(server: VoilaServer) -> set[int]:
    """The kernels of a Voila: every descendant of its process except Voila itself."""
    if server.process.poll() is not None:
        return set()
    return _family(server.process.pid) - {server.process.pid}


def voila_snapshot(server: VoilaServer) -> dict:
    """One look at a Voila and its kernels: kernel count, CPU seconds (utime+stime) of the
    kernels and of Voila, RSS of the kernels and of Voila + kernels (bytes), per-kernel figures."""
    family = _family(server.process.pid) if server.process.poll() is None else set()
    stats = _proc_stats(family)
    kernels = {pid: s for pid, s in stats.items() if pid != server.process.pid}
    cpu = {pid: (s[11] + s[12]) / CLK_TCK for pid, s in stats.items()}
    rss = {pid: rss_bytes(pid) for pid in stats}
    voila_pid = server.process.pid
    return {
        "t": time.monotonic(),
        "kernels": len(kernels),
        "kernel_cpu_s": sum(cpu[p] for p in kernels),
        "voila_cpu_s": cpu.get(voila_pid, 0.0),
        "kernel_rss": sum(rss[p] for p in kernels),
        "total_rss": sum(rss.values()),
        "per_kernel": {pid: {"cpu_s": cpu[pid], "rss": rss[pid], "start": kernels[pid][19]} for pid in kernels},
    }


def loadavg() -> str:
    """The first three fields of /proc/loadavg."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])  # guest time is already in user/nice
    return total - idle, total


def machine_busy_share(window: float = 1.0) -> float:
    """Share (0–1) of the machine's CPUs in use over ``window`` seconds."""
    busy0, total0 = _cpu_times()
    time.sleep(window)
    busy1, total1 = _cpu_times()
    return (busy1 - busy0) / max(total1 - total0, 1)


def wait_for_machine_quiet(max_share: float = 0.10, window: float = 1.0, timeout: float = 90.0,
                           streak: int = 2) -> dict:
    """Wait until the whole machine uses < ``max_share`` of its CPUs for ``streak`` windows in a row.

    Does not raise: returns {"quiet": bool, "waited_s", "share": the last window's share,
    "loadavg"}, so a caller can record that it measured on a busy machine.
    """
    start = time.monotonic()
    share, run = 1.0, 0
    while time.monotonic() - start < timeout:
        share = machine_busy_share(window)
        run = run + 1 if share < max_share else 0
        if run >= streak:
            return {"quiet": True, "waited_s": round(time.monotonic() - start, 1), "share": round(share, 3),
                    "loadavg": loadavg()}
    return {"quiet": False, "waited_s": round(time.monotonic() - start, 1), "share": round(share, 3),
            "loadavg": loadavg()}
