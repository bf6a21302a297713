"""Notebook test: chapters/granular/04_estimation.md at small, fast parameters."""
import math

import pytest

from lib.rerun import RerunError

NB = "granular/04_estimation.md"


@pytest.mark.notebook
def test_estimation_notebook_small(run_notebook):
    res = run_notebook(NB, n_cz=24, n_sectors=20, n_years=5, n_replications=1, n_sim=5)
    r = res.results
    for key in ("eta_hat", "kappa_hat", "nu_hat", "sigma2_S_hat", "sigma2_N_hat", "lam_hat",
                "lam_hat_quadrature", "ratio_beta3_beta1_theory", "ratio_beta3_beta1_hat",
                "recovery_mean", "truth"):
        assert key in r
    assert r["eta_hat"] == pytest.approx(0.13, abs=1e-9)
    assert abs(r["kappa_hat"] - 2.48) < 0.3
    assert 0.5 < r["nu_hat"] < 3.0
    assert 0.08 < r["sigma2_N_hat"] < 0.2
    assert 5.0 < r["lam_hat"] < 16.0
    assert r["ratio_beta3_beta1_theory"] == pytest.approx(-0.3457, abs=1e-3)
    assert all(math.isfinite(v) for v in r["ratio_beta3_beta1_hat"].values())
    assert r["n_panels"] == 2
    assert len(res.figures) >= 3
    assert isinstance(r.get("paper_comparison"), list) and r["paper_comparison"] and all(
        {"quantity", "paper", "book", "decimals", "source", "basis"} <= set(row) for row in r["paper_comparison"])


@pytest.mark.notebook
def test_estimation_notebook_rejects_bad_parameter(run_notebook):
    with pytest.raises(RerunError, match="eta"):
        run_notebook(NB, eta=1.2)
