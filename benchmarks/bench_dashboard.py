"""Page-load and click-to-redraw times of the dashboard, beside a floor measured in the same run.

    python benchmarks/bench_dashboard.py [--clicks 20] [--loads 3] [--json out.json]

The floor (benchmarks/floor.ipynb) is the least a Voila page with one plotly
``FigureWidget`` and one ipywidgets toggle can cost; the dashboard is
notebooks/dashboard.ipynb. Each is served by its own Voila (cwd = project root, so
voila.json applies: preheated pool of 1, culling, sources stripped), and driven by
Debian's Chromium through Playwright (set-up in tests/browser_support.py).

Measured, for two server variants (``preheat``: voila.json as it is; ``no-preheat``:
``--VoilaConfiguration.preheat_kernel=False``):

* cold load: from the navigation start to all plots drawn, read in the page
  (``performance.now()`` is relative to the navigation start), each load in a fresh
  browser context, after the server went quiet (pool refilled and the notebook run in
  the pooled kernel; Voila logs "Kernel pool ... is filled" when the kernel has only
  *started*, so the script also waits until Voila and its kernels stop using CPU).
  Median over ``--loads``.
* click → plots redrawn: a capture-phase click listener and the plot div's
  ``plotly_afterplot`` event both record ``performance.now()``; the time is click to
  the last redraw of that click (later redraws are awaited for 300 ms). Median over
  ``--clicks``. ``plotly_beforeplot`` splits it: click → redraw starts is the kernel
  round trip (and the widget's message handling), the rest is plotly drawing. The dashboard clicks one concession checkbox on and off; the floor
  clicks its toggle button.

Goals (dashboard / floor): load ≤ 1.25×, click ≤ 1.2×.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser_support import (  # noqa: E402
    DASHBOARD_PANELS,
    JS_PLOTS_DRAWN,
    find_chromium,
    launch_chromium,
    open_page,
    plot_selectors,
    serve_voilas,
)

GOALS = {"load": 1.25, "click": 1.2}
TARGETS = {
    "floor": {"notebook": "benchmarks/floor.ipynb", "kinds": plot_selectors(["bars"]),
              "click": "button.widget-toggle-button"},
    "dashboard": {"notebook": "notebooks/dashboard.ipynb", "kinds": list(DASHBOARD_PANELS),  # all four panels
                  "click": ".concession-{concession} input[type=checkbox]"},
}
VARIANTS = {"preheat": [], "no-preheat": ["--VoilaConfiguration.preheat_kernel=False"]}
SETTLE_MS = 300

#: (selectors) => performance.now() once the plot div has an element for every selector, else false.
JS_DRAWN_AT = f"""(selectors) => ({JS_PLOTS_DRAWN})(selectors) ? performance.now() : false"""

#: (selector) => installs window.__bench: the click time (capture phase), then every plotly_beforeplot
#: (a redraw starts: the kernel's answer has arrived) and plotly_afterplot (the redraw is done) after it.
JS_INSTALL = """(selector) => {
  const gd = document.querySelector('.js-plotly-plot');
  const b = window.__bench = {start: null, draws: [], begins: []};
  gd.on('plotly_beforeplot', () => { if (b.start !== null) b.begins.push(performance.now()); });
  gd.on('plotly_afterplot', () => { if (b.start !== null) b.draws.push(performance.now()); });
  document.addEventListener('click', (event) => {
    const target = document.querySelector(selector);
    if (target && target.contains(event.target)) { b.start = performance.now(); b.draws = []; b.begins = []; }
  }, true);
  return true;
}"""
JS_Y = "() => JSON.stringify(document.querySelector('.js-plotly-plot').data.map((t) => Array.from(t.x || []).concat(Array.from(t.y || []))))"


def median(values):
    return statistics.median(values) if values else float("nan")


def wait_ready(servers, preheat: bool, used: dict[str, int]) -> None:
    """Every server idle: its pool refilled (preheat: one "filled" line per page taken, +1) and quiet."""
    for name, server in servers.items():
        if preheat:
            server.wait_for_pool(used[name] + 1, timeout=120)
    for server in servers.values():
        server.wait_until_quiet(timeout=120)


def cold_load(browser, server, kinds, errors: list[str]) -> dict:
    watched = open_page(browser)
    page = watched.page
    try:
        started = time.perf_counter()
        page.goto(server.url, wait_until="commit", timeout=120_000)
        drawn_at = page.wait_for_function(JS_DRAWN_AT, arg=kinds, timeout=120_000, polling=16).json_value()
        wall = time.perf_counter() - started
        errors += watched.errors
        return {"in_page_s": drawn_at / 1000, "wall_s": wall}
    finally:
        watched.context.close()


def clicks(browser, server, kinds, selector, count: int, errors: list[str]) -> dict:
    watched = open_page(browser)
    page = watched.page
    try:
        page.goto(server.url, wait_until="commit", timeout=120_000)
        page.wait_for_function(JS_DRAWN_AT, arg=kinds, timeout=120_000, polling=50)
        server.wait_until_quiet(timeout=120)  # the pool refill would compete with the clicks
        page.evaluate(JS_INSTALL, selector)
        target = page.locator(selector)
        last, first, begins, redraws, changed = [], [], [], [], 0
        for _ in range(count):
            before = page.evaluate(JS_Y)
            page.evaluate("() => { const b = window.__bench; b.start = null; b.draws = []; b.begins = []; }")
            target.click()
            page.wait_for_function("() => window.__bench.draws.length > 0", timeout=30_000, polling=16)
            while True:  # until no redraw for SETTLE_MS
                n = page.evaluate("() => window.__bench.draws.length")
                page.wait_for_timeout(SETTLE_MS)
                if page.evaluate("() => window.__bench.draws.length") == n:
                    break
            b = page.evaluate("() => window.__bench")
            first.append(b["draws"][0] - b["start"])
            last.append(b["draws"][-1] - b["start"])
            redraws.append(len(b["draws"]))
            if b["begins"]:
                begins.append(b["begins"][0] - b["start"])
            changed += page.evaluate(JS_Y) != before
        errors += watched.errors
        return {"ms": last, "first_redraw_ms": first, "redraw_start_ms": begins,
                "redraws_per_click": redraws, "clicks_that_changed_data": changed}
    finally:
        watched.context.close()


def run_variant(browser, name: str, extra_voila_args, concession: str, loads: int, n_clicks: int) -> dict:
    preheat = name == "preheat"
    result = {name_: {"loads": [], "errors": []} for name_ in TARGETS}
    specs = [(spec["notebook"], [*VARIANTS[name], *extra_voila_args], None) for spec in TARGETS.values()]
    with serve_voilas(specs) as started:
        servers = dict(zip(TARGETS, started))
        used = dict.fromkeys(TARGETS, 0)
        for k in range(loads):  # interleaved, so drift hits both alike
            for target, spec in TARGETS.items():
                wait_ready(servers, preheat, used)
                load = cold_load(browser, servers[target], spec["kinds"], result[target]["errors"])
                used[target] += 1
                result[target]["loads"].append(load)
                print(f"  {name:10} {target:9} load {k + 1}: {load['in_page_s']:.2f} s in page "
                      f"({load['wall_s']:.2f} s wall)", flush=True)
        for target, spec in TARGETS.items():
            wait_ready(servers, preheat, used)
            selector = spec["click"].format(concession=concession)
            result[target]["clicks"] = clicks(browser, servers[target], spec["kinds"], selector, n_clicks,
                                              result[target]["errors"])
            used[target] += 1
            print(f"  {name:10} {target:9} click→redraw median {median(result[target]['clicks']['ms']):.0f} ms "
                  f"over {n_clicks}", flush=True)
    for target in TARGETS:
        r = result[target]
        r["load_median_s"] = median([x["in_page_s"] for x in r["loads"]])
        r["load_wall_median_s"] = median([x["wall_s"] for x in r["loads"]])
        r["click_median_ms"] = median(r["clicks"]["ms"])
        r["first_redraw_median_ms"] = median(r["clicks"]["first_redraw_ms"])
        r["redraw_start_median_ms"] = median(r["clicks"]["redraw_start_ms"])
    result["ratios"] = {
        "load": result["dashboard"]["load_median_s"] / result["floor"]["load_median_s"],
        "click": result["dashboard"]["click_median_ms"] / result["floor"]["click_median_ms"],
    }
    return result


def table(results: dict) -> str:
    lines = [f"{'variant':11} {'measure':22} {'floor':>9} {'dashboard':>10} {'ratio':>7} {'goal':>7}  ok"]
    for variant, r in results.items():
        f, d, q = r["floor"], r["dashboard"], r["ratios"]
        lines.append(f"{variant:11} {'cold load (median, s)':22} {f['load_median_s']:9.2f} {d['load_median_s']:10.2f} "
                     f"{q['load']:6.2f}× {GOALS['load']:6.2f}×  {'yes' if q['load'] <= GOALS['load'] else 'NO'}")
        lines.append(f"{'':11} {'click→redraw (med, ms)':22} {f['click_median_ms']:9.0f} {d['click_median_ms']:10.0f} "
                     f"{q['click']:6.2f}× {GOALS['click']:6.2f}×  {'yes' if q['click'] <= GOALS['click'] else 'NO'}")
        lines.append(f"{'':11} {' of it, until redraw':22} {f['redraw_start_median_ms']:9.0f} "
                     f"{d['redraw_start_median_ms']:10.0f}   (kernel round trip; the rest is plotly drawing)")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clicks", type=int, default=20, help="clicks per page (median over them; ≥ 20)")
    parser.add_argument("--loads", type=int, default=3, help="cold page loads per page (median over them)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--concession", default="ukraine-line-freeze", help="the dashboard checkbox clicked")
    parser.add_argument("--variant", choices=[*VARIANTS, "both"], default="both")
    parser.add_argument("--voila-arg", action="append", default=[], metavar="ARG",
                        help="extra Voila option for every server, e.g. --voila-arg=--VoilaKernelManager.fill_delay=10")
    args = parser.parse_args(argv)
    if find_chromium() is None:
        print("no Chromium found (/usr/bin/chromium or $CHROMIUM)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    variants = list(VARIANTS) if args.variant == "both" else [args.variant]
    results = {}
    started = time.monotonic()
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for variant in variants:
                results[variant] = run_variant(browser, variant, args.voila_arg, args.concession,
                                               args.loads, args.clicks)
        finally:
            browser.close()
    print()
    print(table(results))
    errors = {f"{v}/{t}": results[v][t]["errors"] for v in results for t in TARGETS if results[v][t]["errors"]}
    if errors:
        print("page errors:", json.dumps(errors, indent=1))
    print(f"(took {time.monotonic() - started:.0f} s; {os.cpu_count()} CPUs)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {"machine": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                "loads": args.loads, "clicks": args.clicks, "concession": args.concession,
                "voila_args": args.voila_arg, "goals": GOALS}
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
