"""Every kernel bounded (issue 15, item 1), the granular kernels: the exponential integral behind the
HHI quadrature does work that does not grow with its order, and a huge tail index is finite.

The lib-wide check that no loop counts to a float parameter is tests/core/test_core_bounded_kernels.py."""
from __future__ import annotations

import time

import numpy as np
import pytest
from scipy import integrate
from scipy.special import expn

from lib.granular.hhi import exponential_integral, pareto_transforms, weighted_hhi


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, 7.0, 10.0, 25.0, 39.0, 40.0, 41.0, 60.0, 200.0, 5000.0])
def test_exponential_integral_matches_expn_at_every_order(p):
    t = np.geomspace(1e-12, 3000.0, 120)
    ref = expn(int(p), t)
    keep = ref > 1e-300
    np.testing.assert_allclose(exponential_integral(p, t)[keep], ref[keep], rtol=5e-12)


@pytest.mark.parametrize("p", [0.3, 1.365, 2.5, 12.25, 47.5, 1e4 + 0.5])
def test_exponential_integral_non_integer_order_vs_quadrature(p):
    for t in [1e-6, 0.01, 0.7, 1.0, 3.0, 40.0]:
        with np.errstate(over="ignore", under="ignore"):
            # E_p(t) = int_0^inf exp(-t e^s - (p - 1) s) ds with x = e^s
            ref = integrate.quad(lambda s: np.exp(-t * np.exp(s) - (p - 1.0) * s), 0.0, np.inf,
                                 epsabs=0.0, epsrel=1e-12, limit=400)[0]
        assert exponential_integral(p, np.array([t]))[0] == pytest.approx(ref, rel=1e-8)


def test_exponential_integral_time_does_not_grow_with_the_order():
    """The old recurrence ran floor(p) times: p = 1e300 never ended (issue 15)."""
    t = np.geomspace(1e-17, 3000.0, 3000)
    start = time.perf_counter()
    for p in [1e3, 1e9, 1e300, 1.7e308]:
        E = exponential_integral(p, t)
        assert np.all(np.isfinite(E)) and np.all(E >= 0)
    assert time.perf_counter() - start < 1.0
    # large order: E_p(t) ~ exp(-t)/(t + p)
    np.testing.assert_allclose(exponential_integral(1e300, np.array([1.0]))[0], np.exp(-1.0) / 1e300, rtol=1e-12)


@pytest.mark.parametrize("p", [0.0, -1.0, np.nan, np.inf])
def test_exponential_integral_rejects_bad_order(p):
    with pytest.raises(ValueError, match=r"\bp\b"):
        exponential_integral(p, np.array([1.0]))


def test_huge_tail_index_tends_to_identical_firms():
    m = np.array([0.1, 3.0, 50.0])
    np.testing.assert_allclose(weighted_hhi(m, 1e300), weighted_hhi(m, np.inf), rtol=1e-9)
    np.testing.assert_allclose(weighted_hhi(m, 1e6), weighted_hhi(m, np.inf), rtol=1e-4)
    phi, one_minus, g = pareto_transforms(np.geomspace(1e-8, 100, 50), 1e200)
    assert np.all(np.isfinite(phi)) and np.all(np.isfinite(one_minus)) and np.all(np.isfinite(g))
