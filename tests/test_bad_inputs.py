"""Inadmissible parameters and malformed data files give clear errors (issue 7, item 2, second half).

Three groups of checks, for every chapter's public entry points:

1. inadmissible scalar or array parameters raise ``ValueError`` whose message names the
   parameter (``sigma <= 1``, ``k <= sigma - 1``, ``eta`` outside (0, 1), negative endowments,
   moving costs below one, shares off the simplex, ...);
2. malformed data files -- written into ``tmp_path`` as edited *copies*; ``data/`` is never
   touched -- fed to :func:`lib.core.data.read_table` and to the chapter loaders that read
   ``data/`` (those are pointed at the copy by monkeypatching ``lib.core.data.DATA_DIR``);
3. defect records: inputs a function accepted silently (or rejected with an error that did not
   name the culprit) when this suite was written.  A defect still open is marked
   ``xfail(strict=True)`` with its reason (the suite turns red the day it is fixed, so the mark
   cannot outlive the defect); a fixed one keeps its reason under ``fixed(...)`` and runs as an
   ordinary test, guarding against regressions.
"""
from __future__ import annotations

import inspect
import re
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import lib.core.data
from lib.core.errors import ConvergenceError
from lib.core.data import DATA_DIR
from lib.core.data import read_table


# feeding bad values on purpose: numpy's RuntimeWarnings (log of a negative, ...) are expected noise here
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def case_id(value):
    """Readable test ids: a lambda case is named by its call (``off.solve_extended(0.0, OFF)``)."""
    if callable(value) and getattr(value, "__name__", "") == "<lambda>":
        try:
            src = inspect.getsource(value)
        except (OSError, TypeError):
            return None
        m = re.search(r"lambda[^:]*:\s*(.*)", src, re.S)
        if not m:
            return None
        out, depth = [], 0
        for ch in m.group(1):
            if ch in "([{":
                depth += 1
            elif ch in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif ch == "," and depth == 0:
                break
            out.append(ch)
        return re.sub(r"\s+", " ", "".join(out)).strip()[:70] or None
    if isinstance(value, dict):
        return ",".join(f"{k}={v.tolist() if isinstance(v, np.ndarray) else v}" for k, v in value.items())[:70]
    return None


def xfail(reason):
    """A strict expected failure: an input the module accepts (or rejects unclearly) today."""
    return pytest.mark.xfail(strict=True, reason="DEFECT: " + reason)


def fixed(reason):
    """A defect this suite found and the library has since fixed: now an ordinary, passing case.

    The reason is kept as the record of what used to go wrong.
    """
    return ()


def fixed_decorator(reason):
    """Decorator form of :func:`fixed` (leaves the test unmarked)."""
    return lambda fn: fn


# ---------------------------------------------------------------------------------------------
# offshoring (Nishiyama et al.)
# ---------------------------------------------------------------------------------------------
from lib import offshoring as off  # noqa: E402

OFF = off.Params()


@pytest.mark.parametrize("kwargs, word", ids=case_id, argvalues=[
    (dict(sigma=1.0), "sigma"), (dict(sigma=0.5), "sigma"), (dict(sigma=float("nan")), "sigma"),
    (dict(k=2.8), r"k = 2\.8 must exceed sigma - 1"), (dict(k=1.0), "k"),
    (dict(f=0.0), r"\bf\b"), (dict(f=-0.1), r"\bf\b"),
    (dict(H_bar=-1.0, L_bar=-2.0), "H_bar"), (dict(L_bar=-5.0), "L_bar"),
    (dict(L_bar=100.0), "L_bar"), (dict(L_bar=120.0), "L_bar"),
    (dict(E_bar=0.0), "E_bar"), (dict(E_bar=float("nan")), "E_bar"), (dict(M_bar=-1.0), "M_bar"),
])
def test_offshoring_params_inadmissible(kwargs, word):
    with pytest.raises(ValueError, match=word):
        off.Params(**kwargs)


