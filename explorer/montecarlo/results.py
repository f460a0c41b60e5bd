"""``uncertainty(scenario) -> Uncertainty``: every stacked figure over draws of the coding
uncertainty, with the chances and spreads a reader needs.

A probability p estimated from D draws carries the standard error √(p(1 − p)/D) and a
95 % Wilson interval (which stays honest at p = 0 or 1, where the standard error is 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.analysis.arrays import ScenarioArrays
from explorer.analysis.distances import pairwise_distances
from explorer.analysis.stacked import StackFigures, stack_figures
from explorer.model.scenario import Scenario
from explorer.montecarlo.draws import perturb, standard_normals

if TYPE_CHECKING:
    import pandas as pd

Z95 = 1.959963984540054
QUANTILES = (10, 50, 90)


def standard_error(p: float | np.ndarray, draws: int):
    """√(p(1 − p)/D).

    >>> round(standard_error(0.5, 10_000), 4)
    0.005
    """
    if not draws:
        return np.nan
    value = np.sqrt(np.asarray(p) * (1 - np.asarray(p)) / draws)
    return float(value) if value.ndim == 0 else value


def wilson_interval(p: float, draws: int, z: float = Z95) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion p seen in D draws.

    (p + z²/2D ± z√(p(1 − p)/D + z²/4D²)) / (1 + z²/D). At p = 0 it is [0, ≈3.8/D]:

    >>> [round(v, 5) for v in wilson_interval(0.0, 1000)]
    [0.0, 0.00383]
    """
    denominator = 1 + z * z / draws
    centre = (p + z * z / (2 * draws)) / denominator
    half = z * np.sqrt(p * (1 - p) / draws + z * z / (4 * draws * draws)) / denominator
    # at p = 0 (p = 1) the lower (upper) end is 0 (1) exactly: rounding must not exclude p itself
    low = 0.0 if p <= 0 else max(0.0, float(centre - half))
    high = 1.0 if p >= 1 else min(1.0, float(centre + half))
    return low, high


def spread(values: np.ndarray) -> dict[str, float | None]:
    """mean, p10, p50, p90 of the finite values (None when there are none)."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return {"mean": None, **{f"p{q}": None for q in QUANTILES}}
    quantiles = np.percentile(finite, QUANTILES)
    return {"mean": float(finite.mean()), **{f"p{q}": float(v) for q, v in zip(QUANTILES, quantiles)}}


def _probability(hits: np.ndarray) -> dict[str, Any]:
    draws = hits.shape[0]
    p = float(hits.mean())
    low, high = wilson_interval(p, draws)
    return {"p": p, "se": float(standard_error(p, draws)), "ci95": [low, high]}


@dataclass(frozen=True, eq=False)
class Chances:
    """The chances of an :class:`Uncertainty` without its per-draw arrays (a few hundred bytes:
    what a dashboard keeps per set of concessions)."""

    scenario: Scenario
    draws: int
    seed: int
    p_zone: np.ndarray  # (I,)
    p_no_deadlock: float
    p_package_zopa: float

    @property
    def se_package_zopa(self) -> float:
        return float(standard_error(self.p_package_zopa, self.draws))


@dataclass(frozen=True, eq=False)
class Uncertainty:
    """Figures of ``scenario`` on each of ``draws`` draws (arrays with a leading draw axis)."""

    scenario: Scenario
    draws: int
    seed: int
    arrays: ScenarioArrays
    figures: StackFigures
    distances: np.ndarray | None  # (draws, P, P); None when not asked for
    kalai_smorodinsky: np.ndarray | None = None  # (draws, I) with packages=True; NaN rows: no ZOPA
    nash: np.ndarray | None = None  # (draws, I), likewise

    def chances(self) -> Chances:
        return Chances(self.scenario, self.draws, self.seed, self.p_zone, self.p_no_deadlock, self.p_package_zopa)

    # -- overall -----------------------------------------------------------
    @property
    def p_no_deadlock(self) -> float:
        return float((self.figures.deadlocked_issues == 0).mean())

    @property
    def p_package_zopa(self) -> float:
        return float(self.figures.package_zopa.mean())

    @property
    def se_no_deadlock(self) -> float:
        return float(standard_error(self.p_no_deadlock, self.draws))

    @property
    def se_package_zopa(self) -> float:
        return float(standard_error(self.p_package_zopa, self.draws))

    @property
    def p_zone(self) -> np.ndarray:
        """(I,) chance that the veto parties' red lines overlap on each issue."""
        return self.figures.has_zone.mean(axis=0)

    def overall(self) -> dict[str, Any]:
        f = self.figures
        no_deadlock = _probability(f.deadlocked_issues == 0)
        zopa = _probability(f.package_zopa)
        surplus = spread(f.package_surplus)
        surplus.pop("mean")
        return {
            "p_no_deadlock": no_deadlock["p"],
            "p_no_deadlock_se": no_deadlock["se"],
            "p_no_deadlock_ci95": no_deadlock["ci95"],
            "p_package_zopa": zopa["p"],
            "p_package_zopa_se": zopa["se"],
            "p_package_zopa_ci95": zopa["ci95"],
            "agreement_gap": spread(f.agreement_gap),
            "deadlocked_issues": {"mean": float(f.deadlocked_issues.mean())},
            "package_surplus": surplus,
        }

    # -- tables ------------------------------------------------------------
    @cached_property
    def issues(self) -> pd.DataFrame:
        """One row per issue: chance of a zone (with its standard error), mean red-line gap,
        spread of the compromise and weighted median (and, with ``packages=True``, of the Nash
        and K–S packages over the draws that have them)."""
        import pandas as pd

        f = self.figures
        columns = {
            "name": [i.name for i in self.scenario.issues],
            "p_zone": self.p_zone,
            "p_zone_se": standard_error(self.p_zone, self.draws),
            "redline_gap_mean": f.redline_gap.mean(axis=0),
        }
        drawn = {"compromise": f.compromise, "weighted_median": f.weighted_median}
        if self.nash is not None:
            drawn |= {"nash": self.nash, "kalai_smorodinsky": self.kalai_smorodinsky}
        for name, values in drawn.items():
            has = ~np.isnan(values).all(axis=0)
            quantiles = np.full((len(QUANTILES), values.shape[1]), np.nan)
            quantiles[:, has] = np.nanpercentile(values[:, has], QUANTILES, axis=0)
            for q, row in zip(QUANTILES, quantiles):
                columns[f"{name}_p{q}"] = row
        return pd.DataFrame(columns, index=pd.Index(self.arrays.issue_ids, name="issue"))

    @cached_property
    def per_draw(self) -> pd.DataFrame:
        """One row per draw: the overall figures (tidy, for plotting or further analysis)."""
        import pandas as pd

        f = self.figures
        return pd.DataFrame(
            {"agreement_gap": f.agreement_gap, "deadlocked_issues": f.deadlocked_issues,
             "package_surplus": f.package_surplus, "package_zopa": f.package_zopa},
            index=pd.RangeIndex(self.draws, name="draw"),
        )

    @cached_property
    def mean_distances(self) -> pd.DataFrame:
        """Mean over draws of the salience-weighted distance between every pair of parties."""
        import pandas as pd

        if self.distances is None:
            raise ValueError("the pairwise distances were not drawn (distances=False)")
        ids = pd.Index(self.arrays.party_ids, name="party")
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(self.distances, axis=0) if self.draws else np.nan
        return pd.DataFrame(mean, index=ids, columns=ids.rename("other"))

    # -- export ------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        f = self.figures
        issues = []
        for k, issue in enumerate(self.scenario.issues):
            zone = _probability(f.has_zone[:, k])
            issues.append({
                "id": issue.id,
                "name": issue.name,
                "p_zone": zone["p"],
                "p_zone_se": zone["se"],
                "p_zone_ci95": zone["ci95"],
                "redline_gap": {"mean": float(f.redline_gap[:, k].mean())},
                "compromise": spread(f.compromise[:, k]),
                "weighted_median": spread(f.weighted_median[:, k]),
                **({} if self.nash is None else {"nash": spread(self.nash[:, k]),
                                                 "kalai_smorodinsky": spread(self.kalai_smorodinsky[:, k])}),
            })
        s = self.scenario
        return {
            "scenario": {"id": s.id, "title": s.title, "as_of": s.data.as_of.isoformat(),
                         "active_concessions": list(s.active)},
            "draws": self.draws,
            "seed": self.seed,
            "packages_drawn": self.nash is not None,
            "overall": self.overall(),
            "issues": issues,
        }


