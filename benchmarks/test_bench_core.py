"""Core speed: analyze() and load+validate, beside floors measured in the same run.

Targets (issue #2): analyze() on the seed ≤ 2 ms median, on a 12-party × 30-issue
scenario ≤ 10 ms, load+validate of the seed file ≤ 50 ms. Run with ``make bench``.
Floors: one HiGHS solve of a 2-variable LP, and pydantic validation of a minimal
scenario, show what the machine gives for the two kinds of work.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.generate import synthetic
from explorer import analyze, load
from explorer.analysis.packages import Bargaining, package_surplus
from explorer.model.schema import ScenarioData

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "data" / "scenarios" / "russia_ukraine_talks.yaml"
DEAL = ["ukraine-nato-deferral", "russia-nato-deferral", "ukraine-line-freeze", "russia-line-freeze",
        "ukraine-minority-rights", "russia-minority-standards", "ukraine-open-agenda", "russia-drops-preconditions"]


def test_floor_one_lp_solve(benchmark):
    problem = Bargaining(np.array([[1.0], [1.0]]), np.array([[0.0], [100.0]]), np.zeros(2),
                         np.zeros(1), np.full(1, 100.0), np.array([50.0]))
    benchmark(package_surplus, problem)


def test_floor_validate_minimal_scenario(benchmark):
    raw = {"id": "m", "title": "M", "as_of": "2025-01-01",
           "parties": [{"id": "a", "name": "A", "capability": 1, "veto": True},
                       {"id": "b", "name": "B", "capability": 1, "veto": True}],
           "issues": [{"id": "x", "name": "X", "low": "l", "high": "h"}],
           "stances": [{"party": "a", "issue": "x", "position": 0, "salience": 1, "source": "assumption", "note": "n"},
                       {"party": "b", "issue": "x", "position": 1, "salience": 1, "source": "assumption", "note": "n"}]}
    benchmark(ScenarioData.model_validate, raw)


def test_analyze_seed_baseline(benchmark):
    scenario = load(SEED)
    benchmark(analyze, scenario)


def test_analyze_seed_with_deal_open(benchmark):
    """Eight concessions clear every deadlock: surplus, Nash and K–S all run."""
    scenario = load(SEED).with_concessions(DEAL)
    result = benchmark(analyze, scenario)
    assert result.nash is not None


def test_analyze_seed_and_build_tables(benchmark):
    scenario = load(SEED).with_concessions(DEAL)

    def run():
        result = analyze(scenario)
        return result.issues, result.parties, result.distances

    benchmark(run)


@pytest.mark.parametrize("veto", [4, 12])
def test_analyze_12_parties_30_issues(benchmark, veto):
    scenario = synthetic(12, 30, veto=veto)
    result = benchmark(analyze, scenario)
    assert result.nash is not None and result.deadlocked_issues == 0


def test_load_and_validate_seed_file(benchmark):
    benchmark(load, SEED)