@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
    (lambda: off.solve_extended(0.0, OFF), "alpha"),
    (lambda: off.solve_extended(1.2, OFF), "alpha"),
    (lambda: off.solve_extended(float("nan"), OFF), "alpha"),
    (lambda: off.solve_extended_path([0.5, 1.1], OFF), "alpha"),
    (lambda: off.solve_extended_path([0.5, 1.0], OFF), "alpha < 1"),
    (lambda: off.solve_extended_path([0.5, float("nan")], OFF), "alpha"),
    (lambda: off.equilibrium(np.array([-0.1, 0.5]), OFF), "alpha"),
    (lambda: off.equilibrium(0.9, OFF, model="leontief"), "model"),
    (lambda: off.equilibrium(0.9, OFF, model="baseline"), "alpha"),  # baseline needs alpha > L/H
    (lambda: off.baseline_wages(0.5, OFF), "alpha"),
    (lambda: off.welfare_dlog(0.9, OFF, model="x"), "model"),
    (lambda: off.turning_points(OFF, alpha_lo=1.2), "alpha_lo"),
    (lambda: off.turning_points(OFF, alpha_lo=0.8, alpha_hi=0.6), "alpha_hi"),
    (lambda: off.quadrature_aggregates(0.0, OFF), "alpha"),
    (lambda: off.synthetic_panel(n_ind=2), "n_ind"),
    (lambda: off.synthetic_panel(noise_sd=-1.0), "noise_sd"),
    (lambda: off.top_quartile_dummy(np.array([0.5, 0.6, 0.7]), q=1.5), r"\bq\b"),
    (lambda: off.extended_v_of_w(1e9, 0.9, OFF), "pole"),
])
def test_offshoring_entry_points_inadmissible(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
    pytest.param(lambda: off.Params(k=float("inf")), r"\bk\b", marks=fixed(
        "offshoring.Params(k=inf) is accepted (require_greater does not check finiteness); beta and "
        "phi_tilde_factor are then NaN and solve_extended fails with scipy's 'function value is NaN'")),
    pytest.param(lambda: off.turning_points(OFF, n_scan=1), "n_scan", marks=fixed(
        "offshoring.turning_points(n_scan=1) silently returns no turning points (n_scan=0 raises a numpy "
        "'zero-size array' ValueError that does not name n_scan)")),
    pytest.param(lambda: off.firm_outcomes(-1.0, 2.0, 1.5, 0.9, OFF), "phi", marks=fixed(
        "offshoring.firm_outcomes(phi=-1) returns NaN output and input demands instead of raising")),
    pytest.param(lambda: off.model_panel(OFF, alpha0_range=(0.99, 0.85)), "alpha0_range", marks=fixed(
        "offshoring.model_panel with a reversed alpha0_range raises numpy's 'high - low < 0', which does "
        "not name alpha0_range")),
])
def test_offshoring_defects(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# ---------------------------------------------------------------------------------------------
# migration_mnc (Wang 2014)
# ---------------------------------------------------------------------------------------------
from lib.migration_mnc import calibration as mig_cal  # noqa: E402
from lib.migration_mnc import facts as mig_facts  # noqa: E402
from lib.migration_mnc import model as mig_model  # noqa: E402
from lib.migration_mnc import policy as mig_policy  # noqa: E402
from lib.migration_mnc import solver as mig_solver  # noqa: E402

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
# granular (Kikuchi & O'Connor)
# ---------------------------------------------------------------------------------------------
from lib.granular import hhi as gran_hhi  # noqa: E402
from lib.granular import local as gran_local  # noqa: E402
from lib.granular import quantitative as gran_q  # noqa: E402
from lib.granular import spatial as gran_sp  # noqa: E402

GP = dict(eta=0.13, lam=10.5, kappa=2.48, nu=1.46, sigma2_N=0.14, sigma2_S=0.002)


@pytest.fixture(scope="module")
def gran_setup():
    curves = gran_sp.conduct_curves(**GP, n_grid=60)
    zones = gran_sp.synthetic_zones(n_zones=10)
    return curves, zones


@pytest.mark.parametrize("kwargs, word", ids=case_id, argvalues=[
    (dict(eta=0.0), "eta"), (dict(eta=1.0), "eta"), (dict(eta=1.3), "eta"), (dict(eta=-0.2), "eta"),
    (dict(eta=0.13, lam=5.0), r"lam\*eta"), (dict(lam=-1.0), "lam"),
    (dict(sigma2_N=-0.1), "sigma2_N"), (dict(sigma2_S=-0.01), "sigma2_S"),
    (dict(kappa=0.0), "kappa"), (dict(nu=-1.0), r"\bnu\b"), (dict(theta=0.0), "theta"),
    (dict(m=np.array([1.0, -1.0])), r"\bm\b"),
])
def test_granular_check_parameters(kwargs, word):
    with pytest.raises(ValueError, match=word):
        gran_local.check_parameters(**kwargs)


@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
    (lambda: gran_hhi.weighted_hhi([1.0], 1.0), "alpha"),
    (lambda: gran_hhi.weighted_hhi([1.0], 0.5), "alpha"),
    (lambda: gran_hhi.weighted_hhi([1.0], float("nan")), "alpha"),
    (lambda: gran_hhi.weighted_hhi([-1.0], 1.5), r"\bm\b"),
    (lambda: gran_hhi.weighted_hhi([float("nan")], 1.5), r"\bm\b"),
    (lambda: gran_hhi.weighted_hhi_slope([-1.0], 1.5), r"\bm\b"),
    (lambda: gran_hhi.psi_N([0.0], 1.5), r"\bN\b"),
    (lambda: gran_hhi.expected_hhi_given_N([-1.0], 1.5), r"\bN\b"),
    (lambda: gran_q.wage_elasticity(0.9, 0.13), "eps"),          # unstable: eps >= 1 - eta
    (lambda: gran_q.wage_elasticity(0.01, 1.2), "eta"),
    (lambda: gran_q.firm_elasticity(0.9, 0.13), "eps"),
    (lambda: gran_q.entry_subsidy(0.01, 0.0), "eta"),
    (lambda: gran_q.phi_psi([1.0], **GP, conduct="monopoly"), "conduct"),
    (lambda: gran_q.phi_psi([-1.0], **GP), r"\bm\b"),
    (lambda: gran_q.phi_psi([1.0], **{**GP, "lam": 5.0}), r"lam\*eta"),
    (lambda: gran_q.productivity_elasticity_baseline([1.0], 1.0, 10.5, 0.14, 0.002), "eta"),
    (lambda: gran_sp.conduct_curves(**{**GP, "eta": 0.0}, n_grid=20), "eta"),
    (lambda: gran_sp.conduct_curves(**GP, m_lo=-1.0, n_grid=20), r"\bm\b"),
    (lambda: gran_sp.synthetic_zones(n_zones=1), "n_zones"),
    (lambda: gran_sp.synthetic_zones(m_min=1.0, m_max=0.5), "m_max"),
    (lambda: gran_sp.synthetic_zones(m_min=0.0), "m_min"),
    (lambda: gran_local.solve_sector(np.array([0.5, 0.5]), np.zeros(2), 0.13, 2.48, 1.46, conduct="x"), "conduct"),
    (lambda: gran_local.tail_index(0.0, 10.0), "eta"),
])
def test_granular_entry_points_inadmissible(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@pytest.mark.parametrize("kwargs, word", ids=case_id, argvalues=[
    (dict(theta=0.0), "theta"), (dict(theta=-1.0), "theta"),
    (dict(population_sign=-1.0), "population"), (dict(m_scale=0.0), r"\bm\b"),
    (dict(damping=0.0), "damping"),
])
def test_granular_spatial_solver_inadmissible(gran_setup, kwargs, word):
    curves, zones = gran_setup
    kw = dict(kwargs)
    pop = zones["population"] * kw.pop("population_sign", 1.0)
    m = zones["m"] * kw.pop("m_scale", 1.0)
    theta = kw.pop("theta", 3.0)
    with pytest.raises(ValueError, match=word):
        gran_sp.solve_spatial_hat(curves, pop, m, theta, **kw)


def test_granular_optimal_policy_bad_theta(gran_setup):
    curves, zones = gran_setup
    with pytest.raises(ValueError, match="theta"):
        gran_sp.optimal_policy(curves, zones["population"], zones["m"], 0.0)


def _spatial(tau_w=0.0, tau_pi=0.0, n_pop=None, m_scale=1.0):
    curves = gran_sp.conduct_curves(**GP, n_grid=60)
    z = gran_sp.synthetic_zones(n_zones=10)
    pop = z["population"] if n_pop is None else z["population"][:n_pop]
    return gran_sp.solve_spatial_hat(curves, pop, z["m"] * m_scale, 3.0, tau_w, tau_pi)


@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
    pytest.param(lambda: gran_hhi.psi_N([0.5], 1.5), r"\bN\b", marks=fixed(
        "granular.hhi.psi_N(N=0.5) returns 2e133 although its docstring says N >= 1 (only N > 0 is checked)")),
    pytest.param(lambda: gran_hhi.weighted_hhi([1.0], 1.5, n_nodes=1), "n_nodes", marks=fixed(
        "granular.hhi.weighted_hhi(n_nodes=1) raises a numpy IndexError, not a ValueError naming n_nodes")),
    pytest.param(lambda: gran_sp.conduct_curves(**GP, m_lo=10.0, m_hi=1.0, n_grid=20), "m_lo|m_hi", marks=fixed(
        "granular.spatial.conduct_curves(m_lo > m_hi) silently tabulates a decreasing grid, on which "
        "np.interp (ConductCurves.at) returns wrong values")),
    pytest.param(lambda: gran_sp.conduct_curves(**GP, n_grid=1), "n_grid", marks=fixed(
        "granular.spatial.conduct_curves(n_grid=1 or 0) silently returns a one-point or empty table")),
    pytest.param(lambda: _spatial(n_pop=5), "population", marks=fixed(
        "granular.spatial.solve_spatial_hat with population and m of different lengths raises numpy's "
        "'operands could not be broadcast', which names neither array")),
    pytest.param(lambda: _spatial(tau_pi=-1.0), "tau_pi", marks=fixed(
        "granular.spatial.solve_spatial_hat(tau_pi=-1) returns converged=True with every m' pinned at the "
        "edge of entry_given_population's +-8 log bracket (log1p(-1) = -inf); tau_pi > -1 is not checked")),
    pytest.param(lambda: _spatial(tau_w=-1.0), "tau_w", marks=fixed(
        "granular.spatial.solve_spatial_hat(tau_w=-1) raises ConvergenceError ('non-finite values') "
        "instead of a ValueError naming tau_w > -1")),
    pytest.param(lambda: _spatial(m_scale=1e6, tau_w=0.05), r"\bm\b", marks=fixed(
        "granular.spatial.solve_spatial_hat with m far outside the tabulated curves (m up to 1e8 vs m_hi = "
        "3e3) silently uses np.interp's flat extrapolation")),
    pytest.param(lambda: gran_sp.local_wage_elasticity(gran_sp.conduct_curves(**GP, n_grid=20), np.array([-1.0])),
                 r"\bm\b", marks=fixed("granular.spatial.local_wage_elasticity(m=-1) returns NaN")),
    pytest.param(lambda: gran_sp.synthetic_zones(pop_max=-1.0), "pop_max", marks=fixed(
        "granular.spatial.synthetic_zones(pop_max=-1) returns negative populations")),
    pytest.param(lambda: gran_local.response_matrix(np.array([0.7, 0.7]), 0.13, 2.48, 1.46), r"\bsh\b", marks=fixed(
        "granular.local.response_matrix accepts shares sh that sum to 1.4")),
    pytest.param(lambda: gran_local.solve_sector(np.array([0.7, 0.7]), np.zeros(2), 0.13, 2.48, 1.46), r"\bsh\b",
                 marks=fixed("granular.local.solve_sector accepts shares summing to 1.4 and returns l_hat = -0.083 "
                             "at a zero shock (should be 0)")),
])
def test_granular_defects(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# ---------------------------------------------------------------------------------------------
# foreign_employment (Doi & Suzuki)
# ---------------------------------------------------------------------------------------------
from lib.foreign_employment import base_year as fe_by  # noqa: E402
from lib.foreign_employment import counterfactuals as fe_cf  # noqa: E402
from lib.foreign_employment import hat as fe_hat  # noqa: E402
from lib.foreign_employment import levels as fe_levels  # noqa: E402

FE_PAR = dict(eta=0.644, zeta=2.95, xi=12.3)


@pytest.fixture(scope="module")
def toy_base():
    f = fe_by.toy_fundamentals(3, 2, 3, 2, 1, seed=0)
    st0 = fe_levels.solve_levels(f)
    return f, fe_hat.base_from_levels(f, st0)


@pytest.mark.parametrize("kwargs, word", ids=case_id, argvalues=[
    (dict(eta=0.0), "eta"), (dict(eta=-1.0), "eta"), (dict(zeta=1.0), "zeta"), (dict(zeta=0.5), "zeta"),
    (dict(xi=1.0), r"\bxi\b"), (dict(xi=0.5), r"\bxi\b"), (dict(eta=float("nan")), "eta"),
    (dict(L_hat=[1.0, 1.0, -0.5]), "L_hat"), (dict(L_hat=[1.0, 1.0, 1.0, 1.0]), "L_hat"),
    (dict(L_hat=[1.0, 1.0, float("nan")]), "L_hat"), (dict(L_hat=[0.0, 0.0, 1.0]), "native"),
    (dict(B_hat=-np.ones((3, 3))), "B_hat"), (dict(S_hat=np.zeros((3, 3))), "S_hat"),
    (dict(tol=0.0), "tol"), (dict(max_iter=0), "max_iter"),
])
def test_fe_hat_solver_inadmissible(toy_base, kwargs, word):
    _, base = toy_base
    kw = {**FE_PAR, "L_hat": np.ones(3), **kwargs}
    L_hat = kw.pop("L_hat")
    with pytest.raises(ValueError, match=word):
        fe_hat.solve_hat(base, np.asarray(L_hat, float), **kw)


@pytest.mark.parametrize("change, word", ids=case_id, argvalues=[
    (lambda b: dict(pi=b.pi * 1.1), r"\bpi\b.*simplex"),
    (lambda b: dict(chi=b.chi * 0.9), r"\bchi\b.*simplex"),
    (lambda b: dict(wbar=b.wbar[:2]), "wbar"),
    (lambda b: dict(L_rgo=-b.L_rgo), "L_rgo"),
    (lambda b: dict(theta=-b.theta), "theta"),
])
def test_fe_base_year_validate(toy_base, change, word):
    _, base = toy_base
    bad = replace(base, **change(base))
    with pytest.raises(ValueError, match=word):
        bad.validate()


@pytest.mark.parametrize("change, word", ids=case_id, argvalues=[
    (lambda b: dict(pi=b.pi * 1.1), r"\bpi\b"),     # trade shares off the simplex
    (lambda b: dict(chi=b.chi * 0.9), r"\bchi\b"),  # bill shares off the simplex
])
def test_fe_solve_hat_refuses_shares_off_simplex(toy_base, change, word):
    _, base = toy_base
    with pytest.raises(ValueError, match=word):
        fe_hat.solve_hat(replace(base, **change(base)), np.ones(3), **FE_PAR)


@pytest.mark.parametrize("change, word", ids=case_id, argvalues=[
    (lambda f: dict(alpha=f.alpha * 1.2), "alpha"),   # final-demand shares summing to 1.2
    (lambda f: dict(theta=-f.theta), "theta"),
    (lambda f: dict(L=-f.L), r"\bL\b"),
])
def test_fe_fundamentals_inadmissible(toy_base, change, word):
    f, _ = toy_base
    with pytest.raises(ValueError, match=word):
        replace(f, **change(f))


GROUPS = fe_by.GROUPS


@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
    (lambda: fe_cf.foreign_scale_shock(GROUPS, -1.0), "foreign_scale"),
    (lambda: fe_cf.removal_shock(GROUPS, "X"), "which"),
    (lambda: fe_cf.expansion_shock(GROUPS, np.ones(16), "X-all"), "scenario"),
    (lambda: fe_cf.expansion_shock(GROUPS, np.ones(16), "X-LS", expansion=-0.5), "expansion"),
    (lambda: fe_cf.expansion_shock(GROUPS, np.ones(16), "sweep", ls_share=1.5), "ls_share"),
    (lambda: fe_by.make_synthetic_base(n_regions=1), "n_regions"),
    (lambda: fe_by.make_synthetic_base(n_regions=4, eta=-1.0), "eta"),
    (lambda: fe_by.make_synthetic_base(n_regions=4, zeta=1.0), "zeta"),
    (lambda: fe_by.make_synthetic_base(n_regions=4, omega=-1.0), "omega"),
    (lambda: fe_by.make_synthetic_base(n_regions=4, row_tau_factor=0.5, calibrate=False), "row_tau_factor"),
    (lambda: fe_by.toy_fundamentals(0), "n_regions"),
])
def test_fe_entry_points_inadmissible(call, word):
    with pytest.raises(ValueError, match=word):
        call()


