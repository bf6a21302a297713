"""Inadmissible parameters of the offshoring chapter (Nishiyama et al.) give clear errors (issue 7, item 2).

The bad-input tests sit beside each paper's tests (tests/<paper>/test_*_bad_inputs.py; the generic
kernels and ``read_table`` in tests/core/test_core_bad_inputs.py). What the three groups of checks
are, and the helpers (``case_id``, ``xfail``, ``fixed``, ...): tests/bad_input_cases.py; the
``data_copy`` fixture: tests/conftest.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from lib import offshoring as off

from bad_input_cases import case_id, fixed

# feeding bad values on purpose: numpy's RuntimeWarnings (log of a negative, ...) are expected noise here
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


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
# second sweep (13:00 UTC): secondary public entry points of the offshoring modules
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
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
])
def test_second_sweep_defects(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# ---------------------------------------------------------------------------------------------
# issue 15: derived ranges, bounded kernels, messages in the reader's words
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("f", [1e-320, 1e-300, 1e-240, 1e300, 1e250])
def test_offshoring_f_that_leaves_double_precision_is_rejected_naming_f(f):
    """Before: f = 1e-320 computed NaN and stopped only at 'refusing to write a non-finite result'."""
    with pytest.raises(ValueError, match=r"^f = .* admissible range"):
        off.Params(f=f)


@pytest.mark.parametrize("f", [1e-230, 1e-50, 1e100, 1e200])
def test_offshoring_extreme_but_admissible_f_gives_finite_quadrature(f):
    p = off.Params(f=f, L_bar=90.0)
    q = off.quadrature_aggregates(1.0, p, "baseline")
    assert all(np.isfinite(q[k]) for k in ("X", "X_star", "H_demand", "revenue", "M"))
    assert q["X"] == pytest.approx(p.L_bar, rel=1e-6)  # eq. (12): unskilled labour market clears


def test_turning_points_scan_size_is_bounded():
    """Before: turning_points(n_scan=10**9) tried to allocate without limit."""
    with pytest.raises(ValueError, match=r"n_scan = 1000000000 is outside its admissible range \[2, 1000000\]"):
        off.turning_points(off.Params(), n_scan=10**9)
