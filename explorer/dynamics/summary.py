"""Where the actors stand as a whole: weighted median and weighted mean over the actors.

Both reduce the LAST axis (the actors) and run over any leading axes (issues, draws,
rounds) at once. Actor a weighs w_a ≥ 0 (the dynamic models use w_a = c_a · s_a,
capability × salience); an actor that is absent (``present`` False, or a NaN position)
counts with weight 0. Where no actor with positive weight is left the result is NaN.

- ``weighted_mean`` = Σ_a w_a x_a / Σ_a w_a;
- ``weighted_median`` = the smallest position x_(k) (positions sorted ascending) whose
  cumulative weight W_k = Σ_{m ≤ k} w_(m) reaches half the total, W_k ≥ ½ Σ_a w_a: the
  lower weighted median. It is always one of the actors' positions (the median voter's),
  it is the position that beats every other in a pairwise vote with linear losses
  c_a s_a |x_a − x| (the "median position" of Scholz, Calbert & Smith 2011), and it is the
  definition that reproduces their Table 2 (7.0 for the 1994 emission-standards case).

A cumulative weight equal to half the total up to rounding (relative 1e-12) counts as
reaching it, so weights (1, 1) put the median at the lower position.
"""

from __future__ import annotations

import numpy as np

# Relative slack when comparing a cumulative weight with half the total (as in
# explorer.analysis.outcomes), so that rounding never moves the median up a position.
HALF_TOLERANCE = 1e-12


def _weights(position: np.ndarray, weight, present) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions, weights, counted) broadcast together; weight 0 where not counted."""
    x = np.asarray(position, dtype=float)
    w = np.asarray(weight, dtype=float)
    shape = np.broadcast_shapes(x.shape, w.shape) if present is None else \
        np.broadcast_shapes(x.shape, w.shape, np.shape(present))
    x = np.broadcast_to(x, shape)
    w = np.broadcast_to(w, shape)
    counted = ~np.isnan(x) & ~np.isnan(w) & (w > 0)
    if present is not None:
        counted &= np.broadcast_to(np.asarray(present, dtype=bool), shape)
    return x, np.where(counted, w, 0.0), counted


def weighted_mean(position, weight, present=None) -> np.ndarray:
    """Σ_a w_a x_a / Σ_a w_a over the last axis; absent actors and NaN positions do not count.

    position : (..., A); weight : broadcastable to it (≥ 0); present : (..., A) bool or None.

    >>> weighted_mean(np.array([4., 7., 10.]), np.array([1., 1., 2.]))
    np.float64(7.75)
    >>> weighted_mean(np.array([[4., np.nan], [0., 10.]]), np.array([1., 3.]), present=[True, False])
    array([4., 0.])
    """
    x, w, counted = _weights(position, weight, present)
    total = w.sum(axis=-1)
    weighted = np.where(counted, w * np.where(counted, x, 0.0), 0.0).sum(axis=-1)
    out = np.divide(weighted, total, out=np.full(total.shape, np.nan), where=total > 0)
    return out[()] if out.ndim == 0 else out


def weighted_median(position, weight, present=None) -> np.ndarray:
    """The lower weighted median over the last axis: the smallest x_(k) with W_k ≥ ½ W.

    position : (..., A); weight : broadcastable to it (≥ 0); present : (..., A) bool or None.
    Absent actors, NaN positions and zero weights do not count; NaN where nothing counts.

    The 1994 emission-standards case at the start (Scholz et al. 2011, Table 2, round 0):
    positions 4 weigh 0.248, 7 weigh 0.093 and 10 weigh 0.336 of 0.677, so the cumulative
    weight first reaches 0.3385 at 7:

    >>> c = np.array([.08, .08, .03, .16, .16, .16, .16, .05, .05, .08])
    >>> s = np.array([.8, .4, .2, .8, .6, .6, .9, .1, 1., .7])
    >>> x = np.array([4., 7., 4., 4., 10., 10., 10., 7., 4., 7.])
    >>> weighted_median(x, c * s)
    np.float64(7.0)
    >>> weighted_median(np.array([[0., 100.], [30., 20.]]), np.array([1., 1.]))
    array([ 0., 20.])
    >>> weighted_median(np.array([1., 2., 3.]), np.array([5., 1., 1.]), present=[False, True, True])
    np.float64(2.0)
    """
    x, w, counted = _weights(position, weight, present)
    if x.shape[-1] == 0:
        out = np.full(x.shape[:-1], np.nan)
        return out[()] if out.ndim == 0 else out
    keyed = np.where(counted, x, np.inf)
    order = np.argsort(keyed, axis=-1, kind="stable")
    x_sorted = np.take_along_axis(keyed, order, axis=-1)
    cumulative = np.cumsum(np.take_along_axis(w, order, axis=-1), axis=-1)
    total = cumulative[..., -1]
    reached = cumulative >= (total * (0.5 - HALF_TOLERANCE))[..., None]
    first = np.argmax(reached, axis=-1)
    median = np.take_along_axis(x_sorted, first[..., None], axis=-1)[..., 0]
    out = np.where(total > 0, median, np.nan)
    return out[()] if out.ndim == 0 else out
