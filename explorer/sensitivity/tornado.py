"""One factor at a time: every target with one factor moved to −2, −1, +1 and +2 σ.

For a factor F (a stance, or a group of them) and a level ℓ ∈ :data:`LEVELS`, the stances of
F get z = ℓ (position and red lines shifted by ℓ·σ, clipped as in the Monte Carlo) and:

* for a **measured** target (a gap, an outcome's position, a forecast) every other stance
  stays at its coded value (z = 0), so the bar is ``analyze`` of the hand-perturbed
  scenario, and the base is ``analyze`` of the scenario as coded;
* for a **chance** (a 0/1 target) the other stances are drawn as in the Monte Carlo — the
  same ``draws`` standard normals for every bar (common random numbers) — and the bar is
  the chance with F held at ℓ; the base is the Monte Carlo's chance. With everything else
  at its coded value a chance would only say yes or no.

The measured targets' bars of all factors are one stacked evaluation
(:func:`explorer.sensitivity.targets.evaluate`); the chances' are one per factor (4 × ``draws``
variants each), so memory stays that of a Monte Carlo of 4 × ``draws`` draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.analysis.arrays import ScenarioArrays
from explorer.model.scenario import Scenario
from explorer.montecarlo.draws import MAX_DRAWS, standard_normals
from explorer.sensitivity.factors import Factor
from explorer.sensitivity.targets import Target, evaluate

LEVELS = (-2.0, -1.0, 1.0, 2.0)


@dataclass(frozen=True, eq=False)
class TornadoBars:
    """``values`` (G, 4, T): each target with factor g at each level of :data:`LEVELS`;
    ``base`` (T,): with none moved (chances: the Monte Carlo's)."""

    values: np.ndarray
    base: np.ndarray

    @property
    def swing(self) -> np.ndarray:
        """(G, T): the largest minus the smallest of a factor's bars and the base."""
        everything = np.concatenate([self.values, np.broadcast_to(self.base, (self.values.shape[0], 1,
                                                                               self.base.shape[0]))], axis=1)
        return everything.max(axis=1) - everything.min(axis=1)


def held_normals(factors: list[Factor], shape: tuple[int, int], background: np.ndarray) -> np.ndarray:
    """z (G·4·D, P, I): ``background`` (D, P, I) with each factor's stances set to each level in turn."""
    count = len(factors) * len(LEVELS)
    z = np.broadcast_to(background, (count, *background.shape)).copy()
    for g, factor in enumerate(factors):
        rows, columns = np.array(factor.cells).T
        for l, level in enumerate(LEVELS):
            z[g * len(LEVELS) + l][:, rows, columns] = level
    return z.reshape(-1, *shape)


def tornado(scenario: Scenario, factors: list[Factor], targets: list[Target], draws: int = 1000,
            seed: int = 0) -> TornadoBars:
    """The bars of every factor for every target (rules in the module docstring).

    ``draws`` and ``seed`` are the Monte Carlo's, for the chances (at most a quarter of its
    :data:`~explorer.montecarlo.draws.MAX_DRAWS`).
    """
    if any(t.indicator for t in targets) and not 0 < len(LEVELS) * draws <= MAX_DRAWS:
        raise ValueError(f"the tornado's chances take at most {MAX_DRAWS // len(LEVELS):,} draws, got {draws:,}")
    arrays = ScenarioArrays.from_scenario(scenario)
    shape = arrays.position.shape
    measured = [k for k, t in enumerate(targets) if not t.indicator]
    chances = [k for k, t in enumerate(targets) if t.indicator]
    values = np.full((len(factors), len(LEVELS), len(targets)), np.nan)
    base = np.full(len(targets), np.nan)
    if measured:
        chosen = [targets[k] for k in measured]
        coded = np.zeros((1, *shape))
        out = evaluate(scenario, arrays, np.concatenate([coded, held_normals(factors, shape, coded)]), chosen)
        base[measured] = out[0]
        values[:, :, measured] = out[1:].reshape(len(factors), len(LEVELS), len(chosen))
    if chances:
        chosen = [targets[k] for k in chances]
        drawn = standard_normals(draws, shape, seed)
        base[chances] = evaluate(scenario, arrays, drawn, chosen).mean(axis=0)
        for g, factor in enumerate(factors):  # one stacked evaluation of 4·draws variants per factor: bounded memory
            out = evaluate(scenario, arrays, held_normals([factor], shape, drawn), chosen)
            values[g][:, chances] = out.reshape(len(LEVELS), draws, len(chosen)).mean(axis=1)
    return TornadoBars(values, base)
