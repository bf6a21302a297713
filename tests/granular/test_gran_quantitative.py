"""Phi, Psi, elasticities and subsidies (lib.granular.quantitative): propositions as tests."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lib.granular.hhi import weighted_hhi
from lib.granular.quantitative import (cournot_sector_table, cov_term_baseline, cov_term_perfect, entry_subsidy,
                                       firm_elasticity, log_phi_perfect, newton_sector_batch, optimal_policy_wedges,
                                       phi_baseline, phi_psi, productivity_elasticity_baseline,
                                       productivity_elasticity_perfect, sector_quadratic_terms, wage_elasticity,
                                       wage_elasticity_general)
from lib.granular.local import solve_sector

P = dict(eta=0.13, lam=10.5, kappa=2.48, nu=1.46, sigma2_N=0.14, sigma2_S=0.002)
BASE = dict(eta=0.13, lam=10.5, sigma2_N=0.14, sigma2_S=0.002)
M = np.geomspace(1e-2, 1e3, 40)


@pytest.fixture(scope="module")
def table():
    return cournot_sector_table(**P, n_max=400, n_sectors=200, n_sparse=15)


def test_elasticity_zero_without_idiosyncratic_shocks():
    eps0 = productivity_elasticity_baseline(M, 0.13, 10.5, 0.0, 0.002)
    assert np.all(eps0 == 0.0)
    assert np.all(wage_elasticity(eps0, 0.13) == 0.0)
    assert np.all(productivity_elasticity_perfect(M, 0.13, 10.5, 2.48, 1.46, 0.0, 0.002) == 0.0)


@settings(max_examples=25, deadline=None)
@given(st.floats(1e-3, 0.5), st.floats(0.05, 0.5), st.floats(2.0, 30.0))
def test_elasticity_positive_with_idiosyncratic_shocks(s2n, eta, lam):
    if lam * eta <= 1.05:
        lam = 1.1 / eta
    eps = productivity_elasticity_baseline(M, eta, lam, s2n, 0.002)
    assert np.all(eps > 0)
    assert np.all(wage_elasticity(np.minimum(eps, 0.5 * (1 - eta)), eta) > 0)


def test_elasticity_vanishes_in_large_markets():
    big = np.array([1e4, 1e6, 1e8])
    w = wage_elasticity(productivity_elasticity_baseline(big, **BASE), 0.13)
    assert np.all(np.diff(w) < 0) and w[-1] < 1e-3
    wp = wage_elasticity(productivity_elasticity_perfect(big, **P), 0.13)
    assert wp[-1] < 1e-4


def test_subsidy_is_elasticity_over_eta():
    eps = productivity_elasticity_baseline(M, **BASE)
    np.testing.assert_allclose(entry_subsidy(eps, 0.13), eps / 0.13)
    pc = phi_psi(M, **P, conduct="perfect")
    tw, tp = optimal_policy_wedges(pc, 0.13)
    np.testing.assert_allclose(tw, 0.0)
    np.testing.assert_allclose(tp, pc.eps_phi / 0.13, rtol=1e-12)


def test_eps_baseline_is_log_derivative_of_phi():
    d = 1e-5
    fd = (np.log(phi_baseline(M * (1 + d), **BASE)) - np.log(phi_baseline(M * (1 - d), **BASE))) / (2 * d)
    np.testing.assert_allclose(productivity_elasticity_baseline(M, **BASE), fd, rtol=1e-5, atol=1e-12)
    fdp = (log_phi_perfect(M * (1 + d), **P) - log_phi_perfect(M * (1 - d), **P)) / (2 * d)
    np.testing.assert_allclose(productivity_elasticity_perfect(M, **P), fdp, rtol=1e-5, atol=1e-12)


def test_prop1_by_finite_differences():
    from scipy.optimize import brentq
    eta = 0.13
    m0 = 2.0
    psi_cost = eta * m0 ** (eta - 1) * phi_baseline(m0, **BASE)[0]

    def log_w(ell):
        f = lambda lm: np.log(eta) + (eta - 1) * lm + (1 - eta) * np.log(ell) + \
            np.log(phi_baseline(np.exp(lm), **BASE)[0]) - np.log(psi_cost)
        m = np.exp(brentq(f, -10, 10, xtol=1e-14))
        return np.log(m ** eta * ell ** (-eta) * phi_baseline(m, **BASE)[0]), np.log(m)

    d = 1e-3
    (wp, mp), (wm, mm) = log_w(np.exp(d)), log_w(np.exp(-d))
    eps = productivity_elasticity_baseline(m0, **BASE)
    assert (wp - wm) / (2 * d) == pytest.approx(wage_elasticity(eps, eta)[0], rel=1e-4)
    assert (mp - mm) / (2 * d) == pytest.approx(firm_elasticity(eps, eta)[0], rel=1e-4)


def test_unstable_elasticity_raises():
    with pytest.raises(ValueError, match="eps"):
        wage_elasticity(0.9, 0.13)


def test_cp_baseline_limit_and_endpoints():
    np.testing.assert_allclose(cov_term_perfect(M, 0.13, 10.5, 1e9, 1e-9, 0.14, 0.002),
                               cov_term_baseline(M, 0.13, 10.5, 0.14), rtol=1e-6)
    assert cov_term_perfect(0.0, **P)[0] == pytest.approx(0.17425, abs=1e-5)
    assert cov_term_perfect(1e12, **P)[0] == pytest.approx(0.26497, abs=2e-4)
    np.testing.assert_allclose(log_phi_perfect([0.07, 105.8], **P), [0.14755, 0.18046], atol=1e-5)


def test_E17_equals_E16_under_pc_sector_by_sector():
    rng = np.random.default_rng(4)
    for n in (1, 2, 5, 20):
        sh = rng.dirichlet(np.ones(n) * 0.7, size=30)
        C, Vn, Vs = sector_quadratic_terms(sh, 0.13, 2.48, 1.46, 0.14, 0.002, "perfect")
        core = C - 0.5 * ((0.13 + 1 / 2.48) * Vn + (1 / 1.46 - 1 / 2.48) * Vs)
        a, b = 0.13 + 1 / 2.48, 0.13 + 1 / 1.46
        hhi = (sh ** 2).sum(axis=1)
        Cp = 0.002 / b + (b - (1 / 1.46 - 1 / 2.48) * hhi) / (a * b) * 0.14
        np.testing.assert_allclose(C, Cp, rtol=1e-10)
        np.testing.assert_allclose(core, Cp / 2, rtol=1e-10)


def test_prop6_weighted_variance_of_employment():
    rng = np.random.default_rng(5)
    sh = rng.dirichlet(np.ones(6), size=20)
    _, Vn, _ = sector_quadratic_terms(sh, 0.13, 2.48, 1.46, 0.14, 0.002, "perfect")
    a, b, bb = 0.13 + 1 / 2.48, 0.13 + 1 / 1.46, 1 / 1.46 - 1 / 2.48
    hhi = (sh ** 2).sum(axis=1)
    prop6 = 0.002 / b ** 2 + 0.14 / a ** 2 - bb * (2 * 0.13 + 1 / 2.48 + 1 / 1.46) / (a ** 2 * b ** 2) * hhi * 0.14
    np.testing.assert_allclose(Vn, prop6, rtol=1e-10)


def test_cournot_sector_phi_below_pc_sector_by_sector():
    rng = np.random.default_rng(6)
    for n in (2, 3, 10):
        sh = rng.dirichlet(np.ones(n), size=50)
        core = {}
        for c in ("perfect", "cournot"):
            C, Vn, Vs = sector_quadratic_terms(sh, 0.13, 2.48, 1.46, 0.14, 0.002, c)
            core[c] = C - 0.5 * ((0.13 + 1 / 2.48) * Vn + (1 / 1.46 - 1 / 2.48) * Vs)
        assert np.all(core["cournot"] <= core["perfect"] + 1e-14)


def test_phi_cournot_below_perfect_and_psi_nonpositive(table):
    pc = phi_psi(M, **P, conduct="perfect")
    cc = phi_psi(M, **P, conduct="cournot", table=table)
    assert np.all(cc.log_phi <= pc.log_phi + 1e-12)
    assert np.all(cc.psi_over_phi <= 0)
    # markdown vanishes at both ends (monopolists; atomistic firms)
    assert table.markdown[0] == 0.0
    md = -phi_psi(np.array([1e-3, 3.0, 1e5]), **P, conduct="cournot", table=table).psi_over_phi
    assert md[1] > 5 * md[0] and md[1] > 5 * md[2]
    # Prop 4 under Cournot: positive wage subsidy
    tw, _ = optimal_policy_wedges(cc, 0.13)
    assert np.all(tw >= 0) and tw.max() > 0


def test_general_wage_elasticity_reduces_to_prop1(table):
    pc = phi_psi(M, **P, conduct="perfect")
    np.testing.assert_allclose(wage_elasticity_general(pc, 0.13), wage_elasticity(pc.eps_phi, 0.13), rtol=1e-12)


def test_cournot_phi_derivative_consistent(table):
    m = np.array([0.3, 3.0, 30.0]); d = 1e-4
    up = phi_psi(m * (1 + d), **P, conduct="cournot", table=table)
    dn = phi_psi(m * (1 - d), **P, conduct="cournot", table=table)
    mid = phi_psi(m, **P, conduct="cournot", table=table)
    np.testing.assert_allclose(mid.eps_phi, (up.log_phi - dn.log_phi) / (2 * d), rtol=1e-4)
    np.testing.assert_allclose(mid.d_psi_over_phi, (up.psi_over_phi - dn.psi_over_phi) / (2 * d), rtol=1e-4, atol=1e-10)


def test_newton_batch_matches_solve_sector():
    rng = np.random.default_rng(8)
    sh = rng.dirichlet(np.ones(5), size=4)
    a = 0.3 * rng.standard_normal((4, 5))
    for c in ("perfect", "cournot"):
        lh, mu = newton_sector_batch(sh, a, 0.13, 2.48, 1.46, c)
        ref = np.array([solve_sector(sh[i], a[i], 0.13, 2.48, 1.46, c).l_hat for i in range(4)])
        np.testing.assert_allclose(lh, ref, atol=1e-9)


def test_bad_conduct_and_params():
    with pytest.raises(ValueError, match="conduct"):
        phi_psi(M, **P, conduct="bertrand")
    with pytest.raises(ValueError, match="kappa"):
        cov_term_perfect(M, 0.13, 10.5, -1.0, 1.46, 0.14, 0.002)
    with pytest.raises(ValueError, match="sigma2_N"):
        phi_baseline(M, 0.13, 10.5, -0.1, 0.002)
