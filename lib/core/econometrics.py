"""Linear instrumental variables and least squares with absorbed fixed effects, on linearmodels.

Thin wrappers that give the book one result object and one set of conventions; the estimation
itself is done by maintained libraries:

* :func:`demean` -- the within transformation for one or several sets of (weighted) fixed
  effects, by ``pyhdfe`` (exact for one set, alternating projections with a 1e-14 tolerance for
  several);
* :func:`iv2sls` -- (weighted) 2SLS by ``linearmodels.iv.IV2SLS`` with ``debiased=True``; the
  first-stage Wald F of the excluded instruments from a statsmodels OLS of each endogenous
  regressor on all instruments, with the same covariance type;
* :func:`ols` -- (weighted) OLS by statsmodels (``OLS``/``WLS``; HC1 or cluster-robust), with the
  same conventions;
* :func:`ratio_confidence_interval` -- the delta-method interval of a ratio of two coefficients.

Conventions (those of Stata and linearmodels): weights are analytic (the estimator minimises
``sum w e^2``); the cluster-robust covariance carries the small-sample factor
``G/(G-1) * (n-1)/(n-k)``, the robust (HC1) one ``n/(n-k)``, the unadjusted one divides by
``n-k``, with ``k`` the regressors plus ``df_absorbed`` -- the absorbed fixed effects the caller
chooses to count (linearmodels' ``extra_df``).  Which effects a chapter counts is said where it
calls these functions.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import pandas as pd
import pyhdfe
from linearmodels.iv import IV2SLS

from .errors import ConvergenceError

__all__ = ["DemeanResult", "demean", "group_codes", "LinearIVResult", "iv2sls", "ols",
           "ratio_confidence_interval"]


def group_codes(*keys) -> np.ndarray:
    """Integer codes 0..G-1 for the groups formed by one or several key arrays.

    Parameters
    ----------
    *keys : array_like of int
        Equal-length key arrays (e.g. location, sector, year).

    Returns
    -------
    ndarray of int
    """
    if not keys:
        raise ValueError("group_codes needs at least one key array")
    combined = np.zeros(np.asarray(keys[0]).size, dtype=np.int64)
    for k in keys:
        _, c = np.unique(np.asarray(k).ravel(), return_inverse=True)
        c = c.ravel().astype(np.int64)
        combined = combined * (int(c.max()) + 1 if c.size else 1) + c
    _, codes = np.unique(combined, return_inverse=True)
    return codes.ravel()


@dataclass
class DemeanResult:
    """Outcome of :func:`demean`.

    Attributes
    ----------
    values : ndarray
        The demeaned columns, shape ``(n, k)``.
    iterations : int
        1 with a single set of effects (exact); 0 with several (pyhdfe does not report its sweeps).
    residual : float
        0.0: pyhdfe raises instead of returning an unconverged result.
    converged : bool
    n_absorbed : int
        Number of absorbed parameters, ``sum_g G_g - (number of sets - 1)``
        (an approximation for several sets: exact when the sets are connected).
    """

    values: np.ndarray
    iterations: int
    residual: float
    converged: bool
    n_absorbed: int


def demean(x, groups, weights=None, *, tol: float = 1e-10, max_iter: int = 2000) -> DemeanResult:
    """Remove one or several sets of (weighted) fixed effects from the columns of ``x``.

    ``pyhdfe``: with one set the exact within transform; with several, accelerated alternating
    projections (method of alternating projections) to a tolerance of at most 1e-14.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, k)
    groups : sequence of array_like of int
        One code array per set of fixed effects (see :func:`group_codes`).
    weights : array_like, optional
        Positive analytic weights.
    tol : float
        Stop when no entry changes by more than ``tol`` in a sweep.
    max_iter : int

    Returns
    -------
    DemeanResult

    Raises
    ------
    ValueError
        On non-positive weights or mismatched lengths.
    ConvergenceError
        If the sweeps do not converge within ``max_iter``.
    """
    x = np.asarray(x, dtype=float)
    x2 = x.reshape(len(x), -1).copy()
    n = x2.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise ValueError(f"weights must have length {n}; got shape {w.shape}")
    if np.any(~np.isfinite(w)) or np.any(w <= 0):
        raise ValueError("weights must be finite and strictly positive")
    codes = []
    for g in groups:
        g = np.asarray(g).ravel()
        if g.shape != (n,):
            raise ValueError(f"each groups array must have length {n}; got {g.shape}")
        _, c = np.unique(g, return_inverse=True)
        codes.append((c.ravel(), int(c.max()) + 1))
    n_abs = sum(G for _, G in codes) - max(len(codes) - 1, 0)
    if not codes:
        return DemeanResult(x2, 0, 0.0, True, 0)
    ids = np.column_stack([c for c, _ in codes])
    options = {"tol": min(tol, 1e-14), "iteration_limit": int(max_iter)} if len(codes) > 1 else None
    algo = pyhdfe.create(ids, drop_singletons=False, compute_degrees=False,
                         residualize_method="within" if len(codes) == 1 else "map", options=options)
    try:
        values = algo.residualize(x2, weights=w[:, None])
    except RuntimeError as err:  # pyhdfe's "failed to converge"
        raise ConvergenceError(f"demean: alternating projections did not converge ({err})",
                               float("nan"), max_iter) from err
    return DemeanResult(np.asarray(values, dtype=float).reshape(x2.shape), 1 if len(codes) == 1 else 0,
                        0.0, True, n_abs)


@dataclass
class LinearIVResult:
    """Outcome of :func:`iv2sls` / :func:`ols`.

    Attributes
    ----------
    params : ndarray
        Coefficients, endogenous regressors first, then exogenous ones.
    cov : ndarray
        Covariance matrix of ``params``.
    se : ndarray
    names : list of str
    nobs : int
    first_stage_F : ndarray
        For each endogenous regressor, the (robust/cluster) Wald F of the
        excluded instruments in its first stage; empty for OLS.
    first_stage_params : ndarray
        First-stage coefficients on the excluded instruments, shape (n_instruments, n_endog).
    residuals : ndarray
    cov_type : str
    """

    params: np.ndarray
    cov: np.ndarray
    se: np.ndarray
    names: list
    nobs: int
    first_stage_F: np.ndarray
    first_stage_params: np.ndarray
    residuals: np.ndarray
    cov_type: str

    def coef(self, name: str) -> float:
        """Coefficient by name."""
        return float(self.params[self.names.index(name)])

    def stderr(self, name: str) -> float:
        """Standard error by name."""
        return float(self.se[self.names.index(name)])


def _as2d(a, n, name):
    if a is None:
        return np.empty((n, 0))
    a = np.asarray(a, dtype=float)
    a = a.reshape(n, -1) if a.ndim == 1 else a
    if a.shape[0] != n:
        raise ValueError(f"{name} must have {n} rows; got {a.shape[0]}")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} has non-finite entries")
    return a


def iv2sls(y, endog, instruments, exog=None, *, weights=None, clusters=None,
           df_absorbed: int = 0, names=None, cov_type: str = "robust") -> LinearIVResult:
    """Weighted two-stage least squares on (already demeaned) data.

    Solves ``beta = (Xhat'W X)^-1 Xhat'W y`` with ``X = [endog, exog]``,
    ``Z = [instruments, exog]`` and ``Xhat = Z (Z'WZ)^-1 Z'W X``.

    Parameters
    ----------
    y : array_like, shape (n,)
    endog : array_like, shape (n,) or (n, p)
        Endogenous regressors (may have zero columns: then this is OLS).
    instruments : array_like, shape (n,) or (n, q), q >= p
        Excluded instruments.
    exog : array_like, optional
        Included exogenous regressors (add a constant yourself if wanted).
    weights : array_like, optional
        Positive analytic weights.
    clusters : array_like, optional
        Cluster codes; implies ``cov_type="cluster"``.
    df_absorbed : int
        Fixed effects absorbed before the call (for the small-sample factor).
    names : list of str, optional
    cov_type : {"robust", "cluster", "unadjusted"}

    Returns
    -------
    LinearIVResult

    Raises
    ------
    ValueError
        Under-identification (fewer instruments than endogenous regressors),
        mismatched lengths, non-finite data, non-positive weights, or a
        singular design.
    """
    y = np.asarray(y, dtype=float).ravel()
    n = y.size
    if not np.all(np.isfinite(y)):
        raise ValueError("y has non-finite entries")
    Xe = _as2d(endog, n, "endog")
    Zx = _as2d(instruments, n, "instruments")
    W = _as2d(exog, n, "exog")
    p, q = Xe.shape[1], Zx.shape[1]
    if q < p:
        raise ValueError(f"instruments: need at least as many instruments ({q}) as endogenous regressors ({p})")
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float).ravel()
    if w.shape != (n,) or np.any(~np.isfinite(w)) or np.any(w <= 0):
        raise ValueError("weights must be finite, strictly positive, one per observation")
    if clusters is not None:
        cov_type = "cluster"
    if cov_type not in ("robust", "cluster", "unadjusted"):
        raise ValueError(f"cov_type must be 'robust', 'cluster' or 'unadjusted'; got {cov_type!r}")
    X = np.hstack([Xe, W])
    Z = np.hstack([Zx, W])
    k = X.shape[1]
    if names is None:
        names = [f"endog{j}" for j in range(p)] + [f"exog{j}" for j in range(W.shape[1])]
    if len(names) != k:
        raise ValueError(f"names must have {k} entries; got {len(names)}")
    if np.linalg.matrix_rank((Z * w[:, None]).T @ Z) < Z.shape[1]:
        raise ValueError("instruments/exog are collinear (singular Z'WZ)")
    codes = pd.factorize(np.asarray(clusters).ravel())[0] if cov_type == "cluster" else None
    if p == 0:   # OLS: statsmodels
        beta, cov = _ols_statsmodels(y, W, None if weights is None else w, cov_type, codes, df_absorbed)
        return LinearIVResult(beta, cov, np.sqrt(np.diag(cov)), list(names), n, np.empty(0),
                              np.empty((0, 0)), y - W @ beta, cov_type)
    cols = [f"x{j}" for j in range(k)]
    en, ex, zn = cols[:p], cols[p:], [f"z{j}" for j in range(q)]
    frame = lambda a, nm: pd.DataFrame(a, columns=nm) if nm else None  # noqa: E731
    lm_cov = {"robust": "robust", "cluster": "clustered", "unadjusted": "unadjusted"}[cov_type]
    fit_kw = dict(cov_type=lm_cov, debiased=True, extra_df=int(df_absorbed))
    if cov_type == "cluster":
        fit_kw["clusters"] = codes
    try:
        res = IV2SLS(pd.Series(y, name="y"), frame(W, ex), frame(Xe, en), frame(Zx, zn),
                     weights=None if weights is None else w).fit(**fit_kw)
    except (np.linalg.LinAlgError, ValueError) as err:
        raise ValueError(f"design is singular: check that instruments are relevant and regressors "
                         f"not collinear ({err})") from err
    order = en + ex
    beta = res.params[order].to_numpy()
    cov = res.cov.loc[order, order].to_numpy()
    if not np.all(np.isfinite(beta)) or np.linalg.matrix_rank((X * w[:, None]).T @ X) < k:
        raise ValueError("design is singular: check that instruments are relevant and regressors not collinear")
    e = y - X @ beta
    # first stage: each endogenous regressor on [instruments, exog] (an OLS), same covariance;
    # the Wald F of the excluded instruments
    F = np.empty(p)
    first = np.empty((q, p))
    for j in range(p):
        if q == p and np.array_equal(Zx[:, j], Xe[:, j]) and np.allclose(Zx, Xe):
            # the regressors are their own instruments (OLS through the IV interface): the first
            # stage is exact, its coefficient the identity and its F infinite
            first[:, j] = np.eye(q)[:, j]
            F[j] = np.inf
            continue
        g_all, V_all = _ols_statsmodels(Xe[:, j], Z, None if weights is None else w, cov_type, codes,
                                        df_absorbed)
        g, Vg = g_all[:q], V_all[:q, :q]
        first[:, j] = g
        try:
            F[j] = float(g @ np.linalg.solve(Vg, g)) / q
        except np.linalg.LinAlgError:   # exact first stage (instrument = regressor): F is infinite
            F[j] = np.inf
    se = np.sqrt(np.diag(cov))
    return LinearIVResult(beta, cov, se, list(names), n, F, first, e, cov_type)


def _ols_statsmodels(y, X, w, cov_type, codes, df_absorbed):
    """(Weighted) OLS by statsmodels with the book's covariance conventions; ``(params, cov)``.

    statsmodels' HC1 carries ``n/(n-k)``, its cluster covariance ``G/(G-1) (n-1)/(n-k)`` and its
    unadjusted one divides by ``n-k``; ``df_absorbed`` absorbed effects turn ``n-k`` into
    ``n-k-df_absorbed`` (the factor ``(n-k)/(n-k-df_absorbed)`` below).
    """
    import statsmodels.api as sm

    n, k = X.shape
    model = sm.OLS(y, X) if w is None else sm.WLS(y, X, weights=w)
    if cov_type == "robust":
        fit = model.fit(cov_type="HC1")
    elif cov_type == "cluster":
        fit = model.fit(cov_type="cluster", cov_kwds={"groups": codes})
    else:
        fit = model.fit()
    cov = np.asarray(fit.cov_params(), dtype=float) * (n - k) / max(n - k - int(df_absorbed), 1)
    return np.asarray(fit.params, dtype=float), cov


def ols(y, X, *, weights=None, clusters=None, df_absorbed: int = 0, names=None,
        cov_type: str = "robust") -> LinearIVResult:
    """Weighted least squares with robust or cluster-robust covariance (``iv2sls`` with no endogenous regressor).

    Parameters
    ----------
    y : array_like, shape (n,)
    X : array_like, shape (n, k)
    weights, clusters, df_absorbed, names, cov_type
        As in :func:`iv2sls`.

    Returns
    -------
    LinearIVResult
    """
    y = np.asarray(y, dtype=float).ravel()
    return iv2sls(y, None, None, X, weights=weights, clusters=clusters,
                  df_absorbed=df_absorbed, names=names, cov_type=cov_type)


def ratio_confidence_interval(params, cov, numerator: int, denominator: int, level: float = 0.95):
    """Ratio ``b[num]/b[den]`` with its delta-method standard error and confidence interval.

    Parameters
    ----------
    params : array_like
    cov : array_like
        Covariance of ``params``.
    numerator, denominator : int
        Positions in ``params``.
    level : float
        Confidence level in (0, 1).

    Returns
    -------
    tuple of float
        ``(ratio, se, low, high)``.

    Raises
    ------
    ValueError
        If the denominator coefficient is zero or ``level`` is outside (0, 1).
    """
    from scipy.stats import norm

    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1); got {level}")
    b = np.asarray(params, dtype=float)
    V = np.asarray(cov, dtype=float)
    a, d = b[numerator], b[denominator]
    if d == 0:
        raise ValueError("denominator coefficient is zero: the ratio is undefined")
    r = a / d
    grad = np.zeros_like(b)
    grad[numerator] = 1.0 / d
    grad[denominator] = -a / d**2
    se = float(np.sqrt(grad @ V @ grad))
    zc = float(norm.ppf(0.5 + level / 2))
    return float(r), se, float(r - zc * se), float(r + zc * se)
