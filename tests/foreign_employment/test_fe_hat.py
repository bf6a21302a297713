"""Hat algebra of Doi & Suzuki (2025): exactness against level solves, identities, limits, signs."""
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lib.core.errors import ConvergenceError
from lib.foreign_employment.base_year import toy_fundamentals
from lib.foreign_employment.hat import (apply_solution, base_from_levels, base_residual,
                                        evaluate_hat, solve_hat)
from lib.foreign_employment.levels import solve_levels

PAR = dict(eta=0.644, zeta=2.95, xi=12.3)


@pytest.fixture(scope="module")
def toy():
    f = toy_fundamentals(3, 2, 3, 2, 1, seed=0)
    st0 = solve_levels(f)
    return f, st0, base_from_levels(f, st0)


@pytest.fixture(scope="module")
def toy_omega():
    f = toy_fundamentals(4, 3, 3, 2, 2, seed=3, omega=0.1)
    st0 = solve_levels(f)
    return f, st0, base_from_levels(f, st0)


def test_level_base_is_exact_equilibrium(toy):
    f, st0, base = toy
    assert st0.max_residual < 1e-10
    assert base_residual(base) < 1e-10
    # chi from prices equals chi from wage bills at an equilibrium
    V = base.V
    assert np.allclose(base.chi, V / V.sum(axis=1, keepdims=True), atol=1e-10)


def test_zero_shock_returns_ones(toy):
    f, st0, base = toy
    sol = solve_hat(base, np.ones(3), **PAR)
    assert sol.iterations <= 1
    for arr in (np.exp(sol.x), sol.p_occ_hat, sol.P_hat, sol.w_hat, sol.U_hat, sol.c_hat,
                sol.Y_new / base.Y, sol.pi_new / np.where(base.pi > 0, base.pi, 1)):
        assert np.max(np.abs(arr - 1)) < 1e-10


def _compare(f, st0, base, L_hat):
    st1 = solve_levels(replace(f, L=f.L * L_hat), st0.log_p)
    sol = solve_hat(base, L_hat, eta=f.eta, zeta=f.zeta, xi=f.xi, tol=1e-13)
    errs = [np.max(np.abs(st1.wbar / st0.wbar - sol.w_hat)),
            np.max(np.abs(np.exp(st1.log_P - st0.log_P) - sol.P_hat)),
            np.max(np.abs(st1.Y / st0.Y - sol.Y_new / base.Y)),
            np.max(np.abs(st1.welfare_index / st0.welfare_index - sol.U_hat)),
            np.max(np.abs(st1.L_rgo - sol.L_new)),
            np.max(np.abs(st1.pi - sol.pi_new))]
    return max(errs)


@pytest.mark.parametrize("L_hat", [[1, 1, 0.0], [1, 1, 6.41], [1.3, 0.8, 2.0], [1.0, 1.253, 1.0]])
def test_hat_equals_ratio_of_level_solves(toy, L_hat):
    f, st0, base = toy
    assert _compare(f, st0, base, np.array(L_hat, float)) < 1e-10


@settings(max_examples=10, deadline=None)
@given(st.lists(st.floats(0.2, 5.0), min_size=3, max_size=3))
def test_hat_equals_levels_property(L_hat):
    f = toy_fundamentals(3, 2, 3, 2, 1, seed=1)
    st0 = solve_levels(f)
    base = base_from_levels(f, st0)
    assert _compare(f, st0, base, np.array(L_hat)) < 1e-9


def test_autarky_with_omega_matches_levels(toy_omega):
    f, st0, base = toy_omega
    assert _compare(f, st0, base, np.array([1.0, 1.0, 0.0, 0.0])) < 1e-10


def test_adding_up_and_trade_balance(toy_omega):
    f, st0, base = toy_omega
    L_hat = np.array([1.1, 0.9, 0.0, 3.0])
    sol = solve_hat(base, L_hat, **PAR, tol=1e-13)
    assert np.allclose(sol.psi_new.sum(axis=0), 1, atol=1e-12)
    assert np.allclose(sol.phi_new.sum(axis=2), 1, atol=1e-12)
    assert np.allclose(sol.pi_new.sum(axis=1), 1, atol=1e-12)
    assert np.allclose(sol.L_new.sum(axis=(0, 2)), base.L_g * L_hat, rtol=1e-12)
    # world goods markets: sum_r Y = sum_r X sector by sector
    assert np.allclose(sol.Y_new.sum(axis=0), sol.X_new.sum(axis=0), rtol=1e-10)
    # regional net imports = omega * VA' (trade deficit financed by the transfer)
    net_imports = sol.X_new[1:].sum(axis=1) - sol.Y_new[1:].sum(axis=1)
    assert np.allclose(net_imports, base.omega * sol.VA_new, rtol=1e-9, atol=1e-12)
    # labour income = value added of sectors; RoW factor market clears by Walras' law
    assert np.allclose(sol.VA_new, (base.beta_l[1:] * sol.Y_new[1:]).sum(axis=1), rtol=1e-10)
    assert np.isclose((base.beta_l[0] * sol.Y_new[0]).sum(), base.VA0, rtol=1e-10)
    assert np.allclose(sol.demand_new, sol.V_new, rtol=1e-11, atol=1e-14)


