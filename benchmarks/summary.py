"""Every benchmark median of a pytest-benchmark JSON against its goal and floor.

    python benchmarks/summary.py [artifacts/bench/core.json]

A goal is met when the median is within its time and, where one applies, within its
multiple of the floor's median measured in the same run. Nothing here fails a build:
the exit status is 0 whatever is missed (targets are read, not asserted). A goal whose
benchmark is not in the file is listed as not run.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCIPY_FLOOR = "test_floor_scipy_highs_tiny_lp"
REFERENCE_FLOOR = "test_floor_highspy_tiny_lp"


@dataclass(frozen=True)
class Goal:
    seconds: float
    issue: str  # where the goal comes from
    floor: str | None = None  # name of the floor benchmark
    times_floor: float | None = None  # at most this multiple of the floor's median


GOALS = {
    # issue #2 (test_bench_core.py): "analyze() on the seed ≤ 2 ms", read as both seed cases
    "test_analyze_seed_baseline": Goal(0.002, "#2"),
    "test_analyze_seed_with_deal_open": Goal(0.002, "#2"),
    "test_analyze_12_parties_30_issues[4]": Goal(0.010, "#2"),
    "test_analyze_12_parties_30_issues[12]": Goal(0.010, "#2"),
    "test_load_and_validate_seed_file": Goal(0.050, "#2"),
    # Monte Carlo and deal search: test_bench_montecarlo.py
    "test_uncertainty_seed_deal_10k_draws": Goal(0.4, "MC", SCIPY_FLOOR, 1300),
    "test_search_seed": Goal(1.0, "MC"),
    "test_search_generated_20_concessions": Goal(3.0, "MC"),
    "test_search_seed_2000_draws": Goal(3.0, "MC"),
    # dynamic models (issue #10): test_bench_dynamics.py
    "test_bdm_emission_10_rounds": Goal(0.005, "#10"),
    "test_bdm_100_actors_10_rounds": Goal(0.5, "#10"),
    "test_exchange_cop21_10_rounds": Goal(0.050, "#10"),
    "test_bdm_emission_1000_draws": Goal(1.0, "#10"),
    # sensitivity (issue #18): test_bench_sensitivity.py, against the Monte Carlo of the same scenario
    "test_sobol_seed_deal_1024": Goal(1.0, "#18", "test_uncertainty_seed_deal_10k_draws", 20),
    "test_tornado_seed_deal_measured_targets": Goal(0.050, "#18"),
    # the websocket guard's cost per message (issue #15): test_bench_frames.py
    "test_guard_reads_a_message[click]": Goal(0.0002, "#15", "test_floor_jupyter_server_decodes_a_message[click]", 5),
    "test_guard_reads_a_message[256KB]": Goal(0.010, "#15"),
    "test_guard_reads_a_message[upload]": Goal(0.010, "#15"),
}


def _time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


def summarise(report: dict) -> list[str]:
    medians = {b["name"]: b["stats"]["median"] for b in report["benchmarks"]}
    extra = {b["name"]: b.get("extra_info") or {} for b in report["benchmarks"]}
    rows = [("benchmark", "median", "goal", "× floor (goal)", "verdict")]
    met = missed = 0
    for name, median in medians.items():
        goal = GOALS.get(name)
        if goal is None:
            rows.append((name, _time(median), "—", "", "floor" if "floor" in name else "—"))
            continue
        ok = median <= goal.seconds
        ratio = ""
        if goal.floor is not None:
            floor = medians.get(goal.floor)
            if floor is None:
                ratio = f"n/a (no {goal.floor})"
            else:
                times = median / floor
                ok &= times <= goal.times_floor
                ratio = f"{times:,.1f}× (≤ {goal.times_floor:,.0f}×)" if times < 100 else \
                    f"{times:,.0f}× (≤ {goal.times_floor:,.0f}×)"
        met, missed = met + ok, missed + (not ok)
        verdict = "met" if ok else "MISSED"
        if goal.floor is not None and goal.floor not in medians:
            verdict += " (time only)"
        rows.append((name, _time(median), f"≤ {_time(goal.seconds)} ({goal.issue})", ratio, verdict))
    not_run = [name for name in GOALS if name not in medians]
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    lines.append("")
    lines.append(f"{met} goal(s) met, {missed} missed" + (f"; not in this run: {', '.join(not_run)}" if not_run else ""))
    reference = medians.get(REFERENCE_FLOOR)
    for name, goal in GOALS.items():
        if goal.floor == SCIPY_FLOOR and SCIPY_FLOOR not in medians and name in medians and reference:
            lines.append(f"{name}: scipy floor not measured (scipy not installed); "
                         f"{medians[name] / reference:,.0f}× the direct highspy solve of the same LP "
                         f"({_time(reference)}), which is not the goal's floor")
    for name, info in extra.items():
        if info:
            lines.append(f"{name}: " + ", ".join(f"{k} {v}" for k, v in info.items()))
    machine = report.get("machine_info", {})
    lines.append(f"machine: {machine.get('cpu', {}).get('brand_raw', '?')}, "
                 f"{machine.get('cpu', {}).get('count', '?')} CPUs, Python {machine.get('python_version', '?')}; "
                 f"run {report.get('datetime', '?')}")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", nargs="?", type=Path, default=ROOT / "artifacts" / "bench" / "core.json")
    args = parser.parse_args(argv)
    print("\n".join(summarise(json.loads(args.json.read_text()))))


if __name__ == "__main__":
    main()
