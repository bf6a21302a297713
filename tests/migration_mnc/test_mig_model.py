"""Unit tests of the Wang (2014) model blocks (lib.migration_mnc.model)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy import integrate

from lib.migration_mnc import model as m

PAR = m.table3_parameters()


def test_table3_reads_paper_values():
    assert PAR.sigma == 2.7 and PAR.kappa == 1.8 and PAR.fE == 325.27 and PAR.fI == 76
    assert PAR.tau[0, 1] == 1.1896 and PAR.tau[1, 0] == 1.0984
    assert PAR.xi[0, 1] == 0.8483 and PAR.zeta[1, 0] == 0.7741
    assert PAR.L[1] == 0.6743


@settings(max_examples=25, deadline=None)
@given(st.floats(0.5, 3), st.floats(0.5, 3), st.floats(1.5, 30), st.floats(0.1, 10))
def test_ces_cost_homogeneous_and_shares(p1, p2, e, lam):
    w = np.array([0.6, 0.4])
    c, sh = m.ces_cost([p1, p2], w, e)
    c2, sh2 = m.ces_cost([lam * p1, lam * p2], w, e)
    assert np.isclose(c2, lam * c, rtol=1e-10)
    assert np.isclose(sh.sum(), 1.0)
    assert np.allclose(sh, sh2)


def test_ces_cost_shephard_lemma():
    p = np.array([1.3, 0.8])
    w = np.array([0.55, 0.45])
    c, sh = m.ces_cost(p, w, 5.0)
    h = 1e-6
    for k in range(2):
        dp = p.copy()
        dp[k] += h
        dc = (m.ces_cost(dp, w, 5.0)[0] - m.ces_cost(p - (dp - p), w, 5.0)[0]) / (2 * h)
        # Shephard: dc/dp_k = quantity per unit = share_k * c / p_k
        assert np.isclose(dc, sh[k] * c / p[k], rtol=1e-7)


def test_ces_single_input_without_renormalising():
    c, sh = m.ces_cost([2.0, 5.0], [0.6, 0.4], 3.0, available=[1, 0])
    assert np.isclose(c, 0.6 ** (1 / (1 - 3.0)) * 2.0)
    assert np.allclose(sh, [1.0, 0.0])


def test_nested_cost_us_autarky():
    s = np.array([[3.19495, 1.0], [1.0, 1.0]])
    u = np.ones((2, 2))
    cost = m.nested_labor_cost(s, u, PAR, np.eye(2))
    assert abs(cost["wbar"][0, 0] - 4.2572) < 5e-4
    # relative headcounts of H and L in US plants equal the US endowment ratio
    H = cost["thetaH"][0, 0] / s[0, 0]
    L = (1 - cost["thetaH"][0, 0]) / u[0, 0]
    assert abs(H / L - 3.58 / 6.42) < 1e-4


def test_cutoff_without_mnc_is_08502():
    cut = m.cutoffs(np.full((2, 2), 4.0), PAR, mnc=False)
    assert np.allclose(cut["phibar"], 0.85017, atol=1e-5)
    assert np.all(cut["chi"] == 0)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.95, 1.15), st.floats(0.95, 1.15))
def test_mnc_shares_satisfy_zero_profit_and_free_entry(r1, r2):
    wbar = np.array([[1.0, r1], [r2, 1.0]]) * 4.0
    cut = m.cutoffs(wbar, PAR, mnc=True)
    # eq. (38)-(39): chi_j = (phibar_j / phif_j)^kappa
    assert np.allclose(cut["chi"], (cut["phibar"] / cut["phif"]) ** PAR.kappa, rtol=1e-12)
    # eq. (26): free entry
    assert np.allclose(cut["phibar"], m.domestic_cutoff(cut["chi"], PAR), rtol=1e-12)


def test_pareto_average_productivity_matches_quadrature():
    cut, s, k = 1.2, 2.7, 1.8
    num = integrate.quad(lambda x: x ** (s - 1) * k * cut ** k * x ** (-k - 1), cut, np.inf)[0]
    assert np.isclose(m.pareto_average_productivity(cut, s, k), num ** (1 / (s - 1)), rtol=1e-8)
    assert np.isclose(m.pareto_average_productivity(1.0, s, k), 18 ** (1 / 1.7), rtol=1e-12)


def test_bilaterality_index():
    assert m.bilaterality_index(1.0, 1.0) == 1.0
    assert m.bilaterality_index(1.0, 0.0) == 0.0
    assert m.bilaterality_index(0.3, 0.7) == m.bilaterality_index(0.7, 0.3)
    assert np.isclose(m.bilaterality_index(0.0088, 0.0242), 0.5333, atol=5e-5)
    with pytest.raises(ValueError):
        m.bilaterality_index(-1.0, 1.0)


@pytest.mark.parametrize("field,value,name", [
    ("sigma", 1.0, "sigma"), ("sigma", 0.5, "sigma"), ("rho", 1.0, "rho"), ("gamma", 0.9, "gamma"),
    ("Gamma", 1.0, "Gamma"), ("kappa", 1.5, "kappa"), ("alpha", 1.2, "alpha"), ("fE", -1.0, "fE"),
])
def test_bad_scalar_parameters_raise(field, value, name):
    with pytest.raises(ValueError, match=name):
        PAR.with_changes(**{field: value})


def test_bad_moving_costs_and_endowments_raise():
    with pytest.raises(ValueError, match="tau_12"):
        PAR.with_moving_costs(tau_12=0.9)
    with pytest.raises(ValueError, match="t_21"):
        PAR.with_moving_costs(t_21=0.5)
    with pytest.raises(ValueError, match="H_CA"):
        PAR.with_changes(H=np.array([3.58, -0.1]))
    with pytest.raises(ValueError, match="L_US"):
        m.table3_parameters(L_US=-6.42)
    with pytest.raises(ValueError, match="xi"):
        PAR.with_changes(xi=np.array([[1.0, -0.2], [0.9, 1.0]]))
