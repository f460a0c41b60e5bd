"""``forecast(scenario, model, rounds) -> Forecast``: how positions might move, round by round.

Two models (rules in ``docs/dynamics.md``):

* ``"bdm"`` — the expected-utility challenge model (:mod:`explorer.dynamics.bdm`), run on
  every issue at once as a batch of independent one-issue runs;
* ``"exchange"`` — the equal-gain exchange model (:mod:`explorer.dynamics.exchange`),
  which trades positions across pairs of issues.

Positions are on each issue's own scale (:mod:`explorer.dynamics.inputs`). Per round r and
issue i the summaries are the capability×salience weighted median and mean of the
positions held after round r (round 0 = the starting positions):

    mean_ri = Σ_a c_ai s_ai x_rai / Σ_a c_ai s_ai.

With ``draws > 0`` the forecast is also run on draws of the coding uncertainty — the
Monte Carlo's draws (:mod:`explorer.montecarlo.draws`: same seed, same z, same rules) —
and :attr:`Forecast.spread` gives the 10th, 50th and 90th percentiles of each issue's
final median over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.analysis.arrays import ScenarioArrays
from explorer.dynamics import bdm, exchange
from explorer.dynamics.inputs import ModelInputs, model_inputs
from explorer.dynamics.summary import weighted_mean, weighted_median
from explorer.model.scenario import Scenario
from explorer.montecarlo.draws import perturb, standard_normals

if TYPE_CHECKING:
    import pandas as pd

MODELS = {"bdm": "Expected-utility challenge model (BDM, Scholz et al. 2011)",
          "exchange": "Exchange model (equal gain, as DECIDE)"}
MAX_ROUNDS = 100
#: draws a forecast takes at most: the BDM model runs them as one batch (in chunks of bounded memory),
#: the exchange model one after another (its rounds are sequential choices)
MAX_FORECAST_DRAWS = {"bdm": 10_000, "exchange": 1_000}
QUANTILES = (10, 50, 90)
NOBODY = -1


@dataclass(frozen=True, eq=False)
class Forecast:
    """Positions by round, their summaries, and what moved whom.

    Arrays (R = rounds, A = parties, I = issues), positions on each issue's own scale:
    ``position`` (R+1, A, I), NaN where a party holds no stance; ``median``/``mean`` (R+1, I);
    ``mover`` (R, A, I): the party whose offer or exchange moved a party in round r (−1: it
    did not move); ``how`` (R, A, I): what moved it (an offer type, or the issue the partner
    gave way on in an exchange); ``exchanges`` (R,) for the exchange model, else None;
    ``final_median`` (draws, I) when draws were run.
    """

    scenario: Scenario
    model: str
    rounds: int
    inputs: ModelInputs
    position: np.ndarray
    median: np.ndarray
    mean: np.ndarray
    mover: np.ndarray
    how: np.ndarray
    exchanges: np.ndarray | None = None
    draws: int = 0
    seed: int = 0
    final_median: np.ndarray | None = field(default=None, repr=False)

    # -- tables --------------------------------------------------------------
    def positions_table(self) -> pd.DataFrame:
        """Tidy: one row per (round, party, issue) with a stance; position on the issue's own scale."""
        import pandas as pd

        r, a, i = np.nonzero(np.broadcast_to(self.inputs.present, self.position.shape))
        return pd.DataFrame({
            "round": r, "party": np.asarray(self.inputs.party_ids, dtype=object)[a],
            "issue": np.asarray(self.inputs.issue_ids, dtype=object)[i], "position": self.position[r, a, i],
        })

    def summary_table(self) -> pd.DataFrame:
        """One row per (round, issue): weighted median and mean."""
        import pandas as pd

        r, i = np.indices(self.median.shape).reshape(2, -1)
        return pd.DataFrame({"round": r, "issue": np.asarray(self.inputs.issue_ids, dtype=object)[i],
                             "median": self.median[r, i], "mean": self.mean[r, i]})

    def spread(self) -> list[dict[str, Any]]:
        """Per issue: p10, p50 and p90 of the final median over the draws ([] without draws)."""
        if self.final_median is None:
            return []
        quantiles = np.nanpercentile(self.final_median, QUANTILES, axis=0) if self.draws else None
        return [{"issue": issue, **{f"p{q}": _number(quantiles[k, i]) for k, q in enumerate(QUANTILES)}}
                for i, issue in enumerate(self.inputs.issue_ids)]

    def moved(self, round_: int, party: int, issue: int) -> str:
        """In words, what moved ``party`` on ``issue`` in round ``round_`` (1-based), or ''."""
        if not 1 <= round_ <= self.rounds:
            return ""
        mover = int(self.mover[round_ - 1, party, issue])
        if mover == NOBODY:
            return ""
        names = {p.id: p.name for p in self.scenario.parties}
        other = names[self.inputs.party_ids[mover]]
        how = self.how[round_ - 1, party, issue]
        if self.model == "bdm":
            return f"{how} offer from {other}"
        issue_names = {i.id: i.name for i in self.scenario.issues}
        return f"exchange with {other}, who gave way on {issue_names.get(how, how)}"

    def to_dict(self) -> dict[str, Any]:
        summary = self.summary_table()
        out: dict[str, Any] = {
            "scenario": self.scenario.id, "model": self.model, "model_name": MODELS[self.model],
            "rounds": self.rounds, "active_concessions": list(self.scenario.active),
            "scales": [{"issue": issue, "low": float(lo), "high": float(hi)}
                       for issue, lo, hi in zip(self.inputs.issue_ids, self.inputs.low, self.inputs.high)],
            "summary": [{"round": int(r.round), "issue": r.issue, "median": _number(r.median), "mean": _number(r.mean)}
                        for r in summary.itertuples()],
            "positions": [{"round": int(r.round), "party": r.party, "issue": r.issue, "position": float(r.position)}
                          for r in self.positions_table().itertuples()],
        }
        if self.exchanges is not None:
            out["exchanges"] = [{"round": k + 1, "count": int(n)} for k, n in enumerate(self.exchanges)]
        if self.final_median is not None:
            out["uncertainty"] = {"draws": self.draws, "seed": self.seed, "final_median": self.spread()}
        return out


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _check(model: str, rounds: int, draws: int) -> None:
    if model not in MODELS:
        raise ValueError(f"model must be one of {', '.join(MODELS)}, got {model!r}")
    if isinstance(rounds, bool) or not (isinstance(rounds, int | np.integer) and 1 <= rounds <= MAX_ROUNDS):
        raise ValueError(f"rounds must be a whole number from 1 to {MAX_ROUNDS}, got {rounds!r}")
    if isinstance(draws, bool) or not (isinstance(draws, int | np.integer) and 0 <= draws <= MAX_FORECAST_DRAWS[model]):
        raise ValueError(f"draws must be a whole number from 0 to {MAX_FORECAST_DRAWS[model]:,} for the {model} "
                         f"model, got {draws!r}")


