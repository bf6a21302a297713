"""Unit tests for lib/offshoring/: Nishiyama, Nakano, Tsuboi & Furuta (2025), Sections 2-3."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lib import offshoring as off

FIG3 = off.Params()  # k=3.4, sigma=3.8, f=0.10, H=100, L=95, E=1500
BASE = off.Params(L_bar=90.0)  # baseline-feasible variant used in notebook 01


# ---------------------------------------------------------------- parameters
@pytest.mark.parametrize("kwargs, word", [
    (dict(sigma=1.0), "sigma"),
    (dict(sigma=0.5, k=3.4), "sigma"),
    (dict(k=2.8), "k"),
    (dict(k=2.0), "sigma - 1"),
    (dict(L_bar=100.0), "L_bar"),
    (dict(L_bar=120.0), "H_bar"),
    (dict(H_bar=-1.0), "H_bar"),
    (dict(E_bar=0.0), "E_bar"),
    (dict(f=0.0), "f"),
])
def test_infeasible_parameters_raise(kwargs, word):
    with pytest.raises(ValueError, match=word):
        off.Params(**kwargs)


def test_derived_constants():
    assert FIG3.rho == pytest.approx(2.8 / 3.8)
    assert FIG3.beta == pytest.approx((3.4 - 2.8) / (3.4 * 3.8) * 1500)
    assert FIG3.beta == pytest.approx(69.6594, abs=1e-4)


def test_cd_A_properties():
    a = np.linspace(0.01, 0.99, 99)
    A = off.cd_A(a)
    assert np.all((A >= 0.5 - 1e-12) & (A < 1))
    assert off.cd_A(0.5) == pytest.approx(0.5)
    assert off.cd_A(1.0) == pytest.approx(1.0)
    h = 1e-6
    fd = (np.log(off.cd_A(a + h)) - np.log(off.cd_A(a - h))) / (2 * h)
    assert np.allclose(fd, off.dlnA_dalpha(a), atol=1e-6)


# ---------------------------------------------------------------- baseline
def test_baseline_market_clearing_residuals():
    a = np.linspace(0.91, 1.0, 50)
    v, w = off.baseline_wages(a, BASE)
    c = off.baseline_unit_cost(w, v, a)
    M = off.active_firms(off.cutoff_productivity(v, BASE), BASE)
    assert np.allclose(a * BASE.rho * BASE.E_bar / c, BASE.L_bar, rtol=1e-12)  # (12)
    assert np.allclose(BASE.rho * BASE.E_bar / c + BASE.f * M, BASE.H_bar, rtol=1e-12)  # (13)


def test_baseline_alpha_bound_validated():
    with pytest.raises(ValueError, match="alpha"):
        off.baseline_wages(0.85, BASE)  # below L/H = 0.9


def test_baseline_v_explodes_at_lower_bound():
    v_near, _ = off.baseline_wages(0.9 + 1e-9, BASE)
    assert v_near > 1e8


@pytest.mark.parametrize("alpha", [0.96, 0.98, 0.999])
def test_baseline_closed_forms_vs_quadrature(alpha):
    q = off.quadrature_aggregates(alpha, BASE, "baseline")
    e = off.equilibrium(alpha, BASE, "baseline")
    assert q["X"] == pytest.approx(BASE.L_bar, rel=1e-9)
    assert q["X_star"] == pytest.approx(e["X_star"], rel=1e-9)
    assert q["H_demand"] == pytest.approx(BASE.H_bar, rel=1e-9)
    assert q["revenue"] == pytest.approx(BASE.E_bar, rel=1e-9)
    assert q["M"] == pytest.approx(e["M"], rel=1e-9)
    assert q["U"] == pytest.approx(e["U"], rel=1e-9)
    assert abs(q["profit_at_cutoff"]) < 1e-9


def test_baseline_derivatives_vs_finite_differences():
    a = np.linspace(0.96, 0.999, 40)
    d = off.baseline_derivatives(a, BASE)
    h = 1e-6
    vp, wp = off.baseline_wages(a + h, BASE)
    vm, wm = off.baseline_wages(a - h, BASE)
    assert np.allclose((vp - vm) / (2 * h), d["dv"], rtol=1e-6)
    assert np.allclose((wp - wm) / (2 * h), d["dw"], rtol=1e-6)
    lnU = lambda x: np.log(off.equilibrium(x, BASE, "baseline")["U"])  # noqa: E731
    assert np.allclose((lnU(a + h) - lnU(a - h)) / (2 * h), d["dlnU"], rtol=1e-6, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(L=st.floats(70.0, 95.0), E=st.floats(800.0, 3000.0), u=st.floats(0.01, 0.99),
       sigma=st.floats(2.0, 5.0))
def test_proposition_1_signs(L, E, u, sigma):
    p = off.Params(k=sigma + 0.5, sigma=sigma, L_bar=L, E_bar=E)
    lo = L / p.H_bar
    alpha = lo + u * (1 - lo)
    v, w = off.baseline_wages(alpha, p)
    if not (w > 0 and alpha < 1):
        return
    d = off.baseline_derivatives(alpha, p)
    assert d["dv"] < 0 < d["dw"]
    assert d["dln_ratio"] < 0
    assert d["dlnU"] < 0


@pytest.mark.parametrize("lam", [0.5, 2.0, 7.0])
@pytest.mark.parametrize("model, alpha", [("baseline", 0.97), ("extended", 0.8), ("extended", 0.95)])
def test_homogeneity_degree_zero(lam, model, alpha):
    p = BASE if model == "baseline" else FIG3
    e1, e2 = off.equilibrium(alpha, p, model), off.equilibrium(alpha, p.scaled(lam), model)
    assert e2["v"] == pytest.approx(e1["v"], rel=1e-10)
    assert e2["w"] == pytest.approx(e1["w"], rel=1e-10)
    assert e2["M"] == pytest.approx(lam * e1["M"], rel=1e-10)


def test_wages_do_not_depend_on_M_bar():
    e1 = off.equilibrium(0.9, FIG3)
    e2 = off.equilibrium(0.9, off.Params(M_bar=1000.0))
    assert e2["v"] == pytest.approx(e1["v"], rel=1e-12)
    assert e2["phi_min"] > 1 > e1["phi_min"]


# ---------------------------------------------------------------- extended
@pytest.mark.parametrize("alpha", [0.05, 0.3, 0.52, 0.7, 0.9, 0.95, 0.99, 0.999])
def test_extended_solution_solves_system(alpha):
    s = off.solve_extended(alpha, FIG3)
    A = off.cd_A(alpha)
    v, w = s.v, s.w
    assert v == pytest.approx(FIG3.beta / (FIG3.H_bar - A / alpha * w ** (1 - alpha) * FIG3.L_bar), rel=1e-10)
    assert alpha * FIG3.rho * FIG3.E_bar == pytest.approx(FIG3.L_bar * (A * v * w ** (1 - alpha) + w), rel=1e-10)
    assert s.converged and s.residual < 1e-12


@pytest.mark.parametrize("alpha", [0.3, 0.6, 0.9, 0.97])
def test_phi_route_equals_w_route(alpha):
    s1, s2 = off.solve_extended(alpha, FIG3), off.solve_extended_w_route(alpha, FIG3)
    assert abs(s1.v - s2.v) < 1e-10 and abs(s1.w - s2.w) < 1e-10


@settings(max_examples=25, deadline=None)
@given(alpha=st.floats(0.02, 0.995), L=st.floats(60.0, 99.0), E=st.floats(500.0, 4000.0))
def test_bracket_has_exactly_one_sign_change(alpha, L, E):
    """Solver bracket property: Phi is positive at the left end, negative at the right end and
    strictly decreasing in between, so the bracket contains exactly one root and no pole."""
    p = off.Params(L_bar=L, E_bar=E)
    lo, hi = p.beta / p.H_bar, (p.rho * p.E_bar + p.beta) / p.H_bar
    assert off.extended_phi(lo, alpha, p) > 0
    # at v = hi, w = 0 up to rounding (w^(1-alpha) magnifies a 1e-13 residue), hence the tolerance
    # (at alpha = 0.875, L = 60 the residue moves Phi(hi) by 0.7 of 94): check the sign and the size
    right = off.extended_phi(hi, alpha, p)
    assert right < 0
    assert right == pytest.approx(-p.H_bar * p.rho * p.E_bar / (p.rho * p.E_bar + p.beta), rel=0.05)
    assert off.extended_phi(hi, alpha, p) < 0
    grid = np.linspace(lo, hi, 2001)
    vals = off.extended_phi(grid, alpha, p)
    assert np.all(np.isfinite(vals))
    assert np.all(np.diff(vals) < 0)
    s = off.solve_extended(alpha, p)
    assert lo < s.v < hi and s.w > 0


def test_excess_demand_decreasing_with_root_at_solution():
    alpha = 0.9
    s = off.solve_extended(alpha, FIG3)
    w_top = min(off.extended_w_pole(alpha, FIG3), alpha * FIG3.rho * FIG3.E_bar / FIG3.L_bar)
    ww = np.linspace(0.01, w_top * (1 - 1e-6), 500)
    W = off.extended_excess_demand(ww, alpha, FIG3)
    assert np.all(np.diff(W) < 0)
    assert abs(off.extended_excess_demand(s.w, alpha, FIG3)) < 1e-12


def test_v_of_w_refuses_beyond_pole():
    with pytest.raises(ValueError, match="pole"):
        off.extended_v_of_w(10 * off.extended_w_pole(0.6, FIG3), 0.6, FIG3)


def test_alpha_to_one_limit_matches_baseline():
    v_b, w_b = off.baseline_wages(1.0, BASE)
    gaps = [max(abs(off.solve_extended(1 - g, BASE).v - v_b), abs(off.solve_extended(1 - g, BASE).w - w_b))
            for g in (1e-2, 1e-3, 1e-4, 1e-5, 1e-6)]
    assert all(b < a for a, b in zip(gaps, gaps[1:]))
    assert gaps[-1] < 1e-3
    s1 = off.solve_extended(1.0, BASE)
    assert s1.v == pytest.approx(v_b) and s1.w == pytest.approx(w_b)


def test_alpha_one_without_positive_wage_raises():
    with pytest.raises(ValueError, match="w > 0"):
        off.solve_extended(1.0, FIG3)  # baseline w(1) < 0 at L = 95


def test_vectorised_path_matches_scalar_solver():
    a = np.linspace(0.52, 0.99, 37)
    v, w, res = off.solve_extended_path(a, FIG3)
    vs = np.array([off.solve_extended(x, FIG3).v for x in a])
    ws = np.array([off.solve_extended(x, FIG3).w for x in a])
    assert np.allclose(v, vs, rtol=1e-11) and np.allclose(w, ws, rtol=1e-11)
    assert res < 1e-12


@pytest.mark.parametrize("alpha", [0.52, 0.75, 0.9, 0.94, 0.97, 0.99])
def test_extended_closed_forms_vs_quadrature(alpha):
    q = off.quadrature_aggregates(alpha, FIG3, "extended")
    e = off.equilibrium(alpha, FIG3, "extended")
    assert q["X"] == pytest.approx(FIG3.L_bar, rel=1e-9)  # (20) with X = L
    assert q["X_star"] == pytest.approx(e["X_star"], rel=1e-9)  # corrected exponent w^alpha
    assert q["H_demand"] == pytest.approx(FIG3.H_bar, rel=1e-9)  # (21)
    assert q["U"] == pytest.approx(e["U"], rel=1e-9)
    assert abs(q["profit_at_cutoff"]) < 1e-9


def test_paper_printed_X_star_exponent_is_wrong():
    """The paper's (20) prints w^(alpha-1) in X*; quadrature rejects it (unless w = 1)."""
    alpha = 0.9
    e = off.equilibrium(alpha, FIG3)
    q = off.quadrature_aggregates(alpha, FIG3)
    printed = (1 - alpha) * e["w"] ** (alpha - 1) / (e["w"] ** alpha + off.cd_A(alpha) * e["v"]) * FIG3.rho * FIG3.E_bar
    assert abs(printed - q["X_star"]) > 1.0


