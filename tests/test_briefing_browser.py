"""The briefing file in Chromium, offline: it makes no request, draws every panel, shows a stance's
quote on hover, switches states, prints whole figures on A4 and US letter, and runs no hostile text."""

from __future__ import annotations

import io
import re

import pytest

import explorer
from explorer import analyze
from explorer.app.briefing import briefing_html
from tests import hostile
from tests.browser_support import open_page
from tests.conftest import SEED

pytestmark = pytest.mark.browser

MADE = ("ukraine-nato-deferral", "russia-nato-deferral")
PANELS = ("issue_map", "redline_gap", "utility", "distance", "chance", "deals", "forecast")


@pytest.fixture(scope="module")
def seed_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("briefing") / "seed.html"
    path.write_text(briefing_html(explorer.load(SEED), MADE, draws=1000, seed=0, source_name=SEED.name,
                                  source_bytes=SEED.read_bytes()), encoding="utf-8")
    return path


def open_offline(browser, path, viewport=None):
    """The file in a fresh page; every request but the file itself is aborted and recorded."""
    watched = open_page(browser, viewport)
    requests: list[str] = []
    page_url = path.as_uri()

    def on_request(request):
        requests.append(request.url)

    watched.page.on("request", on_request)
    watched.context.route(re.compile(r"^(?!file://).*"), lambda route: route.abort())
    watched.page.goto(page_url)
    return watched, requests


def wait_drawn(page, key: str) -> None:
    page.wait_for_function("key => document.body.dataset.drawn === key", arg=key, timeout=30_000)


def plotted(page, panel: str) -> dict:
    return page.evaluate("""id => { const gd = document.getElementById('plot-' + id);
        return {svg: !!gd.querySelector('.main-svg'), traces: (gd.data || []).length,
                layout: !!gd._fullLayout, data: gd.data}; }""", panel)


def test_opens_offline_with_no_request_and_draws_every_panel(browser, seed_file):
    watched, requests = open_offline(browser, seed_file)
    page = watched.page
    wait_drawn(page, "made")
    assert requests == [seed_file.as_uri()], requests  # the page itself, nothing else
    for panel in PANELS:
        drawn = plotted(page, panel)
        assert drawn["svg"] and drawn["layout"] and drawn["traces"] > 0, panel
    assert page.locator('[data-legend="issue_map"] li').count() > 5
    assert page.locator("table.stances tbody tr").count() == len(explorer.load(SEED).data.stances)
    assert not watched.errors and not watched.console_errors, (watched.errors, watched.console_errors)
    watched.context.close()


LOCATE = """([party, issue]) => {
    const gd = document.getElementById('plot-issue_map');
    const trace = gd.data.filter(t => t.mode === 'markers' && / \\((no )?veto\\)$/.test(t.name))[party];
    const box = gd.getBoundingClientRect(), xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    return {x: box.left + xa._offset + xa.l2p(trace.x[issue]), y: box.top + ya._offset + ya.l2p(trace.y[issue])};
}"""


def hover_dot(page, party: int, issue: int) -> str:
    """Hover the dot of the ``party``-th party (file order) on issue ``issue`` of the map, scrolled clear of
    the sticky bar; the hover label's text."""
    where = page.evaluate(LOCATE, [party, issue])
    page.evaluate("y => window.scrollBy(0, y - window.innerHeight / 2)", where["y"])
    where = page.evaluate(LOCATE, [party, issue])
    page.mouse.move(where["x"], where["y"])
    hover = page.locator("#plot-issue_map .hoverlayer .hovertext")
    hover.wait_for(timeout=5_000)
    return hover.text_content()


def test_hovering_a_partys_dot_shows_its_quote(browser, seed_file):
    scenario = explorer.load(SEED)
    stance = next(s for s in scenario.data.stances if s.quote)
    party = next(p for p in scenario.parties if p.id == stance.party)
    issue = [i.id for i in scenario.issues].index(stance.issue)
    watched, _ = open_offline(browser, seed_file)
    page = watched.page
    wait_drawn(page, "made")
    text = hover_dot(page, [p.id for p in scenario.parties].index(party.id), issue)
    words = " ".join(stance.quote.split()[:4])
    assert words in " ".join(text.split()), text
    assert "Quoted" in text
    watched.context.close()


def test_the_state_selector_redraws_every_panel_and_the_key_figures(browser, seed_file):
    watched, _ = open_offline(browser, seed_file)
    page = watched.page
    wait_drawn(page, "made")
    options = page.eval_on_selector_all("#state-picker option", "os => os.map(o => o.value)")
    assert options[:3] == ["start", "made", "deal-1"]
    states = page.evaluate("JSON.parse(document.getElementById('briefing-data').textContent).states")
    before = plotted(page, "issue_map")["data"]
    for state in states:
        page.select_option("#state-picker", state["key"])
        wait_drawn(page, state["key"])
        analysis = analyze(explorer.load(SEED).with_concessions(state["active"]))
        gap = page.locator('.kf[data-key="agreement-gap"] .kf-value').text_content()
        assert gap == f"{analysis.agreement_gap:.1f} points", state["key"]
        deadlocked = page.locator('.kf[data-key="deadlocked"] .kf-value').text_content()
        assert deadlocked == f"{analysis.deadlocked_issues} of {len(analysis.scenario.issues)}"
        bars = plotted(page, "redline_gap")["data"]
        if bars:
            assert bars[1]["x"] == pytest.approx([float(v) for v in analysis.gaps.redline_gap])
        assert page.locator("[data-state-label]").first.text_content() == state["label"]
        assert page.evaluate("location.hash") == f"#state={state['key']}"
    page.select_option("#state-picker", "start")
    wait_drawn(page, "start")
    assert plotted(page, "issue_map")["data"] != before  # the made state's positions are not the start's
    watched.context.close()


