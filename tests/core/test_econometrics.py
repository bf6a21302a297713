"""Tests for the generic IV / fixed-effects kernels in lib.core.econometrics (on linearmodels and pyhdfe)."""
import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings, strategies as st

from lib.core.errors import ConvergenceError
from lib.core.econometrics import demean, group_codes, iv2sls, ols, ratio_confidence_interval


def _iv_data(n=4000, seed=0, beta=1.7):
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    u = rng.normal(size=n)
    x = 0.8 * z + 0.6 * u + rng.normal(size=n)   # endogenous: correlated with u
    w = rng.normal(size=n)
    y = beta * x + 0.5 * w + 1.0 + u
    return y, x, z, w


def test_ols_matches_statsmodels_point_and_hc1():
    y, x, z, w = _iv_data()
    X = np.column_stack([np.ones_like(x), x, w])
    mine = ols(y, X)
    ref = sm.OLS(y, X).fit(cov_type="HC1")
    np.testing.assert_allclose(mine.params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(mine.se, ref.bse, rtol=1e-8)


def test_ols_cluster_matches_statsmodels():
    y, x, z, w = _iv_data()
    X = np.column_stack([np.ones_like(x), x, w])
    cl = np.arange(len(y)) // 7
    mine = ols(y, X, clusters=cl)
    ref = sm.OLS(y, X).fit(cov_type="cluster", cov_kwds={"groups": cl})
    np.testing.assert_allclose(mine.se, ref.bse, rtol=1e-8)


def test_weighted_ols_matches_wls():
    y, x, z, w = _iv_data()
    wt = np.random.default_rng(3).uniform(0.5, 2.0, size=len(y))
    X = np.column_stack([np.ones_like(x), x])
    mine = ols(y, X, weights=wt, cov_type="unadjusted")
    ref = sm.WLS(y, X, weights=wt).fit()
    np.testing.assert_allclose(mine.params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(mine.se, ref.bse, rtol=1e-8)


def test_iv2sls_matches_statsmodels_iv2sls():
    from statsmodels.sandbox.regression.gmm import IV2SLS

    y, x, z, w = _iv_data()
    const = np.ones_like(x)
    mine = iv2sls(y, x, z, np.column_stack([const, w]), cov_type="unadjusted")
    ref = IV2SLS(y, np.column_stack([x, const, w]), np.column_stack([z, const, w])).fit()
    np.testing.assert_allclose(mine.params, ref.params, rtol=1e-10)
    np.testing.assert_allclose(mine.se, ref.bse, rtol=1e-8)


def test_iv_is_consistent_and_ols_is_not():
    y, x, z, w = _iv_data(n=40000, seed=1)
    const = np.ones_like(x)
    iv = iv2sls(y, x, z, np.column_stack([const, w]))
    ls = ols(y, np.column_stack([x, const, w]))
    assert abs(iv.params[0] - 1.7) < 4 * iv.se[0]
    assert ls.params[0] - 1.7 > 0.1            # OLS biased upward by construction
    assert iv.first_stage_F[0] > 100


def test_first_stage_F_equals_squared_t_with_one_instrument():
    y, x, z, w = _iv_data()
    const = np.ones_like(x)
    res = iv2sls(y, x, z, np.column_stack([const, w]))
    fs = sm.OLS(x, np.column_stack([z, const, w])).fit(cov_type="HC1")
    np.testing.assert_allclose(res.first_stage_F[0], fs.tvalues[0] ** 2, rtol=1e-8)


def test_one_way_demean_equals_dummies():
    rng = np.random.default_rng(2)
    n, G = 500, 20
    g = rng.integers(0, G, size=n)
    x = rng.normal(size=n) + g * 0.3
    y = 2.0 * x + g + rng.normal(size=n)
    dm = demean(np.column_stack([y, x]), [g])
    b_within = ols(dm.values[:, 0], dm.values[:, 1:]).params[0]
    D = (g[:, None] == np.arange(G)[None, :]).astype(float)
    b_dummy = np.linalg.lstsq(np.column_stack([x, D]), y, rcond=None)[0][0]
    assert abs(b_within - b_dummy) < 1e-10


def test_two_way_demean_equals_dummies_unbalanced():
    rng = np.random.default_rng(4)
    n = 800
    a, b = rng.integers(0, 15, size=n), rng.integers(0, 9, size=n)
    wt = rng.uniform(0.5, 3, size=n)
    x = rng.normal(size=n) + 0.2 * a - 0.1 * b
    y = -1.3 * x + 0.5 * a + 0.7 * b + rng.normal(size=n)
    dm = demean(np.column_stack([y, x]), [a, b], weights=wt, tol=1e-13)
    assert dm.converged
    b_within = ols(dm.values[:, 0], dm.values[:, 1:], weights=wt).params[0]
    D = np.column_stack([(a[:, None] == np.arange(15)).astype(float),
                         (b[:, None] == np.arange(1, 9)).astype(float)])
    sw = np.sqrt(wt)
    b_dummy = np.linalg.lstsq(np.column_stack([x, D]) * sw[:, None], y * sw, rcond=None)[0][0]
    assert abs(b_within - b_dummy) < 1e-8


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000))
def test_demeaned_columns_have_zero_group_means(seed):
    rng = np.random.default_rng(seed)
    g = rng.integers(0, 6, size=60)
    x = rng.normal(size=60)
    dm = demean(x, [g])
    means = np.bincount(g, weights=dm.values[:, 0]) / np.maximum(np.bincount(g), 1)
    assert np.max(np.abs(means)) < 1e-12


def test_demean_raises_when_not_converged():
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 50, size=300), rng.integers(0, 50, size=300)
    with pytest.raises(ConvergenceError):
        demean(rng.normal(size=300), [a, b], tol=1e-300, max_iter=2)


def test_group_codes_dense_and_consistent():
    c = group_codes([3, 3, 1, 1], [0, 1, 0, 0])
    assert sorted(set(c)) == [0, 1, 2]
    assert c[2] == c[3] and c[0] != c[1]


def test_ratio_ci_delta_method():
    b = np.array([2.0, -1.0])
    V = np.diag([0.01, 0.04])
    r, se, lo, hi = ratio_confidence_interval(b, V, 1, 0)
    assert r == pytest.approx(-0.5)
    assert se == pytest.approx(np.sqrt(0.04 / 4 + 0.01 * 1 / 16))
    assert lo < r < hi


def test_bad_inputs_raise():
    y, x, z, w = _iv_data(n=50)
    with pytest.raises(ValueError, match="instruments"):
        iv2sls(y, np.column_stack([x, w]), z)
    with pytest.raises(ValueError, match="weights"):
        iv2sls(y, x, z, weights=-np.ones_like(y))
    with pytest.raises(ValueError, match="level"):
        ratio_confidence_interval([1.0, 1.0], np.eye(2), 0, 1, level=1.5)
    with pytest.raises(ValueError, match="denominator"):
        ratio_confidence_interval([1.0, 0.0], np.eye(2), 0, 1)
