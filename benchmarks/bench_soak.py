"""A soak: a room of N pages keeps the dashboard busy for many minutes; memory, answers and errors are watched.

    python benchmarks/bench_soak.py [--n 20] [--minutes 10] [--every 2] [--json artifacts/bench/soak.json]
                                    [--warmup 60] [--after 130] [--voila-arg=--SomeVoilaOption=value ...]

One Voila serves notebooks/dashboard.ipynb (cwd = project root, so voila.json applies, plus
``--voila-arg``). Once its kernel pool is filled and the server is quiet, the idle level is
read (kernels, RSS), then one headless Chromium opens N pages, one browser context each (N
separate viewers), at most ``--open-concurrency`` loading at a time (a burst of 20 is
bench_room.py's subject, not this one's), and waits until each has drawn: every
``section.explorer-panel`` has ``data-draws`` ≥ 1. Each page's viewport is then made as tall
as the dashboard, so that no panel is out of view (the panel board defers those).

For ``--minutes`` every drawn page acts every ``--every`` seconds, the pages' first actions
spread over one interval so they do not act on the same tick. A page cycles through

    toggle a concession · package picker · forecast model · toggle it back · package picker ·
    forecast issue · click a deal point · package picker

and every action is chosen so that it must change a panel: the concession toggled is one whose
checkbox is enabled (and it is toggled back three actions later); the "Predicted package to
show" picker moves to a package that differs from the one shown (a Nash or Kalai–Smorodinsky
package only when a package ZOPA exists: otherwise the dashboard shows the compromise instead);
the forecast model and issue pickers move to the next option; a deal point is clicked on the
"deals" panel once one exists — and when its concessions are exactly the ones on already (the
seed has one deal), the reset button is clicked instead.

Before each action a page waits (in the page, at most ``--quiet-max`` s) until it is quiet: no
panel drawn for ``--quiet-ms`` and, before a forecast action, the forecast's spread not being
computed (it redraws the forecast panel when done), so a late redraw of the previous action is
not taken as this one's answer. An action that overruns its slot makes its page skip the ticks
it missed (counted). Measured per action, in the page (``performance.now()``): the input event
(capture-phase pointerdown / input / change) → the first ``explorer-panel-drawn`` event of a
panel the action must change (toggle, deal, reset: issue_map, redline_gap, utility or
distance; package picker: utility; forecast pickers: forecast). An action is answered when
that comes within ``--answer-timeout`` s (default 30). The tall viewports make every page
redraw every panel a change touches, as a viewer who scrolls would: more browser work on this
machine than viewers who look above the fold only.

Also measured: page errors (``pageerror`` events) and console errors per page (not the CDN
font request Voila's template makes, aborted on purpose: counted apart); every
``--sample-every`` s (default 10) Voila's RSS, each kernel's RSS, the kernel count and the CPU
used (Voila, kernels, the whole machine). Reported: the RSS slope (MB per minute, least
squares) of Voila, of the kernels' total, and the median of the kernels' own slopes, over the
run after ``--warmup`` s (default 60), and the growth in % from the first sample after the
warmup to the last one. Then every page closes as a browser tab does (``beforeunload`` runs:
Voila's page asks for its kernel's shutdown) and kernels and RSS are read every 10 s for
``--after`` s (default 130): when both are back within 10 % of the idle level.

Goals: every page draws; every action that reached the page answered (median and p95 latency
reported, an action not answered counted as ∞; an action the browser could not perform — its
click gave up after 10 s on a saturated machine — is counted apart); no page errors; no guard
tripped by a real page (Voila's log: no "page message refused", no "websocket closed:"); RSS of
Voila, of the kernels' total and of the median kernel grows by ≤ 5 % after the first minute;
the kernels (their count and RSS) back to idle ≤ 120 s after the pages close (Voila's own RSS
before the room and after the close is reported beside it: Python keeps what it once used).
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

from benchmarks.bench_room import MB, close_all, fmt, load_one, rank, watch_after_close  # noqa: E402
from tests.browser_support import (  # noqa: E402
    json_safe,
    CHROMIUM_ARGS,
    EXTERNAL,
    JS_DASHBOARD_DRAWN,
    VIEWPORT,
    bench_init_script,
    find_chromium,
    loadavg,
    serve_voila,
    voila_snapshot,
    wait_for_machine_quiet,
)

NOTEBOOK = "notebooks/dashboard.ipynb"
SEED = ROOT / "data" / "scenarios" / "russia_ukraine_talks.yaml"  # the scenario the dashboard opens with
GOALS = {"rss_growth_pct": 5.0, "page_errors": 0, "back_to_idle_s": 120.0}
MAX_VIEWPORT_HEIGHT = 8000
CONSOLE_ERRORS_KEPT = 20  # per page; all are counted

CYCLE = ("toggle", "outcome", "forecast_model", "toggle_back", "outcome", "forecast_issue", "deal", "outcome")
CODED = ("issue_map", "redline_gap", "utility", "distance")
#: the panels an action must redraw (its answer is the first draw of any of them)
EXPECTED = {"toggle": CODED, "toggle_back": CODED, "deal": CODED, "reset": CODED,
            "outcome": ("utility",), "forecast_model": ("forecast",), "forecast_issue": ("forecast",)}
ALWAYS_SHOWN = ("compromise", "weighted_median")  # the package rules that never fall back to another

SELECT = {"outcome": ".outcome-picker select", "forecast_model": ".forecast-model select",
          "forecast_issue": ".forecast-issue select"}
CHECKBOX = ".concession-{id} input[type=checkbox]"
DEAL_POINT = 'section[data-panel="deals"] .scatterlayer .trace:first-of-type .point'
RESET_BUTTON = ".explorer-controls button"  # filtered by its text, "Reset: switch every concession off"

# JavaScript run in the page ---------------------------------------------------------------
#: An init script beside bench_init_script's: stamps the first input event after ``window.__soak.armed``.
JS_SOAK_INIT = """(() => {
  const s = window.__soak = {armed: false, inputAt: null, inputType: null};
  const stamp = (event) => {
    if (s.armed && s.inputAt === null) { s.inputAt = performance.now(); s.inputType = event.type; }
  };
  for (const type of ['pointerdown', 'mousedown', 'click', 'input', 'change']) {
    document.addEventListener(type, stamp, true);
  }
})();"""

#: () => the index, in window.__bench.events, from which a new action's draws count; arms the input stamp.
JS_ARM = """() => {
  const s = window.__soak;
  s.armed = true; s.inputAt = null; s.inputType = null;
  return window.__bench.events.length;
}"""

#: ({since, expected, timeout}) => Promise of the action's answer: waits in the page until the input
#: has been stamped and a panel of ``expected`` has drawn after it (events from index ``since``).
JS_AWAIT_ANSWER = """async ({since, expected, timeout}) => {
  const s = window.__soak, b = window.__bench, t0 = performance.now();
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const after = () => (s.inputAt === null ? [] : b.events.slice(since).filter((e) => e.t >= s.inputAt));
  for (;;) {
    const hit = after().find((e) => expected.includes(e.panel));
    if (hit) {
      s.armed = false;
      return {ok: true, ms: hit.t - s.inputAt, panel: hit.panel, input: s.inputType,
              drawn: [...new Set(after().map((e) => e.panel))]};
    }
    if (performance.now() - t0 > timeout) {
      s.armed = false;
      return {ok: false, ms: null, panel: null, input: s.inputType, inputSeen: s.inputAt !== null,
              drawn: [...new Set(after().map((e) => e.panel))]};
    }
    await sleep(20);
  }
}"""

#: ({quietMs, maxMs, spread}) => Promise of {quiet, waitedMs}: waits until no panel has drawn for
#: ``quietMs`` and — with ``spread`` — the forecast's spread is not being computed (at most ``maxMs``).
JS_AWAIT_QUIET = """async ({quietMs, maxMs, spread}) => {
  const b = window.__bench, t0 = performance.now();
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const note = () => { const e = document.querySelector('.forecast-note'); return e ? e.textContent : ''; };
  const busy = () => spread && note().includes('being computed');
  for (;;) {
    const last = b.events.length ? b.events[b.events.length - 1].t : 0;
    const now = performance.now();
    if (now - last >= quietMs && !busy()) return {quiet: true, waitedMs: now - t0};
    if (now - t0 > maxMs) return {quiet: false, waitedMs: now - t0};
    await sleep(50);
  }
}"""

#: (ids) => what the next action is chosen from: concessions on / enabled, the package shown, whether a
#: package ZOPA exists, each picker's options and choice, and how many deal points are drawn.
JS_PAGE_STATE = """(ids) => {
  const box = (id) => document.querySelector(`.concession-${id} input[type=checkbox]`);
  const select = (sel) => {
    const s = document.querySelector(sel);
    return s ? {options: [...s.options].map((o) => o.text.replace(/\\u00a0/g, ' ')), index: s.selectedIndex}
             : {options: [], index: -1};
  };
  const status = document.querySelector('.package-status');
  const surplus = document.querySelector('.kf[data-key="surplus"] .kf-delta');
  return {
    checked: ids.filter((id) => box(id) && box(id).checked),
    enabled: ids.filter((id) => box(id) && !box(id).disabled),
    shown: status ? status.dataset.shown : null,
    zopa: !!surplus && /package ZOPA:\\s*yes/.test(surplus.textContent),
    outcome: select('.outcome-picker select'),
    forecastModel: select('.forecast-model select'),
    forecastIssue: select('.forecast-issue select'),
    dealPoints: document.querySelectorAll(
      'section[data-panel="deals"] .scatterlayer .trace:first-of-type .point').length,
  };
}"""

#: () => {height: px the whole dashboard needs, outOfView: panels not wholly in the viewport}. Voila's
#: page may scroll inside an element rather than the document: the tallest scrolled content counts.
JS_PAGE_FIT = """() => {
  let height = document.scrollingElement.scrollHeight;
  const dashboard = document.querySelector('.explorer-dashboard');
  if (dashboard) height = Math.max(height, dashboard.getBoundingClientRect().bottom + window.scrollY);
  for (const e of document.querySelectorAll('body *')) {
    if (e.scrollHeight > e.clientHeight + 1 && ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)) {
      height = Math.max(height, e.getBoundingClientRect().top + window.scrollY + e.scrollHeight);
    }
  }
  const outOfView = [...document.querySelectorAll('section.explorer-panel')]
    .filter((s) => { const r = s.getBoundingClientRect(); return r.top < 0 || r.bottom > window.innerHeight; })
    .map((s) => s.dataset.panel);
  return {height: Math.ceil(height), outOfView};
}"""


# Statistics -----------------------------------------------------------------------------------
def slope_per_minute(times_s: list[float], values: list[float]) -> float:
    """Least-squares slope of ``values`` against time, per minute (NaN with fewer than two times)."""
    if len(set(times_s)) < 2:
        return math.nan
    return statistics.linear_regression([t / 60 for t in times_s], values).slope


def growth_pct(first: float, last: float) -> float:
    """Growth from ``first`` to ``last`` in % of ``first``."""
    return 100 * (last - first) / first if first else math.nan


def memory_trend(samples: list[dict], key: str) -> dict:
    """Slope (MB/min) and growth (%) of one RSS series over the samples after the warmup."""
    if len(samples) < 2:
        return {"slope_mb_per_min": math.nan, "growth_pct": math.nan, "first_mb": math.nan, "last_mb": math.nan}
    times = [s["t_s"] for s in samples]
    values = [s[key] / MB for s in samples]
    return {"slope_mb_per_min": slope_per_minute(times, values), "growth_pct": growth_pct(values[0], values[-1]),
            "first_mb": values[0], "last_mb": values[-1]}


def per_kernel_trends(samples: list[dict]) -> dict:
    """Slope and growth of each kernel alive in every sample after the warmup; their medians."""
    if len(samples) < 2:
        return {"kernels": 0, "median_slope_mb_per_min": math.nan, "median_growth_pct": math.nan, "each": {}}
    alive = set.intersection(*(set(s["per_kernel"]) for s in samples))
    each = {}
    for key in sorted(alive):
        values = [s["per_kernel"][key] / MB for s in samples]
        each[key] = {"slope_mb_per_min": slope_per_minute([s["t_s"] for s in samples], values),
                     "growth_pct": growth_pct(values[0], values[-1]), "first_mb": values[0], "last_mb": values[-1]}
    slopes = [k["slope_mb_per_min"] for k in each.values()]
    growths = [k["growth_pct"] for k in each.values()]
    return {"kernels": len(each), "median_slope_mb_per_min": statistics.median(slopes) if slopes else math.nan,
            "median_growth_pct": statistics.median(growths) if growths else math.nan, "each": each}


def latency_summary(records: list[dict]) -> dict:
    """Answered / total, and p50 / p95 / max of the latency (ms) with an unanswered action as ∞."""
    values = [r["ms"] if r["ok"] else math.inf for r in records]
    return {"total": len(records), "answered": sum(1 for r in records if r["ok"]),
            "p50_ms": rank(values, 50), "p95_ms": rank(values, 95), "max_ms": max(values) if values else math.nan}




# Sampling Voila and its kernels ---------------------------------------------------------------
def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    total = sum(fields[:8])
    return total - idle, total


class SoakSampler(threading.Thread):
    """Every ``every`` s: kernel count, RSS of Voila / of the kernels / of each kernel, CPU used since the
    last sample (Voila, kernels: in cores; the machine: share of all its CPUs), the load average."""

    def __init__(self, server, every: float, started: float):
        super().__init__(daemon=True)
        self.server, self.every, self.started = server, every, started
        self.stop_event = threading.Event()
        self.samples: list[dict] = []

    def run(self):
        self.previous, self.jiffies = None, machine_jiffies()
        while True:
            self.take()
            if self.stop_event.wait(self.every):
                break
        self.take()  # the level at the end of the run

    def take(self) -> None:
        """Append one sample (CPU figures: since the previous one)."""
        snap, jiffies = voila_snapshot(self.server), machine_jiffies()
        sample = {
            "t_s": round(snap["t"] - self.started, 1), "kernels": snap["kernels"],
            "voila_rss": snap["total_rss"] - snap["kernel_rss"], "kernel_rss": snap["kernel_rss"],
            "total_rss": snap["total_rss"], "voila_cpu_s": snap["voila_cpu_s"], "kernel_cpu_s": snap["kernel_cpu_s"],
            # a kernel is named by pid and start time (a pid can be reused)
            "per_kernel": {f"{pid}@{k['start']}": k["rss"] for pid, k in snap["per_kernel"].items()},
            "loadavg": loadavg(),
        }
        if self.previous is not None:
            dt = snap["t"] - self.previous["t"]
            sample["voila_cores"] = round((snap["voila_cpu_s"] - self.previous["voila_cpu_s"]) / dt, 3)
            sample["kernel_cores"] = round((snap["kernel_cpu_s"] - self.previous["kernel_cpu_s"]) / dt, 3)
            sample["machine_busy"] = round((jiffies[0] - self.jiffies[0]) / max(jiffies[1] - self.jiffies[1], 1), 3)
        self.samples.append(sample)
        self.previous, self.jiffies = snap, jiffies

    def stop(self):
        self.stop_event.set()
        self.join(timeout=10)


# Opening the room -----------------------------------------------------------------------------
async def open_viewer(browser, index: int) -> dict:
    """A fresh context and page (no network beyond Voila), with the draw and input recorders and
    its page errors and console errors recorded."""
    context = await browser.new_context(viewport=VIEWPORT)
    await context.route(EXTERNAL, lambda route: route.abort())
    await context.add_init_script(script=bench_init_script(JS_DASHBOARD_DRAWN, poll_ms=50))
    await context.add_init_script(script=JS_SOAK_INIT)
    page = await context.new_page()
    viewer = {"index": index, "context": context, "page": page, "errors": [], "console_errors": [],
              "console_error_count": 0, "external_aborted": 0, "actions": [],
              "memory": {"concession": index, "deal": 0, "outcome": index}}  # each page starts elsewhere in the lists

    def on_console(message):
        if EXTERNAL.match((message.location or {}).get("url") or ""):
            viewer["external_aborted"] += 1  # Voila's CDN font, aborted on purpose (no network)
        elif message.type == "error":
            viewer["console_error_count"] += 1
            if len(viewer["console_errors"]) < CONSOLE_ERRORS_KEPT:
                viewer["console_errors"].append(message.text[:300])

    page.on("pageerror", lambda error: viewer["errors"].append(str(error)))
    page.on("console", on_console)
    return viewer


async def fit_viewport(viewer: dict) -> None:
    """Make the page's viewport as tall as the dashboard: every panel in view, none deferred (a few
    passes, as the layout may change with the height). Records the height and any panel still out of view."""
    page = viewer["page"]
    fit = await page.evaluate(JS_PAGE_FIT)
    for _ in range(3):
        if not fit["outOfView"]:
            break
        height = min(fit["height"] + 40, MAX_VIEWPORT_HEIGHT)
        await page.set_viewport_size({"width": VIEWPORT["width"], "height": height})
        viewer["viewport_height"] = height
        fit = await page.evaluate(JS_PAGE_FIT)
    viewer["out_of_view"] = fit["outOfView"]


def describe_opened(viewer: dict) -> str:
    """How a page came up: when it drew, its viewport height, any panel still out of view."""
    if not math.isfinite(viewer["drawn_s"]):
        return f"NOT drawn ({viewer.get('failure')})"
    text = f"drawn in {viewer['drawn_s']:.1f} s, viewport {viewer.get('viewport_height', VIEWPORT['height'])} px"
    return text + (f"; OUT OF VIEW: {', '.join(viewer['out_of_view'])}" if viewer.get("out_of_view") else "")


async def open_room(browser, url: str, n: int, args) -> list[dict]:
    """Open ``n`` pages, at most ``args.open_concurrency`` loading at once; wait for each to draw."""
    viewers = [await open_viewer(browser, k) for k in range(n)]
    gate = asyncio.Semaphore(args.open_concurrency)

    async def open_one(viewer):
        async with gate:
            await load_one(viewer, url, time.monotonic() + args.open_timeout)
            if math.isfinite(viewer["drawn_s"]):
                await fit_viewport(viewer)
            print(f"  page {viewer['index'] + 1}/{n}: " + describe_opened(viewer), flush=True)

    await asyncio.gather(*(open_one(v) for v in viewers))
    return viewers


# Choosing and doing an action -------------------------------------------------------------------
def next_concession(state: dict, ids: list[str], memory: dict) -> str | None:
    """The next concession (in turn, per page) whose checkbox is enabled."""
    for step in range(len(ids)):
        cid = ids[(memory["concession"] + step) % len(ids)]
        if cid in state["enabled"]:
            memory["concession"] += step + 1
            return cid
    return None


def outcome_key(text: str) -> str | None:
    """The package rule ("nash", "compromise", ...) an option of the package picker names."""
    from explorer.analysis.vocabulary import OUTCOME_LABELS

    return next((key for key, label in OUTCOME_LABELS.items() if label == text.strip()), None)


def next_outcome(state: dict, memory: dict) -> int | None:
    """Index of the next package (in turn) whose drawing differs from the one shown now: a package rule
    (Nash, Kalai–Smorodinsky) is drawn only when a package ZOPA exists, else the compromise is."""
    options = [outcome_key(text) for text in state["outcome"]["options"]]
    current = options[state["outcome"]["index"]] if 0 <= state["outcome"]["index"] < len(options) else None
    for step in range(len(options)):
        k = (memory["outcome"] + step) % len(options)
        key = options[k]
        drawn = key if key in ALWAYS_SHOWN or state["zopa"] else "compromise"
        if key is not None and key != current and drawn != state["shown"]:
            memory["outcome"] += step + 1
            return k
    return None


def plan(kind: str, state: dict, ids: list[str], memory: dict) -> dict | None:
    """What to do for ``kind`` given the page's state: {kind, detail, do: (verb, selector, argument)};
    None when nothing can be done that changes a panel (recorded as skipped)."""
    if kind == "toggle" or (kind == "toggle_back" and memory.get("toggled") not in state["enabled"]):
        cid = next_concession(state, ids, memory)
        memory["toggled"] = cid
        return None if cid is None else {"kind": kind, "detail": cid, "do": ("click", CHECKBOX.format(id=cid), None)}
    if kind == "toggle_back":
        cid = memory["toggled"]
        return {"kind": kind, "detail": cid, "do": ("click", CHECKBOX.format(id=cid), None)}
    if kind == "outcome":
        k = next_outcome(state, memory)
        return None if k is None else {"kind": kind, "detail": state["outcome"]["options"][k],
                                       "do": ("select", SELECT[kind], k)}
    if kind in ("forecast_model", "forecast_issue"):
        picker = state["forecastModel" if kind == "forecast_model" else "forecastIssue"]
        if len(picker["options"]) < 2:
            return None
        k = (picker["index"] + 1) % len(picker["options"])
        return {"kind": kind, "detail": picker["options"][k], "do": ("select", SELECT[kind], k)}
    if kind == "deal":
        if state["dealPoints"] == 0:
            return None
        point = memory["deal"] % state["dealPoints"]
        memory["deal"] += 1
        if memory.get("deal_sets", {}).get(point) == sorted(state["checked"]):  # clicking it would change nothing
            return {"kind": "reset", "detail": f"deal {point + 1}'s concessions are on", "do": ("reset", None, None)}
        memory["clicked_deal"] = point
        return {"kind": "deal", "detail": f"point {point + 1} of {state['dealPoints']}",
                "do": ("deal", DEAL_POINT, point)}
    raise ValueError(f"unknown action {kind!r}")


async def perform(page, do: tuple, timeout_ms: float) -> None:
    """Do one action as a viewer does (Playwright input events)."""
    verb, selector, argument = do
    if verb == "click":
        await page.click(selector, timeout=timeout_ms)
    elif verb == "select":
        await page.select_option(selector, index=argument, timeout=timeout_ms)
    elif verb == "deal":  # plotly takes the click on its drag layer, over the point
        await page.locator(selector).nth(argument).click(force=True, timeout=timeout_ms)
    elif verb == "reset":
        await page.locator(RESET_BUTTON, has_text="Reset").click(timeout=timeout_ms)
    else:
        raise ValueError(verb)


async def act_once(viewer: dict, kind: str, ids: list[str], started: float, args) -> dict:
    """Wait for the page to be quiet, choose the action, do it, and wait (in the page) for its answer.

    Quiet: no panel drawn for ``--quiet-ms`` (the panels of one answer arrive a few ms apart), and
    before a forecast action the previous toggle's forecast spread no longer being computed (it
    redraws the forecast panel when done): a late redraw is not taken as this action's answer."""
    page, memory = viewer["page"], viewer["memory"]
    record = {"page": viewer["index"], "at_s": round(time.monotonic() - started, 2), "kind": kind}
    try:
        quiet = await page.evaluate(JS_AWAIT_QUIET, {"quietMs": args.quiet_ms, "maxMs": args.quiet_max * 1000,
                                                     "spread": kind.startswith("forecast")})
        record.update(quiet=quiet["quiet"], quiet_wait_ms=round(quiet["waitedMs"]))
        state = await page.evaluate(JS_PAGE_STATE, ids)
        if "clicked_deal" in memory:  # the last deal click's concessions are on now: learn them
            memory.setdefault("deal_sets", {})[memory.pop("clicked_deal")] = sorted(state["checked"])
        action = plan(kind, state, ids, memory)
        if action is None:
            record.update(skipped=True, ok=None)
            return record
        record.update(kind=action["kind"], detail=action["detail"], skipped=False)
        expected = list(EXPECTED[action["kind"]])
        since = await page.evaluate(JS_ARM)
        await perform(page, action["do"], timeout_ms=10_000)
        answer = await asyncio.wait_for(
            page.evaluate(JS_AWAIT_ANSWER, {"since": since, "expected": expected,
                                            "timeout": args.answer_timeout * 1000}),
            timeout=args.answer_timeout + 15)
        record.update(ok=answer["ok"], ms=answer["ms"], panel=answer["panel"], drawn=answer["drawn"],
                      input=answer["input"])
        if not answer["ok"]:
            record["failure"] = "no redraw of " + "/".join(expected) + (
                "" if answer.get("inputSeen") else " (the input event was not seen)")
    except Exception as exc:  # noqa: BLE001 - a failed action is a result; the page goes on
        first_line = (str(exc).splitlines() or [""])[0][:200]
        record.update(ok=False, ms=None, skipped=False, failure=f"{type(exc).__name__}: {first_line}")
    return record