def uncertainty(scenario: Scenario, draws: int = 10_000, seed: int = 0, packages: bool = False) -> Uncertainty:
    """Monte Carlo over the coding uncertainty of ``scenario`` (its active concessions applied).

    Semantics in ``docs/model.md`` (*Uncertainty*) and :mod:`explorer.montecarlo.draws`.
    ``packages=True`` also solves the Nash and Kalai–Smorodinsky packages of every draw with a
    package ZOPA (:mod:`explorer.montecarlo.packages`: a programme per draw, ~1–2 ms each).

    >>> import explorer
    >>> seed = explorer.load("data/scenarios/russia_ukraine_talks.yaml")
    >>> result = explorer.uncertainty(seed, draws=2_000, seed=1)
    >>> result.draws, result.p_package_zopa
    (2000, 0.0)
    """
    arrays = ScenarioArrays.from_scenario(scenario)
    z = standard_normals(draws, arrays.position.shape, seed)
    return uncertainty_from_normals(scenario, arrays, z, seed, packages)


def uncertainty_from_normals(scenario: Scenario, arrays: ScenarioArrays, z: np.ndarray,
                             seed: int, packages: bool = False, distances: bool = True) -> Uncertainty:
    """As :func:`uncertainty`, with the standard normals given (to share them between calls);
    ``distances=False`` skips the pairwise distances of every draw."""
    drawn = perturb(arrays.position, arrays.lo, arrays.hi, arrays.uncertainty, z)
    figures = stack_figures(drawn.position, drawn.lo, drawn.hi, arrays.share, arrays.weight,
                            arrays.reservation, arrays.veto)
    ks = nash = None
    if packages:
        from explorer.montecarlo.packages import drawn_packages

        ks, nash = drawn_packages(arrays.share, arrays.reservation, arrays.veto, drawn.position, figures)
    drawn_distances = pairwise_distances(drawn.position, arrays.share) if distances else None
    return Uncertainty(scenario, len(z), seed, arrays, figures, drawn_distances, ks, nash)
