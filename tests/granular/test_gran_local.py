"""One location (lib.granular.local): sector equilibria, first-order responses, draws, bad inputs."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lib.granular.local import (baseline_first_order, baseline_lemma1_monte_carlo, baseline_sector_equilibrium,
                                check_parameters, draw_firm_counts, draw_log_shocks, draw_productivity,
                                first_order_employment_response, friction_constant, no_shock_shares,
                                profit_given_wage, ratio_beta3_beta1, response_matrix, sector_shock_variance,
                                solve_sector, tail_index)

ETA, LAM, KAPPA, NU = 0.13, 10.5, 2.48, 1.46


@pytest.mark.parametrize("kw,name", [
    (dict(eta=1.2), "eta"), (dict(eta=0.0), "eta"), (dict(eta=-0.1), "eta"),
    (dict(eta=0.13, lam=5.0), "lam"), (dict(sigma2_N=-0.1), "sigma2_N"), (dict(sigma2_S=-1e-3), "sigma2_S"),
    (dict(kappa=0.0), "kappa"), (dict(nu=-1.0), "nu"), (dict(theta=0.0), "theta"), (dict(m=-1.0), "m")])
def test_bad_parameters_raise_naming_parameter(kw, name):
    with pytest.raises(ValueError, match=name):
        check_parameters(**kw)


def test_lam_eta_message():
    with pytest.raises(ValueError, match=r"lam\*eta"):
        tail_index(0.13, 7.0)
    assert tail_index(ETA, LAM) == pytest.approx(1.365)


def test_baseline_sector_identities():
    rng = np.random.default_rng(0)
    z = draw_productivity(LAM, (50, 6), rng)
    la = draw_log_shocks((50, 6), 0.14, 0.002, rng)
    L = rng.uniform(0.5, 2.0, size=50)
    eq = baseline_sector_equilibrium(z, la, ETA, L)
    np.testing.assert_allclose(eq.employment.sum(axis=1), L, rtol=1e-12)           # clearing
    np.testing.assert_allclose(eq.wage * L, (1 - ETA) * eq.output, rtol=1e-12)     # wage bill = (1-eta) Y
    np.testing.assert_allclose(eq.profits.sum(axis=1), ETA * eq.output, rtol=1e-10)
    # every firm on its labor demand curve
    mpl = (1 - ETA) * z * np.exp(la) * eq.employment ** (-ETA)
    np.testing.assert_allclose(mpl, np.broadcast_to(eq.wage[:, None], mpl.shape), rtol=1e-10)
    np.testing.assert_allclose(profit_given_wage(z, la, eq.wage[:, None], ETA), eq.profits, rtol=1e-10)


def test_baseline_first_order_is_first_order():
    rng = np.random.default_rng(1)
    z = draw_productivity(LAM, 5, rng)
    sh = no_shock_shares(z, ETA)
    u = rng.standard_normal(5)
    eq0 = baseline_sector_equilibrium(z, np.zeros(5), ETA, 1.0)
    gaps = []
    for h in (1e-2, 1e-3):
        eq = baseline_sector_equilibrium(z, h * u, ETA, 1.0)
        lh, wh = baseline_first_order(sh, h * u, ETA)
        gaps.append(np.max(np.abs(np.log(eq.employment / eq0.employment) - lh)))
    assert gaps[1] < gaps[0] / 50          # O(h^2)


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=1, max_value=12), st.floats(0.5, 20.0), st.floats(0.2, 10.0))
def test_pc_response_aggregates(n, kappa, nu):
    rng = np.random.default_rng(n)
    sh = rng.dirichlet(np.ones(n))
    a = rng.standard_normal(n)
    lh = first_order_employment_response(sh, a, ETA, kappa, nu, "perfect")
    abar = (sh * a).sum()
    assert (sh * lh).sum() == pytest.approx(abar / (ETA + 1 / nu), rel=1e-9, abs=1e-12)
    M = response_matrix(sh, ETA, kappa, nu, "perfect")
    np.testing.assert_allclose(M @ a, lh, rtol=1e-9, atol=1e-12)
    Mc = response_matrix(sh, ETA, kappa, nu, "cournot")
    np.testing.assert_allclose(Mc @ a, first_order_employment_response(sh, a, ETA, kappa, nu, "cournot"),
                               rtol=1e-9, atol=1e-12)


def test_frictionless_limit_is_baseline():
    sh = np.array([0.5, 0.3, 0.2]); a = np.array([0.1, -0.2, 0.05])
    lh = first_order_employment_response(sh, a, ETA, 1e9, 1e-9, "perfect")
    np.testing.assert_allclose(lh, baseline_first_order(sh, a, ETA)[0], rtol=1e-6)


@pytest.mark.parametrize("conduct", ["perfect", "cournot"])
def test_exact_solve_second_order_gap(conduct):
    rng = np.random.default_rng(2)
    sh = rng.dirichlet(np.ones(4)); u = rng.standard_normal(4) * 0.3
    gaps = []
    for h in (0.1, 0.01):
        ex = solve_sector(sh, h * u, ETA, KAPPA, NU, conduct).l_hat
        gaps.append(np.max(np.abs(ex - first_order_employment_response(sh, h * u, ETA, KAPPA, NU, conduct))))
    assert gaps[1] < gaps[0] / 50


def test_cournot_monopolist_equals_pc():
    # one firm: its share never changes, so the markdown is constant and responses coincide
    a = np.array([0.2])
    lp = solve_sector(np.array([1.0]), a, ETA, KAPPA, NU, "perfect").l_hat
    lc = solve_sector(np.array([1.0]), a, ETA, KAPPA, NU, "cournot").l_hat
    assert lp[0] == pytest.approx(lc[0], abs=1e-12)
    assert lp[0] == pytest.approx(0.2 / (ETA + 1 / NU), rel=0.05)


def test_cournot_dampens_response_of_big_firm():
    sh = np.array([0.6, 0.4]); a = np.array([0.1, 0.0])
    lp = first_order_employment_response(sh, a, ETA, KAPPA, NU, "perfect")
    lc = first_order_employment_response(sh, a, ETA, KAPPA, NU, "cournot")
    assert lc[0] < lp[0]


def test_ratio_beta3_beta1_table_value():
    assert friction_constant(ETA, KAPPA, NU) == pytest.approx(0.3457, abs=1e-4)
    assert ratio_beta3_beta1(ETA, KAPPA, NU) == pytest.approx(-0.3457, abs=1e-4)


def test_sector_shock_variance():
    np.testing.assert_allclose(sector_shock_variance([1, 2, 10], 0.14, 0.002), [0.142, 0.072, 0.016])
    with pytest.raises(ValueError, match="N"):
        sector_shock_variance(0, 0.14, 0.002)


def test_draws_are_seeded_and_have_right_moments():
    a = draw_firm_counts(3.0, 200_000, 5); b = draw_firm_counts(3.0, 200_000, 5)
    assert np.array_equal(a, b) and a.mean() == pytest.approx(3.0, abs=0.02)
    z = draw_productivity(LAM, 200_000, 1)
    assert z.min() >= 1.0 and np.mean(z) == pytest.approx(LAM / (LAM - 1), rel=0.01)
    la = draw_log_shocks((100_000, 3), 0.14, 0.002, 2)
    assert la.var() == pytest.approx(0.142, rel=0.02)
    assert np.cov(la[:, 0], la[:, 1])[0, 1] == pytest.approx(0.002, abs=0.002)


def test_lemma1_monte_carlo_converges():
    r = baseline_lemma1_monte_carlo(3.0, 3.0, ETA, 0.14, 0.002, [1.0, 0.05], 1000, 20, 11)
    ratio = r["phi_gap"] / r["phi_gap_lemma1"]
    assert abs(ratio[1] - 1) < 0.02 and abs(ratio[0] - 1) > 0.1
    assert r["wage_var"][1] / r["wage_var_cor2"][1] == pytest.approx(1.0, abs=0.03)