def test_frechet_and_acr_identities(toy):
    f, st0, base = toy
    sol = solve_hat(base, np.array([1.2, 0.7, 4.0]), **PAR, tol=1e-13)
    psi_hat = sol.psi_new / base.psi
    U_r = sol.real_wage_hat * psi_hat ** (-1 / PAR["eta"])
    assert np.allclose(U_r, sol.U_hat[None, :], rtol=1e-10)
    phi_hat = sol.phi_new / base.phi
    p_g = np.exp(sol.x[:, base.group_k, :])
    assert np.allclose(p_g * phi_hat ** (-1 / PAR["zeta"]), sol.w_hat[:, :, None], rtol=1e-10)
    idx = np.arange(base.dims[0] + 1)
    own_hat = sol.pi_new[:, idx, idx] / base.pi[:, idx, idx]  # (J, N)
    acr = sol.c_hat.T * own_hat ** (1 / base.theta[:, None])
    assert np.allclose(acr, sol.P_sector_hat.T, rtol=1e-10)


def test_homogeneity(toy):
    f, st0, base = toy
    lam = 1.7
    sol = solve_hat(replace(base, VA0=base.VA0 * lam), np.full(3, lam), **PAR, tol=1e-13)
    assert np.allclose(np.exp(sol.x), 1, atol=1e-10)
    assert np.allclose(sol.P_hat, 1, atol=1e-10)
    assert np.allclose(sol.Y_new / base.Y, lam, rtol=1e-10)
    # domestic-only scaling worsens the terms of trade: everybody loses per head
    sol2 = solve_hat(base, np.full(3, lam), **PAR, tol=1e-12)
    assert np.all(sol2.U_hat < 1)


def test_more_foreign_labour_lowers_foreign_prices(toy):
    f, st0, base = toy
    sol = solve_hat(base, np.array([1.0, 1.0, 3.0]), **PAR)
    assert np.all(sol.x[:, 1, :] < 0)


def test_xi_limit_equalises_native_and_foreign_price_changes(toy):
    f, st0, base = toy
    gaps = []
    for xi in (12.3, 200.0, 2000.0):
        sol = solve_hat(base, np.array([1.0, 1.0, 3.0]), eta=0.644, zeta=2.95, xi=xi, tol=1e-13)
        gaps.append(np.max(np.abs(sol.x[:, 0] - sol.x[:, 1])))
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[2] < 1e-2 * gaps[0]


def test_eta_limit_immobile_workers(toy):
    f, st0, base = toy
    sol = solve_hat(base, np.array([1.0, 1.0, 0.0]), eta=1e-6, zeta=2.95, xi=12.3)
    assert np.max(np.abs(sol.psi_new[:, :2] / base.psi[:, :2] - 1)) < 1e-6


def test_apply_solution_gives_equilibrium(toy):
    f, st0, base = toy
    sol = solve_hat(base, np.array([1.0, 1.5, 2.0]), **PAR, tol=1e-13)
    new = apply_solution(base, sol, PAR["xi"])
    assert base_residual(new) < 1e-10
    back = solve_hat(new, np.array([1.0, 1 / 1.5, 0.5]), **PAR, tol=1e-13)
    assert np.allclose(back.w_hat * sol.w_hat, 1, atol=1e-10)


@pytest.mark.parametrize("kw,name", [(dict(eta=0.0), "eta"), (dict(zeta=1.0), "zeta"),
                                     (dict(xi=0.5), "xi"), (dict(xi=-1.0), "xi")])
def test_bad_parameters_raise(toy, kw, name):
    f, st0, base = toy
    par = dict(PAR, **kw)
    with pytest.raises(ValueError, match=name):
        solve_hat(base, np.ones(3), **par)


def test_bad_shocks_raise(toy):
    f, st0, base = toy
    with pytest.raises(ValueError, match="L_hat"):
        solve_hat(base, np.array([1.0, -1.0, 1.0]), **PAR)
    with pytest.raises(ValueError, match="L_hat"):
        solve_hat(base, np.ones(4), **PAR)
    with pytest.raises(ValueError, match="native"):
        solve_hat(base, np.array([0.0, 0.0, 1.0]), **PAR)


def test_nonconvergence_raises_with_residual(toy):
    f, st0, base = toy
    with pytest.raises(ConvergenceError) as err:
        solve_hat(base, np.array([1.0, 1.0, 5.0]), **PAR, max_iter=2)
    assert err.value.iterations >= 1 and err.value.residual > 0


@pytest.mark.parametrize("field,name", [("pi", "pi"), ("chi", "chi"), ("alpha", "alpha"), ("gamma", "gamma")])
def test_shares_off_simplex_raise(toy, field, name):
    f, st0, base = toy
    bad = replace(base, **{field: getattr(base, field) * 1.2})
    with pytest.raises(ValueError, match=name):
        solve_hat(bad, np.ones(3), **PAR)
