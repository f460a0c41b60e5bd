"""Dashboard replicas (``explorer dashboard`` processes) and HAProxy in front of them, on loopback.

Shared by ``tests/test_haproxy.py`` and ``benchmarks/bench_server_room.py``; it holds no tests.
A :class:`Replica` is the real CLI (``explorer dashboard --scenarios DIR --port N
--max-kernels K``: Voila under its supervisor, ``voila.json``'s settings, a preheated pool of
one), or, with ``preheat=False``, the same Voila command (:func:`explorer.app.serving.launch.
voila_command`, run in the package's site folder) without the pool: a test that starts many
replicas pays for no kernel nobody opens. :class:`HAProxy` runs ``deploy/haproxy/haproxy.cfg``
as it is committed, its addresses given by environment variables (``EXPLORER_BIND``,
``EXPLORER_R1``..., ``EXPLORER_STATS``), in the foreground (``-db``).
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from explorer.app.serving import descendants
from explorer.app.serving.supervisor import kill_leftovers
from tests.browser_support import ROOT, free_port, rss_bytes, wait_until_idle

HAPROXY_CFG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
HAPROXY_MISSING = ("haproxy is not installed: `apt-get install -y haproxy` (Debian's HAProxy 2.6; "
                   ".ci/run must install it for tests/test_haproxy.py)")
SCENARIOS = ROOT / "data" / "scenarios"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def find_haproxy() -> str | None:
    """The haproxy executable (``$HAPROXY`` first, then the PATH and /usr/sbin), or None."""
    for candidate in (os.environ.get("HAPROXY"), shutil.which("haproxy"), "/usr/sbin/haproxy"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _explorer() -> Path:
    beside = Path(sys.executable).with_name("explorer")
    return beside if beside.exists() else ROOT / ".venv" / "bin" / "explorer"


def get(url: str, timeout: float = 10.0) -> tuple[int, bytes]:
    """(status, body) of a GET; (0, b"") if nothing answered."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()
    except OSError:
        return 0, b""


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def cpu_seconds(pids: Sequence[int]) -> float:
    """utime + stime of ``pids`` (the ones still alive), in seconds."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields:
            total += int(fields[11]) + int(fields[12])
    return total / CLK_TCK


@dataclass
class Replica:
    """One dashboard server: its name (the balancer's cookie value), port, process and log."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    command: list[str]
    base_url: str = "/"
    family_seen: dict[int, int] = field(default_factory=dict)
    config_dir: Path | None = None  #: a Jupyter config folder made for it (removed when it stops)
    terminated: bool = False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base_url}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def alive(self) -> bool:
        return self.process.poll() is None

    # -- what it says -----------------------------------------------------------------------
    def health(self, timeout: float = 10.0) -> tuple[int, dict]:
        """(status, body) of ``GET <base>healthz``; (0, {}) if it does not answer."""
        status, body = get(self.url + "healthz", timeout)
        try:
            return status, json.loads(body) if body else {}
        except ValueError:
            return status, {}

    def session(self, kernel_id: str, timeout: float = 10.0) -> str | None:
        """The state (running, stopped, ended) this replica gives a page's kernel; None if it does not answer."""
        status, body = get(f"{self.url}explorer/session/{kernel_id}", timeout)
        try:
            return json.loads(body).get("state") if status == 200 else None
        except ValueError:
            return None

    # -- its processes ----------------------------------------------------------------------
    def family(self) -> set[int]:
        """Its process, Voila's and the kernels' (Linux /proc)."""
        if not self.alive():
            return set()
        found = descendants(self.process.pid)
        self.family_seen.update(found)
        return {self.process.pid, *found}

    def voila_pid(self) -> int | None:
        for pid in sorted(self.family()):
            if " -m voila " in f" {_cmdline(pid)} " or _cmdline(pid).split(" ")[0].endswith("/voila"):
                return pid
        return None

    def kernel_pids(self) -> set[int]:
        """Every process below Voila (its kernels)."""
        voila = self.voila_pid()
        return set(descendants(voila)) if voila else set()

    def snapshot(self) -> dict:
        """CPU seconds and RSS (bytes) of the server (supervisor + Voila) and of the kernels; kernel count."""
        family = self.family()
        kernels = self.kernel_pids() & family
        server = family - kernels
        return {"kernels": len(kernels), "server_cpu_s": cpu_seconds(sorted(server)),
                "kernel_cpu_s": cpu_seconds(sorted(kernels)), "server_rss": sum(rss_bytes(p) for p in server),
                "kernel_rss": sum(rss_bytes(p) for p in kernels)}

    def cpu_seconds(self) -> float:
        return cpu_seconds(sorted(self.family()))

    # -- waiting ----------------------------------------------------------------------------
    def wait_healthy(self, timeout: float = 90.0, kernels: int | None = None) -> dict:
        """Wait until healthz answers 200 (and, if given, counts ``kernels`` kernels); its body."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"replica {self.name} exited with code {self.process.returncode}:\n{self.log()}")
            status, body = self.health(timeout=5)
            if status == 200 and (kernels is None or body.get("kernels") == kernels):
                return body
            time.sleep(0.2)
        raise TimeoutError(f"replica {self.name} not healthy within {timeout:.0f} s:\n{self.log()[-3000:]}")

    def wait_until_quiet(self, window: float = 1.0, max_share: float = 0.05, timeout: float = 90.0) -> float:
        """Wait until the replica (Voila and kernels) uses < ``max_share`` of a CPU over ``window`` s."""
        return wait_until_idle(self.cpu_seconds, f"replica {self.name}", window, max_share, timeout)

    # -- stopping ---------------------------------------------------------------------------
    def terminate(self) -> None:
        """SIGTERM, as a supervisor or an operator stops it (its kernels are stopped too); no wait. Sent
        once: a second one makes ``explorer dashboard`` kill Voila and its kernels at once."""
        self.family()
        if self.alive() and not self.terminated:
            self.terminated = True
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGTERM)

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM and wait; then kill whatever is left (its process group, its kernels)."""
        self.terminate()
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        kill_leftovers(self.family_seen)
        if self.config_dir is not None:
            shutil.rmtree(self.config_dir, ignore_errors=True)


