"""The dashboard in a real browser: Voila serves notebooks/dashboard.ipynb, headless Chromium reads and clicks.

Needs Debian's Chromium (``/usr/bin/chromium``; see tests/browser_support.py). Without
it the tests skip locally and FAIL when ``$CI`` is set, so CI never skips them silently.
What a stakeholder must be able to read is checked at 1024×768 and 1280×800.
"""

from __future__ import annotations

import shutil

import pytest

from tests.browser_support import ROOT, open_page, serve_voilas
from tests.dashboard_page import (
    JS_CLIPPED, JS_OVERLAPPING_TICKS, JS_TRUNCATED, PANEL_KEYS, panel_texts, panels, wait_for_panels,
)

pytestmark = pytest.mark.browser

NOTEBOOK = "notebooks/dashboard.ipynb"
SCENARIOS = ROOT / "data" / "scenarios"
SEED = SCENARIOS / "russia_ukraine_talks.yaml"
TEXTBOOK = SCENARIOS / "logrolling_textbook.yaml"
SCREENSHOTS = ROOT / "artifacts" / "browser"
GAP_VALUE = '.key-figures .kf[data-key="agreement-gap"] .kf-value'
LOAD_TIMEOUT = 90.0
BROKEN_YAML = 'id: broken\ntitle: "never closed\nparties: [a, b\n'
SIZES = {"1024": {"width": 1024, "height": 768}, "1280": {"width": 1280, "height": 800}}
CODED = ("issue_map", "redline_gap", "utility", "distance")
TALL = {"width": 1280, "height": 3000}  # every panel in view: panels out of view redraw only when scrolled to


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """The textbook case, a file that is not YAML, and one over the 2 MB size limit."""
    path = tmp_path_factory.mktemp("scenarios")
    shutil.copy(TEXTBOOK, path / TEXTBOOK.name)
    (path / "broken.yaml").write_text(BROKEN_YAML)
    with open(path / "huge.yaml", "w") as huge:
        huge.write("id: huge\n")
        huge.truncate(3_000_000)
    return path


@pytest.fixture(scope="module")
def servers(browser, folder):
    """Both Voilas (voila.json's settings: a preheated pool), started together."""
    specs = [(NOTEBOOK, (), None), (NOTEBOOK, (), {"EXPLORER_SCENARIOS_DIR": str(folder)})]
    with serve_voilas(specs) as (main, other):
        yield {"main": main, "other": other}
        for server in (main, other):  # real pages never trip the guards (explorer.app.page_guard, serving.guard)
            assert "page message refused" not in server.log()
            assert "websocket closed:" not in server.log()


@pytest.fixture
def page_at(browser):
    """``page_at(viewport)``: a watched page of that size, closed after the test."""
    opened = []

    def open_at(viewport: dict):
        opened.append(open_page(browser, viewport))
        return opened[-1]

    yield open_at
    for watched in opened:
        watched.context.close()


@pytest.fixture
def watched(browser):
    page = open_page(browser, TALL)
    yield page
    page.context.close()


def open_dashboard(page, server, timeout: float = LOAD_TIMEOUT) -> None:
    page.goto(server.url, wait_until="commit", timeout=timeout * 1000)
    wait_for_panels(page, len(PANEL_KEYS), timeout=timeout)


def scenario_select(page):
    return page.locator(".scenario-picker select")


def click_and_wait(page, selector: str, panel: str) -> dict:
    """Click ``selector``; wait until ``panel`` has redrawn and the kernel's answer has settled."""
    before = panels(page)
    page.locator(selector).click()
    page.wait_for_function("([key, n]) => +document.querySelector(`section[data-panel=\"${key}\"]`).dataset.draws > n",
                           arg=[panel, before[panel]["draws"]], timeout=20_000, polling=20)
    page.wait_for_timeout(600)  # other panels of the same answer arrive within a few ms; leave ample time
    return before


