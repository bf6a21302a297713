"""Tests of lib.foreign_employment.estimation: the estimators recover known parameters on synthetic panels."""
import numpy as np
import pandas as pd
import pytest
from statsmodels.sandbox.regression.gmm import IV2SLS

from lib.foreign_employment import estimation as est
from lib.foreign_employment import roy

FE = "C(type_region) + C(type_wave)"
FE_COLS = ["type_region", "type_wave"]


@pytest.fixture(scope="module")
def loc_panel():
    return est.simulate_location_panel(0.644, seed=3)


def test_location_panel_shape_and_shares(loc_panel):
    assert len(loc_panel) == 47 * 8 * 4
    assert loc_panel.attrs["synthetic"] is True
    sums = np.exp(loc_panel["log_share"]).groupby([loc_panel["type"], loc_panel["wave"]]).sum()
    np.testing.assert_allclose(sums, 1.0, atol=1e-12)    # eq. (9) shares add up over regions


def test_iv_numpy_and_statsmodels_routes_agree(loc_panel):
    a = est.iv2sls_fe(loc_panel, "log_share", "log_real_wage", "log_bartik", FE, cluster="region")
    b = est.iv2sls_fe(loc_panel, "log_share", "log_real_wage", "log_bartik", FE_COLS, cluster="region")
    for f in ("coef", "se", "first_stage_coef", "first_stage_se"):
        assert getattr(a, f) == pytest.approx(getattr(b, f), rel=1e-9)
    assert a.dof_absorbed == b.dof_absorbed


def test_ols_as_iv_with_own_instrument_matches_statsmodels(loc_panel):
    ols = est.ols_fe(loc_panel, f"log_share ~ log_real_wage + {FE}", cluster="region")
    iv = est.iv2sls_fe(loc_panel, "log_share", "log_real_wage", "log_real_wage", FE_COLS, cluster="region")
    assert iv.coef == pytest.approx(ols.params["log_real_wage"], rel=1e-9)
    assert iv.se == pytest.approx(ols.bse["log_real_wage"], rel=1e-9)


def test_iv_matches_statsmodels_iv2sls_point_and_homoskedastic_se(loc_panel):
    df = loc_panel
    D = est._dummy_matrix(df, FE_COLS)
    exog = np.column_stack([df["log_real_wage"], D])
    instr = np.column_stack([df["log_bartik"], D])
    ref = IV2SLS(df["log_share"].to_numpy(), exog, instr).fit()
    ours = est.iv2sls_fe(df, "log_share", "log_real_wage", "log_bartik", FE_COLS, cluster=None)
    assert ours.coef == pytest.approx(ref.params[0], rel=1e-8)
    # IV2SLS uses pinv on a rank-deficient design only through the dummies: compare with the residual dof
    assert ours.se == pytest.approx(ref.bse[0], rel=1e-6)


def test_iv_recovers_eta_and_ols_is_biased_down():
    ivs, ols = [], []
    for s in range(8):
        d = est.simulate_location_panel(0.644, seed=100 + s)
        ivs.append(est.iv2sls_fe(d, "log_share", "log_real_wage", "log_bartik", FE_COLS, cluster="region").coef)
        ols.append(est.iv2sls_fe(d, "log_share", "log_real_wage", "log_real_wage", FE_COLS, cluster="region").coef)
    assert np.mean(ivs) == pytest.approx(0.644, abs=0.04)
    assert np.mean(ols) < 0.644 - 0.1


def test_iv_without_endogeneity_matches_ols_closely():
    d = est.simulate_location_panel(1.5, seed=11, wage_feedback=0.0)
    iv = est.iv2sls_fe(d, "log_share", "log_real_wage", "log_bartik", FE_COLS, cluster="region")
    ols = est.iv2sls_fe(d, "log_share", "log_real_wage", "log_real_wage", FE_COLS, cluster="region")
    assert ols.coef == pytest.approx(1.5, abs=0.05)
    assert iv.coef == pytest.approx(1.5, abs=4 * iv.se)


