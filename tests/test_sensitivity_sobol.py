"""explorer.sensitivity.sobol: SALib's design and estimators, for many outputs at once."""

from __future__ import annotations

import math

import numpy as np
import pytest
from SALib.analyze import sobol as salib_analyze

from explorer.sensitivity import sobol


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[list[float], list[float]]:
    """The analytic first and total indices (Ishigami & Homma 1990; Sobol' & Levitan 1999)."""
    v1 = 0.5 * (1 + b * math.pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * math.pi ** 8 * (1 / 18 - 1 / 50)
    total_variance = v1 + v2 + v13
    first = [v1 / total_variance, v2 / total_variance, 0.0]
    total = [(v1 + v13) / total_variance, v2 / total_variance, v13 / total_variance]
    return first, total


def test_ishigami_hand_computed_values():
    first, total = ishigami_indices()
    assert [round(v, 4) for v in first] == [0.3139, 0.4424, 0.0]
    assert [round(v, 4) for v in total] == [0.5576, 0.4424, 0.2437]


def test_the_estimators_reproduce_the_ishigami_indices_within_their_intervals():
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}
    x = sobol.design(problem, 4096, seed=3)
    result = sobol.indices(problem, ishigami(x)[:, None], seed=3)
    first, total = ishigami_indices()
    for k in range(3):
        assert abs(result.first[k, 0] - first[k]) <= result.first_conf[k, 0], k
        assert abs(result.total[k, 0] - total[k]) <= result.total_conf[k, 0], k
        assert 0 < result.first_conf[k, 0] < 0.1 and 0 < result.total_conf[k, 0] < 0.1


@pytest.mark.parametrize("engine", sobol.ENGINES)
def test_a_linear_model_of_normal_inputs_splits_its_variance_by_the_squared_coefficients(engine):
    coefficients = np.array([1.0, 2.0, 0.0, 3.0])
    problem = sobol.normal_problem(["a", "b", "c", "d"])
    x = sobol.design(problem, 2048, seed=1, engine=engine)
    assert x.shape == (2048 * 6, 4)
    assert abs(x.mean()) < 0.05 and abs(x.std() - 1) < 0.05  # standard normals
    result = sobol.indices(problem, (x @ coefficients)[:, None], seed=1)
    expected = coefficients ** 2 / (coefficients ** 2).sum()
    for k in range(4):
        for estimate, conf in ((result.first, result.first_conf), (result.total, result.total_conf)):
            assert abs(estimate[k, 0] - expected[k]) <= max(conf[k, 0], 1e-12), (k, estimate[k, 0], expected[k])
    assert result.first[2, 0] == result.total[2, 0] == 0.0  # a factor the model ignores: exactly 0


@pytest.mark.parametrize("engine", sobol.ENGINES)
def test_many_outputs_at_once_equal_salib_analyze_output_by_output(engine):
    """The estimators and the vectorised bootstrap are SALib's: the same resamples, the same numbers."""
    problem = sobol.normal_problem(["a", "b", "c"], groups=["g1", "g1", "g2"])
    x = sobol.design(problem, 256, seed=9, engine=engine)
    assert x.shape == (256 * 4, 3)  # 2 groups: N(k + 2) rows
    outputs = np.c_[x.sum(axis=1), np.sin(x[:, 0]) * x[:, 2] ** 2, (x[:, 1] + x[:, 2] > 0.5).astype(float)]
    result = sobol.indices(problem, outputs, seed=9)
    for column in range(outputs.shape[1]):
        expected = salib_analyze.analyze(problem, outputs[:, column], calc_second_order=False, seed=9)
        np.testing.assert_allclose(result.first[:, column], expected["S1"], atol=1e-12)
        np.testing.assert_allclose(result.total[:, column], expected["ST"], atol=1e-12)
        np.testing.assert_allclose(result.first_conf[:, column], expected["S1_conf"], atol=1e-12)
        np.testing.assert_allclose(result.total_conf[:, column], expected["ST_conf"], atol=1e-12)


def test_an_output_that_does_not_vary_gets_zero_indices_not_a_division_by_zero():
    problem = sobol.normal_problem(["a", "b"])
    x = sobol.design(problem, 64, seed=0)
    outputs = np.c_[np.zeros(len(x)), np.full(len(x), 7.0), x[:, 0]]
    with np.errstate(all="raise"):
        result = sobol.indices(problem, outputs, seed=0)
    assert result.varies.tolist() == [False, False, True]
    for array in (result.first, result.first_conf, result.total, result.total_conf):
        assert np.isfinite(array).all()
        assert (array[:, :2] == 0).all()
    assert result.mean[1] == 7.0 and result.total[0, 2] > 0.9


@pytest.mark.parametrize("count", [0, 3, 100, 1000, 2.0, True])
def test_base_samples_must_be_a_power_of_two(count):
    with pytest.raises(ValueError, match="power of two"):
        sobol.check_base_samples(count)


def test_outputs_of_another_design_are_refused():
    problem = sobol.normal_problem(["a", "b"])
    with pytest.raises(ValueError, match="not a multiple"):
        sobol.indices(problem, np.zeros(4 * 5 + 1), seed=0)


def test_the_numpy_design_is_saltellis_layout():
    problem = sobol.normal_problem(["a", "b", "c"], groups=["g1", "g1", "g2"])
    rows = sobol.design(problem, 8, seed=2, engine="numpy").reshape(8, 4, 3)
    a, b = rows[:, 0], rows[:, -1]
    assert (rows[:, 1] == np.c_[b[:, :2], a[:, 2]]).all()  # AB_g1: A with g1's columns from B
    assert (rows[:, 2] == np.c_[a[:, :2], b[:, 2]]).all()
    assert not np.isclose(a, b).any()
    with pytest.raises(ValueError, match="standard normal"):
        sobol.design({"num_vars": 1, "names": ["u"], "bounds": [[0, 1]]}, 8, seed=0, engine="numpy")
    with pytest.raises(ValueError, match="engine"):
        sobol.design(problem, 8, seed=0, engine="scipy")
