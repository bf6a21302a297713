"""Rerun the foreign-employment notebooks written with the model code (02-05) at small, fast settings."""

import pytest

from lib.rerun import RerunError

FAST = {"n_regions": 6}


from conftest import is_finite_number as _finite


@pytest.mark.notebook
def test_hat_algebra_notebook(run_notebook):
    res = run_notebook("foreign_employment/02_hat_algebra.md", n_regions_solver=6,
                       shock="expansion", expansion_factor=3.0)
    r = res.results
    assert r["max_ratio_error"] < 1e-9
    assert r["max_identity_error"] < 1e-8
    assert r["anderson_iterations"] < r["plain_iterations"]


@pytest.mark.notebook
def test_base_year_notebook(run_notebook):
    res = run_notebook("foreign_employment/03_base_year.md", **FAST)
    r = res.results
    assert r["hat_residual"] < 1e-10 and r["level_residual"] < 1e-10
    assert r["n_regions"] == 6
    assert abs(r["share_pct"]["D-LS-M-30-59"] - 24.7) < 1e-9
    assert abs(r["foreign_wage_bill_share"] - 0.0165) < 5e-4
    assert len(res.figures) >= 3


@pytest.mark.notebook
def test_autarky_notebook_interface(run_notebook):
    res = run_notebook("foreign_employment/04_autarky.md", **FAST)
    r = res.results
    for key in ["welfare_change_pct", "gdp_change_pct", "gdp_change_services_pct",
                "gdp_change_manufacturing_pct", "real_wage_change_pct_by_prefecture",
                "max_residual", "iterations", "solve_seconds"]:
        assert key in r
    assert len(r["welfare_change_pct"]) == 12 and all(_finite(v) for v in r["welfare_change_pct"].values())
    assert len(r["real_wage_change_pct_by_prefecture"]) == 6
    assert r["gdp_change_pct"] < 0 and r["max_residual"] < 1e-9
    lo, hi = sorted([r["gdp_change_manufacturing_pct"], r["gdp_change_services_pct"]])
    assert lo - 1e-9 <= r["gdp_change_pct"] <= hi + 1e-9
    assert isinstance(r.get("paper_comparison"), list)  # rows only at n_regions 47


@pytest.mark.notebook
def test_autarky_zero_shock(run_notebook):
    res = run_notebook("foreign_employment/04_autarky.md", foreign_scale=1.0, low_skill_only=True, **FAST)
    r = res.results
    assert abs(r["gdp_change_pct"]) < 1e-8
    assert max(abs(v) for v in r["welfare_change_pct"].values()) < 1e-8
    assert max(abs(v) for v in r["real_wage_change_pct_by_prefecture"].values()) < 1e-8


@pytest.mark.notebook
def test_policy_notebook(run_notebook):
    res = run_notebook("foreign_employment/05_policy.md", n_grid=5, **FAST)
    r = res.results
    t9 = r["table9_synthetic"]
    assert set(t9) == {"X-LS", "X-HS", "X-mix", "X-female", "X-elderly"}
    assert all(v["gdp"] > 0 for v in t9.values())
    assert t9["X-HS"]["gdp"] > t9["X-LS"]["gdp"]  # Table 1: high-skilled foreigners earn more
    assert 0 <= r["rawlsian_ls_share"] <= 1 and len(r["sweep_gdp_pct"]) == 5
    assert isinstance(r.get("paper_comparison"), list)  # rows only at n_regions 47


@pytest.mark.notebook
@pytest.mark.parametrize("nb,param,value", [
    ("foreign_employment/04_autarky.md", "xi", 0.5),
    ("foreign_employment/04_autarky.md", "foreign_scale", -1.0),
    ("foreign_employment/04_autarky.md", "zeta", 1.0),
    ("foreign_employment/05_policy.md", "expansion", -0.1),
    ("foreign_employment/03_base_year.md", "n_regions", 1),
])
def test_bad_parameter_is_named(run_notebook, nb, param, value):
    with pytest.raises(RerunError, match=param):
        run_notebook(nb, **{param: value})
