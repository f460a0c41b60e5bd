"""A room with no browser: N server-only viewers arrive together at `explorer dashboard`, then through HAProxy.

    python benchmarks/bench_server_room.py [--n 10 20 30 40] [--haproxy-n 30] [--haproxy-replicas 3 [1]]
                                           [--max-kernels K] [--kernel-transport ipc] [--logs DIR]
                                           [--json artifacts/bench/server_room.json]

What the server alone does for a room, without N browsers competing with it for the CPU (what
bench_room.py measures with Chromium, and why its rooms stop at 20 on 2 cores). Each viewer is a
thread (tests/server_viewer.py): it GETs the page (cookies kept) with one deadline for the whole
answer (``--page-timeout``, default 150 s, above Voila's 120 s IOPub wait), sorts it — complete
(the dashboard's widget view in the cell's output), capacity (503), blank (no output), too_busy
(Voila's "Cell execution timed out"), http_error, error, hung — opens the page's kernel websocket,
reads every widget's state as the page's widget manager does, tells the panel board it is shown
(the dashboard then starts the chances and the deal search, as for a real page), and, once every
viewer's page is in (``--click together``; ``ready``: at once), sends ONE click as the concession
list does and times it to the first panel's new figure (a ``comm_msg`` from a panel of the
PanelBoard).

Direct: for each N a fresh `explorer dashboard` (the real CLI: voila.json, a preheated pool of 1,
the kernel cap of voila.json or ``--max-kernels``) on a free port over data/scenarios. Once its
pool kernel has run the notebook and the machine is quiet (≤ 10 % busy, 90 s at most: the load
found is recorded), N viewers arrive together. Then the server is stopped (every kernel with it),
so the next N starts from idle.

Through HAProxy (deploy/haproxy/haproxy.cfg, as committed, ports given by its environment
variables): ``--haproxy-replicas`` replicas of the same CLI (3; ``--haproxy-replicas 3 1`` adds the
balancer alone on one replica, the cleanest view of its own cost, about 90 s more) and
``--haproxy-n`` viewers (30) through the balancer;
compared with the direct run of the same N in this invocation. Also the latency of 200 sequential
``GET /healthz``, direct and through HAProxy (what the balancer adds to one request).

Reported per run: pages complete / capacity (503) / blank / too busy / hung / other; time to the
complete page (from the GET, so from the arrival) p50/p95/max; time to the widgets' states in hand
(the page's websocket answered: a browser would draw now); click → first panel redrawn p50/p95;
CPU-s per admitted viewer of Voila + kernels (/proc utime+stime of the supervisor, Voila and its
kernels, from the quiet server before the room to the server quiet again after the clicks, so
the chances and deal search are in it), split into server and kernels; peak kernels; peak RSS of
server and kernels (sampled every 0.5 s); the viewers' own CPU (this process: the client side on
the same machine) and the machine's other load during the run (busy CPU-s of the whole machine
minus ours: other jobs competing with the room). Also counted, from the servers' logs (kept with
``--logs DIR``): kernels that died at start because the TCP port jupyter_client chose for them was
taken by another socket meanwhile ("ZMQError: Address already in use"; their page comes back blank,
or, when Voila's page task loses the error, never). ``--kernel-transport ipc`` runs the kernels on
Unix sockets instead (KernelManager.transport, added by a Jupyter config folder), which has no ports.

Goals: every admitted page complete for every N (no blank, too-busy, hung or failed page); N ≤ 30:
every viewer admitted and p95 ≤ 15 s; beyond the cap (N > max_kernels − 1): the extra viewers get
the 503 capacity page, nothing else; through HAProxy: every page complete and every click answered,
the page time's overhead against the direct run reported.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser_support import loadavg, wait_for_machine_quiet  # noqa: E402
from tests.replicas import (  # noqa: E402
    HAPROXY_MISSING, SCENARIOS, find_haproxy, serve_haproxy, serve_replicas,
)
from tests.browser_support import json_safe  # noqa: E402
from tests.server_viewer import close_room, open_room, rank, room_summary  # noqa: E402

GOALS = {"p95_s": 15.0, "p95_up_to_n": 30}
MB = 1024 * 1024
SAMPLE_S = 0.5
CLK_TCK = os.sysconf("SC_CLK_TCK")
FAILED = ("blank", "too_busy", "hung", "http_error", "error")


def fmt(x, digits: int = 1) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if isinstance(x, float) and math.isinf(x):
        return "never"
    return f"{x:.{digits}f}"


def machine_busy_s() -> float:
    """Busy CPU-seconds of the whole machine so far (/proc/stat: all but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / CLK_TCK


def totals(replicas, proxy=None) -> dict:
    """CPU-s and RSS of every replica (server = supervisor + Voila; kernels) and of HAProxy."""
    out = {"kernels": 0, "server_cpu_s": 0.0, "kernel_cpu_s": 0.0, "server_rss": 0, "kernel_rss": 0,
           "haproxy_cpu_s": 0.0, "haproxy_rss": 0}
    for replica in replicas:
        snap = replica.snapshot()
        for key in ("kernels", "server_cpu_s", "kernel_cpu_s", "server_rss", "kernel_rss"):
            out[key] += snap[key]
    if proxy is not None:
        out["haproxy_cpu_s"], out["haproxy_rss"] = proxy.cpu_seconds(), proxy.rss()
    return out


class Sampler(threading.Thread):
    """Peak kernels and RSS (server, kernels, both) of the replicas, every 0.5 s."""

    def __init__(self, replicas, proxy=None):
        super().__init__(daemon=True)
        self.replicas, self.proxy, self.stop_event = replicas, proxy, threading.Event()
        self.peak = {"kernels": 0, "server_rss": 0, "kernel_rss": 0, "total_rss": 0}

    def run(self):
        while not self.stop_event.is_set():
            snap = totals(self.replicas, self.proxy)
            total = snap["server_rss"] + snap["kernel_rss"] + snap["haproxy_rss"]
            for key, value in (("kernels", snap["kernels"]), ("server_rss", snap["server_rss"]),
                               ("kernel_rss", snap["kernel_rss"]), ("total_rss", total)):
                self.peak[key] = max(self.peak[key], value)
            self.stop_event.wait(SAMPLE_S)

    def stop(self):
        self.stop_event.set()
        self.join(timeout=5)


def wait_all_quiet(replicas, timeout: float) -> float | None:
    """Wait until the replicas together use < 10 % of a CPU over a second; seconds waited, None if never."""
    start = time.monotonic()
    before = sum(r.cpu_seconds() for r in replicas)
    while time.monotonic() - start < timeout:
        time.sleep(1.0)
        now = sum(r.cpu_seconds() for r in replicas)
        if now - before < 0.10:
            return time.monotonic() - start
        before = now
    return None


def request_latency(url: str, count: int = 200) -> dict:
    """p50 / p95 (ms) of ``count`` sequential GETs of ``url`` (a new connection each, as a health probe)."""
    times = []
    for _ in range(count):
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                response.read()
        except OSError:
            pass
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": statistics.median(times), "p95_ms": rank(times, 95), "n": count}


def measure_room(url: str, n: int, replicas, proxy, args) -> dict:
    """N viewers arrive together at ``url``; the figures of the module's docstring."""
    for replica in replicas:
        replica.wait_until_quiet(timeout=120)
    machine = wait_for_machine_quiet(0.10, 1.0, 90.0)
    health = replicas[0].health()[1]
    idle = totals(replicas, proxy)
    busy0, client0 = machine_busy_s(), time.process_time()
    sampler = Sampler(replicas, proxy)
    sampler.start()
    started = time.monotonic()
    viewers = []
    at_pages: dict = {}

    def pages_in():  # every page is in (its widgets' states read), no click sent yet
        at_pages.update(totals(replicas, proxy), t=time.monotonic() - started)

    try:
        viewers = open_room(url, n, page_timeout=args.page_timeout, click_timeout=args.click_timeout,
                            click=args.click, shown=True, on_all_opened=pages_in if args.click == "together" else None)
        room_s = time.monotonic() - started
        settled = wait_all_quiet(replicas, args.settle_timeout)  # the chances and deal searches finish
        after = totals(replicas, proxy)
    finally:
        sampler.stop()
    busy1, client1 = machine_busy_s(), time.process_time()
    close_room(viewers)
    logs = "".join(r.log() for r in replicas)
    port_collisions = logs.count("Address already in use")  # a kernel that could not bind its ZMQ port
    records = [v.record for v in viewers]
    summary = room_summary(records)
    admitted = summary["counts"]["complete"] + sum(summary["counts"][k] for k in FAILED)
    used = {k: after[k] - idle[k] for k in ("server_cpu_s", "kernel_cpu_s", "haproxy_cpu_s")}
    ours = used["server_cpu_s"] + used["kernel_cpu_s"] + used["haproxy_cpu_s"] + (client1 - client0)
    per = max(summary["counts"]["complete"], 1)
    to_pages = ((at_pages["server_cpu_s"] - idle["server_cpu_s"] + at_pages["kernel_cpu_s"] - idle["kernel_cpu_s"]) / per
                if at_pages else math.nan)
    result = {
        "n": n, "url_kind": "haproxy" if proxy else "direct", "replicas": len(replicas),
        "max_kernels": health.get("max_kernels"), "machine_before": machine, "loadavg_before": loadavg(),
        "room_s": room_s, "settled_after_s": settled, "summary": summary, "admitted": admitted,
        "port_collisions": port_collisions,
        "cpu": {**used, "per_viewer_s": (used["server_cpu_s"] + used["kernel_cpu_s"]) / per,
                "to_pages_per_viewer_s": to_pages, "all_pages_in_s": at_pages.get("t"),
                "server_per_viewer_s": used["server_cpu_s"] / per, "kernel_per_viewer_s": used["kernel_cpu_s"] / per,
                "client_s": client1 - client0, "machine_busy_s": busy1 - busy0,
                "other_load_s": max(0.0, (busy1 - busy0) - ours),
                "other_load_share": max(0.0, (busy1 - busy0) - ours) / max(time.monotonic() - started, 1e-9)},
        "peak": sampler.peak, "idle": idle,
        "viewers": [r.as_dict() for r in records],
    }
    s = summary
    print(f"  {result['url_kind']} ×{len(replicas)} N={n}: {s['counts']}; page p50 {fmt(s['page_s']['p50'])} s "
          f"p95 {fmt(s['page_s']['p95'])} s; click p50 {fmt(s['click_s']['p50'], 2)} s p95 "
          f"{fmt(s['click_s']['p95'], 2)} s; {result['cpu']['per_viewer_s']:.2f} CPU-s/viewer; other load "
          f"{result['cpu']['other_load_share']:.0%} of a CPU"
          + (f"; {port_collisions} kernel(s) could not bind a ZMQ port" if port_collisions else ""), flush=True)
    return result


def logs_of(args, run: str) -> Path | None:
    return args.logs / run if args.logs else None


def run_direct(n: int, args) -> dict:
    with serve_replicas(1, max_kernels=args.max_kernels, scenarios=args.scenarios, timeout=120,
                        keep_logs=logs_of(args, f"direct-{n}"), kernel_transport=args.kernel_transport) as replicas:
        return measure_room(replicas[0].url, n, replicas, None, args)


def run_haproxy(n: int, count: int, args) -> dict:
    with serve_replicas(count, max_kernels=args.max_kernels, scenarios=args.scenarios, timeout=180,
                        keep_logs=logs_of(args, f"haproxy{count}-{n}"), kernel_transport=args.kernel_transport) as replicas:
        with serve_haproxy(replicas) as proxy:
            latency = {"direct": request_latency(replicas[0].url + "healthz"),
                       "haproxy": request_latency(proxy.url + "healthz")}
            result = measure_room(proxy.url, n, replicas, proxy, args)
            result["healthz_latency"] = latency
            result["spread"] = result["summary"]["by_sticky"]
            return result


def goal_rows(direct: dict, proxied: dict) -> list[tuple[str, str, str, bool | None]]:
    rows = []
    for n, r in sorted(direct.items()):
        s, c = r["summary"], r["summary"]["counts"]
        pages = (r["max_kernels"] or 0) - 1 if r["max_kernels"] else None  # the pool of 1 takes a kernel
        bad = {k: c[k] for k in FAILED if c[k]}
        rows.append((f"N={n} every admitted page complete", f"{c['complete']}/{r['admitted']}"
                     + (f" ({bad})" if bad else ""), "all", not bad))
        if n <= GOALS["p95_up_to_n"]:
            rows.append((f"N={n} every viewer admitted", f"{r['admitted']}/{n}", f"{n}", r["admitted"] == n))
            p95 = s["page_s"]["p95"]
            rows.append((f"N={n} page p95", f"{fmt(p95)} s", f"≤ {GOALS['p95_s']:.0f} s",
                         r["admitted"] == n and p95 <= GOALS["p95_s"]))
        if pages is not None and n > pages:
            rows.append((f"N={n} beyond the cap ({pages} pages): only 503s",
                         f"{c['complete']} pages, {c['capacity']} × 503, {sum(bad.values())} other",
                         f"{pages} + {n - pages} × 503", not bad and c["complete"] + c["capacity"] == n
                         and c["complete"] >= pages - 1))
    for (n, count), r in sorted(proxied.items()):
        s, c = r["summary"], r["summary"]["counts"]
        rows.append((f"HAProxy ×{count} N={n} every page complete, every click answered",
                     f"{c['complete']}/{n}, {s['clicks_answered']} clicks", "all",
                     c["complete"] == n and s["clicks_answered"] == n))
        base = direct.get(n)
        if base is not None:
            d = base["summary"]["page_s"]
            rows.append((f"HAProxy ×{count} N={n} page p50 / p95 against direct",
                         f"{fmt(s['page_s']['p50'])} / {fmt(s['page_s']['p95'])} s vs {fmt(d['p50'])} / "
                         f"{fmt(d['p95'])} s ({s['page_s']['p95'] - d['p95']:+.1f} s)", "reported", None))
        rows.append((f"HAProxy ×{count} N={n} HAProxy's own CPU for the room", f"{r['cpu']['haproxy_cpu_s']:.2f} CPU-s",
                     "reported", None))
        lat = r["healthz_latency"]
        rows.append((f"HAProxy ×{count}: one GET /healthz, direct → through HAProxy",
                     f"{lat['direct']['p50_ms']:.1f} → {lat['haproxy']['p50_ms']:.1f} ms (p50), "
                     f"{lat['direct']['p95_ms']:.1f} → {lat['haproxy']['p95_ms']:.1f} ms (p95)", "reported", None))
    return rows


def table(direct: dict, proxied: dict) -> str:
    lines = [f"{'run':14} {'N':>3} {'ok':>3} {'503':>3} {'blank':>5} {'busy':>4} {'hung':>4} {'other':>5} "
             f"{'page p50/p95/max (s)':>21} {'ready p95':>9} {'click p50/p95 (s)':>17} {'CPU→page':>8} {'CPU-s/viewer':>12} "
             f"{'(server+kernels)':>16} {'peak k':>6} {'peak MB srv/krn':>15} {'client':>6} {'other load':>10} {'port!':>5}"]
    runs = [("direct", n, r) for n, r in sorted(direct.items())]
    runs += [(f"haproxy ×{count}", n, r) for (n, count), r in sorted(proxied.items())]
    for name, n, r in runs:
        s, c, cpu, peak = r["summary"], r["summary"]["counts"], r["cpu"], r["peak"]
        lines.append(
            f"{name:14} {n:3d} {c['complete']:3d} {c['capacity']:3d} {c['blank']:5d} {c['too_busy']:4d} {c['hung']:4d} "
            f"{c['http_error'] + c['error']:5d} {fmt(s['page_s']['p50']):>6}/{fmt(s['page_s']['p95']):>6}/"
            f"{fmt(s['page_s']['max']):>6}  {fmt(s['ready_s']['p95']):>9} {fmt(s['click_s']['p50'], 2):>8}/"
            f"{fmt(s['click_s']['p95'], 2):>8} {fmt(cpu['to_pages_per_viewer_s'], 2):>8} {cpu['per_viewer_s']:>12.2f} "
            f"{cpu['server_per_viewer_s']:>7.2f}+{cpu['kernel_per_viewer_s']:<8.2f} {peak['kernels']:>6d} "
            f"{peak['server_rss'] / MB:>7.0f}/{peak['kernel_rss'] / MB:<7.0f} {cpu['client_s']:>6.1f} "
            f"{cpu['other_load_share']:>9.0%} {r['port_collisions']:>5d}")
    lines.append("(page: GET → the whole page, complete pages only; ready: → every widget's state in hand; click: "
                 "one per viewer, sent together once every page is in → the first panel redrawn; CPU→page: CPU-s per "
                 "admitted viewer of Voila + kernels until every page was in; CPU-s/viewer: the same from idle to "
                 "idle again (chances, deal search and the click in it); peak MB of servers (supervisor + Voila, all "
                 "replicas) and kernels; client: this process's CPU-s (the viewers); other load: the machine's busy "
                 "CPU not ours, as a share of one CPU over the run; port!: kernels that died at start on a ZMQ "
                 "'Address already in use' in the servers' logs)")
    lines.append("")
    lines.append(f"{'goal':64} {'measured':48} {'target':>12}  ok")
    for name, measured, target, ok in goal_rows(direct, proxied):
        lines.append(f"{name:64} {measured:48} {target:>12}  {'n/a' if ok is None else 'yes' if ok else 'NO'}")
    problems = sorted({d for r in [*direct.values(), *proxied.values()] for d in r["summary"]["details"]})
    if problems:
        lines.append("")
        lines.append("details: " + " | ".join(problems[:10]))
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="*", default=[10, 20, 30, 40], help="viewers per direct room")
    parser.add_argument("--haproxy-n", type=int, nargs="*", default=[30], help="viewers per room through HAProxy")
    parser.add_argument("--haproxy-replicas", type=int, nargs="*", default=[3], choices=[1, 2, 3],
                        help="replicas behind HAProxy, one room each (default 3; add 1 for the balancer alone on one "
                             "replica: its own cost without the spread over 3 Voilas)")
    parser.add_argument("--max-kernels", type=int, default=None,
                        help="each server's kernel cap (default: voila.json's, 32: 31 pages beside the pool)")
    parser.add_argument("--page-timeout", type=float, default=150.0, help="seconds a page may take (then: hung)")
    parser.add_argument("--click-timeout", type=float, default=60.0, help="seconds a click may take to redraw")
    parser.add_argument("--click", choices=["together", "ready"], default="together",
                        help="together: every viewer clicks once every page is in; ready: as soon as its own is")
    parser.add_argument("--settle-timeout", type=float, default=60.0,
                        help="seconds to wait for the servers to be quiet after the clicks (CPU measured then)")
    parser.add_argument("--scenarios", type=Path, default=SCENARIOS, help="the scenarios folder served")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--kernel-transport", choices=["ipc"], default=None,
                        help="ipc: kernels on Unix sockets (a Jupyter config folder adds KernelManager.transport=ipc "
                             "to voila.json's settings), immune to TCP port collisions (default: voila.json's choice)")
    parser.add_argument("--logs", type=Path, default=None,
                        help="keep every server's log in this folder (one subfolder per run)")
    args = parser.parse_args(argv)
    if args.haproxy_n and args.haproxy_replicas and find_haproxy() is None:
        print(HAPROXY_MISSING, file=sys.stderr)
        return 2
    started = time.monotonic()
    direct: dict = {}
    proxied: dict = {}
    failures: dict = {}
    for n in args.n:
        print(f"direct N={n}: a fresh explorer dashboard", flush=True)
        try:
            direct[n] = run_direct(n, args)
        except Exception as exc:  # noqa: BLE001 - report the others; the server has been stopped
            print(f"direct N={n}: FAILED: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            failures[f"direct/{n}"] = f"{type(exc).__name__}: {exc}"
    for count in args.haproxy_replicas:
        for n in args.haproxy_n:
            print(f"HAProxy ×{count} N={n}: {count} fresh replicas behind deploy/haproxy/haproxy.cfg", flush=True)
            try:
                proxied[(n, count)] = run_haproxy(n, count, args)
            except Exception as exc:  # noqa: BLE001
                print(f"HAProxy ×{count} N={n}: FAILED: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
                failures[f"haproxy{count}/{n}"] = f"{type(exc).__name__}: {exc}"
    print()
    print(table(direct, proxied))
    took = time.monotonic() - started
    print(f"(took {took:.0f} s; {os.cpu_count()} CPUs; load average now {loadavg()})")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        goals = [{"goal": g, "measured": m, "target": t, "ok": ok} for g, m, t, ok in goal_rows(direct, proxied)]
        payload = {"meta": {"machine": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                            "args": {k: str(v) for k, v in vars(args).items()}, "goals": GOALS, "took_s": took},
                   "goals": goals, "failures": failures, "direct": {str(n): r for n, r in direct.items()},
                   "haproxy": {f"{count}x{n}": r for (n, count), r in proxied.items()}}
        args.json.write_text(json.dumps(json_safe(payload), indent=1) + "\n")
    missed = [g for g, _, _, ok in goal_rows(direct, proxied) if ok is False]
    return 1 if failures or missed else 0


if __name__ == "__main__":
    sys.exit(main())
