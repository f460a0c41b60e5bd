"""What the user has switched on, without any widget: testable in plain Python.

``Exploration`` holds a baseline scenario and the active concessions, answers what
is available, and produces the current :class:`~explorer.Analysis` (cached per
set of active concessions, so toggling back is instant), its Monte Carlo
:class:`~explorer.Uncertainty` (``DASHBOARD_DRAWS`` draws, the same draws for every
set: common random numbers), which coded stances its figures hang on (Sobol' indices), the
scenario's deal search, and the forecasts of the dynamic
models (:func:`explorer.dynamics.forecast.forecast`) per set and model.
"""

from __future__ import annotations

from collections.abc import Iterable

from dataclasses import replace
from functools import cached_property

import numpy as np

from explorer.analysis.analysis import Analysis, analyze
from explorer.analysis.arrays import ScenarioArrays
from explorer.analysis.vocabulary import OUTCOME_LABELS, OUTCOMES
from explorer.deals.search import Deal, DealSearch, search
from explorer.dynamics.forecast import Forecast, final_medians, forecast
from explorer.model.scenario import Scenario, blocked_reason
from explorer.montecarlo.draws import standard_normals
from explorer.montecarlo.results import Chances, uncertainty_from_normals
from explorer.sensitivity.results import Sensitivity, sensitivity

CACHE_SIZE = 256
UNCERTAINTY_CACHE_SIZE = 32
DASHBOARD_DRAWS = 5_000  # the chance of a deal per toggle: ± 1.1 points at worst (95 %)
ALTERNATIVES = 11  # dearer deals shown beside the cheapest ones
LIVE_SEARCH_CONCESSIONS = 16  # 2^16 = 65,536 sets: searched in a viewer's kernel; more is left to the CLI
SEED = 0
FORECAST_ROUNDS = 10
FORECAST_CACHE_SIZE = 64
#: draws behind the spread of a forecast's final median (the exchange model runs draw by draw)
FORECAST_DRAWS = {"bdm": 500, "exchange": 50}  # ≈ 0.15 s and ≈ 1 s of kernel time on the seed
#: draws computed in one go (≈ 0.08 s on the seed), so that a click waits at most that long for the kernel
FORECAST_CHUNK = {"bdm": 250, "exchange": 4}
#: base samples of the "what to check first" panel's Sobol' design (N(k + 2) model runs: ≈ 0.1 s on the seed;
#: the command line and the notebook use 1,024), drawn by numpy: SALib would bring scipy and pandas into every
#: viewer's kernel (explorer.sensitivity.sobol)
SENSITIVITY_SAMPLES = 256
SENSITIVITY_TARGETS = ("deal", "agreement-gap", "redline-gap", "outcomes")


def make_room(cache: dict, size: int) -> None:
    """Drop the oldest entry of ``cache`` when it holds ``size`` already (the caches keep insertion order).

    >>> cache = {"a": 1, "b": 2}
    >>> make_room(cache, 2); cache
    {'b': 2}
    """
    if len(cache) >= size:
        cache.pop(next(iter(cache)))


