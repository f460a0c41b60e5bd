"""Deterministic synthetic scenarios for benchmarks: P parties × I issues."""

from __future__ import annotations

import numpy as np

from explorer.analysis.analysis import analyze
from explorer.model.scenario import Scenario
from explorer.model.schema import ScenarioData


def synthetic(parties: int = 12, issues: int = 30, veto: int | None = None, seed: int = 7) -> Scenario:
    """Every party holds a stance on every issue; red lines always overlap on [30, 70].

    So no issue is deadlocked and ``analyze`` runs its whole package pipeline
    (surplus, Nash, Kalai–Smorodinsky), the expensive path.
    """
    rng = np.random.default_rng(seed)
    veto = parties if veto is None else veto
    raw = {
        "id": f"synthetic-{parties}x{issues}",
        "title": f"Synthetic {parties} parties × {issues} issues",
        "as_of": "2025-01-01",
        "parties": [
            {"id": f"p{k}", "name": f"Party {k}", "capability": float(rng.integers(5, 100)),
             "veto": k < veto, "reservation": 0.3}
            for k in range(parties)
        ],
        "issues": [{"id": f"i{i}", "name": f"Issue {i}", "low": "none", "high": "all"} for i in range(issues)],
        "stances": [],
    }
    for k in range(parties):
        for i in range(issues):
            x = float(rng.integers(0, 101))
            raw["stances"].append({
                "party": f"p{k}", "issue": f"i{i}", "position": x, "salience": float(rng.integers(1, 101)),
                "acceptable": [min(x, 30.0), max(x, 70.0)], "source": "assumption", "note": "synthetic",
            })
    return Scenario.from_data(ScenarioData.model_validate(raw))


