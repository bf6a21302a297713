"""Tests of lib.core.pareto: truncated moments against quadrature and Monte Carlo."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.integrate import quad

from lib.core import pareto


@settings(max_examples=25, deadline=None)
@given(k=st.floats(1.5, 8.0), frac=st.floats(0.05, 0.9), c=st.floats(1.0, 5.0), phi_min=st.floats(0.2, 2.0))
def test_partial_moment_matches_quadrature(k, frac, c, phi_min):
    a = frac * k
    lo = max(c, phi_min)
    numeric, _ = quad(lambda x: x ** a * pareto.pareto_pdf(x, k, phi_min), lo, np.inf, limit=200)
    assert pareto.partial_moment(a, k, c, phi_min) == pytest.approx(numeric, rel=1e-6)


def test_conditional_moment_and_monte_carlo():
    k, a = 3.4, 2.8
    draws = pareto.draw_pareto(k, 2_000_000, rng=7)
    assert pareto.pareto_survival(2.0, k) == pytest.approx(np.mean(draws > 2.0), abs=2e-3)
    assert pareto.conditional_moment(1.0, k, 2.0) == pytest.approx(draws[draws > 2].mean(), rel=1e-2)
    assert pareto.conditional_moment(a, k, 1.0) == pytest.approx(k / (k - a))


def test_infinite_moment_is_refused():
    with pytest.raises(ValueError, match=r"k = 2.0 must exceed"):
        pareto.partial_moment(2.8, 2.0)


def test_bad_shape_raises():
    with pytest.raises(ValueError, match="k"):
        pareto.draw_pareto(-1.0, 10)
