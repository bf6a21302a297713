"""Comparative statics for both models: equilibrium aggregates, welfare, firm outcomes,
turning points and bands of alpha, the existence condition and quadrature checks."""
from __future__ import annotations

import math

import numpy as np
from scipy import optimize

from ..core.validate import require_in_range, require_integer, require_positive
from .params import Params, _alpha_array
from .baseline import (cd_A, cutoff_productivity, average_productivity, active_firms,
                       baseline_unit_cost, baseline_wages, baseline_derivatives)
from .extended import (extended_unit_cost, extended_excess_demand, solve_extended,
                       solve_extended_path, extended_derivatives, _ext_derivs_vec)

__all__ = [
    "equilibrium", "welfare_dlog", "firm_outcomes", "turning_points", "band_where",
    "existence_condition", "condition_24", "quadrature_aggregates"
]


def equilibrium(alpha, p: Params, model: str = "extended") -> dict:
    """All equilibrium objects at alpha (scalar or array).

    Returns
    -------
    dict
        ``alpha, v, w, ratio (v/w), phi_min, phi_tilde, M, r_tilde (= E/M), P, U, Q, X, X_star,
        profits`` and flags ``w_gt_1, v_gt_w, phi_min_ge_1``.

    Notes
    -----
    ``U = E_bar / P`` with ``P = p(phi_tilde) = c/(rho phi_tilde)`` (10), which equals
    ``phi_tilde (H_bar - beta/v)``, the paper's (17)-level expression ``phi_tilde L_bar/alpha``
    (baseline) and Appendix B's ``phi_tilde L_bar (A/alpha) w^(1-alpha)`` (extended).
    """
    if model not in ("baseline", "extended"):
        raise ValueError(f"model must be 'baseline' or 'extended'; got {model!r}")
    a = np.asarray(alpha, dtype=float)
    if model == "baseline":
        v, w = baseline_wages(a, p)
        c = baseline_unit_cost(w, v, a)
        X_star = (1 - a) * p.rho * p.E_bar / c
    else:
        if a.ndim == 0:
            s = solve_extended(float(a), p)
            v, w = s.v, s.w
        else:
            v, w, _ = solve_extended_path(a, p)
        c = extended_unit_cost(w, v, a)
        A = cd_A(a)
        X_star = (1 - a) * w ** a / A * p.rho * p.E_bar / c
    v = np.asarray(v, dtype=float)
    w = np.asarray(w, dtype=float)
    phi_min = cutoff_productivity(v, p)
    phi_tilde = average_productivity(phi_min, p)
    M = active_firms(phi_min, p)
    P = c / (p.rho * phi_tilde)
    U = p.E_bar / P
    Q = p.rho * p.E_bar / c
    X = p.L_bar * np.ones_like(v)
    out = {"alpha": a, "v": v, "w": w, "ratio": v / w, "phi_min": phi_min, "phi_tilde": phi_tilde,
           "M": M, "r_tilde": p.E_bar / M, "P": P, "U": U, "Q": Q, "X": X, "X_star": X_star,
           "profits": p.E_bar * (p.sigma - 1) / (p.k * p.sigma) * np.ones_like(v),
           "w_gt_1": w > 1, "v_gt_w": v > w, "phi_min_ge_1": phi_min >= 1}
    if a.ndim == 0:
        out = {key: (bool(val) if isinstance(val, (np.bool_, bool)) or getattr(val, "dtype", None) == bool
                     else float(val)) for key, val in out.items()}
    return out


def welfare_dlog(alpha, p: Params, model: str = "extended"):
    """``d ln U / d alpha``: eq. (17) for the baseline, the book's form of Appendix B for the extended model."""
    if model == "baseline":
        return baseline_derivatives(alpha, p)["dlnU"]
    if model == "extended":
        return extended_derivatives(alpha, p)["dlnU"]
    raise ValueError(f"model must be 'baseline' or 'extended'; got {model!r}")


