"""The baseline model (paper Section 2): Leontief intermediate composite ``min{x/alpha, x*/(1-alpha)}``.

Every equilibrium object is in closed form, eqs. (4)--(17); the Cobb--Douglas constant, the
cutoff and the Pareto averages shared with the extended model are here too.
"""
from __future__ import annotations

import numpy as np

from ..core.validate import require_positive
from .params import Params, _alpha_array

__all__ = [
    "cd_A", "dlnA_dalpha", "cutoff_productivity", "average_productivity", "active_firms",
    "baseline_alpha_min", "baseline_unit_cost", "baseline_wages", "baseline_derivatives",
    "require_baseline_w_positive", "baseline_E_bar_min"
]


def cd_A(alpha):
    """``A = alpha^alpha (1-alpha)^(1-alpha)``, eq. (18); ``A(1) = 1`` by continuity, ``min A = 1/2``."""
    a = np.asarray(alpha, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.exp(np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0)), 0.0)
                     + np.where(a < 1, (1 - a) * np.log(np.where(a < 1, 1 - a, 1.0)), 0.0))
    return out if out.ndim else float(out)


def dlnA_dalpha(alpha):
    """``d ln A / d alpha = ln(alpha/(1-alpha))`` (the term ``A'/A`` of eqs. (26a), (26b)); needs 0 < alpha < 1."""
    a = np.asarray(alpha, dtype=float)
    out = np.log(a / (1.0 - a))
    return out if out.ndim else float(out)


def cutoff_productivity(v, p: Params):
    """Zero-profit cutoff ``phi_min`` from eq. (11) with potential firms ``M_bar``.

    ``phi_min^k = M_bar k sigma f v / ((k - sigma + 1) E_bar) = M_bar f v / beta`` (the paper sets ``M_bar = 1``).

    Raises
    ------
    ValueError
        If ``v`` (the skilled wage) is not positive and finite.
    """
    require_positive("v", v, meaning="skilled wage")
    return (p.M_bar * p.f * np.asarray(v, dtype=float) / p.beta) ** (1.0 / p.k)


def average_productivity(phi_min, p: Params):
    """CES-weighted average productivity ``phi_tilde``, eq. (8)."""
    return p.phi_tilde_factor * np.asarray(phi_min, dtype=float)


def active_firms(phi_min, p: Params):
    """Mass of producing firms ``M = M_bar phi_min^-k``, eq. (9)."""
    return p.M_bar * np.asarray(phi_min, dtype=float) ** (-p.k)


# ---------------------------------------------------------------------------
# baseline model (Section 2)
# ---------------------------------------------------------------------------
def baseline_alpha_min(p: Params) -> float:
    """Lower end ``L_bar/H_bar`` of the feasible range of alpha in the baseline (``v > 0`` in eq. (14))."""
    return p.L_bar / p.H_bar


def baseline_unit_cost(w, v, alpha):
    """Marginal-cost numerator of eq. (4): ``alpha w + (1 - alpha) + v`` (``q = w``, ``q* = 1``)."""
    return alpha * w + (1.0 - alpha) + v


def baseline_wages(alpha, p: Params):
    """Closed-form wages of the baseline model.

    ``v = beta / (H_bar - L_bar/alpha)`` (14) and
    ``w = rho E_bar / L_bar - (1 - alpha)/alpha - v/alpha`` (15).

    Parameters
    ----------
    alpha : float or array, in ``(L_bar/H_bar, 1]``
    p : Params

    Returns
    -------
    v, w : float or ndarray
    """
    a = _alpha_array(alpha, low=baseline_alpha_min(p))
    v = p.beta / (p.H_bar - p.L_bar / a)
    w = p.rho * p.E_bar / p.L_bar - (1.0 - a) / a - v / a
    return (v, w) if a.ndim else (float(v), float(w))


