"""Tests of lib.core.frechet against closed forms and seeded Monte Carlo."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.special import gamma

from lib.core import frechet


def test_probabilities_sum_to_one_and_follow_power_law():
    V = np.array([1.0, 2.0, 4.0])
    p = frechet.choice_probabilities(V, theta=3.0)
    assert p.sum() == pytest.approx(1.0)
    assert p[1] / p[0] == pytest.approx(2.0 ** 3)


@settings(max_examples=30, deadline=None)
@given(theta=st.floats(0.5, 40.0), c=st.floats(0.1, 10.0))
def test_probabilities_homogeneous_of_degree_zero(theta, c):
    V = np.array([0.5, 1.0, 1.7, 3.0])
    np.testing.assert_allclose(frechet.choice_probabilities(V, theta),
                               frechet.choice_probabilities(c * V, theta), rtol=1e-10)


def test_large_theta_does_not_overflow():
    p = frechet.choice_probabilities(np.array([1e3, 2e3]), theta=500.0)
    assert np.all(np.isfinite(p)) and p[1] == pytest.approx(1.0)


def test_scale_weights_and_axis():
    V = np.ones((2, 3))
    T = np.array([1.0, 2.0, 1.0])
    p = frechet.choice_probabilities(V, 2.0, scale=T, axis=1)
    np.testing.assert_allclose(p, [[0.25, 0.5, 0.25]] * 2)


def test_expected_maximum_closed_form_single_option():
    """With one option, E[V eps] = V * Gamma(1 - 1/theta)."""
    assert frechet.expected_maximum(np.array([2.0]), 4.0) == pytest.approx(2.0 * gamma(0.75))


def test_expected_maximum_and_choice_against_monte_carlo():
    rng = np.random.default_rng(20250213)
    V = np.array([1.0, 1.5, 0.8])
    theta = 4.0
    eps = frechet.draw_frechet(theta, size=(400_000, 3), rng=rng)
    util = V * eps
    mc_max = util.max(axis=1).mean()
    mc_share = np.bincount(util.argmax(axis=1), minlength=3) / len(util)
    assert mc_max == pytest.approx(float(frechet.expected_maximum(V, theta)), rel=5e-3)
    np.testing.assert_allclose(mc_share, frechet.choice_probabilities(V, theta), atol=3e-3)


def test_draws_have_frechet_cdf():
    x = frechet.draw_frechet(3.0, 200_000, scale=2.0, rng=1)
    for q in (0.5, 1.0, 2.0):
        assert np.mean(x <= q) == pytest.approx(np.exp(-2.0 * q ** -3.0), abs=4e-3)


@pytest.mark.parametrize("theta", [1.0, 0.5, -2.0])
def test_mean_constant_requires_theta_above_one(theta):
    with pytest.raises(ValueError, match="theta"):
        frechet.frechet_mean_constant(theta)


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="theta"):
        frechet.choice_probabilities([1.0, 2.0], theta=0.0)
    with pytest.raises(ValueError, match="V"):
        frechet.choice_probabilities([1.0, -2.0], theta=2.0)
    with pytest.raises(ValueError, match="scale"):
        frechet.inclusive_value([1.0, 2.0], 2.0, scale=[1.0, -1.0])
