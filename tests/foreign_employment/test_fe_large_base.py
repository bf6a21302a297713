"""The synthetic base year beyond 47 regions (issue #16): fast RoW calibration and joint S/B calibration.

Beyond Japan's 47 prefectures :func:`make_synthetic_base` solves the calibration and the equilibrium as
one fixed point (:func:`lib.foreign_employment.calibration.joint_calibration`) and calibrates RoW with a
Newton-preconditioned, Anderson-accelerated update. The result must still be an exact equilibrium of the
level model that meets every calibration target, with RoW's import shares on target.
"""
import numpy as np
import pytest

from lib.core.errors import ConvergenceError
from lib.foreign_employment import calibration as cal
from lib.foreign_employment import counterfactuals as cf
from lib.foreign_employment.base_year import (GROUPS, OCCUPATIONS, _TARGET_GROUP, DEFAULT_SEED, ETA, MANUFACTURING,
                                              XI, ZETA, calibration_report, fitted_knobs, make_synthetic_base,
                                              synthetic_fundamentals, table1, text_targets, trade_report)
from lib.foreign_employment.hat import base_residual, solve_hat
from lib.foreign_employment.levels import evaluate_levels

R = 60


@pytest.fixture(scope="module")
def large():
    return make_synthetic_base(DEFAULT_SEED, R)


def test_joint_path_is_used_and_exact(large):
    assert large.base.dims == (R, 25, 24, 16)
    assert large.calibration["method"] == "joint"
    assert large.hat_residual <= 1e-10
    assert base_residual(large.base) <= 1e-10
    # independent check: the level model evaluated at the base prices, from the fundamentals
    assert evaluate_levels(large.fundamentals, large.log_p).max_residual <= 1e-10
    assert large.level_residual <= 1e-10


def test_residual_histories_are_recorded(large):
    """One residual per evaluation (what the performance page plots), ending at the tolerances."""
    hist, pre = large.calibration["residual_history"], large.calibration["pre_solve_history"]
    assert len(hist) == large.calibration["outer_iterations"]
    assert hist[-1] <= 0.5e-9 < hist[0]  # joint_calibration runs to half make_synthetic_base's target_tol
    assert pre[-1] <= 1e-6 < pre[0]  # the pre-solve's tolerance
    assert all(np.isfinite(hist)) and all(np.isfinite(pre))


def test_every_calibration_target_met(large):
    tol = 1e-9  # make_synthetic_base's default target_tol (relative)
    assert large.calibration["target_error"] <= tol
    rep = calibration_report(large.base)
    # Table 1 mean-wage index up to the normalisation
    ratio = rep["wage_index"] / table1().wage_index.to_numpy()
    assert np.max(np.abs(ratio / ratio.mean() - 1)) <= 2 * tol
    # every group's location shares (public anchors; the quoted prefectures are among the 47)
    _, labels = synthetic_fundamentals(DEFAULT_SEED, R)
    psi_target = labels["location_targets"]
    assert np.max(np.abs(rep["psi"] / psi_target - 1)) <= tol
    # the §2 occupation shares
    tt = text_targets()
    for _, row in tt[tt.target == "occupation"].iterrows():
        g = GROUPS.index(_TARGET_GROUP[row.group])
        model = rep["occ_share"][g, OCCUPATIONS.index(row["item"])]
        assert abs(model / (row.value / 100) - 1) <= tol, row.to_dict()


def test_row_import_shares_on_target(large):
    """Diagnostics of the RoW calibration stored with the base: on target within 1e-4 relative."""
    assert large.calibration["import_share_error"] <= cal.ROW_TOL_LARGE
    assert large.calibration["row_evaluations"] <= 30


def test_row_calibration_large_is_accurate():
    f, _ = synthetic_fundamentals(DEFAULT_SEED, R)
    knobs = fitted_knobs(DEFAULT_SEED)
    target = np.where(MANUFACTURING, knobs.import_share_manufacturing, knobs.import_share_services)
    f2, st, info = cal.calibrate_row(f, knobs)
    m = cal.import_shares(st)
    assert np.max(np.abs(m / target - 1)) <= cal.ROW_TOL_LARGE
    assert abs(f2.VA0 / (5 * st.VA.sum()) - 1) <= cal.ROW_TOL_LARGE
    assert info["evaluations"] <= 30
    # the returned state is an exact evaluation (tight inner solves): trade shares sum to one
    assert np.max(np.abs(st.pi.sum(axis=1) - 1)) < 1e-10


def test_row_calibration_bounded():
    f, _ = synthetic_fundamentals(DEFAULT_SEED, R)
    with pytest.raises(ConvergenceError) as err:
        cal.calibrate_row(f, fitted_knobs(DEFAULT_SEED), max_iter=2)
    assert err.value.iterations == 2


def test_joint_calibration_bounded(large):
    _, labels = synthetic_fundamentals(DEFAULT_SEED, R)
    tt = text_targets()
    targets = [(GROUPS.index(_TARGET_GROUP[r.group]), OCCUPATIONS.index(r["item"]), r.value / 100)
               for _, r in tt[tt.target == "occupation"].iterrows()]
    with pytest.raises(ConvergenceError) as err:
        cal.joint_calibration(large.base, targets, labels["location_targets"], table1().wage_index.to_numpy(),
                              eta=ETA, zeta=ZETA, xi=XI, tol=1e-30, max_iter=3)
    assert err.value.iterations == 3


def test_autarky_on_large_base(large):
    sol = solve_hat(large.base, cf.removal_shock(GROUPS, "all"), eta=ETA, zeta=ZETA, xi=XI)
    assert sol.residual <= 1e-10
    assert cf.gdp_change_pct(large.base, sol) < 0
