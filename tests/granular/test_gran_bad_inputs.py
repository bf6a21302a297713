"""Inadmissible parameters and malformed data of the granular chapter (Kikuchi & O'Connor) give clear errors (issue 7, item 2).

The bad-input tests sit beside each paper's tests (tests/<paper>/test_*_bad_inputs.py; the generic
kernels and ``read_table`` in tests/core/test_core_bad_inputs.py). What the three groups of checks
are, and the helpers (``case_id``, ``xfail``, ``fixed``, ...): tests/bad_input_cases.py; the
``data_copy`` fixture: tests/conftest.py.
"""
from __future__ import annotations

import numpy as np
import pytest

from lib.core.data import DATA_DIR
from lib.granular import hhi as gran_hhi
from lib.granular import local as gran_local
from lib.granular import quantitative as gran_q
from lib.granular import spatial as gran_sp

from bad_input_cases import case_id, fixed

# feeding bad values on purpose: numpy's RuntimeWarnings (log of a negative, ...) are expected noise here
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


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
# malformed data files
# ---------------------------------------------------------------------------------------------
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
# second sweep (13:00 UTC): secondary public entry points of the granular modules
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, word", ids=case_id, argvalues=[
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
])
def test_second_sweep_defects(call, word):
    with pytest.raises(ValueError, match=word):
        call()


# ---------------------------------------------------------------------------------------------
# issue 15: derived ranges, bounded kernels, messages in the reader's words
# ---------------------------------------------------------------------------------------------
def test_size_biased_sector_draws_are_bounded():
    """Before: draw_size_biased_sectors(10**9 sectors) tried to allocate 10**9 x width floats."""
    with pytest.raises(ValueError, match=r"n_sectors \(= 1000000000\) or m"):
        gran_local.draw_size_biased_sectors(3.0, 3.0, 10**9)
    with pytest.raises(ValueError, match=r"n_sectors \(= 10\) or m \(= 1e\+12\)"):
        gran_local.draw_size_biased_sectors(1e12, 3.0, 10)
    with pytest.raises(ValueError, match=r"n_max \(= 1000000000\)"):
        gran_q.cournot_sector_table(0.13, 10.5, 2.48, 1.46, 0.14, 0.002, n_max=10**9)


@pytest.mark.parametrize("alpha", [1.05, 1.365, 3.0, np.inf])
def test_entrant_mass_bound_is_what_the_quadrature_resolves(alpha):
    top = gran_hhi.max_entrant_mass(alpha)
    m = np.array([top / 1e3, top])
    H = gran_hhi.weighted_hhi(m, alpha)
    assert np.all(np.isfinite(H)) and np.all(H > 0) and H[1] < H[0]
    with pytest.raises(ValueError, match=r"m = .* admissible range \[0, "):
        gran_hhi.weighted_hhi(top * 1.01, alpha)
    with pytest.raises(ValueError, match=r"m_max = 1e\+308"):
        gran_hhi.check_entrant_mass("m_max", 1e308, alpha)