async def keep_busy(viewer: dict, ids: list[str], started: float, offset: float, args) -> None:
    """Act every ``args.every`` s from ``started + offset`` until the run's end, cycling through CYCLE.
    An action that overruns its slot makes the page skip the ticks it missed (counted)."""
    end = started + args.minutes * 60
    next_at = started + offset
    step, viewer["missed_ticks"] = 0, 0
    while next_at < end:
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))  # the schedule only: answers are awaited in the page
        record = await act_once(viewer, CYCLE[step % len(CYCLE)], ids, started, args)
        viewer["actions"].append(record)
        step += 1
        next_at += args.every
        while next_at < time.monotonic():
            next_at += args.every
            viewer["missed_ticks"] += 1


async def report_progress(viewers: list[dict], sampler: SoakSampler, started: float, minutes: float) -> None:
    """One line a minute: actions answered so far, kernels and RSS."""
    while time.monotonic() - started < minutes * 60:
        await asyncio.sleep(min(60.0, max(1.0, started + minutes * 60 - time.monotonic())))
        done = [r for v in viewers for r in v["actions"] if not r.get("skipped")]
        last = sampler.samples[-1] if sampler.samples else None
        print(f"  [{time.monotonic() - started:5.0f} s] {sum(1 for r in done if r['ok'])}/{len(done)} actions answered"
              + (f"; {last['kernels']} kernels, Voila {last['voila_rss'] / MB:.0f} MB, kernels "
                 f"{last['kernel_rss'] / MB:.0f} MB" if last else ""), flush=True)