def ipc_config_dir() -> Path:
    """A Jupyter config folder whose ``voila.json`` sets ``KernelManager.transport`` to ipc. Voila reads it
    after the site's ``voila.json`` (which wins on any key both set), so it only adds that setting."""
    folder = Path(tempfile.mkdtemp(prefix="replica-jupyter-config-"))
    (folder / "voila.json").write_text(json.dumps({"KernelManager": {"transport": "ipc"}}))
    return folder


def start_replica(name: str, *, max_kernels: int | None, preheat: bool = True, scenarios: Path = SCENARIOS,
                  port: int | None = None, base_url: str = "/", env: dict[str, str] | None = None,
                  kernel_transport: str | None = None) -> Replica:
    """Start one replica (see the module's docstring) on ``port`` (a free one if None); no wait.
    ``max_kernels`` None: voila.json's cap; ``env``: added to its environment; ``kernel_transport``
    "ipc": kernels on Unix sockets (None: voila.json's choice, TCP by default)."""
    port = port or free_port()
    log_file = tempfile.NamedTemporaryFile("w+b", prefix=f"replica-{name}-", suffix=".log", delete=False)
    env = {**os.environ, **(env or {})}
    config_dir = None
    if preheat:
        command = [str(_explorer()), "dashboard", "--scenarios", str(scenarios), "--port", str(port),
                   "--base-url", base_url]
        if max_kernels is not None:
            command += ["--max-kernels", str(max_kernels)]
        cwd = ROOT
        if kernel_transport == "ipc":  # the CLI takes no Voila option: a config folder it reads
            config_dir = ipc_config_dir()
            env["JUPYTER_CONFIG_DIR"] = str(config_dir)
    else:
        from explorer.app.serving.launch import SITE, ServeOptions, voila_command, voila_environment

        options = ServeOptions(scenarios=scenarios.resolve(), port=port, base_url=base_url, max_kernels=max_kernels)
        command = [*voila_command(options), "--VoilaConfiguration.preheat_kernel=False"]
        if kernel_transport:
            command.append(f"--KernelManager.transport={kernel_transport}")
        cwd, env = SITE, voila_environment(options, env)
    try:
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        log_file.close()
    return Replica(name, port, process, Path(log_file.name), command, base_url, config_dir=config_dir)


@contextlib.contextmanager
def serve_replicas(count: int, *, max_kernels: int | None, preheat: bool = True, scenarios: Path = SCENARIOS,
                   timeout: float = 120.0, quiet: bool = True, keep_logs: Path | None = None,
                   env: dict[str, str] | None = None, kernel_transport: str | None = None
                   ) -> Iterator[list[Replica]]:
    """``count`` replicas named r1..rN, started together; yielded once each is healthy (its pool up and,
    with ``quiet``, its preheated kernel done running the notebook). Stopped on exit; their logs are
    printed if the block raised, and copied into the folder ``keep_logs`` if given."""
    replicas: list[Replica] = []
    failed = True
    try:
        for k in range(count):
            replicas.append(start_replica(f"r{k + 1}", max_kernels=max_kernels, preheat=preheat, scenarios=scenarios,
                                          env=env, kernel_transport=kernel_transport))
        for replica in replicas:
            replica.wait_healthy(timeout, kernels=1 if preheat else 0)
        if quiet:
            for replica in replicas:
                replica.wait_until_quiet(timeout=timeout)
        yield replicas
        failed = False
    finally:
        for replica in replicas:
            replica.terminate()
        for replica in replicas:
            replica.stop()
            if keep_logs is not None:
                keep_logs.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(replica.log_path, keep_logs / f"replica-{replica.name}-{replica.port}.log")
            if failed:
                print(f"----- replica {replica.name} log ({' '.join(replica.command)}) -----\n{replica.log()[-6000:]}"
                      f"\n----- end -----", file=sys.stderr)
            replica.log_path.unlink(missing_ok=True)


