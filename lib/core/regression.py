"""Generic panel least squares with two-way fixed effects (no paper-specific content).

* :func:`twfe_wls` -- (weighted) least squares with entity and time dummies via the
  statsmodels formula API, with the within-R^2 that Stata's ``xtreg, fe`` reports.
* :func:`wls_many` -- the same estimator for many dependent variables at once (one
  factorisation), for Monte Carlo studies with a fixed design.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["TwfeResult", "twfe_wls", "within_r2", "wls_many", "fe_design"]


@dataclass
class TwfeResult:
    """Outcome of :func:`twfe_wls`.

    Attributes
    ----------
    params, bse : pandas.Series
        Coefficients and standard errors of the named regressors (fixed effects dropped).
    within_r2 : float
        ``1 - SSR / SST_within``, with ``SST_within`` the (weighted) sum of squares of ``y``
        demeaned by entity.
    nobs : int
    df_resid : float
    fit : statsmodels results object (all coefficients, covariance, tests).
    """

    params: pd.Series
    bse: pd.Series
    within_r2: float
    nobs: int
    df_resid: float
    fit: object


def within_r2(y, resid, entity, weights=None) -> float:
    """Within-R^2: ``1 - sum w e^2 / sum w (y - ybar_entity)^2`` with weighted entity means."""
    y = np.asarray(y, dtype=float)
    e = np.asarray(resid, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    ent = pd.Series(np.asarray(entity))
    num = pd.Series(w * y).groupby(ent).transform("sum").to_numpy()
    den = pd.Series(w).groupby(ent).transform("sum").to_numpy()
    yd = y - num / den
    return float(1.0 - np.sum(w * e**2) / np.sum(w * yd**2))


def twfe_wls(df: pd.DataFrame, y: str, regressors, entity: str, time: str, weights: str | None = None,
             cov_type: str = "nonrobust") -> TwfeResult:
    """Two-way fixed-effects (weighted) least squares by the statsmodels formula API.

    ``y ~ regressors + C(entity) + C(time)``, estimated by OLS or, with ``weights``, by WLS with
    analytic weights (equivalent to Stata ``xtreg y x i.time [aw=weights], fe`` for the slope
    coefficients and their conventional standard errors).

    Parameters
    ----------
    df : DataFrame
    y : str
        Dependent variable.
    regressors : sequence of str
        Formula terms (e.g. ``"alpha"``, ``"alpha:zeta"``).
    entity, time : str
        Columns whose dummies are included.
    weights : str, optional
        Column of analytic weights.
    cov_type : str
        Passed to ``fit`` (``"nonrobust"``, ``"HC1"``, or ``"cluster"``, clustering on ``entity``).

    Raises
    ------
    ValueError
        If a column is missing or a weight is not positive.
    """
    import statsmodels.formula.api as smf

    needed = [y, entity, time] + ([weights] if weights else [])
    for col in needed:
        if col not in df.columns:
            raise ValueError(f"column {col!r} not in the data frame; columns are {list(df.columns)}")
    regressors = list(regressors)
    formula = f"{y} ~ {' + '.join(regressors)} + C({entity}) + C({time})"
    if weights:
        w = df[weights].to_numpy(dtype=float)
        if not np.all(w > 0):
            raise ValueError(f"weights {weights!r} must be positive")
        model = smf.wls(formula, data=df, weights=w)
    else:
        w = None
        model = smf.ols(formula, data=df)
    kwargs = {}
    if cov_type == "cluster":
        kwargs = {"cov_kwds": {"groups": pd.factorize(df[entity])[0]}}
    fit = model.fit(cov_type=cov_type, **kwargs)
    keep = [name for name in fit.params.index if not name.startswith(("C(", "Intercept"))]
    r2w = within_r2(df[y].to_numpy(), fit.resid.to_numpy(), df[entity].to_numpy(), w)
    return TwfeResult(fit.params[keep], fit.bse[keep], r2w, int(fit.nobs), float(fit.df_resid), fit)


def wls_many(X, Y, weights=None):
    """Least squares of every column of ``Y`` on the same design ``X`` (one QR factorisation).

    Parameters
    ----------
    X : (n, p) array
    Y : (n, r) array
    weights : (n,) array, optional
        Analytic weights.

    Returns
    -------
    beta : (p, r) array
    se : (p, r) array
        Conventional standard errors ``sqrt(s^2 diag((X'WX)^-1))`` per column of ``Y``.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    if Y.ndim == 1:
        Y = Y[:, None]
    n, k = X.shape
    sw = np.ones(n) if weights is None else np.sqrt(np.asarray(weights, dtype=float))
    Xw, Yw = X * sw[:, None], Y * sw[:, None]
    Q, R = np.linalg.qr(Xw)
    if np.min(np.abs(np.diag(R))) < 1e-10 * np.max(np.abs(np.diag(R))):
        raise ValueError("design matrix is (numerically) rank deficient")
    beta = np.linalg.solve(R, Q.T @ Yw)
    resid = Yw - Xw @ beta
    s2 = np.sum(resid**2, axis=0) / (n - k)
    Rinv = np.linalg.inv(R)
    diag = np.sum(Rinv**2, axis=1)
    se = np.sqrt(diag[:, None] * s2[None, :])
    return beta, se


def fe_design(df: pd.DataFrame, regressors, entity: str, time: str):
    """Design matrix ``[regressors, entity dummies, time dummies (first dropped)]`` as a float array.

    Returns
    -------
    X : (n, p) ndarray
    names : list of str
        Column names; the first ``len(regressors)`` are the regressors.
    """
    regressors = list(regressors)
    ent = pd.get_dummies(df[entity], prefix="ent", dtype=float)
    tim = pd.get_dummies(df[time], prefix="time", dtype=float).iloc[:, 1:]
    X = pd.concat([df[regressors].astype(float), ent, tim], axis=1)
    return X.to_numpy(), list(X.columns)
