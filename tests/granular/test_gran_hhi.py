"""Expected HHI by quadrature (lib.granular.hhi): closed forms, limits, Monte Carlo, bad inputs."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import integrate

from lib.granular.hhi import (exponential_integral, expected_hhi_decay_exponent, expected_hhi_given_N,
                              hhi_decay_exponent, mean_size, pareto_transforms, psi_N, weighted_hhi,
                              weighted_hhi_slope)
from lib.granular.local import draw_size_biased_sectors

ALPHA = 10.5 * 0.13


def test_identical_firms_closed_form():
    m = np.array([1e-3, 0.07, 0.5, 1.0, 3.0, 10.0, 105.8])
    np.testing.assert_allclose(weighted_hhi(m, np.inf), (1 - np.exp(-m)) / m, rtol=1e-9)
    np.testing.assert_allclose(psi_N([1, 2, 5, 40], np.inf), 1 / np.array([1, 2, 5, 40]), rtol=1e-9)


@pytest.mark.parametrize("alpha", [1.05, ALPHA, 1.9, 2.0, 3.0, 7.5])
def test_H_at_zero_is_one_and_psi1_is_one(alpha):
    assert weighted_hhi(0.0, alpha)[0] == pytest.approx(1.0, abs=1e-9)
    assert psi_N(1, alpha)[0] == pytest.approx(1.0, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=1.05, max_value=6.0))
def test_H_decreasing_to_zero(alpha):
    m = np.geomspace(1e-3, 1e5, 60)
    H = weighted_hhi(m, alpha)
    assert np.all(np.diff(H) < 0)
    assert np.all(weighted_hhi_slope(m, alpha) < 0)
    assert H[0] > 0.99
    # goes to zero: in large markets H falls at least like m^(-min(alpha-1, 1)/2)
    slope = np.log(H[-1] / H[-10]) / np.log(m[-1] / m[-10])
    assert slope < -0.5 * min(alpha - 1.0, 1.0)


def test_reference_values_alpha_1365():
    # digest reference values (quadrature confirmed by Monte Carlo)
    np.testing.assert_allclose(weighted_hhi([0.07, 1, 10, 105.8], ALPHA), [0.9810, 0.7875, 0.3637, 0.1473], atol=1e-4)
    np.testing.assert_allclose(psi_N([2, 10, 100], ALPHA), [0.72376, 0.3680, 0.1507], atol=1e-4)
    assert expected_hhi_given_N(10, ALPHA)[0] == pytest.approx(0.2040, abs=1e-4)


def test_slope_matches_finite_difference():
    m = np.array([0.05, 1.0, 30.0, 500.0])
    d = 1e-5
    fd = (weighted_hhi(m * (1 + d), ALPHA) - weighted_hhi(m * (1 - d), ALPHA)) / (2 * d * m)
    np.testing.assert_allclose(weighted_hhi_slope(m, ALPHA), fd, rtol=1e-6)


def test_H_is_poisson_mixture_of_psi():
    m = 2.5
    k = np.arange(0, 60)
    from scipy.stats import poisson
    mix = (poisson.pmf(k, m) * psi_N(k + 1, ALPHA)).sum()
    assert weighted_hhi(m, ALPHA)[0] == pytest.approx(mix, rel=1e-9)


@pytest.mark.parametrize("alpha,m", [(3.0, 3.0), (3.0, 0.5), (ALPHA, 1.0), (ALPHA, 10.0)])
def test_quadrature_vs_seeded_monte_carlo(alpha, m):
    x, _ = draw_size_biased_sectors(m, alpha, 100_000, np.random.default_rng(7))
    sh = x / x.sum(axis=1, keepdims=True)
    hh = (sh ** 2).sum(axis=1)
    se = hh.std() / np.sqrt(hh.size)
    assert abs(hh.mean() - weighted_hhi(m, alpha)[0]) < 4 * se


def test_unweighted_hhi_vs_monte_carlo():
    rng = np.random.default_rng(3)
    x = rng.uniform(size=(100_000, 5)) ** (-1 / 3.0)
    s = x / x.sum(axis=1, keepdims=True)
    hh = (s ** 2).sum(axis=1)
    assert abs(hh.mean() - expected_hhi_given_N(5, 3.0)[0]) < 4 * hh.std() / np.sqrt(hh.size)


@pytest.mark.parametrize("alpha", [1.2, ALPHA, 2.5, 3.0, 5.5])
def test_transforms_vs_direct_quadrature(alpha):
    for t in (1e-3, 0.1, 1.0, 7.0):
        phi, one_minus, g = pareto_transforms(t, alpha)
        f = lambda x, k, tt=t: alpha * x ** (-alpha - 1) * x ** k * np.exp(-tt * x)
        phi_q = integrate.quad(f, 1, np.inf, args=(0,), limit=200)[0]
        g_q = integrate.quad(f, 1, np.inf, args=(2,), limit=200)[0]
        assert float(phi) == pytest.approx(phi_q, rel=1e-7)
        assert float(g) == pytest.approx(g_q, rel=1e-6)
        assert float(one_minus) == pytest.approx(1 - phi_q, rel=1e-6, abs=1e-12)


def test_exponential_integral_integer_order():
    from scipy.special import expn
    t = np.array([0.01, 0.5, 3.0])
    for n in (1, 2, 3):
        np.testing.assert_allclose(exponential_integral(float(n), t), expn(n, t), rtol=1e-10)


def test_tail_exponents():
    assert hhi_decay_exponent(ALPHA) == pytest.approx(2 * (1 - 1 / ALPHA))
    assert hhi_decay_exponent(3.0) == 1.0
    N = np.array([1e5, 1e6])
    h = expected_hhi_given_N(N, ALPHA, n_nodes=6000)
    slope = np.diff(np.log(h))[0] / np.diff(np.log(N))[0]
    assert slope == pytest.approx(-expected_hhi_decay_exponent(ALPHA), abs=0.02)
    h3 = expected_hhi_given_N(N, 3.0)
    assert np.diff(np.log(h3))[0] / np.diff(np.log(N))[0] == pytest.approx(-1.0, abs=0.01)


def test_mean_size():
    assert mean_size(ALPHA) == pytest.approx(ALPHA / (ALPHA - 1))
    assert mean_size(np.inf) == 1.0


@pytest.mark.parametrize("fn", [weighted_hhi, weighted_hhi_slope])
def test_bad_inputs(fn):
    with pytest.raises(ValueError, match="alpha"):
        fn(1.0, 0.9)
    with pytest.raises(ValueError, match="m"):
        fn(-1.0, ALPHA)
    with pytest.raises(ValueError, match="N"):
        psi_N(0, ALPHA)
