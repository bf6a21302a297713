"""Empirics (paper Section 4): the top-quartile regressor and synthetic panels for Table 2."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.validate import require_in_range, require_positive, require_nonnegative, require_finite
from .params import Params
from .extended import solve_extended_path

__all__ = ["SYNTHETIC_TRUTH", "top_quartile_dummy", "synthetic_panel", "model_panel"]


#: True coefficients of the synthetic data-generating process: the paper's Table 2 column (1)
#: for alpha, alpha x zeta and the LR2001 x year-dummy terms; Table 2 column (2) for GDP and TFP.
SYNTHETIC_TRUTH = {
    "alpha": -2.383, "alpha_x_zeta": 2.471, "gdp": -0.000934, "tfp": -0.0325,
    **{f"LR2001_x_YD{y}": c for y, c in zip(range(2001, 2017), (
        0.0942, 0.120, 0.171, 0.162, 0.353, 0.255, 0.281, 0.155, 0.110, -0.0889, 0.00245,
        -0.115, -0.0614, -0.0850, -0.0807, 0.0311))},
}


def top_quartile_dummy(initial_alpha, q: float = 0.75, strict: bool = False):
    """``zeta_i = 1[alpha_{i,2001} >= p_q]`` (paper eq. (28), "75th quartile" read as the 75th percentile).

    ``strict=True`` uses ``>`` instead of ``>=``.

    Raises
    ------
    ValueError
        If ``initial_alpha`` is not a non-empty 1-D array of finite values, or ``q`` is outside ``(0, 1)``.
    """
    x = np.asarray(initial_alpha, dtype=float)
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"initial_alpha must be a non-empty 1-D array of initial alphas; got shape {x.shape}")
    require_finite("initial_alpha", x)
    require_in_range("q", q, 0.0, 1.0)
    cut = np.quantile(x, q)
    return ((x > cut) if strict else (x >= cut)).astype(int)


def synthetic_panel(seed: int = 0, n_ind: int = 13, years=(2001, 2017), noise_sd: float = 0.03,
                    alpha_sd: float = 0.004, truth: dict | None = None, zeta_q: float = 0.75):
    """A **synthetic** industry-year panel with the structure of the paper's Section 4 data.

    Data-generating process (all draws from ``numpy.random.default_rng(seed)``):

    * ``alpha_{i,2001} ~ U(0.85, 0.99)``; ``alpha_it = alpha_{i,2001} + sum of N(-0.001, alpha_sd^2)``
      steps (a random walk with slight drift toward more outsourcing), clipped to ``[0.5, 0.999]``;
    * ``zeta_i`` = top-quartile dummy of ``alpha_{i,2001}`` (:func:`top_quartile_dummy`);
    * ``LR_{i,2001} ~ U(0.3, 1.5)``; employment in 2000 ``emp2000_i ~ exp(N(ln 200, 0.8^2))`` (thousands);
    * industry GDP ``gdp_it = exp(N(ln 100, 0.6^2)) * (1 + 0.01 (t - 2001)) * exp(N(0, 0.05^2))``
      (units unstated in the paper), TFP ``tfp_it = 1 + 0.01 (t - 2001) + N(0, 0.05^2)``;
    * ``ln(v/w)_it = mu_i + lambda_t + sum_k truth_k x_kit + eps_it`` with ``mu_i ~ N(2.5, 0.1^2)``,
      ``lambda_t ~ N(0, 0.03^2)``, ``eps_it ~ N(0, noise_sd^2 * mean(emp2000)/emp2000_i)`` (so the
      employment weights are the efficient ones); LR2001 x year-s dummies for
      ``s < last year``.

    Returns
    -------
    pandas.DataFrame
        Columns ``ind, year, alpha, kappa (= 1 - alpha), zeta, LR2001, emp2000, gdp, tfp, lnprem,
        lnprem_mean (the DGP's conditional mean, without eps), LR2001_x_YDs``; plus the attributes
        ``df.attrs["truth"]`` and ``df.attrs["lr_terms"]``.
    """
    truth = dict(SYNTHETIC_TRUTH if truth is None else truth)
    require_in_range("n_ind", n_ind, 4, 10_000, low_inclusive=True, high_inclusive=True)
    require_positive("noise_sd", noise_sd)
    require_positive("alpha_sd", alpha_sd)
    y0, y1 = int(years[0]), int(years[1])
    if y1 <= y0 + 1:
        raise ValueError(f"years must span at least three years; got {years}")
    rng = np.random.default_rng(seed)
    T = y1 - y0 + 1
    yrs = np.arange(y0, y1 + 1)
    a0 = rng.uniform(0.85, 0.99, n_ind)
    steps = rng.normal(-0.001, alpha_sd, (n_ind, T - 1))
    alpha = np.clip(np.concatenate([a0[:, None], a0[:, None] + np.cumsum(steps, axis=1)], axis=1), 0.5, 0.999)
    zeta = top_quartile_dummy(a0, zeta_q)
    LR = rng.uniform(0.3, 1.5, n_ind)
    emp = np.exp(rng.normal(np.log(200.0), 0.8, n_ind))
    gdp = (np.exp(rng.normal(np.log(100.0), 0.6, n_ind))[:, None] * (1 + 0.01 * (yrs - y0))[None, :]
           * np.exp(rng.normal(0, 0.05, (n_ind, T))))
    tfp = 1 + 0.01 * (yrs - y0)[None, :] + rng.normal(0, 0.05, (n_ind, T))
    mu = rng.normal(2.5, 0.1, n_ind)
    lam = rng.normal(0, 0.03, T)
    # heteroskedastic errors, variance inversely proportional to employment: the case in which the
    # paper's analytic employment weights are the efficient (and correctly-SE'd) choice
    eps = rng.normal(0, 1.0, (n_ind, T)) * noise_sd * np.sqrt(emp.mean() / emp)[:, None]
    df = pd.DataFrame({
        "ind": np.repeat(np.arange(1, n_ind + 1), T), "year": np.tile(yrs, n_ind),
        "alpha": alpha.ravel(), "zeta": np.repeat(zeta, T), "LR2001": np.repeat(LR, T),
        "emp2000": np.repeat(emp, T), "gdp": gdp.ravel(), "tfp": tfp.ravel(),
    })
    df["kappa"] = 1.0 - df["alpha"]
    df["alpha_x_zeta"] = df["alpha"] * df["zeta"]
    lr_terms = []
    for s in yrs[:-1]:
        name = f"LR2001_x_YD{s}"
        df[name] = df["LR2001"] * (df["year"] == s)
        lr_terms.append(name)
    signal = np.zeros(len(df))
    for name, coef in truth.items():
        if name in df.columns:
            signal += coef * df[name].to_numpy()
    df["lnprem_mean"] = np.repeat(mu, T) + np.tile(lam, n_ind) + signal
    df["lnprem"] = df["lnprem_mean"] + eps.ravel()
    df.attrs["truth"] = truth
    df.attrs["lr_terms"] = lr_terms
    return df


def model_panel(p: Params, seed: int = 0, n_ind: int = 13, years=(2001, 2017), alpha0_range=(0.85, 0.99),
                drift: float = -0.002, alpha_sd: float = 0.003, noise_sd: float = 0.02, zeta_q: float = 0.75):
    """A **simulated** panel in which every industry is an extended-model economy (Section 3).

    Industry ``i`` starts at ``alpha_{i,2001} ~ U(alpha0_range)`` and follows a random walk with
    drift ``drift`` (more outsourcing) and step sd ``alpha_sd``, clipped to ``[0.5, 0.995]``.
    Its log wage gap is the model's ``ln(v/w)`` at ``alpha_it`` (parameters ``p``) plus
    ``N(0, noise_sd^2)`` measurement error.  All industries share ``p``; only ``alpha`` differs.

    Returns
    -------
    pandas.DataFrame with ``ind, year, alpha, zeta, alpha_x_zeta, lnprem, lnprem_model``.

    Raises
    ------
    ValueError
        If ``n_ind`` is outside ``[4, 10000]``, ``noise_sd`` is not positive, ``alpha_sd`` is
        negative, ``drift`` is not finite, ``years`` is not a pair ``(first, last)`` of integers
        with ``first < last``, or ``alpha0_range`` is not a pair ``(lo, hi)`` with ``0 < lo < hi <= 1``.
    """
    require_in_range("n_ind", n_ind, 4, 10_000, low_inclusive=True, high_inclusive=True)
    require_positive("noise_sd", noise_sd)
    require_nonnegative("alpha_sd", alpha_sd, meaning="sd of the annual step in alpha")
    require_finite("drift", drift)
    if np.shape(years) != (2,) or not all(float(y).is_integer() for y in years) or not years[1] > years[0]:
        raise ValueError(f"years = {years!r} must be a pair (first, last) of integer years with first < last")
    if np.shape(alpha0_range) != (2,):
        raise ValueError(f"alpha0_range = {alpha0_range!r} must be a pair (lo, hi) with 0 < lo < hi <= 1")
    require_in_range("alpha0_range[0]", alpha0_range[0], 0.0, 1.0,
                     meaning="lower end of alpha0_range, the initial Northern share")
    require_in_range("alpha0_range[1]", alpha0_range[1], float(alpha0_range[0]), 1.0, high_inclusive=True,
                     meaning="upper end of alpha0_range; must exceed its lower end")
    rng = np.random.default_rng(seed)
    y0, y1 = int(years[0]), int(years[1])
    T = y1 - y0 + 1
    a0 = rng.uniform(*alpha0_range, n_ind)
    steps = rng.normal(drift, alpha_sd, (n_ind, T - 1))
    alpha = np.clip(np.concatenate([a0[:, None], a0[:, None] + np.cumsum(steps, axis=1)], axis=1), 0.5, 0.995)
    v, w, _ = solve_extended_path(alpha.ravel(), p)
    ln_gap = np.log(v / w)
    zeta = top_quartile_dummy(a0, zeta_q)
    df = pd.DataFrame({"ind": np.repeat(np.arange(1, n_ind + 1), T), "year": np.tile(np.arange(y0, y1 + 1), n_ind),
                       "alpha": alpha.ravel(), "zeta": np.repeat(zeta, T)})
    df["alpha_x_zeta"] = df["alpha"] * df["zeta"]
    df["lnprem_model"] = ln_gap
    df["lnprem"] = ln_gap + rng.normal(0.0, noise_sd, ln_gap.size)
    return df
