"""The dashboard in a real browser: Voila serves notebooks/dashboard.ipynb, headless Chromium clicks.

Needs Debian's Chromium (``/usr/bin/chromium``; see tests/browser_support.py). Without
it the tests skip locally and FAIL when ``$CI`` is set, so CI never skips them silently.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from tests.browser_support import (
    DASHBOARD_PANELS,
    JS_PLOT_DATA,
    ROOT,
    find_chromium,
    launch_chromium,
    open_page,
    plot_data,
    serve_voilas,
    wait_for_plots,
)

pytestmark = pytest.mark.browser

NOTEBOOK = "notebooks/dashboard.ipynb"
SCENARIOS = ROOT / "data" / "scenarios"
TEXTBOOK = SCENARIOS / "logrolling_textbook.yaml"
SCREENSHOT = ROOT / "artifacts" / "browser" / "dashboard.png"
CONCESSION = "ukraine-line-freeze"  # moves the territory red-line gap and the agreement gap
GAP_VALUE = '.key-figures .kf[data-key="agreement-gap"] .kf-value'
ALL_PANELS = DASHBOARD_PANELS
LOAD_TIMEOUT = 60.0
BROKEN_YAML = 'id: broken\ntitle: "never closed\nparties: [a, b\n'

#: () => {data, text}: the plot data as JSON (made in the page) and the agreement-gap text.
JS_STATE = f"""() => {{
  const el = document.querySelector({json.dumps(GAP_VALUE)});
  return {{data: JSON.stringify(({JS_PLOT_DATA})()), text: el ? el.textContent.trim() : null}};
}}"""
#: (expected) => true once the plot data and the agreement-gap text both differ from / equal ``expected``.
JS_STATE_IS = f"""([expected, same]) => {{
  const data = JSON.stringify(({JS_PLOT_DATA})());
  const el = document.querySelector({json.dumps(GAP_VALUE)});
  const text = el ? el.textContent.trim() : null;
  return same ? (data === expected.data && text === expected.text)
              : (data !== expected.data && text !== null && text !== expected.text);
}}"""


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "the playwright Python package is not installed"
    else:
        missing = None if find_chromium() else "no Chromium found (install Debian's chromium or set $CHROMIUM)"
    if missing:
        if os.environ.get("CI"):
            pytest.fail(missing + ": browser tests must run in CI", pytrace=False)
        pytest.skip(missing)

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def servers(browser, tmp_path_factory):
    """Both Voilas, started together so the second preheats its kernel while the first is used.

    ``main`` serves the project's scenarios; ``broken`` serves a folder holding a copy of
    the textbook scenario and a file that is not valid YAML.
    """
    folder = tmp_path_factory.mktemp("scenarios")
    shutil.copy(TEXTBOOK, folder / TEXTBOOK.name)
    (folder / "broken.yaml").write_text(BROKEN_YAML)
    specs = [(NOTEBOOK, (), None), (NOTEBOOK, (), {"EXPLORER_SCENARIOS_DIR": str(folder)})]
    with serve_voilas(specs) as (main, broken):
        yield {"main": main, "broken": broken}


@pytest.fixture
def watched(browser):
    page = open_page(browser)
    yield page
    page.context.close()


def state(page) -> dict:
    return page.evaluate(JS_STATE)


def wait_for_state(page, expected: dict, same: bool) -> None:
    page.wait_for_function(JS_STATE_IS, arg=[expected, same], timeout=20_000, polling=50)


def scenario_select(page):
    return page.locator(".scenario-picker select")


def test_toggle_changes_plot_and_key_figure_and_back(servers, watched):
    page = watched.page
    page.goto(servers["main"].url)
    wait_for_plots(page, ALL_PANELS, timeout=LOAD_TIMEOUT)
    page.wait_for_selector(GAP_VALUE)
    baseline = state(page)
    assert baseline["text"].endswith("points"), baseline["text"]
    assert len(json.loads(baseline["data"])) > 10

    box = page.locator(f".concession-{CONCESSION} input[type=checkbox]")
    box.click()
    wait_for_state(page, baseline, same=False)
    changed = state(page)
    assert changed["data"] != baseline["data"] and changed["text"] != baseline["text"]
    assert box.is_checked()
    assert watched.errors == []

    box.click()
    wait_for_state(page, baseline, same=True)
    assert state(page) == baseline
    assert not box.is_checked()
    assert watched.errors == []

    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_picking_another_scenario_redraws_its_issues(servers, watched):
    from explorer import load
    from explorer.app.figures import short_label

    textbook = load(TEXTBOOK)
    page = watched.page
    page.goto(servers["main"].url)
    wait_for_plots(page, ALL_PANELS, timeout=LOAD_TIMEOUT)
    before = plot_data(page)
    options = scenario_select(page).locator("option").all_inner_texts()
    label = next(o for o in options if TEXTBOOK.name in o)
    scenario_select(page).select_option(label=label)

    ticks = [short_label(issue.name) for issue in textbook.issues]
    page.wait_for_function(
        "(ticks) => { const gd = document.querySelector('.js-plotly-plot');"
        " return !!gd && JSON.stringify(Array.from(gd.layout.yaxis.ticktext || [])) === JSON.stringify(ticks); }",
        arg=ticks, timeout=20_000, polling=50,
    )
    wait_for_plots(page, ALL_PANELS, timeout=20)
    after = plot_data(page)
    assert after != before
    gap_bars = [t for t in after if t["type"] == "bar"][:2]
    assert all(len(t["y"]) == len(textbook.issues) for t in gap_bars)
    drawn_ticks = page.locator(".js-plotly-plot .yaxislayer-above .ytick text").all_text_contents()
    assert all(any(issue.name in t for t in drawn_ticks) for issue in textbook.issues), drawn_ticks
    assert page.locator(".explorer-header h2").inner_text().strip() == textbook.title
    assert watched.errors == []


def test_invalid_scenario_file_shows_its_error(servers, watched):
    page = watched.page
    page.goto(servers["broken"].url)
    wait_for_plots(page, ALL_PANELS, timeout=LOAD_TIMEOUT)
    options = scenario_select(page).locator("option").all_inner_texts()
    assert any("broken.yaml" in o and "invalid" in o for o in options), options
    scenario_select(page).select_option(label=next(o for o in options if "broken.yaml" in o))

    error = page.locator(".scenario-error")
    error.wait_for(state="visible", timeout=20_000)
    text = error.inner_text()
    assert "broken.yaml cannot be shown" in text
    assert "invalid YAML" in text
    assert not page.locator(".js-plotly-plot").is_visible()
    assert watched.errors == []

    # and back: the valid file is drawn again, the error gone
    scenario_select(page).select_option(label=next(o for o in options if TEXTBOOK.name in o))
    error.wait_for(state="hidden", timeout=20_000)
    wait_for_plots(page, ALL_PANELS, timeout=20)
    assert page.locator(".js-plotly-plot").is_visible()
    assert watched.errors == []
