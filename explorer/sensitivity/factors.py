"""The factors of a sensitivity analysis: coded stances whose numbers carry an uncertainty.

The Monte Carlo (:mod:`explorer.montecarlo.draws`) moves each stance (p, i) with σ_pi > 0 by
one standard normal z_pi: its position and both red lines shift by δ = σ_pi·z_pi, with the
same clipping. So a stance's position and red lines are **one** factor, z_pi ~ N(0, 1), and
the analysis varies z the Monte Carlo's way. Factors can be grouped:

* ``"stance"`` (default): one factor per uncertain stance;
* ``"party"``: one factor per party: all its uncertain stances (independent z's, varied together);
* ``"issue"``: one factor per issue, likewise.

A stance with σ = 0 is coded as certain: it is not a factor.

>>> import explorer
>>> seed = explorer.load("data/scenarios/russia_ukraine_talks.yaml")
>>> [f.key for f in stance_factors(seed)][:2]
['russia/nato', 'russia/territory']
>>> [(f.key, len(f.cells)) for f in stance_factors(seed, "party")]
[('russia', 7), ('ukraine', 7), ('us', 7), ('europe', 7)]
>>> stance_factors(explorer.load("data/scenarios/logrolling_textbook.yaml"))   # every stance coded as certain
[]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.model.scenario import Scenario
from explorer.model.schema import ASSUMPTION

GROUPINGS = ("stance", "party", "issue")


@dataclass(frozen=True)
class Factor:
    """One factor: the stances it moves and where their numbers come from.

    ``cells`` are (party index, issue index) pairs of the scenario's arrays; ``sigma`` is σ of
    each (scale points). For a stance factor ``party``/``issue`` are ids, ``source`` the source
    id or ``"assumption"``, ``evidence`` the quote or the assumption's reasoning; a group
    factor lists what it holds (``assumption`` is then True when every stance in it is one).
    """

    key: str
    label: str
    party: str | None
    issue: str | None
    source: str
    assumption: bool
    sigma: tuple[float, ...]
    cells: tuple[tuple[int, int], ...]
    evidence: str = ""

    @property
    def kind(self) -> str:
        """"quoted", "assumption" or, for a group holding both, "mixed"."""
        if self.assumption:
            return "assumption"
        return "mixed" if ASSUMPTION in self.source.split(", ") else "quoted"

    def to_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "party": self.party, "issue": self.issue,
                "source": self.source, "assumption": self.assumption, "kind": self.kind,
                "sigma": self.sigma[0] if len(self.sigma) == 1 else list(self.sigma),
                "evidence": self.evidence}


def stance_factors(scenario: Scenario, group: str = "stance", certain: bool = False) -> list[Factor]:
    """The factors of ``scenario`` (its active concessions applied), in file order; ``certain``
    also makes factors of the stances with σ = 0 (they move nothing: every index of theirs is 0).

    Raises
    ------
    ValueError
        When ``group`` is not one of :data:`GROUPINGS`.
    """
    if group not in GROUPINGS:
        raise ValueError(f"group must be one of {', '.join(GROUPINGS)}, got {group!r}")
    parties = {p.id: k for k, p in enumerate(scenario.parties)}
    issues = {i.id: k for k, i in enumerate(scenario.issues)}
    names = {p.id: p.name for p in scenario.parties} | {i.id: i.name for i in scenario.issues}
    single = []
    for s in scenario.stances:
        if s.uncertainty <= 0 and not certain:
            continue
        quoted = s.source != ASSUMPTION
        evidence = (f"“{s.quote}”" if quoted and s.quote else s.note or "")
        single.append(Factor(
            key=f"{s.party}/{s.issue}", label=f"{names[s.party]} on {names[s.issue]}", party=s.party,
            issue=s.issue, source=s.source, assumption=not quoted, sigma=(float(s.uncertainty),),
            cells=((parties[s.party], issues[s.issue]),), evidence=evidence))
    if group == "stance":
        return single
    by = {}
    for f in single:
        by.setdefault(f.party if group == "party" else f.issue, []).append(f)
    return [Factor(key=key, label=names[key] + (" (all its stances)" if group == "party" else " (every party)"),
                   party=key if group == "party" else None, issue=key if group == "issue" else None,
                   source=", ".join(dict.fromkeys(f.source for f in members)),
                   assumption=all(f.assumption for f in members),
                   sigma=tuple(f.sigma[0] for f in members),
                   cells=tuple(f.cells[0] for f in members),
                   evidence="; ".join(f"{f.label}: {'assumption' if f.assumption else 'quoted'}" for f in members))
            for key, members in by.items()]


def normals_of(factors: list[Factor], values: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """z (B, P, I) from one column per stance: ``values`` (B, S) in the order of the factors'
    cells (S = Σ len(cells)); cells of no factor stay 0 (their coded values)."""
    cells = [c for f in factors for c in f.cells]
    z = np.zeros((values.shape[0], *shape))
    if cells:
        rows, columns = np.array(cells).T
        z[:, rows, columns] = values
    return z
