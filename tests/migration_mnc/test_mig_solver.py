"""Equilibrium tests for Wang (2014): residuals, Table 5, accounting, symmetry, limits, scaling."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from lib.core.errors import ConvergenceError
from lib.migration_mnc import model as m
from lib.migration_mnc import solver as sv
from lib.core.data import read_table

PAR = m.table3_parameters()
BOTH = m.REGIMES["migration_and_mnc"]


@pytest.fixture(scope="module")
def table5():
    return sv.solve_table5(PAR)


def level_residuals(res):
    """Market clearing, IC and balance recomputed in levels (not through the solver)."""
    eq, par = res.objects, res.par
    out = list(eq.H_demand.sum(axis=(0, 1)) - par.H) + list(eq.L_demand.sum(axis=(0, 1)) - par.L)
    if res.regime.migration:
        for w in (eq.s, eq.u):
            out += [w[0, 1] / eq.P[0] - w[1, 1] / eq.P[1], w[1, 0] / eq.P[1] - w[0, 0] / eq.P[0]]
    if res.regime.mnc:
        out.append(eq.M[0] * eq.chi[0] - eq.M[1] * eq.chi[1])
    return np.array(out)


@pytest.mark.parametrize("key", ["autarky", "migration_only", "mnc_only", "migration_and_mnc"])
def test_residuals_below_1e10(table5, key):
    res = table5[0][key]
    assert res.converged and res.residual < 1e-10
    assert np.max(np.abs(level_residuals(res))) < 1e-10


def _paper_table5():
    return read_table("migration_mnc/table5.csv", ["variable"]).set_index("variable")


def _book_value(o, var):
    if var.startswith("real_wage_"):
        return o["real_wage"][var[len("real_wage_"):]]
    if var.startswith("gdp_per_capita_"):
        return o["gdp_per_capita"][var[-2:]]
    if var.startswith("migrants_"):
        return o["migrant_stocks"][var[len("migrants_"):]]
    if var.startswith("bi_"):
        return o["bilaterality"][var[-1]]
    if var.startswith("firm_mass_"):
        return o["firm_mass"][var[len("firm_mass_"):]]
    if var.startswith("cutoff_"):
        return o["cutoffs"][var[len("cutoff_"):]]
    if var.startswith("productivity_"):
        return o["aggregate_productivity"][var[-2:]]
    raise KeyError(var)


@pytest.mark.parametrize("regime", ["mnc_only", "migration_and_mnc"])
def test_table5_multinational_columns_within_5e4(table5, regime):
    paper = _paper_table5()[regime].dropna()
    out = table5[1][regime]
    for var, p in paper.items():
        if var.startswith("bi_"):
            continue  # printed BIs use rounded stocks: tested below
        b = _book_value(out, var)
        # relative 5e-4, or within half a unit of the paper's last printed digit
        assert abs(b - p) <= max(5e-4 * abs(p), 5e-5 + 1e-12), (regime, var, b, p)


def test_table5_bilaterality_from_rounded_stocks(table5):
    o = table5[1]["migration_and_mnc"]["migrant_stocks"]
    r = {k: round(v, 4) for k, v in o.items()}
    assert abs(m.bilaterality_index(r["H_US_to_CA"], r["H_CA_to_US"]) - 0.5333) < 5e-5
    assert abs(m.bilaterality_index(r["L_US_to_CA"], r["L_CA_to_US"]) - 0.379) < 5e-4


def test_table4_with_mnc_to_printed_digits(table5):
    pct = table5[1]["migration_and_mnc"]["immigrant_share_pct"]
    printed = {"H_US_US_firms": 0.61, "H_US_CA_firms": 0.76, "L_US_US_firms": 0.36, "L_US_CA_firms": 0.52,
               "H_CA_CA_firms": 1.88, "H_CA_US_firms": 2.35, "L_CA_CA_firms": 0.84, "L_CA_US_firms": 1.19}
    for k, v in printed.items():
        assert abs(pct[k] - v) <= 0.005 + 1e-9, (k, pct[k], v)


def test_us_autarky_exact(table5):
    res, out = table5
    assert abs(res["autarky"].objects.s[0, 0] - 3.19495) < 1e-5
    assert abs(res["autarky"].objects.M[0] - 0.58359) < 1e-5
    assert out["autarky"]["real_wage"]["L_US"] == pytest.approx(1.0)
    assert out["autarky"]["gdp_per_capita"]["US"] == pytest.approx(100.0)


def test_accounting_identities(table5):
    eq = table5[0]["migration_and_mnc"].objects
    par = PAR
    wage_bill = ((par.tau * eq.s)[:, None, :] * eq.H_demand).sum(axis=(1, 2)) \
        + ((par.t * eq.u)[:, None, :] * eq.L_demand).sum(axis=(1, 2))
    assert np.allclose(wage_bill, (par.sigma - 1) / par.sigma * eq.R, rtol=1e-12)
    # firm-owner income: fixed costs + entry costs (delta fE per survivor-weighted entrant)
    # equal 1/sigma of the worldwide revenue of the country's firms
    for i in range(2):
        j = 1 - i
        world_rev = eq.Rev[i, i] + eq.Rev[j, i]
        fixed = eq.M[i] * (par.f + eq.chi[i] * par.fI)
        entry = eq.M[i] * par.delta * par.fE * (eq.phibar[i] / par.B) ** par.kappa
        assert np.isclose(fixed + entry, world_rev / par.sigma, rtol=1e-10)
    P4 = m.price_index_from_integral(eq.wbar, eq.phibar, eq.phif, eq.M, eq.chi, par)
    assert np.allclose(P4, eq.P, rtol=1e-12)


def test_income_equals_expenditure_under_closure(table5):
    """Income of i = wage bill in i + 1/sigma of worldwide revenue of i's firms = R_i."""
    eq = table5[0]["migration_and_mnc"].objects
    for i in range(2):
        j = 1 - i
        income = (PAR.sigma - 1) / PAR.sigma * eq.R[i] + (eq.Rev[i, i] + eq.Rev[j, i]) / PAR.sigma
        assert np.isclose(income, eq.R[i], rtol=1e-10)


