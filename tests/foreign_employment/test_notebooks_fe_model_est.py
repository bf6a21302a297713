"""Run the foreign-employment model (01) and estimation (06) notebooks at small sizes and check their results."""
import math

import pytest

from lib.rerun import RerunError


from conftest import is_finite_number as _finite


@pytest.mark.notebook
def test_model_notebook_small(run_notebook):
    res = run_notebook("foreign_employment/01_model.md", n_draws=40_000, n_regions=5, n_occupations=4,
                       seed=3).results
    for key in ("gamma_constant_zeta", "expected_wage_closed_form", "expected_wage_monte_carlo",
                "cv2_closed_form", "price_index_closed_form", "price_index_monte_carlo"):
        assert _finite(res[key]), key
    assert res["gamma_constant_zeta"] == pytest.approx(math.gamma(1 - 1 / 2.95))
    assert res["expected_wage_rel_error"] < 0.02
    assert res["max_abs_occupation_share_error"] < 0.01
    assert res["max_abs_location_share_error"] < 0.01
    assert res["max_abs_trade_share_error"] < 0.01
    assert res["price_index_monte_carlo"] == pytest.approx(res["price_index_closed_form"], rel=0.03)
    assert res["cv2_closed_form"] == pytest.approx(0.492, abs=1e-3)
    assert res["deficit_identity_error"] < 1e-10
    assert res["io_uniform_shock_error"] < 1e-12
    assert res["occupation_price_autarky"] == pytest.approx(1.0)
    assert res["bill_shares_sum"] == pytest.approx(1.0)
    assert isinstance(res.get("paper_comparison"), list)


@pytest.mark.notebook
def test_estimation_notebook_small(run_notebook):
    res = run_notebook("foreign_employment/06_estimation.md", n_mc_eta=3, n_workers=30_000, n_reps_zeta=3,
                       presence=0.2, seed=5).results
    assert res["synthetic"] is True
    for key in ("eta_ols", "eta_ols_se", "eta_iv", "eta_iv_se", "first_stage_F", "zeta_cv2", "zeta_log",
                "xi", "xi_se", "xi_slope", "xi_slope_se"):
        assert _finite(res[key]), key
    assert res["eta_iv"] == pytest.approx(0.644, abs=5 * res["eta_iv_se"])
    assert res["eta_ols"] < res["eta_iv"]
    assert res["zeta_log"] == pytest.approx(2.95, rel=0.03)
    assert res["xi"] == pytest.approx(12.3, abs=5 * res["xi_se"])
    assert res["paper"]["eta_iv"] == pytest.approx(0.644)
    assert res["paper"]["xi_slope"] == pytest.approx(-0.0815)
    assert isinstance(res.get("paper_comparison"), list) and res["paper_comparison"] and all(
        {"quantity", "paper", "book", "decimals", "source", "basis"} <= set(row) for row in res["paper_comparison"])


@pytest.mark.notebook
@pytest.mark.parametrize("nb, name, value", [
    ("foreign_employment/01_model.md", "zeta", 1.5),
    ("foreign_employment/01_model.md", "xi", 0.5),
    ("foreign_employment/06_estimation.md", "xi_true", -1.0),
    ("foreign_employment/06_estimation.md", "presence", 2.0),
])
def test_bad_parameter_is_refused(run_notebook, nb, name, value):
    with pytest.raises(RerunError, match=name):
        run_notebook(nb, **{name: value})
