"""Tests for lib.granular.estimation (Kikuchi & O'Connor 2025, Sec. 4) on synthetic panels."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from lib.granular.estimation import (
    czone_hhi, estimate_alpha, estimate_all, estimate_eta, estimate_kappa, estimate_nu,
    estimate_shock_variances, make_hhi_simulator, market_aggregates, sector_shock_moments,
    table3_regression)
from lib.granular.panel import PanelConfig, czone_firm_masses, sector_response, simulate_panel
from lib.granular.hhi import weighted_hhi

ETA, KAPPA, NU = 0.13, 2.48, 1.46
SMALL = dict(n_cz=30, n_sectors=30, n_years=6)


@pytest.fixture(scope="module")
def panel():
    return simulate_panel(PanelConfig(**SMALL, seed=7))


def _market(n, seed, scale=1.0):
    rng = np.random.default_rng(seed)
    x = rng.pareto(1.365, size=n) + 1
    sh = x / x.sum()
    return sh, scale * rng.normal(size=n), scale * 0.3 * rng.normal(size=n)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 12), st.integers(0, 10_000))
def test_exact_response_satisfies_supply_eq14(n, seed):
    sh, a, e = _market(n, seed)
    ell, logw, X = sector_response(a, e, sh, np.zeros(n, int), ETA, KAPPA, NU)
    log_ws = np.log(np.sum(sh * np.exp((1 + KAPPA) * logw))) / (1 + KAPPA)
    # paper eq. (14) with log W_i = 0 and error e_n, exactly
    np.testing.assert_allclose(ell, KAPPA * logw - (KAPPA - NU) * log_ws + e, atol=1e-10)
    # labor demand under perfect competition
    np.testing.assert_allclose(logw, a - ETA * ell, atol=1e-12)
    # sector wage index equals X / nu
    assert abs(log_ws - X[0] / NU) < 1e-10


def test_zero_shocks_give_zero_response():
    sh, _, _ = _market(5, 1)
    ell, logw, X = sector_response(np.zeros(5), np.zeros(5), sh, np.zeros(5, int), ETA, KAPPA, NU)
    assert np.allclose(ell, 0) and np.allclose(logw, 0) and np.allclose(X, 0)


def test_first_order_is_paper_eq22():
    sh, a, _ = _market(6, 3)
    c = (1 / NU - 1 / KAPPA) / (ETA + 1 / NU)
    gaps = []
    for h in (1e-2, 5e-3):
        ell, _, _ = sector_response(h * a, np.zeros(6), sh, np.zeros(6, int), ETA, KAPPA, NU)
        lin = (h * a - c * np.sum(sh * h * a)) / (ETA + 1 / KAPPA)
        gaps.append(np.max(np.abs(ell - lin)))
    assert gaps[0] < 1e-3
    assert gaps[0] / gaps[1] == pytest.approx(4.0, rel=0.05)   # second-order remainder


def test_single_firm_market_moves_along_market_supply():
    ell, logw, _ = sector_response(np.array([0.3]), np.array([0.0]), np.array([1.0]),
                                   np.array([0]), ETA, KAPPA, NU)
    assert ell[0] == pytest.approx(NU * logw[0])               # eq. (17) with one firm
    assert ell[0] == pytest.approx(0.3 / (ETA + 1 / NU))


def test_panel_structure(panel):
    f = panel.firms
    T = panel.config.n_years
    assert len(f) == f["firm"].nunique() * T
    shares = f.groupby(["market", "year"])["sh"].sum()
    np.testing.assert_allclose(shares, 1.0, atol=1e-12)
    ps = f.dropna(subset=["lag_payroll_share"]).groupby(["market", "year"])["lag_payroll_share"].sum()
    np.testing.assert_allclose(ps, 1.0, atol=1e-12)
    assert (f.groupby("market")["N"].nunique() == 1).all()


def test_panel_is_reproducible():
    a = simulate_panel(PanelConfig(n_cz=5, n_sectors=5, n_years=3, seed=11)).firms
    b = simulate_panel(PanelConfig(n_cz=5, n_sectors=5, n_years=3, seed=11)).firms
    pd.testing.assert_frame_equal(a, b)


def test_czone_masses_span_paper_range():
    m = czone_firm_masses(225)
    assert m[0] == pytest.approx(0.07) and m[-1] == pytest.approx(105.8)
    assert np.all(np.diff(m) > 0)


def test_eta_recovered_exactly(panel):
    assert estimate_eta(panel.firms) == pytest.approx(ETA, abs=1e-12)


def test_kappa_recovered_and_ols_biased(panel):
    k = estimate_kappa(panel.firms, weighted=True)
    assert abs(k.estimate - KAPPA) < 0.1
    assert k.ols < k.estimate                                  # taste shocks bias OLS down
    assert k.first_stage_F > 100


def test_nu_recovered(panel):
    mk = market_aggregates(panel.firms, KAPPA)
    n = estimate_nu(mk, weighted=False)
    assert abs(n.estimate - NU) < 0.3


def test_gmm_exact_on_noiseless_moments():
    N = np.arange(1, 60)
    mom = pd.DataFrame({"N": N, "sigma2": 0.003 + 0.2 / N, "cells": np.full(N.size, 10)})
    est = estimate_shock_variances(mom)
    assert est.sigma2_S == pytest.approx(0.003, abs=1e-12)
    assert est.sigma2_N == pytest.approx(0.2, abs=1e-12)


def test_shock_variances_recovered(panel):
    sv = estimate_shock_variances(sector_shock_moments(panel.firms, ETA))
    assert abs(sv.sigma2_N - 0.14) < 0.015
    assert abs(sv.sigma2_S - 0.002) < 0.003


def test_alpha_quadrature_exact_on_expected_moments():
    m = czone_firm_masses(40)
    hhi = pd.DataFrame({"m_hat": m, "hhi": weighted_hhi(m, 1.5, n_nodes=800)})
    assert estimate_alpha(hhi, 0.13, method="quadrature").alpha == pytest.approx(1.5, abs=1e-3)


def test_simulated_moment_approaches_quadrature_with_many_sectors():
    # the finite-sector ratio is biased below H(m) and converges slowly (infinite variance)
    m = np.array([0.5, 3.0, 20.0])
    q = weighted_hhi(m, 1.365)
    few = make_hhi_simulator(m, n_sectors=20, n_sim=100, seed=1)(1.365) - q
    many = make_hhi_simulator(m, n_sectors=4000, n_sim=5, seed=1)(1.365) - q
    assert np.all(few < 0)
    assert np.mean(np.abs(many)) < 0.75 * np.mean(np.abs(few))


def test_smm_recovers_lambda(panel):
    hhi = czone_hhi(panel.firms, panel.config.n_sectors)
    est = estimate_alpha(hhi, ETA, method="smm", n_sectors=panel.config.n_sectors, n_sim=20, seed=2)
    assert abs(est.lam - 10.5) < 1.5


def test_table3_ratio_matches_theory_for_small_shocks():
    p = simulate_panel(PanelConfig(**SMALL, sigma2_N=0.01, demand_share=0.5, sigma_taste=0.02,
                                   sigma_taste_market=0.01, seed=3))
    r = table3_regression(p.firms, share="sh")
    theory = p.truth["ratio_beta3_beta1"]
    assert abs(r.ratio - theory) < 0.05
    assert r.ci_low < r.ratio < r.ci_high
    assert r.beta1 == pytest.approx(1 / (ETA + 1 / KAPPA), rel=0.05)


def test_estimate_all_keys(panel):
    out = estimate_all(panel, n_sim=5)
    for k in ("eta", "kappa", "nu", "sigma2_S", "sigma2_N", "alpha", "lam", "lam_quadrature"):
        assert np.isfinite(out[k])


@pytest.mark.parametrize("field,value,name", [
    ("eta", 1.5, "eta"), ("lam", 20.0, "lam"), ("kappa", -1.0, "kappa"), ("nu", 0.0, "nu"),
    ("sigma2_N", -0.1, "sigma2_N"), ("sigma2_S", -0.1, "sigma2_S"), ("n_years", 2, "n_years"),
    ("demand_share", 1.5, "demand_share"), ("m_max", 0.01, "m_max")])
def test_bad_config_raises(field, value, name):
    with pytest.raises(ValueError, match=name):
        simulate_panel(PanelConfig(**{field: value}))


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="share"):
        table3_regression(pd.DataFrame(), share="payroll")
    with pytest.raises(ValueError, match="method"):
        estimate_alpha(pd.DataFrame({"m_hat": [1.0], "hhi": [0.5]}), 0.13, method="gmm")
    with pytest.raises(ValueError, match="kappa_hat"):
        market_aggregates(pd.DataFrame(), -1.0)
