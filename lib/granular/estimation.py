r"""Section 4 of Kikuchi & O'Connor (2025) on a synthetic firm panel.

The Census of Manufacture microdata behind the paper's Tables 1 and 3 are confidential, so this
module (i) *generates* a synthetic establishment panel from the model of Sections 2-3 at known
parameters (by default the paper's Table 2 values) and (ii) runs the paper's estimators on it:

* :func:`estimate_eta` -- returns to scale from the payroll share (paper footnote 11);
* :func:`estimate_kappa` -- 2SLS of paper eq. (15) with the shift-share instrument (16) and
  market-year fixed effects (Table 1, cols. 1-2);
* :func:`market_aggregates`, :func:`estimate_nu` -- CES market aggregates with
  :math:`\hat\kappa` and 2SLS of eq. (18) with instrument (19), location-year and sector-year
  fixed effects (Table 1, cols. 3-4);
* :func:`sector_shock_moments`, :func:`estimate_shock_variances` -- the variance of the
  average productivity shock by number of firms, eq. (21), and the linear GMM fit
  :math:`\sigma^2(N)=\sigma_S^2+\sigma_N^2/N`;
* :func:`czone_hhi`, :func:`estimate_alpha` -- the tail :math:`\lambda` matching the average
  employment-weighted HHI by commuting zone (Fig. 2 left) with a quadratic loss;
* :func:`table3_regression` -- eq. (23) and the ratio :math:`\beta_3/\beta_1` (Table 3).

The data-generating process (all of it **synthetic**; it is the book's, not the paper's):

* commuting zones :math:`i` with expected firms per sector :math:`m_i` log-spaced between the
  paper's smallest (0.07) and Tokyo (105.8) values; :math:`N_{is}\sim` Poisson(:math:`m_i`)
  firms in each of ``n_sectors`` sectors; firm size :math:`x=z^{1/\eta}` Pareto(:math:`\lambda\eta`),
  baseline shares :math:`sh_n=x_n/\sum x`; firms live all ``n_years`` years (no entry or exit);
* each firm sells 1 to ``max_products`` of ``n_products`` products with Dirichlet(1) shares;
  national product shocks :math:`\Delta d_{pt}\sim N(0,\sigma_d^2)` give the shift-share
  :math:`\Delta d_{isnt}` of eq. (16);
* log productivity deviations :math:`\hat a_{nt}=\Delta d_{nt}+u_{nt}+U_{ist}`, with
  :math:`\mathrm{Var}(\Delta d_{nt}+u_{nt})=\sigma_N^2` (a share ``demand_share`` of it from
  :math:`\Delta d`) and :math:`U_{ist}\sim N(0,\sigma_S^2)`;
* labor-supply taste shocks :math:`e_{nt}=E_{ist}+\epsilon_{nt}` (these make OLS differ from 2SLS);
* each year is one period-2 draw around the period-1 plan :math:`\bar\ell_n`; the one-year log
  change of the paper, :math:`\Delta\log\ell_{nt}`, is the model's log deviation
  :math:`\hat\ell_{nt}` (the paper: "we interpret the short run of period 2 as one year").
  Employment solves perfect-competition demand :math:`\log w_n=\hat a_n-\eta\hat\ell_n` and the
  exact CES inverse supply with taste shifters,
  :math:`\log w_n=\log W_i+(\hat\ell_n-e_n)/\kappa+(1/\nu-1/\kappa)X_s`,
  :math:`X_s=\frac1\rho\log\sum_n sh_n e^{\rho(\hat\ell_n-e_n)}`, :math:`\rho=(1+\kappa)/\kappa`,
  which has the closed form of :func:`sector_response`; :math:`\log W_i=0` (it is absorbed by
  the fixed effects of both regressions).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar

from lib.core.errors import ConvergenceError
from lib.iv import demean, group_codes, iv2sls, ols, ratio_confidence_interval
from lib.core.validate import require_in_range, require_nonnegative, require_positive

from .hhi import weighted_hhi
from .local import check_parameters, ratio_beta3_beta1

__all__ = [
    "PanelConfig", "SyntheticPanel", "czone_firm_masses", "sector_response", "simulate_panel",
    "estimate_eta", "estimate_kappa", "market_aggregates", "estimate_nu",
    "sector_shock_moments", "estimate_shock_variances", "czone_hhi", "make_hhi_simulator", "estimate_alpha",
    "table3_regression", "estimate_all",
]

PAPER_M_SMALLEST = 0.07   # expected firms per sector, smallest CZ (paper Sec. 6, ~10/148)
PAPER_M_TOKYO = 105.8     # expected firms per sector, Tokyo (paper Sec. 6)


@dataclass(frozen=True)
class PanelConfig:
    """Parameters of the synthetic panel (structural values default to paper Table 2).

    Attributes
    ----------
    eta, lam, kappa, nu, sigma2_N, sigma2_S : float
        Structural parameters (paper Table 2).
    n_cz, n_sectors, n_years : int
        Panel dimensions (paper: 225 commuting zones, 148 sectors, 18 years).
    m_min, m_max : float
        Expected firms per sector in the smallest and largest commuting zone.
    n_products, max_products : int
        Number of national products and most products per firm.
    demand_share : float
        Share of the idiosyncratic shock variance coming from the product-demand shifter.
    sigma_taste, sigma_taste_market : float
        Standard deviations of the firm and market labor-supply taste shocks.
    ell_unit : float
        Baseline employment of a firm with x = 1 (persons).
    seed : int
    """

    eta: float = 0.13
    lam: float = 10.5
    kappa: float = 2.48
    nu: float = 1.46
    sigma2_N: float = 0.14
    sigma2_S: float = 2.0e-3
    n_cz: int = 60
    n_sectors: int = 50
    n_years: int = 10
    m_min: float = PAPER_M_SMALLEST
    m_max: float = PAPER_M_TOKYO
    n_products: int = 500
    max_products: int = 3
    demand_share: float = 0.2
    sigma_taste: float = 0.3
    sigma_taste_market: float = 0.1
    ell_unit: float = 10.0
    seed: int = 20251023

    def validate(self) -> "PanelConfig":
        """Check every field; raise ``ValueError`` naming the first bad one."""
        check_parameters(eta=self.eta, lam=self.lam, sigma2_N=self.sigma2_N,
                         sigma2_S=self.sigma2_S, kappa=self.kappa, nu=self.nu)
        require_in_range("lam*eta", self.lam * self.eta, 1.0, 2.0,
                         meaning="tail index alpha = lam*eta; the estimator searches (1, 2)")
        for name in ("n_cz", "n_sectors", "n_products", "max_products"):
            require_in_range(name, getattr(self, name), 1, np.inf, low_inclusive=True)
        require_in_range("n_years", self.n_years, 3, np.inf, low_inclusive=True,
                         meaning="years (lags need at least 3)")
        require_positive("m_min", self.m_min, meaning="expected firms per sector, smallest CZ")
        require_in_range("m_max", self.m_max, self.m_min, np.inf, low_inclusive=True,
                         meaning="expected firms per sector, largest CZ (>= m_min)")
        require_in_range("demand_share", self.demand_share, 0.0, 1.0, high_inclusive=True,
                         meaning="share of sigma2_N from the demand shifter")
        require_nonnegative("sigma_taste", self.sigma_taste)
        require_nonnegative("sigma_taste_market", self.sigma_taste_market)
        require_positive("ell_unit", self.ell_unit)
        if self.sigma2_N <= 0 and self.demand_share > 0:
            raise ValueError("sigma2_N must be positive when demand_share > 0 "
                             "(the instrument is part of the idiosyncratic shock)")
        return self


@dataclass
class SyntheticPanel:
    """A synthetic establishment panel and the truth that generated it.

    Attributes
    ----------
    firms : pandas.DataFrame
        One row per firm-year: ``firm, cz, sector, market, year, N, sh, ell_bar, market_ell_bar,
        dlog_ell, dlog_w, dlog_y, dd, lag_dlog_ell, lag_payroll_share, a_hat``.
    config : PanelConfig
    truth : dict
        True parameters and DGP constants (``alpha``, ``sigma_d``, ``c``).
    m_cz : ndarray
        Expected firms per sector in each commuting zone.
    """

    firms: pd.DataFrame
    config: PanelConfig
    truth: dict
    m_cz: np.ndarray = field(repr=False)


def czone_firm_masses(n_cz: int, m_min: float = PAPER_M_SMALLEST, m_max: float = PAPER_M_TOKYO) -> np.ndarray:
    """Expected firms per sector by commuting zone, log-spaced from ``m_min`` to ``m_max`` (synthetic).

    The paper prints only the two ends (0.07 and Tokyo's 105.8, Sec. 6); the zones in
    between are the book's assumption.
    """
    require_in_range("n_cz", n_cz, 1, np.inf, low_inclusive=True)
    require_positive("m_min", m_min)
    require_in_range("m_max", m_max, m_min, np.inf, low_inclusive=True)
    return np.exp(np.linspace(np.log(m_min), np.log(m_max), int(n_cz)))


def _segment_logsumexp(values: np.ndarray, log_weights: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """``log sum_n exp(log_weights + values)`` within groups, stable."""
    z = values + log_weights
    zmax = np.full(n_groups, -np.inf)
    np.maximum.at(zmax, codes, z)
    s = np.bincount(codes, weights=np.exp(z - zmax[codes]), minlength=n_groups)
    return zmax + np.log(s)


def sector_response(a_hat, taste, sh, market, eta: float, kappa: float, nu: float):
    r"""Exact period-2 employment and wage deviations in every market (closed form).

    With :math:`b_n=(\hat a_n-\eta e_n)/(\eta+1/\kappa)`, :math:`k=(1/\nu-1/\kappa)/(\eta+1/\kappa)`,
    :math:`B_s=\frac1\rho\log\sum_n sh_n e^{\rho b_n}` the CES aggregate of effective labor is
    :math:`X_s=B_s/(1+k)`, and :math:`\hat\ell_n=b_n-kX_s+e_n`, :math:`\log w_n=\hat a_n-\eta\hat\ell_n`.
    To first order this is paper eq. (22); it satisfies eq. (14) exactly with error :math:`e_n`.

    Parameters
    ----------
    a_hat, taste, sh : array_like
        Log productivity deviation, labor-supply taste shock, baseline employment share (per firm).
    market : array_like of int
        Market code 0..M-1 of each firm (shares sum to one within a market).
    eta, kappa, nu : float

    Returns
    -------
    tuple of ndarray
        ``(ell_hat, log_w, X)`` with ``X`` per market.
    """
    check_parameters(eta=eta, kappa=kappa, nu=nu)
    a_hat, taste, sh = (np.asarray(v, float) for v in (a_hat, taste, sh))
    market = np.asarray(market)
    M = int(market.max()) + 1
    rho = (1.0 + kappa) / kappa
    b = (a_hat - eta * taste) / (eta + 1.0 / kappa)
    k = (1.0 / nu - 1.0 / kappa) / (eta + 1.0 / kappa)
    B = _segment_logsumexp(rho * b, np.log(sh), market, M) / rho
    X = B / (1.0 + k)
    ell_hat = b - k * X[market] + taste
    log_w = a_hat - eta * ell_hat
    return ell_hat, log_w, X


def simulate_panel(config: PanelConfig | None = None, **overrides) -> SyntheticPanel:
    """Generate the synthetic establishment panel (see the module docstring for the DGP).

    Parameters
    ----------
    config : PanelConfig, optional
    **overrides
        Fields of :class:`PanelConfig` to replace.

    Returns
    -------
    SyntheticPanel
    """
    cfg = (config or PanelConfig())
    if overrides:
        cfg = PanelConfig(**{**cfg.__dict__, **overrides})
    cfg.validate()
    rng = np.random.default_rng(cfg.seed)
    alpha = cfg.lam * cfg.eta
    m_cz = czone_firm_masses(cfg.n_cz, cfg.m_min, cfg.m_max)
    # --- firms (fixed over years) -----------------------------------------------------
    counts = rng.poisson(np.repeat(m_cz, cfg.n_sectors))            # N_is, cz-major
    cz_of_market = np.repeat(np.arange(cfg.n_cz), cfg.n_sectors)
    sec_of_market = np.tile(np.arange(cfg.n_sectors), cfg.n_cz)
    occupied = counts > 0
    market_key = np.flatnonzero(occupied)
    n_per = counts[occupied]
    n_firms = int(n_per.sum())
    if n_firms < 10:
        raise ValueError("the synthetic panel has fewer than 10 firms: raise n_cz, n_sectors or m_min")
    market = np.repeat(np.arange(market_key.size), n_per)
    x = rng.uniform(size=n_firms) ** (-1.0 / alpha)                  # x = z^(1/eta), Pareto(alpha)
    xsum = np.bincount(market, weights=x)
    sh = x / xsum[market]
    ell_bar = cfg.ell_unit * x
    market_ell_bar = cfg.ell_unit * xsum[market]
    # --- products and shift-share exposure (eq. 16) ------------------------------------
    n_prod_firm = rng.integers(1, cfg.max_products + 1, size=n_firms)
    firm_of_slot = np.repeat(np.arange(n_firms), n_prod_firm)
    product = rng.integers(0, cfg.n_products, size=firm_of_slot.size)
    gam = rng.gamma(1.0, size=firm_of_slot.size)                    # Dirichlet(1) via gammas
    pshare = gam / np.bincount(firm_of_slot, weights=gam)[firm_of_slot]
    herf_products = np.bincount(firm_of_slot, weights=pshare**2)
    var_d = cfg.demand_share * cfg.sigma2_N / herf_products.mean() if cfg.demand_share > 0 else 0.0
    sigma_d = float(np.sqrt(var_d))
    var_u = cfg.sigma2_N * (1.0 - cfg.demand_share)
    # --- shocks and responses, year by year ----------------------------------------------
    T = cfg.n_years
    d_prod = rng.normal(0.0, sigma_d, size=(T, cfg.n_products))
    dd = np.stack([np.bincount(firm_of_slot, weights=pshare * d_prod[t, product], minlength=n_firms)
                   for t in range(T)])                               # (T, n_firms)
    # the realised exposure variance differs slightly from var_d * mean herf; rescale u so that
    # Var(dd + u) = sigma2_N holds exactly in expectation for each firm
    u_var_firm = np.maximum(cfg.sigma2_N - var_d * herf_products, 0.0) if cfg.demand_share > 0 else np.full(n_firms, var_u)
    u = rng.normal(size=(T, n_firms)) * np.sqrt(u_var_firm)
    U = rng.normal(0.0, np.sqrt(cfg.sigma2_S), size=(T, market_key.size))
    E = rng.normal(0.0, cfg.sigma_taste_market, size=(T, market_key.size))
    eps = rng.normal(0.0, cfg.sigma_taste, size=(T, n_firms))
    a_hat = dd + u + U[:, market]
    taste = E[:, market] + eps
    ell_hat = np.empty_like(a_hat)
    log_w = np.empty_like(a_hat)
    for t in range(T):
        ell_hat[t], log_w[t], _ = sector_response(a_hat[t], taste[t], sh, market,
                                                  cfg.eta, cfg.kappa, cfg.nu)
    # observables: payroll w*ell and output y = payroll/(1-eta) (perfect competition)
    payroll = np.exp(log_w + ell_hat) * ell_bar[None, :]
    mkt_payroll = np.stack([np.bincount(market, weights=payroll[t]) for t in range(T)])
    payroll_share = payroll / mkt_payroll[:, market]
    dlog_y = a_hat + (1.0 - cfg.eta) * ell_hat                      # log y deviation (eq. 20 inverted)
    lag_ell = np.vstack([np.full((1, n_firms), np.nan), ell_hat[:-1]])
    lag_share = np.vstack([np.full((1, n_firms), np.nan), payroll_share[:-1]])
    firms = pd.DataFrame({
        "firm": np.tile(np.arange(n_firms), T),
        "cz": np.tile(cz_of_market[market_key][market], T),
        "sector": np.tile(sec_of_market[market_key][market], T),
        "market": np.tile(market, T),
        "year": np.repeat(np.arange(T), n_firms),
        "N": np.tile(n_per[market], T),
        "sh": np.tile(sh, T),
        "ell_bar": np.tile(ell_bar, T),
        "market_ell_bar": np.tile(market_ell_bar, T),
        "dlog_ell": ell_hat.ravel(),
        "dlog_w": log_w.ravel(),
        "dlog_y": dlog_y.ravel(),
        "payroll": payroll.ravel(),
        "output": (payroll / (1.0 - cfg.eta)).ravel(),
        "dd": dd.ravel(),
        "lag_dlog_ell": lag_ell.ravel(),
        "lag_payroll_share": lag_share.ravel(),
        "a_hat": a_hat.ravel(),
    })
    truth = {"eta": cfg.eta, "lam": cfg.lam, "alpha": alpha, "kappa": cfg.kappa, "nu": cfg.nu,
             "sigma2_N": cfg.sigma2_N, "sigma2_S": cfg.sigma2_S, "sigma_d": sigma_d,
             "ratio_beta3_beta1": ratio_beta3_beta1(cfg.eta, cfg.kappa, cfg.nu)}
    return SyntheticPanel(firms, cfg, truth, m_cz)


# ----------------------------------------------------------------------------- estimators
def estimate_eta(firms: pd.DataFrame) -> float:
    r"""Returns to scale as one minus the aggregate payroll share of output (paper footnote 11).

    Under perfect competition :math:`w_n\ell_n=(1-\eta)y_n` for every firm and state, so the
    profit share :math:`1-\sum w\ell/\sum y` equals :math:`\eta` exactly in the synthetic
    panel. (The paper takes it from corporate statistics, FSSC 2019, outside the establishment data.)
    """
    share = firms["payroll"].sum() / firms["output"].sum()
    return float(1.0 - share)


@dataclass
class ElasticityEstimate:
    """A labor-supply elasticity from 2SLS, with the OLS estimate for comparison."""

    estimate: float
    se: float
    first_stage_F: float
    nobs: int
    ols: float
    weighted: bool


def estimate_kappa(firms: pd.DataFrame, weighted: bool = True) -> ElasticityEstimate:
    r"""2SLS of paper eq. (15): :math:`\Delta\log\ell_{isnt}=\kappa\Delta\log w_{isnt}+\beta\Delta\log\ell_{isn,t-1}+\gamma_{ist}`.

    Instrument: the shift-share :math:`\Delta d_{isnt}` of eq. (16). Fixed effects: market-year.
    Weights (``weighted=True``, Table 1 col. 2): baseline market employment. Standard errors
    clustered by firm.
    """
    f = firms.dropna(subset=["lag_dlog_ell"])
    fe = group_codes(f["market"].to_numpy(), f["year"].to_numpy())
    w = f["market_ell_bar"].to_numpy() if weighted else None
    cols = f[["dlog_ell", "dlog_w", "dd", "lag_dlog_ell"]].to_numpy()
    dm = demean(cols, [fe], weights=w)
    y, x, z, lag = dm.values.T
    keep = np.bincount(fe)[fe] > 1                                   # singletons carry no information
    res = iv2sls(y[keep], x[keep], z[keep], lag[keep], weights=None if w is None else w[keep],
                 clusters=f["firm"].to_numpy()[keep], df_absorbed=0, names=["dlog_w", "lag"])
    res_ols = ols(y[keep], np.column_stack([x[keep], lag[keep]]), weights=None if w is None else w[keep])
    return ElasticityEstimate(res.coef("dlog_w"), res.stderr("dlog_w"), float(res.first_stage_F[0]),
                              int(keep.sum()), float(res_ols.params[0]), weighted)


def market_aggregates(firms: pd.DataFrame, kappa_hat: float) -> pd.DataFrame:
    r"""Market-year employment and wage indices of paper Sec. 4.2 with :math:`\hat\kappa`, and instrument (19).

    :math:`\ell_{ist}=[\sum_n(\bar\ell_n/\bar\ell_{is})^{-1/\hat\kappa}\ell_{nt}^{(1+\hat\kappa)/\hat\kappa}]^{\hat\kappa/(1+\hat\kappa)}`,
    :math:`w_{ist}=[\sum_n(\bar\ell_n/\bar\ell_{is})w_{nt}^{1+\hat\kappa}]^{1/(1+\hat\kappa)}`,
    :math:`\Delta d_{ist}=\sum_n(\bar\ell_n/\bar\ell_{is})\Delta d_{nt}`. With levels
    :math:`\ell_{nt}=\bar\ell_ne^{\Delta\log\ell_{nt}}` the log changes reduce to the share-weighted
    CES means computed here.
    """
    require_positive("kappa_hat", kappa_hat, meaning="estimated labor-supply elasticity across firms")
    rho = (1.0 + kappa_hat) / kappa_hat
    f = firms
    key = group_codes(f["market"].to_numpy(), f["year"].to_numpy())
    G = int(key.max()) + 1
    logsh = np.log(f["sh"].to_numpy())
    dlog_ell = _segment_logsumexp(rho * f["dlog_ell"].to_numpy(), logsh, key, G) / rho
    dlog_w = _segment_logsumexp((1 + kappa_hat) * f["dlog_w"].to_numpy(), logsh, key, G) / (1 + kappa_hat)
    dd = np.bincount(key, weights=f["sh"].to_numpy() * f["dd"].to_numpy(), minlength=G)
    first = np.zeros(G, dtype=int)
    first[key[::-1]] = np.arange(len(key))[::-1]
    out = pd.DataFrame({
        "market": f["market"].to_numpy()[first], "cz": f["cz"].to_numpy()[first],
        "sector": f["sector"].to_numpy()[first], "year": f["year"].to_numpy()[first],
        "N": f["N"].to_numpy()[first], "market_ell_bar": f["market_ell_bar"].to_numpy()[first],
        "dlog_ell": dlog_ell, "dlog_w": dlog_w, "dd": dd})
    out = out.sort_values(["market", "year"]).reset_index(drop=True)
    same = out["market"].to_numpy()[1:] == out["market"].to_numpy()[:-1]
    lag = np.full(len(out), np.nan)
    lag[1:][same] = out["dlog_ell"].to_numpy()[:-1][same]
    out["lag_dlog_ell"] = lag
    return out


def estimate_nu(markets: pd.DataFrame, weighted: bool = True) -> ElasticityEstimate:
    r"""2SLS of paper eq. (18): :math:`\Delta\log\ell_{ist}=\nu\Delta\log w_{ist}+\beta\Delta\log\ell_{is,t-1}+\gamma_{it}+\gamma_{st}`.

    Instrument: :math:`\Delta d_{ist}` (eq. 19). Two-way fixed effects by alternating projections.
    Weights (Table 1 col. 4): baseline market employment. Standard errors clustered by market.
    """
    f = markets.dropna(subset=["lag_dlog_ell"])
    g1 = group_codes(f["cz"].to_numpy(), f["year"].to_numpy())
    g2 = group_codes(f["sector"].to_numpy(), f["year"].to_numpy())
    w = f["market_ell_bar"].to_numpy() if weighted else None
    dm = demean(f[["dlog_ell", "dlog_w", "dd", "lag_dlog_ell"]].to_numpy(), [g1, g2], weights=w)
    y, x, z, lag = dm.values.T
    res = iv2sls(y, x, z, lag, weights=w, clusters=f["market"].to_numpy(), names=["dlog_w", "lag"])
    res_ols = ols(y, np.column_stack([x, lag]), weights=w)
    return ElasticityEstimate(res.coef("dlog_w"), res.stderr("dlog_w"), float(res.first_stage_F[0]),
                              len(f), float(res_ols.params[0]), weighted)


def sector_shock_moments(firms: pd.DataFrame, eta_hat: float, n_max: int = 99) -> pd.DataFrame:
    r"""The variance of the average productivity shock by number of firms, paper eq. (21).

    Productivity growth is backed out by eq. (20), :math:`\Delta\log a=\Delta\log y-(1-\hat\eta)\Delta\log\ell`,
    averaged within each market-year, and its variance taken across market-years with
    :math:`N_{is}=N`. Returns one row per N with at least two market-years (``N, sigma2, cells``).
    """
    require_in_range("eta_hat", eta_hat, 0.0, 1.0)
    dloga = firms["dlog_y"].to_numpy() - (1.0 - eta_hat) * firms["dlog_ell"].to_numpy()
    key = group_codes(firms["market"].to_numpy(), firms["year"].to_numpy())
    cnt = np.bincount(key)
    abar = np.bincount(key, weights=dloga) / cnt
    N = cnt                                                            # firms in the market-year
    df = pd.DataFrame({"N": N, "abar": abar})
    g = df.groupby("N")["abar"].agg(["var", "size"]).reset_index()
    g.columns = ["N", "sigma2", "cells"]
    g = g[(g["cells"] >= 2) & (g["N"] <= n_max)]
    return g.reset_index(drop=True)


@dataclass
class ShockVarianceEstimate:
    """GMM estimates of the sector and idiosyncratic shock variances."""

    sigma2_S: float
    sigma2_N: float
    se_S: float
    se_N: float
    moments: pd.DataFrame


def estimate_shock_variances(moments: pd.DataFrame) -> ShockVarianceEstimate:
    r"""Fit :math:`\sigma^2(N)=\sigma_S^2+\sigma_N^2/N` (paper eq. 21 and Sec. 4.3).

    The model is linear in the two variances, so the GMM estimator with moment conditions
    :math:`\mathbb E[(\hat\sigma^2(N)-\sigma_S^2-\sigma_N^2/N)\,(1,1/N)']=0`, weighting each N by
    its number of market-years (the paper does not print its weights), is weighted least
    squares of :math:`\hat\sigma^2(N)` on :math:`(1,1/N)`. Robust (HC1) standard errors.
    """
    N = moments["N"].to_numpy(float)
    X = np.column_stack([np.ones_like(N), 1.0 / N])
    res = ols(moments["sigma2"].to_numpy(), X, weights=moments["cells"].to_numpy(float),
              names=["sigma2_S", "sigma2_N"])
    return ShockVarianceEstimate(res.coef("sigma2_S"), res.coef("sigma2_N"),
                                 res.stderr("sigma2_S"), res.stderr("sigma2_N"), moments)


def czone_hhi(firms: pd.DataFrame, n_sectors: int) -> pd.DataFrame:
    r"""Employment-weighted average HHI across sectors by commuting zone, and firms per sector.

    :math:`HHI_i=\sum_s(\bar\ell_{is}/\bar\ell_i)\sum_n sh_n^2` (paper eq. 11; empty sectors get
    zero weight) and :math:`\hat m_i=N_i/S` (paper: number of firms over 148 sectors).
    """
    require_in_range("n_sectors", n_sectors, 1, np.inf, low_inclusive=True)
    f = firms[firms["year"] == firms["year"].min()]
    cz = f["cz"].to_numpy()
    ell = f["ell_bar"].to_numpy()
    sh = f["sh"].to_numpy()
    G = int(cz.max()) + 1
    num = np.bincount(cz, weights=ell * sh, minlength=G)             # sum_s ell_s * sum_n sh^2
    den = np.bincount(cz, weights=ell, minlength=G)
    nf = np.bincount(cz, minlength=G)
    ok = nf > 0
    return pd.DataFrame({"cz": np.arange(G)[ok], "hhi": num[ok] / den[ok],
                         "m_hat": nf[ok] / n_sectors, "n_firms": nf[ok]})


def make_hhi_simulator(m, n_sectors: int, n_sim: int = 20, seed: int = 0):
    r"""Simulator of the CZ moment :math:`HHI_i` at a given tail :math:`\alpha`, with common random numbers.

    For each commuting zone with :math:`m_i` expected firms per sector, draws ``n_sim``
    replications of ``n_sectors`` sectors with Poisson(:math:`m_i`) firms and uniform draws
    :math:`U_n` once; at any :math:`\alpha` firm sizes are :math:`x_n=U_n^{-1/\alpha}`
    (Pareto), so the simulated moment is a smooth function of :math:`\alpha`. Each
    replication's employment-weighted HHI is averaged over the replications that have at
    least one firm (the data keep only zones with firms).

    Parameters
    ----------
    m : array_like
        Expected firms per sector by zone (the estimator plugs in :math:`N_i/S`).
    n_sectors, n_sim : int
    seed : int

    Returns
    -------
    callable
        ``alpha -> ndarray`` of simulated moments, one per zone.
    """
    m = np.asarray(m, float)
    require_nonnegative("m", m)
    require_in_range("n_sim", n_sim, 1, np.inf, low_inclusive=True)
    require_in_range("n_sectors", n_sectors, 1, np.inf, low_inclusive=True)
    rng = np.random.default_rng(seed)
    I = m.size
    counts = rng.poisson(np.repeat(m, n_sectors * n_sim))              # (zone, sim, sector) flattened
    sector_id = np.repeat(np.arange(counts.size), counts)
    n_cells = I * n_sim
    log_u = np.log(rng.uniform(size=sector_id.size))

    def simulate(alpha: float) -> np.ndarray:
        require_in_range("alpha", alpha, 1.0, np.inf, meaning="Pareto tail of firm size")
        x = np.exp(-log_u / alpha)
        sx = np.bincount(sector_id, weights=x, minlength=counts.size)
        sx2 = np.bincount(sector_id, weights=x * x, minlength=counts.size)
        herf_times_size = np.divide(sx2, sx, out=np.zeros_like(sx), where=sx > 0)
        cell = np.arange(counts.size) // n_sectors
        num = np.bincount(cell, weights=herf_times_size, minlength=n_cells)
        den = np.bincount(cell, weights=sx, minlength=n_cells)
        ratio = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan).reshape(I, n_sim)
        ok = np.isfinite(ratio)
        return np.where(ok, ratio, 0.0).sum(axis=1) / np.maximum(ok.sum(axis=1), 1)

    return simulate


@dataclass
class TailEstimate:
    """Tail index from the HHI moments (quadratic loss)."""

    alpha: float
    lam: float
    loss: float
    method: str
    hhi: pd.DataFrame


def estimate_alpha(hhi: pd.DataFrame, eta_hat: float, *, method: str = "smm", n_sectors: int | None = None,
                   n_sim: int = 20, seed: int = 0, bounds=(1.02, 1.98)) -> TailEstimate:
    r"""Estimate :math:`\alpha=\lambda\eta` by :math:`\min_\alpha\sum_i(HHI_i-H_i(\alpha))^2` (paper Sec. 4.3).

    ``method="smm"`` (the paper's): :math:`H_i` is the moment simulated with the data's finite
    number of sectors (:func:`make_hhi_simulator`, common random numbers). ``method="quadrature"``:
    :math:`H_i=H(\hat m_i;\alpha)`, the expected employment-weighted HHI of a continuum of
    sectors (:func:`lib.granular.hhi.weighted_hhi`); with a finite number of sectors the
    weighted average is a ratio of heavy-tailed sums and this version is biased upward.
    Returns :math:`\hat\lambda=\hat\alpha/\hat\eta`.
    """
    require_in_range("eta_hat", eta_hat, 0.0, 1.0)
    if method not in ("smm", "quadrature"):
        raise ValueError(f"method must be 'smm' or 'quadrature'; got {method!r}")
    m = hhi["m_hat"].to_numpy()
    data = hhi["hhi"].to_numpy()
    if method == "smm":
        if n_sectors is None:
            raise ValueError("n_sectors is required for method='smm'")
        model = make_hhi_simulator(m, n_sectors, n_sim, seed)
    else:
        def model(a):
            return weighted_hhi(m, a, n_nodes=800)

    def loss(a):
        return float(np.sum((data - model(a)) ** 2))

    opt = minimize_scalar(loss, bounds=bounds, method="bounded", options={"xatol": 1e-4})
    if not opt.success:
        raise ConvergenceError(f"estimate_alpha: the bounded search failed ({opt.message})", float(opt.fun),
                               int(getattr(opt, "nfev", 0)))
    return TailEstimate(float(opt.x), float(opt.x) / eta_hat, float(opt.fun), method, hhi)


@dataclass
class Table3Estimate:
    """Paper eq. (23) on the panel: coefficients, clustered SEs and the ratio beta3/beta1."""

    beta1: float
    se1: float
    beta3: float
    se3: float
    beta2: float
    se2: float
    beta4: float
    se4: float
    ratio: float
    ci_low: float
    ci_high: float
    nobs: int


def table3_regression(firms: pd.DataFrame, *, lag: bool = False, firm_fe: bool = False,
                      share: str = "lag_payroll_share") -> Table3Estimate:
    r"""OLS of paper eq. (23) with year (and firm) fixed effects, SEs clustered by firm.

    :math:`\Delta\log\ell_{nt}=\beta_1\Delta d_{nt}+\beta_2 sh_{nt}+\beta_3\Delta d_{nt}sh_{nt}
    +\beta_4\Delta\log\ell_{n,t-1}+\zeta_t(+\zeta_n)`, with ``share`` the lagged payroll share
    within the market (the Table 3 note) or ``"sh"``, the model's baseline employment share.
    The ratio's confidence interval is by the delta method. The model predicts
    :math:`\beta_3/\beta_1=-(1/\nu-1/\kappa)/(\eta+1/\nu)` (eq. 22).
    """
    if share not in ("lag_payroll_share", "sh"):
        raise ValueError(f"share must be 'lag_payroll_share' or 'sh'; got {share!r}")
    f = firms.dropna(subset=["lag_dlog_ell", "lag_payroll_share"])
    s = f[share].to_numpy()
    dd = f["dd"].to_numpy()
    cols = [dd, s, dd * s] + ([f["lag_dlog_ell"].to_numpy()] if lag else [])
    names = ["shock", "share", "shock_x_share"] + (["lag"] if lag else [])
    X = np.column_stack(cols)
    y = f["dlog_ell"].to_numpy()
    groups = [f["year"].to_numpy()] + ([f["firm"].to_numpy()] if firm_fe else [])
    dm = demean(np.column_stack([y, X]), groups)
    n_abs = dm.n_absorbed if not firm_fe else f["year"].nunique()     # firm FE nested in clusters
    res = ols(dm.values[:, 0], dm.values[:, 1:], clusters=f["firm"].to_numpy(), df_absorbed=n_abs,
              names=names)
    r, _, lo, hi = ratio_confidence_interval(res.params, res.cov, 2, 0)
    b4 = res.coef("lag") if lag else float("nan")
    s4 = res.stderr("lag") if lag else float("nan")
    return Table3Estimate(res.coef("shock"), res.stderr("shock"), res.coef("shock_x_share"),
                          res.stderr("shock_x_share"), res.coef("share"), res.stderr("share"),
                          b4, s4, r, lo, hi, res.nobs)


def estimate_all(panel: SyntheticPanel, n_sim: int = 20) -> dict:
    """Run the sequential estimation of paper Sec. 4 on one panel.

    Returns
    -------
    dict
        ``eta, kappa, kappa_unweighted, nu, nu_unweighted, sigma2_S, sigma2_N, alpha, lam``
        plus standard errors (``*_se``), first-stage F statistics and OLS counterparts.
    """
    firms = panel.firms
    eta_hat = estimate_eta(firms)
    k_w = estimate_kappa(firms, weighted=True)
    k_u = estimate_kappa(firms, weighted=False)
    mk = market_aggregates(firms, k_w.estimate)
    n_w = estimate_nu(mk, weighted=True)
    n_u = estimate_nu(mk, weighted=False)
    sv = estimate_shock_variances(sector_shock_moments(firms, eta_hat))
    hhi = czone_hhi(firms, panel.config.n_sectors)
    tail = estimate_alpha(hhi, eta_hat, method="smm", n_sectors=panel.config.n_sectors,
                          n_sim=n_sim, seed=panel.config.seed + 1)
    tail_q = estimate_alpha(hhi, eta_hat, method="quadrature")
    return {
        "eta": eta_hat,
        "kappa": k_w.estimate, "kappa_se": k_w.se, "kappa_F": k_w.first_stage_F, "kappa_ols": k_w.ols,
        "kappa_unweighted": k_u.estimate, "kappa_unweighted_se": k_u.se, "kappa_unweighted_F": k_u.first_stage_F,
        "kappa_nobs": k_w.nobs,
        "nu": n_w.estimate, "nu_se": n_w.se, "nu_F": n_w.first_stage_F, "nu_ols": n_w.ols,
        "nu_unweighted": n_u.estimate, "nu_unweighted_se": n_u.se, "nu_unweighted_F": n_u.first_stage_F,
        "nu_nobs": n_w.nobs,
        "sigma2_S": sv.sigma2_S, "sigma2_S_se": sv.se_S, "sigma2_N": sv.sigma2_N, "sigma2_N_se": sv.se_N,
        "alpha": tail.alpha, "lam": tail.lam,
        "alpha_quadrature": tail_q.alpha, "lam_quadrature": tail_q.lam,
    }