def test_toggle_changes_panels_and_key_figure_and_back(servers, watched):
    page = watched.page
    open_dashboard(page, servers["main"])
    baseline, gap = panels(page), page.inner_text(GAP_VALUE)
    box = ".concession-ukraine-line-freeze input[type=checkbox]"
    click_and_wait(page, box, "redline_gap")
    changed = panels(page)
    assert changed["redline_gap"]["data"] != baseline["redline_gap"]["data"]
    assert changed["issue_map"]["data"] != baseline["issue_map"]["data"]
    assert page.inner_text(GAP_VALUE) != gap
    assert page.locator(box).is_checked()

    click_and_wait(page, box, "redline_gap")
    back = panels(page)
    # the four panels of the coded figures (the chance and deals panels, which arrive after them,
    # have a test of their own)
    assert {k: back[k]["data"] for k in CODED} == {k: baseline[k]["data"] for k in CODED}
    assert page.inner_text(GAP_VALUE) == gap and not page.locator(box).is_checked()
    assert watched.errors == []


def test_a_click_redraws_only_the_panels_whose_data_changed(servers, watched):
    """Europe is no veto party: its concession moves positions and outcomes, not the red-line gaps."""
    page = watched.page
    open_dashboard(page, servers["main"])
    page.evaluate("() => document.querySelectorAll('section.explorer-panel .main-svg')"
                  ".forEach((svg) => { svg.__untouched = true; })")
    before = click_and_wait(page, ".concession-europe-security-guarantees input[type=checkbox]", "issue_map")
    after = panels(page)
    for key in ("issue_map", "utility", "distance"):
        assert after[key]["draws"] == before[key]["draws"] + 1 and after[key]["data"] != before[key]["data"], key
    assert after["redline_gap"] == before["redline_gap"]  # neither redrawn nor changed
    assert page.evaluate("() => document.querySelector('section[data-panel=\"redline_gap\"] .main-svg').__untouched")
    assert watched.errors == []


