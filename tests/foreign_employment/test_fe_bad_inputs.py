"""Inadmissible parameters and malformed data of the foreign_employment chapter (Doi & Suzuki) give clear errors (issue 7, item 2).

The bad-input tests sit beside each paper's tests (tests/<paper>/test_*_bad_inputs.py; the generic
kernels and ``read_table`` in tests/core/test_core_bad_inputs.py). What the three groups of checks
are, and the helpers (``case_id``, ``xfail``, ``fixed``, ...): tests/bad_input_cases.py; the
``data_copy`` fixture: tests/conftest.py.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from lib.foreign_employment import base_year as fe_by
from lib.foreign_employment import counterfactuals as fe_cf
from lib.foreign_employment import hat as fe_hat
from lib.foreign_employment import levels as fe_levels

from bad_input_cases import case_id, drop_row, fixed, replace_text

# feeding bad values on purpose: numpy's RuntimeWarnings (log of a negative, ...) are expected noise here
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


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
    (lambda: fe_by.make_synthetic_base(n_regions=4, foreign_wage_scale=0.0), "foreign_wage_scale"),
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
# malformed data files: data/foreign_employment/, edited in a copy (the data_copy fixture)
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("relpath, loader, edit, pattern", [
    ("foreign_employment/prefectures.csv", "prefectures", replace_text(",lat,", ",latitude,"), r"prefectures.csv.*\['lat'\]"),
    ("foreign_employment/prefectures.csv", "prefectures", replace_text(",source", ",src"), r"\['source'\]"),
    ("foreign_employment/table1.csv", "table1", replace_text("measure,row,sex,age", "measure,row,gender,age"), r"\['sex'\]"),
    ("foreign_employment/table1.csv", "table1", replace_text(",24.7,", ",n/a,"), r"column 'value'"),
    ("foreign_employment/text_shares.csv", "text_targets", replace_text("Tokyo,11.5", "Tokyo,"), r"column 'value'"),
])
def test_fe_loaders_malformed(data_copy, relpath, loader, edit, pattern):
    data_copy(relpath, edit)
    with pytest.raises(ValueError, match=pattern):
        getattr(fe_by, loader)()


def test_fe_negative_worker_share_stops_the_base_year(data_copy):
    data_copy("foreign_employment/table1.csv", replace_text(",share_pct,,24.7,", ",share_pct,,-24.7,"))
    with pytest.raises(ValueError, match=r"\bL\b"):
        fe_by.make_synthetic_base(n_regions=4, calibrate=False)


@pytest.mark.parametrize("relpath, loader, edit, word", [
    pytest.param("foreign_employment/table1.csv", "table1", replace_text(",share_pct,,24.7,", ",share_pct,,49.4,"),
                 "share", marks=fixed(
                     "foreign_employment.base_year.table1() accepts Table 1 worker shares summing to 124.7% "
                     "(make_synthetic_base then calibrates to them without complaint)")),
    pytest.param("foreign_employment/table1.csv", "table1", drop_row("number,D-LS,M,30-59"), "D-LS", marks=fixed(
        "foreign_employment.base_year.table1() on a table1.csv without the D-LS-M-30-59 share row raises "
        "pandas' IndexError 'single positional indexer is out-of-bounds'")),
    pytest.param("foreign_employment/text_shares.csv", "text_targets", replace_text("Tokyo,11.5", "Tokyo,111.5"),
                 "value|share", marks=fixed(
                     "foreign_employment.base_year.text_targets() accepts a 111.5% location share "
                     "(make_synthetic_base later fails with 'calibration did not reach target_tol')")),
])
def test_fe_loader_defects(data_copy, relpath, loader, edit, word):
    data_copy(relpath, edit)
    with pytest.raises(ValueError, match=word):
        getattr(fe_by, loader)()


# ---------------------------------------------------------------------------------------------
# second sweep (13:00 UTC): secondary public entry points of the foreign_employment modules
# ---------------------------------------------------------------------------------------------
def _fe_toy():
    return fe_by.toy_fundamentals(3, 2, 3, 2, 1, seed=0)


def _fe_toy_solution(xi=12.3):
    f = _fe_toy()
    base = fe_hat.base_from_levels(f, fe_levels.solve_levels(f))
    return base, fe_hat.solve_hat(base, np.ones(3), **FE_PAR)


@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
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
