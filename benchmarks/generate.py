"""Deterministic synthetic scenarios for benchmarks: P parties × I issues."""

from __future__ import annotations

import numpy as np

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
