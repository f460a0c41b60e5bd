"""A class on JupyterHub, with the real parts: deploy/jupyterhub/jupyterhub_config.py smoke-tested.

The hub is jupyterhub 6.1.1 with jupyterhub-tmpauthenticator 1.0.0, the ``simple`` local-process
spawner, jupyterhub-idle-culler 2.0.0 as a service, and configurable-http-proxy 5.3.0 from npm,
found on ``$PATH``, at ``$EXPLORER_HUB_CHP`` or in ``.venv/chp`` — installed there by::

    npm install --prefix .venv/chp configurable-http-proxy@5.3.0

Without it (or without the Python packages) the tests FAIL with that command: they never skip.

What is checked, over HTTP as a browser does it (cookies, the hub's OAuth redirects, the
``_xsrf`` cookie sent back as ``X-XSRFToken``):

* two students log in through ``/hub/tmplogin`` and each gets a server of their own: two
  processes, two ports, two home folders holding copies of the notebooks and scenarios, and
  ``/user/<name>/`` opens JupyterLab at ``lab/tree/notebooks``;
* neither reaches the other's server (the hub's OAuth answers 403; the API answers 403);
* ``notebooks/analyst-walkthrough.ipynb`` runs in a student's server: a session made through
  ``/user/<name>/api/sessions`` (as JupyterLab makes it), every code cell sent over the kernel's
  websocket, no error, the cells nbval checks give the outputs in tests/notebook_outputs/, and
  the exports land in the student's own home;
* the dashboard renders at ``/user/<name>/voila/render/notebooks/dashboard.ipynb``: the page's
  output is the dashboard's widget view, and its kernel holds the dashboard's widgets;
* a student's server runs any code a student sends (``/user/<name>/api/kernels``, and the
  Voila page's kernel too: the server extension filters nothing) — which is why stakeholders
  are never given a server, but the standalone Voila (``explorer dashboard``), which answers
  403 on ``/api/kernels`` and ``/api/contents`` (checked here: no other test asserts it);
* the idle culler stops an idle server and removes its temporary user;
* stopping the hub stops every process it started (proxy, culler, servers, kernels).

Every process started here is stopped at the end (the hub, and whatever it left behind is
killed). 72–98 s on 2 cores shared with other test runs (pytest's own start aside): the hub
and two servers ~10–24 s, the analyst notebook ~8–17 s, the culling test's second hub
~19–37 s, the hub's stop with a kernel started for it ~10–19 s.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from explorer.app.serving import descendants
from tests.browser_support import ROOT, free_port, serve_voila
from tests.kernel_client import KernelClient

CONFIG = ROOT / "deploy" / "jupyterhub" / "jupyterhub_config.py"
BIN = Path(sys.executable).parent
CHP_INSTALL = "npm install --prefix .venv/chp configurable-http-proxy@5.3.0"
PIP_INSTALL = ("pip install -c constraints.txt jupyterhub==6.1.1 jupyterhub-tmpauthenticator==1.0.0 "
               "jupyterhub-idle-culler==2.0.0")
ANALYST = "notebooks/analyst-walkthrough.ipynb"
DASHBOARD = "notebooks/dashboard.ipynb"
EXPECTED = ROOT / "tests" / "notebook_outputs" / "analyst-walkthrough.json"
WIDGET_VIEW = re.compile(r'"application/vnd\.jupyter\.widget-view\+json":\s*\{"model_id":\s*"([0-9a-f]{32})"')
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')
START_TIMEOUT = 120  # s: a hub, or a server, starting on a busy 2-core machine
CELL_TIMEOUT = 300


# -- the parts -----------------------------------------------------------------------------
def find_chp() -> str:
    """configurable-http-proxy as the config finds it; FAIL (never skip) with the install command."""
    configured = os.environ.get("EXPLORER_HUB_CHP")
    for candidate in ([configured] if configured else
                      [shutil.which("configurable-http-proxy"),
                       str(ROOT / ".venv" / "chp" / "node_modules" / ".bin" / "configurable-http-proxy")]):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    pytest.fail(f"configurable-http-proxy not found (PATH, .venv/chp, $EXPLORER_HUB_CHP): install it with "
                f"`{CHP_INSTALL}` from the project root", pytrace=False)


def check_parts() -> None:
    missing = [name for name in ("jupyterhub", "tmpauthenticator", "jupyterhub_idle_culler")
               if not _importable(name)]
    if missing or not (BIN / "jupyterhub").exists():
        pytest.fail(f"JupyterHub's Python parts are missing ({', '.join(missing) or 'bin/jupyterhub'}): "
                    f"`{PIP_INSTALL}`", pytrace=False)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _started(pid: int) -> int | None:
    """A live process's start time (clock ticks after boot), None if it is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return None if fields[0] == "Z" else int(fields[19])


