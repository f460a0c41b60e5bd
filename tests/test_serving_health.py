"""A real Voila with the repository's settings: the health endpoint, a base URL, a kernel that dies.

* ``GET <base>healthz`` answers 200 while a new viewer would be let in, 503 when full, and
  starts no kernel (explorer.app.serving.health);
* everything (page, websocket, session status, health) moves under ``--Voila.base_url``;
* a page whose kernel died (killed from outside) is told so, with the reason, by the session
  endpoint its notice polls (explorer.app.serving.session), and the kernel is not restarted
  behind its back.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import time
import urllib.error
import urllib.request
from pathlib import Path

from explorer.app.serving.health import health
from tests.browser_support import kernel_pids, serve_voila
from tests.kernel_client import KernelClient, open_page

DASHBOARD = "notebooks/dashboard.ipynb"


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        body = error.read()
        return error.code, (json.loads(body) if error.headers.get_content_type() == "application/json" else {})


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, f"{what} within {timeout:.0f} s"
        time.sleep(0.2)
    return value


class Manager:
    """A stand-in kernel manager: ``kernels`` running, cap ``max_kernels``, memory ok or not."""

    def __init__(self, kernels: int, max_kernels: int, memory_ok: bool = True):
        self.kernels, self.max_kernels, self.memory_ok = kernels, max_kernels, memory_ok

    def load(self):
        return type("Load", (), {"total": self.kernels})()

    def accepting(self) -> bool:
        return (self.max_kernels <= 0 or self.kernels < self.max_kernels) and self.memory_ok


def test_health_is_503_exactly_when_a_viewer_would_be_refused():
    assert health(Manager(1, 2)) == (200, {"accepting": True, "kernels": 1, "max_kernels": 2, "memory_ok": True})
    assert health(Manager(2, 2))[0] == 503
    assert health(Manager(1, 2, memory_ok=False)) == (503, {"accepting": False, "kernels": 1, "max_kernels": 2,
                                                           "memory_ok": False})
    assert health(Manager(500, 0))[0] == 200  # no cap


def test_healthz_follows_the_load_and_costs_no_kernel():
    with serve_voila(DASHBOARD, ["--CapacityKernelManager.max_kernels=2"]) as server:
        server.wait_for_pool()
        status, body = get_json(server.url + "healthz")
        assert (status, body) == (200, {"accepting": True, "kernels": 1, "max_kernels": 2, "memory_ok": True})
        for _ in range(20):  # probes start no kernel
            get_json(server.url + "healthz")
        assert len(kernel_pids(server)) == 1
        kernel_id, cookie = open_page(server.url)  # the pooled kernel; the pool refills: full
        status, body = wait_for(lambda: (answer := get_json(server.url + "healthz"))[0] == 503 and answer,
                                60, "healthz did not say full")
        assert body == {"accepting": False, "kernels": 2, "max_kernels": 2, "memory_ok": True}
        try:
            urllib.request.urlopen(server.url, timeout=30)
            raise AssertionError("a full server let a new viewer in")
        except urllib.error.HTTPError as error:
            assert error.code == 503  # the same verdict as the page's gate
            refused = error.read().decode()
        with KernelClient(server.url, kernel_id, cookie) as page:  # the open page is served all along
            assert page.kernel_answers()
        # The viewer turned away gets the default scenario's briefing: made once (in a child process), cached
        assert '<a href="/briefing.html">' in refused
        seed = Path("data/scenarios/russia_ukraine_talks.yaml")
        with urllib.request.urlopen(server.url + "briefing.html", timeout=300) as response:
            first = response.read()
            assert response.status == 200 and response.headers.get_content_type() == "text/html"
            assert 'filename="briefing-russia_ukraine_talks.html"' in response.headers["Content-Disposition"]
        assert hashlib.sha256(seed.read_bytes()).hexdigest().encode() in first
        assert len(kernel_pids(server)) == 2  # made by no kernel
        with urllib.request.urlopen(server.url + "briefing.html", timeout=30) as response:
            assert response.read() == first
        assert server.log().count("briefing: made for russia_ukraine_talks.yaml") == 1


def test_everything_moves_under_the_base_url():
    with serve_voila(DASHBOARD, ["--Voila.base_url=/room/a/"]) as server:
        base = server.url + "room/a/"
        assert get_json(base + "healthz")[0] == 200
        assert get_json(server.url + "healthz")[0] == 404
        with KernelClient.for_new_page(base) as page:
            assert page.kernel_answers()
            assert any("active" in s and "groups" in s for s in page.widget_states().values())  # the dashboard drew
            assert get_json(f"{base}explorer/session/{page.kernel_id}") == (200, {"state": "running"})


def test_a_page_whose_kernel_died_is_told_why_and_the_kernel_is_not_restarted():
    with serve_voila(DASHBOARD, ["--VoilaConfiguration.preheat_kernel=False"]) as server:
        with KernelClient.for_new_page(server.url) as page:
            assert page.kernel_answers()
            (pid,) = kernel_pids(server)
            os.kill(pid, signal.SIGKILL)
            status = wait_for(lambda: (answer := get_json(f"{server.url}explorer/session/{page.kernel_id}")[1])
                              ["state"] != "running" and answer, 30, "the session endpoint did not see the death")
        assert status["state"] == "stopped" and status["reason"] == "died"
        assert "stopped unexpectedly" in status["message"] and "Reload the page" in status["message"]
        time.sleep(4)  # jupyter_client's restarter would have started it again by now (autorestart off)
        assert kernel_pids(server) == set()
        assert get_json(server.url + "healthz")[1]["kernels"] == 0
        assert "ended by itself: removing it" in server.log()