# The run ------------------------------------------------------------------------------------------
async def soak(playwright, server, ids: list[str], args) -> dict:
    """Open the room, keep it busy, sample Voila and its kernels; close the pages as tabs close."""
    result: dict = {}
    browser = await playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
    viewers: list[dict] = []
    sampler = None
    try:
        opened = time.monotonic()
        viewers = await open_room(browser, server.url, args.n, args)
        result["open_s"] = round(time.monotonic() - opened, 1)
        drawn = [v for v in viewers if math.isfinite(v["drawn_s"])]
        print(f"  {len(drawn)}/{args.n} pages drawn in {result['open_s']} s; busy for {args.minutes:g} min, "
              f"an action every {args.every:g} s per page", flush=True)
        started = time.monotonic()
        sampler = SoakSampler(server, args.sample_every, started)
        sampler.start()
        await asyncio.gather(report_progress(viewers, sampler, started, args.minutes),
                             *(keep_busy(v, ids, started, k * args.every / max(len(drawn), 1), args)
                               for k, v in enumerate(drawn)))
        result["busy_s"] = round(time.monotonic() - started, 1)
        sampler.stop()
        result["samples"] = sampler.samples
    finally:
        if sampler is not None:
            sampler.stop()
        await close_all(viewers, "tab")
        await browser.close()
    result["pages"] = [{"index": v["index"], "drawn_s": v.get("drawn_s"), "failure": v.get("failure"),
                        "viewport_height": v.get("viewport_height"), "out_of_view": v.get("out_of_view"),
                        "external_aborted": v["external_aborted"], "errors": v["errors"],
                        "console_errors": v["console_errors"], "console_error_count": v["console_error_count"],
                        "missed_ticks": v.get("missed_ticks", 0)} for v in viewers]
    result["actions"] = sorted((r for v in viewers for r in v["actions"]), key=lambda r: r["at_s"])
    return result


