"""Spatial equilibrium by exact hat algebra (lib.granular.spatial)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib.granular.quantitative import cournot_sector_table
from lib.granular.spatial import (conduct_curves, entry_given_population, local_wage_elasticity, optimal_policy,
                                  solve_spatial_hat, synthetic_zones)
from lib.core.data import data_path

P = dict(eta=0.13, lam=10.5, kappa=2.48, nu=1.46, sigma2_N=0.14, sigma2_S=0.002)


@pytest.fixture(scope="module")
def curves():
    table = cournot_sector_table(**P, n_max=400, n_sectors=150, n_sparse=12)
    return {c: conduct_curves(**P, conduct=c, table=table) for c in ("perfect", "cournot")}


@pytest.fixture(scope="module")
def zones():
    return synthetic_zones(n_zones=40)


def test_synthetic_zones_endpoints_and_csv():
    z = synthetic_zones()
    assert z["m"][0] == pytest.approx(105.8) and z["m"][-1] == pytest.approx(0.07)
    assert len(z["m"]) == 225 and np.all(np.diff(z["m"]) < 0)
    df = pd.read_csv(data_path("granular", "synthetic_zones.csv"), comment="#")
    np.testing.assert_allclose(df["m"], z["m"], rtol=1e-9)
    np.testing.assert_allclose(df["population"], z["population"], rtol=1e-9)
    assert df["source"].str.contains("synthetic").all()


@pytest.mark.parametrize("conduct", ["perfect", "cournot"])
def test_zero_policy_reproduces_data(curves, zones, conduct):
    sol = solve_spatial_hat(curves[conduct], zones["population"], zones["m"], 3.0)
    np.testing.assert_allclose(sol.population, zones["population"], rtol=1e-11)
    np.testing.assert_allclose(sol.m, zones["m"], rtol=1e-11)
    np.testing.assert_allclose(sol.wage_hat, 1.0, rtol=1e-11)


def test_entry_scales_with_population_prop1(curves):
    # d log m / d log l = (1-eta)/(1-eta-eps_G) locally (Prop. 1 under PC)
    cv = curves["perfect"]
    m0 = np.array([0.5, 5.0, 50.0]); d = 1e-4
    up = entry_given_population(cv, m0, np.exp(d)); dn = entry_given_population(cv, m0, np.exp(-d))
    fd = (np.log(up) - np.log(dn)) / (2 * d)
    from lib.granular.quantitative import firm_elasticity
    eps = np.interp(np.log(m0), cv.log_m, cv.pp.eps_phi)
    np.testing.assert_allclose(fd, firm_elasticity(eps, 0.13), rtol=1e-3)


def test_policy_conserves_population_and_uniform_subsidy_cancels(curves, zones):
    cv = curves["perfect"]
    rng = np.random.default_rng(0)
    tw = rng.uniform(0, 0.05, zones["m"].size); tp = rng.uniform(-0.05, 0.05, zones["m"].size)
    a = solve_spatial_hat(cv, zones["population"], zones["m"], 3.0, tw, tp)
    b = solve_spatial_hat(cv, zones["population"], zones["m"], 3.0, 1.2 * (1 + tw) - 1, tp)
    assert a.population.sum() == pytest.approx(zones["population"].sum(), rel=1e-12)
    np.testing.assert_allclose(a.population, b.population, rtol=1e-10)


def test_entry_subsidy_raises_firms(curves, zones):
    cv = curves["perfect"]
    sol = solve_spatial_hat(cv, zones["population"], zones["m"], 3.0, 0.0, 0.1)
    # a uniform entry subsidy leaves population nearly unchanged and raises m by about 1.1^(1/(1-eta))
    assert np.all(sol.m > zones["m"])
    np.testing.assert_allclose(sol.m / zones["m"], 1.1 ** (1 / 0.87), rtol=0.02)


def test_optimal_policy_perfect_has_no_wage_subsidy(curves, zones):
    op = optimal_policy(curves["perfect"], zones["population"], zones["m"], 3.0)
    np.testing.assert_allclose(op.tau_w, 0.0)
    assert np.all(op.tau_pi > 0)
    opc = optimal_policy(curves["cournot"], zones["population"], zones["m"], 3.0)
    assert np.all(opc.tau_w >= 0)


def test_local_elasticities_positive(curves, zones):
    for cv in curves.values():
        el = local_wage_elasticity(cv, zones["m"])
        assert np.all(el > 0) and np.all(el < 0.02)


def test_bad_inputs(curves, zones):
    with pytest.raises(ValueError, match="theta"):
        solve_spatial_hat(curves["perfect"], zones["population"], zones["m"], -1.0)
    with pytest.raises(ValueError, match="population"):
        solve_spatial_hat(curves["perfect"], -zones["population"], zones["m"], 3.0)
    with pytest.raises(ValueError, match="n_zones"):
        synthetic_zones(n_zones=1)