@pytest.mark.parametrize("kw, word", ids=case_id, argvalues=[
    pytest.param(dict(B_hat=np.ones((2, 3))), "B_hat", marks=fixed(
        "foreign_employment.hat.solve_hat(B_hat of shape (2, 3) for 3 regions) raises numpy's 'operands could "
        "not be broadcast', which does not name B_hat (its shape is not checked)")),
    pytest.param(dict(x0=np.zeros(5)), "x0", marks=fixed(
        "foreign_employment.hat.solve_hat(x0 of length 5) raises numpy's broadcast error, not one naming x0")),
])
def test_fe_defects_solver(toy_base, kw, word):
    _, base = toy_base
    with pytest.raises(ValueError, match=word):
        fe_hat.solve_hat(base, np.ones(3), **FE_PAR, **kw)


# ---------------------------------------------------------------------------------------------
# the generic kernels every chapter builds on (lib.core.fixed_point, lib.core.frechet, lib.core.pareto)
# ---------------------------------------------------------------------------------------------
from lib.core import fixed_point as kern_fp  # noqa: E402
from lib.core import frechet as kern_frechet  # noqa: E402
from lib.core import pareto as kern_pareto  # noqa: E402


@pytest.mark.parametrize("call, error, word", ids=case_id, argvalues=[
    (lambda: kern_fp.solve_fixed_point(np.cos, 1.0, damping=0.0), ValueError, "damping"),
    (lambda: kern_fp.solve_fixed_point(np.cos, 1.0, damping=1.5), ValueError, "damping"),
    (lambda: kern_fp.solve_fixed_point(np.cos, 1.0, tol=0.0), ValueError, "tol"),
    (lambda: kern_fp.solve_fixed_point(np.cos, 1.0, max_iter=0), ValueError, "max_iter"),
    (lambda: kern_fp.solve_fixed_point(np.cos, 1.0, method="newton"), ValueError, "method"),
    (lambda: kern_fp.solve_fixed_point(np.cos, float("nan")), ValueError, "x0"),
    # a map that leaves its domain, and a divergent map: ConvergenceError with residual, never NaN
    (lambda: kern_fp.solve_fixed_point(lambda x: np.sqrt(x - 5.0), 1.0), ConvergenceError, "non-finite"),
    (lambda: kern_fp.solve_fixed_point(lambda x: 2 * x + 1, 1.0, max_iter=50), ConvergenceError,
     r"residual .* after 50 iterations"),
    (lambda: kern_frechet.choice_probabilities(np.ones(3), 0.0), ValueError, "theta"),
    (lambda: kern_frechet.choice_probabilities(np.array([1.0, -1.0]), 2.0), ValueError, r"\bV\b"),
    (lambda: kern_frechet.choice_probabilities(np.array([1.0, float("nan")]), 2.0), ValueError, r"\bV\b"),
    (lambda: kern_frechet.frechet_mean_constant(1.0), ValueError, "theta"),
    (lambda: kern_frechet.expected_maximum(np.ones(3), 0.5), ValueError, "theta"),
    (lambda: kern_frechet.inclusive_value(np.ones(3), -1.0), ValueError, "theta"),
    (lambda: kern_frechet.draw_frechet(0.0, 5, rng=np.random.default_rng(0)), ValueError, "theta"),
    (lambda: kern_pareto.pareto_survival(2.0, 0.0), ValueError, r"\bk\b"),
    (lambda: kern_pareto.partial_moment(3.0, 2.0, 1.0, 1.0), ValueError, r"k = 2.0 must exceed"),
    (lambda: kern_pareto.partial_moment(1.0, 3.0, 1.0, 0.0), ValueError, "phi_min"),
    (lambda: kern_pareto.conditional_moment(3.0, 2.0, 1.0), ValueError, r"\bk\b"),
    (lambda: kern_pareto.draw_pareto(-1.0, 5, 1.0, np.random.default_rng(0)), ValueError, r"\bk\b"),
])
def test_generic_kernels_inadmissible(call, error, word):
    with pytest.raises(error, match=word):
        call()