def baseline_derivatives(alpha, p: Params) -> dict:
    """Analytic derivatives of the baseline, eqs. (16a), (16b), (17).

    Returns
    -------
    dict with ``dv = v'``, ``dw = w'``, ``dlnU = U'/U``, ``dln_ratio = (v/w)'/(v/w)`` (the last needs ``w > 0``).
    """
    a = _alpha_array(alpha, low=baseline_alpha_min(p))
    v, w = baseline_wages(a, p)
    dv = -1.0 / (p.H_bar - p.L_bar / a) * v * p.L_bar / a**2
    dw = (1.0 + v) / a**2 - dv / a
    dlnU = -1.0 / a + dv / (p.k * v)
    with np.errstate(divide="ignore", invalid="ignore"):
        dln_ratio = dv / v - dw / w
    return {"v": v, "w": w, "dv": dv, "dw": dw, "dlnU": dlnU, "dln_ratio": dln_ratio}


def require_baseline_w_positive(p: Params) -> float:
    """Check that the baseline has a positive unskilled wage at ``alpha = 1``; return ``w(1)``.

    ``w(1) = rho E_bar/L_bar - beta/(H_bar - L_bar) > 0`` is, with ``c = (k - sigma + 1)/k``,
    ``(sigma - 1)(H_bar - L_bar)/L_bar > c`` (``E_bar``, ``f`` and ``M_bar`` drop out). Solved for
    each parameter with the others fixed: ``k < (sigma - 1)/(1 - (sigma - 1)(H_bar - L_bar)/L_bar)``
    (no bound when the denominator is <= 0), ``sigma > 1 + 1/((H_bar - L_bar)/L_bar + 1/k)``,
    ``H_bar > L_bar (1 + c/(sigma - 1))`` and ``L_bar < (sigma - 1) H_bar/(sigma - 1 + c)``.

    Raises
    ------
    ValueError
        If ``w(1) <= 0``, naming every parameter that enters the condition with its admissible range.
    """
    w1 = p.rho * p.E_bar / p.L_bar - p.beta / (p.H_bar - p.L_bar)
    if w1 > 0:
        return float(w1)
    s1 = p.sigma - 1.0
    c = (p.k - s1) / p.k
    g = s1 * (p.H_bar - p.L_bar) / p.L_bar
    k_max = s1 / (1.0 - g) if g < 1.0 else float("inf")
    sigma_min = 1.0 + 1.0 / ((p.H_bar - p.L_bar) / p.L_bar + 1.0 / p.k)
    H_min = p.L_bar * (1.0 + c / s1)
    L_max = s1 * p.H_bar / (s1 + c)
    raise ValueError(
        f"the baseline has no equilibrium with w > 0: w(1) = rho E_bar/L_bar - beta/(H_bar - L_bar) = {w1:.4g} <= 0, "
        f"i.e. (sigma - 1)(H_bar - L_bar)/L_bar <= (k - sigma + 1)/k. With the other parameters fixed this needs "
        f"k in (sigma - 1, {k_max:.6g}) (k = {p.k!r}), sigma > {sigma_min:.6g} (sigma = {p.sigma!r}), "
        f"H_bar > {H_min:.6g} (H_bar = {p.H_bar!r}) or L_bar < {L_max:.6g} (L_bar = {p.L_bar!r}); "
        f"E_bar, f and M_bar do not enter")


def baseline_E_bar_min(alpha: float, p: Params) -> float:
    """Smallest ``E_bar`` with ``w(alpha) > 0`` in the baseline, the other parameters fixed.

    ``w(alpha) = E_bar (rho/L_bar - b/(alpha H_bar - L_bar)) - (1 - alpha)/alpha`` with ``b = beta/E_bar``
    is linear in ``E_bar``: the bound is ``((1 - alpha)/alpha) / (rho/L_bar - b/(alpha H_bar - L_bar))``
    (``inf`` when the bracket is <= 0: no ``E_bar`` gives ``w(alpha) > 0``).
    """
    b = p.beta / p.E_bar
    slope = p.rho / p.L_bar - b / (alpha * p.H_bar - p.L_bar)
    return float((1.0 - alpha) / alpha / slope) if slope > 0 else float("inf")
