"""Every predictor of the project on every DEU issue at once: (I,) predictions per predictor.

The issues are stacked as (I, A) arrays (:class:`DeuArrays`: A = the 30 DEU actors, NaN where an
actor has no position or no seat), so the weighted rules and the BDM challenge model run as one
batch; the exchange model trades across the issues of a proposal, so it runs once per proposal;
the Nash and Kalai–Smorodinsky packages are a one-dimensional search per issue.

Predictors (:data:`PREDICTORS`), weights w_a = c_a · s_a (capability × salience):

* ``compromise`` — the weighted mean Σ w x / Σ w (the project's *compromise*);
* ``weighted_median`` — the lower weighted median (:func:`explorer.dynamics.summary.weighted_median`);
* ``nash``, ``kalai_smorodinsky`` — the packages of ``analyze`` (solved by the exact one-issue solver
  :mod:`explorer.analysis.one_issue`) on the issue as a one-issue scenario in which every actor with a
  position bargains (DEU records no red lines: the zone is the whole
  scale). Disagreement point: **the reference point where the file records one** (an actor's
  no-deal utility is its utility there, 1 − |rp − x_a|/100, at most 0.999), else **each actor's worst
  position** (no-deal utility 0). Undefined (NaN) where no point beats every actor's disagreement;
* ``bdm_median``, ``bdm_mean`` — the challenge model after :data:`ROUNDS` rounds
  (:mod:`explorer.dynamics.bdm`), its final weighted median and mean;
* ``exchange_median``, ``exchange_mean`` — the equal-gain exchange model after :data:`ROUNDS` rounds
  across the issues of each proposal (:mod:`explorer.dynamics.exchange`), final weighted median and mean.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.analysis import one_issue
from explorer.backtest.capabilities import capabilities, period
from explorer.backtest.deu import ACTORS, DeuIssue
from explorer.dynamics import bdm, exchange
from explorer.dynamics.summary import weighted_mean, weighted_median

ROUNDS = 10
PREDICTORS = ("compromise", "weighted_median", "nash", "kalai_smorodinsky", "bdm_median", "bdm_mean",
              "exchange_median", "exchange_mean")
MAX_RESERVATION = 0.999  # the scenario format's reservation is below 1


@dataclass(frozen=True, eq=False)
class DeuArrays:
    """The issues as (I, A) arrays over :data:`ACTORS`; ``present`` False where an actor has no
    position or no seat at the decision date (then NaN position, 0 salience and capability)."""

    issues: tuple[DeuIssue, ...]
    position: np.ndarray
    salience: np.ndarray  # 0–100
    capability: np.ndarray
    present: np.ndarray
    reference: np.ndarray  # (I,) NaN where none
    outcome: np.ndarray  # (I,) NaN where none

    @classmethod
    def from_issues(cls, issues: list[DeuIssue]) -> DeuArrays:
        shape = (len(issues), len(ACTORS))
        position = np.full(shape, np.nan)
        salience, capability = np.zeros(shape), np.zeros(shape)
        for k, issue in enumerate(issues):
            caps = capabilities(issue.decided, issue.procedure)
            for a, actor in enumerate(ACTORS):
                if actor in issue.positions and actor in caps:
                    position[k, a] = issue.positions[actor]
                    salience[k, a] = issue.saliences[actor]
                    capability[k, a] = caps[actor]
        nan = np.nan
        return cls(tuple(issues), position, salience, capability, ~np.isnan(position),
                   np.array([nan if i.reference is None else i.reference for i in issues]),
                   np.array([nan if i.outcome is None else i.outcome for i in issues]))

    @property
    def weight(self) -> np.ndarray:
        return self.capability * self.salience

    def column(self, name: str) -> np.ndarray:
        """(I,) of an issue attribute: ``procedure``, ``rule``, ``period`` or ``proposal``."""
        if name == "period":
            return np.array([period(i.decided) for i in self.issues])
        return np.array([getattr(i, name) for i in self.issues])


def weighted_rules(arrays: DeuArrays) -> dict[str, np.ndarray]:
    """The compromise and the weighted median of every issue (where every salience is 0, by capability)."""
    weight = arrays.weight
    no_weight = weight.sum(axis=1) == 0
    weight = np.where(no_weight[:, None], arrays.capability, weight)
    return {"compromise": weighted_mean(arrays.position, weight, arrays.present),
            "weighted_median": weighted_median(arrays.position, weight, arrays.present)}


def bdm_rules(arrays: DeuArrays, rounds: int = ROUNDS) -> dict[str, np.ndarray]:
    """The challenge model on every issue at once (one batch): final weighted median and mean."""
    run = bdm.challenge(arrays.position, arrays.capability, arrays.salience / 100.0, rounds=rounds,
                        present=arrays.present)
    return {"bdm_median": run.median[..., -1], "bdm_mean": run.mean[..., -1]}


def exchange_rules(arrays: DeuArrays, rounds: int = ROUNDS) -> dict[str, np.ndarray]:
    """The exchange model on the issues of each proposal (actors present on at least one of them)."""
    median, mean = np.full(len(arrays.issues), np.nan), np.full(len(arrays.issues), np.nan)
    proposals = arrays.column("proposal")
    for proposal in dict.fromkeys(proposals):
        rows = np.nonzero(proposals == proposal)[0]
        actors = arrays.present[rows].any(axis=0)
        present = arrays.present[rows][:, actors].T  # (A, I)
        position = arrays.position[rows][:, actors].T
        salience = arrays.salience[rows][:, actors].T / 100.0
        power = arrays.capability[rows][:, actors].T
        run = exchange.equal_gain(position, salience, power, rounds, present=present,
                                  low=np.zeros(len(rows)), high=np.full(len(rows), 100.0))
        final = run.position[-1].T  # (I, A)
        weight = (power * salience).T
        median[rows] = weighted_median(final, weight, present.T)
        mean[rows] = weighted_mean(final, weight, present.T)
    return {"exchange_median": median, "exchange_mean": mean}


def package_rules(arrays: DeuArrays) -> dict[str, np.ndarray]:
    """Nash and Kalai–Smorodinsky of every issue, every actor bargaining (module docstring), by the exact
    one-issue solver (:mod:`explorer.analysis.one_issue`, tested equal to ``analyze``'s programmes)."""
    from explorer.backtest.scenarios import reservation

    nash, ks = np.full(len(arrays.issues), np.nan), np.full(len(arrays.issues), np.nan)
    for k, issue in enumerate(arrays.issues):
        position = arrays.position[k, arrays.present[k]]
        no_deal = np.array([reservation(issue, x) for x in position])
        found = one_issue.nash(position, no_deal), one_issue.kalai_smorodinsky(position, no_deal)
        nash[k], ks[k] = (np.nan if value is None else value for value in found)
    return {"nash": nash, "kalai_smorodinsky": ks}


def predict(arrays: DeuArrays, names: tuple[str, ...] = PREDICTORS) -> dict[str, np.ndarray]:
    """(I,) predictions of each predictor in ``names`` (NaN where a predictor gives none)."""
    unknown = [n for n in names if n not in PREDICTORS]
    if unknown:
        raise ValueError(f"predictors must be some of {', '.join(PREDICTORS)}, got {', '.join(unknown)}")
    out: dict[str, np.ndarray] = {}
    if {"compromise", "weighted_median"} & set(names):
        out |= weighted_rules(arrays)
    if {"nash", "kalai_smorodinsky"} & set(names):
        out |= package_rules(arrays)
    if {"bdm_median", "bdm_mean"} & set(names):
        out |= bdm_rules(arrays)
    if {"exchange_median", "exchange_mean"} & set(names):
        out |= exchange_rules(arrays)
    return {name: out[name] for name in names}