def with_concessions(concessions: int = 20, veto: int = 4, issues: int = 12, parties: int = 6,
                     deadlocked: int = 5, margin: tuple[float, float] = (-0.01, 0.02),
                     seed: int = 5) -> Scenario:
    """A deadlocked scenario that only some sets of concessions open: the deal search's hard case.

    Every stance carries an uncertainty of 5–20 points. On each of the first ``deadlocked``
    issues two veto parties hold red lines 10–24 points apart around the issue's middle m
    (the low side's ``[0, m − g/2]``, the high side's ``[m + g/2, 100]``); every other veto
    party accepts a band around that gap, so the issue is deadlocked at baseline. Each of
    the two sides has a small concession (position towards m, red line to just past m, not
    enough alone) and the first three deadlocked issues also have a large one-sided
    concession (position to m, red line past the other side's) that opens the issue alone
    and excludes the same party's small one. The remaining concessions move a party's
    position towards m on one or two open issues; every third of them only comes with a
    small move of another party (``requires``). Every position stays inside its red lines.
    On the open issues veto parties sit 20 or more points off the middle, on either side.

    Veto reservations are set at the best utility the veto parties can all reach at once
    (max over packages of min_p u_p) when the small moves alone open every zone, shifted
    by ``margin``: opening every zone is then not enough, and only sets that also move
    positions on the open issues leave a package ZOPA. They are high (≈ 0.78) because
    utilities here are averages over 12 issues, most with wide zones.

    Defaults (seed 5): 221,184 feasible sets, 2,304 with no deadlock, 392 of those with a
    package ZOPA; ``explorer.search`` solves 1,627 programmes and finds 2 deals (11 and
    13 concessions). Other seeds can find none (seed 4 does not): check before using one.
    """
    if not 2 <= veto <= parties or not 1 <= deadlocked <= issues:
        raise ValueError("need 2 ≤ veto ≤ parties and 1 ≤ deadlocked ≤ issues")
    small_count = 2 * deadlocked
    big_count = min(3, deadlocked, max(0, concessions - small_count))
    if concessions < small_count:
        raise ValueError(f"{deadlocked} deadlocked issues need at least {small_count} concessions")
    rng = np.random.default_rng(seed)
    middle = rng.integers(40, 61, size=issues).astype(float)
    stances: dict[tuple[int, int], dict] = {}

    def stance(k: int, i: int, position: float, lo: float, hi: float) -> None:
        stances[k, i] = {"party": f"p{k}", "issue": f"i{i}", "position": float(position),
                         "salience": float(rng.integers(10, 101)), "acceptable": [float(lo), float(hi)],
                         "uncertainty": float(rng.integers(5, 21)), "source": "assumption", "note": "generated"}

    sides = []  # (low party, high party, half gap) of each deadlocked issue
    for i in range(issues):
        m = middle[i]
        if i < deadlocked:
            low, high = (int(k) for k in rng.choice(veto, size=2, replace=False))
            half = int(rng.integers(5, 13))
            stance(low, i, rng.integers(max(0, m - half - 45), m - half - 9), 0, m - half)
            stance(high, i, rng.integers(m + half + 10, min(100, m + half + 45) + 1), m + half, 100)
            sides.append((low, high, half))
        for k in range(parties):
            if (k, i) in stances:
                continue
            if k >= veto and rng.random() < 0.25:  # non-veto parties skip some issues
                continue
            reach = 10 + (sides[i][2] if i < deadlocked else 0)  # veto red lines cover [m − reach, m + reach]
            if k >= veto:
                lo = float(rng.integers(0, m)) if rng.random() < 0.5 else 0.0
                hi = float(rng.integers(m, 101)) if rng.random() < 0.5 else 100.0
                position = rng.integers(lo, hi + 1)
            else:  # veto parties take a side, far from the middle
                low_side = rng.random() < 0.5
                position = rng.integers(0, m - 19) if low_side else rng.integers(m + 20, 101)
                lo = float(rng.integers(0, min(position, m - reach) + 1)) if rng.random() < 0.5 else 0.0
                hi = float(rng.integers(max(position, m + reach), 101)) if rng.random() < 0.5 else 100.0
            stance(k, i, position, lo, hi)
    for k in range(parties):  # every party needs a stance
        if not any(p == k for p, _ in stances):
            stance(k, deadlocked, middle[deadlocked], 0, 100)

    raw_concessions = []

    def concession(cid: str, k: int, changes: list[dict], **rules) -> None:
        raw_concessions.append({"id": cid, "party": f"p{k}", "title": cid.replace("-", " "),
                                "source": "assumption", "note": "generated", "changes": changes,
                                **{key: value for key, value in rules.items() if value}})

    def toward(k: int, i: int, fraction: float) -> dict:
        s = stances[k, i]
        x, m = s["position"], middle[i]
        return {"issue": f"i{i}", "position": float(round(x + fraction * (m - x)))}

    for i, (low, high, half) in enumerate(sides):  # small moves: both sides are needed
        m = middle[i]
        reach_low = float(rng.integers(1, half))  # new red line m + reach_low < m + half
        reach_high = float(rng.integers(1, half))
        big = f"p{low}-opens-i{i}" if i < big_count else None
        new_hi = m + reach_low
        concession(f"p{low}-moves-i{i}", low,
                   [{"issue": f"i{i}", "position": float(max(stances[low, i]["position"], new_hi - rng.integers(3, 10))),
                     "acceptable": [0.0, new_hi]}], excludes=[big] if big else [])
        new_lo = m - reach_high
        concession(f"p{high}-moves-i{i}", high,
                   [{"issue": f"i{i}", "position": float(min(stances[high, i]["position"], new_lo + rng.integers(3, 10))),
                     "acceptable": [new_lo, 100.0]}])
    for i in range(big_count):  # large one-sided moves: open the issue alone
        low, _, half = sides[i]
        new_hi = middle[i] + half + float(rng.integers(2, 7))
        concession(f"p{low}-opens-i{i}", low,
                   [{"issue": f"i{i}", "position": float(middle[i]), "acceptable": [0.0, new_hi]}],
                   excludes=[f"p{low}-moves-i{i}"])
    small_ids = [c["id"] for c in raw_concessions[:small_count]]
    open_issues = list(range(deadlocked, issues)) or list(range(issues))
    fill = 0
    while len(raw_concessions) < concessions:
        k = fill % parties
        own = [i for i in open_issues if (k, i) in stances]
        if not own:
            fill += 1
            continue
        picked = rng.choice(own, size=min(len(own), 1 + fill % 2), replace=False)
        changes = [toward(k, int(i), float(rng.uniform(0.3, 0.8))) for i in picked]
        others = [c["id"] for c in raw_concessions[:small_count] if c["party"] != f"p{k}"]
        requires = [others[int(rng.integers(len(others)))]] if fill % 3 == 2 and others else []
        concession(f"p{k}-gives-{fill}", k, changes, requires=requires)
        fill += 1

    raw = {
        "id": f"generated-{parties}x{issues}-c{concessions}",
        "title": f"Generated {parties} parties × {issues} issues, {concessions} concessions",
        "as_of": "2025-01-01",
        "parties": [
            {"id": f"p{k}", "name": f"Party {k}", "capability": float(rng.integers(20, 101)),
             "veto": k < veto, "reservation": 0.0 if k < veto else 0.3}
            for k in range(parties)
        ],
        "issues": [{"id": f"i{i}", "name": f"Issue {i}", "low": "none", "high": "all"} for i in range(issues)],
        "stances": [stances[key] for key in sorted(stances)],
        "concessions": raw_concessions,
    }
    # Reservations: around the best the veto parties can all get at once (max_o min_p u_p(o))
    # once the small moves alone open every zone, so that opening the zones is not enough
    # and only some sets (with moves on the open issues too) leave a package ZOPA.
    opened = Scenario.from_data(ScenarioData.model_validate(raw)).with_concessions(small_ids)
    best_common = analyze(opened).package_surplus
    for party in raw["parties"][:veto]:
        party["reservation"] = float(min(0.95, best_common + rng.uniform(*margin)))
    return Scenario.from_data(ScenarioData.model_validate(raw))
