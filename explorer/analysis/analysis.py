"""``analyze(scenario) -> Analysis``: every figure of the model, as one results object.

The numbers are computed eagerly with numpy (they are what a dashboard redraws
on every toggle); the pandas tables are built on first access and cached.
Presentation code (the CLI, the dashboard) reads an ``Analysis``; nothing here
knows about them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.analysis.arrays import ScenarioArrays
from explorer.analysis.distances import pairwise_distances
from explorer.analysis.gaps import IssueGaps, agreement_gap, issue_gaps
from explorer.analysis.outcomes import compromise, weighted_median
from explorer.analysis.packages import (
    ZOPA_TOLERANCE, Bargaining, PackageResult, kalai_smorodinsky, nash, package_surplus,
)
from explorer.analysis.utility import best_utilities, utilities
from explorer.analysis.vocabulary import OUTCOMES
from explorer.model.scenario import Scenario

if TYPE_CHECKING:  # pandas is imported on first use of a table: a dashboard kernel never needs it
    import pandas as pd



def _number(value: Any) -> float | None:
    """A float for JSON, or None where the value does not exist (NaN)."""
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


@dataclass(frozen=True, eq=False)
class Analysis:
    """Results of :func:`analyze`. Read the figures as attributes, the tables as DataFrames."""

    scenario: Scenario
    arrays: ScenarioArrays
    gaps: IssueGaps
    compromise: np.ndarray  # (I,)
    weighted_median: np.ndarray  # (I,)
    agreement_gap: float
    deadlocked_issues: int
    package_surplus: float | None
    ideal_utility: np.ndarray | None  # (V,) u*_p for the veto parties, None when deadlocked
    nash: PackageResult | None
    kalai_smorodinsky: PackageResult | None

    @property
    def package_zopa(self) -> bool:
        """A package inside every zone leaves every veto party strictly above its reservation
        (surplus > ZOPA_TOLERANCE = 10⁻⁹); exactly when Nash and K–S packages exist."""
        return self.package_surplus is not None and self.package_surplus > ZOPA_TOLERANCE

    @property
    def veto_ids(self) -> tuple[str, ...]:
        return tuple(np.array(self.arrays.party_ids)[self.arrays.veto])

    def outcome(self, name: str) -> np.ndarray | None:
        """Predicted outcome per issue by method name (one of ``OUTCOMES``)."""
        if name not in OUTCOMES:
            raise ValueError(f"unknown outcome {name!r}; choose from {', '.join(OUTCOMES)}")
        value = getattr(self, name)
        return value.package if isinstance(value, PackageResult) else value

    def utilities_at(self, package: np.ndarray | None) -> np.ndarray:
        """u_p(o) for every party (NaN when there is no package)."""
        if package is None:
            return np.full(len(self.arrays.party_ids), np.nan)
        return utilities(self.arrays.share, self.arrays.position, package)

    # -- tables ------------------------------------------------------------
    @cached_property
    def issues(self) -> pd.DataFrame:
        """One row per issue: gaps, zone and predicted outcomes."""
        import pandas as pd

        g = self.gaps
        table = pd.DataFrame(
            {
                "name": [i.name for i in self.scenario.issues],
                "position_gap": g.position_gap,
                "zone_lo": np.where(g.has_zone, g.zone_lo, np.nan),
                "zone_hi": np.where(g.has_zone, g.zone_hi, np.nan),
                "redline_gap": g.redline_gap,
                "weight": g.issue_weight,
                **{name: self._outcome_column(name) for name in OUTCOMES},
            },
            index=pd.Index(self.arrays.issue_ids, name="issue"),
        )
        return table

    def _outcome_column(self, name: str) -> np.ndarray:
        value = self.outcome(name)
        return np.full(len(self.arrays.issue_ids), np.nan) if value is None else value

    @cached_property
    def parties(self) -> pd.DataFrame:
        """One row per party: clout, reservation and utility at each predicted package."""
        import pandas as pd

        a = self.arrays
        ideal = np.full(len(a.party_ids), np.nan)
        if self.ideal_utility is not None:
            ideal[a.veto] = self.ideal_utility
        cost = {p: 0.0 for p in a.party_ids}
        for cid in self.scenario.active:
            cost[self.scenario.concession(cid).party] += self.scenario.concession_cost(cid)
        return pd.DataFrame(
            {
                "name": [p.name for p in self.scenario.parties],
                "veto": a.veto,
                "capability": [p.capability for p in self.scenario.parties],
                "reservation": a.reservation,
                "ideal_utility": ideal,
                **{f"utility_at_{n}": self.utilities_at(self.outcome(n)) for n in OUTCOMES},
                "concession_cost": [cost[p] for p in a.party_ids],
            },
            index=pd.Index(a.party_ids, name="party"),
        )

    @cached_property
    def distance_matrix(self) -> np.ndarray:
        """d_pq for every pair of parties (party order of the file), NaN where they share no issue."""
        return pairwise_distances(self.arrays.position, self.arrays.share)

    @cached_property
    def distances(self) -> pd.DataFrame:
        """Salience-weighted distance between every pair of parties (scale points)."""
        import pandas as pd

        ids = pd.Index(self.arrays.party_ids, name="party")
        return pd.DataFrame(self.distance_matrix, index=ids, columns=ids.rename("other"))

    @cached_property
    def stances(self) -> pd.DataFrame:
        """One row per stance as currently in force (after active concessions)."""
        import pandas as pd

        a = self.arrays
        party_row = {p: k for k, p in enumerate(a.party_ids)}
        rows = [
            {
                "party": s.party,
                "issue": s.issue,
                "position": s.position,
                "lo": s.acceptable[0],
                "hi": s.acceptable[1],
                "salience": s.salience,
                "share": a.share[party_row[s.party], a.issue_ids.index(s.issue)],
                "uncertainty": s.uncertainty,
                "source": s.source,
                "evidence": s.quote if s.quote else s.note,
            }
            for s in self.scenario.stances
        ]
        return pd.DataFrame(rows).set_index(["party", "issue"])

    @cached_property
    def concessions(self) -> pd.DataFrame:
        """Every concession of the scenario: party, cost (on baseline), active, why blocked."""
        import pandas as pd

        s = self.scenario
        return pd.DataFrame(
            {
                "party": [c.party for c in s.concessions],
                "title": [c.title for c in s.concessions],
                "cost": [s.concession_cost(c.id) for c in s.concessions],
                "active": [c.id in s.active for c in s.concessions],
                "blocked": [None if c.id in s.active else s.blocked_reason(c.id) for c in s.concessions],
            },
            index=pd.Index([c.id for c in s.concessions], name="concession"),
        )

    # -- export ----------------------------------------------------------------
    def overall(self) -> dict[str, Any]:
        return {
            "agreement_gap": self.agreement_gap,
            "deadlocked_issues": self.deadlocked_issues,
            "package_surplus": _number(self.package_surplus),
            "package_zopa": self.package_zopa,
            "nash_gap": None if self.nash is None else self.nash.gap,
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: null wherever a value does not exist."""
        issues = self.issues
        parties = self.parties
        return {
            "scenario": {"id": self.scenario.id, "title": self.scenario.title,
                         "as_of": self.scenario.data.as_of.isoformat(),
                         "active_concessions": list(self.scenario.active)},
            "overall": self.overall(),
            "issues": [
                {
                    "id": iid,
                    "name": row["name"],
                    "position_gap": _number(row["position_gap"]),
                    "zone": None if np.isnan(row["zone_lo"]) else [row["zone_lo"], row["zone_hi"]],
                    "redline_gap": _number(row["redline_gap"]),
                    "weight": _number(row["weight"]),
                    "outcomes": {n: _number(row[n]) for n in OUTCOMES},
                }
                for iid, row in issues.iterrows()
            ],
            "parties": [
                {
                    "id": pid,
                    "name": row["name"],
                    "veto": bool(row["veto"]),
                    "reservation": _number(row["reservation"]),
                    "ideal_utility": _number(row["ideal_utility"]),
                    **{f"utility_at_{n}": _number(row[f"utility_at_{n}"]) for n in OUTCOMES},
                    "concession_cost": _number(row["concession_cost"]),
                }
                for pid, row in parties.iterrows()
            ],
            "concessions": [
                {"id": c.id, "party": c.party, "title": c.title,
                 "cost": self.scenario.concession_cost(c.id), "active": c.id in self.scenario.active,
                 "blocked": None if c.id in self.scenario.active else self.scenario.blocked_reason(c.id)}
                for c in self.scenario.concessions
            ],
        }


