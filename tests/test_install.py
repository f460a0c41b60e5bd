"""Installs and runs anywhere: the built wheel (not the checkout) in a fresh venv, run by an
unprivileged user from an empty folder, serves the dashboard over a folder of its own.

This is the Dockerfile's entrypoint, tested without an image (none can be built here): the
same wheel, the same ``constraints.txt``, the same command, a user who owns nothing of the
installation. It costs ~45 s (the venv's install, from pip's cache after ``make setup``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from explorer.io.loader import load
from tests.browser_support import ROOT, free_port
from tests.kernel_client import KernelClient
from tests.test_starvation import WIDGET_VIEW

NOBODY = 65534
TEXTBOOK_TITLE = load(ROOT / "data" / "scenarios" / "logrolling_textbook.yaml").title
pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="runs as another user with setpriv (Linux)")


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, capture_output=True, text=True, **kwargs)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed():
    """A fresh venv with the wheel built from this checkout, its ``ui`` extra, pinned by constraints.txt."""
    top = Path(tempfile.mkdtemp(prefix="explorer-install-"))
    top.chmod(0o755)  # an unprivileged user must reach the venv (pytest's tmp_path is private to its owner)
    try:
        wheels = top / "wheels"
        run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(ROOT)])
        (wheel,) = wheels.glob("negotiation_explorer-*.whl")
        venv = top / "venv"
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             "-c", str(ROOT / "constraints.txt"), f"{wheel}[ui]"])
        with interpreter_reachable(Path(sys.executable)):
            yield top, venv
    finally:
        shutil.rmtree(top, ignore_errors=True)


@contextlib.contextmanager
def interpreter_reachable(python: Path):
    """Let an unprivileged user reach ``python`` for the test's duration (as root only).

    The fresh venv links to the interpreter that made it; pyenv's lives under /root, which only
    root may traverse. Each folder above it that others cannot traverse gets ``o+x`` (traverse,
    not list) until the test ends, then its mode back.
    """
    changed = []
    try:
        if os.geteuid() == 0:
            for folder in reversed(python.resolve().parents):
                mode = folder.stat().st_mode
                if not mode & stat.S_IXOTH:
                    folder.chmod(mode | stat.S_IXOTH)
                    changed.append((folder, mode))
        yield
    finally:
        for folder, mode in changed:
            folder.chmod(stat.S_IMODE(mode))


def as_unprivileged(command: list[str]) -> list[str]:
    """``command`` run as nobody when this process is root (CI), else as this (unprivileged) user."""
    if os.geteuid() != 0:
        return command
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]


def get(url: str, timeout: float = 120) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace")
    except OSError:
        return 0, ""


def test_the_wheel_holds_the_notebook_and_the_settings(installed):
    _, venv = installed
    found = run([str(venv / "bin" / "python"), "-c",
                 "from explorer.app.serving.launch import NOTEBOOK, SETTINGS; print(NOTEBOOK); print(SETTINGS)"],
                cwd=installed[0])  # not the checkout's folder, whose explorer/ Python would import first
    notebook, settings = (Path(line) for line in found.stdout.split())
    assert notebook.is_file() and settings.is_file() and "site-packages" in notebook.parts
    assert notebook.read_bytes() == (ROOT / "notebooks" / "dashboard.ipynb").read_bytes()
    assert json.loads(settings.read_text()) == json.loads((ROOT / "voila.json").read_text())


def test_the_installed_command_serves_a_folder_of_its_own_as_an_unprivileged_user(installed):
    top, venv = installed
    home = top / "home"
    scenarios = top / "my scenarios"
    home.mkdir()
    scenarios.mkdir()
    shutil.copy(ROOT / "data" / "scenarios" / "logrolling_textbook.yaml", scenarios / "class.yaml")
    if os.geteuid() == 0:
        for path in (home, scenarios, scenarios / "class.yaml"):
            os.chown(path, NOBODY, NOBODY)
    port = free_port()
    log = top / "dashboard.log"
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    command = as_unprivileged([str(venv / "bin" / "explorer"), "dashboard", "--scenarios", str(scenarios),
                               "--ip", "127.0.0.1", "--port", str(port), "--base-url", "/room/", "--max-kernels", "3"])
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{port}/room/"
    try:
        deadline = time.monotonic() + 120
        while (status := get(base + "healthz", timeout=5))[0] != 200:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"no healthz: {status}\n{log.read_text()}"
            time.sleep(0.5)
        assert json.loads(status[1])["max_kernels"] == 3
        status, html = get(base)
        assert status == 200 and WIDGET_VIEW in html, log.read_text()[-3000:]
        with KernelClient.for_new_page(base) as page:  # the picker lists the folder's own file, and only it
            labels = [s["_options_labels"] for s in page.widget_states().values() if "_options_labels" in s]
            assert [f"{TEXTBOOK_TITLE} (class.yaml)"] in labels
        serving = [p for p in _children(process.pid) if "voila" in _cmdline(p)]
        assert serving and all(_uid(p) == (NOBODY if os.geteuid() == 0 else os.geteuid()) for p in serving)
        assert str(venv) in _cmdline(serving[0]) and str(ROOT) not in _cmdline(serving[0])  # not the checkout
        family = _children(process.pid)  # the supervisor's Voila and kernels
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        assert [pid for pid in family if Path(f"/proc/{pid}").exists()] == []
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _children(pid: int) -> list[int]:
    from explorer.app.serving import descendants

    return sorted(descendants(pid))


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _uid(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    return -1
