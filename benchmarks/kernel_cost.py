"""What one viewer's kernel costs: CPU seconds and memory from kernel start to the page drawn.

    python benchmarks/kernel_cost.py [--reps 3] [--json artifacts/bench/kernel_cost.json]
                                     [--voila-arg=--SomeVoilaOption=value ...]

Three notebooks, each served by its own Voila (one after the other, cwd = project root so
voila.json applies) with ``--VoilaConfiguration.preheat_kernel=False``, so that the kernel
starts on the page's request:

* ``empty`` — benchmarks/empty.ipynb, one ``print``: the floor of floors (a bare kernel);
* ``floor`` — benchmarks/floor.ipynb, one plotly FigureWidget and one ToggleButton;
* ``dashboard`` — notebooks/dashboard.ipynb.

Each repetition opens ONE page (a fresh Chromium context) when the machine is quiet, waits
until it is drawn (empty: its printed line; floor: the bars; dashboard: every
``section.explorer-panel`` has ``data-draws`` ≥ 1), then reads the new kernel's utime+stime and VmRSS from /proc ("at
drawn"), and again once Voila and the kernel have gone quiet ("settled"). The page then
closes as a tab does (Voila shuts its kernel down). Medians over ``--reps``.

Goals (dashboard kernel, at drawn): ≤ 1.5 CPU-s, ≤ 130 MB RSS.
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
    JS_DASHBOARD_DRAWN,
    JS_FLOOR_DRAWN,
    bench_init_script,
    find_chromium,
    kernel_pids,
    launch_chromium,
    open_page,
    rss_bytes,
    serve_voila,
    voila_snapshot,
    wait_for_machine_quiet,
)

JS_EMPTY_DRAWN = "() => (document.body && document.body.innerText.includes('empty kernel ready')) ? {mode: 'text'} : false"
TARGETS = {
    "empty": {"notebook": "benchmarks/empty.ipynb", "drawn": JS_EMPTY_DRAWN},
    "floor": {"notebook": "benchmarks/floor.ipynb", "drawn": JS_FLOOR_DRAWN},
    "dashboard": {"notebook": "notebooks/dashboard.ipynb", "drawn": JS_DASHBOARD_DRAWN},
}
NO_PREHEAT = "--VoilaConfiguration.preheat_kernel=False"
GOALS = {"cpu_s": 1.5, "rss_mb": 130.0}
MB = 1024 * 1024


def kernel_figures(server, pid: int) -> dict:
    per = voila_snapshot(server)["per_kernel"].get(pid)
    if per is None:
        return {"cpu_s": float("nan"), "rss_mb": float("nan")}
    return {"cpu_s": per["cpu_s"], "rss_mb": per["rss"] / MB}


def one_view(browser, server, drawn_js: str, timeout: float) -> dict:
    machine = wait_for_machine_quiet(0.10, 1.0, 90.0)
    before = kernel_pids(server)
    watched = open_page(browser)
    page = watched.page
    try:
        page.add_init_script(script=bench_init_script(drawn_js))
        started = time.perf_counter()
        page.goto(server.url, wait_until="commit", timeout=timeout * 1000)
        page.wait_for_function("() => window.__bench && window.__bench.drawnAt !== null", polling=50,
                               timeout=timeout * 1000)
        wall = time.perf_counter() - started
        new = kernel_pids(server) - before
        if len(new) != 1:
            raise RuntimeError(f"expected one new kernel, found {sorted(new)}")
        (pid,) = new
        at_drawn = kernel_figures(server, pid)
        drawn = page.evaluate("() => ({at: window.__bench.drawnAt, mode: window.__bench.drawnMode})")
        server.wait_until_quiet(timeout=60)
        settled = kernel_figures(server, pid)
        result = {"pid": pid, "drawn_s": drawn["at"] / 1000, "wall_s": wall, "mode": drawn["mode"],
                  "cpu_s": at_drawn["cpu_s"], "rss_mb": at_drawn["rss_mb"],
                  "settled_cpu_s": settled["cpu_s"], "settled_rss_mb": settled["rss_mb"],
                  "errors": list(watched.errors), "machine": machine}
        page.close(run_before_unload=True)  # as a tab closes: Voila's page asks for its kernel's shutdown
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and rss_bytes(pid):
            time.sleep(0.2)
        result["kernel_shut_down"] = not rss_bytes(pid)
        return result
    finally:
        watched.context.close()


def median(values):
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def run(browser, target: str, reps: int, extra_args, timeout: float) -> dict:
    spec = TARGETS[target]
    views = []
    with serve_voila(spec["notebook"], [NO_PREHEAT, *extra_args], timeout=120) as server:
        server.wait_until_quiet(timeout=60)
        for k in range(reps):
            view = one_view(browser, server, spec["drawn"], timeout)
            views.append(view)
            print(f"  {target:9} {k + 1}: {view['cpu_s']:.2f} CPU-s, {view['rss_mb']:.0f} MB at drawn "
                  f"({view['drawn_s']:.2f} s in page); settled {view['settled_cpu_s']:.2f} CPU-s, "
                  f"{view['settled_rss_mb']:.0f} MB", flush=True)
    return {"views": views, **{f"median_{key}": median([v[key] for v in views])
                               for key in ("cpu_s", "rss_mb", "settled_cpu_s", "settled_rss_mb", "drawn_s", "wall_s")},
            "errors": [e for v in views for e in v["errors"]]}


def table(results: dict) -> str:
    lines = [f"{'kernel':10} {'CPU-s at drawn':>14} {'RSS MB':>7} {'settled CPU-s':>13} {'settled MB':>10} "
             f"{'drawn s':>8}  page errors"]
    for target, r in results.items():
        lines.append(f"{target:10} {r['median_cpu_s']:14.2f} {r['median_rss_mb']:7.0f} {r['median_settled_cpu_s']:13.2f} "
                     f"{r['median_settled_rss_mb']:10.0f} {r['median_drawn_s']:8.2f}  {len(r['errors'])}")
    if "dashboard" in results:
        d = results["dashboard"]
        lines.append("")
        for key, unit, goal in (("cpu_s", "CPU-s", GOALS["cpu_s"]), ("rss_mb", "MB", GOALS["rss_mb"])):
            extra = ""
            if "empty" in results:
                extra = f" ({d[f'median_{key}'] - results['empty'][f'median_{key}']:+.2f} over the empty kernel)"
            ok = d[f"median_{key}"] <= goal
            lines.append(f"goal: dashboard kernel {unit} at drawn ≤ {goal}: {d[f'median_{key}']:.2f}{extra}  "
                         f"{'yes' if ok else 'NO'}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="pages per notebook (medians over them)")
    parser.add_argument("--targets", nargs="+", choices=list(TARGETS), default=list(TARGETS))
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a page may take to draw")
    parser.add_argument("--voila-arg", action="append", default=[], metavar="ARG", help="extra Voila option")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if find_chromium() is None:
        print("no Chromium found (/usr/bin/chromium or $CHROMIUM)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    started = time.monotonic()
    results = {}
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            for target in args.targets:
                results[target] = run(browser, target, args.reps, args.voila_arg, args.timeout)
        finally:
            browser.close()
    print()
    print(table(results))
    print(f"(took {time.monotonic() - started:.0f} s; {os.cpu_count()} CPUs)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {"machine": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                "reps": args.reps, "voila_args": [NO_PREHEAT, *args.voila_arg], "goals": GOALS}
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