def bargaining(share, position, reservation, zone_lo, zone_hi, predicted_compromise) -> Bargaining:
    """The veto parties' bargaining problem, its tie-break anchor the compromise clipped to the
    zones (the zone's midpoint on an issue no one holds)."""
    middle = (zone_lo + zone_hi) / 2
    anchor = np.clip(np.where(np.isnan(predicted_compromise), middle, predicted_compromise), zone_lo, zone_hi)
    return Bargaining(share, position, reservation, zone_lo, zone_hi, anchor)


def predicted_packages(problem: Bargaining, surplus: float, ideal: np.ndarray) -> tuple[PackageResult, PackageResult]:
    """(Kalai–Smorodinsky, Nash) packages of a problem with a package ZOPA (surplus > ZOPA_TOLERANCE)."""
    ideal_gain = ideal - problem.reservation
    ks_result = kalai_smorodinsky(problem, ideal_gain)
    return ks_result, nash(problem, surplus, ideal_gain, starts=(ks_result.package,))


def analyze(scenario: Scenario) -> Analysis:
    """Compute every figure of ``docs/model.md`` for ``scenario``."""
    arrays = ScenarioArrays.from_scenario(scenario)
    veto = arrays.veto
    gaps = issue_gaps(arrays.position[veto], arrays.lo[veto], arrays.hi[veto], arrays.share[veto])
    predicted_compromise = compromise(arrays.position, arrays.weight)
    deadlocked = int((~gaps.has_zone).sum())
    surplus = ideal = nash_result = ks_result = None
    if deadlocked == 0:
        problem = bargaining(arrays.share[veto], arrays.position[veto], arrays.reservation[veto],
                             gaps.zone_lo, gaps.zone_hi, predicted_compromise)
        surplus, _ = package_surplus(problem)
        ideal = best_utilities(problem.share, problem.position, gaps.zone_lo, gaps.zone_hi)
        if surplus > ZOPA_TOLERANCE:
            ks_result, nash_result = predicted_packages(problem, surplus, ideal)
    return Analysis(
        scenario=scenario,
        arrays=arrays,
        gaps=gaps,
        compromise=predicted_compromise,
        weighted_median=weighted_median(arrays.position, arrays.weight),
        agreement_gap=agreement_gap(gaps.redline_gap, gaps.issue_weight),
        deadlocked_issues=deadlocked,
        package_surplus=surplus,
        ideal_utility=ideal,
        nash=nash_result,
        kalai_smorodinsky=ks_result,
    )