def summarize(result: dict, args) -> dict:
    """The figures the goals are checked against."""
    after_warmup = [s for s in result["samples"] if s["t_s"] >= args.warmup]
    counted = [r for r in result["actions"] if not r.get("skipped")]
    kinds = sorted({r["kind"] for r in counted})
    pages = result["pages"]
    return {
        "pages_drawn": sum(1 for p in pages if p["drawn_s"] is not None and math.isfinite(p["drawn_s"])),
        "drawn_s": {"p50": rank([p["drawn_s"] for p in pages], 50), "max": max(p["drawn_s"] for p in pages)},
        "actions": latency_summary(counted),
        "by_kind": {kind: latency_summary([r for r in counted if r["kind"] == kind]) for kind in kinds},
        "skipped": sum(1 for r in result["actions"] if r.get("skipped")),
        "not_quiet_before": sum(1 for r in counted if r.get("quiet") is False),
        "missed_ticks": sum(p["missed_ticks"] for p in pages),
        "unanswered": [{k: r.get(k) for k in ("page", "at_s", "kind", "detail", "failure", "drawn")}
                       for r in counted if not r["ok"]][:50],
        "page_errors": sum(len(p["errors"]) for p in pages),
        "pages_with_errors": sum(1 for p in pages if p["errors"]),
        "errors": sorted({e.splitlines()[0][:160] for p in pages for e in p["errors"]}),
        "pages_with_panels_out_of_view": sum(1 for p in pages if p["out_of_view"]),
        "console_errors": sum(p["console_error_count"] for p in pages),
        "console_error_texts": sorted({e[:160] for p in pages for e in p["console_errors"]})[:20],
        "samples_after_warmup": len(after_warmup),
        "voila_rss": memory_trend(after_warmup, "voila_rss"),
        "kernel_rss": memory_trend(after_warmup, "kernel_rss"),
        "per_kernel": per_kernel_trends(after_warmup),
        "kernels_first_last": [after_warmup[0]["kernels"], after_warmup[-1]["kernels"]] if after_warmup else None,
        "performed": sum(1 for r in counted if performed(r)),
        "performed_actions": latency_summary([r for r in counted if performed(r)]),
        "guard_trips": result["guard_trips"],
        "voila_before_after": voila_before_after(result),
    }


