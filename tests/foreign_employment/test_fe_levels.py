"""The level model (paper Definition 1): validation, equilibrium properties, and the B/S shocks used in calibration."""
from dataclasses import replace

import numpy as np
import pytest

from lib.core.errors import ConvergenceError
from lib.foreign_employment.base_year import toy_fundamentals
from lib.foreign_employment.hat import base_from_levels, solve_hat
from lib.foreign_employment.levels import evaluate_levels, solve_levels


@pytest.fixture(scope="module")
def eq():
    f = toy_fundamentals(3, 2, 3, 2, 1, seed=5)
    return f, solve_levels(f)


def test_level_equilibrium_accounts(eq):
    f, st = eq
    assert st.max_residual < 1e-11
    # wage bill equals production-side value added; RoW factor market clears (Walras)
    assert np.allclose(st.VA, (f.beta_l[1:] * st.Y[1:]).sum(axis=1), rtol=1e-10)
    assert np.isclose((f.beta_l[0] * st.Y[0]).sum(), f.VA0, rtol=1e-10)
    # mean wage is the same in every occupation (Frechet): bill / workers per (r, g, o) equals wbar
    lw = np.log(f.S)[None] + st.log_p[:, f.group_k, :]
    assert np.allclose(st.phi, np.exp(f.zeta * lw) / np.exp(f.zeta * lw).sum(-1, keepdims=True))


def test_numeraire_matters_only_through_row(eq):
    """Scaling RoW value added and all Japanese prices together is not an equilibrium unless VA0 scales."""
    f, st = eq
    st2 = evaluate_levels(replace(f, VA0=2 * f.VA0), st.log_p)
    assert st2.max_residual > 1e-3


def test_productivity_and_amenity_shocks_match_levels(eq):
    f, st = eq
    rng = np.random.default_rng(0)
    S_hat = np.exp(rng.normal(0, 0.1, f.S.shape))
    B_hat = np.exp(rng.normal(0, 0.1, f.B.shape))
    st1 = solve_levels(replace(f, S=f.S * S_hat, B=f.B * B_hat), st.log_p)
    sol = solve_hat(base_from_levels(f, st), np.ones(f.dims[3]), eta=f.eta, zeta=f.zeta, xi=f.xi,
                    S_hat=S_hat, B_hat=B_hat, tol=1e-13)
    assert np.allclose(st1.wbar / st.wbar, sol.w_hat, atol=1e-10)
    assert np.allclose(st1.L_rgo, sol.L_new, atol=1e-10)
    assert np.allclose(st1.welfare_index / st.welfare_index, sol.U_hat, atol=1e-10)


@pytest.mark.parametrize("field,value,name", [
    ("tau", 0.5, "tau"), ("theta", -1.0, "theta"), ("S", 0.0, "S"), ("B", -1.0, "B"),
    ("eta", 0.0, "eta"), ("zeta", 0.5, "zeta"), ("xi", 1.0, "xi"), ("omega", -2.0, "omega"),
])
def test_bad_fundamentals_raise(eq, field, value, name):
    f, _ = eq
    old = getattr(f, field)
    new = np.full_like(np.asarray(old, float), value) if np.ndim(old) else value
    with pytest.raises(ValueError, match=name):
        replace(f, **{field: new})


def test_bad_shares_raise(eq):
    f, _ = eq
    with pytest.raises(ValueError, match="alpha"):
        replace(f, alpha=f.alpha * 1.1)
    with pytest.raises(ValueError, match="beta"):
        replace(f, beta_l=f.beta_l * 0.5)


def test_solve_levels_failure_raises(eq):
    f, _ = eq
    with pytest.raises(ConvergenceError):
        solve_levels(f, max_iter=1, tol=1e-30)