def test_adding_up_identity():
    """w L + X* + v H + profits = E_bar (income side equals expenditure)."""
    for model, p, a in (("baseline", BASE, 0.97), ("extended", FIG3, 0.9)):
        e = off.equilibrium(a, p, model)
        assert e["w"] * p.L_bar + e["X_star"] + e["v"] * p.H_bar + e["profits"] == pytest.approx(p.E_bar, rel=1e-12)


def test_welfare_identities():
    e = off.equilibrium(0.9, FIG3)
    A = off.cd_A(0.9)
    appB = FIG3.phi_tilde_factor * FIG3.L_bar * A / 0.9 * e["w"] ** 0.1 * e["phi_min"]
    assert e["U"] == pytest.approx(appB, rel=1e-12)
    assert e["U"] == pytest.approx(e["phi_tilde"] * (FIG3.H_bar - FIG3.beta / e["v"]), rel=1e-12)
    eb = off.equilibrium(0.97, BASE, "baseline")
    assert eb["U"] == pytest.approx(BASE.phi_tilde_factor * BASE.L_bar * eb["phi_min"] / 0.97, rel=1e-12)


@pytest.mark.parametrize("alpha", [0.3, 0.6, 0.8, 0.9, 0.94, 0.96, 0.99])
def test_extended_derivatives_vs_finite_differences(alpha):
    s = off.solve_extended(alpha, FIG3)
    d = off.extended_derivatives_paper(s.v, s.w, alpha, FIG3)
    dc = off.extended_derivatives(alpha, FIG3)
    h = 1e-6
    sp, sm = off.solve_extended(alpha + h, FIG3), off.solve_extended(alpha - h, FIG3)
    assert (sp.v - sm.v) / (2 * h) == pytest.approx(float(d["dv"]), rel=1e-5, abs=1e-6)
    assert (sp.w - sm.w) / (2 * h) == pytest.approx(float(d["dw"]), rel=1e-5, abs=1e-6)
    assert dc["dv"] == pytest.approx(float(d["dv"]), rel=1e-10, abs=1e-12)
    assert dc["dw"] == pytest.approx(float(d["dw"]), rel=1e-10, abs=1e-12)
    assert d["Delta"] > 0
    # from w = alpha (rho E + beta - v H)/L (notebook 02): dw/dalpha = w/alpha - alpha H/L dv/dalpha
    assert dc["dw"] == pytest.approx(s.w / alpha - alpha * FIG3.H_bar / FIG3.L_bar * dc["dv"], rel=1e-9)
    # welfare: App. B expression equals the book's and finite differences
    lnU = lambda a: math.log(off.equilibrium(a, FIG3)["U"])  # noqa: E731
    fdU = (lnU(alpha + h) - lnU(alpha - h)) / (2 * h)
    assert fdU == pytest.approx(dc["dlnU"], rel=1e-5, abs=1e-7)
    assert off.extended_dlnU_paper(alpha, s.v, s.w, dc["dv"], dc["dw"], FIG3) == pytest.approx(dc["dlnU"], rel=1e-9, abs=1e-12)


