r"""Section 2 of Wang (2014): the two motivating facts.

* Fact 1, bilateral migration (paper Sec. 2.1, Table 1): the bilaterality index of eq. (1),
  :math:`BI(m_{ij},m_{ji})=1-|m_{ij}-m_{ji}|/(m_{ij}+m_{ji})`, its simple and stock-weighted
  averages over country pairs, and the translation of an index value into the share of the larger
  of the two stocks.
* Fact 2, multinationals hire migrants (paper Sec. 2.2, Table 2): the Brazilian immigrant shares
  by firm type. The microdata are restricted, so the regression behind a table of group means,
  ``share ~ 1 + foreign``, is run on a **synthetic** firm sample drawn from a documented DGP whose
  true coefficients are the published means (:func:`simulate_firm_sample`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lib.core.econometrics import ols
from lib.core.validate import require_in_range, require_positive

from .model import bilaterality_index

__all__ = ["bilaterality_index", "larger_stock_share", "stock_ratio_from_index", "summarize_index",
           "implied_high_skill_share", "decompose_gap", "simulate_firm_sample", "share_regression"]


def larger_stock_share(bi):
    r"""Share of the larger stock in the pair's total, :math:`1-BI/2` (inverse of paper eq. 1).

    The paper's reading of Table 1: an index of 0.4 means a split of 80 to 20.
    """
    bi = np.asarray(bi, dtype=float)
    require_in_range("bi", float(np.min(bi)), 0.0, 1.0, low_inclusive=True, high_inclusive=True,
                     meaning="bilaterality index")
    require_in_range("bi", float(np.max(bi)), 0.0, 1.0, low_inclusive=True, high_inclusive=True,
                     meaning="bilaterality index")
    return 1.0 - bi / 2.0


def stock_ratio_from_index(bi):
    r"""Ratio of the smaller to the larger stock, :math:`r=BI/(2-BI)`, since :math:`BI=2r/(1+r)`."""
    share = larger_stock_share(bi)
    return (1.0 - share) / share


def summarize_index(bi, stocks=None) -> dict:
    r"""Simple mean (with standard error), and stock-weighted mean of pair indices (Table 1's statistics).

    Parameters
    ----------
    bi : array_like
        Bilaterality indices of the country pairs.
    stocks : array_like, optional
        Total migrant stock of each pair (the weights of Table 1's weighted averages).

    Returns
    -------
    dict
        ``simple``, ``se`` (:math:`s/\sqrt n`, the paper's presumable SE), ``weighted`` (or None), ``n``.
    """
    bi = np.asarray(bi, dtype=float).ravel()
    if bi.size < 2:
        raise ValueError("bi: need at least two country pairs")
    if np.any((bi < 0) | (bi > 1)) or not np.all(np.isfinite(bi)):
        raise ValueError("bi: bilaterality indices must lie in [0, 1]")
    out = {"simple": float(bi.mean()), "se": float(bi.std(ddof=1) / np.sqrt(bi.size)), "n": int(bi.size),
           "weighted": None}
    if stocks is not None:
        w = np.asarray(stocks, dtype=float).ravel()
        if w.shape != bi.shape or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("stocks: need one non-negative stock per pair, not all zero")
        out["weighted"] = float(np.sum(w * bi) / w.sum())
    return out


def implied_high_skill_share(all_share: float, low_share: float, high_share: float) -> float:
    r"""High-skill share :math:`h` of employment implied by ``all = (1-h) low + h high`` (book's reading of Table 2).

    Valid if the "all immigrants" column aggregates the two skill columns with the firms'
    skill composition; the paper does not say how it was computed.
    """
    if high_share == low_share:
        raise ValueError("high_share: must differ from low_share to identify the skill composition")
    h = (all_share - low_share) / (high_share - low_share)
    return require_in_range("high-skill share h", h, 0.0, 1.0, low_inclusive=True, high_inclusive=True,
                            meaning="implied by the 'all immigrants' column")


def decompose_gap(low_d, high_d, h_d, low_f, high_f, h_f) -> dict:
    r"""Split the foreign-minus-domestic gap in the all-immigrant share into within-skill and composition parts.

    With :math:`A_t=(1-h_t)L_t+h_tH_t`:
    :math:`A_f-A_d=\underbrace{(1-h_d)(L_f-L_d)+h_d(H_f-H_d)}_{\text{within skill}}
    +\underbrace{(h_f-h_d)(H_f-L_f)}_{\text{composition}}` (exact).
    """
    within = (1 - h_d) * (low_f - low_d) + h_d * (high_f - high_d)
    composition = (h_f - h_d) * (high_f - low_f)
    total = ((1 - h_f) * low_f + h_f * high_f) - ((1 - h_d) * low_d + h_d * high_d)
    return {"total": float(total), "within_skill": float(within), "composition": float(composition)}


def _beta_draw(rng, mean, concentration, size):
    return rng.beta(mean * concentration, (1 - mean) * concentration, size=size)


def simulate_firm_sample(means: dict, n_domestic: int = 4000, n_foreign: int = 400,
                         concentration: float = 20.0, seed: int = 0) -> pd.DataFrame:
    r"""A **synthetic** firm sample whose population means are Table 2's (book DGP, not data).

    For a firm of type :math:`t\in\{d,f\}` (domestic, foreign), independently:
    high-skill share of employment :math:`h\sim\mathrm{Beta}` with mean :math:`h_t`, immigrant share
    among low-skilled workers :math:`\ell\sim\mathrm{Beta}` with mean :math:`L_t`, among high-skilled
    :math:`\eta\sim\mathrm{Beta}` with mean :math:`H_t`, all with concentration
    ``concentration`` (mean :math:`\mu`: Beta(:math:`\mu c,(1-\mu)c`)). The all-immigrant share is
    :math:`(1-h)\ell+h\eta`, whose mean is :math:`(1-h_t)L_t+h_tH_t` by independence.

    Parameters
    ----------
    means : dict
        ``{"domestic": {"low": L_d, "high": H_d, "h": h_d}, "foreign": {...}}``, each in (0, 1).
    n_domestic, n_foreign : int
        Number of firms of each type (the paper does not print them).
    concentration : float
        Beta concentration (larger: less dispersion across firms).
    seed : int

    Returns
    -------
    pandas.DataFrame
        Columns ``firm_type, foreign, low, high, h, all``.

    Raises
    ------
    ValueError
        If ``means`` is not a dict with keys ``"domestic"`` and ``"foreign"``, each a dict with
        keys ``"low", "high", "h"`` in (0, 1); if ``n_domestic`` or ``n_foreign`` is below 2; or if
        ``concentration`` is not positive and finite.
    """
    if not isinstance(means, dict) or any(not isinstance(means.get(t), dict) for t in ("domestic", "foreign")):
        raise ValueError(f"means must be a dict {{'domestic': {{...}}, 'foreign': {{...}}}} with keys "
                         f"'low', 'high', 'h' for each firm type; got {means!r}")
    for t in ("domestic", "foreign"):
        missing = [k for k in ("low", "high", "h") if k not in means[t]]
        if missing:
            raise ValueError(f"means[{t!r}] is missing the key(s) {missing}; expected 'low', 'high', 'h' "
                             "(immigrant shares among low-/high-skilled workers, high-skill share)")
        for k in ("low", "high", "h"):
            require_in_range(f"means[{t!r}][{k!r}]", means[t][k], 0.0, 1.0)
    require_in_range("n_domestic", n_domestic, 2, np.inf, low_inclusive=True)
    require_in_range("n_foreign", n_foreign, 2, np.inf, low_inclusive=True)
    require_positive("concentration", concentration, meaning="Beta concentration")
    rng = np.random.default_rng(seed)
    parts = []
    for t, n in (("domestic", int(n_domestic)), ("foreign", int(n_foreign))):
        mu = means[t]
        for k in ("low", "high", "h"):
            require_in_range(f"means[{t!r}][{k!r}]", mu[k], 0.0, 1.0)
        h = _beta_draw(rng, mu["h"], concentration, n)
        low = _beta_draw(rng, mu["low"], concentration, n)
        high = _beta_draw(rng, mu["high"], concentration, n)
        parts.append(pd.DataFrame({"firm_type": t, "foreign": float(t == "foreign"), "low": low,
                                   "high": high, "h": h, "all": (1 - h) * low + h * high}))
    return pd.concat(parts, ignore_index=True)


def share_regression(sample: pd.DataFrame, column: str) -> dict:
    r"""OLS of an immigrant share on a constant and a foreign-firm dummy, HC1 standard errors.

    The intercept is the domestic mean and the slope the foreign-minus-domestic gap: the
    regression form of a two-row table of means such as Table 2.

    Returns
    -------
    dict
        ``const, const_se, foreign, foreign_se, foreign_mean, n``.
    """
    if column not in sample.columns:
        raise ValueError(f"column {column!r} is not in the sample (has {list(sample.columns)})")
    X = np.column_stack([np.ones(len(sample)), sample["foreign"].to_numpy(float)])
    res = ols(sample[column].to_numpy(float), X, names=["const", "foreign"])
    return {"const": res.coef("const"), "const_se": res.stderr("const"),
            "foreign": res.coef("foreign"), "foreign_se": res.stderr("foreign"),
            "foreign_mean": res.coef("const") + res.coef("foreign"), "n": res.nobs}
