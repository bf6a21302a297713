"""Tests of lib.foreign_employment.roy: closed forms of Doi & Suzuki (2025) eqs. (7)-(9), (16), §4.1."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.special import gamma

from lib.core import frechet
from lib.foreign_employment import roy


def test_occupation_shares_power_law_and_adding_up():
    S = np.array([1.0, 2.0, 1.5])
    p = np.array([1.0, 1.0, 2.0])
    phi = roy.occupation_shares(S, p, zeta=3.0)
    assert phi.sum() == pytest.approx(1.0)
    assert phi[1] / phi[0] == pytest.approx(2.0 ** 3)
    assert phi[2] / phi[0] == pytest.approx(3.0 ** 3)


def test_average_wage_single_occupation_is_gamma_constant():
    assert float(roy.average_wage(np.array([2.0]), 1.5, 4.0)) == pytest.approx(3.0 * gamma(0.75))


@settings(max_examples=25, deadline=None)
@given(zeta=st.floats(1.2, 30.0), seed=st.integers(0, 10_000))
def test_conditional_mean_wage_equal_across_occupations(zeta, seed):
    """Paper eq. (8): selection makes the mean wage of choosers the same in every occupation."""
    rng = np.random.default_rng(seed)
    S = np.exp(rng.normal(size=(3, 5)))
    p = np.exp(rng.normal(size=(1, 5)))
    cond = roy.conditional_mean_wage(S, p, zeta)
    avg = roy.average_wage(S, p, zeta)
    np.testing.assert_allclose(cond, np.broadcast_to(avg[:, None], cond.shape), rtol=1e-10)


@settings(max_examples=25, deadline=None)
@given(zeta=st.floats(1.5, 20.0), c=st.floats(0.1, 10.0))
def test_shares_homogeneous_of_degree_zero_wage_degree_one(zeta, c):
    S = np.array([0.5, 1.0, 2.0])
    p = np.array([1.0, 0.7, 1.3])
    np.testing.assert_allclose(roy.occupation_shares(S, c * p, zeta), roy.occupation_shares(S, p, zeta), rtol=1e-10)
    assert float(roy.average_wage(S, c * p, zeta)) == pytest.approx(c * float(roy.average_wage(S, p, zeta)))


def test_roy_against_monte_carlo():
    rng = np.random.default_rng(7)
    w = np.array([1.0, 1.4, 0.7, 1.1])
    zeta = 3.0
    eps = frechet.draw_frechet(zeta, size=(300_000, 4), rng=rng)
    earn = w * eps
    ch = earn.argmax(1)
    wage = earn[np.arange(len(ch)), ch]
    np.testing.assert_allclose(np.bincount(ch) / len(ch), roy.occupation_shares(w, 1.0, zeta), atol=3e-3)
    means = np.bincount(ch, weights=wage) / np.bincount(ch)
    np.testing.assert_allclose(means, roy.average_wage(w, 1.0, zeta), rtol=1e-2)
    # Gumbel moment of log wages is exact in distribution: Var(log w) = pi^2 / (6 zeta^2)
    assert np.log(wage).var() == pytest.approx(np.pi ** 2 / (6 * zeta ** 2), rel=1e-2)


def test_wage_cv2_known_values_and_monotone():
    assert roy.wage_cv2(2.95) == pytest.approx(gamma(1 - 2 / 2.95) / gamma(1 - 1 / 2.95) ** 2 - 1)
    assert roy.wage_cv2(2.95) == pytest.approx(0.492, abs=5e-4)     # digest: 0.492 at 2.95
    assert roy.wage_cv2(3.14) == pytest.approx(0.389, abs=5e-4)     # digest: 0.389 at 3.14
    z = np.linspace(2.2, 50, 200)
    assert np.all(np.diff(roy.wage_cv2(z)) < 0)


@settings(max_examples=25, deadline=None)
@given(zeta=st.floats(2.05, 200.0))
def test_calibrate_zeta_round_trip(zeta):
    assert roy.calibrate_zeta(roy.wage_cv2(zeta)) == pytest.approx(zeta, rel=1e-7)


def test_zeta_from_log_variance_round_trip():
    assert roy.zeta_from_log_wage_variance(np.pi ** 2 / (6 * 2.95 ** 2)) == pytest.approx(2.95)


def test_location_shares_match_frechet_kernel_and_sum_to_one():
    B = np.array([1.0, 2.0, 0.5])
    w = np.array([1.0, 1.2, 0.9])
    psi = roy.location_shares(B, w, 0.644)
    assert psi.sum() == pytest.approx(1.0)
    assert psi[1] / psi[0] == pytest.approx(2.0 * 1.2 ** 0.644)


def test_welfare_index_expected_and_quantile_scale():
    B = np.array([1.0, 2.0])
    w = np.array([1.0, 1.5])
    phi = float(np.sum(B * w ** 3.0))
    assert float(roy.welfare_index(B, w, 3.0)) == pytest.approx(gamma(2 / 3) * phi ** (1 / 3))
    assert float(roy.welfare_index(B, w, 3.0, expected=False)) == pytest.approx(phi ** (1 / 3))
    # eta < 1: the quantile scale exists, the mean does not
    assert np.isfinite(roy.welfare_index(B, w, 0.644, expected=False))
    with pytest.raises(ValueError, match="eta"):
        roy.welfare_index(B, w, 0.644)


@settings(max_examples=25, deadline=None)
@given(xi=st.floats(1.05, 60.0), pf=st.floats(0.5, 2.0))
def test_ces_bill_shares_sum_to_one_and_relative_demand(xi, pf):
    sF = roy.foreign_bill_share(1.0, pf, xi)
    sD = roy.foreign_bill_share(pf, 1.0, xi)      # the native share, by symmetry of the formula
    assert float(sF + sD) == pytest.approx(1.0)
    # value ratio = (pF/pD)^(1-xi) = price ratio x quantity ratio
    assert float(sF / sD) == pytest.approx(pf * float(roy.relative_demand(pf, xi)), rel=1e-9)
    assert float(roy.relative_price(roy.relative_demand(pf, xi), xi)) == pytest.approx(pf, rel=1e-9)


def test_occupation_price_limits():
    # an absent foreign type drops out when xi > 1
    assert float(roy.occupation_price(1.3, np.inf, 12.3)) == pytest.approx(1.3)
    assert float(roy.foreign_bill_share(1.0, np.inf, 12.3)) == 0.0
    # equal prices: p(o) = p * 2^(1/(1-xi))
    assert float(roy.occupation_price(1.0, 1.0, 3.0)) == pytest.approx(2 ** (-0.5))
    # large xi: the CES price approaches the minimum price
    assert float(roy.occupation_price(1.0, 1.2, 2000.0)) == pytest.approx(1.0, rel=1e-3)


@pytest.mark.parametrize("call, name", [
    (lambda: roy.occupation_shares([1.0, 2.0], 1.0, -1.0), "zeta"),
    (lambda: roy.average_wage([1.0, 2.0], 1.0, 0.9), "zeta"),
    (lambda: roy.wage_cv2(1.9), "zeta"),
    (lambda: roy.calibrate_zeta(-0.1), "cv2"),
    (lambda: roy.occupation_shares([1.0, -2.0], 1.0, 3.0), "S"),
    (lambda: roy.location_shares([1.0, 1.0], [1.0, 1.0], 0.0), "eta"),
    (lambda: roy.location_shares([1.0, -1.0], [1.0, 1.0], 1.0), "B"),
    (lambda: roy.occupation_price(1.0, 1.0, -2.0), "xi"),
    (lambda: roy.occupation_price(1.0, np.inf, 0.5), "xi"),
    (lambda: roy.relative_demand(-1.0, 3.0), "price_ratio"),
    (lambda: roy.zeta_from_log_wage_variance(0.0), "var_log_wage"),
])
def test_bad_inputs_raise_naming_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