def performed(record: dict) -> bool:
    """Whether the browser performed an action (Playwright's click did not give up after 10 s)."""
    return record["ok"] or "click: Timeout" not in (record.get("failure") or "")


def voila_before_after(result: dict) -> str:
    """Voila's own RSS at idle before the room and at the end of the watch after the close (MB)."""
    before = (result["idle"]["total_rss"] - result["idle"]["kernel_rss"]) / MB
    rows = result["after_close"]["rows"]
    after = (rows[-1]["total_rss"] - rows[-1]["kernel_rss"]) / MB if rows else math.nan
    return f"{before:.0f} / {after:.0f} MB"


def growth_row(name: str, trend: dict) -> tuple[str, str, str, bool | None]:
    """A goal row for one RSS series: growth after the warmup ≤ 5 %."""
    growth = trend.get("growth_pct", trend.get("median_growth_pct"))
    slope = trend.get("slope_mb_per_min", trend.get("median_slope_mb_per_min"))
    measured = f"{fmt(growth)} % ({fmt(slope, 2)} MB/min" + (
        f", {fmt(trend['first_mb'], 0)}→{fmt(trend['last_mb'], 0)} MB)" if "first_mb" in trend else ")")
    ok = None if math.isnan(growth) else growth <= GOALS["rss_growth_pct"]
    return name, measured, f"≤ {GOALS['rss_growth_pct']:g} %", ok