def _alive(pid: int, started: int | None = None) -> bool:
    """Whether ``pid`` runs (and is the process that started at ``started``, not a reuse of its number)."""
    now = _started(pid)
    return now is not None and (started is None or now == started)


def _environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode(errors="replace").split("\0") if "=" in item)


def _cmdline(pid: int) -> str:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    return ""


@dataclass
class Hub:
    """A running hub: its public URL, process, folder (database, homes) and log."""

    url: str
    process: subprocess.Popen
    workdir: Path
    log_path: Path
    seen: dict[int, int] = field(default_factory=dict)  #: {pid: start time} of every process of its family seen
    served: dict[str, int] = field(default_factory=dict)  #: {user: pid} of every single-user server seen

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def family(self) -> set[int]:
        """The hub and every process under it (proxy, culler, servers, their kernels), noted in ``seen``."""
        if self.process.poll() is not None:
            return set()
        now = descendants(self.process.pid)
        if (started := _started(self.process.pid)) is not None:
            now[self.process.pid] = started
        self.seen.update(now)
        return set(now)

    def servers(self) -> dict[str, int]:
        """{user name: pid} of the running single-user servers."""
        found = {}
        for pid in self.family():
            if "jupyterhub-singleuser" in _cmdline(pid):
                with contextlib.suppress(OSError):
                    found[_environ(pid)["JUPYTERHUB_USER"]] = pid
        self.served.update(found)
        return found

    def stop(self, timeout: float = 60.0) -> set[int]:
        """SIGTERM the hub (it stops its services, servers and proxy); the pids still alive after ``timeout``."""
        self.family()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout)
        deadline = time.monotonic() + 10
        while (left := {pid for pid, started in self.seen.items() if _alive(pid, started)}) and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        return left


