"""Linear programmes over packages inside the zones, solved with HiGHS.

Every programme here shares one core, the *segment formulation*. On issue i,
the zone [zone_lo_i, zone_hi_i] is cut at every veto position and at the
anchor into segments k of length L_k, with a column 0 ≤ y_k ≤ L_k each, and

    o_i = zone_lo_i + Σ_{k ∈ i} y_k.

On a segment every party's utility is linear in o_i, with slope
σ_pk = ŝ_pi/100 · sign(x_pi − mid_k), so for segments filled in order

    gain_p(o) = u_p(o) − r_p = B_p + Σ_k σ_pk y_k,     B_p = gain_p(zone_lo).

u_p is concave in o_i (its slopes fall from segment to segment), so filling the
segments of an issue out of order never gives any party more than its true
gain at that o. A programme that maximises gains (or a concave function of
them) therefore loses nothing by this relaxation: moving the same total Σ_k y_k
into order keeps o and raises no party's constraint violation. The same holds
for the convex tie-break distance |o_i − anchor_i|, whose slopes rise. So each
programme's optimum is exact, and the package is read off the y columns.
Rows are one per party (plus cuts); there are no per-stance distance columns.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

import highspy
import numpy as np

from explorer.analysis.utility import utilities

INF = highspy.kHighsInf
_lock = threading.Lock()
_silenced = False
_local = threading.local()
# Our programmes are small: HiGHS's presolve and thread pool cost more than they save
# (0.19 ms → 0.05 ms per solve on a 2-party case; analyze() of the seed with its deal open
# 2.3 ms → 2.05 ms with 1 thread, measured).
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


def new_highs() -> highspy.Highs:
    """This thread's HiGHS instance, emptied: one programme at a time per thread.

    Reusing the instance saves ~0.1 ms of construction per programme.
    """
    highs = getattr(_local, "highs", None)
    if highs is None:
        highs = _local.highs = _create_highs()
    else:
        highs.clearModel()
    return highs


def run(highs: highspy.Highs) -> None:
    """``highs.run()``, safe beside other HiGHS users in the process.

    HiGHS's thread scheduler is global to the process and set up by the first solve: after
    another user (scipy's linprog, a notebook) solved with the default thread count, a run
    asking for 1 thread ends with status "Not Set". Then the scheduler is reset and the run
    repeated, once (tests/test_packages.py checks this in a fresh process).
    """
    highs.run()
    if highs.getModelStatus() == highspy.HighsModelStatus.kNotset:
        highspy.Highs.resetGlobalScheduler(True)
        highs.run()


class LPError(RuntimeError):
    """HiGHS did not reach an optimum (a bug: every programme here is feasible)."""


@dataclass(frozen=True, eq=False)
class Segments:
    """The zones cut at every breakpoint, with each veto party's slope on each piece."""

    n: int
    cuts: np.ndarray  # (k + 3, n) sorted breakpoints per issue, NaN-padded
    issue: np.ndarray  # (S,) issue of each segment
    start: np.ndarray  # (S,)
    length: np.ndarray  # (S,) > 0
    slope: np.ndarray  # (k, S) σ_pk
    base_gain: np.ndarray  # (k,) B_p = gain_p(zone_lo)
    zone_lo: np.ndarray  # (n,)
    zone_hi: np.ndarray  # (n,)

    @classmethod
    def of(cls, share, position, reservation, zone_lo, zone_hi, anchor) -> Segments:
        k, n = share.shape
        cuts = np.vstack([position, zone_lo, zone_hi, anchor])
        cuts = np.sort(np.clip(cuts, zone_lo, zone_hi), axis=0)  # NaN (no stance) sorts last
        length = np.diff(cuts, axis=0)
        valid = (length > 0).T  # issue-major order; NaN compares False
        issue = np.nonzero(valid)[0]
        start = cuts[:-1].T[valid]
        length = length.T[valid]
        x = position[:, issue]
        middle = start + length / 2
        slope = np.where(np.isnan(x), 0.0, share[:, issue] * np.sign(x - middle) / 100)
        base = utilities(share, position, zone_lo) - reservation
        return cls(n, cuts, issue, start, length, slope, base, zone_lo, zone_hi)


class PackageLP:
    """One HiGHS model: a column per zone segment, then the caller's columns.

    Parameters
    ----------
    segments : Segments
        Shared by every programme of one bargaining problem.
    """

    def __init__(self, segments: Segments):
        self.segments = segments
        self.k, self.n = segments.slope.shape[0], segments.n
        self.count = len(segments.issue)
        self.highs = new_highs()
        self._add_cols(np.zeros(self.count), segments.length)

    # -- building -------------------------------------------------------
    def _add_cols(self, lower: np.ndarray, upper: np.ndarray) -> int:
        first = self.highs.getNumCol()
        self.highs.addVars(len(lower), np.asarray(lower, float), np.asarray(upper, float))
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

    def gain_terms(self, party: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """Columns and coefficients of scale · Σ_k σ_pk y_k (gain_p − B_p)."""
        slope = self.segments.slope[party]
        columns = np.nonzero(slope)[0]
        return columns, scale * slope[columns]

    def set_objective(self, columns: np.ndarray, costs: np.ndarray, maximize: bool) -> None:
        columns = np.asarray(columns, dtype=np.int32)
        self.highs.changeColsCost(len(columns), columns, np.asarray(costs, float))
        sense = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
        self.highs.changeObjectiveSense(sense)

    # -- solving --------------------------------------------------------
    def solve(self) -> tuple[np.ndarray, float]:
        """Run HiGHS; return (column values, objective value)."""
        if self.highs.getNumCol() == 0:  # every zone is a single point: nothing to choose
            return np.zeros(0), 0.0
        run(self.highs)
        status = self.highs.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise LPError(f"HiGHS ended with {self.highs.modelStatusToString(status)}")
        values = np.asarray(self.highs.getSolution().col_value)
        return values, self.highs.getInfo().objective_function_value

    def package(self, values: np.ndarray) -> np.ndarray:
        """o_i = zone_lo_i + Σ_{k ∈ i} y_k, clipped to the zone against rounding."""
        seg = self.segments
        filled = np.bincount(seg.issue, weights=values[: self.count], minlength=self.n)
        return np.clip(seg.zone_lo + filled, seg.zone_lo, seg.zone_hi)

    def row_duals(self) -> np.ndarray:
        return np.asarray(self.highs.getSolution().row_dual)
