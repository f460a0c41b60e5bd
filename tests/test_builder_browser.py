"""The scenario builder in a real JupyterLab, driven by headless Chromium at 1024×768.

A new user's path: create a two-party, one-issue scenario with a concession, meet the
"Save" with problems (it opens the tab of the first one and focuses its field), save, and
find the scenario in the dashboard's picker (Voila serving notebooks/dashboard.ipynb).

JupyterLab runs token-less on a free loopback port, with its root, config, runtime and
workspace folders in a temp folder (the builder notebook is copied there, so the project's
notebook is never autosaved with outputs), and ``EXPLORER_SCENARIOS_DIR`` pointing at a temp
scenario folder (drafts go beside it, in ``drafts/``). Needs Debian's Chromium (see
tests/browser_support.py); the ``browser`` fixture skips without it (fails under ``$CI``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.browser_support import ROOT, _stop, _wait_for_port, free_port, open_page, serve_voila
from tests.dashboard_page import JS_TRUNCATED_IN

pytestmark = pytest.mark.browser

NOTEBOOK = ROOT / "notebooks" / "scenario-builder.ipynb"
VIEWPORT = {"width": 1024, "height": 768}
TIMEOUT = 90_000  # ms

#: () => texts in the builder cut short (ellipsis or hidden overflow), and selects whose option does not fit.
JS_TRUNCATED = f"() => ({JS_TRUNCATED_IN})('.scenario-builder')"


#: () => the open notebook's kernel is connected and idle (the status bar says "idle" before that).
JS_KERNEL_READY = """() => {
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.connectionStatus === 'connected' && kernel.status === 'idle';
}"""


def _jupyter() -> Path:
    beside = Path(sys.executable).with_name("jupyter")
    return beside if beside.exists() else ROOT / ".venv" / "bin" / "jupyter"


@pytest.fixture(scope="module")
def place(tmp_path_factory):
    """A temp root for JupyterLab (the notebook copied in) and an empty scenario folder."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)
    (root / "scenarios").mkdir()
    return root