def symmetric_par(xi=0.9, zeta=0.8, tau=1.2, t=1.5, H=1.0, L=2.0, **kw):
    off = np.array([[0, 1], [1, 0]])
    return PAR.with_changes(H=np.array([H, H]), L=np.array([L, L]),
                            tau=np.eye(2) + tau * off, t=np.eye(2) + t * off,
                            xi=np.eye(2) + xi * off, zeta=np.eye(2) + zeta * off, **kw)


@settings(max_examples=10, deadline=None)
@given(st.floats(0.6, 0.95), st.floats(0.6, 0.95), st.floats(1.1, 1.6), st.floats(1.1, 1.8),
       st.floats(0.2, 3.0))
def test_symmetric_countries_symmetric_outcomes(xi, zeta, tau, t, H):
    par = symmetric_par(xi, zeta, tau, t, H=H, L=2 * H)
    res = sv.solve_equilibrium(par, BOTH)
    eq = res.objects
    assert np.isclose(eq.M[0], eq.M[1], rtol=1e-8)
    assert np.isclose(eq.u[1, 1], 1.0, rtol=1e-8)
    assert np.isclose(eq.s[0, 0], eq.s[1, 1], rtol=1e-8)
    assert np.isclose(eq.s[0, 1], eq.s[1, 0], rtol=1e-8)
    stocks = eq.H_demand.sum(axis=1)
    assert np.isclose(m.bilaterality_index(stocks[0, 1], stocks[1, 0]), 1.0, atol=1e-8)