def pdf_pages(pdf: bytes) -> list[tuple[str, float, float, list[float]]]:
    """(text, width, height, x of every text run) per page."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        xs: list[float] = []

        def visit(text, cm, tm, font, size, xs=xs):
            if text.strip():
                xs.append(cm[0] * tm[4] + cm[2] * tm[5] + cm[4])

        text = page.extract_text(visitor_text=visit)
        pages.append((text, float(page.mediabox.width), float(page.mediabox.height), xs))
    return pages


PAPER_MM = {"A4": (210, 297), "Letter": (215.9, 279.4)}
MARGIN_MM = 12  # explorer/app/briefing/briefing.css, @page
PX_PER_MM = 96 / 25.4


def print_layout(page, paper: str) -> tuple[int, int, list[dict]]:
    """Each panel as laid out for print on ``paper`` (print media, the page's text width and height):
    its title-to-caption height and its figure's box."""
    width_mm, height_mm = PAPER_MM[paper]
    width, height = int((width_mm - 2 * MARGIN_MM) * PX_PER_MM), int((height_mm - 2 * MARGIN_MM) * PX_PER_MM)
    page.emulate_media(media="print")
    page.set_viewport_size({"width": width, "height": height})
    boxes = page.evaluate("""() => [...document.querySelectorAll('section.panel')].map(s => {
        const top = s.getBoundingClientRect().top, caption = s.querySelector('.caption').getBoundingClientRect();
        const figure = s.querySelector('.plot .main-svg').getBoundingClientRect();
        return {panel: s.dataset.panel, height: caption.bottom - top, right: figure.right, bottom: figure.bottom,
                caption: caption.top};
    })""")
    page.emulate_media(media="screen")
    return width, height, boxes


@pytest.mark.parametrize("paper", ["A4", "Letter"])
def test_prints_every_figure_whole_on_one_page(browser, seed_file, paper):
    watched, _ = open_offline(browser, seed_file)
    page = watched.page
    wait_drawn(page, "made")
    pages = pdf_pages(page.pdf(format=paper, print_background=True))  # first: the layout check resizes the page
    width, height, boxes = print_layout(page, paper)
    assert [b["panel"] for b in boxes] == list(PANELS)
    for box in boxes:  # each figure, from its title to its caption, fits a page's width and height
        assert box["height"] <= height and box["right"] <= width and box["bottom"] <= box["caption"] + 1, box
    titles = page.eval_on_selector_all("section.panel h3", "hs => hs.map(h => h.textContent)")
    assert len(titles) == len(PANELS)
    for number, title in enumerate(titles, 1):
        head = " ".join(title.split()[:5])
        on = [k for k, (text, *_) in enumerate(pages) if head in " ".join(text.split())]
        caption = [k for k, (text, *_) in enumerate(pages) if f"Figure {number}, shown for" in text]
        assert on and caption and on[0] == caption[0], (paper, number, title, on, caption)
    for k, (text, width, height, xs) in enumerate(pages):
        assert xs and min(xs) >= 0 and max(xs) < width, (paper, k)  # nothing off the page's side
    stance_pages = "".join(text for text, *_ in pages)
    quote = next(s.quote for s in explorer.load(SEED).data.stances if s.quote)
    assert " ".join(quote.split()[:6]) in " ".join(stance_pages.split())  # the hover-only quotes print
    watched.context.close()


def test_a_hostile_file_runs_nothing_and_reads_as_written(browser, tmp_path):
    scenario, _ = hostile.hostile_scenario(tmp_path)
    path = tmp_path / "hostile.html"
    path.write_text(briefing_html(scenario, draws=300, seed=0), encoding="utf-8")
    watched, requests = open_offline(browser, path)
    page = watched.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    wait_drawn(page, "start")
    page.select_option("#state-picker", "deal-1")
    wait_drawn(page, "deal-1")
    assert page.evaluate("typeof window.__xss") == "undefined" and not dialogs
    assert requests == [path.as_uri()], requests
    assert page.locator("h1").text_content() == hostile.SCENARIO
    body = " ".join(page.locator("main").inner_text().split())
    for text in (hostile.PARTY, hostile.QUOTE, hostile.TITLE, hostile.SOURCE, hostile.LOW, hostile.HIGH,
                 hostile.ABOUT, hostile.NOTE):
        assert " ".join(text.split()) in body, text
    hover = hover_dot(page, 0, 0)  # plotly's hover label: the hostile quote, as written
    assert "window.__xss=4" in hover and "<b onmouseover" in hover
    legend = page.locator('[data-legend="issue_map"]').inner_text()
    assert hostile.PARTY in legend
    ticks = page.eval_on_selector_all("#plot-issue_map .ytick text", "ts => ts.map(t => t.textContent).join(' ')")
    assert "<img src=x" in ticks  # plotly shows the name as written
    assert page.locator("main img, main iframe, main svg[onload], main script").count() == 0
    watched.context.close()
