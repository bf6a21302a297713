"""Channel decomposition of the effect of outsourcing in the extended model (paper Sections 2.6, 3.4).

The extended equilibrium (22a)-(22b) can be written with the two places where ``alpha`` enters kept
apart, plus the fixed-cost (reallocation) term of the skilled market:

* composite unit cost (the pricing rule (19)): ``c_X(w) = w**a_p / A(a_p)``, so the final-goods price
  is ``p = (c_X + v)/(rho phi)`` and the composite is ``Q = rho E / (c_X + v)``;
* unskilled market (22b): Northern labour earns the share ``a_s`` of the intermediate bill,
  ``w L = a_s c_X Q`` (Cobb--Douglas demand (18));
* skilled market (21): ``H = Q + F(v)`` with ``F(v) = f M = beta / v`` when the cutoff (11) responds
  (reallocation on) or ``F = beta / v0`` when the mass of firms is held at its initial value
  (reallocation off).

With ``a_s = a_p = alpha`` and reallocation on this is exactly the paper's system.  A fall in
``alpha`` (more outsourcing) then works through three channels, the ones the paper names:

``"input_share"``
    the *shift of demand* from the Northern to the Southern intermediate at given composite cost
    (Sections 2.6, 3.3: "a decrease in the demand for Northern intermediate goods x");
``"composite_cost"``
    the change in the composite's unit cost and hence in final-goods prices and demand (the "revised
    optimal pricing rule (19)" of Section 3.1 and the explanation of Figure 3 in Section 3.4);
``"reallocation"``
    the response of the zero-profit cutoff and the number of firms to the skilled wage (the
    "reallocation effects" of Sections 2.5-2.6 and the term ``v'/(kv)`` of (17) and Appendix B).

:func:`decompose_outsourcing` re-solves the system with one channel switched off at a time.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import optimize

from ..core.errors import ConvergenceError
from ..core.validate import require_in_range
from .params import Params
from .baseline import cd_A, baseline_derivatives
from .extended import solve_extended

__all__ = ["CHANNELS", "channel_system", "solve_channels", "decompose_outsourcing",
           "baseline_channel_terms"]

#: the channels of :func:`decompose_outsourcing`, in the order they are reported
CHANNELS = ("input_share", "composite_cost", "reallocation")


def _composite_cost(w, a_p):
    return w ** a_p / cd_A(a_p)


def channel_system(x, a_s, a_p, p: Params, v_fixed_cost=None):
    """Residuals of the extended system with channel-specific shares (log unknowns ``x = (ln v, ln w)``).

    Parameters
    ----------
    a_s : float
        Northern share of the intermediate bill in the unskilled market (22b).
    a_p : float
        Share used in the composite unit cost ``w**a_p / A(a_p)`` of the pricing rule (19).
    v_fixed_cost : float or None
        ``None``: fixed skilled labour ``f M = beta/v`` (cutoff (11) responds, reallocation on);
        a number ``v0``: ``f M = beta/v0`` held fixed (reallocation off).

    Returns
    -------
    ndarray (2,)
        Relative residuals of the skilled market (21) and of the unskilled market (22b).
    """
    v, w = np.exp(x)
    c_x = _composite_cost(w, a_p)
    Q = p.rho * p.E_bar / (c_x + v)
    F = p.beta / (v if v_fixed_cost is None else v_fixed_cost)
    r_skilled = (Q + F) / p.H_bar - 1.0
    r_unskilled = a_s * c_x * Q / (w * p.L_bar) - 1.0
    return np.array([r_skilled, r_unskilled])


def solve_channels(a_s, a_p, p: Params, *, v_fixed_cost=None, x0=None, tol=1e-12) -> dict:
    """Solve :func:`channel_system` by ``scipy.optimize.root`` from ``x0`` (logs of v, w).

    Returns
    -------
    dict with ``v, w, ratio (v/w), U, phi_tilde, M`` (``U = phi_tilde Q``, ``phi_tilde`` from the
    cutoff (11) at ``v`` when reallocation is on, at ``v_fixed_cost`` when it is off).

    Raises
    ------
    lib.core.errors.ConvergenceError
        If the largest relative residual exceeds ``tol``.
    """
    if x0 is None:
        s0 = solve_extended(float(np.clip(0.5 * (a_s + a_p), 1e-6, 1.0)), p)
        x0 = np.log([s0.v, s0.w])
    sol = optimize.root(channel_system, np.asarray(x0, float), args=(a_s, a_p, p, v_fixed_cost),
                        method="hybr", options={"xtol": 1e-14})
    res = float(np.max(np.abs(channel_system(sol.x, a_s, a_p, p, v_fixed_cost))))
    if not res < tol:
        raise ConvergenceError(f"channel system (a_s={a_s}, a_p={a_p}, reallocation "
                               f"{'on' if v_fixed_cost is None else 'off'}): residual {res:.2e}", res, sol.nfev)
    v, w = np.exp(sol.x)
    v_cut = v if v_fixed_cost is None else v_fixed_cost
    phi_min = (p.M_bar * p.f * v_cut / p.beta) ** (1.0 / p.k)
    phi_tilde = p.phi_tilde_factor * phi_min
    Q = p.rho * p.E_bar / (_composite_cost(w, a_p) + v)
    return {"v": float(v), "w": float(w), "ratio": float(v / w), "U": float(phi_tilde * Q),
            "phi_tilde": float(phi_tilde), "M": float(p.M_bar * phi_min ** (-p.k)), "x": sol.x,
            "residual": res}


def decompose_outsourcing(alpha0: float, d_alpha: float, p: Params, *,
                          switched_off=None) -> pd.DataFrame:
    """Effect of a change of ``alpha`` from ``alpha0`` to ``alpha0 + d_alpha``, channel by channel.

    Each row re-solves the extended model with the listed channel switched off (held at ``alpha0``,
    or the firm mass held at its ``alpha0`` value) and reports the *contribution* of the channel:
    the total change minus the change with that channel off.  Changes are in logs
    (``dln_v, dln_w, dln_ratio, dln_U``).

    Parameters
    ----------
    alpha0 : float in (0, 1)
    d_alpha : float
        Change in alpha; negative is more outsourcing.
    switched_off : iterable of channel names, optional
        Channels switched off in the "total" row as well (default none).  With all of
        :data:`CHANNELS` switched off every change is zero.

    Returns
    -------
    DataFrame indexed by ``"total"``, each channel, ``"input_share + composite_cost"`` and
    ``"interaction"`` (total minus the sum of the two shift channels).

    Notes
    -----
    The two *shift* channels (input share and composite cost) are the two places where alpha enters;
    they add up to the total up to a second-order interaction, reported in its own row (it vanishes
    as ``d_alpha -> 0``).  Reallocation is not a separate shift but an amplifier of both (the paper's
    "further increase in v", Section 2.6); its contribution is not additive with the other two.
    """
    alpha0 = float(require_in_range("alpha0", alpha0, 0.0, 1.0, meaning="initial Northern share"))
    a1 = float(require_in_range("alpha0 + d_alpha", alpha0 + d_alpha, 0.0, 1.0,
                                meaning="new Northern share"))
    off = set(switched_off or ())
    unknown = off - set(CHANNELS)
    if unknown:
        raise ValueError(f"unknown channels {sorted(unknown)}; choose from {CHANNELS}")
    s0 = solve_extended(alpha0, p)
    x0 = np.log([s0.v, s0.w])
    base = solve_channels(alpha0, alpha0, p, x0=x0)

    def run(off_now):
        a_s = alpha0 if "input_share" in off_now else a1
        a_p = alpha0 if "composite_cost" in off_now else a1
        vf = s0.v if "reallocation" in off_now else None
        return solve_channels(a_s, a_p, p, v_fixed_cost=vf, x0=x0)

    def change(r):
        return {"dln_v": math.log(r["v"] / base["v"]), "dln_w": math.log(r["w"] / base["w"]),
                "dln_ratio": math.log(r["ratio"] / base["ratio"]), "dln_U": math.log(r["U"] / base["U"])}

    total = change(run(off))
    rows = {"total": total}
    for ch in CHANNELS:
        if ch in off:
            rows[ch] = {k: 0.0 for k in total}
            continue
        without = change(run(off | {ch}))
        rows[ch] = {k: total[k] - without[k] for k in total}
    rows["input_share + composite_cost"] = {k: rows["input_share"][k] + rows["composite_cost"][k] for k in total}
    rows["interaction"] = {k: total[k] - rows["input_share + composite_cost"][k] for k in total}
    out = pd.DataFrame(rows).T
    out.attrs.update({"alpha0": alpha0, "alpha1": a1, "v0": s0.v, "w0": s0.w})
    return out


def baseline_channel_terms(alpha, p: Params) -> dict:
    """The paper's own additive split of the baseline derivatives (16b) and (17) (Section 2.6-2.7).

    ``w' = (1 + v)/alpha**2 - v'/alpha``: demand shift (first term) plus the effect of the higher
    skilled wage (second term); ``U'/U = -1/alpha + v'/(k v)``: demand shift plus reallocation
    (average productivity).  ``v' = -(1/(H - L/alpha)) (v L/alpha**2)`` is a product of the
    demand-shift and reallocation factors and has no additive split.

    Returns
    -------
    dict with ``dw_demand, dw_via_v, dw`` and ``dlnU_demand, dlnU_reallocation, dlnU`` (derivatives
    with respect to alpha; a fall in alpha is more outsourcing).
    """
    d = baseline_derivatives(alpha, p)
    a = np.asarray(alpha, dtype=float)
    dw_demand = (1.0 + d["v"]) / a**2
    dw_via_v = -d["dv"] / a
    dlnU_demand = -1.0 / a
    dlnU_realloc = d["dv"] / (p.k * d["v"])
    return {"dw_demand": dw_demand, "dw_via_v": dw_via_v, "dw": d["dw"],
            "dlnU_demand": dlnU_demand, "dlnU_reallocation": dlnU_realloc, "dlnU": d["dlnU"]}
