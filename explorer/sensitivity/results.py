"""``sensitivity(scenario) -> Sensitivity``: which coded stance each figure hangs on.

Factors: :mod:`explorer.sensitivity.factors`; targets: :mod:`explorer.sensitivity.targets`;
the two methods: :mod:`explorer.sensitivity.tornado` (one factor at a time) and
:mod:`explorer.sensitivity.sobol` (variance-based indices). What each index means and when it
misleads: ``docs/model.md``, *Sensitivity*.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.analysis.arrays import ScenarioArrays
from explorer.model.scenario import Scenario
from explorer.montecarlo.draws import MAX_DRAWS
from explorer.sensitivity import sobol
from explorer.sensitivity.factors import Factor, normals_of, stance_factors
from explorer.sensitivity.targets import DEFAULT_SETS, Target, evaluate, scenario_targets
from explorer.sensitivity.tornado import LEVELS, TornadoBars, tornado

if TYPE_CHECKING:
    import pandas as pd

METHODS = ("both", "sobol", "tornado")
BASE_SAMPLES = 1024
#: rows of a Sobol design at most (N(k + 2)): as many as the Monte Carlo's draws
MAX_ROWS = MAX_DRAWS
NO_UNCERTAINTY = ("no stance carries an uncertainty (σ = 0 everywhere): nothing moves, so every index is 0 "
                  "and every bar equals the coded value")


@dataclass(frozen=True, eq=False)
class Sensitivity:
    """The factors, targets and results of :func:`sensitivity` (either method may be None)."""

    scenario: Scenario
    factors: list[Factor]
    targets: list[Target]
    group: str
    draws: int
    seed: int
    indices: sobol.VarianceIndices | None
    bars: TornadoBars | None

    @property
    def uncertain(self) -> bool:
        """False when no stance carries an uncertainty (every index 0)."""
        return any(s > 0 for f in self.factors for s in f.sigma)

    def target(self, key: str) -> int:
        """The column of target ``key``."""
        for column, t in enumerate(self.targets):
            if t.key == key:
                return column
        raise KeyError(f"no target {key!r}; targets: {', '.join(t.key for t in self.targets)}")

    def note(self, column: int) -> str | None:
        """Why a target's indices say nothing, or None."""
        if not self.uncertain:
            return NO_UNCERTAINTY
        if self.indices is not None and not self.indices.varies[column]:
            target = self.targets[column]
            value = self.indices.mean[column]
            shown = f"{100 * value:.0f} %" if target.indicator else f"{value:.1f}"
            return f"does not vary: {shown} in every draw, so no stance can explain a share of its variance"
        return None

    def ranking(self, column: int) -> list[int]:
        """Factors from the most to the least important for target ``column``: by total index
        when the indices were computed, else by the tornado's swing."""
        if self.indices is not None:
            key = -self.indices.total[:, column]
        else:
            key = -self.bars.swing[:, column]
        return [int(k) for k in np.argsort(key, kind="stable")]

    # -- tables ------------------------------------------------------------
    def table(self, key: str) -> pd.DataFrame:
        """One row per factor for target ``key``, most important first: its source, σ, the
        indices with their 95 % intervals and the tornado's bars."""
        import pandas as pd

        column = self.target(key)
        rows = []
        for k in self.ranking(column):
            f = self.factors[k]
            row = {"factor": f.key, "label": f.label, "kind": f.kind, "sigma": max(f.sigma)}
            if self.indices is not None:
                i = self.indices
                row |= {"first": i.first[k, column], "first_ci": i.first_conf[k, column],
                        "total": i.total[k, column], "total_ci": i.total_conf[k, column]}
            if self.bars is not None:
                row |= {f"at {level:+g} σ": self.bars.values[k, n, column] for n, level in enumerate(LEVELS)}
                row["swing"] = self.bars.swing[k, column]
            rows.append(row)
        return pd.DataFrame(rows).set_index("factor")

    # -- export ------------------------------------------------------------
    def target_dict(self, column: int) -> dict[str, Any]:
        t = self.targets[column]
        out = t.to_dict() | {"note": self.note(column)}
        order = self.ranking(column)
        if self.indices is not None:
            i = self.indices
            out |= {"varies": bool(i.varies[column]), "mean": float(i.mean[column]), "std": float(i.std[column])}
            out["indices"] = [
                {"factor": self.factors[k].key, "first": float(i.first[k, column]),
                 "first_ci": [float(i.first[k, column] - i.first_conf[k, column]),
                              float(i.first[k, column] + i.first_conf[k, column])],
                 "total": float(i.total[k, column]),
                 "total_ci": [float(i.total[k, column] - i.total_conf[k, column]),
                              float(i.total[k, column] + i.total_conf[k, column])]}
                for k in order]
        if self.bars is not None:
            b = self.bars
            out["base"] = float(b.base[column])
            swing_order = [int(k) for k in np.argsort(-b.swing[:, column], kind="stable")]
            out["tornado"] = [
                {"factor": self.factors[k].key, "low2": float(b.values[k, 0, column]),
                 "low": float(b.values[k, 1, column]), "high": float(b.values[k, 2, column]),
                 "high2": float(b.values[k, 3, column]), "swing": float(b.swing[k, column])}
                for k in swing_order]
        return out

    def to_dict(self) -> dict[str, Any]:
        s = self.scenario
        return {
            "scenario": {"id": s.id, "title": s.title, "as_of": s.data.as_of.isoformat(),
                         "active_concessions": list(s.active)},
            "method": [m for m, has in (("sobol", self.indices), ("tornado", self.bars)) if has is not None],
            "group": self.group,
            "draws": self.draws,
            "seed": self.seed,
            "model_runs": self.model_runs,
            "note": None if self.uncertain else NO_UNCERTAINTY,
            "factors": [f.to_dict() for f in self.factors],
            "targets": [self.target_dict(column) for column in range(len(self.targets))],
        }

    @property
    def model_runs(self) -> int:
        """Scenarios evaluated: N(k + 2) for the indices, 1 + 4k (+ (4k + 1)·N with chances) for the tornado."""
        k = len(self.factors)
        runs = self.draws * (sobol.factor_count(problem_of(self.factors)) + 2) if self.indices is not None else 0
        if self.bars is not None:
            chances = any(t.indicator for t in self.targets)
            runs += 1 + len(LEVELS) * k + ((1 + len(LEVELS) * k) * self.draws if chances else 0)
        return runs