def goal_rows(summary: dict, after: dict, args) -> list[tuple[str, str, str, bool | None]]:
    """(goal, measured, target, met) — met None when there is nothing to measure it on.

    An action the browser could not even perform (Playwright's click gave up after 10 s: the
    machine running the browsers is saturated) is counted apart from one the dashboard did not
    answer: the goal is that every action that reached the page was answered."""
    actions = summary["actions"]
    performed, answered = summary["performed"], actions["answered"]
    back = after.get("kernels_back_to_idle_s")
    last_row = after["rows"][-1]["t_s"] if after["rows"] else 0
    trips = summary["guard_trips"]
    return [
        ("every page draws", f"{summary['pages_drawn']}/{args.n}", "all", summary["pages_drawn"] == args.n),
        ("actions the browser performed (clicked within 10 s)", f"{performed}/{actions['total']}", "–", None),
        (f"performed actions answered within {args.answer_timeout:g} s", f"{answered}/{performed}", "all",
         performed > 0 and answered == performed),
        ("  latency p50 / p95 of performed actions (→ first expected redraw)",
         f"{fmt(summary['performed_actions']['p50_ms'], 0)} / {fmt(summary['performed_actions']['p95_ms'], 0)} ms",
         "–", None),
        ("page errors", f"{summary['page_errors']} on {summary['pages_with_errors']} page(s)", "0",
         summary["page_errors"] == GOALS["page_errors"]),
        ("guard trips in Voila's log (refused / ws closed)",
         f"{trips['refused']} / {trips['closed']}", "0 / 0", trips["refused"] == trips["closed"] == 0),
        growth_row(f"Voila RSS growth after {args.warmup:g} s", summary["voila_rss"]),
        growth_row(f"kernels' total RSS growth after {args.warmup:g} s", summary["kernel_rss"]),
        growth_row(f"median kernel's RSS growth ({summary['per_kernel']['kernels']} kernels)", summary["per_kernel"]),
        ("kernels (count, RSS) idle again after the close",
         f"no (within {last_row} s)" if back is None else f"{back:.0f} s",
         f"≤ {GOALS['back_to_idle_s']:.0f} s", back is not None and back <= GOALS["back_to_idle_s"]),
        ("  Voila's own RSS before the room / after the close", summary["voila_before_after"], "–", None),
    ]


