"""Rerun the granular chapter's notebooks (except 04, tested by its own file) at small parameters."""
from __future__ import annotations


import numpy as np
import pytest

from lib.rerun import RerunError

CH = "granular"


from conftest import is_finite_number as _finite


@pytest.mark.notebook
def test_01_local_labor_market(run_notebook):
    r = run_notebook(f"{CH}/01_local_labor_market.md", n_sectors=300, n_states=10).results
    assert r["alpha"] == pytest.approx(1.365)
    assert abs(r["lemma1_ratio"][-1] - 1) < 0.03
    assert abs(r["corollary2_ratio"][-1] - 1) < 0.05
    assert 0 < r["response_N2"] < 0.1 / 0.13


@pytest.mark.notebook
def test_02_interface(run_notebook):
    r = run_notebook(f"{CH}/02_granularity_and_wages.md", n_m=40, n_mc=2000, n_entry_states=2000).results
    for key in ("m_grid", "weighted_hhi", "wage_elasticity", "entry_subsidy"):
        assert isinstance(r[key], list) and len(r[key]) == 40
        assert all(_finite(v) for v in r[key])
    H = np.array(r["weighted_hhi"])
    assert H[0] > 0.99 and np.all(np.diff(H) < 0)
    w = np.array(r["wage_elasticity"])
    assert np.all(w > 0)
    np.testing.assert_allclose(r["entry_subsidy"], np.array(r["productivity_elasticity"]) / 0.13)
    assert r["entry_profit_ratio"][0] > 1


@pytest.mark.notebook
def test_02_no_idiosyncratic_shocks(run_notebook):
    r = run_notebook(f"{CH}/02_granularity_and_wages.md", sigma2_N=0.0, n_m=20, n_mc=500,
                     n_entry_states=500).results
    assert max(abs(v) for v in r["wage_elasticity"]) == 0.0
    assert max(abs(v) for v in r["entry_subsidy"]) == 0.0


@pytest.mark.notebook
@pytest.mark.parametrize("name,value", [("eta", 1.3), ("eta", 0.0), ("lam", 5.0), ("sigma2_N", -0.1),
                                        ("sigma2_S", -0.01)])
def test_02_bad_parameters(run_notebook, name, value):
    with pytest.raises(RerunError, match=name if name != "lam" else r"lam\*eta"):
        run_notebook(f"{CH}/02_granularity_and_wages.md", **{name: value})


@pytest.mark.notebook
def test_03_quantitative(run_notebook):
    r = run_notebook(f"{CH}/03_quantitative_model.md", n_m=30, n_sectors=60, n_max=200).results
    lp, lc = np.array(r["log_phi_perfect"]), np.array(r["log_phi_cournot"])
    assert np.all(lc <= lp + 1e-12)
    assert np.all(np.array(r["psi_over_phi_cournot"]) <= 0)
    assert r["ratio_beta3_beta1"] == pytest.approx(-0.3457, abs=1e-4)
    assert 0 < r["markdown_peak"] < 0.1


@pytest.mark.notebook
def test_05_spatial_interface(run_notebook):
    r = run_notebook(f"{CH}/05_spatial_policy.md", n_sectors=60, n_max=200).results
    for conduct in ("perfect", "cournot"):
        for key in ("elasticity_smallest", "elasticity_largest", "productivity_gap_largest_vs_smallest",
                    "firms_change_smallest", "firms_change_largest"):
            assert _finite(r[conduct][key]), (conduct, key)
        assert r[conduct]["elasticity_smallest"] > 0 and r[conduct]["productivity_gap_largest_vs_smallest"] > 0
    assert r["baseline_max_log_error"] < 1e-10
    assert len(r["paper_comparison"]) == 10  # five headline numbers x two conducts


@pytest.mark.notebook
@pytest.mark.parametrize("nb", ["01_local_labor_market.md", "03_quantitative_model.md", "05_spatial_policy.md"])
def test_bad_eta_other_notebooks(run_notebook, nb):
    with pytest.raises(RerunError, match="eta"):
        run_notebook(f"{CH}/{nb}", eta=1.5)
