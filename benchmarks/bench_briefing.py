"""The briefing file: its size, the time to make it, and the time to open it against a floor.

    python benchmarks/bench_briefing.py [--makes 3] [--opens 7] [--json out.json]

* **size** of the seed's briefing with the concessions of the README example switched on (states:
  the start, as made, and each deal the dashboard lists), split into the embedded plotly.js,
  the figures and texts (JSON) and the rest (HTML, CSS, tables, script). Goal: ≤ 2.5 MB.
* **make**: ``briefing_html`` of the seed, 5,000 draws (as ``explorer briefing``), from a loaded
  scenario; median of ``--makes``. (The CLI adds ~1 s of imports.)
* **open → every panel drawn**, in Debian's Chromium, each open a fresh context, offline: from
  the navigation start to ``<body data-drawn>`` (set once all seven panels are drawn), read in the
  page. The **floor** is a bare page with the same plotly.js and the same seven figures of the
  same state, drawn with ``Plotly.newPlot`` one after the other, and nothing else; opened the
  same way, alternating with the briefing; medians of ``--opens``. Goal: briefing ≤ 1.5× floor.
* **switch**: picking another state in the selector → every panel redrawn (median over the states).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import explorer  # noqa: E402
from explorer.app.briefing import briefing_html  # noqa: E402
from explorer.app.briefing.document import plotly_bundle, script_json  # noqa: E402
from tests.browser_support import launch_chromium  # noqa: E402

SEED = ROOT / "data" / "scenarios" / "russia_ukraine_talks.yaml"
MADE = ("ukraine-nato-deferral", "russia-nato-deferral")
FLOOR = """<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>
<div id="figures"></div><script>{bundle}</script><script>
(async function () {{
  const figures = {figures};
  for (const figure of figures) {{
    const div = document.createElement("div");
    document.getElementById("figures").append(div);
    await Plotly.newPlot(div, figure.data, figure.layout, {{displayModeBar: false, responsive: true}});
  }}
  document.body.dataset.drawnAt = performance.now();
}})();
</script></body></html>"""


def parts(text: str) -> dict[str, int]:
    data = re.search(r'<script type="application/json" id="briefing-data">(.*?)</script>', text, re.S).group(1)
    bundle = plotly_bundle()
    total = len(text.encode())
    return {"total_bytes": total, "plotly_js_bytes": len(bundle.encode()), "data_json_bytes": len(data.encode()),
            "rest_bytes": total - len(bundle.encode()) - len(data.encode())}


def floor_page(text: str) -> str:
    data = json.loads(re.search(r'<script type="application/json" id="briefing-data">(.*?)</script>', text,
                                re.S).group(1))
    state = next(s for s in data["states"] if s["key"] == data["initial"])
    figures = [data["figures"][fid] for fid in state["figures"].values()] + [data["figures"][state["forecast"][0]]]
    return FLOOR.format(bundle=plotly_bundle(), figures=script_json(figures))


def open_ms(browser, path: Path, drawn_js: str) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route(re.compile(r"^(?!file://).*"), lambda route: route.abort())
    page = context.new_page()
    page.goto(path.as_uri())
    page.wait_for_function(f"() => {drawn_js}", timeout=60_000)
    value = float(page.evaluate(drawn_js))
    context.close()
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--makes", type=int, default=3)
    parser.add_argument("--opens", type=int, default=7)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    scenario = explorer.load(SEED)
    make_s = []
    for _ in range(args.makes):
        started = time.perf_counter()
        text = briefing_html(scenario, MADE, source_name=SEED.name, source_bytes=SEED.read_bytes())
        make_s.append(time.perf_counter() - started)
    sizes = parts(text)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        briefing, floor = Path(folder) / "briefing.html", Path(folder) / "floor.html"
        briefing.write_text(text, encoding="utf-8")
        floor.write_text(floor_page(text), encoding="utf-8")
        browser = launch_chromium(playwright)
        # both pages record performance.now() (ms since the navigation start) when every figure is drawn
        opens = {"briefing": [], "floor": []}
        open_ms(browser, floor, "Number(document.body.dataset.drawnAt || 0)")  # warm the disk cache
        for _ in range(args.opens):
            opens["floor"].append(open_ms(browser, floor, "Number(document.body.dataset.drawnAt || 0)"))
            opens["briefing"].append(open_ms(browser, briefing, "Number(document.body.dataset.drawnAt || 0)"))
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.goto(briefing.as_uri())
        page.wait_for_function("document.body.dataset.drawn === 'made'")
        keys = page.eval_on_selector_all("#state-picker option", "os => os.map(o => o.value)")
        switch_ms = []
        for key in [k for k in keys if k != "made"] + ["made"]:
            started = page.evaluate("performance.now()")
            page.select_option("#state-picker", key)
            page.wait_for_function("k => document.body.dataset.drawn === k", arg=key)
            switch_ms.append(page.evaluate("performance.now()") - started)
        browser.close()
    result = {
        "sizes": sizes, "states": len(keys), "make_s": make_s, "make_median_s": statistics.median(make_s),
        "open_ms": opens, "open_median_ms": {k: statistics.median(v) for k, v in opens.items()},
        "switch_ms": switch_ms, "switch_median_ms": statistics.median(switch_ms),
    }
    ratio = result["open_median_ms"]["briefing"] / result["open_median_ms"]["floor"]
    result["open_ratio"] = ratio
    mb = sizes["total_bytes"] / 1e6
    print(f"size: {mb:.2f} MB (goal ≤ 2.5 MB: {'met' if mb <= 2.5 else 'NOT met'}) = plotly.js "
          f"{sizes['plotly_js_bytes'] / 1e6:.2f} + figures and texts {sizes['data_json_bytes'] / 1e6:.2f} + page "
          f"{sizes['rest_bytes'] / 1e6:.2f} MB; {len(keys)} states")
    print(f"make: median {result['make_median_s']:.2f} s over {len(make_s)}")
    print(f"open → all panels drawn: briefing {result['open_median_ms']['briefing']:.0f} ms, floor "
          f"{result['open_median_ms']['floor']:.0f} ms: {ratio:.2f}× (goal ≤ 1.5×: {'met' if ratio <= 1.5 else 'NOT met'})")
    print(f"switch state → all panels redrawn: median {result['switch_median_ms']:.0f} ms over {len(switch_ms)}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
