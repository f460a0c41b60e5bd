"""Monte Carlo and deal search speed, beside a floor measured in the same run.

Targets (medians; checked here by benchmarks, never by timed asserts in tests):
``uncertainty`` of the seed with the eight deal concessions of the README, 10,000 draws,
≤ 0.4 s and ≤ 1,300× one scipy HiGHS solve of a tiny LP; ``search`` on the seed ≤ 1 s,
on a generated scenario with 20 concessions, 4 veto parties and 12 issues ≤ 3 s, and
``search(seed, draws=2000)`` ≤ 3 s. ``benchmarks/summary.py`` reads the JSON of a run
and prints every median against its goal and floor. Run with ``make bench``.

The floor, ``scipy.optimize.linprog(method="highs")`` on a 2-variable, 2-constraint LP,
shows what the machine gives for one solver call with its Python set-up. scipy is not
a dependency of the project: without it that floor is skipped and the ratio is not
measured. The direct highspy solve of the same LP is always measured, for reference.
"""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.generate import with_concessions
from benchmarks.test_bench_core import DEAL, SEED
from explorer import load, search, uncertainty

# maximise x + y subject to x + 2y ≤ 4, 3x + y ≤ 6, x, y ≥ 0 (optimum x = 1.6, y = 1.2)
TINY_C = np.array([-1.0, -1.0])
TINY_A = np.array([[1.0, 2.0], [3.0, 1.0]])
TINY_B = np.array([4.0, 6.0])


@pytest.fixture(scope="module")
def seed():
    return load(SEED)


@pytest.fixture(scope="module")
def generated():
    return with_concessions(concessions=20, veto=4, issues=12)


def test_floor_scipy_highs_tiny_lp(benchmark):
    optimize = pytest.importorskip("scipy.optimize")
    result = benchmark(optimize.linprog, TINY_C, A_ub=TINY_A, b_ub=TINY_B, bounds=[(0, None)] * 2, method="highs")
    assert result.status == 0 and result.x == pytest.approx([1.6, 1.2])


def test_floor_highspy_tiny_lp(benchmark):
    """The same LP on highspy directly (what linprog's HiGHS method calls), for reference."""
    import highspy

    def solve():
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)  # default threads, as linprog (see lp.run)
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = 2, 2
        lp.col_cost_ = TINY_C
        lp.col_lower_, lp.col_upper_ = np.zeros(2), np.full(2, highspy.kHighsInf)
        lp.row_lower_, lp.row_upper_ = np.full(2, -highspy.kHighsInf), TINY_B
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.array([0, 2, 4], dtype=np.int32)
        lp.a_matrix_.index_ = np.array([0, 1, 0, 1], dtype=np.int32)
        lp.a_matrix_.value_ = TINY_A.T.ravel()
        highs.passModel(lp)
        highs.run()
        return list(highs.getSolution().col_value)

    assert benchmark(solve) == pytest.approx([1.6, 1.2])


def test_uncertainty_seed_deal_10k_draws(benchmark, seed):
    """The README's eight concessions: every draw with a zone everywhere runs its programme."""
    scenario = seed.with_concessions(DEAL)
    result = benchmark(uncertainty, scenario, draws=10_000, seed=0)
    assert result.draws == 10_000 and 0 < result.p_package_zopa < 1


def test_uncertainty_seed_baseline_10k_draws(benchmark, seed):
    result = benchmark(uncertainty, seed, draws=10_000, seed=0)
    assert result.draws == 10_000


def test_search_seed(benchmark, seed):
    result = benchmark(search, seed)
    assert result.deals
    benchmark.extra_info.update(feasible_sets=result.feasible_sets, deals=len(result.deals),
                                programmes=result.programmes)


def test_search_generated_20_concessions(benchmark, generated):
    """Deadlocked on 5 of 12 issues; only some sets that open every zone also leave a ZOPA."""
    result = benchmark(search, generated)
    assert result.deals
    benchmark.extra_info.update(feasible_sets=result.feasible_sets, deals=len(result.deals),
                                programmes=result.programmes)


def test_search_seed_2000_draws(benchmark, seed):
    result = benchmark(search, seed, draws=2000)
    assert result.deals and all(d.p_package_zopa is not None for d in result.deals)
    benchmark.extra_info.update(feasible_sets=result.feasible_sets, deals=len(result.deals),
                                programmes=result.programmes)
