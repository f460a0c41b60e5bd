"""How far predictions miss the outcomes, with bootstrap intervals over proposals.

For the issues where both the outcome and the prediction exist, errors e_i = ŷ_i − y_i (scale points):

* MAE = mean |e|, RMSE = √mean e², median absolute error, share within 10 points (|e| ≤ 10);
* the **paired** difference to the compromise: MAE(predictor) − MAE(compromise) on the issues both
  predict (negative: the predictor misses less).

Intervals: a **cluster bootstrap** — resample the proposals with replacement (the issues of a
proposal are decided together, so they are not independent draws), ``resamples`` times, recompute on
the issues of the drawn proposals, and take the 2.5th and 97.5th percentiles. Every predictor and the
paired differences use the same resamples (``numpy.random.default_rng(seed)``).
"""

from __future__ import annotations

import numpy as np

RESAMPLES = 2000
WITHIN = 10.0


def metrics(error: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, median absolute error and share within :data:`WITHIN` points of errors ``error`` (1-D).

    >>> metrics(np.array([-10.0, 0.0, 20.0, 30.0]))
    {'mae': 15.0, 'rmse': 18.708286933869708, 'median_ae': 15.0, 'within10': 0.5}
    """
    absolute = np.abs(error)
    return {"mae": float(absolute.mean()), "rmse": float(np.sqrt((error ** 2).mean())),
            "median_ae": float(np.median(absolute)), "within10": float((absolute <= WITHIN).mean())}


def cluster_resamples(groups: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """(resamples, G) counts: how often each of the G groups (proposals, in order of first appearance)
    is drawn in each resample (G draws with replacement)."""
    count = len(dict.fromkeys(groups.tolist()))
    drawn = np.random.default_rng(seed).integers(count, size=(resamples, count))
    counts = np.zeros((resamples, count))
    np.add.at(counts, (np.arange(resamples)[:, None], drawn), 1.0)
    return counts


def group_index(groups: np.ndarray) -> np.ndarray:
    """Each item's group number, groups numbered in order of first appearance."""
    order = {g: k for k, g in enumerate(dict.fromkeys(groups.tolist()))}
    return np.array([order[g] for g in groups.tolist()])


def bootstrap_mean(values: np.ndarray, numbers: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """(resamples,) mean of ``values`` in each resample: Σ_g n_g Σ_{i∈g} v_i / Σ_g n_g |g|, where item i
    is in group ``numbers[i]`` and resample r draws group g n_g = ``counts[r, g]`` times (one matrix product).

    >>> counts = np.array([[2.0, 0.0], [1.0, 1.0]])   # resample 1: group 0 twice; resample 2: each once
    >>> bootstrap_mean(np.array([1.0, 3.0, 10.0]), np.array([0, 0, 1]), counts).tolist()
    [2.0, 4.666666666666667]
    """
    index = numbers
    per_group_sum = np.bincount(index, weights=values, minlength=counts.shape[1])
    per_group_size = np.bincount(index, minlength=counts.shape[1]).astype(float)
    size = counts @ per_group_size
    return np.divide(counts @ per_group_sum, size, out=np.full(len(counts), np.nan), where=size > 0)


def interval(values: np.ndarray) -> list[float]:
    """[2.5th, 97.5th] percentile of the finite ``values``."""
    finite = values[np.isfinite(values)]
    return [float(v) for v in np.percentile(finite, [2.5, 97.5])] if len(finite) else [float("nan")] * 2


def score(prediction: np.ndarray, outcome: np.ndarray, proposals: np.ndarray, baseline: np.ndarray,
          counts: np.ndarray) -> dict:
    """A predictor's metrics, its MAE interval and its paired difference to ``baseline`` (the compromise).

    ``counts`` are :func:`cluster_resamples` of all the proposals (shared by every predictor).
    """
    scored = np.isfinite(prediction) & np.isfinite(outcome)
    paired = scored & np.isfinite(baseline)
    error = prediction - outcome
    out = {"issues": int(scored.sum()), **metrics(error[scored])}
    numbers = group_index(proposals)
    out["mae_ci"] = interval(bootstrap_mean(np.abs(error[scored]), numbers[scored], counts))
    difference = np.abs(error[paired]) - np.abs(baseline - outcome)[paired]
    out["paired_issues"] = int(paired.sum())
    out["diff_vs_mean"] = float(difference.mean())
    out["diff_ci"] = interval(bootstrap_mean(difference, numbers[paired], counts))
    return out
