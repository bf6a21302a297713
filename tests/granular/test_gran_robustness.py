"""Robustness sweep of the granular chapter: HHI quadrature, wage elasticity and the spatial equilibrium in hats (issue 7, item 2, first half).

Admissible parameter draws must be solved (converged, residual below tolerance, checked
independently, finite) or raise the documented error; see tests/robustness_sweep.py for the
counts printed, the hypothesis profiles and the ROBUSTNESS_* knobs.
"""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lib.core.errors import ConvergenceError
from lib.granular import hhi as gran_hhi
from lib.granular import quantitative as gran_q
from lib.granular import spatial as gran_sp

from robustness_sweep import Tally, all_finite, check_starved, sweep_settings


GRAN_ALLOWED = {
    ValueError: r"stable",  # Prop. 1 / App. A stability: eps < 1 - eta (wage_elasticity, conduct_curves)
    ConvergenceError: r"did not converge|non-finite",
}

gran_params = st.fixed_dictionaries(dict(
    eta=st.floats(0.05, 0.5), tail=st.floats(1.05, 3.0), kappa=st.floats(0.5, 6.0), nu=st.floats(0.5, 6.0),
    sigma2_N=st.floats(0.0, 0.5), sigma2_S=st.floats(0.0, 0.05)))


def test_granular_solvers_robust(capsys, record_property):
    tally = Tally("granular")
    m_grid = np.geomspace(1e-3, 1e3, 25)

    @sweep_settings(40)
    @given(d=gran_params, theta=st.floats(1.0, 8.0), n_zones=st.integers(3, 15),
           tau_w=st.floats(-0.1, 0.1), tau_pi=st.floats(-0.1, 0.1), seed=st.integers(0, 2**16))
    def check(d, theta, n_zones, tau_w, tau_pi, seed):
        eta = d["eta"]
        P = dict(eta=eta, lam=d["tail"] / eta, kappa=d["kappa"], nu=d["nu"],
                 sigma2_N=d["sigma2_N"], sigma2_S=d["sigma2_S"])

        def solve():
            # HHI (paper Lemma 4, eq. 11): in (0, 1], decreasing in m, 1 at m = 0
            H = gran_hhi.weighted_hhi(np.r_[0.0, m_grid], d["tail"])
            assert all_finite(H) and abs(H[0] - 1) < 1e-6 and np.all(np.diff(H) <= 1e-12) and np.all(H > 0)
            # wage-size elasticity (Prop. 1) at the productivity elasticity of Sec. 3.2
            eps = gran_q.productivity_elasticity_perfect(m_grid, **P)
            wel = gran_q.wage_elasticity(eps, eta)
            assert all_finite(eps, wel)  # the sign depends on kappa vs nu (Sec. 3.2), so only finiteness
            # spatial equilibrium in hats with random small subsidies
            curves = gran_sp.conduct_curves(**P, n_grid=60)
            zones = gran_sp.synthetic_zones(n_zones=n_zones)
            rng = np.random.default_rng(seed)
            tw = tau_w * rng.uniform(0, 1, n_zones)
            tp = tau_pi * rng.uniform(0, 1, n_zones)
            sol = gran_sp.solve_spatial_hat(curves, zones["population"], zones["m"], theta, tw, tp)
            assert sol.converged and sol.residual <= 1e-12
            assert all_finite(sol.population, sol.m, sol.wage_hat) and np.all(sol.m > 0)
            np.testing.assert_allclose(sol.population.sum(), zones["population"].sum(), rtol=1e-10)
            # independent check of free entry at the solution
            m_check = gran_sp.entry_given_population(curves, zones["m"], sol.population / zones["population"], tp)
            np.testing.assert_allclose(m_check, sol.m, rtol=1e-8)

        tally.outcome(solve, GRAN_ALLOWED, case=dict(theta=theta, n_zones=n_zones, **P))

    check()
    tally.report(capsys, record_property)


GRAN_COURNOT_ALLOWED = {
    **GRAN_ALLOWED,
    RuntimeError: r"newton_sector_batch did not converge: residual .* after \d+ iterations",
}


def test_granular_cournot_spatial_and_optimal_policy_robust(capsys, record_property):
    """Cournot conduct (the reconstructed Sec. 3.3 terms, on a small Monte Carlo table) and Prop. 4's policy."""
    from lib.granular.quantitative import cournot_sector_table

    tally = Tally("granular_cournot")

    @sweep_settings(10)
    @given(eta=st.floats(0.08, 0.3), tail=st.floats(1.1, 2.5), kappa=st.floats(1.0, 5.0),
           nu=st.floats(0.8, 3.0), sigma2_N=st.floats(0.02, 0.3), sigma2_S=st.floats(0.0, 0.01),
           theta=st.floats(1.5, 6.0), seed=st.integers(0, 2**16))
    def check(eta, tail, kappa, nu, sigma2_N, sigma2_S, theta, seed):
        P = dict(eta=eta, lam=tail / eta, kappa=kappa, nu=nu, sigma2_N=sigma2_N, sigma2_S=sigma2_S)

        def solve():
            table = cournot_sector_table(**P, n_max=60, n_sectors=30, n_dense=10, n_sparse=5, seed=seed)
            curves = gran_sp.conduct_curves(**P, conduct="cournot", table=table, n_grid=30)
            assert all_finite(curves.log_phi, curves.log_wage_bill, curves.log_G, curves.eps_G)
            zones = gran_sp.synthetic_zones(n_zones=8)
            pol = gran_sp.optimal_policy(curves, zones["population"], zones["m"], theta)
            sol = pol.solution
            assert pol.outer_residual < 1e-10 and sol.converged and sol.residual <= 1e-12
            assert all_finite(pol.tau_w, pol.tau_pi, sol.population, sol.m, sol.wage_hat)
            np.testing.assert_allclose(sol.population.sum(), zones["population"].sum(), rtol=1e-10)
            m_check = gran_sp.entry_given_population(curves, zones["m"], sol.population / zones["population"],
                                                     pol.tau_pi)
            np.testing.assert_allclose(m_check, sol.m, rtol=1e-8)

        tally.outcome(solve, GRAN_COURNOT_ALLOWED, case=dict(theta=theta, **P))

    check()
    tally.report(capsys, record_property)


# ---------------------------------------------------------------------------------------------
# a starved solver raises with its residual: it never hands back an unconverged answer
# ---------------------------------------------------------------------------------------------
def _starved_granular():
    P = dict(eta=0.13, lam=10.5, kappa=2.48, nu=1.46, sigma2_N=0.14, sigma2_S=0.002)
    curves = gran_sp.conduct_curves(**P, n_grid=60)
    zones = gran_sp.synthetic_zones(n_zones=10)
    return gran_sp.solve_spatial_hat(curves, zones["population"], zones["m"], 3.0,
                                     tau_w=np.linspace(0.0, 0.1, 10), max_iter=2)


@pytest.mark.parametrize("starve, error, pattern", [
    (_starved_granular, ConvergenceError, r"residual .* after 2 iterations"),
], ids=["granular"])
def test_starved_solver_raises_with_residual(starve, error, pattern):
    check_starved(starve, error, pattern)
