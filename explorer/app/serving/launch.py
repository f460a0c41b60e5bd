"""How ``explorer dashboard`` starts Voila: the command, its environment and its folder.

The dashboard notebook and the serving settings ship inside the package
(:data:`SITE`: ``explorer/app/site/dashboard.ipynb`` and ``voila.json``), so an installed
wheel serves the same page as a checkout; the repository's ``notebooks/dashboard.ipynb``
and ``voila.json`` are links to them. Voila reads ``voila.json`` from its working folder,
so it runs in :data:`SITE`; the scenarios folder reaches the kernels through
``$EXPLORER_SCENARIOS_DIR`` (:mod:`explorer.app.paths`).
"""

from __future__ import annotations

import ipaddress
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from explorer.app.paths import ENV_DIR, ENV_START
from explorer.app.serving.capacity import KERNEL_MANAGER
from explorer.app.serving.health import HEALTH_URL

SITE = Path(__file__).resolve().parents[1] / "site"
NOTEBOOK = SITE / "dashboard.ipynb"
SETTINGS = SITE / "voila.json"
_SEGMENT = re.compile(r"[A-Za-z0-9._~-]+")
HOST_NAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}"
                       r"[A-Za-z0-9])?)*")


def base_url(text: str) -> str:
    """A base URL as Voila wants it: ``/``, or ``/a/b/`` (slashes added, each part checked).

    >>> base_url("explorer"), base_url("/rooms/a/"), base_url("/")
    ('/explorer/', '/rooms/a/', '/')
    >>> base_url("/a b/")
    Traceback (most recent call last):
    ...
    ValueError: 'a b' is not a path part (letters, digits and . _ ~ - only)
    """
    parts = [part for part in text.strip().split("/") if part]
    for part in parts:
        if not _SEGMENT.fullmatch(part) or part in {".", ".."}:
            raise ValueError(f"{part!r} is not a path part (letters, digits and . _ ~ - only)")
    return "/" + "".join(part + "/" for part in parts)


def listen_address(text: str) -> str:
    """An address to listen on: an IP address (``0.0.0.0`` for every interface) or a host name.

    >>> listen_address("0.0.0.0"), listen_address("localhost")
    ('0.0.0.0', 'localhost')
    >>> listen_address("http://x")
    Traceback (most recent call last):
    ...
    ValueError: 'http://x' is neither an IP address nor a host name
    """
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        if HOST_NAME.fullmatch(text):
            return text
    raise ValueError(f"{text!r} is neither an IP address nor a host name")


@dataclass(frozen=True)
class ServeOptions:
    """What ``explorer dashboard`` was asked to serve, and where."""

    scenarios: Path  #: the folder whose files the dashboard lists
    ip: str = "127.0.0.1"
    port: int = 8866
    base_url: str = "/"
    max_kernels: int | None = None  #: None: voila.json's CapacityKernelManager.max_kernels
    start: str | None = None  #: a file of ``scenarios`` to open first

    def url(self) -> str:
        """Where a viewer on this machine opens it (every interface: this machine's loopback).

        >>> ServeOptions(Path("s"), ip="0.0.0.0", port=80, base_url="/x/").url()
        'http://127.0.0.1:80/x/'
        """
        host = "127.0.0.1" if self.ip in {"0.0.0.0", "::"} else self.ip
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{self.port}{self.base_url}"

    def health_url(self) -> str:
        return self.url() + HEALTH_URL


def voila_command(options: ServeOptions, python: str = sys.executable) -> list[str]:
    """The Voila command line for ``options`` (run it in :data:`SITE`, with :func:`voila_environment`).

    >>> command = voila_command(ServeOptions(Path("s"), ip="0.0.0.0", base_url="/x/", max_kernels=8), "py")
    >>> command[:3] == ["py", "-m", "voila"], command[4:]
    (True, ['--port=8866', '--no-browser', '--Voila.ip=0.0.0.0', '--Voila.base_url=/x/', \
'--VoilaConfiguration.multi_kernel_manager_class=explorer.app.serving.CapacityKernelManager', \
'--CapacityKernelManager.max_kernels=8'])
    """
    command = [python, "-m", "voila", str(NOTEBOOK), f"--port={options.port}", "--no-browser",
               f"--Voila.ip={options.ip}", f"--Voila.base_url={options.base_url}",
               f"--VoilaConfiguration.multi_kernel_manager_class={KERNEL_MANAGER}"]
    if options.max_kernels is not None:
        command.append(f"--CapacityKernelManager.max_kernels={options.max_kernels}")
    return command


def voila_environment(options: ServeOptions, environ: dict[str, str]) -> dict[str, str]:
    """``environ`` with the scenarios folder (and the first file) the kernels must open."""
    env = {key: value for key, value in environ.items() if key != ENV_START}
    env[ENV_DIR] = str(options.scenarios)
    if options.start:
        env[ENV_START] = options.start
    return env