def problem_of(factors: list[Factor]) -> dict:
    """SALib's problem: one standard normal input per stance, grouped by factor."""
    names = [f"{f.key}#{n}" for f in factors for n in range(len(f.cells))]
    groups = [f.key for f in factors for _ in f.cells]
    return sobol.normal_problem(names, groups if any(len(f.cells) > 1 for f in factors) else None)


def variance_indices(scenario: Scenario, factors: list[Factor], targets: list[Target], base_samples: int,
                     seed: int, engine: str = "salib") -> sobol.VarianceIndices:
    """The Sobol' indices of every factor for every target: the design (``engine``: SALib's Sobol'
    sequence or numpy's normals), every row through the stacked figures at once, SALib's estimators."""
    arrays = ScenarioArrays.from_scenario(scenario)
    problem = problem_of(factors)
    rows = base_samples * (sobol.factor_count(problem) + 2)
    if rows > MAX_ROWS:
        raise ValueError(f"{base_samples:,} base samples × ({sobol.factor_count(problem)} factors + 2) = {rows:,} "
                         f"model runs, more than {MAX_ROWS:,}: use fewer base samples or group the factors")
    x = sobol.design(problem, base_samples, seed, engine)
    outputs = evaluate(scenario, arrays, normals_of(factors, x, arrays.position.shape), targets)
    return sobol.indices(problem, outputs, seed)


def sensitivity(scenario: Scenario, method: str = "both", targets: tuple[str, ...] = DEFAULT_SETS,
                group: str = "stance", draws: int = BASE_SAMPLES, seed: int = 0, engine: str = "salib") -> Sensitivity:
    """How much each coded stance moves each figure of ``scenario`` (its active concessions applied).

    Parameters
    ----------
    method : ``"sobol"`` (first and total indices), ``"tornado"`` (one factor at a time) or ``"both"``.
    targets : names of :data:`explorer.sensitivity.targets.TARGET_SETS`.
    group : one factor per ``"stance"``, ``"party"`` or ``"issue"``.
    draws : the Sobol' design's base samples N (a power of two; N(k + 2) model runs), and the
        Monte Carlo draws behind the tornado's chances.
    seed : the design's and the bootstrap's seed; the tornado's chances use the Monte Carlo's draws
        for this seed.
    engine : the Sobol' design's base rows: ``"salib"`` (SALib's scrambled Sobol' sequence) or
        ``"numpy"`` (pseudo-random normals, without importing SALib: what the dashboard's kernels use).

    >>> import explorer
    >>> seed = explorer.load("data/scenarios/russia_ukraine_talks.yaml")
    >>> result = sensitivity(seed, targets=("agreement-gap",), draws=256)
    >>> result.table("agreement_gap").index[0]
    'russia/territory'
    >>> print(sensitivity(explorer.load("data/scenarios/logrolling_textbook.yaml"), draws=4).to_dict()["note"])
    no stance carries an uncertainty (σ = 0 everywhere): nothing moves, so every index is 0 and every bar equals the coded value
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    if not 0 < draws <= MAX_DRAWS:
        raise ValueError(f"draws must be between 1 and {MAX_DRAWS:,}, got {draws}")
    chosen = scenario_targets(scenario, tuple(targets))
    factors = stance_factors(scenario, group) or stance_factors(scenario, group, certain=True)
    indices = variance_indices(scenario, factors, chosen, draws, seed, engine) if method in ("both", "sobol") else None
    bars = tornado(scenario, factors, chosen, draws, seed) if method in ("both", "tornado") else None
    return Sensitivity(scenario, factors, chosen, group, draws, seed, indices, bars)
