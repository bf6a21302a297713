"""Tests of the empirics of the offshoring chapter: lib/core/regression.py and the synthetic panel."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lib import offshoring as off
from lib.core.regression import fe_design, twfe_wls, wls_many, within_r2
from lib.core.data import read_table


def test_transcribed_tables_have_source_and_expected_rows():
    t1 = read_table("offshoring/table1.csv", ["column", "term", "estimate", "std_error"], numeric_columns=["estimate"])
    t2 = read_table("offshoring/table2.csv", ["column", "term", "estimate", "std_error"], numeric_columns=["estimate"])
    assert set(t1["column"]) == {"(1)", "(2)", "(3)", "(4)"} and set(t2["column"]) == {"(1)", "(2)"}
    a1 = t1[t1.term == "alpha"].set_index("column")["estimate"]
    assert a1.to_dict() == {"(1)": -1.576, "(2)": -1.573, "(3)": -2.591, "(4)": -2.317}
    assert (t1[t1.term == "nobs"]["estimate"] == 221).all()
    assert len(t1[t1.term.str.startswith("LR2001_x_YD")]) == 16 * 4
    d = t2[t2.term == "alpha_x_zeta"].set_index("column")["estimate"]
    assert d.to_dict() == {"(1)": 2.471, "(2)": 0.716}
    # Proposition 3 sign pattern: theta < 0 everywhere, delta > 0
    assert (t1[t1.term == "alpha"]["estimate"] < 0).all() and (t2[t2.term == "alpha"]["estimate"] < 0).all()
    assert (d > 0).all()


def test_synthetic_panel_structure():
    df = off.synthetic_panel(seed=0)
    assert df.shape[0] == 221 and df["ind"].nunique() == 13 and df["year"].nunique() == 17
    assert df.groupby("ind")["zeta"].first().sum() == 4  # ">= p75" gives 4 of 13
    assert len(df.attrs["lr_terms"]) == 16
    assert df.equals(off.synthetic_panel(seed=0))  # reproducible from the seed
    assert not df.equals(off.synthetic_panel(seed=1))
    assert np.allclose(df["kappa"], 1 - df["alpha"])


def test_top_quartile_dummy_strict_vs_weak():
    x = np.arange(13, dtype=float)
    assert off.top_quartile_dummy(x).sum() == 4
    assert off.top_quartile_dummy(x, strict=True).sum() == 3


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match="n_ind"):
        off.synthetic_panel(n_ind=2)
    with pytest.raises(ValueError, match="noise_sd"):
        off.synthetic_panel(noise_sd=0.0)
    df = off.synthetic_panel()
    with pytest.raises(ValueError, match="nonexistent"):
        twfe_wls(df, "lnprem", ["alpha"], "ind", "year", weights="nonexistent")


def test_noise_free_panel_recovers_dgp_exactly():
    """With (almost) no noise, T2(2) recovers every DGP coefficient: the estimator is correct."""
    df = off.synthetic_panel(seed=3, noise_sd=1e-9)
    x = ["alpha", "alpha_x_zeta", "gdp", "tfp"] + df.attrs["lr_terms"]
    r = twfe_wls(df, "lnprem", x, "ind", "year", weights="emp2000")
    for term in x:
        assert r.params[term] == pytest.approx(df.attrs["truth"][term], abs=1e-5)
    assert r.within_r2 == pytest.approx(1.0, abs=1e-9)


def test_monte_carlo_recovery_of_theta_and_delta():
    df = off.synthetic_panel(seed=0)
    terms = ["alpha", "alpha_x_zeta", "gdp", "tfp"]
    X, _ = fe_design(df, terms + df.attrs["lr_terms"], "ind", "year")
    emp = df["emp2000"].to_numpy()
    rng = np.random.default_rng(11)
    R = 2000
    sd = 0.1 * np.sqrt(emp.mean() / emp)
    Y = df["lnprem_mean"].to_numpy()[:, None] + rng.normal(size=(len(df), R)) * sd[:, None]
    b, se = wls_many(X, Y, emp)
    truth = np.array([df.attrs["truth"][t] for t in terms[:2]])
    mcse = b[:2].std(axis=1) / np.sqrt(R)
    assert np.all(np.abs(b[:2].mean(axis=1) - truth) < 4 * mcse)
    cover = (np.abs(b[:2] - truth[:, None]) <= 1.645 * se[:2]).mean(axis=1)
    assert np.all(np.abs(cover - 0.90) < 0.03)
    assert np.allclose(se[:2].mean(axis=1), b[:2].std(axis=1), rtol=0.1)


def test_wls_many_matches_statsmodels():
    df = off.synthetic_panel(seed=5)
    x = ["alpha", "alpha_x_zeta"] + df.attrs["lr_terms"]
    r = twfe_wls(df, "lnprem", x, "ind", "year", weights="emp2000")
    X, names = fe_design(df, x, "ind", "year")
    b, se = wls_many(X, df["lnprem"].to_numpy(), df["emp2000"].to_numpy())
    assert b[0, 0] == pytest.approx(r.params["alpha"], rel=1e-9)
    assert se[1, 0] == pytest.approx(r.bse["alpha_x_zeta"], rel=1e-9)
    assert r.df_resid == 221 - len(names)


def test_within_r2_simple_case():
    ent = np.array([0, 0, 1, 1])
    y = np.array([1.0, 3.0, 10.0, 14.0])
    assert within_r2(y, np.zeros(4), ent) == pytest.approx(1.0)
    assert within_r2(y, y - np.array([2, 2, 12, 12]), ent) == pytest.approx(0.0)


def test_wls_many_rank_deficient_raises():
    X = np.ones((10, 2))
    with pytest.raises(ValueError, match="rank"):
        wls_many(X, np.zeros(10))


def test_model_panel_reproduces_sign_pattern():
    """Extended-model industries at the Figure-3 parameters give theta < 0 in (27) and delta > 0 in (28)."""
    p = off.Params()
    hits = 0
    for seed in range(10):
        df = off.model_panel(p, seed=seed)
        X28, _ = fe_design(df, ["alpha", "alpha_x_zeta"], "ind", "year")
        b, _ = wls_many(X28, df["lnprem"].to_numpy())
        hits += int(b[0, 0] < 0 < b[1, 0])
    assert hits >= 8
    df = off.model_panel(p, seed=0)
    v, w, _ = off.solve_extended_path(df["alpha"].to_numpy(), p)
    assert np.allclose(df["lnprem_model"], np.log(v / w))