def firm_outcomes(phi, v, w, alpha, p: Params, model: str = "extended") -> dict:
    """Firm-level price, output, revenue and input demands at productivity ``phi`` (eqs. (1), (4)/(19), (18)).

    Uses ``M`` and ``P`` from the cutoff (11); for the quadrature checks of eqs. (12), (13), (20), (21).

    Raises
    ------
    ValueError
        If ``phi``, ``v`` or ``w`` is not positive and finite, ``alpha`` is outside ``(0, 1]``,
        or ``model`` is not ``"baseline"`` or ``"extended"``.
    """
    if model not in ("baseline", "extended"):
        raise ValueError(f"model must be 'baseline' or 'extended'; got {model!r}")
    require_positive("phi", phi, meaning="firm productivity")
    require_positive("v", v, meaning="skilled wage")
    require_positive("w", w, meaning="unskilled wage")
    _alpha_array(alpha)
    phi = np.asarray(phi, dtype=float)
    phi_min = cutoff_productivity(v, p)
    M = active_firms(phi_min, p)
    if model == "baseline":
        c = baseline_unit_cost(w, v, alpha)
    else:
        c = extended_unit_cost(w, v, alpha)
    P = c / (p.rho * average_productivity(phi_min, p))
    price = c / (p.rho * phi)
    y = (price / P) ** (-p.sigma) * (p.E_bar / (P * M))  # E_bar/(P M) first: no intermediate overflow
    h = y / phi
    if model == "baseline":
        x, x_star = alpha * h, (1 - alpha) * h
    else:
        A = cd_A(alpha)
        x = alpha / A * w ** (alpha - 1) * h
        x_star = (1 - alpha) / A * w ** alpha * h
    revenue = price * y
    profit = revenue / p.sigma - v * p.f
    return {"price": price, "y": y, "h": h, "x": x, "x_star": x_star, "revenue": revenue,
            "profit": profit, "M": M, "P": P, "phi_min": phi_min}


# ---------------------------------------------------------------------------
# turning points, bands and diagnostics
# ---------------------------------------------------------------------------
def _ext_derivative_fn(which: str, p: Params):
    def fn(alpha):
        s = solve_extended(alpha, p)
        dv, dw, dlnU, dlr = _ext_derivs_vec(alpha, s.v, s.w, p)
        return float({"v": dv, "w": dw, "U": dlnU, "ratio": dlr}[which])
    return fn


#: Largest scan grid of :func:`turning_points` and :func:`band_where` (the extended model is solved
#: at every point; 10**6 points take about a minute and 100 MB).
MAX_SCAN = 10**6


def _require_scan_size(n_scan) -> int:
    """Check that a scan grid size is an integer in ``[2, MAX_SCAN]`` (a sign change needs two points)."""
    return require_integer("n_scan", n_scan, 2, MAX_SCAN,
                           meaning="number of scan grid points (a sign change needs two; "
                                   f"at most {MAX_SCAN:.0e}, the model is solved at each)")


def turning_points(p: Params, alpha_lo: float = 0.52, alpha_hi: float = 0.99, n_scan: int = 200) -> dict:
    """Turning points of ``w``, ``v``, ``v/w`` and ``U`` in alpha for the extended model.

    Scans the analytic derivatives (26a), (26b) on a coarse grid to find sign changes, then
    refines each with Brent's method on the analytic derivative (not on the grid).

    Returns
    -------
    dict mapping ``"w", "v", "ratio", "U"`` to a list of alphas where the derivative changes sign
    (each list may be empty).

    Raises
    ------
    ValueError
        If ``alpha_lo`` is outside ``(0, 1)``, ``alpha_hi`` outside ``(alpha_lo, 1)``, or
        ``n_scan`` is not an integer in ``[2, MAX_SCAN]`` (the scan needs two grid points to see a
        sign change; the model is solved at each).
    """
    require_in_range("alpha_lo", alpha_lo, 0.0, 1.0)
    require_in_range("alpha_hi", alpha_hi, alpha_lo, 1.0)
    n_scan = _require_scan_size(n_scan)
    grid = np.linspace(alpha_lo, alpha_hi, n_scan)
    v, w, _ = solve_extended_path(grid, p)
    dv, dw, dlnU, dlr = _ext_derivs_vec(grid, v, w, p)
    out = {}
    for key, vals in (("w", dw), ("v", dv), ("ratio", dlr), ("U", dlnU)):
        fn = _ext_derivative_fn(key, p)
        roots = []
        idx = np.nonzero(np.sign(vals[:-1]) * np.sign(vals[1:]) < 0)[0]
        for i in idx:
            roots.append(float(optimize.brentq(fn, grid[i], grid[i + 1], xtol=1e-13)))
        out[key] = roots
    return out