def test_zero_moving_cost_limit_symmetric():
    """tau = t = 1, symmetric countries: one wage per skill, immigrant shares = xi/(1+xi)."""
    xi, zeta = 0.8, 0.7
    par = symmetric_par(xi, zeta, 1.0, 1.0)
    eq = sv.solve_equilibrium(par, BOTH).objects
    assert np.allclose(eq.s, eq.s[0, 0], rtol=1e-9)
    assert np.allclose(eq.u, 1.0, rtol=1e-9)
    H_local = eq.H_demand[0, 0]
    L_local = eq.L_demand[0, 0]
    assert np.isclose(H_local[1] / H_local.sum(), xi / (1 + xi), rtol=1e-9)
    assert np.isclose(L_local[1] / L_local.sum(), zeta / (1 + zeta), rtol=1e-9)
    # affiliates hire foreign-born (their home-country) workers in share 1/(1+xi)
    H_aff = eq.H_demand[0, 1]
    assert np.isclose(H_aff[1] / H_aff.sum(), 1 / (1 + xi), rtol=1e-9)


def test_prohibitive_moving_costs_limit():
    """tau = t = 3: migrant stocks vanish like tau^(-gamma) and the MNC-only equilibrium returns."""
    mnc_only = sv.solve_equilibrium(PAR, m.REGIMES["mnc_only"])
    high = PAR.with_moving_costs(3.0, 3.0, 3.0, 3.0)
    res = sv.solve_equilibrium(high, BOTH, x0=sv.solve_equilibrium(PAR, BOTH).x)
    assert np.allclose(res.objects.M, mnc_only.objects.M, rtol=1e-5)
    assert res.objects.H_demand.sum(axis=1)[0, 1] < 1e-12
    higher = PAR.with_moving_costs(3.3, 3.0, 3.0, 3.0)
    res2 = sv.solve_equilibrium(higher, BOTH, x0=res.x)
    slope = np.log(res2.objects.H_demand.sum(axis=1)[0, 1] / res.objects.H_demand.sum(axis=1)[0, 1]) / np.log(1.1)
    assert abs(slope + PAR.gamma) < 1e-3


def test_doubling_endowments():
    base = sv.solve_equilibrium(PAR, BOTH)
    big = sv.solve_equilibrium(PAR.with_changes(H=2 * PAR.H, L=2 * PAR.L), BOTH, x0=base.x)
    assert np.allclose(big.objects.M, 2 * base.objects.M, rtol=1e-9)
    assert np.allclose(big.objects.s, base.objects.s, rtol=1e-9)
    assert np.allclose(big.objects.phibar, base.objects.phibar, rtol=1e-9)
    assert np.allclose(base.objects.P / big.objects.P, 2 ** (1 / (PAR.sigma - 1)), rtol=1e-9)


def test_doubling_fixed_costs():
    base = sv.solve_equilibrium(PAR, BOTH)
    res = sv.solve_equilibrium(PAR.with_changes(f=2.0, fI=152.0, fE=650.54), BOTH, x0=base.x)
    assert np.allclose(res.objects.M, base.objects.M / 2, rtol=1e-9)
    assert np.allclose(base.objects.P / res.objects.P, 0.5 ** (1 / (PAR.sigma - 1)), rtol=1e-9)


def test_no_mnc_is_indeterminate():
    r1 = sv.solve_equilibrium(PAR, m.REGIMES["migration_only"], fix_M2=0.6)
    r2 = sv.solve_equilibrium(PAR, m.REGIMES["migration_only"], fix_M2=0.7)
    for r in (r1, r2):
        assert np.max(np.abs(level_residuals(r))) < 1e-10
    assert not np.isclose(r1.objects.H_demand.sum(axis=1)[1, 0], r2.objects.H_demand.sum(axis=1)[1, 0])
    with pytest.raises(ValueError, match="fix_M2"):
        sv.solve_equilibrium(PAR, m.REGIMES["migration_only"])
    with pytest.raises(ValueError, match="fix_M2"):
        sv.solve_equilibrium(PAR, BOTH, fix_M2=0.5)