def run_bdm(position, inputs: ModelInputs, rounds: int, q: float = 1.0):
    """BDM issue by issue: ``position`` (..., A, I) → (positions (..., R+1, A, I), mover, offer).

    The issues (and any leading draws) are one batch of independent one-issue runs.
    """
    present = np.broadcast_to(inputs.present, position.shape)
    run = bdm.challenge(np.swapaxes(position, -1, -2), np.swapaxes(inputs.capability, -1, -2),
                        np.swapaxes(inputs.salience, -1, -2), rounds=rounds, q=q,
                        present=np.swapaxes(present, -1, -2))
    # (..., I, R+1, A) → (..., R+1, A, I)
    return np.moveaxis(run.position, -3, -1), np.moveaxis(run.mover, -3, -1), np.moveaxis(run.offer, -3, -1)


def forecast(scenario: Scenario, model: str = "bdm", rounds: int = 10, *, draws: int = 0, seed: int = 0,
             q: float = 1.0) -> Forecast:
    """Run ``model`` for ``rounds`` rounds on the stances in force (concessions applied).

    Parameters
    ----------
    scenario : a scenario, with the concessions to apply already active.
    model : ``"bdm"`` or ``"exchange"``.
    rounds : 1 to :data:`MAX_ROUNDS`.
    draws, seed : also run on ``draws`` draws of the coding uncertainty (the Monte Carlo's
        draws for this seed) and keep each draw's final median per issue.
    q : the BDM model's Q (the probability that a challenged actor resists without the
        status quo changing), 1.0 as in Scholz et al.

    >>> import explorer
    >>> result = forecast(explorer.load("data/scenarios/logrolling_textbook.yaml"), "bdm", rounds=3)
    >>> result.position.shape[0], sorted(result.summary_table().columns)
    (4, ['issue', 'mean', 'median', 'round'])
    """
    _check(model, rounds, draws)
    inputs = model_inputs(scenario)
    weight = inputs.capability * inputs.salience
    exchanges = None
    if model == "bdm":
        position, mover, offer = run_bdm(inputs.position, inputs, rounds, q)
        how = np.asarray(bdm.OFFER_NAMES, dtype=object)[offer]
    else:
        run = exchange.equal_gain(inputs.position, inputs.salience, inputs.capability, rounds,
                                  present=inputs.present, low=inputs.low, high=inputs.high)
        position, exchanges = run.position, run.count
        mover, how = exchange_movers(run, inputs, rounds)
    summary_position = np.swapaxes(position, -1, -2)  # (R+1, I, A): the summaries run over the last axis
    median = weighted_median(summary_position, weight.T, inputs.present.T)
    mean = weighted_mean(summary_position, weight.T, inputs.present.T)
    final = final_medians(scenario, model, rounds, draws, seed, q=q) if draws else None
    return Forecast(scenario, model, rounds, inputs, position, median, mean, mover, how, exchanges,
                    draws, seed, final)


