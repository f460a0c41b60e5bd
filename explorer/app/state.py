"""What the user has switched on, without any widget: testable in plain Python.

``Exploration`` holds a baseline scenario and the active concessions, answers what
is available, and produces the current :class:`~explorer.Analysis` (cached per
set of active concessions, so toggling back is instant).
"""

from __future__ import annotations

from collections.abc import Iterable

from explorer.analysis.analysis import OUTCOMES, Analysis, analyze
from explorer.app.text import OUTCOME_LABELS
from explorer.model.scenario import Scenario, blocked_reason

CACHE_SIZE = 256


class Exploration:
    """A baseline scenario plus a set of active concessions."""

    def __init__(self, scenario: Scenario):
        self.baseline = scenario.baseline
        self.active: tuple[str, ...] = ()
        self._cache: dict[tuple[str, ...], Analysis] = {}
        self.baseline_analysis = self.analysis_for(())

    # -- analyses ----------------------------------------------------------
    def analysis_for(self, active: Iterable[str]) -> Analysis:
        key = tuple(c.id for c in self.baseline.concessions if c.id in set(active))
        if key not in self._cache:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = analyze(self.baseline.with_concessions(key))
        return self._cache[key]

    @property
    def analysis(self) -> Analysis:
        return self.analysis_for(self.active)

    # -- concessions -------------------------------------------------------
    def blocked(self, cid: str) -> str | None:
        """Why ``cid`` cannot be switched on now (None when it can, or is on)."""
        if cid in self.active:
            return None
        return blocked_reason(self.baseline.concession(cid), self.active)

    def dependants(self, cid: str) -> list[str]:
        """Active concessions that require ``cid`` (switching it off switches them off)."""
        out, frontier = [], {cid}
        while frontier:
            needed = frontier
            frontier = {c.id for c in self.baseline.concessions
                        if c.id in self.active and c.id not in out and set(c.requires) & needed}
            out += sorted(frontier)
        return out

    def set(self, cid: str, on: bool) -> None:
        """Switch one concession; switching off also switches off what requires it."""
        if on:
            reason = self.blocked(cid)
            if reason:
                raise ValueError(f"'{cid}' cannot be switched on: {reason}")
            self.active = self._ordered({*self.active, cid})
        else:
            self.active = self._ordered(set(self.active) - {cid, *self.dependants(cid)})

    def set_party(self, party: str, on: bool) -> None:
        """Switch on every concession of ``party`` that can be (file order), or all off."""
        own = [c.id for c in self.baseline.concessions if c.party == party]
        if on:
            for cid in own:
                if cid not in self.active and self.blocked(cid) is None:
                    self.set(cid, True)
        else:
            for cid in own:
                if cid in self.active:
                    self.set(cid, False)

    def reset(self) -> None:
        self.active = ()

    def _ordered(self, ids: set[str]) -> tuple[str, ...]:
        return tuple(c.id for c in self.baseline.concessions if c.id in ids)

    # -- which predicted outcome to show --------------------------------------
    def outcome_shown(self, wanted: str) -> tuple[str, str | None]:
        """(outcome drawn, note) — a package rule falls back to the compromise under deadlock."""
        if wanted not in OUTCOMES:
            raise ValueError(f"unknown outcome {wanted!r}")
        analysis = self.analysis
        if analysis.outcome(wanted) is None:
            why = ("an issue is deadlocked" if analysis.deadlocked_issues
                   else "no package inside the zones beats every reservation")
            return "compromise", f"shown instead of the {OUTCOME_LABELS[wanted]}: {why}"
        return wanted, None
