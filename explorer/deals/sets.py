"""Every set of concessions a scenario allows, and the stances each set puts in force.

A set is a bit code over the scenario's concessions (bit c = the c-th concession in file
order). It is *feasible* when it is closed under ``requires`` (a member's requirements
are members), holds no pair that ``excludes`` each other, and, once applied, leaves every
position inside its red lines — exactly the sets ``Scenario.with_concessions`` accepts.
Applying a set replaces the changed fields of each stance, concessions taken in file
order (a later change to the same field wins), as ``Scenario.with_concessions`` does;
here for a whole stack of sets at once, one ``np.where`` per change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.model.scenario import Scenario

MAX_CONCESSIONS = 24  # 2^24 ≈ 16.8 million sets: the most an exhaustive search enumerates


def rule_feasible_codes(scenario: Scenario) -> np.ndarray:
    """Codes of every set that respects ``requires`` and ``excludes``, ascending (uint32).

    >>> import explorer
    >>> textbook = explorer.load("data/scenarios/logrolling_textbook.yaml")
    >>> [c.id for c in textbook.concessions]
    ['union-moderates-wages', 'management-hours-pilot', 'union-flexible-hours']
    >>> rule_feasible_codes(textbook).tolist()  # the pilot (bit 2) needs the wage move (bit 1)
    [0, 1, 3, 4, 5, 7]
    """
    concessions = scenario.concessions
    count = len(concessions)
    if count > MAX_CONCESSIONS:
        raise ValueError(f"the search enumerates every set of concessions: at most {MAX_CONCESSIONS} "
                         f"concessions (2^{MAX_CONCESSIONS} sets), this scenario has {count}")
    bit = {c.id: np.uint32(1) << np.uint32(k) for k, c in enumerate(concessions)}
    codes = np.arange(2**count, dtype=np.uint32)
    keep = np.ones(len(codes), dtype=bool)
    for c in concessions:
        member = (codes & bit[c.id]) != 0
        needs = np.uint32(sum(int(bit[r]) for r in c.requires if r in bit))
        clashes = np.uint32(sum(int(bit[e]) for e in c.excludes if e in bit))
        keep &= ~member | (((codes & needs) == needs) & ((codes & clashes) == 0))
    return codes[keep]


def members(codes: np.ndarray, count: int) -> np.ndarray:
    """(N, C) bool: which concessions each code holds."""
    return ((codes[:, None] >> np.arange(count, dtype=np.uint32)) & 1).astype(bool)


def ids_of(code: int, scenario: Scenario) -> tuple[str, ...]:
    return tuple(c.id for k, c in enumerate(scenario.concessions) if (int(code) >> k) & 1)


def code_of(ids, scenario: Scenario) -> int:
    index = {c.id: k for k, c in enumerate(scenario.concessions)}
    return sum(1 << index[i] for i in ids)


def cost_matrix(scenario: Scenario) -> np.ndarray:
    """(C, P): cost of concession c to each party (nonzero only for its own party)."""
    party = {p.id: k for k, p in enumerate(scenario.parties)}
    matrix = np.zeros((len(scenario.concessions), len(party)))
    for k, c in enumerate(scenario.concessions):
        matrix[k, party[c.party]] = scenario.concession_cost(c.id)
    return matrix


@dataclass(frozen=True, eq=False)
class StackedStances:
    """Stances in force under each set of a stack: (N, P, I), NaN/0 where no stance."""

    position: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    salience: np.ndarray
    capability: np.ndarray
    uncertainty: np.ndarray

    @property
    def within_red_lines(self) -> np.ndarray:
        """(N,) bool: every position lies inside its red lines (the set is allowed)."""
        outside = (self.position < self.lo) | (self.position > self.hi)  # NaN compares False
        return ~outside.any(axis=(1, 2))


FIELDS = ("position", "lo", "hi", "salience", "capability", "uncertainty")


def baseline_stances(scenario: Scenario) -> StackedStances:
    """The file's stances as a stack of one."""
    party = {p.id: k for k, p in enumerate(scenario.parties)}
    issue = {i.id: k for k, i in enumerate(scenario.issues)}
    shape = (1, len(party), len(issue))
    position, lo, hi = (np.full(shape, np.nan) for _ in range(3))
    salience, capability, sigma = (np.zeros(shape) for _ in range(3))
    for s in scenario.data.stances:
        p, i = party[s.party], issue[s.issue]
        position[0, p, i], (lo[0, p, i], hi[0, p, i]) = s.position, s.acceptable
        salience[0, p, i], sigma[0, p, i] = s.salience, s.uncertainty
        capability[0, p, i] = s.capability if s.capability is not None else scenario.parties[p].capability
    return StackedStances(position, lo, hi, salience, capability, sigma)


def apply_sets(scenario: Scenario, held: np.ndarray, base: StackedStances | None = None) -> StackedStances:
    """Stances under each set: ``held`` is (N, C) bool from :func:`members`."""
    base = base or baseline_stances(scenario)
    count = len(held)
    arrays = {f: np.repeat(getattr(base, f), count, axis=0) for f in FIELDS}
    party = {p.id: k for k, p in enumerate(scenario.parties)}
    issue = {i.id: k for k, i in enumerate(scenario.issues)}
    for k, concession in enumerate(scenario.concessions):
        on = held[:, k]
        if not on.any():
            continue
        p = party[concession.party]
        for change in concession.changes:
            i = issue[change.issue]
            values = change.model_dump(exclude={"issue"}, exclude_none=True)  # null: not changed
            if "acceptable" in values:
                values["lo"], values["hi"] = values.pop("acceptable")
            for field, value in values.items():
                target = arrays[field]
                target[:, p, i] = np.where(on, value, target[:, p, i])
    return StackedStances(**arrays)