def test_migration_alone_leaves_cutoffs(table5):
    assert np.allclose(table5[0]["migration_only"].objects.phibar, 0.85017, atol=1e-5)


def test_quota_one_reproduces_unconstrained_and_lower_quota_raises_immigrant_wage():
    base = sv.solve_equilibrium(PAR, BOTH)
    q1 = sv.quota_targets(base.objects, 1.0, 1.0)
    r1 = sv.solve_equilibrium(PAR, BOTH, x0=base.x, quotas=q1)
    assert np.allclose(r1.x, base.x, atol=1e-9)
    q = sv.quota_targets(base.objects, 0.5, 0.5)
    r = sv.solve_equilibrium(PAR, BOTH, x0=base.x, quotas=q).objects
    assert r.s[0, 1] / r.P[0] > r.s[1, 1] / r.P[1]
    assert r.u[1, 0] / r.P[1] > r.u[0, 0] / r.P[0]
    with pytest.raises(ValueError, match="lam_H"):
        sv.quota_targets(base.objects, 1.5, None)


def test_random_starts_reach_same_solution():
    base = sv.solve_equilibrium(PAR, BOTH)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x0 = base.x + rng.normal(0, 0.3, 9)
        r = sv.solve_equilibrium(PAR, BOTH, x0=x0)
        assert np.allclose(r.x, base.x, atol=1e-8)


def test_convergence_error_is_raised_with_residual():
    with pytest.raises(ConvergenceError) as err:
        sv.solve_equilibrium(PAR.with_moving_costs(1.0, 1.0, 1.0, 1.0), BOTH)
    assert err.value.residual > 1e-10 and err.value.iterations > 0


def test_jacobian_nonsingular_at_solution():
    base = sv.solve_equilibrium(PAR, BOTH)
    mask = sv.active_unknowns(BOTH, False)
    h = 1e-6
    J = np.empty((9, 9))
    for k in range(9):
        e = np.zeros(9)
        e[k] = h
        J[:, k] = (sv.residuals(base.x + e, base.x, mask, PAR, BOTH)
                   - sv.residuals(base.x - e, base.x, mask, PAR, BOTH)) / (2 * h)
    assert np.linalg.cond(J) < 1e3


@settings(max_examples=10, deadline=None)
@given(st.floats(0.2, 0.6), st.floats(1.1, 3.0))
def test_autarky_family_scaling(m2, factor):
    """Proposition (indeterminacy): Canadian autarky wages scale with M2, real wages with M2^(1/(sigma-1))."""
    aut = m.REGIMES["autarky"]
    a = sv.solve_equilibrium(PAR, aut, fix_M2=m2).objects
    b = sv.solve_equilibrium(PAR, aut, fix_M2=m2 * factor).objects
    assert np.isclose(b.s[1, 1] / a.s[1, 1], factor, rtol=1e-8)
    assert np.isclose(b.u[1, 1] / a.u[1, 1], factor, rtol=1e-8)
    real = (b.u[1, 1] / b.P[1]) / (a.u[1, 1] / a.P[1])
    assert np.isclose(real, factor ** (1 / (PAR.sigma - 1)), rtol=1e-8)
    # the US is unaffected
    assert np.isclose(a.s[0, 0], b.s[0, 0], rtol=1e-10) and np.isclose(a.M[0], b.M[0], rtol=1e-10)


def test_no_mnc_family_ends_and_continuation_stops():
    grid = np.linspace(0.45, 0.75, 13)
    fam = sv.no_mnc_family(PAR, "migration_only", grid)
    ok = [g for g, r in zip(grid, fam) if r is not None]
    assert min(ok) > 0.45 and max(ok) < 0.75       # the family ends inside the grid on both sides
    assert all(r is not None for g, r in zip(grid, fam) if min(ok) <= g <= max(ok))
    with pytest.raises(ValueError, match="key"):
        sv.no_mnc_family(PAR, "mnc_only", grid)
