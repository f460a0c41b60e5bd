"""``Scenario``: a validated scenario file plus the concessions applied to it.

A scenario is immutable. :meth:`Scenario.with_concessions` returns a new one and
leaves the original untouched, so a dashboard can always go back to baseline.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property

from explorer.errors import Problem, ScenarioError
from explorer.model.checks import check_scenario
from explorer.model.schema import Concession, Issue, Party, ScenarioData, Stance


def normalised_salience(stances: Iterable[Stance], party: str) -> dict[str, float]:
    """ŝ_pi = s_pi / Σ_j s_pj over the issues where party p has a stance.

    >>> from explorer.model.schema import Stance
    >>> mk = lambda i, s: Stance(party="a", issue=i, position=0., salience=s, source="assumption", note="x")
    >>> normalised_salience([mk("x", 30.), mk("y", 10.)], "a")
    {'x': 0.75, 'y': 0.25}
    """
    own = [s for s in stances if s.party == party]
    total = sum(s.salience for s in own)
    return {s.issue: s.salience / total for s in own}


def concession_cost(stances: Iterable[Stance], concession: Concession) -> float:
    """Cost to the conceding party p: Σ over its changes of ŝ_pi·|Δx_pi| / 100.

    Saliences are those before the change; the cost is in utility units, so a
    cost of 0.1 is a tenth of the way from the party's ideal to its worst package.
    """
    stances = tuple(stances)
    weights = normalised_salience(stances, concession.party)
    by_issue = {s.issue: s for s in stances if s.party == concession.party}
    return sum(
        weights[c.issue] * abs(c.position - by_issue[c.issue].position) / 100
        for c in concession.changes
        if c.position is not None
    )


def blockers(concession: Concession, active: Iterable[str]) -> tuple[list[str], list[str]]:
    """What keeps ``concession`` off beside ``active``: (ids it requires that are not active,
    active ids it excludes); both empty when it can be switched on."""
    active = set(active) - {concession.id}
    return ([r for r in concession.requires if r not in active], [e for e in concession.excludes if e in active])


def blocked_reason(concession: Concession, active: Iterable[str]) -> str | None:
    """Why ``concession`` cannot be switched on beside ``active``; None when it can."""
    missing, clash = blockers(concession, active)
    if missing:
        return "requires " + ", ".join(missing)
    if clash:
        return "excluded by " + ", ".join(clash)
    return None


class Scenario:
    """A validated scenario with a set of active concessions.

    Parameters
    ----------
    data : ScenarioData
        The file's content (baseline stances); it must pass :func:`check_scenario`.
    active : iterable of str
        Concession ids to apply, in any order; they are applied in file order.
    source : str, optional
        Where the data came from (for messages).
    """

    def __init__(self, data: ScenarioData, active: Iterable[str] = (), source: str | None = None):
        self.data = data
        self.source = source
        known = {c.id: c for c in data.concessions}
        wanted = list(dict.fromkeys(active))
        problems = [
            Problem(("concede",), f"unknown concession '{cid}'", file=source)
            for cid in wanted
            if cid not in known
        ]
        if problems:
            raise ScenarioError(problems)
        order = [c.id for c in data.concessions if c.id in set(wanted)]
        for cid in order:
            reason = blocked_reason(known[cid], order)
            if reason:
                problems.append(Problem(("concede",), f"concession '{cid}' {reason}", file=source))
        if problems:
            raise ScenarioError(problems)
        self.active: tuple[str, ...] = tuple(order)
        self.stances: tuple[Stance, ...] = self._apply([known[c] for c in order])

    def _apply(self, concessions: list[Concession]) -> tuple[Stance, ...]:
        stances = {(s.party, s.issue): s for s in self.data.stances}
        for concession in concessions:
            for change in concession.changes:
                key = (concession.party, change.issue)
                # a field left out or written as null is not changed (the writer omits nulls too)
                update = change.model_dump(exclude={"issue"}, exclude_none=True)
                stances[key] = stances[key].model_copy(update=update)
        problems = [
            Problem(
                ("concede",),
                f"together, {', '.join(self.active)} put {s.party}'s position on '{s.issue}' "
                f"({s.position:g}) outside its red lines {list(s.acceptable)}",
                file=self.source,
            )
            for s in stances.values()
            if not s.acceptable[0] <= s.position <= s.acceptable[1]
        ]
        if problems:
            raise ScenarioError(problems)
        return tuple(stances.values())

    # -- construction ---------------------------------------------------
    @classmethod
    def from_data(cls, data: ScenarioData, source: str | None = None) -> Scenario:
        """Check cross-references and build the baseline scenario."""
        problems = check_scenario(data)
        if problems:
            raise ScenarioError(p.located(file=source) for p in problems)
        return cls(data, source=source)

    def with_concessions(self, ids: Iterable[str]) -> Scenario:
        """A new scenario with ``ids`` applied on top of the active ones."""
        return Scenario(self.data, (*self.active, *ids), self.source)

    @property
    def baseline(self) -> Scenario:
        return self if not self.active else Scenario(self.data, (), self.source)

    # -- lookups ----------------------------------------------------------
    @property
    def id(self) -> str:
        return self.data.id

    @property
    def title(self) -> str:
        return self.data.title

    @property
    def parties(self) -> tuple[Party, ...]:
        return self.data.parties

    @property
    def issues(self) -> tuple[Issue, ...]:
        return self.data.issues

    @property
    def concessions(self) -> tuple[Concession, ...]:
        return self.data.concessions

    @cached_property
    def veto_parties(self) -> tuple[Party, ...]:
        return tuple(p for p in self.parties if p.veto)

    def concession(self, cid: str) -> Concession:
        for c in self.concessions:
            if c.id == cid:
                return c
        raise KeyError(cid)

    def stance(self, party: str, issue: str) -> Stance | None:
        return self._stance_index.get((party, issue))

    @cached_property
    def _stance_index(self) -> dict[tuple[str, str], Stance]:
        return {(s.party, s.issue): s for s in self.stances}

    def concession_cost(self, cid: str) -> float:
        """Cost of concession ``cid`` to its party, measured on the baseline stances."""
        return concession_cost(self.data.stances, self.concession(cid))

    def blocked_reason(self, cid: str) -> str | None:
        """Why ``cid`` cannot be added to the active set (None when it can)."""
        return blocked_reason(self.concession(cid), self.active)

    def __repr__(self) -> str:
        active = f", active={list(self.active)}" if self.active else ""
        return f"<Scenario {self.id!r}: {len(self.parties)} parties, {len(self.issues)} issues{active}>"