@dataclass
class HAProxy:
    """A running HAProxy: the viewers' URL, its stats page, process and log."""

    port: int
    stats_port: int
    process: subprocess.Popen
    log_path: Path
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def servers(self) -> dict[str, str]:
        """{server name: status (UP, DOWN, MAINT, "UP 1/2"...)} of the dashboard backend (its stats CSV)."""
        status, body = get(f"http://127.0.0.1:{self.stats_port}/stats;csv", timeout=5)
        if status != 200:
            return {}
        rows = csv.DictReader(io.StringIO(body.decode().lstrip("# ")))
        return {row["svname"]: row["status"] for row in rows
                if row["pxname"] == "dashboard" and row["svname"] not in ("FRONTEND", "BACKEND")}

    def wait_status(self, server: str, wanted: str, timeout: float = 30.0) -> None:
        """Wait until the balancer's health check has ``server`` in state ``wanted`` (UP or DOWN)."""
        deadline = time.monotonic() + timeout
        seen = None
        while time.monotonic() < deadline:
            seen = self.servers().get(server)
            if seen is not None and seen.split(" ")[0] == wanted:
                return
            time.sleep(0.2)
        raise TimeoutError(f"HAProxy has {server} {seen}, not {wanted}, after {timeout:.0f} s")

    def cpu_seconds(self) -> float:
        return cpu_seconds([self.process.pid])

    def rss(self) -> int:
        return rss_bytes(self.process.pid)


def haproxy_env(replicas: Sequence[Replica], port: int, stats_port: int) -> dict[str, str]:
    """The environment that gives ``deploy/haproxy/haproxy.cfg`` these addresses (3 servers at most; a
    missing one points at a closed port and stays DOWN)."""
    if len(replicas) > 3:
        raise ValueError("deploy/haproxy/haproxy.cfg names 3 servers (r1-r3)")
    env = {"EXPLORER_BIND": f"127.0.0.1:{port}", "EXPLORER_STATS": f"127.0.0.1:{stats_port}",
           "EXPLORER_BASE_URL": replicas[0].base_url if replicas else "/"}
    for k in range(3):
        env[f"EXPLORER_R{k + 1}"] = replicas[k].address if k < len(replicas) else f"127.0.0.1:{free_port()}"
    return env


@contextlib.contextmanager
def serve_haproxy(replicas: Sequence[Replica], cfg: Path = HAPROXY_CFG, timeout: float = 30.0) -> Iterator[HAProxy]:
    """HAProxy with ``cfg`` in front of ``replicas`` (r1.. in order), on free loopback ports; yielded once
    every replica's server is UP (and the config's servers beyond them DOWN). Stopped (SIGTERM, then
    SIGKILL) on exit; its log printed if the block raised."""
    executable = find_haproxy()
    if executable is None:
        raise FileNotFoundError(HAPROXY_MISSING)
    port, stats_port = free_port(), free_port()
    env = haproxy_env(replicas, port, stats_port)
    log_file = tempfile.NamedTemporaryFile("w+b", prefix="haproxy-", suffix=".log", delete=False)
    try:
        process = subprocess.Popen([executable, "-db", "-f", str(cfg)], env={**os.environ, **env}, stdout=log_file,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        log_file.close()
    proxy = HAProxy(port, stats_port, process, Path(log_file.name), env)
    failed = True
    try:
        deadline = time.monotonic() + timeout
        while not proxy.servers():
            if process.poll() is not None:
                raise RuntimeError(f"haproxy exited with code {process.returncode}:\n{proxy.log()}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"haproxy's stats did not answer within {timeout:.0f} s:\n{proxy.log()}")
            time.sleep(0.1)
        for replica in replicas:
            proxy.wait_status(replica.name, "UP", timeout)
        for k in range(len(replicas), 3):  # HAProxy starts a server UP until its first check fails
            proxy.wait_status(f"r{k + 1}", "DOWN", timeout)
        yield proxy
        failed = False
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        if failed:
            print(f"----- haproxy log -----\n{proxy.log()[-6000:]}\n----- end -----", file=sys.stderr)
        proxy.log_path.unlink(missing_ok=True)