def report(result: dict, summary: dict, rows: list) -> str:
    """The text printed at the end: actions per kind, samples, the room after closing, the goal table."""
    lines = [f"{'action':16} {'done':>5} {'answered':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}"]
    for kind, s in summary["by_kind"].items():
        lines.append(f"{kind:16} {s['total']:>5} {s['answered']:>8} {fmt(s['p50_ms'], 0):>7} {fmt(s['p95_ms'], 0):>7} "
                     f"{fmt(s['max_ms'], 0):>7}")
    lines.append(f"(skipped: {summary['skipped']}; acted before the page was quiet: {summary['not_quiet_before']}; "
                 f"ticks missed by overrunning actions: {summary['missed_ticks']}; console errors: "
                 f"{summary['console_errors']}; pages with a panel out of view: "
                 f"{summary['pages_with_panels_out_of_view']})")
    lines.append("")
    lines.append("samples (t s: kernels / Voila MB / kernels MB / kernel cores / machine busy):")
    lines.append("  " + " ".join(f"{s['t_s']:.0f}:{s['kernels']}k/{s['voila_rss'] / MB:.0f}/{s['kernel_rss'] / MB:.0f}/"
                                 f"{s.get('kernel_cores', math.nan):.2f}/{s.get('machine_busy', math.nan):.2f}"
                                 for s in result["samples"]))
    lines.append("after the pages closed (kernels / MB of Voila + kernels (of it kernels), every 10 s):")
    lines.append("  " + " ".join(f"{r['t_s']}s:{r['kernels']}k/{r['total_rss'] / MB:.0f}({r['kernel_rss'] / MB:.0f})"
                                 for r in result["after_close"]["rows"]))
    for text in summary["errors"]:
        lines.append(f"  page error: {text}")
    for text in summary["console_error_texts"]:
        lines.append(f"  console error: {text}")
    for r in summary["unanswered"][:10]:
        lines.append(f"  unanswered: page {r['page'] + 1} at {r['at_s']} s, {r['kind']} {r['detail']}: {r['failure']}; "
                     f"drawn meanwhile: {', '.join(r['drawn'] or []) or 'nothing'}")
    lines.append("")
    lines.append(f"{'goal':54} {'measured':40} {'target':>8}  met")
    for name, measured, target, ok in rows:
        lines.append(f"{name:54} {measured:40} {target:>8}  {'–' if ok is None else 'yes' if ok else 'NO'}")
    return "\n".join(lines)


