"""Never a blank page: pages opened while CPU hogs hold every core draw, or say to reload.

Voila runs the notebook with nbclient, which waits ``iopub_timeout`` seconds (4 by default)
for a cell's output after the kernel's reply; a starved kernel's output came later, was
dropped, and the page stayed blank for good (issue 16: 18 of 20 pages). The packaged
``voila.json`` waits 120 s (``VoilaExecutor.iopub_timeout``) and, past that, raises
(``raise_on_iopub_timeout``), which Voila shows as a message asking to reload
(``cell_timeout_instruction``). Here: real starvation (busy processes on every core, started
before Voila and its kernels), then the timeout path forced (a 0 s wait).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from explorer.app.serving.launch import SETTINGS
from explorer.app.serving.pages import CAPACITY_MESSAGE
from tests.browser_support import serve_voila

pytestmark = pytest.mark.alone  # load, memory or timing bounds: run with the machine to itself

DASHBOARD = "notebooks/dashboard.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
TOO_BUSY = json.loads(SETTINGS.read_text())["VoilaExecutor"]["cell_timeout_instruction"]
PAGES = 4


@contextlib.contextmanager
def cpu_hogs(count: int):
    """``count`` processes spinning in Python, at the same priority as Voila and its kernels."""
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]
    try:
        yield hogs
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


def page_outcome(url: str) -> str:
    """What a viewer got: the dashboard, the capacity page, the 'too busy' message, or blank."""
    try:
        with urllib.request.urlopen(url, timeout=300) as response:
            html = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        html = error.read().decode("utf-8", "replace")
        return "capacity" if error.code == 503 and CAPACITY_MESSAGE in html else f"HTTP {error.code}"
    if WIDGET_VIEW in html:
        return "dashboard"
    return "too busy" if TOO_BUSY in html else "blank"


def test_the_packaged_settings_wait_for_output_and_then_say_so():
    executor = json.loads(SETTINGS.read_text())["VoilaExecutor"]
    assert executor["iopub_timeout"] >= 60 and executor["raise_on_iopub_timeout"] is True
    assert "reload" in executor["cell_timeout_instruction"].lower()


def test_pages_opened_while_hogs_hold_every_core_all_draw():
    with cpu_hogs(2 * (os.cpu_count() or 2)):
        with serve_voila(DASHBOARD, timeout=120) as server:
            with ThreadPoolExecutor(PAGES) as pool:
                outcomes = list(pool.map(page_outcome, [server.url] * PAGES))
            assert outcomes == ["dashboard"] * PAGES, server.log()[-3000:]
            assert "Timeout waiting for IOPub output" not in server.log()


def test_output_that_never_comes_gives_the_reload_message_not_a_blank_page():
    with serve_voila(DASHBOARD, ["--VoilaConfiguration.preheat_kernel=False", "--VoilaExecutor.iopub_timeout=0"]) as server:
        assert page_outcome(server.url) == "too busy"
