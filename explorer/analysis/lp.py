"""Linear programmes over packages inside the zones, solved with HiGHS.

Every programme here shares one core. For the veto parties p (rows of ``share``
and ``position``) and issues i, with a distance variable d_s for each stance
s = (p, i):

    zone_lo_i ≤ o_i ≤ zone_hi_i,     d_s ≥ o_i − x_s,     d_s ≥ x_s − o_i,

so that gain_p = u_p(o) − r_p ≥ G_p − Σ_s a_s d_s with G_p = Σ_i ŝ_pi − r_p and
a_s = ŝ_s / 100 (equality wherever d_s is tight, which the objectives enforce
for every party that matters to them). Callers add party rows and objectives.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

import highspy
import numpy as np

INF = highspy.kHighsInf
_lock = threading.Lock()
_silenced = False
_local = threading.local()
# Our programmes are small: HiGHS's presolve and thread pool cost more than they
# save (0.19 ms → 0.05 ms per solve on a 2-party case, measured).
_OPTIONS = {
    "output_flag": False,
    "presolve": "off",
    "solver": "simplex",
    "threads": 1,
    "primal_feasibility_tolerance": 1e-10,
    "dual_feasibility_tolerance": 1e-10,
}


def _create_highs() -> highspy.Highs:
    global _silenced
    with _lock:
        if _silenced:
            highs = highspy.Highs()
        else:  # the first instance prints a banner on the C++ stdout: send it to /dev/null
            sys.stdout.flush()
            saved = os.dup(1)
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, 1)
                highs = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(devnull)
            _silenced = True
    for option, value in _OPTIONS.items():
        highs.setOptionValue(option, value)
    return highs


def _new_highs() -> highspy.Highs:
    """This thread's HiGHS instance, emptied: one programme at a time per thread.

    Reusing the instance saves ~0.1 ms of construction per programme.
    """
    highs = getattr(_local, "highs", None)
    if highs is None:
        highs = _local.highs = _create_highs()
    else:
        highs.clearModel()
    return highs


class LPError(RuntimeError):
    """HiGHS did not reach an optimum (a bug: every programme here is feasible)."""


@dataclass
class PackageLP:
    """The shared core: issue outcomes o, stance distances d, then extra columns."""

    share: np.ndarray  # (k, n) veto parties' ŝ, 0 where no stance
    position: np.ndarray  # (k, n) NaN where no stance
    reservation: np.ndarray  # (k,)
    zone_lo: np.ndarray  # (n,)
    zone_hi: np.ndarray  # (n,)

    def __post_init__(self) -> None:
        k, n = self.share.shape
        self.k, self.n = k, n
        party, issue = np.nonzero(~np.isnan(self.position))
        self.stance_party, self.stance_issue = party, issue
        self.m = len(party)
        self.stance_x = self.position[party, issue]
        self.stance_a = self.share[party, issue] / 100
        self.max_gain = self.share.sum(axis=1) - self.reservation  # G_p
        self.highs = _new_highs()
        self._add_cols(self.zone_lo, self.zone_hi)
        self._add_cols(np.zeros(self.m), np.full(self.m, INF))
        d = n + np.arange(self.m)
        o = self.stance_issue
        self.add_rows(  # d_s − o_i ≥ −x_s  and  d_s + o_i ≥ x_s
            [np.array([ds, oi]) for ds, oi in zip(d, o)] * 2,
            [np.array([1.0, -1.0])] * self.m + [np.array([1.0, 1.0])] * self.m,
            np.concatenate([-self.stance_x, self.stance_x]),
            np.full(2 * self.m, INF),
        )

    # -- building -------------------------------------------------------
    def _add_cols(self, lower: np.ndarray, upper: np.ndarray) -> int:
        first = self.highs.getNumCol()
        count = len(lower)
        self.highs.addVars(count, np.asarray(lower, float), np.asarray(upper, float))
        return first

    def add_cols(self, lower, upper) -> int:
        """Add columns; returns the index of the first."""
        return self._add_cols(np.atleast_1d(lower), np.atleast_1d(upper))

    def add_rows(self, indices, values, lower, upper) -> int:
        """Add rows given per-row index/value arrays; returns the index of the first."""
        first = self.highs.getNumRow()
        starts = np.cumsum([0] + [len(i) for i in indices[:-1]]).astype(np.int32)
        flat_idx = np.concatenate(indices).astype(np.int32)
        flat_val = np.concatenate(values).astype(float)
        self.highs.addRows(
            len(indices), np.asarray(lower, float), np.asarray(upper, float),
            len(flat_idx), starts, flat_idx, flat_val,
        )
        return first

    def loss_terms(self, party: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Columns and coefficients of scale · Σ_s a_s d_s over party's stances."""
        mine = np.nonzero(self.stance_party == party)[0]
        return self.n + mine, scale * self.stance_a[mine]

    def set_objective(self, columns: np.ndarray, costs: np.ndarray, maximize: bool) -> None:
        columns = np.asarray(columns, dtype=np.int32)
        self.highs.changeColsCost(len(columns), columns, np.asarray(costs, float))
        sense = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        self.highs.changeObjectiveSense(sense)

    # -- solving --------------------------------------------------------
    def solve(self) -> tuple[np.ndarray, float]:
        """Run HiGHS; return (column values, objective value)."""
        self.highs.run()
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise LPError(f"HiGHS ended with {self.highs.modelStatusToString(status)}")
        values = np.asarray(self.highs.getSolution().col_value)
        return values, self.highs.getInfo().objective_function_value

    def row_duals(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().row_dual)

    def gains(self, package: np.ndarray) -> np.ndarray:
        """Exact u_p(o) − r_p from the outcomes alone (not from the d columns)."""
        distance = np.abs(package[None, :] - self.position) / 100
        utility = np.where(np.isnan(self.position), 0.0, self.share * (1 - distance)).sum(axis=1)
        return utility - self.reservation
