"""Page-load and click-to-redraw times of the dashboard, beside a floor measured in the same run.

    python benchmarks/bench_dashboard.py [--clicks 20] [--loads 3] [--json out.json]

The floor (benchmarks/floor.ipynb) is the least a Voila page with one plotly
``FigureWidget`` and one ipywidgets toggle can cost; the dashboard is
notebooks/dashboard.ipynb. Each is served by its own Voila (cwd = project root, so
voila.json applies: preheated pool, kernel cap, culling, sources stripped), and driven by
Debian's Chromium through Playwright (set-up in tests/browser_support.py).

Measured, for two server variants (``preheat``: voila.json as it is; ``no-preheat``:
``--VoilaConfiguration.preheat_kernel=False``), both pages served with the same Voila
settings (plus ``--voila-arg``), and every measurement started only when the servers
(pool refilled, notebook run in the pooled kernel, all quiet) AND the whole machine are
quiet (< 10 % CPU for 2 s; recorded in the JSON when that wait timed out):

* cold load: from the navigation start to all plots drawn, read in the page
  (``performance.now()`` is relative to the navigation start), each load in a fresh
  browser context. "Drawn" is checked in the page (tests/browser_support.bench_init_script):
  floor — its bars (``.js-plotly-plot .bars path``); dashboard — every
  ``section.explorer-panel`` (≥ 4) has ``data-draws`` ≥ 1, at the time of the last panel's
  first ``explorer-panel-drawn`` event (the panel board). Median over ``--loads``.
* click → plots redrawn: a capture-phase click listener records ``performance.now()``;
  floor (and the one-figure dashboard): the plot div's ``plotly_afterplot`` events; panel
  board: the ``explorer-panel-drawn`` events. The time is click → the last redraw of that
  click, awaited until every changed panel in view has redrawn and then no draw came for
  300 ms. The board redraws a changed panel only when it is in view, so the clicks are
  measured twice: in the 1280×800 window (the issue map in view) and in a 1280×3000 one
  where all four panels are in view and each redraws ("all 4 panels in view"). Median over ``--clicks`` (≥ 20). ``plotly_beforeplot`` (when the
  plot divs emit it) splits it: click → redraw starts is the kernel round trip (and the
  widget's message handling), the rest is drawing. The dashboard clicks one concession
  checkbox on and off; the floor clicks its toggle button.

Goals (dashboard / floor): load ≤ 1.1×, click ≤ 1.2×.
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
    JS_ALL_PLOT_XY,
    JS_ARM_CLICK,
    JS_AWAIT_CLICK,
    JS_DASHBOARD_DRAWN,
    JS_FLOOR_DRAWN,
    JS_RESET_CLICK,
    bench_init_script,
    find_chromium,
    launch_chromium,
    loadavg,
    open_page,
    serve_voilas,
    wait_for_machine_quiet,
)

GOALS = {"load": 1.1, "click": 1.2}
TARGETS = {
    "floor": {"notebook": "benchmarks/floor.ipynb", "drawn": JS_FLOOR_DRAWN,
              "click": "button.widget-toggle-button", "changed": []},
    "dashboard": {"notebook": "notebooks/dashboard.ipynb", "drawn": JS_DASHBOARD_DRAWN,  # every panel
                  "click": ".concession-{concession} input[type=checkbox]", "changed": ["issue_map", "redline_gap", "utility", "distance"]},
}
VARIANTS = {"preheat": [], "no-preheat": ["--VoilaConfiguration.preheat_kernel=False"]}
SETTLE_MS = 300
TALL = {"width": 1280, "height": 3000}
CLICK_TIMEOUT_MS = 30_000
MACHINE_QUIET = {"max_share": 0.10, "window": 1.0, "timeout": 90.0}


def median(values):
    return statistics.median(values) if values else float("nan")


def wait_ready(servers, preheat: bool, used: dict[str, int], notes: list) -> None:
    """Every server idle (preheat: its pool refilled, one "filled" line per page taken, +1; then
    quiet), and then the whole machine quiet (other work would slow one side and not the other)."""
    for name, server in servers.items():
        if preheat:
            server.wait_for_pool(used[name] + 1, timeout=120)
    for server in servers.values():
        server.wait_until_quiet(timeout=120)
    machine = wait_for_machine_quiet(**MACHINE_QUIET)
    if not machine["quiet"]:
        notes.append(machine)
        print(f"  (machine not quiet after {machine['waited_s']} s: {machine['share']:.0%} busy, "
              f"load {machine['loadavg']}; measuring anyway)", flush=True)


def cold_load(browser, server, drawn_js: str, errors: list[str]) -> dict:
    watched = open_page(browser)
    page = watched.page
    try:
        page.add_init_script(script=bench_init_script(drawn_js))
        started = time.perf_counter()
        page.goto(server.url, wait_until="commit", timeout=120_000)
        page.wait_for_function("() => window.__bench && window.__bench.drawnAt !== null", timeout=120_000, polling=16)
        wall = time.perf_counter() - started
        drawn = page.evaluate("() => ({at: window.__bench.drawnAt, mode: window.__bench.drawnMode})")
        errors += watched.errors
        return {"in_page_s": drawn["at"] / 1000, "wall_s": wall, "mode": drawn["mode"]}
    finally:
        watched.context.close()


def clicks(browser, server, spec: dict, selector: str, count: int, errors: list[str], notes: list,
           viewport: dict | None = None) -> dict:
    watched = open_page(browser, viewport)
    page = watched.page
    try:
        page.add_init_script(script=bench_init_script(spec["drawn"]))
        page.goto(server.url, wait_until="commit", timeout=120_000)
        page.wait_for_function("() => window.__bench && window.__bench.drawnAt !== null", timeout=120_000, polling=50)
        server.wait_until_quiet(timeout=120)  # the pool refill would compete with the clicks
        machine = wait_for_machine_quiet(**MACHINE_QUIET)
        if not machine["quiet"]:
            notes.append(machine)
        mode = page.evaluate(JS_ARM_CLICK, selector)
        target = page.locator(selector)
        last, first, needed, begins, redraws, changed, panels = [], [], [], [], [], 0, set()
        for _ in range(count):
            before = page.evaluate(JS_ALL_PLOT_XY)
            page.evaluate(JS_RESET_CLICK)
            target.click()
            b = page.evaluate(JS_AWAIT_CLICK, {"expected": spec["changed"], "settle": SETTLE_MS,
                                               "timeout": CLICK_TIMEOUT_MS})
            if not b.get("ok"):
                raise TimeoutError(f"no redraw within {CLICK_TIMEOUT_MS} ms of a click on {selector}: {b}")
            last.append(b["ms"])
            first.append(b["firstMs"])
            if b.get("neededMs") is not None:
                needed.append(b["neededMs"])
            if b.get("startMs") is not None:
                begins.append(b["startMs"])
            redraws.append(len(b["draws"]))
            panels |= {str(d["panel"]) for d in b["draws"]}
            changed += page.evaluate(JS_ALL_PLOT_XY) != before
        errors += watched.errors
        return {"mode": mode, "ms": last, "first_redraw_ms": first, "changed_panels_ms": needed,
                "redraw_start_ms": begins, "redraws_per_click": redraws, "panels_redrawn": sorted(panels),
                "clicks_that_changed_data": changed}
    finally:
        watched.context.close()


def run_variant(browser, name: str, extra_voila_args, concession: str, loads: int, n_clicks: int) -> dict:
    preheat = name == "preheat"
    result = {name_: {"loads": [], "errors": [], "busy_machine": []} for name_ in TARGETS}
    specs = [(spec["notebook"], [*VARIANTS[name], *extra_voila_args], None) for spec in TARGETS.values()]
    with serve_voilas(specs) as started:
        servers = dict(zip(TARGETS, started))
        used = dict.fromkeys(TARGETS, 0)
        for k in range(loads):  # interleaved, so drift hits both alike
            for target, spec in TARGETS.items():
                wait_ready(servers, preheat, used, result[target]["busy_machine"])
                load = cold_load(browser, servers[target], spec["drawn"], result[target]["errors"])
                used[target] += 1
                result[target]["loads"].append(load)
                print(f"  {name:10} {target:9} load {k + 1}: {load['in_page_s']:.2f} s in page "
                      f"({load['wall_s']:.2f} s wall; {load['mode']}; load average {loadavg()})", flush=True)
        for target, spec in TARGETS.items():
            wait_ready(servers, preheat, used, result[target]["busy_machine"])
            selector = spec["click"].format(concession=concession)
            result[target]["clicks"] = clicks(browser, servers[target], spec, selector, n_clicks,
                                              result[target]["errors"], result[target]["busy_machine"])
            used[target] += 1
            c = result[target]["clicks"]
            print(f"  {name:10} {target:9} click→redraw median {median(c['ms']):.0f} ms over {n_clicks} "
                  f"({c['mode']}; panels redrawn: {', '.join(c['panels_redrawn'])})", flush=True)
        # The board redraws a changed panel only once it is in view: in a window tall enough to
        # show all four panels, a click redraws every panel it changes.
        wait_ready(servers, preheat, used, result["dashboard"]["busy_machine"])
        spec = TARGETS["dashboard"]
        result["dashboard"]["clicks_all_in_view"] = clicks(
            browser, servers["dashboard"], spec, spec["click"].format(concession=concession), n_clicks,
            result["dashboard"]["errors"], result["dashboard"]["busy_machine"], viewport=TALL)
        used["dashboard"] += 1
        c = result["dashboard"]["clicks_all_in_view"]
        print(f"  {name:10} dashboard click→redraw, all panels in view ({TALL['width']}×{TALL['height']}): median "
              f"{median(c['ms']):.0f} ms (panels redrawn: {', '.join(c['panels_redrawn'])})", flush=True)
    for target in TARGETS:
        r = result[target]
        r["load_median_s"] = median([x["in_page_s"] for x in r["loads"]])
        r["load_wall_median_s"] = median([x["wall_s"] for x in r["loads"]])
        r["click_median_ms"] = median(r["clicks"]["ms"])
        r["first_redraw_median_ms"] = median(r["clicks"]["first_redraw_ms"])
        r["changed_panels_median_ms"] = median(r["clicks"]["changed_panels_ms"])
        r["redraw_start_median_ms"] = median(r["clicks"]["redraw_start_ms"])
    result["dashboard"]["click_all_in_view_median_ms"] = median(result["dashboard"]["clicks_all_in_view"]["ms"])
    result["ratios"] = {
        "load": result["dashboard"]["load_median_s"] / result["floor"]["load_median_s"],
        "click": result["dashboard"]["click_median_ms"] / result["floor"]["click_median_ms"],
        "click_all_in_view": result["dashboard"]["click_all_in_view_median_ms"] / result["floor"]["click_median_ms"],
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
        lines.append(f"{'':11} {' all 4 panels in view':22} {f['click_median_ms']:9.0f} "
                     f"{d['click_all_in_view_median_ms']:10.0f} {q['click_all_in_view']:6.2f}× {GOALS['click']:6.2f}×  "
                     f"{'yes' if q['click_all_in_view'] <= GOALS['click'] else 'NO'}   (window {TALL['width']}×{TALL['height']})")
        lines.append(f"{'':11} {' of it, until redraw':22} {f['redraw_start_median_ms']:9.0f} "
                     f"{d['redraw_start_median_ms']:10.0f}   (kernel round trip; the rest is plotly drawing)")
        if d["clicks"]["changed_panels_ms"]:
            lines.append(f"{'':11} {' changed panels only':22} {'':9} {d['changed_panels_median_ms']:10.0f}   "
                         f"(click → last redraw of {', '.join(TARGETS['dashboard']['changed'])})")
        lines.append(f"{'':11} {'redrawn per click':22} {median(f['clicks']['redraws_per_click']):9.0f} "
                     f"{median(d['clicks']['redraws_per_click']):10.0f}   "
                     f"(dashboard: {', '.join(d['clicks']['panels_redrawn'])}; {d['clicks']['mode']})")
        busy = len(f["busy_machine"]) + len(d["busy_machine"])
        if busy:
            lines.append(f"{'':11} ({busy} measurement(s) started on a machine that did not go quiet: see the JSON)")
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
                print(table({variant: results[variant]}), flush=True)
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
