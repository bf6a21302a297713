r"""The synthetic firm panel on which the book runs the estimators of Kikuchi & O'Connor (2025), Sec. 4.

The Census of Manufacture microdata behind the paper's Tables 1 and 3 are confidential.
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

from lib.core.validate import require_in_range, require_nonnegative, require_positive

from .local import check_parameters, ratio_beta3_beta1
from .params import GranularParams

__all__ = [
    "PanelConfig", "SyntheticPanel", "czone_firm_masses", "sector_response", "simulate_panel",
    "SIGMA_TASTE_MAX", "KAPPA_MAX_PANEL", "predicted_first_stage_F", "check_instrument_strength",
]

PAPER_M_SMALLEST = 0.07   # expected firms per sector, smallest CZ (paper Sec. 6, ~10/148)
PAPER_M_TOKYO = 105.8     # expected firms per sector, Tokyo (paper Sec. 6)
_TABLE2 = GranularParams()  # the paper's Table 2 values


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

    eta: float = _TABLE2.eta
    lam: float = _TABLE2.lam
    kappa: float = _TABLE2.kappa
    nu: float = _TABLE2.nu
    sigma2_N: float = _TABLE2.sigma2_N
    sigma2_S: float = _TABLE2.sigma2_S
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

    @property
    def params(self) -> GranularParams:
        """The structural parameters as :class:`lib.granular.params.GranularParams` (validated)."""
        return GranularParams(eta=self.eta, lam=self.lam, kappa=self.kappa, nu=self.nu,
                              sigma2_N=self.sigma2_N, sigma2_S=self.sigma2_S)

    def validate(self) -> "PanelConfig":
        """Check every field; raise ``ValueError`` naming the first bad one."""
        self.params
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
        for name in ("sigma_taste", "sigma_taste_market"):
            require_in_range(name, getattr(self, name), 0.0, SIGMA_TASTE_MAX, low_inclusive=True,
                             high_inclusive=True,
                             meaning="std. dev. of log labor-supply taste shocks; employment scales with "
                                     f"exp(taste), which overflows for an 8.5-sd draw above "
                                     f"log(DBL_MAX)/8.5 = {SIGMA_TASTE_MAX:.3g}")
        require_in_range("kappa", self.kappa, 0.0, KAPPA_MAX_PANEL, high_inclusive=True,
                         meaning="labor-supply elasticity across firms; a firm's log wage is log W + "
                                 "(l - e)/kappa, and its variation (size 1/kappa against log W ~ 1) is "
                                 "squared in the 2SLS normal equations, so it is lost to rounding unless "
                                 f"1/kappa^2 >= DBL_EPSILON, i.e. kappa <= {KAPPA_MAX_PANEL:.3g}")
        require_positive("ell_unit", self.ell_unit)
        if self.sigma2_N <= 0 and self.demand_share > 0:
            raise ValueError("sigma2_N must be positive when demand_share > 0 "
                             "(the instrument is part of the idiosyncratic shock)")
        return self


#: Largest taste-shock std. dev.: exp(8.5 sd) must stay below DBL_MAX (log 709.8 / 8.5 = 83.5).
SIGMA_TASTE_MAX = float(np.log(np.finfo(float).max) / 8.5)
#: Largest kappa for which the firm wage variation (l - e)/kappa survives in the 2SLS design:
#: (1/kappa)^2 >= DBL_EPSILON, i.e. kappa <= DBL_EPSILON^(-1/2) ~ 6.7e7.
KAPPA_MAX_PANEL = float(np.finfo(float).eps ** -0.5)
#: Staiger-Stock rule of thumb for a usable first stage.
F_MIN = 10.0


def predicted_first_stage_F(cfg: "PanelConfig", n_obs: int) -> float:
    r"""First-stage F of the kappa regression predicted from the design: :math:`n\,\mathrm{Var}(z)/\mathrm{Var}(	ext{noise})`.

    The instrument is the demand shifter, variance ``demand_share * sigma2_N`` per firm-year; the
    noise in first differences is the rest of the idiosyncratic shock, ``(1 - demand_share) sigma2_N``,
    plus the sector shock and twice the variances of the firm and market taste shocks.
    """
    signal = cfg.demand_share * cfg.sigma2_N
    noise = ((1.0 - cfg.demand_share) * cfg.sigma2_N + cfg.sigma2_S
             + 2.0 * cfg.sigma_taste ** 2 + 2.0 * cfg.sigma_taste_market ** 2)
    if noise <= 0:
        return float("inf") if signal > 0 else 0.0
    return float(n_obs) * signal / noise


def check_instrument_strength(cfg: "PanelConfig", n_obs: int) -> float:
    """Refuse a design whose kappa instrument is weak (predicted first-stage F below 10); return F.

    Below it 2SLS has no usable first stage: the estimate of kappa can take either sign, and at
    the extreme (signal variance ~ 0 or taste noise ~ 1e30) the design is numerically singular.

    Raises
    ------
    ValueError
        Naming demand_share, sigma2_N, sigma_taste and sigma_taste_market and the relation.
    """
    F = predicted_first_stage_F(cfg, n_obs)
    if not F >= F_MIN:
        raise ValueError(
            f"the kappa instrument is weak: predicted first-stage F = n_obs * demand_share * sigma2_N / "
            f"((1 - demand_share) sigma2_N + sigma2_S + 2 sigma_taste^2 + 2 sigma_taste_market^2) = "
            f"{n_obs} * {cfg.demand_share:g} * {cfg.sigma2_N:g} / ({(1 - cfg.demand_share) * cfg.sigma2_N:g} + "
            f"{cfg.sigma2_S:g} + 2*{cfg.sigma_taste:g}^2 + 2*{cfg.sigma_taste_market:g}^2) = {F:.3g} is below "
            f"{F_MIN:g} (Staiger-Stock): raise demand_share or sigma2_N, or lower sigma_taste or "
            "sigma_taste_market (kappa and nu are then not identified)")
    return F


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
