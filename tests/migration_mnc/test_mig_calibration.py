"""Calibration (Section 5.1.1) and policy-path tests for Wang (2014)."""
import numpy as np
import pytest

from lib.migration_mnc import calibration as cal
from lib.migration_mnc import model as m
from lib.migration_mnc import policy as pol
from lib.migration_mnc import solver as sv

PAR = m.table3_parameters()


def test_interpolated_wage_share():
    assert np.isclose(cal.interpolated_wage_share(0.5824, 0.6836, 0.358), 0.641096)
    with pytest.raises(ValueError, match="college_share"):
        cal.interpolated_wage_share(0.5824, 0.6836, 0.5)


def test_kappa_and_entry_cost_reproduce_table3():
    assert abs(cal.kappa_from_luttmer(2.7) - 1.8) < 0.003
    assert abs(cal.entry_cost_from_survival(1 - 0.239, 0.01, PAR) - 325.27) < 0.01
    with pytest.raises(ValueError, match="survival"):
        cal.entry_cost_from_survival(1.5, 0.01, PAR)


def test_bi_implied_target():
    rate = cal.bi_implied_emigration_rate(0.38, 0.0414, 0.6743, 6.42)
    assert 0.00095 < rate < 0.00105
    stocks = rate * 6.42, 0.0414 * 0.6743
    assert np.isclose(m.bilaterality_index(*stocks), 0.38)


@pytest.fixture(scope="module")
def calibrated():
    targets = dict(hs_share_US=0.641096, mnc_share_US=0.01, survival_US=0.761, emig_H_US_to_CA=0.0024,
                   emig_H_CA_to_US=0.0555, emig_L_US_to_CA=0.0010, emig_L_CA_to_US=0.0414)
    return cal.calibrate_joint(PAR, targets)


def test_joint_calibration_hits_targets_and_is_close_to_table3(calibrated):
    for k, v in calibrated.targets.items():
        assert np.isclose(calibrated.moments[k], v, rtol=1e-8), k
    v = calibrated.values
    assert abs(v["alpha"] - 0.7) < 1e-3
    assert abs(v["tau_12"] - 1.1896) < 1e-3 and abs(v["tau_21"] - 1.0984) < 2e-3
    assert abs(v["t_12"] - 1.5585) < 2e-3 and abs(v["t_21"] - 1.5835) < 2e-3
    assert abs(v["fI"] - 76) < 1.5 and abs(v["fE"] - 325.27) < 3


def test_table3_moments():
    res = sv.solve_equilibrium(PAR, m.REGIMES["migration_and_mnc"])
    mom = dict(zip(cal.MOMENT_NAMES, cal.model_moments(res)))
    assert abs(mom["hs_share_US"] - 0.6411) < 1e-4
    assert abs(mom["mnc_share_US"] - 0.0101) < 1e-4
    assert abs(mom["emig_H_CA_to_US"] - 0.0555) < 1e-4


def test_scale_moving_costs():
    p = pol.scale_moving_costs(PAR, 0.5, "H")
    assert np.isclose(p.tau[0, 1], 1 + 0.5 * 0.1896) and p.t[0, 1] == PAR.t[0, 1]
    assert np.allclose(pol.scale_moving_costs(PAR, 1.0).tau, PAR.tau)
    with pytest.raises(ValueError, match="which"):
        pol.scale_moving_costs(PAR, 0.5, "X")
    with pytest.raises(ValueError, match="c "):
        pol.scale_moving_costs(PAR, -0.5)


def test_moving_cost_path_baseline_and_branch_end():
    grid = np.array([0.3, 0.34, 0.36, 0.5, 1.0, 1.2])
    df = pol.moving_cost_path(PAR, grid, "all")
    base = df.loc[df.value == 1.0].iloc[0]
    assert abs(base.rw_L_US - 1.3760) < 1e-4
    assert bool(df.loc[df.value == 0.36, "converged"].iloc[0])
    assert not bool(df.loc[df.value == 0.34, "converged"].iloc[0])
    assert not bool(df.loc[df.value == 0.3, "converged"].iloc[0])
    # lower moving costs raise US real wages and both GDPs (paper Figs. 8-9)
    ok = df[df.converged].sort_values("value")
    assert np.all(np.diff(ok.rw_H_US) < 0) and np.all(np.diff(ok.gdp_US) < 0)


def test_quota_path_signs():
    df = pol.quota_path(PAR, np.array([0.5, 1.0]), "all")
    lo, hi = df.iloc[0], df.iloc[1]
    for k in ("rw_L_US", "rw_L_CA", "rw_H_US", "rw_H_CA", "gdp_US", "gdp_CA"):
        assert lo[k] < hi[k], k
    assert lo.rwm_H_CA_in_US > lo.rw_H_CA


def test_sensitivity_path_unknown_name():
    with pytest.raises(ValueError, match="name"):
        pol.sensitivity_path(PAR, "beta", [1.0])
