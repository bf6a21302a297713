r"""How Doi & Suzuki (2025) obtain eta, zeta and xi (§4.1), on synthetic panels with known truth.

Three estimators, each paired with a simulator that draws a synthetic panel
from the model's own equations (so that the truth is known):

* migration elasticity :math:`\eta` (Table 4): OLS and 2SLS of log location
  shares on log real wages with type-region and type-year fixed effects, the
  instrument a Bartik expected wage (Tombe & Zhu 2019) -- paper eq. (9) in logs;
* occupational dispersion :math:`\zeta` (§4.1): the squared coefficient of
  variation of residualised wages equals a function of :math:`\zeta` only;
* native/foreign substitution :math:`\xi` (Table 5): log relative wages on log
  relative employment with year and type-occupation-industry fixed effects,
  slope :math:`-1/\xi` -- the CES first-order condition behind eq. (16).

The regressions run through the statsmodels formula API.  The 2SLS step
partials out the fixed effects (Frisch–Waugh–Lovell) with statsmodels and
computes the IV coefficient and its cluster-robust variance with numpy, using
the *structural* residual (actual, not fitted, regressor).  Nothing here is
the paper's data: every panel is synthetic and says so in its ``attrs``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from ..core import econometrics, frechet
from ..core.threads import limit_blas_threads  # re-exported: the estimation page calls it
from ..core.validate import require_in_range
from . import roy

__all__ = [
    "IVResult",
    "simulate_location_panel",
    "ols_fe",
    "iv2sls_fe",
    "simulate_roy_wages",
    "residualise_log_wages",
    "demean_by_group",
    "absorb_fixed_effects",
    "zeta_moments",
    "simulate_relative_wage_panel",
    "estimate_xi",
    "limit_blas_threads",
]


def _int(name, value, low):
    v = require_in_range(name, value, low - 1, np.inf, meaning=f"integer >= {low}")
    if v != int(v):
        raise ValueError(f"{name} must be an integer; got {value!r}")
    return int(v)


# ---------------------------------------------------------------------------
# 1. migration elasticity eta (Table 4)
# ---------------------------------------------------------------------------

def simulate_location_panel(eta: float, *, n_regions: int = 47, n_types: int = 8, n_waves: int = 4,
                            n_sectors: int = 6, first_stage: float = 0.75, wage_feedback: float = 0.3,
                            sd_amenity_shock: float = 0.05, sd_wage_shock: float = 0.03,
                            sd_national_wage: float = 0.15, sd_log_amenity: float = 1.0,
                            seed: int = 0) -> pd.DataFrame:
    r"""Synthetic region x type x wave panel of location shares drawn from paper eq. (9).

    Data-generating process (all logs):

    * national sector wages :math:`\log\bar w^i_t(s)` follow independent random
      walks (sd ``sd_national_wage``); regional sector shares
      :math:`\lambda^i_{rt}(s)` are Dirichlet draws with persistent tilts;
    * Bartik instrument :math:`z_{rt}(s)=\log\sum_i\lambda^i_{rt}(s)\bar w^i_t(s)`;
    * amenity shock :math:`\nu_{rt}(s)\sim N(0,\text{sd\_amenity\_shock}^2)`;
    * real wage :math:`\log\omega_{rt}(s) = \text{first\_stage}\cdot z_{rt}(s) + c_r(s) + u_{rt}(s)
      - \text{wage\_feedback}\cdot\nu_{rt}(s)`: a region that draws a good amenity
      shock attracts workers and its wage falls, the endogeneity that biases OLS down;
    * location shares :math:`\psi_{rt}(s)` = paper eq. (9) with scales
      :math:`B_r(s)\exp(\nu_{rt}(s))`.

    Returns
    -------
    pandas.DataFrame
        Columns ``region, type, wave, log_share, log_real_wage, log_bartik``,
        plus ``type_region`` and ``type_wave`` identifiers. ``attrs`` records
        ``synthetic=True`` and the true parameters.
    """
    eta = require_in_range("eta", eta, 0, np.inf, meaning="location Fréchet shape (migration elasticity)")
    R = _int("n_regions", n_regions, 3)
    S = _int("n_types", n_types, 1)
    T = _int("n_waves", n_waves, 2)
    J = _int("n_sectors", n_sectors, 2)
    for name, v in (("sd_amenity_shock", sd_amenity_shock), ("sd_wage_shock", sd_wage_shock),
                    ("sd_national_wage", sd_national_wage), ("sd_log_amenity", sd_log_amenity)):
        require_in_range(name, v, 0, np.inf, low_inclusive=True, meaning="standard deviation")
    require_in_range("first_stage", first_stage, -np.inf, np.inf)
    require_in_range("wage_feedback", wage_feedback, -np.inf, np.inf)
    rng = np.random.default_rng(seed)

    log_w_nat = np.cumsum(rng.normal(0, sd_national_wage, size=(T, S, J)), axis=0) \
        + rng.normal(0, 0.2, size=(1, S, J))
    base_tilt = rng.normal(0, 1.0, size=(R, S, J))
    tilt = base_tilt[None] + rng.normal(0, 0.3, size=(T, R, S, J))
    lam = np.exp(tilt) / np.exp(tilt).sum(-1, keepdims=True)                    # (T,R,S,J)
    log_bartik = np.log(np.sum(lam * np.exp(log_w_nat)[:, None], axis=-1))      # (T,R,S)

    nu = rng.normal(0, sd_amenity_shock, size=(T, R, S))
    c = rng.normal(0, 0.2, size=(1, R, S))
    u = rng.normal(0, sd_wage_shock, size=(T, R, S))
    log_real_wage = first_stage * log_bartik + c + u - wage_feedback * nu
    log_B = rng.normal(0, sd_log_amenity, size=(1, R, S))
    psi = frechet.choice_probabilities_from_logs(eta * log_real_wage + log_B + nu, axis=1)   # eq. (9)

    t_idx, r_idx, s_idx = np.meshgrid(np.arange(T), np.arange(R), np.arange(S), indexing="ij")
    df = pd.DataFrame({
        "region": r_idx.ravel(), "type": s_idx.ravel(), "wave": t_idx.ravel(),
        "log_share": np.log(psi).ravel(), "log_real_wage": log_real_wage.ravel(),
        "log_bartik": log_bartik.ravel(),
    })
    df["type_region"] = df["type"].astype(str) + "_" + df["region"].astype(str)
    # type-wave effects for waves >= 1 only (wave 0 is the common base): the two sets of
    # fixed effects are then not collinear and the design has full rank
    df["type_wave"] = np.where(df["wave"] == 0, "base", df["type"].astype(str) + "_" + df["wave"].astype(str))
    df.attrs.update(synthetic=True, eta=eta, first_stage=first_stage, wage_feedback=wage_feedback, seed=seed)
    return df


def ols_fe(df: pd.DataFrame, formula: str, cluster: str | None = None):
    """OLS with the statsmodels formula API, cluster-robust when ``cluster`` names a column.

    Returns
    -------
    statsmodels RegressionResults
    """
    model = smf.ols(formula, data=df)
    if cluster is None:
        return model.fit()
    groups = pd.factorize(df[cluster])[0]
    return model.fit(cov_type="cluster", cov_kwds={"groups": groups})


@dataclass
class IVResult:
    """Just-identified 2SLS with absorbed fixed effects.

    Attributes
    ----------
    coef, se : float
        Second-stage coefficient on the endogenous regressor and its standard error.
    first_stage_coef, first_stage_se, first_stage_F : float
        Instrument coefficient in the first stage (same fixed effects), its
        standard error (same variance type) and the F statistic ``(coef/se)**2``.
    nobs, n_clusters : int
    dof_absorbed : int
        Parameters absorbed by the fixed effects (for the small-sample correction).
    """

    coef: float
    se: float
    first_stage_coef: float
    first_stage_se: float
    first_stage_F: float
    nobs: int
    n_clusters: int
    dof_absorbed: int
    extra: dict = field(default_factory=dict)


def _dummy_matrix(df, fe_cols):
    """Intercept plus one dummy per level of each column in ``fe_cols`` (first level dropped)."""
    n = len(df)
    blocks = [np.ones((n, 1))]
    for c in fe_cols:
        codes, levels = pd.factorize(df[c])
        D = np.zeros((n, len(levels)))
        D[np.arange(n), codes] = 1.0
        blocks.append(D[:, 1:])
    return np.hstack(blocks)


def absorb_fixed_effects(df, cols, fe_rhs):
    """Residuals of ``cols`` on fixed effects (formula string or list of columns); see :func:`iv2sls_fe`.

    Returns
    -------
    dict
        Column name -> residual array.
    """
    return _partial_out(df, list(cols), fe_rhs)[0]


def _partial_out(df, cols, fe_rhs):
    """Residuals of each column on the fixed effects, and the rank of the fixed-effect design.

    ``fe_rhs`` is either a formula right-hand side (statsmodels formula API) or a
    list of column names (a numpy dummy regression, much faster in Monte Carlo loops;
    the tests check that both give the same residuals).
    """
    if isinstance(fe_rhs, str):
        out, dof = {}, None
        for c in cols:
            fit = smf.ols(f"{c} ~ {fe_rhs}", data=df).fit()
            out[c] = np.asarray(fit.resid)
            dof = int(fit.df_model) + 1
        return out, dof
    D = _dummy_matrix(df, list(fe_rhs))
    Yc = np.column_stack([np.asarray(df[c], float) for c in cols])
    coef, _, rank, _ = np.linalg.lstsq(D, Yc, rcond=None)
    R = Yc - D @ coef
    return {c: R[:, j] for j, c in enumerate(cols)}, int(rank)


def iv2sls_fe(df: pd.DataFrame, y: str, endog: str, instrument: str, fe_rhs: str,
              cluster: str | None = None) -> IVResult:
    r"""2SLS of ``y`` on ``endog`` instrumented by ``instrument`` with fixed effects ``fe_rhs``.

    The fixed effects are partialled out of ``y``, ``endog`` and ``instrument``
    (Frisch–Waugh–Lovell, with ``smf.ols`` or numpy dummies); the 2SLS on the residuals is
    :func:`lib.core.econometrics.iv2sls` (linearmodels ``IV2SLS``) with the structural residual
    :math:`e=\tilde y-\tilde x\hat\beta` and Stata's small-sample factor
    :math:`c=\frac{G}{G-1}\frac{N-1}{N-K}`, K counting the absorbed effects (``extra_df``).

    Parameters
    ----------
    df : DataFrame
    y, endog, instrument : str
        Column names.
    fe_rhs : str or list of str
        Right-hand side of the fixed effects, e.g. ``"C(type_region) + C(type_wave)"``
        (statsmodels formula API), or a list of columns, e.g. ``["type_region", "type_wave"]``
        (numpy dummies, same result, faster). ``instrument == endog`` gives OLS.
    cluster : str, optional
        Column defining clusters; ``None`` gives the homoskedastic variance.

    Returns
    -------
    IVResult
    """
    for c in (y, endog, instrument) + ((cluster,) if cluster else ()):
        if c not in df.columns:
            raise ValueError(f"column {c!r} is not in the data frame")
    res, dof = _partial_out(df, list(dict.fromkeys([y, endog, instrument])), fe_rhs)
    Y, X, Z = res[y], res[endog], res[instrument]
    if abs(float(Z @ X)) < 1e-12 * np.sqrt(float(Z @ Z) * float(X @ X) + 1e-300):
        raise ValueError("instrument is orthogonal to the endogenous regressor after the fixed effects")
    groups = pd.factorize(df[cluster])[0] if cluster else None
    cov_type = "cluster" if cluster else "unadjusted"
    iv = econometrics.iv2sls(Y, X, Z, None, clusters=groups, df_absorbed=dof, cov_type=cov_type)
    # first stage: X on Z (same absorbed effects, same variance type); with one instrument its
    # Wald F is (pi / se(pi))^2. instrument == endog (OLS): pi = 1 exactly, zero error, F infinite
    pi, first_F = float(iv.first_stage_params[0, 0]), float(iv.first_stage_F[0])
    pi_se = abs(pi) / np.sqrt(first_F) if np.isfinite(first_F) else 0.0
    return IVResult(coef=float(iv.params[0]), se=float(iv.se[0]), first_stage_coef=pi,
                    first_stage_se=pi_se,
                    first_stage_F=first_F, nobs=len(df),
                    n_clusters=int(groups.max() + 1) if groups is not None else len(df),
                    dof_absorbed=dof)


# ---------------------------------------------------------------------------
# 2. occupational dispersion zeta (§4.1)
# ---------------------------------------------------------------------------

def simulate_roy_wages(zeta: float, *, n_workers: int = 100_000, n_regions: int = 10, n_types: int = 4,
                       n_occupations: int = 24, sd_log_price: float = 0.3, sd_log_productivity: float = 0.5,
                       seed: int = 0) -> pd.DataFrame:
    r"""Synthetic worker-level wages from the Roy model of paper §3 (eqs. 7–8).

    Each worker of type s in region r draws :math:`\epsilon(z,o)\sim` Fréchet(:math:`\zeta`)
    for every occupation, chooses the occupation maximising
    :math:`S(s,o)p_r(o)\epsilon(z,o)` and earns that maximum.  :math:`S` and
    :math:`p` are log-normal with the given standard deviations.

    Returns
    -------
    pandas.DataFrame
        ``region, type, cell, occupation, wage, log_wage``; ``attrs`` records
        ``synthetic=True``, ``zeta`` and the model mean wage of each cell.
    """
    zeta = require_in_range("zeta", zeta, 1, np.inf, meaning="occupation Fréchet shape; mean wages need zeta > 1")
    N = _int("n_workers", n_workers, 10)
    R = _int("n_regions", n_regions, 1)
    S = _int("n_types", n_types, 1)
    O = _int("n_occupations", n_occupations, 2)
    rng = np.random.default_rng(seed)
    price = np.exp(rng.normal(0, sd_log_price, size=(R, 1, O)))
    prod = np.exp(rng.normal(0, sd_log_productivity, size=(1, S, O)))
    eff_wage = prod * price                                              # w_r(s,o) = S(s,o) p_r(o)
    region = rng.integers(0, R, size=N)
    typ = rng.integers(0, S, size=N)
    eps = frechet.draw_frechet(zeta, size=(N, O), rng=rng)
    earnings = eff_wage[region, typ] * eps
    occ = earnings.argmax(axis=1)
    wage = earnings[np.arange(N), occ]
    df = pd.DataFrame({"region": region, "type": typ, "cell": region * S + typ, "occupation": occ,
                       "wage": wage, "log_wage": np.log(wage)})
    df.attrs.update(synthetic=True, zeta=zeta, seed=seed,
                    model_mean_wage=roy.average_wage(eff_wage, 1.0, zeta).ravel())
    return df


def residualise_log_wages(df: pd.DataFrame, fe_rhs: str = "C(cell)") -> np.ndarray:
    """Residuals of ``log_wage ~ fe_rhs`` (statsmodels OLS): wages net of region/type effects, in logs."""
    return np.asarray(smf.ols(f"log_wage ~ {fe_rhs}", data=df).fit().resid)


def demean_by_group(values, groups) -> np.ndarray:
    """Deviations from group means: the residuals of an OLS on group dummies, computed with bincount.

    Equals :func:`residualise_log_wages` with ``C(cell)`` (checked by the tests) and is
    fast enough for Monte Carlo replications.
    """
    v = np.asarray(values, float)
    g = pd.factorize(np.asarray(groups))[0]
    if v.shape != g.shape:
        raise ValueError("values and groups must have the same length")
    means = np.bincount(g, weights=v) / np.bincount(g)
    return v - means[g]


def zeta_moments(log_resid) -> dict:
    r"""Two moment estimators of :math:`\zeta` from residualised log wages.

    * ``cv2``, ``zeta_cv2``: the paper's moment.  :math:`\exp(\text{resid})`
      is the wage divided by a cell constant; the ratio Var/mean² is
      scale-free, so it equals :func:`roy.wage_cv2` and is inverted by
      :func:`roy.calibrate_zeta`.
    * ``var_log``, ``zeta_log``: the Gumbel moment
      (:func:`roy.zeta_from_log_wage_variance`).

    Returns
    -------
    dict
    """
    r = np.asarray(log_resid, float)
    if r.size < 3 or not np.all(np.isfinite(r)):
        raise ValueError("log_resid must hold at least 3 finite residuals")
    w = np.exp(r - r.mean())
    cv2 = float(w.var() / w.mean() ** 2)
    var_log = float(r.var())
    return {"cv2": cv2, "zeta_cv2": roy.calibrate_zeta(cv2), "var_log": var_log,
            "zeta_log": roy.zeta_from_log_wage_variance(var_log)}


# ---------------------------------------------------------------------------
# 3. native/foreign substitution xi (Table 5)
# ---------------------------------------------------------------------------

def simulate_relative_wage_panel(xi: float, *, n_regions: int = 47, n_sectors: int = 6, n_types: int = 4,
                                 n_occupations: int = 8, n_years: int = 3, presence: float = 0.4,
                                 sd_log_supply: float = 1.0, sd_wage_noise: float = 0.15,
                                 supply_response: float = 0.0, seed: int = 0) -> pd.DataFrame:
    r"""Synthetic region x sector x type x occupation x year panel of foreign/native relative wages.

    Data-generating process:

    * log relative efficiency units :math:`\ln(l_F/l_D)` = a cell-group mean
      (type-occupation-sector) + region effect + N(0, ``sd_log_supply``²) noise
      (centred near the 2.7% foreign share) + ``supply_response`` x the relative
      wage noise (foreigners flowing towards cells where they are paid more:
      the endogeneity that biases OLS);
    * relative service price from the CES first-order condition,
      :math:`p_F/p_D=(l_F/l_D)^{-1/\xi}` (:func:`roy.relative_price`);
    * relative wage :math:`w_F/w_D = (S_F/S_D)\,(p_F/p_D)\,\times` year effect
      :math:`\times\exp(\varepsilon)`, :math:`\varepsilon\sim N(0,\text{sd\_wage\_noise}^2)`
      (sampling error of cell mean wages).  :math:`S_F/S_D` varies by
      type-occupation-sector and is absorbed by the fixed effects.
    * Only a fraction ``presence`` of cells has foreign workers (others are not observed).

    Returns
    -------
    pandas.DataFrame
        ``region, year, tos, ln_rel_wage, ln_rel_emp``; ``attrs['synthetic'] = True``.
    """
    xi = require_in_range("xi", xi, 0, np.inf, meaning="native-foreign elasticity of substitution")
    presence = require_in_range("presence", presence, 0, 1, high_inclusive=True, meaning="share of observed cells")
    R = _int("n_regions", n_regions, 2)
    I = _int("n_sectors", n_sectors, 1)
    S = _int("n_types", n_types, 1)
    O = _int("n_occupations", n_occupations, 1)
    T = _int("n_years", n_years, 1)
    require_in_range("sd_log_supply", sd_log_supply, 0, np.inf, meaning="standard deviation")
    require_in_range("sd_wage_noise", sd_wage_noise, 0, np.inf, low_inclusive=True, meaning="standard deviation")
    rng = np.random.default_rng(seed)
    shape = (R, I, S, O, T)
    r, i, s, o, t = (a.ravel() for a in np.meshgrid(*(np.arange(n) for n in shape), indexing="ij"))
    keep = rng.uniform(size=r.size) < presence
    r, i, s, o, t = r[keep], i[keep], s[keep], o[keep], t[keep]
    n = r.size
    if n < 10:
        raise ValueError("presence is too small: fewer than 10 observed cells")
    tos = (i * S + s) * O + o
    group_mean = rng.normal(np.log(0.027), 0.8, size=I * S * O)
    region_eff = rng.normal(0, 0.5, size=R)
    log_rel_prod = rng.normal(0, 0.3, size=I * S * O)                 # ln S_F/S_D
    year_eff = np.concatenate([[0.0], rng.normal(0, 0.05, size=T - 1)])
    noise = rng.normal(0, sd_wage_noise, size=n)
    ln_rel_emp = group_mean[tos] + region_eff[r] + rng.normal(0, sd_log_supply, size=n) + supply_response * noise
    ln_rel_price = np.log(roy.relative_price(np.exp(ln_rel_emp), xi))
    ln_rel_wage = log_rel_prod[tos] + ln_rel_price + year_eff[t] + noise
    df = pd.DataFrame({"region": r, "sector": i, "type": s, "occupation": o, "year": t, "tos": tos,
                       "ln_rel_wage": ln_rel_wage, "ln_rel_emp": ln_rel_emp})
    df.attrs.update(synthetic=True, xi=xi, supply_response=supply_response, seed=seed)
    return df


def estimate_xi(df: pd.DataFrame, cluster: str | None = "region", fast: bool = False) -> dict:
    r"""Table 5 regression: ``ln_rel_wage ~ ln_rel_emp + C(year) + C(tos)``, slope :math:`-1/\xi`.

    Parameters
    ----------
    df : DataFrame
        As returned by :func:`simulate_relative_wage_panel`.
    cluster : str, optional
        Column to cluster by; ``None`` for iid errors.
    fast : bool, default False
        Absorb the fixed effects with numpy dummies instead of the statsmodels
        formula API (identical numbers, checked by the tests; for loops).

    Returns
    -------
    dict
        ``slope, slope_se, xi, xi_se`` (delta method, :math:`se(\xi)=se(b)/b^2`),
        ``xi_ci_low, xi_ci_high`` (inverting the 95% interval of the slope) and ``nobs``.
    """
    if fast:
        r = iv2sls_fe(df, "ln_rel_wage", "ln_rel_emp", "ln_rel_emp", ["year", "tos"], cluster=cluster)
        b, se, nobs = r.coef, r.se, r.nobs
    else:
        fit = ols_fe(df, "ln_rel_wage ~ ln_rel_emp + C(year) + C(tos)", cluster=cluster)
        b, se, nobs = float(fit.params["ln_rel_emp"]), float(fit.bse["ln_rel_emp"]), int(fit.nobs)
    if b >= 0:
        raise ValueError(f"estimated slope {b:.4g} is not negative: xi = -1/slope is not defined")
    lo, hi = b - 1.96 * se, b + 1.96 * se
    ci = (-1 / lo, -1 / hi) if hi < 0 else (-1 / lo, np.inf)
    return {"slope": b, "slope_se": se, "xi": -1.0 / b, "xi_se": se / b ** 2,
            "xi_ci_low": float(ci[0]), "xi_ci_high": float(ci[1]), "nobs": int(nobs)}
