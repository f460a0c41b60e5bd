"""A JupyterHub on ONE machine for a class or a workshop, with the project's notebooks in every home.

    jupyterhub -f deploy/jupyterhub/jupyterhub_config.py        # from the project root, .venv activated

The real parts, nothing stubbed (pins in deploy/jupyterhub/README.md):

* jupyterhub 6.1.1, started as above;
* jupyterhub-tmpauthenticator 1.0.0: anyone who opens ``/hub/tmplogin`` (or the hub's front
  page) becomes a new user with a random name — a workshop where nobody has an account. Swap
  it for a real authenticator for a class that meets more than once (see the end of
  deploy/jupyterhub/values.yaml);
* the ``simple`` local-process spawner (``jupyterhub.spawner.SimpleLocalProcessSpawner``): each
  user's JupyterLab is a process of this machine, started in the user's own home folder
  ``$EXPLORER_HUB_WORKDIR/homes/<name>``, into which the project's notebooks (``notebooks/*.ipynb``)
  and scenarios (``data/scenarios/``) are copied at the first start. It runs every server as the
  hub's own Unix user and isolates nothing but the URLs: the hub keeps user A out of user B's
  server, but code run in A's notebook can read B's folder. Fine for a workshop on a machine
  nobody cares about; a class with accounts belongs on Kubernetes (values.yaml) or with
  ``LocalProcessSpawner`` and real Unix users;
* configurable-http-proxy 5.3.0 (npm), found on ``$PATH`` or in ``.venv/chp`` (installed by
  ``npm install --prefix .venv/chp configurable-http-proxy@5.3.0``), or at ``$EXPLORER_HUB_CHP``;
* jupyterhub-idle-culler 2.0.0 as a hub service: servers idle for ``$EXPLORER_HUB_CULL_TIMEOUT``
  seconds are stopped and, with the tmp authenticator, their users removed (nobody can log in
  as a random name again).

Settings from the environment (all optional), so a test can pick free ports and a folder:

========================== ============================ ===========================================
EXPLORER_HUB_IP            127.0.0.1                    the address the students open (0.0.0.0: LAN)
EXPLORER_HUB_PORT          8000                         the public port (configurable-http-proxy)
EXPLORER_HUB_API_PORT      public port + 1              the proxy's REST API (loopback only)
EXPLORER_HUB_HUB_PORT      8081                         the hub's own port (loopback only)
EXPLORER_HUB_WORKDIR       a new folder under /tmp      database, cookie secret, the homes
EXPLORER_HUB_SOURCE        the project root             where notebooks/ and data/scenarios/ are copied from
EXPLORER_HUB_CHP           $PATH, then .venv/chp        the configurable-http-proxy executable
EXPLORER_HUB_CULL_TIMEOUT  3600                         idle seconds before a server is culled
EXPLORER_HUB_CULL_EVERY    min(timeout // 2, 300)       how often the culler looks
EXPLORER_HUB_ACTIVITY      300                          how often (s) the hub and the servers note activity
========================== ============================ ===========================================
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

c = get_config()  # noqa: F821 (defined by JupyterHub when it reads this file)

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parents[1]
BIN = Path(sys.executable).parent  # the hub's environment (.venv/bin): jupyterhub-singleuser, the culler


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def find_chp() -> str:
    """configurable-http-proxy: ``$EXPLORER_HUB_CHP``, on ``$PATH``, or under ``.venv/chp``."""
    configured = os.environ.get("EXPLORER_HUB_CHP")
    candidates = [configured] if configured else [
        shutil.which("configurable-http-proxy"),
        str(PROJECT / ".venv" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy"),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise SystemExit("configurable-http-proxy not found: install it with "
                     "`npm install --prefix .venv/chp configurable-http-proxy@5.3.0` (from the project root) "
                     "or set EXPLORER_HUB_CHP to its path")


IP = os.environ.get("EXPLORER_HUB_IP", "127.0.0.1")
PORT = _int("EXPLORER_HUB_PORT", 8000)
API_PORT = _int("EXPLORER_HUB_API_PORT", PORT + 1)
HUB_PORT = _int("EXPLORER_HUB_HUB_PORT", 8081)
WORKDIR = Path(os.environ.get("EXPLORER_HUB_WORKDIR") or tempfile.mkdtemp(prefix="explorer-hub-")).resolve()
SOURCE = Path(os.environ.get("EXPLORER_HUB_SOURCE") or PROJECT).resolve()
CULL_TIMEOUT = _int("EXPLORER_HUB_CULL_TIMEOUT", 3600)
CULL_EVERY = _int("EXPLORER_HUB_CULL_EVERY", max(1, min(CULL_TIMEOUT // 2, 300)))
ACTIVITY = _int("EXPLORER_HUB_ACTIVITY", 300)
HOMES = WORKDIR / "homes"
HOMES.mkdir(parents=True, exist_ok=True)

# -- the hub and its state --------------------------------------------------------------
c.JupyterHub.bind_url = f"http://{IP}:{PORT}/"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = HUB_PORT
c.JupyterHub.db_url = f"sqlite:///{WORKDIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(WORKDIR / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(WORKDIR / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every student's server (and its kernels)
c.JupyterHub.last_activity_interval = ACTIVITY  # how often the hub reads the proxy's activity

# -- the proxy ---------------------------------------------------------------------------
c.ConfigurableHTTPProxy.command = [find_chp()]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{API_PORT}"
c.ConfigurableHTTPProxy.pid_file = str(WORKDIR / "proxy.pid")
c.ConfigurableHTTPProxy.should_start = True

# -- who gets in: anyone, as a new random user (a workshop) ------------------------------
c.JupyterHub.authenticator_class = "tmp"  # jupyterhub-tmpauthenticator: /hub/tmplogin makes a new user
c.Authenticator.allow_all = True  # without it /hub/tmplogin answers 500 (JupyterHub >= 5 allows nobody by default)

# -- each user's server: JupyterLab at the notebooks, in a home of its own ---------------
c.JupyterHub.spawner_class = "simple"  # jupyterhub.spawner.SimpleLocalProcessSpawner
c.SimpleLocalProcessSpawner.home_dir_template = str(HOMES / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab/tree/notebooks"  # the dashboard: /voila/render/notebooks/dashboard.ipynb
c.Spawner.start_timeout = 120  # a server starting while a class logs in at once, on a small machine
c.Spawner.http_timeout = 120
# Kernels a student left running are shut down after 20 idle minutes; the server itself goes
# with the culler below. (The spawner does not enforce memory: see values.yaml for limits.)
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=1200",
    "--MappingKernelManager.cull_interval=120",
    # The spawner runs every server as the hub's own Unix user; jupyter_server refuses to run as
    # root without this (a container or CI job running as root).
    *(["--allow-root"] if os.geteuid() == 0 else []),
]
c.Spawner.environment = {"JUPYTERHUB_ACTIVITY_INTERVAL": str(ACTIVITY)}


def _home_of(spawner) -> Path:
    return Path(spawner.home_dir)


def copy_project(spawner) -> None:
    """Copy the notebooks and scenarios into a user's home at the first start (never over a student's edits).

    ``notebooks/dashboard.ipynb`` is a link into the package: its target is copied. The copies
    are the student's own: a scenario saved by the builder goes to ``~/data/scenarios`` (the
    dashboard lists that folder: ``EXPLORER_SCENARIOS_DIR``), exports to ``~/notebooks/exports``.
    """
    home = _home_of(spawner)
    notebooks, scenarios = home / "notebooks", home / "data" / "scenarios"
    if not notebooks.exists():
        notebooks.mkdir(parents=True)
        for notebook in sorted((SOURCE / "notebooks").glob("*.ipynb")):
            shutil.copyfile(notebook, notebooks / notebook.name)  # follows the dashboard's link
    if not scenarios.exists():
        shutil.copytree(SOURCE / "data" / "scenarios", scenarios)
    spawner.environment = {**spawner.environment, "EXPLORER_SCENARIOS_DIR": str(scenarios)}


c.Spawner.pre_spawn_hook = copy_project

# -- culling idle servers ------------------------------------------------------------------
# A server (and its kernels) idle for CULL_TIMEOUT seconds is stopped; --cull-users=true also
# removes the user (with the tmp authenticator nobody can log in as that name again; their
# folder stays under $EXPLORER_HUB_WORKDIR/homes). With a real authenticator drop --cull-users.
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [str(BIN / "python"), "-m", "jupyterhub_idle_culler",
                f"--timeout={CULL_TIMEOUT}", f"--cull-every={CULL_EVERY}", "--cull-users=true"],
}]
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers", "admin:users"],
    "services": ["idle-culler"],
}]