def test_stability_appendix_A():
    for a in np.linspace(0.05, 0.99, 30):
        s = off.solve_extended(a, FIG3)
        j = off.extended_jacobian(s.v, s.w, a, FIG3)
        assert j["det"] > 0 and j["trace"] < 0


def test_turning_points_at_figure_3_parameters():
    tp = off.turning_points(FIG3)
    assert len(tp["w"]) == 1 and len(tp["v"]) == 1 and len(tp["ratio"]) == 1
    a_v, a_w = tp["v"][0], tp["w"][0]
    # v trough solves alpha/(1-alpha) = e w(alpha)  (from (26a))
    s = off.solve_extended(a_v, FIG3)
    assert a_v / (1 - a_v) == pytest.approx(math.e * s.w, rel=1e-9)
    # welfare trough coincides with the v trough
    assert tp["U"][0] == pytest.approx(a_v, abs=1e-9)
    # shapes: w inverted U, v U
    assert off.extended_derivatives(a_w - 0.01, FIG3)["dw"] > 0 > off.extended_derivatives(a_w + 0.01, FIG3)["dw"]
    assert off.extended_derivatives(a_v - 0.01, FIG3)["dv"] < 0 < off.extended_derivatives(a_v + 0.01, FIG3)["dv"]
    assert 0.731 < a_v < a_w < 1