@pytest.mark.parametrize("size", SIZES)
def test_readable_without_a_guide(servers, page_at, size):
    watched = page_at(SIZES[size])
    page = watched.page
    open_dashboard(page, servers["main"])
    page.wait_for_timeout(300)
    assert page.evaluate(JS_TRUNCATED) == []
    assert page.evaluate(JS_CLIPPED) == []
    assert page.evaluate(JS_OVERLAPPING_TICKS) == []
    seed = __import__("explorer").load(SEED)
    # each issue: what 0 and 100 mean, on the map and in the table beside it; its labelled points
    drawn = " | ".join(panel_texts(page, "issue_map", ".annotation-text"))
    guide = page.inner_text(".scale-guide")
    for issue in seed.issues:
        assert f"0 = {issue.low}" in drawn and f"{issue.high} = 100" in drawn
        assert issue.low in guide and issue.high in guide
        assert all(point.label in guide for point in issue.points)
    # the legend says what lines and dots are; Kalai–Smorodinsky is listed, not greyed out
    legend = page.locator('section[data-panel="issue_map"] .explorer-legend .legend-label').all_inner_texts()
    # each predicted outcome carries its track record on real EU decisions as an info mark (hover)
    notes = page.locator('section[data-panel="issue_map"] .explorer-legend .legend-note')
    assert notes.count() == 4
    assert all("EU legislative decisions (DEU III)" in notes.nth(k).get_attribute("title") for k in range(4))
    assert "Dot = ideal position, line = acceptable range" in legend
    assert "Predicted: Kalai–Smorodinsky package: none yet (needs a package ZOPA)" in legend
    assert page.evaluate("() => [...document.querySelectorAll('section[data-panel=\"issue_map\"] .traces')]"
                         ".every((t) => getComputedStyle(t).opacity === '1')")
    # the red-line gap panel names its issues; its "now" colour is no party's
    ticks = panel_texts(page, "redline_gap", ".ytick text")
    assert sorted(ticks) == sorted(issue.name for issue in seed.issues)
    now_fill = page.evaluate("() => getComputedStyle(document.querySelectorAll("
                             "'section[data-panel=\"redline_gap\"] .trace.bars')[1].querySelector('path')).fill")
    party_fills = page.evaluate("() => [...document.querySelectorAll('section[data-panel=\"issue_map\"] "
                                ".explorer-legend .legend-mark [fill]')].map((p) => getComputedStyle(p).fill)")
    assert len(party_fills) >= 4
    assert now_fill not in party_fills
    # heatmap: full party names and the value in each cell
    heat = panel_texts(page, "distance", ".xtick text")
    assert sorted(heat) == sorted(p.name for p in seed.parties)
    assert len(panel_texts(page, "distance", ".heatmaplayer text")) == len(seed.parties) ** 2
    # one place says which package is shown and why, consistent with the picker
    picked = page.locator(".outcome-picker select").evaluate(
        "(s) => s.options[s.selectedIndex].text.replace(/\\u00a0/g, ' ')")  # ipywidgets writes non-breaking spaces
    status = page.inner_text(".package-status")
    assert picked == "Nash bargaining package" and "Showing the Compromise" in status and picked in status
    utility = page.locator('section[data-panel="utility"]').inner_text()
    assert "At the Compromise" in utility and "cannot block one" in utility
    # units a reader understands, with an explanation on the info mark
    assert "points" in page.inner_text(GAP_VALUE)
    assert "% of its stakes" in page.inner_text(".concession-russia-line-freeze")
    assert page.locator('.kf[data-key="surplus"] .info').get_attribute("title").startswith("The best deal")
    # a blocked concession names the other by its title
    assert page.inner_text(".concession-us-phased-relief .concession-blocked") == (
        "Needs “Russia accepts a phased comprehensive ceasefire” switched on first.")
    # how sure, what it would take: every chance in %, with what it is a chance of
    show_outlook(page)
    assert page.evaluate(JS_TRUNCATED) == [] and page.evaluate(JS_CLIPPED) == []
    assert page.evaluate(JS_OVERLAPPING_TICKS) == []
    assert "% of the draws" in " ".join(panel_texts(page, "chance", ".xtitle"))
    assert "% of stakes" in " ".join(panel_texts(page, "deals", ".xtitle"))
    assert page.locator('.kf[data-key="chance"] .info').get_attribute("title").startswith("The share of random")
    # how positions might move: rounds and positions with their meaning, the spread in words
    show_forecast(page)
    assert page.evaluate(JS_TRUNCATED) == [] and page.evaluate(JS_CLIPPED) == []
    assert page.evaluate(JS_OVERLAPPING_TICKS) == []
    first = seed.issues[0]
    assert "round (0 = the coded positions)" in panel_texts(page, "forecast", ".xtitle")
    assert panel_texts(page, "forecast", ".ytitle") == ["position (0–100 scale)"]
    meaning = "".join(panel_texts(page, "forecast", ".annotation-text"))  # wrapped lines join without a space
    assert all(part.replace(" ", "") in meaning.replace(" ", "")
               for part in (first.name, f"0 = {first.low}", f"100 = {first.high}"))
    legend = " ".join(panel_texts(page, "forecast", ".legendtext"))
    assert "Weighted median" in legend and all(p.name in legend for p in seed.parties
                                               if seed.stance(p.id, first.id) is not None)
    assert "10th–90th percentile" in page.inner_text(".forecast-note")
    page.screenshot(path=str(SCREENSHOTS / f"dashboard-{size}.png"), full_page=True)
    assert watched.errors == []


CHANCE_VALUE = '.kf[data-key="chance"] .kf-value'
JS_DEAL_POINTS = "() => document.querySelectorAll('section[data-panel=\"deals\"] .scatterlayer .trace:first-of-type .point').length"


def show_outlook(page) -> None:
    """Scroll to the chance and deals panels; wait until both carry the Monte Carlo's and the search's results."""
    page.locator('section[data-panel="deals"]').scroll_into_view_if_needed()
    page.wait_for_function("(sel) => /%/.test(document.querySelector(sel).textContent)", arg=CHANCE_VALUE,
                           timeout=30_000)
    page.wait_for_function(JS_DEAL_POINTS, timeout=30_000)
    page.wait_for_timeout(300)


def show_forecast(page) -> None:
    """Scroll to the forecast panel; wait until the spread of its final median is written under it."""
    page.locator('section[data-panel="forecast"]').scroll_into_view_if_needed()
    page.wait_for_function("() => /percentile/.test(document.querySelector('.forecast-note').textContent)",
                           timeout=30_000)
    page.wait_for_timeout(300)


JS_FORECAST_HOVER = """() => document.querySelector('section[data-panel="forecast"] .js-plotly-plot').data
  .filter((t) => t.mode === 'lines+markers').map((t) => t.customdata.map((c) => c[0])).flat()"""


