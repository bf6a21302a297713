"""Inadmissible parameters and malformed data of the migration_mnc chapter (Wang 2014) give clear errors (issue 7, item 2).

The bad-input tests sit beside each paper's tests (tests/<paper>/test_*_bad_inputs.py; the generic
kernels and ``read_table`` in tests/core/test_core_bad_inputs.py). What the three groups of checks
are, and the helpers (``case_id``, ``xfail``, ``fixed``, ...): tests/bad_input_cases.py; the
``data_copy`` fixture: tests/conftest.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from lib.core.errors import ConvergenceError
from lib.migration_mnc import calibration as mig_cal
from lib.migration_mnc import facts as mig_facts
from lib.migration_mnc import model as mig_model
from lib.migration_mnc import policy as mig_policy
from lib.migration_mnc import solver as mig_solver

from bad_input_cases import case_id, drop_row, fixed, fixed_decorator, replace_text

# feeding bad values on purpose: numpy's RuntimeWarnings (log of a negative, ...) are expected noise here
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


WANG = mig_model.WangParameters


@pytest.mark.parametrize("kwargs, word", ids=case_id, argvalues=[
    (dict(sigma=1.0), "sigma"), (dict(sigma=0.5), "sigma"), (dict(kappa=1.5), "kappa"),
    (dict(rho=1.0), "rho"), (dict(gamma=0.5), "gamma"), (dict(Gamma=1.0), "Gamma"),
    (dict(gamma=float("nan")), "gamma"),
    (dict(delta=0.0), "delta"), (dict(delta=1.5), "delta"),
    (dict(alpha=0.0), "alpha"), (dict(alpha=1.0), "alpha"),
    (dict(fE=-1.0), "fE"), (dict(fI=0.0), "fI"), (dict(B=0.0), r"\bB\b"), (dict(f=-1.0), r"\bf\b"),
    (dict(H=np.array([3.58, -0.1])), "H_CA"), (dict(L=np.array([0.0, 0.6743])), "L_US"),
    (dict(H=np.array([3.58, 0.4, 1.0])), r"H must have shape \(2,\)"),
    (dict(tau=np.array([[1.1, 1.2], [1.1, 1.0]])), "tau must be 1 on the diagonal"),
    (dict(tau=np.ones(3)), "tau must have shape"),
    (dict(xi=np.array([[1.0, 0.0], [0.9, 1.0]])), "xi_US_CA"),
    (dict(zeta=np.array([[1.0, 0.9], [-0.1, 1.0]])), "zeta_CA_US"),
])
def test_migration_parameters_inadmissible(kwargs, word):
    with pytest.raises(ValueError, match=word):
        WANG(**kwargs)


@pytest.mark.parametrize("kw, word", ids=case_id, argvalues=[
    (dict(tau_12=0.9), "tau_12"), (dict(tau_21=0.999), "tau_21"), (dict(t_12=0.5), "t_12"),
    (dict(t_21=0.0), "t_21"), (dict(tau_12=float("inf")), "tau_12"),
])
def test_migration_moving_costs_below_one(kw, word):
    with pytest.raises(ValueError, match=word):
        WANG().with_moving_costs(**kw)


@pytest.fixture(scope="module")
def wang_solution():
    return mig_solver.solve_equilibrium(WANG())


@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
    (lambda: mig_model.table3_parameters(sigma=0.5), "sigma"),
    (lambda: mig_model.table3_parameters(t_21=0.8), "t_21"),
    (lambda: mig_model.table3_parameters(sigmaa=2.0), "sigmaa"),
    (lambda: mig_solver.solve_equilibrium(WANG(), mig_model.REGIMES["autarky"], fix_M2=-1.0), "fix_M2"),
    (lambda: mig_solver.solve_equilibrium(WANG(), mig_model.REGIMES["autarky"], fix_M2=float("nan")), "fix_M2"),
    (lambda: mig_solver.solve_equilibrium(WANG(), mig_model.REGIMES["autarky"]), "fix_M2"),
    (lambda: mig_solver.solve_equilibrium(WANG(), fix_M2=0.5), "fix_M2"),
    (lambda: mig_solver.solve_regime(WANG(), "free_trade"), "regime"),
    (lambda: mig_policy.scale_moving_costs(WANG(), 0.5, which="X"), "which"),
    (lambda: mig_policy.scale_moving_costs(WANG(), -0.5), r"\bc\b"),
    (lambda: mig_policy.sensitivity_path(WANG(), "foo", [1.0]), "name"),
    (lambda: mig_cal.interpolated_wage_share(0.5, 0.6, 1.5), "college_share"),
    (lambda: mig_cal.entry_cost_from_survival(1.5, 0.1, WANG()), "survival"),
    (lambda: mig_cal.entry_cost_from_survival(0.0, 0.1, WANG()), "survival"),
    (lambda: mig_cal.calibrate_joint(WANG(), {}), "targets"),
    (lambda: mig_model.bilaterality_index(-1.0, 2.0), "non-negative"),
    (lambda: mig_model.bilaterality_index(0.0, 0.0), "both stocks are zero"),
])
def test_migration_entry_points_inadmissible(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@pytest.mark.parametrize("lam_H, lam_L, word", [(0.0, None, "lam_H"), (None, 1.5, "lam_L"), (-0.2, None, "lam_H")])
def test_migration_quota_shares_outside_unit_interval(wang_solution, lam_H, lam_L, word):
    with pytest.raises(ValueError, match=word):
        mig_solver.quota_targets(wang_solution.objects, lam_H, lam_L)


@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
    pytest.param(lambda: WANG(xi=np.array([[1.0, 1.5], [0.9373, 1.0]])), "xi_US_CA", marks=fixed(
        "migration_mnc.model.validate_parameters documents compatibilities in (0, 1] off the diagonal but "
        "accepts xi_US_CA = 1.5 (the check is (0, inf))")),
    pytest.param(lambda: WANG(kappa=float("inf")), "kappa", marks=fixed(
        "migration_mnc WangParameters(kappa=inf) is accepted (require_greater does not check finiteness)")),
    pytest.param(lambda: mig_solver.solve_equilibrium(WANG(), x0=np.zeros(3)), "x0", marks=fixed(
        "migration_mnc.solver.solve_equilibrium(x0 of length 3) raises a numpy IndexError about a "
        "boolean index instead of a ValueError naming x0")),
    pytest.param(lambda: mig_solver.solve_equilibrium(WANG(), tol=0.0), "tol", marks=fixed(
        "migration_mnc.solver.solve_equilibrium(tol=0) is not validated: it raises ConvergenceError "
        "(residual 4e-16 'not found') instead of a ValueError naming tol")),
    pytest.param(lambda: mig_cal.kappa_from_luttmer(1.0), "sigma", marks=fixed(
        "migration_mnc.calibration.kappa_from_luttmer(sigma=1) returns kappa = 0 without validation "
        "(and ratio <= 1 returns kappa <= sigma - 1, also inadmissible)")),
])
def test_migration_defects(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# ---------------------------------------------------------------------------------------------
# malformed data files: data/migration_mnc/table3.csv, edited in a copy (the data_copy fixture)
# ---------------------------------------------------------------------------------------------
def test_data_copy_fixture_really_redirects(data_copy):
    data_copy("migration_mnc/table3.csv", lambda lines: lines)  # identical copy
    assert mig_model.table3_parameters().tau[0, 1] == pytest.approx(1.1896)
    data_copy("migration_mnc/table3.csv", lambda L: [ln.replace(",1.1896,", ",1.2500,") for ln in L])
    assert mig_model.table3_parameters().tau[0, 1] == pytest.approx(1.25)


@pytest.mark.parametrize("edit, pattern", ids=case_id, argvalues=[
    (lambda L: [ln.replace("parameter,symbol,value", "parameter,symbol,val") for ln in L], r"table3.csv.*\['value'\]"),
    (lambda L: [ln.replace(",source", ",origin") for ln in L], r"table3.csv.*\['source'\]"),
    (replace_text(",1.1896,", ",n/a,"), r"table3.csv: column 'value'"),
    (replace_text(",1.1896,", ",0.9,"), "tau_12"),        # a moving cost below one in the file
    (replace_text(",2.7,", ",0.8,"), "sigma"),             # sigma <= 1 in the file
])
def test_migration_table3_malformed(data_copy, edit, pattern):
    data_copy("migration_mnc/table3.csv", edit)
    with pytest.raises(ValueError, match=pattern):
        mig_model.table3_parameters()


@fixed_decorator("migration_mnc.model.table3_parameters: a table3.csv without the tau_12 row raises KeyError('tau_12'), "
       "not a ValueError naming the missing parameter and the file")
def test_migration_table3_missing_row(data_copy):
    data_copy("migration_mnc/table3.csv", drop_row("tau_12,"))
    with pytest.raises(ValueError, match="tau_12"):
        mig_model.table3_parameters()


# ---------------------------------------------------------------------------------------------
# second sweep (13:00 UTC): secondary public entry points of the migration_mnc modules
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
    pytest.param(lambda: mig_policy.moving_cost_path(WANG(), [-0.5, 0.5]), r"\bc\b", marks=fixed(
        "migration_mnc.policy.solve_path catches the ValueError of an inadmissible grid value: "
        "moving_cost_path(c_grid=[-0.5, 0.5]) reports c = -0.5 as converged=False (a 'branch end') instead "
        "of raising")),
    pytest.param(lambda: mig_policy.sensitivity_path(WANG(), "gamma", [0.5, 33.0]), "gamma", marks=fixed(
        "migration_mnc.policy.sensitivity_path('gamma', [0.5, 33]) reports the inadmissible gamma = 0.5 as "
        "a non-converged row instead of raising (solve_path swallows ValueError)")),
    pytest.param(lambda: mig_policy.quota_path(WANG(), [1.5]), "lam", marks=fixed(
        "migration_mnc.policy.quota_path(lam_grid=[1.5]) returns converged=False instead of raising "
        "quota_targets' ValueError for lam outside (0, 1]")),
    pytest.param(lambda: mig_model.pareto_average_productivity(1.0, 3.0, 1.5), "kappa", marks=fixed(
        "migration_mnc.model.pareto_average_productivity(cutoff=1, sigma=3, kappa=1.5) returns a complex "
        "number (kappa <= sigma - 1 is not checked)")),
    pytest.param(lambda: mig_model.ces_cost(np.ones(2), np.ones(2), 1.0), "elasticity", marks=fixed(
        "migration_mnc.model.ces_cost(elasticity=1) raises ZeroDivisionError")),
    pytest.param(lambda: mig_model.ces_cost(np.array([1.0, -1.0]), np.ones(2), 2.0), "prices", marks=fixed(
        "migration_mnc.model.ces_cost with a negative price returns cost inf and shares (inf, -inf)")),
    pytest.param(lambda: mig_cal.entry_cost_from_survival(0.5, 1.5, WANG()), "chi", marks=fixed(
        "migration_mnc.calibration.entry_cost_from_survival(chi=1.5) (an MNC share above one) returns a "
        "number; chi=-1 returns a negative entry cost")),
    pytest.param(lambda: mig_cal.bi_implied_emigration_rate(0.5, 0.1, 1.0, 0.0), "own_pop", marks=fixed(
        "migration_mnc.calibration.bi_implied_emigration_rate(own_pop=0) raises ZeroDivisionError")),
    pytest.param(lambda: mig_facts.simulate_firm_sample({"h_d": 0.3}), "means", marks=fixed(
        "migration_mnc.facts.simulate_firm_sample with a malformed means dict raises KeyError('domestic'), "
        "not a ValueError naming the expected keys")),
])
def test_second_sweep_defects(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# ---------------------------------------------------------------------------------------------
# issue 15: derived ranges, bounded kernels, messages in the reader's words
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("sigma", [1.000000001, 1.0 + 1e-6, 1.01])
def test_wang_sigma_too_close_to_one_is_rejected_with_the_derived_bound(sigma):
    """Before: WangParameters(sigma=1+1e-9) was accepted and the solver reported converged=True
    with NaN outcomes; (fI/f)**(-kappa/(sigma-1)) underflows for sigma < 1 + kappa*ln(76)/708."""
    with pytest.raises(ValueError, match=r"sigma = .* admissible range \(1\.011.*fI/f"):
        mig_model.table3_parameters().with_changes(sigma=sigma)


def test_wang_sigma_bound_is_derived_from_double_precision():
    b = mig_model.sigma_lower_bound(1.8, 76.0, 1.0)
    assert b == pytest.approx(1.0 + 1.8 * np.log(76.0) / -np.log(np.finfo(float).tiny), rel=1e-12)
    assert mig_model.sigma_lower_bound(1.8, 1.0, 1.0) == 1.0  # no affiliate premium: no bound
    assert np.isfinite(76.0 ** (-1.8 / (b - 1.0) * 0.999)) and 76.0 ** (-1.8 / (b - 1.0) * 0.999) > 0


@pytest.mark.parametrize("sigma", [1.012, 1.05, 1.2])
def test_wang_solver_never_reports_converged_with_non_finite_objects(sigma):
    par = mig_model.table3_parameters().with_changes(sigma=sigma)
    try:
        res = mig_solver.solve_regime(par, "migration_and_mnc")
    except ConvergenceError as err:
        assert "sigma = " in str(err) and np.isfinite(err.iterations)
        return
    assert res.converged
    for name in ("s", "u", "M", "chi", "phibar", "phif", "Rev", "R", "P", "H_demand", "L_demand"):
        assert np.all(np.isfinite(getattr(res.objects, name))), name


def test_wang_convergence_error_names_the_parameters_that_differ_from_table3():
    par = mig_model.table3_parameters().with_changes(sigma=1.02)
    assert mig_model.describe_parameters(par) == "sigma = 1.02 (Table 3: sigma = 2.7)"
    assert mig_model.describe_parameters(mig_model.table3_parameters()) == "Table 3 parameters"
    with pytest.raises(ConvergenceError, match=r"not found at sigma = 1\.02 \(Table 3: sigma = 2\.7\)"):
        mig_solver.solve_regime(par, "migration_and_mnc")


def test_branch_end_bisection_is_bounded_whatever_tol():
    """Before: ``while hi - lo > tol`` never ended for tol = 1e-320 (hi - lo stops shrinking)."""
    par = mig_model.table3_parameters()
    with pytest.raises(ValueError, match=r"tol"):
        mig_policy.branch_end(par, tol=0.0)
    with pytest.raises(ValueError, match=r"c_converged"):
        mig_policy.branch_end(par, c_converged=float("inf"))
    assert mig_policy.BRANCH_MAX_BISECTIONS == 60
