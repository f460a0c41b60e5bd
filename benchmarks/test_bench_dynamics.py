"""Dynamic models' speed (issue #10), beside a floor measured in the same run.

Targets (medians): the BDM challenge model, ten rounds of ten actors (the 1994 emission
case) ≤ 5 ms, and of 100 actors ≤ 0.5 s; the exchange model, ten rounds on COP21 (15
actors, 13 issues) ≤ 50 ms; the BDM forecast of the emission case over 1,000 draws of the
coding uncertainty ≤ 1 s. Also measured: a dashboard toggle's forecast of the seed with
each model (no goal of its own; it counts in the click budget).

The floor is the least arithmetic one BDM round of A actors must do: one (A, A, A)
product and sum (the third parties' votes on every pair), as a single numpy expression.
``benchmarks/summary.py`` prints each median against its goal. Run with ``make bench``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.test_bench_core import DEAL, SEED
from explorer import load
from explorer.dynamics import bdm, exchange
from explorer.dynamics.forecast import forecast
from explorer.dynamics.inputs import model_inputs
from explorer.io.formats import scenario_from_text

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference-data"
EMISSION_SIGMA = 8.0  # points of the 0–100 scale (half a year of the 4–10 year scale) on every stance


def _reference(name: str):
    path = REFERENCE / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the benchmarks read ../shared/reference-data)")
    return scenario_from_text(path.read_text(), path.name)


@pytest.fixture(scope="module")
def emission():
    return _reference("emission_standards_1994_bdm.csv")


@pytest.fixture(scope="module")
def cop21():
    return _reference("cop21_decide.csv")


def _random_issue(actors: int, seed: int = 3):
    rng = np.random.default_rng(seed)
    return rng.uniform(0, 100, actors), rng.uniform(0.1, 1, actors), rng.uniform(0.1, 1, actors)


@pytest.mark.parametrize("actors", [10, 100])
def test_floor_numpy_third_party_sum(benchmark, actors):
    position, capability, salience = _random_issue(actors)
    weight = capability * salience

    def one_round():
        third = np.abs(position[None, None, :] - position[:, None, None]) - np.abs(position[None, None, :]
                                                                                    - position[None, :, None])
        return (weight * third).sum(axis=-1)

    assert benchmark(one_round).shape == (actors, actors)


def test_bdm_emission_10_rounds(benchmark, emission):
    inputs = model_inputs(emission)
    run = benchmark(bdm.challenge, inputs.position[:, 0], inputs.capability[:, 0], inputs.salience[:, 0], 10)
    assert run.position.shape == (11, 10)


def test_bdm_100_actors_10_rounds(benchmark):
    position, capability, salience = _random_issue(100)
    run = benchmark(bdm.challenge, position, capability, salience, 10)
    assert run.position.shape == (11, 100)


def test_exchange_cop21_10_rounds(benchmark, cop21):
    inputs = model_inputs(cop21)
    run = benchmark(exchange.equal_gain, inputs.position, inputs.salience, inputs.capability, 10,
                    present=inputs.present, low=inputs.low, high=inputs.high)
    assert run.count.sum() > 0


def test_bdm_emission_1000_draws(benchmark, emission):
    stances = tuple(s.model_copy(update={"uncertainty": EMISSION_SIGMA}) for s in emission.data.stances)
    uncertain = type(emission).from_data(emission.data.model_copy(update={"stances": stances}))
    result = benchmark(forecast, uncertain, "bdm", 10, draws=1_000, seed=0)
    spread = result.spread()[0]
    assert spread["p10"] < spread["p90"]


@pytest.mark.parametrize("model", ["bdm", "exchange"])
def test_forecast_seed_with_deal(benchmark, model):
    scenario = load(SEED).with_concessions(DEAL)
    result = benchmark(forecast, scenario, model, 10)
    assert result.position.shape[0] == 11