def test_the_forecast_follows_the_toggles_and_the_model(servers, watched):
    """A concession on the issue shown moves the forecast; hover texts say who moved whom; the
    exchange model redraws the panel and says how many exchanges each round had."""
    page = watched.page
    open_dashboard(page, servers["main"])
    show_forecast(page)
    before = panels(page)
    hover = page.evaluate(JS_FORECAST_HOVER)
    assert any(h.startswith("moved by a ") and " offer from " in h for h in hover), hover
    page.locator(".concession-ukraine-nato-deferral input[type=checkbox]").click()
    page.locator('section[data-panel="forecast"]').scroll_into_view_if_needed()  # a panel out of view waits
    page.wait_for_function("(n) => +document.querySelector('section[data-panel=\"forecast\"]').dataset.draws > n",
                           arg=before["forecast"]["draws"], timeout=20_000)
    page.wait_for_timeout(600)
    after = panels(page)
    assert after["forecast"]["data"] != before["forecast"]["data"]
    page.locator(".forecast-model select").select_option(label="Exchanges across issues (DECIDE)")
    page.wait_for_function("(n) => +document.querySelector('section[data-panel=\"forecast\"]').dataset.draws > n",
                           arg=after["forecast"]["draws"], timeout=20_000)
    page.wait_for_function("() => /Exchanges per round/.test(document.querySelector('.forecast-note').textContent)",
                           timeout=20_000)
    assert panels(page)["forecast"]["data"] != after["forecast"]["data"]
    issues = page.locator(".forecast-issue select option").all_inner_texts()
    assert len(issues) == len(__import__("explorer").load(SEED).issues)
    assert watched.errors == []


JS_SENSITIVITY_BARS = """() => {
  const gd = document.querySelector('section[data-panel="sensitivity"] .js-plotly-plot');
  return gd && gd.data ? gd.data.map((t) => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y),
                                              hover: t.customdata.map((c) => c[5])})) : null;
}"""


def sensitivity_drawn_after(page, draws: int) -> None:
    page.locator('section[data-panel="sensitivity"]').scroll_into_view_if_needed()  # a panel out of view waits
    page.wait_for_function("(n) => +document.querySelector('section[data-panel=\"sensitivity\"]').dataset.draws > n",
                           arg=draws, timeout=30_000, polling=50)
    page.wait_for_timeout(300)


def test_what_to_check_first_follows_the_picker_and_the_toggles(servers, watched):
    """At the start the chance of a deal does not vary (the panel says so); the agreement gap's stances
    are drawn as bars labelled quoted or assumption, with the quote on hover; a concession redraws them."""
    page = watched.page
    open_dashboard(page, servers["main"])
    panel = page.locator('section[data-panel="sensitivity"]')
    panel.scroll_into_view_if_needed()
    page.wait_for_function("() => /does not vary/.test(document.querySelector("
                           "'section[data-panel=\"sensitivity\"] .annotation-text')?.textContent || '')",
                           timeout=30_000, polling=50)
    before = panels(page)["sensitivity"]["draws"]
    page.locator(".sensitivity-target select").select_option(label="Agreement gap, points")
    sensitivity_drawn_after(page, before)
    bars = page.evaluate(JS_SENSITIVITY_BARS)
    assert {trace["name"] for trace in bars} <= {"quoted from a source", "a coder's assumption"} and bars
    labels = panel_texts(page, "sensitivity", ".ytick text")
    assert labels and all(label.endswith(("(quoted)", "(assumption)")) for label in labels)
    quoted = next(trace for trace in bars if trace["name"] == "quoted from a source")
    assert all(h.startswith("“") for h in quoted["hover"])
    assert "%" in " ".join(panel_texts(page, "sensitivity", ".xtitle"))
    drawn = panels(page)["sensitivity"]
    page.locator(".concession-ukraine-line-freeze input[type=checkbox]").click()
    sensitivity_drawn_after(page, drawn["draws"])
    assert panels(page)["sensitivity"]["data"] != drawn["data"]
    assert watched.errors == []