def exchange_movers(run, inputs: ModelInputs, rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """(R, A, I) partner index and the issue the partner moved on, from the executed moves."""
    shape = (rounds, *inputs.position.shape)
    mover = np.full(shape, NOBODY)
    how = np.full(shape, "", dtype=object)
    issues = np.asarray(inputs.issue_ids, dtype=object)
    moves = run.moves
    mover[moves.round - 1, moves.actor, moves.issue] = moves.partner  # a later move in a round overwrites
    how[moves.round - 1, moves.actor, moves.issue] = issues[moves.partner_issue]
    return mover, how


def final_medians(scenario: Scenario, model: str, rounds: int, draws: int, seed: int, *, q: float = 1.0,
                  start: int = 0, stop: int | None = None) -> np.ndarray:
    """(stop − start, I): the final weighted median per issue of draws ``start`` to ``stop`` (default:
    all ``draws``) of the Monte Carlo's draws for ``seed``; a part of the draws can be computed at a
    time (the dashboard does, so that a click is never held up for long) and the parts stacked.

    >>> import explorer
    >>> scenario = explorer.load("data/scenarios/russia_ukraine_talks.yaml")
    >>> whole = final_medians(scenario, "bdm", 5, 6, seed=3)
    >>> parts = [final_medians(scenario, "bdm", 5, 6, seed=3, start=k, stop=k + 2) for k in (0, 2, 4)]
    >>> bool((np.concatenate(parts) == whole).all())
    True
    """
    _check(model, rounds, draws)
    stop = draws if stop is None else stop
    inputs = model_inputs(scenario)
    arrays = ScenarioArrays.from_scenario(scenario)
    z = standard_normals(draws, arrays.position.shape, seed)[start:stop]
    drawn = inputs.to_own_scale(perturb(arrays.position, arrays.lo, arrays.hi, arrays.uncertainty, z).position)
    weight = (inputs.capability * inputs.salience).T
    if model == "bdm":
        final = run_bdm(drawn, inputs, rounds, q)[0][..., -1, :, :]  # (D, A, I)
    else:  # the exchange model's rounds are sequential choices: one run per draw
        final = np.stack([exchange.equal_gain(d, inputs.salience, inputs.capability, rounds, present=inputs.present,
                                              low=inputs.low, high=inputs.high).position[-1] for d in drawn])
    return weighted_median(np.swapaxes(final, -1, -2), weight, inputs.present.T)