@settings(max_examples=25, deadline=None)
@given(alpha=st.floats(0.05, 0.99), L=st.floats(80.0, 98.0))
def test_proposition_2_sign_rules(alpha, L):
    p = off.Params(L_bar=L)
    d = off.extended_derivatives(alpha, p)
    w = d["w"]
    if alpha < 0.5 and w > 1:  # part (i), under the proposition's assumption w > 1
        assert d["dv"] < 0 < d["dw"]
    assert (d["dv"] > 0) == (alpha / (1 - alpha) > math.e * w)
    assert np.sign(d["dlnU"]) == np.sign(d["dv"])


def test_band_where_and_existence_condition():
    band = off.band_where(lambda a: np.minimum(*(lambda v, w, r: (v - w, w - 1))(*off.solve_extended_path(a, FIG3))),
                          0.01, 0.999)
    lo, hi = band
    assert 0.5 < lo < 0.52 and 0.99 < hi < 0.999
    assert off.solve_extended(lo, FIG3).w == pytest.approx(1.0, abs=1e-9)
    # W(1) > 0 iff w > 1
    for a in (0.45, 0.505, 0.6, 0.9):
        assert (off.existence_condition(a, FIG3) > 0) == (off.solve_extended(a, FIG3).w > 1)


def test_welfare_dlog_dispatch_and_bad_model():
    assert off.welfare_dlog(0.97, BASE, "baseline") == pytest.approx(off.baseline_derivatives(0.97, BASE)["dlnU"])
    assert off.welfare_dlog(0.9, FIG3) == pytest.approx(off.extended_derivatives(0.9, FIG3)["dlnU"])
    with pytest.raises(ValueError, match="model"):
        off.welfare_dlog(0.9, FIG3, "leontief")
    with pytest.raises(ValueError, match="model"):
        off.equilibrium(0.9, FIG3, "leontief")


def test_band_where_returns_none_when_never_positive():
    assert off.band_where(lambda a: -np.ones_like(a), 0.1, 0.9) is None


def test_solver_rejects_alpha_outside_unit_interval():
    for bad in (0.0, -0.2, 1.2):
        with pytest.raises(ValueError, match="alpha"):
            off.solve_extended(bad, FIG3)
    with pytest.raises(ValueError, match="alpha"):
        off.solve_extended_path(np.array([0.5, 1.0]), FIG3)


def test_proposition_2_part_i_on_grid_at_figure_3_parameters():
    a = np.linspace(0.05, 0.49, 45)
    v, w, _ = off.solve_extended_path(a, FIG3)
    d = off.extended_derivatives_paper(v, w, a, FIG3)
    assert np.all(d["dv"] < 0) and np.all(d["dw"] > 0)
