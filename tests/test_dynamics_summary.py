"""Weighted median and mean over the actors (last axis), batch-aware and NaN-safe."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from explorer.dynamics.summary import weighted_mean, weighted_median


def test_median_hand_cases():
    # weights 1, 1, 2 at 4, 7, 10: half of 4 is 2, reached first at 7 (1 + 1 = 2)
    assert weighted_median(np.array([10.0, 4.0, 7.0]), np.array([2.0, 1.0, 1.0])) == 7.0
    # weights 1, 1, 3: cumulative 1, 2, 5 against 2.5 → 10
    assert weighted_median(np.array([4.0, 7.0, 10.0]), np.array([1.0, 1.0, 3.0])) == 10.0
    # an exact half at the first position keeps the median there (lower median)
    assert weighted_median(np.array([0.0, 100.0]), np.array([0.3, 0.3])) == 0.0


def test_mean_hand_case():
    # (1·4 + 1·7 + 2·10) / 4 = 31 / 4
    assert weighted_mean(np.array([4.0, 7.0, 10.0]), np.array([1.0, 1.0, 2.0])) == pytest.approx(7.75)


def test_emission_case_round_zero():
    # Scholz et al. (2011) Table 2, round 0: median 7.0, mean 7.39 with weights c·s
    c = np.array([.08, .08, .03, .16, .16, .16, .16, .05, .05, .08])
    s = np.array([.8, .4, .2, .8, .6, .6, .9, .1, 1.0, .7])
    x = np.array([4.0, 7.0, 4.0, 4.0, 10.0, 10.0, 10.0, 7.0, 4.0, 7.0])
    assert weighted_median(x, c * s) == 7.0
    # Σ w x = 0.248·4 + 0.093·7 + 0.336·10 = 5.003; Σ w = 0.677
    assert weighted_mean(x, c * s) == pytest.approx(5.003 / 0.677)


def test_absent_and_nan_do_not_count():
    x = np.array([[1.0, 2.0, 50.0], [1.0, np.nan, 50.0]])
    w = np.array([1.0, 1.0, 5.0])
    present = np.array([[True, True, False], [True, True, True]])
    # row 0: actor 2 absent → median of {1, 2} with equal weights = 1, mean 1.5
    # row 1: actor 1 NaN → {1 (w 1), 50 (w 5)} → median 50, mean (1 + 250) / 6
    np.testing.assert_allclose(weighted_median(x, w, present), [1.0, 50.0])
    np.testing.assert_allclose(weighted_mean(x, w, present), [1.5, 251 / 6])


def test_nothing_counts_gives_nan():
    assert np.isnan(weighted_median(np.array([1.0, 2.0]), np.array([0.0, 0.0])))
    assert np.isnan(weighted_mean(np.array([1.0, 2.0]), np.array([1.0, 1.0]), present=[False, False]))
    assert weighted_median(np.zeros((3, 0)), np.zeros((3, 0))).shape == (3,)


finite = st.floats(-1e3, 1e3, allow_nan=False)
positive = st.floats(0.01, 10.0)


@st.composite
def batches(draw):
    n_batch = draw(st.integers(1, 4))
    n_actor = draw(st.integers(1, 7))
    x = draw(arrays(float, (n_batch, n_actor), elements=finite))
    w = draw(arrays(float, (n_batch, n_actor), elements=positive))
    return x, w


@given(batches())
def test_batch_equals_rows(case):
    x, w = case
    med, mean = weighted_median(x, w), weighted_mean(x, w)
    for b in range(x.shape[0]):
        assert med[b] == weighted_median(x[b], w[b])
        assert mean[b] == pytest.approx(weighted_mean(x[b], w[b]))


@given(batches())
def test_median_is_a_position_splitting_the_weight(case):
    x, w = case
    med = weighted_median(x, w)
    for b in range(x.shape[0]):
        assert med[b] in x[b]
        total = w[b].sum()
        # at least half the weight at or below, and strictly less than half strictly below
        assert w[b][x[b] <= med[b]].sum() >= total * 0.5 * (1 - 1e-9)
        assert w[b][x[b] < med[b]].sum() < total * 0.5 * (1 + 1e-9)


@given(batches(), st.floats(-5, 5).filter(lambda a: abs(a) > 0.1), finite)
def test_affine_equivariance(case, a, b):
    x, w = case
    # a positive scale keeps the order; a negative one reverses it (the lower median of
    # the mirror image may be another position when the weight splits exactly in half)
    if a > 0:
        np.testing.assert_allclose(weighted_median(a * x + b, w), a * weighted_median(x, w) + b, rtol=1e-9,
                                   atol=1e-6)
    np.testing.assert_allclose(weighted_mean(a * x + b, w), a * weighted_mean(x, w) + b, rtol=1e-9, atol=1e-6)