def test_clicking_a_deal_switches_on_exactly_its_concessions(servers, watched):
    import explorer
    from explorer.app.state import DASHBOARD_DRAWS, SEED as DRAW_SEED

    seed = explorer.load(SEED)
    cheapest = explorer.search(seed).deals[0].concessions
    expected = explorer.uncertainty(seed.with_concessions(cheapest), DASHBOARD_DRAWS, DRAW_SEED).p_package_zopa
    page = watched.page
    open_dashboard(page, servers["main"])
    show_outlook(page)
    assert page.inner_text(CHANCE_VALUE) == "0 %"  # as coded, no deal at the start: in no draw either
    listed = page.inner_text(".deals-list")
    assert "Deal 1" in listed and all(seed.concession(c).title in listed for c in cheapest)
    ticks = panel_texts(page, "chance", ".ytick text")
    assert "A deal (package ZOPA)" in ticks and "Every issue at once" in ticks
    before = panels(page)
    page.locator('section[data-panel="deals"] .scatterlayer .trace:first-of-type .point').first.click(force=True)
    page.wait_for_function("(n) => document.querySelectorAll('.explorer-controls input[type=checkbox]:checked')"
                           ".length === n", arg=len(cheapest), timeout=20_000)
    checked = [c.id for c in seed.concessions if page.locator(f".concession-{c.id} input[type=checkbox]").is_checked()]
    assert sorted(checked) == sorted(cheapest)
    page.wait_for_function("([sel, text]) => document.querySelector(sel).textContent === text",
                           arg=[CHANCE_VALUE, f"{100 * expected:.1f} %"], timeout=20_000)
    page.wait_for_function("(n) => +document.querySelector('section[data-panel=\"chance\"]').dataset.draws > n",
                           arg=before["chance"]["draws"], timeout=20_000)
    after = panels(page)
    assert after["chance"]["data"] != before["chance"]["data"]
    assert after["redline_gap"]["data"] != before["redline_gap"]["data"]  # the whole dashboard follows
    assert watched.errors == []


def test_a_panel_out_of_view_is_redrawn_when_it_comes_into_view(servers, page_at):
    watched = page_at(SIZES["1280"])
    page = watched.page
    open_dashboard(page, servers["main"])
    before = click_and_wait(page, ".concession-ukraine-line-freeze input[type=checkbox]", "issue_map")
    now = panels(page)
    assert now["distance"] == before["distance"]  # below the fold: not redrawn yet, marked stale
    assert page.get_attribute('section[data-panel="distance"]', "data-stale") == "1"
    page.locator('section[data-panel="distance"]').scroll_into_view_if_needed()
    page.wait_for_function("(n) => +document.querySelector('section[data-panel=\"distance\"]').dataset.draws > n",
                           arg=before["distance"]["draws"], timeout=10_000)
    assert panels(page)["distance"]["data"] != before["distance"]["data"]
    assert watched.errors == []


def test_panels_follow_the_window_width(servers, page_at):
    watched = page_at(SIZES["1280"])
    page = watched.page
    open_dashboard(page, servers["main"])
    widths = {}
    for width in (1280, 1024, 1600):
        page.set_viewport_size({"width": width, "height": 800})
        page.wait_for_timeout(700)
        assert page.evaluate(JS_CLIPPED) == [], width
        widths[width] = page.evaluate(
            "() => document.querySelector('section[data-panel=\"issue_map\"] .main-svg').getBoundingClientRect().width")
    assert widths[1024] < widths[1280] < widths[1600]
    assert watched.errors == []


def test_hovering_a_concession_shows_its_description_and_quote(servers, watched):
    from explorer import load

    concession = next(c for c in load(SEED).concessions if c.quote)
    page = watched.page
    open_dashboard(page, servers["main"])
    row = page.locator(f".concession-{concession.id}")
    card = row.locator(".concession-card")
    assert not card.is_visible()
    row.locator(".concession-title").hover()
    card.wait_for(state="visible", timeout=5_000)
    text = " ".join(card.inner_text().split())
    assert concession.quote.split()[0] in text and " ".join(concession.quote.split()) in text
    assert " ".join((concession.description or "").split())[:60] in text