@fixed_decorator("lib.core.validate.require_nonnegative([1.0, nan]) reports 'got min np.float64(1.0)' (np.nanmin skips the "
       "NaN that caused the error), so the message points at the wrong value")
def test_validate_nonnegative_message_shows_the_nan():
    from lib.core.validate import require_nonnegative

    with pytest.raises(ValueError, match="nan"):
        require_nonnegative("L_hat", np.array([1.0, float("nan")]))


# ---------------------------------------------------------------------------------------------
# malformed data files: lib.core.data.read_table
# ---------------------------------------------------------------------------------------------
GOOD_CSV = "# a comment line\nparameter,value,source\nsigma,3.8,\"Table 1, p. 3\"\nk,3.4,\"Table 1, p. 3\"\n"


def _write(tmp_path, text, name="table.csv"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_read_table_accepts_a_good_file(tmp_path):
    df = read_table(str(_write(tmp_path, GOOD_CSV)), ["parameter", "value"], numeric_columns=["value"])
    assert list(df["value"]) == [3.8, 3.4]


@pytest.mark.parametrize("text, required, numeric, pattern", [
    # no source column
    ("parameter,value\nsigma,3.8\n", ["parameter", "value"], [], r"missing column\(s\) \['source'\]"),
    # a required column is missing (renamed)
    (GOOD_CSV.replace("parameter,value", "parameter,val"), ["parameter", "value"], ["value"], r"\['value'\]"),
    # a numeric column holds text
    (GOOD_CSV.replace("3.4", "three"), ["value"], ["value"], r"column 'value' has missing or non-numeric"),
    # a numeric column has a blank cell
    (GOOD_CSV.replace("3.4", ""), ["value"], ["value"], r"column 'value' has missing or non-numeric"),
    # a file with a header only is fine, but one without any header is not a table
    ("", [], [], r"No columns to parse"),
    # wrong shape: a row with one field too many (pandas' ParserError is a ValueError)
    (GOOD_CSV + "kappa,1.8,\"Table 1\",extra\n", [], [], r"Expected 3 fields in line \d+, saw 4"),
])
def test_read_table_malformed(tmp_path, text, required, numeric, pattern):
    p = _write(tmp_path, text)
    with pytest.raises(ValueError, match=pattern):
        read_table(str(p), required, numeric_columns=numeric)


def test_read_table_error_names_the_file(tmp_path):
    p = _write(tmp_path, "parameter,value\nsigma,3.8\n", name="my_table.csv")
    with pytest.raises(ValueError, match="my_table.csv"):
        read_table(str(p), ["value"])


def test_read_table_missing_file():
    with pytest.raises(FileNotFoundError, match="nothing is downloaded"):
        read_table("offshoring/no_such_table.csv")


@fixed_decorator("lib.core.data.read_table: a ragged row gives pandas' 'Error tokenizing data ... Expected 3 fields in "
       "line 6, saw 4' without the file's name (the column checks do name it)")
def test_read_table_ragged_row_names_the_file(tmp_path):
    p = _write(tmp_path, GOOD_CSV + "kappa,1.8,\"Table 1\",extra\n", name="ragged_table.csv")
    with pytest.raises(ValueError, match="ragged_table.csv"):
        read_table(str(p))


# ---------------------------------------------------------------------------------------------
# malformed data files: the chapter loaders, pointed at an edited copy of data/<chapter>/
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """Copy of ``data/<chapter>/`` under ``tmp_path``; ``lib.core.data.DATA_DIR`` points at it.

    Returns ``edit(relpath, fn)`` that rewrites one copied file line by line (``fn(lines) -> lines``).
    The real ``data/`` folder is only read.
    """
    root = tmp_path / "data"
    root.mkdir()
    monkeypatch.setattr(lib.core.data, "DATA_DIR", root)

    def edit(relpath: str, fn):
        src = DATA_DIR / relpath
        dst = root / relpath
        if not dst.parent.exists():
            shutil.copytree(src.parent, dst.parent)
        lines = src.read_text().splitlines(keepends=True)
        dst.write_text("".join(fn(lines)))
        return dst

    return edit


def _replace(old, new):
    def fn(lines):
        out = [ln.replace(old, new) for ln in lines]
        assert out != lines, f"test setup: {old!r} not found"
        return out
    return fn


def _drop(prefix):
    def fn(lines):
        out = [ln for ln in lines if not ln.startswith(prefix)]
        assert len(out) == len(lines) - 1, f"test setup: one row starting {prefix!r} expected"
        return out
    return fn


def test_data_copy_fixture_really_redirects(data_copy):
    data_copy("migration_mnc/table3.csv", lambda lines: lines)  # identical copy
    assert mig_model.table3_parameters().tau[0, 1] == pytest.approx(1.1896)
    data_copy("migration_mnc/table3.csv", lambda L: [ln.replace(",1.1896,", ",1.2500,") for ln in L])
    assert mig_model.table3_parameters().tau[0, 1] == pytest.approx(1.25)


@pytest.mark.parametrize("edit, pattern", ids=case_id, argvalues=[
    (lambda L: [ln.replace("parameter,symbol,value", "parameter,symbol,val") for ln in L], r"table3.csv.*\['value'\]"),
    (lambda L: [ln.replace(",source", ",origin") for ln in L], r"table3.csv.*\['source'\]"),
    (_replace(",1.1896,", ",n/a,"), r"table3.csv: column 'value'"),
    (_replace(",1.1896,", ",0.9,"), "tau_12"),        # a moving cost below one in the file
    (_replace(",2.7,", ",0.8,"), "sigma"),             # sigma <= 1 in the file
])
def test_migration_table3_malformed(data_copy, edit, pattern):
    data_copy("migration_mnc/table3.csv", edit)
    with pytest.raises(ValueError, match=pattern):
        mig_model.table3_parameters()


@fixed_decorator("migration_mnc.model.table3_parameters: a table3.csv without the tau_12 row raises KeyError('tau_12'), "
       "not a ValueError naming the missing parameter and the file")
def test_migration_table3_missing_row(data_copy):
    data_copy("migration_mnc/table3.csv", _drop("tau_12,"))
    with pytest.raises(ValueError, match="tau_12"):
        mig_model.table3_parameters()


@pytest.mark.parametrize("relpath, loader, edit, pattern", [
    ("foreign_employment/prefectures.csv", "prefectures", _replace(",lat,", ",latitude,"), r"prefectures.csv.*\['lat'\]"),
    ("foreign_employment/prefectures.csv", "prefectures", _replace(",source", ",src"), r"\['source'\]"),
    ("foreign_employment/table1.csv", "table1", _replace("measure,row,sex,age", "measure,row,gender,age"), r"\['sex'\]"),
    ("foreign_employment/table1.csv", "table1", _replace(",24.7,", ",n/a,"), r"column 'value'"),
    ("foreign_employment/text_shares.csv", "text_targets", _replace("Tokyo,11.5", "Tokyo,"), r"column 'value'"),
])
def test_fe_loaders_malformed(data_copy, relpath, loader, edit, pattern):
    data_copy(relpath, edit)
    with pytest.raises(ValueError, match=pattern):
        getattr(fe_by, loader)()


def test_fe_negative_worker_share_stops_the_base_year(data_copy):
    data_copy("foreign_employment/table1.csv", _replace(",share_pct,,24.7,", ",share_pct,,-24.7,"))
    with pytest.raises(ValueError, match=r"\bL\b"):
        fe_by.make_synthetic_base(n_regions=4, calibrate=False)


@pytest.mark.parametrize("relpath, loader, edit, word", [
    pytest.param("foreign_employment/table1.csv", "table1", _replace(",share_pct,,24.7,", ",share_pct,,49.4,"),
                 "share", marks=fixed(
                     "foreign_employment.base_year.table1() accepts Table 1 worker shares summing to 124.7% "
                     "(make_synthetic_base then calibrates to them without complaint)")),
    pytest.param("foreign_employment/table1.csv", "table1", _drop("number,D-LS,M,30-59"), "D-LS", marks=fixed(
        "foreign_employment.base_year.table1() on a table1.csv without the D-LS-M-30-59 share row raises "
        "pandas' IndexError 'single positional indexer is out-of-bounds'")),
    pytest.param("foreign_employment/text_shares.csv", "text_targets", _replace("Tokyo,11.5", "Tokyo,111.5"),
                 "value|share", marks=fixed(
                     "foreign_employment.base_year.text_targets() accepts a 111.5% location share "
                     "(make_synthetic_base later fails with 'calibration did not reach target_tol')")),
])
def test_fe_loader_defects(data_copy, relpath, loader, edit, word):
    data_copy(relpath, edit)
    with pytest.raises(ValueError, match=word):
        getattr(fe_by, loader)()


# the granular spatial notebook reads its zones from a data/ CSV named by a parameter
def _zones_rows():
    lines = (DATA_DIR / "granular" / "synthetic_zones.csv").read_text().splitlines(keepends=True)
    head = [ln for ln in lines if ln.startswith("#") or ln.startswith("rank,")]
    return head, [ln for ln in lines if ln not in head]


def _zones_edit(kind: str) -> str:
    head, rows = _zones_rows()
    first = rows[0]
    assert first.startswith("1,105.8,30000000,"), "test setup: unexpected first zone row"
    if kind == "no_population_column":
        return "".join(head).replace("rank,m,population,", "rank,m,people,") + "".join(rows)
    if kind == "text_in_m":
        return "".join(head) + first.replace("1,105.8,", "1,huge,") + "".join(rows[1:])
    if kind == "negative_population":
        return "".join(head) + first.replace(",30000000,", ",-30000000,") + "".join(rows[1:])
    if kind == "zero_m":
        return "".join(head) + first.replace("1,105.8,", "1,0,") + "".join(rows[1:])
    if kind == "one_zone":
        return "".join(head) + first
    raise AssertionError(kind)


@pytest.mark.notebook
@pytest.mark.parametrize("kind, word", [
    ("no_population_column", "population"),
    ("text_in_m", "'m'"),
    ("negative_population", "population"),
    ("zero_m", r"\bm must be positive"),
    pytest.param("one_zone", "zone", marks=fixed(
        "chapters/granular/05_spatial_policy.md runs to the end on a zones file with a single zone "
        "(no migration margin; 'largest vs smallest' compares a zone with itself), while "
        "lib.granular.spatial.synthetic_zones requires n_zones >= 2")),
])
def test_granular_spatial_notebook_malformed_zones(run_notebook, tmp_path, kind, word):
    from lib.rerun import RerunError

    p = tmp_path / f"zones_{kind}.csv"
    p.write_text(_zones_edit(kind))
    with pytest.raises(RerunError, match=word):
        run_notebook("granular/05_spatial_policy.md", zones_csv=str(p), n_sectors=20, n_max=40)


# ---------------------------------------------------------------------------------------------
# second sweep (13:00 UTC): secondary public entry points of each chapter module
# ---------------------------------------------------------------------------------------------
def _fe_toy():
    return fe_by.toy_fundamentals(3, 2, 3, 2, 1, seed=0)


def _fe_toy_solution(xi=12.3):
    f = _fe_toy()
    base = fe_hat.base_from_levels(f, fe_levels.solve_levels(f))
    return base, fe_hat.solve_hat(base, np.ones(3), **FE_PAR)


@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
    # offshoring
    pytest.param(lambda: off.existence_condition(0.0, OFF), "alpha", marks=fixed(
        "offshoring.existence_condition(alpha=0) raises ZeroDivisionError; alpha=1.5 returns -inf silently")),
    pytest.param(lambda: off.existence_condition(1.5, OFF), "alpha", marks=fixed(
        "offshoring.existence_condition(alpha=1.5) returns -inf instead of rejecting alpha outside (0, 1]")),
    pytest.param(lambda: off.band_where(lambda a: a - 0.7, 0.9, 0.5), "alpha_lo|alpha_hi", marks=fixed(
        "offshoring.band_where(fn, alpha_lo=0.9, alpha_hi=0.5) silently returns the 'band' (0.9, 0.7)")),
    pytest.param(lambda: off.model_panel(OFF, years=(2017, 2001)), "years", marks=fixed(
        "offshoring.model_panel(years=(2017, 2001)) raises numpy's 'negative dimensions are not allowed' "
        "(synthetic_panel names years correctly)")),
    pytest.param(lambda: off.model_panel(OFF, alpha_sd=-1.0), "alpha_sd", marks=fixed(
        "offshoring.model_panel(alpha_sd=-1) raises numpy's 'scale < 0', which does not name alpha_sd")),
    pytest.param(lambda: off.top_quartile_dummy(np.array([0.5, np.nan, 0.7, 0.8])), "alpha|initial", marks=fixed(
        "offshoring.top_quartile_dummy with a NaN initial alpha silently returns all zeros (and an empty "
        "array raises IndexError)")),
    pytest.param(lambda: off.cutoff_productivity(-1.0, OFF), r"\bv\b", marks=fixed(
        "offshoring.cutoff_productivity(v=-1) returns NaN")),
    pytest.param(lambda: off.extended_phi(0.0, 0.9, OFF), r"\bv\b", marks=fixed(
        "offshoring.extended_phi(v=0) raises ZeroDivisionError (v must lie in (beta/H_bar, (rho E + beta)/H_bar))")),
    # migration_mnc
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
    # granular
    pytest.param(lambda: gran_local.baseline_sector_equilibrium(np.array([[1.0, -1.0]]), np.zeros((1, 2)), 0.13, 1.0),
                 r"\bz\b", marks=fixed(
                     "granular.local.baseline_sector_equilibrium accepts a negative productivity z = -1 (treated "
                     "as an absent firm); no_shock_shares rejects it")),
    pytest.param(lambda: gran_local.draw_size_biased_sectors(2.0, 1.5, 0, np.random.default_rng(0)), "n_sectors",
                 marks=fixed("granular.local.draw_size_biased_sectors(n_sectors=0) raises numpy's 'zero-size "
                             "array' ValueError, which does not name n_sectors")),
    pytest.param(lambda: gran_q.cournot_sector_table(**GP, n_max=40, n_sectors=10, n_sparse=3, h=0.0), r"\bh\b",
                 marks=fixed("granular.quantitative.cournot_sector_table(h=0) returns a markdown table of NaN "
                             "and inf (divides by 2 h^2); only the notebook checks h")),
    pytest.param(lambda: gran_q.newton_sector_batch(np.array([[0.7, 0.7]]), np.zeros((1, 2)), 0.13, 2.48, 1.46),
                 r"\bsh\b", marks=fixed(
                     "granular.quantitative.newton_sector_batch accepts shares summing to 1.4 and returns "
                     "l_hat = -0.039 at a zero shock (solve_sector now rejects them)")),
    pytest.param(lambda: gran_sp.entry_given_population(gran_sp.conduct_curves(**GP, n_grid=20), np.array([1.0]),
                                                        np.array([0.0])), "ell_hat", marks=fixed(
        "granular.spatial.entry_given_population(ell_hat=0) (or negative) silently returns m0 * exp(-8), the "
        "edge of its bisection bracket")),
    pytest.param(lambda: gran_sp.entry_given_population(gran_sp.conduct_curves(**GP, n_grid=20), np.array([-1.0]),
                                                        np.array([1.0])), "m0", marks=fixed(
        "granular.spatial.entry_given_population(m0=-1) returns NaN")),
    # foreign_employment
    pytest.param(lambda: replace(_fe_toy(), group_k=np.array([0, 1, 2])), "group_k", marks=fixed(
        "foreign_employment.levels.Fundamentals accepts group_k = [0, 1, 2] (nationality must be 0 or 1)")),
    pytest.param(lambda: replace(_fe_toy(), S=_fe_toy().S[:2]), r"\bS\b", marks=fixed(
        "foreign_employment.levels.Fundamentals accepts S of shape (2, 3) for 3 groups (shape not checked)")),
    pytest.param(lambda: fe_levels.solve_levels(_fe_toy(), tol=0.0), "tol", marks=fixed(
        "foreign_employment.levels.solve_levels(tol=0) raises ConvergenceError ('residual 7e-14 > tol 0') "
        "instead of a ValueError naming tol")),
    pytest.param(lambda: fe_levels.evaluate_levels(_fe_toy(), np.zeros(3)), "log_p", marks=fixed(
        "foreign_employment.levels.evaluate_levels(log_p of shape (3,)) raises IndexError")),
    pytest.param(lambda: fe_hat.apply_solution(*_fe_toy_solution(), 0.5), r"\bxi\b", marks=fixed(
        "foreign_employment.hat.apply_solution(..., xi=0.5) is accepted (xi > 1 not checked)")),
    pytest.param(lambda: fe_cf.foreign_scale_shock(["Q-x", "Z-y"], 0.5), "group", marks=fixed(
        "foreign_employment.counterfactuals.foreign_scale_shock with group labels not of the form "
        "'D-...'/'F-...' raises IndexError ('list index out of range')")),
    pytest.param(lambda: fe_cf.expansion_shock(GROUPS, np.ones(3), "X-LS"), "L_g", marks=fixed(
        "foreign_employment.counterfactuals.expansion_shock with L_g of length 3 for 16 groups raises a "
        "numpy IndexError about a boolean index")),
    pytest.param(lambda: fe_by.make_synthetic_base(seed=-1, n_regions=4, calibrate=False), "seed", marks=fixed(
        "foreign_employment.base_year.make_synthetic_base(seed=-1) raises numpy's 'expected non-negative "
        "integer', which does not name seed")),
    pytest.param(lambda: fe_by.make_synthetic_base(n_regions=4.5, calibrate=False), "n_regions", marks=fixed(
        "foreign_employment.base_year.make_synthetic_base(n_regions=4.5) silently builds 4 regions")),
    pytest.param(lambda: fe_by.make_synthetic_base(n_regions=4, target_tol=0.0), "target_tol", marks=fixed(
        "foreign_employment.base_year.make_synthetic_base(target_tol=0) fails inside anderson_solve with "
        "'tol = 0.0 must be positive', naming tol rather than target_tol")),
])
def test_second_sweep_defects(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# ---------------------------------------------------------------------------------------------
# issue 15: derived ranges, bounded kernels, messages in the reader's words
# ---------------------------------------------------------------------------------------------
from lib.migration_mnc import model as _wang_model  # noqa: E402
from lib.migration_mnc import solver as _wang_solver  # noqa: E402


@pytest.mark.parametrize("sigma", [1.000000001, 1.0 + 1e-6, 1.01])
def test_wang_sigma_too_close_to_one_is_rejected_with_the_derived_bound(sigma):
    """Before: WangParameters(sigma=1+1e-9) was accepted and the solver reported converged=True
    with NaN outcomes; (fI/f)**(-kappa/(sigma-1)) underflows for sigma < 1 + kappa*ln(76)/708."""
    with pytest.raises(ValueError, match=r"sigma = .* admissible range \(1\.011.*fI/f"):
        _wang_model.table3_parameters().with_changes(sigma=sigma)


def test_wang_sigma_bound_is_derived_from_double_precision():
    b = _wang_model.sigma_lower_bound(1.8, 76.0, 1.0)
    assert b == pytest.approx(1.0 + 1.8 * np.log(76.0) / -np.log(np.finfo(float).tiny), rel=1e-12)
    assert _wang_model.sigma_lower_bound(1.8, 1.0, 1.0) == 1.0  # no affiliate premium: no bound
    assert np.isfinite(76.0 ** (-1.8 / (b - 1.0) * 0.999)) and 76.0 ** (-1.8 / (b - 1.0) * 0.999) > 0


@pytest.mark.parametrize("sigma", [1.012, 1.05, 1.2])
def test_wang_solver_never_reports_converged_with_non_finite_objects(sigma):
    par = _wang_model.table3_parameters().with_changes(sigma=sigma)
    try:
        res = _wang_solver.solve_regime(par, "migration_and_mnc")
    except ConvergenceError as err:
        assert "sigma = " in str(err) and np.isfinite(err.iterations)
        return
    assert res.converged
    for name in ("s", "u", "M", "chi", "phibar", "phif", "Rev", "R", "P", "H_demand", "L_demand"):
        assert np.all(np.isfinite(getattr(res.objects, name))), name


def test_wang_convergence_error_names_the_parameters_that_differ_from_table3():
    par = _wang_model.table3_parameters().with_changes(sigma=1.02)
    assert _wang_model.describe_parameters(par) == "sigma = 1.02 (Table 3: sigma = 2.7)"
    assert _wang_model.describe_parameters(_wang_model.table3_parameters()) == "Table 3 parameters"
    with pytest.raises(ConvergenceError, match=r"not found at sigma = 1\.02 \(Table 3: sigma = 2\.7\)"):
        _wang_solver.solve_regime(par, "migration_and_mnc")


from lib import offshoring as _off  # noqa: E402
from lib.granular import hhi as _hhi  # noqa: E402
from lib.granular import local as _gl  # noqa: E402
from lib.granular import quantitative as _gq  # noqa: E402
from lib.migration_mnc import policy as _wang_policy  # noqa: E402


@pytest.mark.parametrize("f", [1e-320, 1e-300, 1e-240, 1e300, 1e250])
def test_offshoring_f_that_leaves_double_precision_is_rejected_naming_f(f):
    """Before: f = 1e-320 computed NaN and stopped only at 'refusing to write a non-finite result'."""
    with pytest.raises(ValueError, match=r"^f = .* admissible range"):
        _off.Params(f=f)


@pytest.mark.parametrize("f", [1e-230, 1e-50, 1e100, 1e200])
def test_offshoring_extreme_but_admissible_f_gives_finite_quadrature(f):
    p = _off.Params(f=f, L_bar=90.0)
    q = _off.quadrature_aggregates(1.0, p, "baseline")
    assert all(np.isfinite(q[k]) for k in ("X", "X_star", "H_demand", "revenue", "M"))
    assert q["X"] == pytest.approx(p.L_bar, rel=1e-6)  # eq. (12): unskilled labour market clears


def test_turning_points_scan_size_is_bounded():
    """Before: turning_points(n_scan=10**9) tried to allocate without limit."""
    with pytest.raises(ValueError, match=r"n_scan = 1000000000 is outside its admissible range \[2, 1000000\]"):
        _off.turning_points(_off.Params(), n_scan=10**9)


def test_size_biased_sector_draws_are_bounded():
    """Before: draw_size_biased_sectors(10**9 sectors) tried to allocate 10**9 x width floats."""
    with pytest.raises(ValueError, match=r"n_sectors \(= 1000000000\) or m"):
        _gl.draw_size_biased_sectors(3.0, 3.0, 10**9)
    with pytest.raises(ValueError, match=r"n_sectors \(= 10\) or m \(= 1e\+12\)"):
        _gl.draw_size_biased_sectors(1e12, 3.0, 10)
    with pytest.raises(ValueError, match=r"n_max \(= 1000000000\)"):
        _gq.cournot_sector_table(0.13, 10.5, 2.48, 1.46, 0.14, 0.002, n_max=10**9)


@pytest.mark.parametrize("alpha", [1.05, 1.365, 3.0, np.inf])
def test_entrant_mass_bound_is_what_the_quadrature_resolves(alpha):
    top = _hhi.max_entrant_mass(alpha)
    m = np.array([top / 1e3, top])
    H = _hhi.weighted_hhi(m, alpha)
    assert np.all(np.isfinite(H)) and np.all(H > 0) and H[1] < H[0]
    with pytest.raises(ValueError, match=r"m = .* admissible range \[0, "):
        _hhi.weighted_hhi(top * 1.01, alpha)
    with pytest.raises(ValueError, match=r"m_max = 1e\+308"):
        _hhi.check_entrant_mass("m_max", 1e308, alpha)


def test_branch_end_bisection_is_bounded_whatever_tol():
    """Before: ``while hi - lo > tol`` never ended for tol = 1e-320 (hi - lo stops shrinking)."""
    par = _wang_model.table3_parameters()
    with pytest.raises(ValueError, match=r"tol"):
        _wang_policy.branch_end(par, tol=0.0)
    with pytest.raises(ValueError, match=r"c_converged"):
        _wang_policy.branch_end(par, c_converged=float("inf"))
    assert _wang_policy.BRANCH_MAX_BISECTIONS == 60
