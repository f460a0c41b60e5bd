"""Sensitivity speed (issue #18), beside the Monte Carlo of the same scenario measured in the same run.

Goals (medians; read by ``benchmarks/summary.py``, never asserted): Sobol' first and total
indices of the seed with the README's eight concessions — every stance a factor (28), the
deterministic targets (the chance of a deal and of no deadlock, the agreement gap, every red-line
gap, the compromise and weighted median of every issue), N = 1,024 base samples (30,720 model runs,
SALib's design) — ≤ 1 s and ≤ 20× one 10,000-draw Monte Carlo of the same scenario
(``test_uncertainty_seed_deal_10k_draws``); the tornado of the same targets without the chances
(every other stance as coded: 113 model runs) ≤ 50 ms. The tornado's chances (each bar a Monte
Carlo of 1,024 draws with the stance held) and the dashboard's design (N = 256, numpy) are
recorded beside, without a goal.
"""

from __future__ import annotations

import pytest

from benchmarks.test_bench_core import DEAL, SEED
from explorer import load, sensitivity
from explorer.app.state import SENSITIVITY_SAMPLES, SENSITIVITY_TARGETS

DETERMINISTIC = ("deal", "no-deadlock", "agreement-gap", "redline-gap", "outcomes")


@pytest.fixture(scope="module")
def opened():
    scenario = load(SEED).with_concessions(DEAL)
    sensitivity(scenario, "sobol", draws=64)  # SALib and scipy imported once, outside the timings
    return scenario


def test_sobol_seed_deal_1024(benchmark, opened):
    result = benchmark(sensitivity, opened, "sobol", DETERMINISTIC, draws=1024, seed=0)
    assert result.model_runs == 1024 * 30 and result.indices.varies[result.target("deal")]
    benchmark.extra_info["model_runs"] = result.model_runs


def test_tornado_seed_deal_measured_targets(benchmark, opened):
    result = benchmark(sensitivity, opened, "tornado", ("agreement-gap", "redline-gap", "outcomes"), draws=1024)
    assert result.model_runs == 1 + 4 * 28


def test_tornado_seed_deal_with_chances(benchmark, opened):
    result = benchmark.pedantic(sensitivity, args=(opened, "tornado", DETERMINISTIC), kwargs={"draws": 1024},
                                rounds=3, iterations=1)
    benchmark.extra_info["model_runs"] = result.model_runs


def test_dashboard_design_seed_deal(benchmark, opened):
    result = benchmark(sensitivity, opened, "sobol", SENSITIVITY_TARGETS, draws=SENSITIVITY_SAMPLES, seed=0,
                       engine="numpy")
    assert result.model_runs == SENSITIVITY_SAMPLES * 30