class Exploration:
    """A baseline scenario plus a set of active concessions."""

    def __init__(self, scenario: Scenario, draws: int = DASHBOARD_DRAWS, seed: int = SEED):
        self.baseline = scenario.baseline
        self.draws, self.seed = draws, seed  # of the Monte Carlo (and the forecast's spread: its own draws)
        self.active: tuple[str, ...] = ()
        self._cache: dict[tuple[str, ...], Analysis] = {}
        self._uncertain: dict[tuple[str, ...], Chances] = {}
        self._forecasts: dict[tuple, Forecast] = {}
        self._spread_parts: dict[tuple, list[np.ndarray]] = {}  # (set, model) → final medians drawn so far
        self._sensitivities: dict[tuple[str, ...], Sensitivity] = {}
        self.baseline_analysis = self.analysis_for(())

    # -- analyses ----------------------------------------------------------
    def analysis_for(self, active: Iterable[str]) -> Analysis:
        key = tuple(c.id for c in self.baseline.concessions if c.id in set(active))
        if key not in self._cache:
            make_room(self._cache, CACHE_SIZE)
            self._cache[key] = analyze(self.baseline.with_concessions(key))
        return self._cache[key]

    @property
    def analysis(self) -> Analysis:
        return self.analysis_for(self.active)

    def _key(self, active: Iterable[str]) -> tuple[str, ...]:
        return tuple(c.id for c in self.baseline.concessions if c.id in set(active))

    @cached_property
    def _normals(self) -> np.ndarray:
        """z for every (draw, party, issue): drawn once, shared by every set of concessions."""
        shape = (len(self.baseline.parties), len(self.baseline.issues))
        return standard_normals(self.draws, shape, self.seed)

    def uncertainty_for(self, active: Iterable[str]) -> Chances:
        """The chances (of a zone per issue, of no deadlock, of a deal) over the coding uncertainty
        of the scenario with ``active`` on; cached, without the per-draw arrays."""
        key = self._key(active)
        if key not in self._uncertain:
            make_room(self._uncertain, UNCERTAINTY_CACHE_SIZE)
            scenario = self.analysis_for(key).scenario
            self._uncertain[key] = uncertainty_from_normals(
                scenario, ScenarioArrays.from_scenario(scenario), self._normals, self.seed, distances=False).chances()
        return self._uncertain[key]

    def sensitivity_for(self, active: Iterable[str]) -> Sensitivity:
        """The Sobol' indices of every stance for the dashboard's targets (``SENSITIVITY_TARGETS``) with
        ``active`` on: ``SENSITIVITY_SAMPLES`` base samples, this state's seed; cached."""
        key = self._key(active)
        if key not in self._sensitivities:
            make_room(self._sensitivities, UNCERTAINTY_CACHE_SIZE)
            self._sensitivities[key] = sensitivity(self.analysis_for(key).scenario, "sobol", SENSITIVITY_TARGETS,
                                                   draws=SENSITIVITY_SAMPLES, seed=self.seed, engine="numpy")
        return self._sensitivities[key]

    def sensitivity_computed(self, active: Iterable[str]) -> Sensitivity | None:
        """The indices of ``active`` if they have been computed already, else None."""
        return self._sensitivities.get(self._key(active))

    def forecast_for(self, active: Iterable[str], model: str, draws: bool = False) -> Forecast:
        """``model``'s forecast (``FORECAST_ROUNDS`` rounds) of the scenario with ``active`` on;
        with ``draws``, also over ``FORECAST_DRAWS[model]`` draws of the coding uncertainty. Cached."""
        if draws:
            while (result := self.forecast_spread_step(active, model)) is None:
                pass
            return result
        key = (self._key(active), model, False)
        if key not in self._forecasts:
            self._remember(key, forecast(self.analysis_for(key[0]).scenario, model, FORECAST_ROUNDS))
        return self._forecasts[key]

    def _remember(self, key: tuple, result: Forecast) -> None:
        make_room(self._forecasts, FORECAST_CACHE_SIZE)
        self._forecasts[key] = result

    def forecast_spread_step(self, active: Iterable[str], model: str) -> Forecast | None:
        """Draw the next ``FORECAST_CHUNK[model]`` draws of the forecast's spread; the forecast with
        all ``FORECAST_DRAWS[model]`` draws once they are done (else None). Parts are kept, so a
        set left half-drawn continues where it stopped."""
        key = (self._key(active), model, True)
        if key in self._forecasts:
            return self._forecasts[key]
        total = FORECAST_DRAWS[model]
        if key[:2] not in self._spread_parts:
            make_room(self._spread_parts, FORECAST_CACHE_SIZE)  # drops a set left half-drawn long ago
        parts = self._spread_parts.setdefault(key[:2], [])
        start = sum(len(part) for part in parts)
        stop = min(total, start + FORECAST_CHUNK[model])
        scenario = self.analysis_for(key[0]).scenario
        parts.append(final_medians(scenario, model, FORECAST_ROUNDS, total, self.seed, start=start, stop=stop))
        if stop < total:
            return None
        del self._spread_parts[key[:2]]
        self._remember(key, replace(self.forecast_for(key[0], model), draws=total, seed=self.seed,
                                     final_median=np.concatenate(parts)))
        return self._forecasts[key]

    def forecast_drawn(self, active: Iterable[str], model: str) -> Forecast | None:
        """The forecast with draws if it has been computed already, else None."""
        return self._forecasts.get((self._key(active), model, True))

    @cached_property
    def deals(self) -> DealSearch | None:
        """Every set of concessions searched for the cheapest deals, each with its chance of a
        deal on the dashboard's own draws (so a deal's chance is the one shown once it is on).
        None when the file has more than ``LIVE_SEARCH_CONCESSIONS`` concessions."""
        if len(self.baseline.concessions) > LIVE_SEARCH_CONCESSIONS:
            return None
        found = search(self.baseline, alternatives=ALTERNATIVES)

        def with_chance(deal: Deal) -> Deal:
            drawn = self.uncertainty_for(deal.concessions)
            return replace(deal, p_package_zopa=drawn.p_package_zopa, p_package_zopa_se=drawn.se_package_zopa)

        return replace(found, deals=tuple(map(with_chance, found.deals)),
                       alternatives=tuple(map(with_chance, found.alternatives)), draws=self.draws, seed=self.seed)

    def costs(self, active: Iterable[str]) -> tuple[float, float]:
        """(total cost, largest party's cost) of a set of concessions, as the search counts them."""
        per_party: dict[str, float] = {}
        for cid in self._key(active):
            party = self.baseline.concession(cid).party
            per_party[party] = per_party.get(party, 0.0) + self.baseline.concession_cost(cid)
        return sum(per_party.values()), max(per_party.values(), default=0.0)

    def apply(self, ids: Iterable[str]) -> None:
        """Switch exactly ``ids`` on (a deal): every other concession off."""
        key = self._key(ids)
        self.baseline.with_concessions(key)  # refuses a set the rules do not allow
        self.active = key

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
