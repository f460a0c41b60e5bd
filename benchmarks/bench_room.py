"""A room of viewers: N pages open the dashboard at once, beside N opening the floor notebook.

    python benchmarks/bench_room.py [--n 10 20] [--json artifacts/bench/room.json]
                                    [--voila-arg=--SomeVoilaOption=value ...] [--close tab|vanish]

For each N and each target (the floor, benchmarks/floor.ipynb: one plotly FigureWidget
and one ToggleButton; then the dashboard, notebooks/dashboard.ipynb), a Voila of its own
serves that target ALONE (cwd = project root, so voila.json applies, plus ``--voila-arg``).
Once its kernel pool is filled and the server (and the machine) is quiet, one headless
Chromium opens N contexts (N separate viewers, no shared cache) and starts all N
navigations together (the async Playwright API). Measured:

* per page, seconds from its navigation start (``performance.now()`` in the page) until its
  plots are drawn — floor: the bars; dashboard: every ``section.explorer-panel`` has
  ``data-draws`` ≥ 1 (the panel board), or, without such sections, all four subplots of the
  one FigureWidget. Also "wall": from the moment the burst started. p50 / p95 / max use the
  nearest rank, with a page that never drew (``--timeout``, default 120 s) counted as ∞;
* once every page has drawn (or timed out), every page clicks once, all together (floor: its
  toggle; dashboard: the concession checkbox) — or, with ``--click-when-drawn``, each page as
  soon as it has drawn, while the others still load: click → the last redraw of that click, measured
  in the page (floor: ``plotly_afterplot``; panel board: the ``explorer-panel-drawn`` events of
  the changed panels, issue_map and redline_gap, then 300 ms without another draw);
* page errors (``pageerror`` events, e.g. "[anywidget] Failed to initialize model.");
* kernel CPU-seconds per viewer: utime+stime of every kernel (descendants of the Voila
  process but Voila) read just before the pages close, divided by N; the idle pool's kernel
  CPU measured before the burst is reported beside it and subtracted in "net";
* peak kernel count and peak RSS of Voila + kernels, polled every 0.5 s during the burst;
* after the pages close (``--close tab``: as a browser tab closes, ``beforeunload`` runs and
  Voila's page asks the server to shut its kernel down; ``--close vanish``: the page just
  disappears, as a phone that sleeps or loses its network, and the kernel waits for the
  idle cull), kernels and RSS every 10 s for 130 s, and when both came back within 10 % of
  the pre-burst idle level (or that they did not).

Goals (dashboard): every page draws, no page errors; p95 ≤ 1.3 × the floor's p95 at the
same N; ≤ 1.5 kernel-CPU s per viewer; p95 ≤ 1.5 s × N (N = 10: 15 s; N = 20: 30 s); back
to idle within 120 s of the pages closing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from explorer.app.quiet import QUIET_GATE_ENV  # noqa: E402
from tests.browser_support import (  # noqa: E402
    json_safe,
    CHROMIUM_ARGS,
    EXTERNAL,
    JS_ALL_PLOT_XY,
    JS_ARM_CLICK,
    JS_AWAIT_CLICK,
    JS_DASHBOARD_DRAWN,
    JS_FLOOR_DRAWN,
    VIEWPORT,
    bench_init_script,
    find_chromium,
    loadavg,
    serve_voila,
    voila_snapshot,
    wait_for_machine_quiet,
)

TARGETS = {
    "floor": {"notebook": "benchmarks/floor.ipynb", "drawn": JS_FLOOR_DRAWN,
              "click": "button.widget-toggle-button", "changed": []},
    # The floor of floors (not run by default): a page whose notebook prints one line, no widget.
    "empty": {"notebook": "benchmarks/empty.ipynb", "click": None, "changed": [],
              "drawn": "() => (document.body && document.body.innerText.includes('empty kernel ready'))"
                       " ? {mode: 'text'} : false"},
    "dashboard": {"notebook": "notebooks/dashboard.ipynb", "drawn": JS_DASHBOARD_DRAWN,
                  "click": ".concession-{concession} input[type=checkbox]", "changed": ["issue_map", "redline_gap"]},
}
#: The dashboard with its four main panels drawn (what a viewer acts on; the chance, deals and forecast
#: panels below come after): the page a --click-when-drawn viewer clicks as soon as it is there.
MAIN_PANELS = ("issue_map", "redline_gap", "utility", "distance")
JS_MAIN_DRAWN = JS_DASHBOARD_DRAWN.replace(
    "const sections = document.querySelectorAll('section.explorer-panel');",
    "const sections = Array.from(document.querySelectorAll('section.explorer-panel'))"
    f".filter(s => {list(MAIN_PANELS)!r}.includes(s.getAttribute('data-panel')));")
assert JS_MAIN_DRAWN != JS_DASHBOARD_DRAWN
TARGETS["dashboard-main"] = {**TARGETS["dashboard"], "drawn": JS_MAIN_DRAWN}
GOALS = {"p95_vs_floor": 1.3, "kernel_cpu_per_viewer_s": 1.5, "p95_s_per_viewer": 1.5, "back_to_idle_s": 120.0}
SETTLE_MS = 300
SAMPLE_S = 0.5
AFTER_S = 130
AFTER_EVERY_S = 10
MB = 1024 * 1024


def rank(values, q: float) -> float:
    """Nearest-rank percentile (q in 0–100); ∞ stays ∞ (a page that never drew)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def summary(values) -> dict:
    finite = [v for v in values if math.isfinite(v)]
    return {"p50": rank(values, 50), "p95": rank(values, 95), "max": max(values) if values else math.nan,
            "n": len(values), "finite": len(finite)}