@pytest.fixture(scope="module")
def lab(browser, place):
    """A token-less JupyterLab on a free port, serving ``place``; yields its base URL."""
    port = free_port()
    home = place / ".jupyter-home"
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)  # no "get notified about Jupyter news?" toast over the builder
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    env = {**os.environ, "EXPLORER_SCENARIOS_DIR": str(place / "scenarios"),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTER_PLATFORM_DIRS": "1"}
    command = [str(_jupyter()), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
               "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.disable_check_xsrf=True",
               f"--ServerApp.root_dir={place}", f"--LabApp.workspaces_dir={home / 'workspaces'}",
               f"--LabApp.user_settings_dir={home / 'settings'}",
               "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None",
               "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
               "--MappingKernelManager.cull_idle_timeout=120", "--MappingKernelManager.cull_interval=30",
               "--LabApp.extension_manager=readonly", "--allow-root"]
    log = tempfile.NamedTemporaryFile("w+b", prefix="lab-", suffix=".log", delete=False)
    process = subprocess.Popen(command, cwd=place, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    log.close()
    failed = True
    try:
        _wait_for_port(port, process, 60)
        yield f"http://127.0.0.1:{port}/"
        failed = False
    finally:
        _stop(process)
        if failed:
            print(Path(log.name).read_text(errors="replace"), file=sys.stderr)
        Path(log.name).unlink(missing_ok=True)


def field(page, path: str):
    """The input (``input``/``select``) of the builder field with hook class ``field-<path>``."""
    return page.locator(f".scenario-builder .field-{path}").locator("input, select").first


def fill(page, path: str, value: str) -> None:
    box = field(page, path)
    box.fill(value)
    box.press("Tab")  # the value is synced on input; Tab only leaves the field as a person would


def choose(page, path: str, value: str) -> None:
    field(page, path).select_option(value=value)


def wait_kernel(page, predicate: str, timeout: float = 15_000) -> None:
    page.wait_for_function(predicate, timeout=timeout)


def current_tab(page) -> str:
    return page.locator(".scenario-builder .widget-tab .lm-TabBar-tab.lm-mod-current").inner_text().strip()


def click_button(page, text: str) -> None:
    page.locator(".scenario-builder button", has_text=text).first.click()


def no_truncation(page) -> None:
    assert page.evaluate(JS_TRUNCATED) == []


JS_CURRENT_TAB_IS = """(n) => {
  const tab = document.querySelector('.scenario-builder .lm-TabBar-tab.lm-mod-current');
  return !!tab && tab.innerText.startsWith(n);
}"""


def tab(page, name: str) -> None:
    page.locator(".scenario-builder .widget-tab .lm-TabBar-tab", has_text=name).click()
    page.wait_for_function(JS_CURRENT_TAB_IS, arg=name)


def wait_on_tab(page, name: str) -> None:
    """The tab being edited stays open: the fields are rebuilt in a new Tab, so this waits for it to
    be drawn on ``name`` (and fails, by timeout, if another tab comes up)."""
    page.wait_for_function(JS_CURRENT_TAB_IS, arg=name, timeout=15_000)


def test_build_save_and_find_in_the_dashboard(lab, place, browser):
    watched = open_page(browser, VIEWPORT)
    page = watched.page
    timings = {}
    try:
        start = time.monotonic()
        page.goto(lab + "lab/tree/" + NOTEBOOK.name, timeout=TIMEOUT)
        page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=TIMEOUT)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=TIMEOUT)
        page.wait_for_function(JS_KERNEL_READY, timeout=TIMEOUT)
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_selector(".scenario-builder .field-id input", timeout=TIMEOUT)
        timings["lab + builder shown"] = time.monotonic() - start
        no_truncation(page)

        fill(page, "id", "strike-talks")
        fill(page, "title", "Strike talks")
        tab(page, "Parties")
        for k, (pid, name) in enumerate([("union", "Union"), ("firm", "Firm")]):
            click_button(page, "Add party")
            field(page, f"parties-{k}-id").wait_for(timeout=15_000)
            wait_on_tab(page, "Parties")
            fill(page, f"parties-{k}-id", pid)
            fill(page, f"parties-{k}-name", name)
        tab(page, "Issues")
        click_button(page, "Add issue")
        for name, value in (("id", "wage"), ("name", "Wage rise"), ("low", "none"), ("high", "10%")):
            fill(page, f"issues-0-{name}", value)
        tab(page, "Stances")
        for k, (pid, position) in enumerate([("union", "80"), ("firm", "20")]):
            click_button(page, "Add stance")
            field(page, f"stances-{k}-party").wait_for(timeout=15_000)
            wait_on_tab(page, "Stances")
            # the references offer the ids that exist
            options = field(page, f"stances-{k}-party").locator("option").all_inner_texts()
            assert [o.strip() for o in options][1:] == ["union", "firm"]
            choose(page, f"stances-{k}-party", pid)
            choose(page, f"stances-{k}-issue", "wage")
            fill(page, f"stances-{k}-position", position)
        fill(page, "stances-0-note", "the union's opening demand")
        no_truncation(page)

        # Save with a problem left (stance 2 has no note): its tab opens and its field has the focus.
        tab(page, "Sources")
        click_button(page, "Save")
        page.wait_for_function("() => document.querySelector('.scenario-builder .builder-status').innerText"
                               ".includes('Not saved')", timeout=15_000)
        page.wait_for_function(
            "() => document.activeElement && document.activeElement.closest('.field-stances-1-note') !== null",
            timeout=15_000)
        assert current_tab(page) == "Stances (1)"
        page.keyboard.type("the firm's offer")
        page.wait_for_function(
            "() => document.querySelector('.scenario-builder .lm-TabBar-tab.lm-mod-current').innerText.trim()"
            " === 'Stances'", timeout=15_000)

        tab(page, "Concessions")
        click_button(page, "Add concession")
        for name, value in (("id", "firm-meets-halfway"), ("title", "The firm meets the union halfway"),
                            ("note", "a guess")):
            fill(page, f"concessions-0-{name}", value)
        choose(page, "concessions-0-party", "firm")
        choose(page, "concessions-0-changes-0-issue", "wage")
        fill(page, "concessions-0-changes-0-position", "50")
        no_truncation(page)

        page.screenshot(path=str(place / "builder-1024.png"))  # kept in the temp folder, for a look when it fails
        click_button(page, "Save")
        page.wait_for_function("() => document.querySelector('.scenario-builder .builder-status').innerText"
                               ".includes('Saved strike-talks.yaml')", timeout=15_000)
        saved = place / "scenarios" / "strike-talks.yaml"
        text = saved.read_text(encoding="utf-8")
        assert "firm-meets-halfway" in text and "note: ''" not in text and "50.0" not in text
        assert not list((place / "drafts").glob("*.json"))  # the draft is discarded once saved
        timings["whole session"] = time.monotonic() - start
        assert watched.errors == []
    finally:
        watched.context.close()

    # The dashboard (Voila, as viewers get it) lists the new scenario in its picker.
    start = time.monotonic()
    with serve_voila("notebooks/dashboard.ipynb", ("--VoilaConfiguration.preheat_kernel=False",),
                     env={"EXPLORER_SCENARIOS_DIR": str(place / "scenarios")}) as server:
        viewer = open_page(browser, VIEWPORT)
        try:
            viewer.page.goto(server.url, timeout=TIMEOUT)
            viewer.page.wait_for_selector(".scenario-picker select", timeout=TIMEOUT)
            options = [o.replace("\xa0", " ") for o in viewer.page.locator(".scenario-picker select option").all_inner_texts()]
            assert any("Strike talks" in o and "strike-talks.yaml" in o for o in options), options
        finally:
            viewer.context.close()
    timings["dashboard picker"] = time.monotonic() - start
    print("timings (s):", {k: round(v, 1) for k, v in timings.items()})