def run(args) -> dict:
    """Serve the dashboard, read its idle level, soak it, watch it after the close; summarize."""
    import explorer
    from playwright.async_api import async_playwright

    ids = [c.id for c in explorer.load(SEED).concessions]
    machine = wait_for_machine_quiet(0.10, 1.0, 60.0)
    with serve_voila(NOTEBOOK, args.voila_arg, timeout=120) as server:
        print(f"Voila on port {server.port} (pid {server.process.pid}) serving {NOTEBOOK}", flush=True)
        server.wait_for_pool(1, timeout=120)
        server.wait_until_quiet(timeout=120)
        idle = voila_snapshot(server)
        print(f"  idle: {idle['kernels']} kernel(s), {idle['total_rss'] / MB:.0f} MB "
              f"(kernels {idle['kernel_rss'] / MB:.0f} MB); load average {loadavg()}", flush=True)

        async def go():
            async with async_playwright() as playwright:
                return await soak(playwright, server, ids, args)

        result = asyncio.run(go())
        result["idle"] = {k: idle[k] for k in ("kernels", "kernel_cpu_s", "voila_cpu_s", "kernel_rss", "total_rss")}
        result["machine_at_start"] = machine
        result["voila_port"] = server.port
        print(f"  pages closed; watching kernels and RSS for {args.after:g} s", flush=True)
        result["after_close"] = watch_after_close(server, result["idle"], args.after)
        log = server.log()
        result["guard_trips"] = {"refused": log.count("page message refused"), "closed": log.count("websocket closed:")}
    return result


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20, help="pages in the room (default 20)")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long the room stays busy (default 10)")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between two actions of a page (default 2)")
    parser.add_argument("--answer-timeout", type=float, default=30.0,
                        help="seconds an action may take to be answered by a redraw (default 30)")
    parser.add_argument("--warmup", type=float, default=60.0,
                        help="seconds at the start left out of the RSS slope and growth (default 60)")
    parser.add_argument("--sample-every", type=float, default=10.0, help="seconds between two samples (default 10)")
    parser.add_argument("--after", type=float, default=130.0,
                        help="seconds to watch kernels and RSS after the pages close (default 130)")
    parser.add_argument("--open-timeout", type=float, default=180.0, help="seconds a page may take to draw")
    parser.add_argument("--open-concurrency", type=int, default=4, help="pages loading at once (default 4)")
    parser.add_argument("--quiet-ms", type=float, default=500.0,
                        help="ms without a panel draw before a page acts (default 500)")
    parser.add_argument("--quiet-max", type=float, default=10.0,
                        help="seconds a page waits at most for that quiet before it acts anyway (default 10)")
    parser.add_argument("--voila-arg", action="append", default=[], metavar="ARG", help="extra Voila option")
    parser.add_argument("--json", type=Path, default=ROOT / "artifacts" / "bench" / "soak.json",
                        help="write the results here (default artifacts/bench/soak.json)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if find_chromium() is None:
        print("no Chromium found (/usr/bin/chromium or $CHROMIUM)", file=sys.stderr)
        return 2
    began = time.monotonic()
    result = run(args)
    summary = summarize(result, args)
    rows = goal_rows(summary, result["after_close"], args)
    print()
    print(report(result, summary, rows))
    print(f"(took {time.monotonic() - began:.0f} s; {os.cpu_count()} CPUs; N = {args.n}, {args.minutes:g} min, "
          f"an action every {args.every:g} s per page)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    meta = {"machine": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
            "when": time.strftime("%Y-%m-%d %H:%M:%S"), "goals": GOALS, "cycle": CYCLE, "expected": EXPECTED,
            **{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}}
    payload = {"meta": meta, "goals": [{"goal": g, "measured": m, "target": t, "ok": ok} for g, m, t, ok in rows],
               "summary": summary, "result": result}
    args.json.write_text(json.dumps(json_safe(payload), indent=1) + "\n")
    print(f"JSON: {args.json}")
    return 0 if all(ok is not False for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
