"""Rerun every notebook of the offshoring chapter at small parameters and check its results."""
from __future__ import annotations


import pytest

from lib.rerun import RerunError

CH = "offshoring"


from conftest import is_finite_number as _finite


@pytest.mark.notebook
def test_01_baseline(run_notebook):
    r = run_notebook(f"{CH}/01_baseline_model.md", n_alpha=60, n_quad=1).results
    assert r["prop1_holds"] is True
    assert r["alpha_min"] == pytest.approx(0.9)
    lo, hi = r["band_v_gt_w_gt_1"]
    assert r["alpha_w_positive"] < lo < hi <= 1.0
    assert r["max_fd_rel_error"] < 1e-6 and r["max_quadrature_rel_error"] < 1e-8


@pytest.mark.notebook
def test_02_extended(run_notebook):
    r = run_notebook(f"{CH}/02_extended_model.md", n_alpha=30, alpha_point=0.8).results
    assert r["alpha_point"] == 0.8
    assert r["v"] > r["w"] > 1
    assert r["residual"] < 1e-10 and r["route_difference"] < 1e-9
    assert r["limit_gap_alpha_to_1"] < 0.05
    assert r["stable_on_grid"] is True and r["max_fd_rel_error"] < 1e-5


@pytest.mark.notebook
def test_03_comparative_statics_interface(run_notebook):
    r = run_notebook(f"{CH}/03_comparative_statics.md", n_alpha=80, n_scan=60, n_sens=3).results
    assert [row["basis"] for row in r["paper_comparison"]] == ["reconstructed"]
    for key in ("w_peak_alpha", "v_trough_alpha", "inequality_trough_alpha", "welfare_trough_alpha"):
        assert _finite(r[key]) and 0.52 < r[key] < 0.99
    assert r["v_trough_alpha"] < r["inequality_trough_alpha"] < r["w_peak_alpha"]
    assert r["welfare_trough_alpha"] == pytest.approx(r["v_trough_alpha"], abs=1e-8)
    lo, hi = r["band_v_gt_w_gt_1"]
    assert 0.5 < lo < hi < 1
    pt = r["at_alpha_point"]
    assert set(pt) == {"alpha", "v", "w", "U", "phi_min", "M"}
    assert pt["alpha"] == 0.9 and pt["v"] > pt["w"] > 1 and pt["U"] > 0 and pt["M"] > 0


@pytest.mark.notebook
def test_03_other_parameters(run_notebook):
    r = run_notebook(f"{CH}/03_comparative_statics.md", L_bar=90.0, alpha_point=0.7,
                     n_alpha=40, n_scan=40, n_sens=2).results
    assert r["at_alpha_point"]["alpha"] == 0.7
    assert r["v_trough_alpha"] > 0.93  # a lower L_bar raises w and moves the v trough right


@pytest.mark.notebook
def test_04_empirics(run_notebook):
    r = run_notebook(f"{CH}/04_empirics.md", n_mc=50, seed=1, n_model_draws=10).results
    assert len(r["paper_comparison"]) >= 6
    assert {row["basis"] for row in r["paper_comparison"]} == {"synthetic"}
    assert r["synthetic"] is True
    assert set(r["theta_hat"]) == {"T1(1)", "T1(2)", "T1(3)", "T1(4)", "T2(1)", "T2(2)"}
    assert all(_finite(v) for v in r["theta_hat"].values())
    assert r["n_treated"] == 4
    assert abs(r["mc_mean_theta"] - r["truth_theta"]) < 1.0
    # the extended model produces the paper's sign pattern (theta < 0 in (27); delta > 0 in (28))
    assert r["model_theta_27"] < 0 < r["model_delta_28"]
    assert r["model_share_sign_pattern_28"] >= 0.7


@pytest.mark.notebook
@pytest.mark.parametrize("params, word", [
    (dict(sigma=0.9), "sigma"),
    (dict(k=2.5), "k"),
    (dict(L_bar=100.0), "L_bar"),
    (dict(E_bar=-5.0), "E_bar"),
])
def test_03_infeasible_parameters_name_the_condition(run_notebook, params, word):
    with pytest.raises(RerunError, match=word):
        run_notebook(f"{CH}/03_comparative_statics.md", **params)


@pytest.mark.notebook
def test_04_bad_parameter(run_notebook):
    with pytest.raises(RerunError, match="n_ind"):
        run_notebook(f"{CH}/04_empirics.md", n_ind=2)