def band_where(fn, alpha_lo: float, alpha_hi: float, n_scan: int = 400):
    """Sub-interval of ``[alpha_lo, alpha_hi]`` where ``fn(alpha) > 0``, ends refined by Brent's method.

    ``fn`` must be vectorised for the scan.  Returns ``(lo, hi)`` of the first connected
    positive set, or ``None`` if ``fn <= 0`` on the whole grid.

    Raises
    ------
    ValueError
        If ``alpha_lo`` is outside ``[0, 1)``, ``alpha_hi`` is outside ``(alpha_lo, 1]``, or
        ``n_scan`` is not an integer of at least 2.
    """
    require_in_range("alpha_lo", alpha_lo, 0.0, 1.0, low_inclusive=True,
                     meaning="lower end of the alpha scan")
    require_in_range("alpha_hi", alpha_hi, float(alpha_lo), 1.0, high_inclusive=True,
                     meaning="upper end of the alpha scan; must exceed alpha_lo")
    n_scan = _require_scan_size(n_scan)
    grid = np.linspace(alpha_lo, alpha_hi, n_scan)
    vals = fn(grid)
    pos = vals > 0
    if not pos.any():
        return None
    i0 = int(np.argmax(pos))
    i1 = i0
    while i1 + 1 < n_scan and pos[i1 + 1]:
        i1 += 1
    scal = lambda x: float(fn(np.array([x]))[0])  # noqa: E731
    lo = grid[i0] if i0 == 0 else optimize.brentq(scal, grid[i0 - 1], grid[i0], xtol=1e-13)
    hi = grid[i1] if i1 == n_scan - 1 else optimize.brentq(scal, grid[i1], grid[i1 + 1], xtol=1e-13)
    return float(lo), float(hi)


def existence_condition(alpha, p: Params) -> float:
    """Section 3.2 condition for a root ``w > 1``: returns ``W(1)``; positive iff the equilibrium has ``w > 1``.

    ``W(1) > 0  <=>  1 > gamma (A beta/(H_bar - A L_bar/alpha) + 1)``; needs ``H_bar > A L_bar/alpha`` (else ``-inf``).

    Raises
    ------
    ValueError
        If ``alpha`` is outside ``(0, 1]``.
    """
    alpha = require_in_range("alpha", alpha, 0.0, 1.0, high_inclusive=True,
                             meaning="Northern share of the intermediate composite")
    A = cd_A(alpha)
    if p.H_bar - A * p.L_bar / alpha <= 0:
        return -math.inf
    return float(extended_excess_demand(1.0, alpha, p))


def condition_24(alpha, v, w, p: Params):
    """Left-hand side of the paper's condition (24), ``2 w v'(w)/(alpha v)``, with v'(w) from (23a).

    The paper assumes it is below one; the book reports it as a diagnostic only.
    """
    A = cd_A(alpha)
    dv_dw = p.L_bar * v**2 * A / (p.beta * alpha) * (1 - alpha) * w ** (-alpha)
    return 2 * w * dv_dw / (alpha * v)


def quadrature_aggregates(alpha: float, p: Params, model: str = "extended", v=None, w=None) -> dict:
    """Aggregates by numerical quadrature over the Pareto density of active firms.

    Integrates firm-level outcomes (:func:`firm_outcomes`) against ``M_bar g(phi)``,
    ``g = k phi^(-k-1)``, on ``[phi_min, inf)``: the integrals behind eqs. (10), (12), (13),
    (20), (21) and the utility index of Section 2.7.  (When ``phi_min < 1``, as at the paper's
    ``M_bar = 1``, this is the paper's own extrapolation of ``g`` below one.)

    Returns
    -------
    dict with ``X, X_star, H_demand`` (variable plus fixed skilled labour), ``revenue`` (total),
    ``M``, ``U`` (CES quantity index), ``profit_at_cutoff``.
    """
    from scipy import integrate

    if v is None or w is None:
        if model == "baseline":
            v, w = baseline_wages(alpha, p)
        else:
            s = solve_extended(alpha, p)
            v, w = s.v, s.w
    phi_min = float(cutoff_productivity(v, p))
    dens = lambda phi: p.M_bar * p.k * phi ** (-p.k - 1.0)  # noqa: E731

    # integrate in u = phi / phi_min on [1, inf): the integrand is then scale-free, so quad never
    # samples productivities whose demand overflows (phi_min can be far from 1)
    def integral(key, power=1.0):
        fn = lambda u: firm_outcomes(phi_min * u, v, w, alpha, p, model)[key] ** power \
            * dens(phi_min * u) * phi_min  # noqa: E731
        val, _ = integrate.quad(fn, 1.0, np.inf, epsabs=0.0, epsrel=1e-11, limit=200)
        return val

    M, _ = integrate.quad(lambda u: dens(phi_min * u) * phi_min, 1.0, np.inf, epsabs=0.0, epsrel=1e-12)
    X = integral("x")
    X_star = integral("x_star")
    H_var = integral("h")
    revenue = integral("revenue")
    y_rho = integral("y", p.rho)
    U = (M ** (-1.0 / p.sigma) * y_rho) ** (p.sigma / (p.sigma - 1.0))
    prof = float(firm_outcomes(phi_min, v, w, alpha, p, model)["profit"])
    return {"X": X, "X_star": X_star, "H_demand": H_var + p.f * M, "revenue": revenue, "M": M,
            "U": U, "profit_at_cutoff": prof, "v": v, "w": w}