def fmt(x: float, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if math.isinf(x):
        return "never"
    return f"{x:.{digits}f}"


class Sampler(threading.Thread):
    """Polls Voila and its kernels every ``SAMPLE_S`` s: peak kernel count and peak Voila+kernels RSS."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server, self.stop_event = server, threading.Event()
        self.peak_kernels, self.peak_rss, self.samples = 0, 0, 0

    def run(self):
        while not self.stop_event.is_set():
            snap = voila_snapshot(self.server)
            self.peak_kernels = max(self.peak_kernels, snap["kernels"])
            self.peak_rss = max(self.peak_rss, snap["total_rss"])
            self.samples += 1
            self.stop_event.wait(SAMPLE_S)

    def stop(self):
        self.stop_event.set()
        self.join(timeout=5)


async def open_viewer(browser, drawn_js: str) -> dict:
    context = await browser.new_context(viewport=VIEWPORT)
    await context.route(EXTERNAL, lambda route: route.abort())
    await context.add_init_script(script=bench_init_script(drawn_js, poll_ms=50))
    page = await context.new_page()
    viewer = {"context": context, "page": page, "errors": [], "console_errors": 0}
    page.on("pageerror", lambda error: viewer["errors"].append(str(error)))
    page.on("console", lambda msg: viewer.__setitem__("console_errors", viewer["console_errors"] + 1)
            if msg.type == "error" else None)
    return viewer


async def load_one(viewer: dict, url: str, deadline: float) -> None:
    page = viewer["page"]
    try:
        remaining = max(1.0, deadline - time.monotonic())
        await page.goto(url, wait_until="commit", timeout=remaining * 1000)
        remaining = max(1.0, deadline - time.monotonic())
        await page.wait_for_function("() => window.__bench && window.__bench.drawnAt !== null",
                                     polling=100, timeout=remaining * 1000)
        info = await page.evaluate("() => ({at: window.__bench.drawnAt, origin: performance.timeOrigin,"
                                   " mode: window.__bench.drawnMode})")
        viewer.update(drawn_s=info["at"] / 1000, origin_ms=info["origin"], mode=info["mode"])
    except Exception as exc:  # noqa: BLE001 - a page that never drew is a result, not a crash
        viewer.update(drawn_s=math.inf, mode=None, failure=f"{type(exc).__name__}: {str(exc).splitlines()[0]}")


async def click_one(viewer: dict, selector: str, changed: list[str], timeout_s: float) -> None:
    page = viewer["page"]
    try:
        await page.evaluate(JS_ARM_CLICK, selector)
        before = await page.evaluate(JS_ALL_PLOT_XY)
        await page.click(selector, timeout=timeout_s * 1000)
        record = await page.evaluate(JS_AWAIT_CLICK, {"expected": changed, "settle": SETTLE_MS,
                                                      "timeout": timeout_s * 1000})
        record["data_changed"] = await page.evaluate(JS_ALL_PLOT_XY) != before
        viewer["click"] = record
        viewer["click_ms"] = record["ms"] if record.get("ok") else math.inf
    except Exception as exc:  # noqa: BLE001
        viewer["click"] = {"ok": False, "failure": f"{type(exc).__name__}: {str(exc).splitlines()[0]}"}
        viewer["click_ms"] = math.inf


async def load_and_click(viewer: dict, url: str, deadline: float, selector: str | None, changed: list[str],
                         timeout_s: float) -> None:
    """Load a page and, with a ``selector``, click it as soon as it has drawn (the others still loading)."""
    await load_one(viewer, url, deadline)
    if selector is not None and math.isfinite(viewer["drawn_s"]):
        await click_one(viewer, selector, changed, timeout_s)


async def burst(playwright, server, target: str, n: int, args) -> dict:
    spec = TARGETS[target]
    selector = spec["click"].format(concession=args.concession) if spec["click"] else None
    result: dict = {"target": target, "n": n}
    browser = await playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
    viewers: list[dict] = []
    sampler = None
    try:
        viewers = [await open_viewer(browser, spec["drawn"]) for _ in range(n)]
        result["quiet_before"] = await asyncio.to_thread(server.wait_until_quiet, 1.0, 0.05, 120.0)
        result["machine_before"] = await asyncio.to_thread(wait_for_machine_quiet, 0.10, 1.0, 90.0)
        idle = voila_snapshot(server)
        result["idle"] = {k: idle[k] for k in ("kernels", "kernel_cpu_s", "voila_cpu_s", "kernel_rss", "total_rss")}
        result["loadavg_before"] = loadavg()
        print(f"  [{target} N={n}] load average before the burst: {result['loadavg_before']}; idle: "
              f"{idle['kernels']} kernel(s), {idle['total_rss'] / MB:.0f} MB, kernel CPU {idle['kernel_cpu_s']:.2f} s",
              flush=True)
        sampler = Sampler(server)
        sampler.start()
        started_epoch_ms = time.time() * 1000
        started = time.monotonic()
        click_now = selector is not None and args.click_when_drawn
        await asyncio.gather(*(load_and_click(v, server.url, started + args.timeout,
                                              selector if click_now else None, spec["changed"], args.click_timeout)
                               for v in viewers))
        result["all_settled_s"] = time.monotonic() - started
        result["clicked_when_drawn"] = click_now
        for v in viewers:
            v["wall_s"] = (v["origin_ms"] + v["drawn_s"] * 1000 - started_epoch_ms) / 1000 \
                if math.isfinite(v["drawn_s"]) else math.inf
        drawn = [v for v in viewers if math.isfinite(v["drawn_s"])]
        print(f"  [{target} N={n}] {len(drawn)}/{n} drawn in {result['all_settled_s']:.1f} s; "
              + ("each clicked as it drew" if click_now else "clicking all at once"), flush=True)
        clicked_at = time.monotonic()
        if selector is not None and not click_now:
            await asyncio.gather(*(click_one(v, selector, spec["changed"], args.click_timeout) for v in drawn))
        result["clicks_took_s"] = time.monotonic() - clicked_at
        before_close = voila_snapshot(server)  # just before the pages close
        sampler.stop()
        result["peak_kernels"], result["peak_rss"] = sampler.peak_kernels, max(sampler.peak_rss,
                                                                                before_close["total_rss"])
        result["before_close"] = {k: before_close[k] for k in ("kernels", "kernel_cpu_s", "voila_cpu_s",
                                                                 "kernel_rss", "total_rss")}
    finally:
        if sampler is not None:
            sampler.stop()
        close_started = time.monotonic()
        await close_all(viewers, args.close)
        await browser.close()
    result["close_s"] = time.monotonic() - close_started
    result["pages"] = [{"drawn_s": v.get("drawn_s"), "wall_s": v.get("wall_s"), "mode": v.get("mode"),
                        "failure": v.get("failure"), "click_ms": v.get("click_ms"),
                        "click": _slim_click(v.get("click")), "errors": v["errors"],
                        "console_errors": v["console_errors"]} for v in viewers]
    return result


def _slim_click(record):
    if not record:
        return record
    out = {k: record.get(k) for k in ("ok", "ms", "firstMs", "neededMs", "startMs", "clickAt", "data_changed",
                                      "mode", "failure")}
    out["panels"] = sorted({str(d.get("panel")) for d in record.get("draws", [])})
    out["draws"] = len(record.get("draws", []))
    return out


async def close_all(viewers: list[dict], how: str) -> None:
    async def close(v):
        try:
            if how == "tab":  # as a browser tab closes: beforeunload runs (Voila's page asks for a kernel shutdown)
                await v["page"].close(run_before_unload=True)  # returns at once; the page closes after its handlers
                deadline = time.monotonic() + 20
                while not v["page"].is_closed() and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                await asyncio.sleep(0.5)  # the beacon is sent by the browser after the page is gone
            await v["context"].close()
        except Exception:  # noqa: BLE001 - closing is best effort; the browser closes next
            pass
    await asyncio.wait_for(asyncio.gather(*(close(v) for v in viewers)), timeout=60)


def watch_after_close(server, idle: dict, after_s: float = AFTER_S) -> dict:
    """Kernels and RSS every 10 s for 130 s after the pages closed; when both are back within 10 % of idle."""
    start = time.monotonic()
    rows, back_at, kernels_back_at = [], None, None
    kernel_limit = idle["kernels"] * 1.1
    rss_limit = idle["total_rss"] * 1.1
    kernel_rss_limit = idle["kernel_rss"] * 1.1
    next_row = 0.0
    while True:
        elapsed = time.monotonic() - start
        snap = voila_snapshot(server)
        if back_at is None and snap["kernels"] <= kernel_limit and snap["total_rss"] <= rss_limit:
            back_at = elapsed
        if kernels_back_at is None and snap["kernels"] <= kernel_limit and snap["kernel_rss"] <= kernel_rss_limit:
            kernels_back_at = elapsed
        if elapsed >= next_row:
            rows.append({"t_s": round(elapsed), "kernels": snap["kernels"], "total_rss": snap["total_rss"],
                         "kernel_rss": snap["kernel_rss"]})
            next_row += AFTER_EVERY_S
        if elapsed >= after_s:
            break
        time.sleep(1.0)
    return {"rows": rows, "back_to_idle_s": back_at, "kernels_back_to_idle_s": kernels_back_at,
            "after_60s": next((r for r in rows if r["t_s"] >= 60), None)}


def run_target(playwright_factory, target: str, n: int, args) -> dict:
    spec = TARGETS[target]
    machine = wait_for_machine_quiet(0.10, 1.0, 120.0)
    env = {QUIET_GATE_ENV: "0"} if args.no_quiet_gate else None
    with serve_voila(spec["notebook"], args.voila_arg, env=env, timeout=120) as server:
        if not any("preheat_kernel=False" in a for a in args.voila_arg):
            server.wait_for_pool(1, timeout=120)
        server.wait_until_quiet(timeout=120)

        async def go():
            async with playwright_factory() as playwright:
                return await burst(playwright, server, target, n, args)

        result = asyncio.run(go())
        result["machine_at_start"] = machine
        after = watch_after_close(server, result["idle"], args.after)
        result["after_close"] = after
    drawn = [p["drawn_s"] for p in result["pages"]]
    walls = [p["wall_s"] for p in result["pages"]]
    clicks = [p["click_ms"] if p["click_ms"] is not None else math.inf for p in result["pages"]]
    net_cpu = result["before_close"]["kernel_cpu_s"] - result["idle"]["kernel_cpu_s"]
    result["summary"] = {
        "drawn_s": summary(drawn), "wall_s": summary(walls), "click_ms": summary(clicks),
        "never_drawn": sum(1 for d in drawn if not math.isfinite(d)),
        "pages_with_errors": sum(1 for p in result["pages"] if p["errors"]),
        "errors": sorted({e.splitlines()[0][:160] for p in result["pages"] for e in p["errors"]}),
        "kernel_cpu_per_viewer_s": result["before_close"]["kernel_cpu_s"] / n,
        "kernel_cpu_per_viewer_net_s": net_cpu / n,
        "idle_kernel_cpu_s": result["idle"]["kernel_cpu_s"],
        "voila_cpu_per_viewer_s": (result["before_close"]["voila_cpu_s"] - result["idle"]["voila_cpu_s"]) / n,
        "modes": sorted({str(p["mode"]) for p in result["pages"]}),
        "clicks_without_redraw": sum(1 for p in result["pages"] if p["click"] and not p["click"].get("ok")),
        "clicks_unseen": sum(1 for p in result["pages"] if p["click"] and p["click"].get("clickAt") is None),
        "panels_redrawn_per_click": sorted({x for p in result["pages"] if p["click"] for x in p["click"].get("panels", [])}),
    }
    s = result["summary"]
    print(f"  [{target} N={n}] drawn p50 {fmt(s['drawn_s']['p50'])} s, p95 {fmt(s['drawn_s']['p95'])} s, "
          f"max {fmt(s['drawn_s']['max'])} s; click p50 {fmt(s['click_ms']['p50'], 0)} ms, "
          f"p95 {fmt(s['click_ms']['p95'], 0)} ms ({s['clicks_without_redraw']} without redraw; panels redrawn: "
          f"{', '.join(s['panels_redrawn_per_click'])}); errors on {s['pages_with_errors']} page(s); "

          f"back to idle: {fmt(after['back_to_idle_s'], 0) if after['back_to_idle_s'] is not None else 'no'}",
          flush=True)
    return result


def goal_rows(results: dict, n: int) -> list[tuple[str, str, str, bool | None]]:
    floor, dash = results.get(("floor", n)), results.get(("dashboard", n))
    rows = []
    for name, r in (("floor", floor), ("dashboard", dash)):
        if r is None:
            continue
        s = r["summary"]
        rows.append((f"{name}: every page draws, no page errors",
                     f"{n - s['never_drawn']}/{n} drew, {s['pages_with_errors']} with errors",
                     "all, 0", s["never_drawn"] == 0 and s["pages_with_errors"] == 0))
    if dash is None:
        return rows
    d = dash["summary"]
    if floor is not None:
        f95 = floor["summary"]["drawn_s"]["p95"]
        if math.isfinite(f95):
            ratio = d["drawn_s"]["p95"] / f95
            rows.append(("dashboard p95 / floor p95 (drawn)", f"{fmt(d['drawn_s']['p95'])} / {fmt(f95)} s = "
                         f"{fmt(ratio, 2)}×", f"≤ {GOALS['p95_vs_floor']}×", ratio <= GOALS["p95_vs_floor"]))
        else:  # more than 5 % of the floor's pages never drew: no ratio to take
            rows.append(("dashboard p95 / floor p95 (drawn)", f"{fmt(d['drawn_s']['p95'])} s / floor never "
                         f"(p95 of its drawn pages {fmt(rank([x for x in floor_drawn(floor) if math.isfinite(x)], 95))} s)",
                         f"≤ {GOALS['p95_vs_floor']}×", None))
    rows.append(("dashboard kernel CPU per viewer", f"{d['kernel_cpu_per_viewer_s']:.2f} s "
                 f"(net of idle pool {d['kernel_cpu_per_viewer_net_s']:.2f} s)",
                 f"≤ {GOALS['kernel_cpu_per_viewer_s']} s", d["kernel_cpu_per_viewer_s"] <= GOALS["kernel_cpu_per_viewer_s"]))
    limit = GOALS["p95_s_per_viewer"] * n
    rows.append((f"dashboard p95 drawn at N={n}", f"{fmt(d['drawn_s']['p95'])} s", f"≤ {limit:g} s",
                 d["drawn_s"]["p95"] <= limit))
    back = dash["after_close"]["back_to_idle_s"]
    kback = dash["after_close"].get("kernels_back_to_idle_s")
    rows.append(("dashboard back to idle after close (Voila+kernels)",
                 f"no (within {dash['after_close']['rows'][-1]['t_s']} s)" if back is None else f"{back:.0f} s",
                 f"≤ {GOALS['back_to_idle_s']:.0f} s", back is not None and back <= GOALS["back_to_idle_s"]))
    rows.append(("  of it, kernels alone (count and RSS)", f"no (within {dash['after_close']['rows'][-1]['t_s']} s)" if kback is None else f"{kback:.0f} s",
                 f"≤ {GOALS['back_to_idle_s']:.0f} s", kback is not None and kback <= GOALS["back_to_idle_s"]))
    return rows


def floor_drawn(result: dict) -> list[float]:
    return [p["drawn_s"] for p in result["pages"]]


def table(results: dict, ns: list[int]) -> str:
    lines = []
    header = (f"{'N':>3} {'target':9} {'drawn p50/p95/max (s)':>22} {'wall p95':>8} {'click p50/p95/max (ms)':>24} "
              f"{'err':>3} {'never':>5} {'kCPU/viewer':>11} {'net':>5} {'idle kCPU':>9} {'peak k':>6} {'peak MB':>7} "
              f"{'MB@60s':>6} {'idle MB':>7} {'back':>5} {'kback':>5}")
    lines.append(header)
    for n in ns:
        for target in TARGETS:
            r = results.get((target, n))
            if r is None:
                continue
            s, a = r["summary"], r["after_close"]
            at60 = a["after_60s"]
            back = "no" if a["back_to_idle_s"] is None else f"{a['back_to_idle_s']:.0f}s"
            kback = "no" if a.get("kernels_back_to_idle_s") is None else f"{a['kernels_back_to_idle_s']:.0f}s"
            lines.append(
                f"{n:3d} {target:9} {fmt(s['drawn_s']['p50']):>6}/{fmt(s['drawn_s']['p95']):>6}/{fmt(s['drawn_s']['max']):>6}"
                f"   {fmt(s['wall_s']['p95']):>8} {fmt(s['click_ms']['p50'], 0):>7}/{fmt(s['click_ms']['p95'], 0):>7}/"
                f"{fmt(s['click_ms']['max'], 0):>7}  {s['pages_with_errors']:>3} {s['never_drawn']:>5} "
                f"{s['kernel_cpu_per_viewer_s']:>11.2f} {s['kernel_cpu_per_viewer_net_s']:>5.2f} "
                f"{s['idle_kernel_cpu_s']:>9.2f} {r['peak_kernels']:>6d} {r['peak_rss'] / MB:>7.0f} "
                f"{(at60['total_rss'] / MB if at60 else math.nan):>6.0f} {r['idle']['total_rss'] / MB:>7.0f} "
                f"{back:>5} {kback:>5}")
    lines.append("(drawn: s from each page's navigation start; wall: from the burst start; click: one click per page, "
                 "all together; kCPU: kernel CPU-s per viewer, net = minus the idle pool; peak k / MB: kernels and MB of "
                 "Voila + kernels; back / kback: s after the pages closed until Voila+kernels / the kernels alone are "
                 "within 10 % of idle)")
    lines.append("")
    lines.append(f"{'goal':56} {'measured':42} {'target':>9}  ok")
    for n in ns:
        for name, measured, goal, ok in goal_rows(results, n):
            lines.append(f"N={n:<3d} {name:50} {measured:42} {goal:>9}  {'n/a' if ok is None else 'yes' if ok else 'NO'}")
    lines.append("")
    lines.append("after the pages closed (kernels / MB of Voila + kernels (of it kernels), every 10 s):")
    for n in ns:
        for target in TARGETS:
            r = results.get((target, n))
            if r is None:
                continue
            cells = " ".join(f"{row['t_s']}s:{row['kernels']}k/{row['total_rss'] / MB:.0f}({row['kernel_rss'] / MB:.0f})"
                             for row in r["after_close"]["rows"])
            lines.append(f"  N={n} {target:9} {cells}")
    for n in ns:
        for target in TARGETS:
            r = results.get((target, n))
            if r and r["summary"]["errors"]:
                lines.append(f"  N={n} {target} page errors: " + " | ".join(r["summary"]["errors"]))
    return "\n".join(lines)




def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10, 20], help="viewers per burst (one burst per N)")
    parser.add_argument("--targets", nargs="+", choices=list(TARGETS), default=["floor", "dashboard"],
                        help="what to serve (default floor dashboard; 'empty' is a page with no widget at all; "
                             "'dashboard-main' the dashboard, drawn once its four main panels are)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a page may take to draw")
    parser.add_argument("--click-timeout", type=float, default=60.0, help="seconds a click may take to redraw")
    parser.add_argument("--close", choices=["tab", "vanish"], default="tab",
                        help="tab: pages close as a browser tab does (beforeunload → Voila shuts the kernel); "
                             "vanish: pages disappear without it (kernels wait for the idle cull)")
    parser.add_argument("--after", type=float, default=AFTER_S, help="seconds to watch kernels and RSS after the close")
    parser.add_argument("--concession", default="ukraine-line-freeze", help="the dashboard checkbox clicked")
    parser.add_argument("--no-quiet-gate", action="store_true",
                        help=f"background work does not wait for the CPUs ({QUIET_GATE_ENV}=0): the 'before'")
    parser.add_argument("--click-when-drawn", action="store_true",
                        help="each page clicks as soon as it has drawn, while the others still load (the burst's "
                             "background work competing), instead of all together once every page has drawn; with "
                             "--targets dashboard-main a page counts as drawn once its four main panels are")
    parser.add_argument("--voila-arg", action="append", default=[], metavar="ARG",
                        help="extra Voila option for both servers, e.g. --voila-arg=--MappingKernelManager.cull_idle_timeout=60")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    if find_chromium() is None:
        print("no Chromium found (/usr/bin/chromium or $CHROMIUM)", file=sys.stderr)
        return 2
    from playwright.async_api import async_playwright

    started = time.monotonic()
    results: dict = {}
    failures: dict = {}
    for n in args.n:
        for target in args.targets:
            print(f"N={n} {target}: serving {TARGETS[target]['notebook']} alone", flush=True)
            try:
                results[(target, n)] = run_target(async_playwright, target, n, args)
            except Exception as exc:  # noqa: BLE001 - report the others; the server has been stopped
                print(f"N={n} {target}: FAILED: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                failures[f"{target}/{n}"] = f"{type(exc).__name__}: {exc}"
    print()
    print(table(results, args.n))
    print(f"(took {time.monotonic() - started:.0f} s; {os.cpu_count()} CPUs; close = {args.close})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        meta = {"machine": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                "n": args.n, "timeout_s": args.timeout, "after_s": args.after, "close": args.close, "concession": args.concession,
                "voila_args": args.voila_arg, "goals": GOALS, "settle_ms": SETTLE_MS}
        goals = {str(n): [{"goal": g, "measured": m, "target": t, "ok": ok} for g, m, t, ok in goal_rows(results, n)]
                 for n in args.n}
        payload = {"meta": meta, "goals": goals, "failures": failures,
                   "results": {f"{t}/{n}": r for (t, n), r in results.items()}}
        args.json.write_text(json.dumps(json_safe(payload), indent=1) + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
