"""``search(scenario) -> DealSearch``: what it would take — the cheapest sets of concessions
that open a package ZOPA, and how far each budget closes the agreement gap. Exact.

Over every feasible set S of concessions (:mod:`explorer.deals.sets`), starting from the
baseline, with cost_p(S) = Σ_{c ∈ S of party p} cost_c (each cost on the baseline, as in
``report``), total(S) = Σ_p cost_p(S) and largest(S) = max_p cost_p(S):

- ``deals``: the sets with a package ZOPA whose (total, largest) pair is not dominated by
  another such set's (no other pair is ≤ on both and < on one); one set per distinct pair
  (the one with fewest concessions, then earliest in file order), sorted by total cost.
- ``progress``: the sets whose (total, agreement gap) pair is not dominated in the same
  sense, over all feasible sets, the empty one included: how far each budget gets.

Costs and gaps are compared after rounding to 10⁻¹² and 10⁻⁹, so that sums of the same
costs in another order tie. The gaps of every set are one stacked computation. Package
ZOPAs need a programme each, so they are decided lazily: candidates (no deadlock, and
every veto party's best utility in the zones above its reservation, a necessary
condition) are visited in order of (total, largest) in growing batches, each batch one
programme of independent blocks, and a candidate is solved only while its largest cost
is below the best found so far — any other is dominated whatever its programme says.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from explorer.analysis.packages import ZOPA_TOLERANCE
from explorer.analysis.stacked import shares, stack_figures
from explorer.analysis.utility import best_utilities
from explorer.deals.sets import apply_sets, baseline_stances, cost_matrix, ids_of, members, rule_feasible_codes
from explorer.model.scenario import Scenario
from explorer.montecarlo.draws import perturb, standard_normals
from explorer.montecarlo.results import standard_error

if TYPE_CHECKING:
    import pandas as pd

CHUNK = 1 << 15  # sets per stacked evaluation (memory: CHUNK × parties × issues × 8 bytes per array)
FIRST_BATCH = 32
COST_DIGITS, GAP_DIGITS = 12, 9


@dataclass(frozen=True)
class Deal:
    concessions: tuple[str, ...]
    total_cost: float
    max_party_cost: float
    costs: dict[str, float]
    package_surplus: float
    p_package_zopa: float | None = None
    p_package_zopa_se: float | None = None


@dataclass(frozen=True)
class Step:
    concessions: tuple[str, ...]
    total_cost: float
    agreement_gap: float


@dataclass(frozen=True, eq=False)
class DealSearch:
    scenario: Scenario  # the baseline searched from
    deals: tuple[Deal, ...]
    progress: tuple[Step, ...]
    feasible_sets: int
    programmes: int  # bargaining problems solved to decide the deals
    draws: int = 0
    seed: int = 0
    titles: dict[str, str] = field(default_factory=dict)
    alternatives: tuple[Deal, ...] = ()  # the cheapest other ZOPA-opening sets, when asked for

    @property
    def cheapest(self) -> Deal | None:
        return self.deals[0] if self.deals else None

    def deals_table(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([{**{k: v for k, v in vars(d).items() if k != "costs"},
                              "concessions": ", ".join(d.concessions)} for d in self.deals])

    def progress_table(self) -> pd.DataFrame:
        import pandas as pd

        return pd.DataFrame([{**vars(s), "concessions": ", ".join(s.concessions)} for s in self.progress])

    @staticmethod
    def _deal_dict(d: Deal) -> dict[str, Any]:
        return {"concessions": list(d.concessions), "total_cost": d.total_cost,
                "max_party_cost": d.max_party_cost, "costs": d.costs, "package_surplus": d.package_surplus,
                "p_package_zopa": d.p_package_zopa, "p_package_zopa_se": d.p_package_zopa_se}

    def to_dict(self) -> dict[str, Any]:
        s = self.scenario
        return {
            "scenario": {"id": s.id, "title": s.title, "as_of": s.data.as_of.isoformat()},
            "feasible_sets": self.feasible_sets,
            "draws": self.draws,
            "seed": self.seed,
            "deals": [self._deal_dict(d) for d in self.deals],
            "alternatives": [self._deal_dict(d) for d in self.alternatives],
            "progress": [{"concessions": list(p.concessions), "total_cost": p.total_cost,
                          "agreement_gap": p.agreement_gap} for p in self.progress],
        }


def _popcount(codes: np.ndarray) -> np.ndarray:
    return np.unpackbits(codes.astype("<u4").view(np.uint8).reshape(-1, 4), axis=1).sum(axis=1)


class _Stack:
    """Stances and figures of a batch of sets."""

    def __init__(self, scenario: Scenario, codes: np.ndarray, base, costs: np.ndarray):
        count = len(scenario.concessions)
        self.held = members(codes, count)
        self.stances = apply_sets(scenario, self.held, base)
        self.share = shares(self.stances.salience)
        self.party_cost = self.held @ costs if count else np.zeros((len(codes), costs.shape[1]))


def _surplus(stack: _Stack, veto, reservation) -> np.ndarray:
    st = stack.stances
    return stack_figures(st.position, st.lo, st.hi, stack.share, st.capability * st.salience,
                         reservation, veto).package_surplus


def search(scenario: Scenario, draws: int = 0, seed: int = 0, alternatives: int = 0) -> DealSearch:
    """Exhaustive, exact search of the sets of concessions (see the module docstring).

    With ``draws`` > 0 each deal also carries its chance of a package ZOPA over that many
    draws of the coding uncertainty (``explorer.uncertainty``'s semantics, common random
    numbers from ``seed``). ``alternatives`` > 0 also returns up to that many of the
    cheapest other sets that open a ZOPA (dominated on cost, but possibly surer).

    >>> import explorer
    >>> found = explorer.search(explorer.load("data/scenarios/logrolling_textbook.yaml"))
    >>> [(d.concessions, round(d.total_cost, 3)) for d in found.deals]
    [((), 0.0)]
    """
    scenario = scenario.baseline
    base = baseline_stances(scenario)
    costs = cost_matrix(scenario)
    veto = np.array([p.veto for p in scenario.parties])
    reservation = np.array([p.reservation for p in scenario.parties])
    codes_all = rule_feasible_codes(scenario)
    kept, totals, largest, gaps, candidate = [], [], [], [], []
    for first in range(0, len(codes_all), CHUNK):
        codes = codes_all[first:first + CHUNK]
        stack = _Stack(scenario, codes, base, costs)
        st = stack.stances
        allowed = st.within_red_lines
        figures = stack_figures(st.position, st.lo, st.hi, stack.share, st.capability * st.salience,
                                reservation, veto, surplus=False)
        best = best_utilities(stack.share[:, veto], st.position[:, veto], figures.zone_lo, figures.zone_hi)
        hopeful = (figures.deadlocked_issues == 0) & ((best - reservation[veto]).min(axis=1) > ZOPA_TOLERANCE)
        kept.append(codes[allowed])
        totals.append(stack.party_cost.sum(axis=1)[allowed])
        largest.append(stack.party_cost.max(axis=1, initial=0.0)[allowed])
        gaps.append(figures.agreement_gap[allowed])
        candidate.append(hopeful[allowed])
    codes = np.concatenate(kept)
    total_raw, top_raw, gap_raw = (np.concatenate(v) for v in (totals, largest, gaps))
    total, top, gap = np.round(total_raw, COST_DIGITS), np.round(top_raw, COST_DIGITS), np.round(gap_raw, GAP_DIGITS)
    candidate = np.concatenate(candidate)
    size = _popcount(codes)

    # progress: sweep by total cost, keep strictly smaller gaps
    order = np.lexsort((codes, size, gap, total))
    running = np.minimum.accumulate(gap[order])
    previous = np.concatenate([[np.inf], running[:-1]])
    steps = order[gap[order] < previous]
    progress = tuple(Step(ids_of(codes[j], scenario), float(total_raw[j]), float(gap_raw[j])) for j in steps)

    # deals: sweep candidates by (total, largest); solve only those that can still be on the front
    pool = np.nonzero(candidate)[0]
    pool = pool[np.lexsort((codes[pool], size[pool], top[pool], total[pool]))]
    known: dict[int, float] = {}

    def solve(take: np.ndarray) -> None:
        values = _surplus(_Stack(scenario, codes[take], base, costs), veto, reservation)
        known.update(zip(take.tolist(), values.tolist()))

    front, best_top, position, batch = [], np.inf, 0, FIRST_BATCH
    while position < len(pool):
        rest = pool[position:]
        open_ = np.nonzero(top[rest] < best_top)[0][:batch]
        if not len(open_):
            break
        take = rest[open_]
        solve(take)
        for j in take.tolist():
            if top[j] < best_top and known[j] > ZOPA_TOLERANCE:
                front.append(j)
                best_top = top[j]
        position += int(open_[-1]) + 1
        batch *= 2
    # alternatives: the cheapest other sets that open a ZOPA (dominated, but maybe surer)
    others, position, batch = [], 0, FIRST_BATCH
    while len(others) < alternatives and position < len(pool):
        take = pool[position:position + batch]
        solve(np.array([j for j in take.tolist() if j not in known], dtype=int))
        others += [j for j in take.tolist() if j not in front and known[j] > ZOPA_TOLERANCE]
        position += batch
        batch *= 2
    others = others[:alternatives]
    solved = len(known)

    chosen = front + others
    chances = _chances(scenario, codes[chosen], base, costs, veto, reservation, draws, seed) if draws else None
    party_ids = [p.id for p in scenario.parties]

    def deal(n: int, j: int) -> Deal:
        party_cost = members(codes[j:j + 1], len(scenario.concessions))[0] @ costs
        p = None if chances is None else float(chances[n])
        return Deal(
            concessions=ids_of(codes[j], scenario), total_cost=float(total_raw[j]), max_party_cost=float(top_raw[j]),
            costs={pid: float(c) for pid, c in zip(party_ids, party_cost)}, package_surplus=known[j],
            p_package_zopa=p, p_package_zopa_se=None if p is None else float(standard_error(p, draws)),
        )

    deals = [deal(n, j) for n, j in enumerate(chosen)]
    return DealSearch(scenario, tuple(deals[:len(front)]), progress, len(codes), solved, draws, seed,
                      {c.id: c.title for c in scenario.concessions}, tuple(deals[len(front):]))


def _chances(scenario, codes, base, costs, veto, reservation, draws, seed) -> np.ndarray:
    """P(package ZOPA) of each set over the same draws (common random numbers): one stacked
    computation of all draws per set (memory: draws × parties × issues, whatever the sets)."""
    if not len(codes):
        return np.zeros(0)
    stack = _Stack(scenario, codes, base, costs)
    st = stack.stances
    z = standard_normals(draws, st.position.shape[1:], seed)  # (D, P, I), shared by every set
    chances = np.empty(len(codes))
    for k in range(len(codes)):
        drawn = perturb(st.position[k], st.lo[k], st.hi[k], st.uncertainty[k], z)
        figures = stack_figures(drawn.position, drawn.lo, drawn.hi, stack.share[k],
                                st.capability[k] * st.salience[k], reservation, veto)
        chances[k] = figures.package_zopa.mean()
    return chances