def test_picking_another_scenario_redraws_its_issues(servers, watched):
    from explorer import load

    textbook = load(TEXTBOOK)
    page = watched.page
    open_dashboard(page, servers["main"])
    before = panels(page)
    options = scenario_select(page).locator("option").all_inner_texts()
    scenario_select(page).select_option(label=next(o for o in options if TEXTBOOK.name in o))
    page.wait_for_function("(n) => +document.querySelector('section[data-panel=\"issue_map\"]').dataset.draws > n",
                           arg=before["issue_map"]["draws"], timeout=20_000)
    page.wait_for_timeout(500)
    assert panel_texts(page, "redline_gap", ".annotation-text") == [
        "No issue has a red-line gap: on every issue the veto parties' red lines overlap."]
    assert sorted(panel_texts(page, "issue_map", ".ytick text")) == sorted(i.name for i in textbook.issues)
    assert page.locator(".explorer-header h2").inner_text().strip() == textbook.title
    assert watched.errors == []


def test_invalid_and_oversize_files_show_a_short_message(servers, watched):
    page = watched.page
    open_dashboard(page, servers["other"])
    options = scenario_select(page).locator("option").all_inner_texts()
    assert any("broken.yaml" in o and "invalid" in o for o in options), options
    error = page.locator(".scenario-error")
    for name, expected in (("broken.yaml", "invalid YAML"), ("huge.yaml", "over the 2.0 MB limit")):
        scenario_select(page).select_option(label=next(o for o in options if name in o))
        error.wait_for(state="visible", timeout=20_000)
        page.wait_for_function("(name) => document.querySelector('.scenario-error').innerText.includes(name)",
                               arg=name, timeout=20_000)
        text = error.inner_text()
        assert f"{name} cannot be shown" in text and expected in text
        assert len(text) < 4_500 and str(ROOT) not in text
        assert not page.locator(".explorer-main").is_visible()
    # and back: the valid file is drawn again, the error gone
    scenario_select(page).select_option(label=next(o for o in options if TEXTBOOK.name in o))
    error.wait_for(state="hidden", timeout=20_000)
    assert page.locator(".explorer-main").is_visible()
    assert watched.errors == []


def test_a_scenario_saved_while_the_server_runs_is_in_the_picker_at_the_next_page_load(servers, watched, folder):
    server = servers["other"]
    server.wait_for_pool()
    server.wait_until_quiet(timeout=120)  # the preheated kernel has listed the folder already
    late = folder / "zz_saved_later.yaml"
    shutil.copy(TEXTBOOK, late)
    try:
        page = watched.page
        open_dashboard(page, server)
        page.wait_for_function("() => [...document.querySelectorAll('.scenario-picker option')]"
                               ".some((o) => o.text.includes('zz_saved_later.yaml'))", timeout=10_000)
    finally:
        late.unlink()


UPLOAD_SHOTS = ROOT.parent / "shared" / "reference-data"


def upload(page, name: str, content: bytes) -> None:
    """Pick a file in the "Open a file…" dialog, as a viewer does (the bytes come from memory).

    The widget's <input type=file> is created hidden and may sit outside the button, so the
    dialog it opens is answered (Playwright's file chooser calls set_input_files on that input).
    """
    with page.expect_file_chooser(timeout=10_000) as chooser:
        page.locator(".scenario-upload").click()
    chooser.value.set_files({"name": name, "mimeType": "text/plain", "buffer": content})


def test_a_viewers_own_file_opens_with_its_issues_on_the_map(servers, page_at):
    from explorer.app.upload import read_upload

    decide = UPLOAD_SHOTS / "cop21_decide.csv"
    expected = read_upload(decide.name, decide.read_bytes()).scenario
    watched = page_at(SIZES["1024"])
    page = watched.page
    open_dashboard(page, servers["other"])
    before = panels(page)
    button = page.locator(".scenario-upload")
    assert button.is_visible() and "Open a file" in button.inner_text()
    upload(page, decide.name, decide.read_bytes())
    page.wait_for_function("(n) => +document.querySelector('section[data-panel=\"issue_map\"]').dataset.draws > n",
                           arg=before["issue_map"]["draws"], timeout=30_000)
    page.wait_for_timeout(500)
    assert sorted(panel_texts(page, "issue_map", ".ytick text")) == sorted(i.name for i in expected.issues)
    picked = scenario_select(page).evaluate("(s) => s.options[s.selectedIndex].text.replace(/\\u00a0/g, ' ')")
    assert picked == f"Your file: {expected.title} ({decide.name})"
    assert "open in this page only" in page.inner_text(".upload-note")
    assert page.evaluate(JS_TRUNCATED) == [] and page.evaluate(JS_CLIPPED) == []
    page.screenshot(path="/tmp/upload-opened-1024.png")
    assert watched.errors == []
    # another viewer's page does not list it
    other = page_at(SIZES["1280"])
    open_dashboard(other.page, servers["other"])
    assert not any("Your file" in o for o in scenario_select(other.page).locator("option").all_inner_texts())


