"""Variance-based (Sobol') indices: Saltelli's design and the Saltelli–Jansen estimators.

For a model Y = f(X₁, …, X_k) with independent inputs, the **first-order index** of factor i is
the share of Var(Y) that X_i explains on its own, and the **total index** the share it has a
hand in, alone or through interactions:

    S_i = Var(E[Y | X_i]) / Var(Y),        S_Ti = E[Var(Y | X_~i)] / Var(Y) = 1 − Var(E[Y | X_~i]) / Var(Y).

Σ S_i ≤ 1 (equal for an additive model); S_Ti ≥ S_i, the gap being X_i's interactions.

**Design.** N base rows A and B, and for each factor the matrix AB_i (A with factor i's columns
taken from B): N(k + 2) model runs, in SALib's order (per base row: A, AB_1..AB_k, B). A
**group** of inputs (SALib's ``groups``) is swapped as one factor. Two engines draw A and B:

* ``"salib"`` (default): SALib's ``SALib.sample.sobol`` — a scrambled Sobol' sequence, mapped to
  the inputs' distributions (quasi-random: converges faster);
* ``"numpy"``: numpy's generator's standard normals (normal inputs only). The dashboard uses it:
  SALib imports scipy and pandas, ~2.8 CPU-s and ~100 MB in every viewer's kernel.

**Estimators** (SALib's ``first_order`` and ``total_order``, Saltelli et al. 2010; Jansen 1999),
on outputs standardised over the whole design:

    S_i ≈ mean(f(B) · (f(AB_i) − f(A))) / Var,     S_Ti ≈ ½ mean((f(A) − f(AB_i))²) / Var,

with Var the variance of f(A) and f(B) together. Confidence intervals are SALib's bootstrap:
resample the N base rows with replacement R times, recompute, and take ± z₀.₉₇₅ × the standard
deviation of the resampled estimates. SALib's ``analyze`` does this for one output; :func:`indices`
does it for T outputs at once (a model run gives every target), the resamples written as counts
(row n drawn c_kn times in resample k), so the means over a resample are one matrix product.
``tests/test_sensitivity_sobol.py`` checks it equals ``SALib.analyze.sobol.analyze`` output by output.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

RESAMPLES = 100
CONF_LEVEL = 0.95
#: a target whose standard deviation over the design is below this (relative to its size) does not vary
FLAT = 1e-12


def normal_problem(names: list[str], groups: list[str] | None = None) -> dict:
    """SALib's problem for independent standard normal inputs ``names`` (``groups``: the factor
    of each input, or None for one factor per input)."""
    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names),
               "dists": ["norm"] * len(names)}
    if groups is not None:
        problem["groups"] = list(groups)
    return problem


def factor_count(problem: dict) -> int:
    """k: the number of factors (groups, when given)."""
    return len(dict.fromkeys(problem.get("groups") or problem["names"]))


ENGINES = ("salib", "numpy")


def design(problem: dict, base_samples: int, seed: int, engine: str = "salib") -> np.ndarray:
    """Saltelli's design: (N(k + 2), inputs) rows in SALib's order (per base row: A, AB_1..AB_k, B).

    Raises
    ------
    ValueError
        When ``base_samples`` is not a power of two from 4 (the Sobol' sequence's balance needs it),
        or the numpy engine is asked for inputs that are not standard normal.
    """
    check_base_samples(base_samples)
    if engine == "salib":
        from SALib.sample import sobol as sobol_sample

        return sobol_sample.sample(problem, base_samples, calc_second_order=False,
                                   seed=np.random.default_rng(seed))
    if engine != "numpy":
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if problem.get("dists") != ["norm"] * problem["num_vars"] or problem["bounds"] != [[0.0, 1.0]] * problem["num_vars"]:
        raise ValueError("the numpy engine draws standard normal inputs only")
    groups = problem.get("groups") or problem["names"]
    factors = list(dict.fromkeys(groups))
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal((2, base_samples, problem["num_vars"]))
    rows = np.empty((base_samples, len(factors) + 2, problem["num_vars"]))
    rows[:, 0], rows[:, -1] = a, b
    for j, factor in enumerate(factors):
        swapped = np.array([g == factor for g in groups])
        rows[:, 1 + j] = np.where(swapped, b, a)
    return rows.reshape(-1, problem["num_vars"])


def first_order(a: np.ndarray, ab: np.ndarray, b: np.ndarray) -> np.ndarray:
    """S_i ≈ mean(f(B)(f(AB_i) − f(A))) / Var(f(A), f(B)) over the first axis (SALib's estimator; 0 where
    the variance is 0)."""
    variance = np.var(np.concatenate([a, b]), axis=0)
    return np.divide(np.mean(b * (ab - a), axis=0), variance, out=np.zeros_like(variance),
                     where=variance > np.finfo(float).eps)


def total_order(a: np.ndarray, ab: np.ndarray, b: np.ndarray) -> np.ndarray:
    """S_Ti ≈ ½ mean((f(A) − f(AB_i))²) / Var(f(A), f(B)) over the first axis (SALib's estimator)."""
    variance = np.var(np.concatenate([a, b]), axis=0)
    return np.divide(0.5 * np.mean((a - ab) ** 2, axis=0), variance, out=np.zeros_like(variance),
                     where=variance > np.finfo(float).eps)


def check_base_samples(base_samples: int) -> None:
    if isinstance(base_samples, bool) or not isinstance(base_samples, int | np.integer) or base_samples < 4 \
            or base_samples & (base_samples - 1):
        raise ValueError(f"the number of base samples must be a power of two from 4 (256, 1024, ...), "
                         f"got {base_samples!r}")


@dataclass(frozen=True, eq=False)
class VarianceIndices:
    """Indices of k factors for T outputs: (k, T) arrays; ``*_conf`` the half-widths of the
    intervals. A target that does not vary (``varies`` False) has every index and half-width 0."""

    first: np.ndarray
    first_conf: np.ndarray
    total: np.ndarray
    total_conf: np.ndarray
    varies: np.ndarray  # (T,) bool
    mean: np.ndarray  # (T,) over the design
    std: np.ndarray  # (T,)


def indices(problem: dict, outputs: np.ndarray, seed: int, resamples: int = RESAMPLES,
            conf_level: float = CONF_LEVEL) -> VarianceIndices:
    """First and total indices with bootstrap intervals of each column of ``outputs`` (rows, T),
    evaluated on :func:`design`'s rows.

    >>> problem = normal_problem(["a", "b"])
    >>> x = design(problem, 1024, seed=0)
    >>> result = indices(problem, (x @ [1.0, 2.0])[:, None], seed=0)   # Var: 1 and 4 of 5
    >>> np.round(result.first[:, 0], 1).tolist(), np.round(result.total[:, 0], 1).tolist()
    ([0.2, 0.8], [0.2, 0.8])
    """
    outputs = np.asarray(outputs, dtype=float)
    if outputs.ndim == 1:
        outputs = outputs[:, None]
    k = factor_count(problem)
    step = k + 2
    if len(outputs) % step:
        raise ValueError(f"{len(outputs)} rows is not a multiple of k + 2 = {step}: not this problem's design")
    n = len(outputs) // step
    mean, std = outputs.mean(axis=0), outputs.std(axis=0)
    varies = std > FLAT * np.maximum(1.0, np.abs(mean))
    shape = (k, outputs.shape[1])
    first, first_conf, total, total_conf = (np.zeros(shape) for _ in range(4))
    rng = np.random.default_rng(seed)
    resampled = rng.integers(n, size=(n, resamples))  # SALib's resamples for this seed, drawn in its order
    if not varies.any():
        return VarianceIndices(first, first_conf, total, total_conf, varies, mean, std)
    standard = (outputs[:, varies] - mean[varies]) / std[varies]
    rows = standard.reshape(n, step, -1)
    a, b = rows[:, 0], rows[:, -1]
    counts = np.zeros((resamples, n))
    np.add.at(counts, (np.arange(resamples)[None, :].repeat(n, 0), resampled), 1.0)
    # the variance of A and B together, per resample: E[y²] − E[y]² over its 2N rows
    sum_ab, sum_sq = counts @ (a + b), counts @ (a * a + b * b)
    boot_var = sum_sq / (2 * n) - (sum_ab / (2 * n)) ** 2
    z = NormalDist().inv_cdf(0.5 + conf_level / 2)
    spread = boot_var > np.finfo(float).eps  # a resample whose A and B rows are all equal counts as 0, as in SALib

    def per_resample(sums: np.ndarray) -> np.ndarray:
        return np.divide(sums / n, boot_var, out=np.zeros_like(boot_var), where=spread)

    for j in range(k):
        ab = rows[:, 1 + j]
        first[j, varies] = first_order(a, ab, b)
        total[j, varies] = total_order(a, ab, b)
        first_conf[j, varies] = z * per_resample(counts @ (b * (ab - a))).std(axis=0, ddof=1)
        total_conf[j, varies] = z * per_resample(0.5 * (counts @ ((a - ab) ** 2))).std(axis=0, ddof=1)
    return VarianceIndices(first, first_conf, total, total_conf, varies, mean, std)