def test_demean_equals_cell_fixed_effects():
    d = est.simulate_roy_wages(3.0, n_workers=5_000, seed=2)
    np.testing.assert_allclose(est.residualise_log_wages(d, "C(cell)"),
                               est.demean_by_group(d["log_wage"].to_numpy(), d["cell"].to_numpy()), atol=1e-10)


@pytest.mark.parametrize("zeta", [2.95, 4.5])
def test_zeta_moments_recover_truth(zeta):
    d = est.simulate_roy_wages(zeta, n_workers=200_000, seed=5)
    m = est.zeta_moments(est.demean_by_group(d["log_wage"].to_numpy(), d["cell"].to_numpy()))
    assert m["zeta_log"] == pytest.approx(zeta, rel=0.01)
    assert m["zeta_cv2"] == pytest.approx(zeta, rel=0.06)
    assert m["cv2"] == pytest.approx(roy.wage_cv2(m["zeta_cv2"]), rel=1e-8)


def test_additive_fe_leave_dispersion_and_lower_zeta():
    d = est.simulate_roy_wages(2.95, n_workers=100_000, sd_log_price=0.6, seed=8)
    cell = est.zeta_moments(est.residualise_log_wages(d, "C(cell)"))
    add = est.zeta_moments(est.residualise_log_wages(d, "C(region) + C(type)"))
    assert add["var_log"] > cell["var_log"]
    assert add["zeta_log"] < cell["zeta_log"]


def test_xi_recovered_and_endogeneity_biases_up():
    base = est.estimate_xi(est.simulate_relative_wage_panel(12.3, seed=4))
    assert base["xi_ci_low"] < 12.3 * 1.05 and base["xi_ci_high"] > 12.3 * 0.95
    assert base["slope"] == pytest.approx(-1 / 12.3, abs=4 * base["slope_se"])
    assert base["xi_se"] == pytest.approx(base["slope_se"] / base["slope"] ** 2)
    biased = est.estimate_xi(est.simulate_relative_wage_panel(12.3, supply_response=3.0, seed=4))
    assert biased["xi"] > base["xi"] + 3 * base["xi_se"]


def test_xi_fast_route_equals_statsmodels():
    d = est.simulate_relative_wage_panel(12.3, presence=0.2, seed=9)
    a, b = est.estimate_xi(d), est.estimate_xi(d, fast=True)
    for k in ("slope", "slope_se", "xi", "xi_ci_low"):
        assert a[k] == pytest.approx(b[k], rel=1e-9)
    assert a["nobs"] == b["nobs"]


def test_xi_noise_free_is_exact():
    d = est.simulate_relative_wage_panel(5.0, sd_wage_noise=0.0, seed=1)
    assert est.estimate_xi(d, cluster=None)["xi"] == pytest.approx(5.0, rel=1e-8)


@pytest.mark.parametrize("call, name", [
    (lambda: est.simulate_location_panel(-1.0), "eta"),
    (lambda: est.simulate_location_panel(0.6, n_regions=2), "n_regions"),
    (lambda: est.simulate_location_panel(0.6, sd_amenity_shock=-0.1), "sd_amenity_shock"),
    (lambda: est.simulate_roy_wages(0.8), "zeta"),
    (lambda: est.simulate_roy_wages(3.0, n_workers=5), "n_workers"),
    (lambda: est.simulate_relative_wage_panel(0.0), "xi"),
    (lambda: est.simulate_relative_wage_panel(12.3, presence=1.5), "presence"),
    (lambda: est.zeta_moments([0.1]), "log_resid"),
    (lambda: est.iv2sls_fe(pd.DataFrame({"y": [1.0, 2.0]}), "y", "x", "z", ["g"]), "'x'"),
])
def test_bad_inputs_raise_naming_parameter(call, name):
    with pytest.raises(ValueError, match=name):
        call()