def test_a_malformed_upload_says_why_and_the_rest_keeps_working(servers, page_at):
    watched = page_at(SIZES["1024"])
    page = watched.page
    open_dashboard(page, servers["other"])
    options = scenario_select(page).locator("option").all_inner_texts()
    scenario_select(page).select_option(label=next(o for o in options if TEXTBOOK.name in o))
    page.wait_for_function("() => document.querySelector('.explorer-header h2')?.innerText.includes('Logrolling')",
                           timeout=20_000)
    page.wait_for_timeout(500)
    box = ".concession-union-moderates-wages input[type=checkbox]"
    click_and_wait(page, box, "issue_map")
    upload(page, "broken.yaml", BROKEN_YAML.encode())
    error = page.locator(".scenario-error")
    error.wait_for(state="visible", timeout=20_000)
    text = error.inner_text()
    assert "Your file broken.yaml cannot be shown" in text and "invalid YAML" in text
    assert "The scenario on screen is unchanged" in text and len(text) < 4_500
    assert page.locator(".explorer-main").is_visible() and page.locator(box).is_checked()
    assert "Logrolling" in page.inner_text(".explorer-header h2")
    assert not any("Your file" in o for o in scenario_select(page).locator("option").all_inner_texts())
    page.screenshot(path="/tmp/upload-error-1024.png")
    click_and_wait(page, box, "issue_map")  # the rest keeps working
    assert not page.locator(box).is_checked()
    assert watched.errors == []


def test_a_file_over_the_websocket_limit_leaves_the_page_working(servers, page_at):
    """Over the websocket's message limit (ConnectionLimits.max_message_bytes, 4 MB) the upload never reaches
    the kernel: the connection drops and comes back, nothing is said (the kernel never knew), and nothing on
    screen is lost."""
    watched = page_at(SIZES["1024"])
    page = watched.page
    open_dashboard(page, servers["main"])
    first = ".concession-ukraine-line-freeze input[type=checkbox]"
    click_and_wait(page, first, "issue_map")
    upload(page, "enormous.yaml", b"id: x\n" + b"#" * 11_000_000)
    page.wait_for_timeout(3_000)
    gap = page.inner_text(GAP_VALUE)
    page.locator(".concession-russia-line-freeze input[type=checkbox]").click()
    page.wait_for_function("([sel, text]) => document.querySelector(sel).textContent !== text",
                           arg=[GAP_VALUE, gap], timeout=30_000)
    assert page.locator(first).is_checked() and page.locator(".explorer-main").is_visible()
    assert not any("Your file" in o for o in scenario_select(page).locator("option").all_inner_texts())
    assert watched.errors == []


def test_download_briefing_gives_the_state_on_screen_as_a_file_that_opens_offline(servers, browser, watched, tmp_path):
    """The button makes the briefing in the viewer's kernel; the browser saves it; the saved file, opened
    with no server, shows the concessions switched on in the page as its first state."""
    page = watched.page
    open_dashboard(page, servers["main"])
    click_and_wait(page, ".concession-ukraine-line-freeze input[type=checkbox]", "redline_gap")
    gap = page.inner_text(GAP_VALUE)
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="Download briefing").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "briefing-russia_ukraine_talks.html"
    status = page.locator(".explorer-download-status")
    assert "Sent to your browser as briefing-russia_ukraine_talks.html" in status.inner_text()
    offline = open_page(browser)
    requests: list[str] = []
    offline.page.on("request", lambda request: requests.append(request.url))
    offline.page.goto(saved.as_uri())
    offline.page.wait_for_function("document.body.dataset.drawn === 'made'", timeout=30_000)
    assert offline.page.inner_text('.kf[data-key="agreement-gap"] .kf-value') == gap
    assert "ukraine-line-freeze" in offline.page.inner_text("#provenance")
    assert requests == [saved.as_uri()] and not offline.errors
    offline.context.close()
    assert watched.errors == []