@contextlib.contextmanager
def running_hub(**settings: str):
    """Start deploy/jupyterhub/jupyterhub_config.py on free ports in a fresh folder; stop it and all it started."""
    check_parts()
    chp = find_chp()
    workdir = Path(tempfile.mkdtemp(prefix="explorer-hub-test-"))
    port = free_port()
    env = {**os.environ, "EXPLORER_HUB_CHP": chp, "EXPLORER_HUB_IP": "127.0.0.1", "EXPLORER_HUB_PORT": str(port),
           "EXPLORER_HUB_API_PORT": str(free_port()), "EXPLORER_HUB_HUB_PORT": str(free_port()),
           "EXPLORER_HUB_WORKDIR": str(workdir), **settings}
    log_path = workdir / "hub.log"
    with open(log_path, "wb") as log:
        # A session of its own, and SIGINT at its default: run from a non-interactive shell's
        # background job, SIGINT is ignored and the children would inherit that, so the hub's
        # SIGINT to the culler and the servers at shutdown would only land 10 s later as SIGTERM.
        process = subprocess.Popen([str(BIN / "jupyterhub"), "-f", str(CONFIG)], cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    hub = Hub(f"http://127.0.0.1:{port}/", process, workdir, log_path)
    failed = True
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "JupyterHub is now running at" not in hub.log():
            assert process.poll() is None, f"the hub exited with code {process.returncode}:\n{hub.log()[-4000:]}"
            assert time.monotonic() < deadline, f"the hub did not start in {START_TIMEOUT} s:\n{hub.log()[-4000:]}"
            time.sleep(0.2)
        yield hub
        failed = False
    finally:
        left = hub.stop()
        for pid in left:  # what the hub did not stop: killed, so no test leaves a process behind
            if _alive(pid, hub.seen[pid]):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        if failed or left:
            print(f"----- hub log -----\n{hub.log()[-20000:]}\n----- end of hub log -----", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)


# -- a student with a browser's cookies ----------------------------------------------------
class Student:
    """A browser: a cookie jar, the hub's OAuth redirects followed, ``_xsrf`` sent back on writes."""

    def __init__(self, hub: Hub):
        import requests

        self.hub = hub
        self.http = requests.Session()
        self.name = ""

    @property
    def base(self) -> str:
        return f"{self.hub.url}user/{self.name}/"

    def get(self, url: str, **kwargs):
        return self.http.get(url, timeout=kwargs.pop("timeout", 60), **kwargs)

    def login(self) -> str:
        """``/hub/tmplogin`` makes a new user and sets the hub's login cookie; returns the user's name."""
        answer = self.get(self.hub.url + "hub/tmplogin", allow_redirects=False)
        assert answer.status_code == 302, (answer.status_code, answer.text[:500])  # 500: allow_all is missing
        me = self.get(self.hub.url + "hub/api/user")
        assert me.status_code == 200, (me.status_code, me.text[:500])
        self.name = me.json()["name"]
        return self.name

    def spawn(self) -> None:
        """What the hub's home page does: ask for the server (the hub answers at once, the server comes later)."""
        answer = self.get(f"{self.hub.url}hub/spawn/{self.name}", allow_redirects=False)
        assert answer.status_code == 302, (answer.status_code, answer.text[:500])

    def wait_until_ready(self, timeout: float = START_TIMEOUT) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            server = self.get(self.hub.url + "hub/api/user").json()["servers"].get("")
            if server and server["ready"]:
                return server
            assert server is not None, f"{self.name}'s server stopped while starting:\n{self.hub.log()[-4000:]}"
            assert time.monotonic() < deadline, f"{self.name}'s server not ready in {timeout:.0f} s"
            time.sleep(0.25)

    def open_lab(self):
        """``/user/<name>/``: the server's default URL, through the hub's OAuth (which sets the server's cookie)."""
        return self.get(self.base)

    def xsrf(self) -> str:
        return next(c.value for c in self.http.cookies if c.name == "_xsrf" and c.path == f"/user/{self.name}/")

    def write(self, method: str, path: str, body: dict | None = None):
        """POST/DELETE on the student's server API with the server's ``_xsrf`` (as JupyterLab sends it)."""
        return self.http.request(method, self.base + path, json=body, headers={"X-XSRFToken": self.xsrf()},
                                 timeout=60)

    def cookie_header(self) -> str:
        """The cookies a browser sends to this student's server (for the kernel websocket)."""
        return "; ".join(f"{c.name}={c.value}" for c in self.http.cookies
                         if f"/user/{self.name}/".startswith(c.path.rstrip("/") + "/"))

    def kernel(self, kernel_id: str) -> KernelClient:
        return KernelClient(self.base, kernel_id, cookie=self.cookie_header(), timeout=60)


def execute(client, code: str, timeout: float = CELL_TIMEOUT) -> tuple[str, str, list[dict], list[str]]:
    """Run ``code`` in a kernel: (reply status, stdout, errors, MIME types of the rich outputs).

    Errors are the kernel's ``error`` outputs and any traceback written to stderr."""
    msg_id = client.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                             "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
    reply = idle = None
    stdout, errors, rich = [], [], []
    deadline = time.monotonic() + timeout
    while reply is None or idle is None:
        left = deadline - time.monotonic()
        assert left > 0, f"no answer in {timeout:.0f} s to:\n{code[:300]}"
        message = client.receive(left)
        if message is None or message.parent_id != msg_id:
            continue
        kind = message.msg_type
        if kind == "execute_reply":
            reply = message.content
        elif kind == "status" and message.content.get("execution_state") == "idle":
            idle = message
        elif kind == "error":
            errors.append(message.content)
        elif kind == "stream" and message.content.get("name") == "stdout":
            stdout.append(message.content["text"])
        elif kind == "stream" and "Traceback" in message.content.get("text", ""):
            errors.append({"stderr": message.content["text"]})
        elif kind in ("execute_result", "display_data"):
            rich.extend(message.content["data"])
    return reply["status"], "".join(stdout), errors, rich


# -- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hub():
    with running_hub() as started:
        yield started


@pytest.fixture(scope="module")
def students(hub):
    """Two students logged in, each with a ready server (asked for together, as a class does)."""
    pair = [Student(hub), Student(hub)]
    for student in pair:
        student.login()
        student.spawn()
    for student in pair:
        student.wait_until_ready()
        opened = student.open_lab()
        assert opened.status_code == 200, (opened.status_code, opened.url, opened.text[:500])
    yield pair
    for student in pair:
        student.http.close()


# -- the class ------------------------------------------------------------------------------
def test_each_student_gets_a_server_of_their_own(hub, students):
    a, b = students
    assert a.name != b.name
    servers = hub.servers()
    assert set(servers) == {a.name, b.name}
    assert servers[a.name] != servers[b.name]  # two processes
    urls = {name: _environ(pid)["JUPYTERHUB_SERVICE_URL"] for name, pid in servers.items()}
    assert len({re.search(r":(\d+)/", url).group(1) for url in urls.values()}) == 2  # two ports
    for student in students:
        pid = servers[student.name]
        home = hub.workdir / "homes" / student.name
        assert Path(os.readlink(f"/proc/{pid}/cwd")) == home  # started in its own home
        assert _environ(pid)["EXPLORER_SCENARIOS_DIR"] == str(home / "data" / "scenarios")
        assert sorted(p.name for p in (home / "notebooks").glob("*.ipynb")) == sorted(
            p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
        assert not (home / "notebooks" / "dashboard.ipynb").is_symlink()  # a copy, not a link into the package
        assert sorted(p.name for p in (home / "data" / "scenarios").iterdir()) == sorted(
            p.name for p in (ROOT / "data" / "scenarios").iterdir())
        opened = student.open_lab()  # the default URL: JupyterLab at the notebooks
        assert opened.url == f"{student.base}lab/tree/notebooks", opened.url
        assert "jupyter-config-data" in opened.text
        listing = student.get(student.base + "api/contents/notebooks")
        assert listing.status_code == 200
        assert {"analyst-walkthrough.ipynb", "dashboard.ipynb"} <= {item["name"] for item in listing.json()["content"]}


def test_a_student_cannot_reach_another_students_server(hub, students):
    a, b = students
    page = b.get(a.base + "lab/tree/notebooks")  # B's browser, A's server: the hub's OAuth says no
    assert page.status_code == 403, (page.status_code, page.url)
    assert page.url.startswith(hub.url + "hub/api/oauth2/authorize"), page.url
    for path in ("api/kernels", "api/contents/notebooks", "api/sessions"):
        assert b.get(a.base + path).status_code == 403, path
    import requests

    nobody = requests.get(a.base + "api/kernels", timeout=60)  # no cookie at all
    assert nobody.status_code == 403
    redirected = requests.get(a.base + "lab", timeout=60, allow_redirects=False)
    assert redirected.status_code == 302 and "/hub/api/oauth2/authorize" in redirected.headers["Location"]
    import websocket

    kernel_id = a.write("POST", "api/kernels", {"name": "python3"}).json()["id"]
    try:  # A's kernel: A's cookies open its websocket, B's (all of them, even B's server cookie) do not
        a.kernel(kernel_id).close()
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            KernelClient(a.base, kernel_id, cookie=b.cookie_header(), timeout=30)
        assert refused.value.status_code == 403
    finally:
        assert a.write("DELETE", f"api/kernels/{kernel_id}").status_code == 204


def test_the_analyst_notebook_runs_in_a_students_server(hub, students):
    a, _ = students
    home = hub.workdir / "homes" / a.name
    session = a.write("POST", "api/sessions", {"path": ANALYST, "type": "notebook", "name": "",
                                               "kernel": {"name": "python3"}})
    assert session.status_code == 201, (session.status_code, session.text[:500])
    session = session.json()
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    notebook = nbformat.read(ROOT / ANALYST, as_version=4)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    checked = 0
    try:
        with a.kernel(session["kernel"]["id"]) as kernel:
            assert kernel.kernel_answers(60)
            for cell in cells:
                status, stdout, errors, rich = execute(kernel, cell.source)
                assert (status, errors) == ("ok", []), f"cell {cell.id} failed: {errors}"
                assert stdout or rich, f"cell {cell.id} showed nothing"
                if cell.id in expected:
                    assert stdout == expected[cell.id], f"cell {cell.id}"
                    checked += 1
            status, stdout, _, _ = execute(kernel, "import os; print(os.getcwd())")
            assert stdout.strip() == str(home / "notebooks")  # the kernel runs in the student's copy
    finally:
        assert a.write("DELETE", f"api/sessions/{session['id']}").status_code == 204
    assert checked == len(expected) >= 5
    exports = home / "notebooks" / "exports" / "seed-deal"
    assert (exports / "issues.csv").is_file() and (exports / "what-changed.html").is_file()
    assert not (hub.workdir / "homes" / students[1].name / "notebooks" / "exports").exists()
    assert session["kernel"]["id"] not in {k["id"] for k in a.get(a.base + "api/kernels").json()}


def test_the_dashboard_renders_in_a_students_server(hub, students):
    _, b = students
    page = b.get(b.base + "voila/render/" + DASHBOARD, timeout=CELL_TIMEOUT)
    assert page.status_code == 200, (page.status_code, page.text[:500])
    html = page.text
    assert html.rstrip().endswith("</html>") and "Cell execution timed out" not in html
    view = WIDGET_VIEW.search(html)
    assert view, "the page has no widget view: the dashboard did not render"
    output = html[html.rfind("<script", 0, view.start()):html.find("</script>", view.end())]
    assert "explorer-dashboard" in output and '"output_type": "error"' not in html
    kernel_id = KERNEL_ID.search(html).group(1)
    try:
        with b.kernel(kernel_id) as kernel:
            states = kernel.all_widget_states()
            assert view.group(1) in states  # the page's view is a live widget of this kernel
            assert any("active" in s and "groups" in s for s in states.values())  # the concession list
            # The server extension's Voila lets the page's kernel run code (standalone Voila does not):
            status, stdout, _, _ = execute(kernel, "from explorer.app.paths import scenario_dir; print(scenario_dir())")
            assert (status, stdout.strip()) == ("ok", str(hub.workdir / "homes" / b.name / "data" / "scenarios"))
    finally:
        assert b.write("DELETE", f"api/kernels/{kernel_id}").status_code == 204


def test_a_students_server_runs_any_code_through_api_kernels(students):
    """Why stakeholders never get a Jupyter server: whoever holds one runs code on the machine."""
    a, _ = students
    assert a.get(a.base + "api/kernels").status_code == 200
    started = a.write("POST", "api/kernels", {"name": "python3"})
    assert started.status_code == 201, (started.status_code, started.text[:300])
    kernel_id = started.json()["id"]
    try:
        with a.kernel(kernel_id) as kernel:
            assert execute(kernel, "import os; print(os.getpid() > 0, 6 * 7)")[:2] == ("ok", "True 42\n")
    finally:
        assert a.write("DELETE", f"api/kernels/{kernel_id}").status_code == 204


def test_standalone_voila_refuses_the_jupyter_api():
    """What stakeholders get instead: ``voila notebooks/dashboard.ipynb`` with the repository's voila.json."""

    def status(url: str) -> int:
        try:
            with urllib.request.urlopen(url, timeout=60) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    with serve_voila(DASHBOARD) as server:
        for path in ("api/kernels", "api/contents", "api/contents/notebooks", "api/sessions"):
            assert status(server.url + path) == 403, path


def test_idle_servers_are_culled():
    """jupyterhub-idle-culler as the config runs it, with a timeout of seconds instead of an hour."""
    with running_hub(EXPLORER_HUB_CULL_TIMEOUT="5", EXPLORER_HUB_CULL_EVERY="1", EXPLORER_HUB_ACTIVITY="2") as hub:
        student = Student(hub)
        name = student.login()
        student.spawn()  # then nothing: the server comes up, is idle, and goes
        deadline = time.monotonic() + START_TIMEOUT
        while f"Culling user {name}" not in hub.log():  # the culler only looks at servers that are ready
            assert time.monotonic() < deadline, f"not culled in {START_TIMEOUT} s:\n{hub.log()[-4000:]}"
            hub.servers()  # notes the server's process while it runs
            time.sleep(0.25)
        assert f"Culling server {name}" in hub.log()
        assert name in hub.served  # it did run...
        deadline = time.monotonic() + 30
        while hub.servers():  # ...and is gone, with its process
            assert time.monotonic() < deadline, "the culled server's process is still running"
            time.sleep(0.25)
        assert student.get(hub.url + "hub/api/user").status_code == 403  # the user is gone (--cull-users=true)
        student.http.close()


def test_stopping_the_hub_stops_every_process(hub, students):
    """Last: the proxy, the culler, both servers and their kernels go with the hub (cleanup_servers)."""
    a, _ = students
    kernel_id = a.write("POST", "api/kernels", {"name": "python3"}).json()["id"]
    with a.kernel(kernel_id) as kernel:  # a kernel left running, as students leave them
        assert kernel.kernel_answers(60)
    family = hub.family()
    assert len(hub.servers()) == 2 and any("configurable-http-proxy" in _cmdline(p) for p in family)
    assert any("ipykernel" in _cmdline(p) for p in family)
    assert hub.stop() == set(), "processes the hub left behind"
