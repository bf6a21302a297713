"""The extended model (paper Section 3): Cobb--Douglas composite ``x^alpha x*^(1-alpha)``.

Cost-minimising input mix, eqs. (18)--(26) and Appendices A--B.  The wage pair ``(v, w)`` is
solved by a bracketed root-finder on a single strictly decreasing function of the log
intermediate bill (:func:`solve_extended`); the paper's own route is kept as a cross-check.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..core.errors import ConvergenceError
from ..core.validate import require_in_range, require_positive
from .params import Params, _alpha_array
from .baseline import cd_A, dlnA_dalpha

__all__ = [
    "extended_unit_cost", "extended_v_of_w", "extended_w_pole", "extended_excess_demand",
    "extended_phi", "ExtendedSolution", "solve_extended", "solve_extended_w_route",
    "solve_extended_path", "extended_jacobian", "extended_derivatives_paper",
    "extended_derivatives", "extended_dlnU_paper"
]


def extended_unit_cost(w, v, alpha):
    """Marginal-cost numerator of eq. (19): ``w^alpha / A + v``."""
    return np.asarray(w, dtype=float) ** alpha / cd_A(alpha) + v


def extended_v_of_w(w, alpha, p: Params):
    """Skilled wage as a function of the unskilled wage, eq. (22a).

    ``v(w) = beta / (H_bar - A w^(1-alpha) L_bar / alpha)``, defined for ``w`` below the pole
    :func:`extended_w_pole`.

    Raises
    ------
    ValueError
        If ``w`` is at or beyond the pole (non-positive denominator).
    """
    A = cd_A(alpha)
    den = p.H_bar - A * np.asarray(w, dtype=float) ** (1.0 - alpha) * p.L_bar / alpha
    if np.any(den <= 0):
        raise ValueError("w is at or beyond the pole of v(w) in eq. (22a): H_bar - A w^(1-alpha) L_bar/alpha <= 0")
    return p.beta / den


def extended_w_pole(alpha, p: Params) -> float:
    """Pole of eq. (22a): ``w_max = (alpha H_bar / (A L_bar))^(1/(1-alpha))`` (``inf`` when ``alpha = 1`` and L < H)."""
    if alpha >= 1.0:
        return math.inf
    base = alpha * p.H_bar / (cd_A(alpha) * p.L_bar)
    exponent = 1.0 / (1.0 - alpha)
    return math.exp(min(exponent * math.log(base), 700.0))


def extended_excess_demand(w, alpha, p: Params):
    """Excess-demand function of Section 3.2: ``W(w) = (A v(w) w^(1-alpha) + w)^-1 - gamma``, ``gamma = L_bar/(alpha rho E_bar)``.

    ``W`` is strictly decreasing (25a); its root is the equilibrium unskilled wage.
    """
    A = cd_A(alpha)
    w = np.asarray(w, dtype=float)
    v = extended_v_of_w(w, alpha, p)
    gamma = p.L_bar / (alpha * p.rho * p.E_bar)
    return 1.0 / (A * v * w ** (1.0 - alpha) + w) - gamma


def _w_from_v(v, alpha, p: Params):
    """Unskilled wage implied by the skilled wage: ``w = alpha (rho E_bar + beta - v H_bar)/L_bar``.

    Follows from (22a) and (22b): unskilled labour earns the share alpha of the intermediate bill.
    """
    return alpha * (p.rho * p.E_bar + p.beta - v * p.H_bar) / p.L_bar


def extended_phi(v, alpha, p: Params):
    """The book's one-equation form of the extended equilibrium.

    ``Phi(v) = (A/alpha) L_bar w(v)^(1-alpha) - H_bar + beta/v`` with ``w(v)`` from :func:`_w_from_v`;
    eq. (22a) with (22b) substituted.  ``Phi`` is strictly decreasing on
    ``(beta/H_bar, (rho E_bar + beta)/H_bar)``, positive at the left end and equal to
    ``-H_bar rho E_bar/(rho E_bar + beta) < 0`` at the right end.

    Raises
    ------
    ValueError
        If ``v`` is not positive and finite or exceeds the right end ``(rho E_bar + beta)/H_bar``
        (where ``w(v) = 0``; beyond it ``w(v) < 0``), or ``alpha`` is outside ``(0, 1]``.
    """
    require_positive("v", v, meaning="skilled wage")
    v_top = (p.rho * p.E_bar + p.beta) / p.H_bar
    if np.any(np.asarray(v, dtype=float) > v_top * (1.0 + 1e-12)):
        raise ValueError(f"v must lie in (0, (rho E_bar + beta)/H_bar] = (0, {v_top:.6g}] (skilled wage; "
                         f"w(v) < 0 beyond the right end); got max v = {float(np.max(v))!r}")
    _alpha_array(alpha)
    A = cd_A(alpha)
    w = np.maximum(_w_from_v(v, alpha, p), 0.0)
    return A / alpha * p.L_bar * w ** (1.0 - alpha) - p.H_bar + p.beta / v


@dataclass
class ExtendedSolution:
    """Solution of the extended model at one alpha.

    Attributes
    ----------
    alpha, v, w : float
    iterations : int
        Iterations of the root-finder.
    residual : float
        ``max(|(22a) residual|, |(22b) residual|)`` in relative terms.
    converged : bool
    bracket : tuple of float
        The bracket in ``v`` that contains exactly one root.
    """

    alpha: float
    v: float
    w: float
    iterations: int
    residual: float
    converged: bool
    bracket: tuple


def _residuals_22(v, w, alpha, p: Params) -> float:
    A = cd_A(alpha)
    # (22a) as v (H - A w^(1-a) L / a) = beta, relative to the scale v H of its terms
    r1 = (v * (p.H_bar - A / alpha * w ** (1.0 - alpha) * p.L_bar) - p.beta) / (v * p.H_bar)
    r2 = p.L_bar * (A * v * w ** (1.0 - alpha) + w) / (alpha * p.rho * p.E_bar) - 1.0
    return float(max(np.max(np.abs(r1)), np.max(np.abs(r2))))


def _psi_log_bill(s, alpha, p: Params):
    """``Phi`` rewritten in ``s = ln u``, ``u = rho E_bar + beta - v H_bar`` the intermediate bill; increasing in ``s``."""
    u = np.exp(s)
    A = cd_A(alpha)
    w = alpha * u / p.L_bar
    v = (p.rho * p.E_bar + p.beta - u) / p.H_bar
    return A / alpha * p.L_bar * w ** (1.0 - alpha) - p.H_bar + p.beta / v


def _log_bill_bracket(p: Params):
    """Bracket in ``s = ln u``: ``u`` from ``1e-300 rho E_bar`` (w ~ 0) to ``rho E_bar`` (v = beta/H_bar)."""
    top = math.log(p.rho * p.E_bar)
    return top + math.log(1e-300), top


def solve_extended(alpha: float, p: Params, *, xtol: float = 1e-15, tol: float = 1e-9) -> ExtendedSolution:
    """Solve the extended model (22a)-(22b) at one alpha by Brent's method.

    The unknown is the intermediate bill ``u = rho E_bar + beta - v H_bar`` in logs,
    ``u in (0, rho E_bar)``, equivalently ``v in (beta/H_bar, (rho E_bar + beta)/H_bar)``: the
    bracket of :func:`extended_phi`, which provably contains exactly one root and no pole for
    every ``alpha in (0, 1)``.  Working with ``ln u`` keeps full relative precision in
    ``w = alpha u / L_bar`` when ``w`` is small (alpha close to one).  At ``alpha = 1`` the
    closed form of the baseline is returned.

    Raises
    ------
    ValueError
        If alpha is outside (0, 1], or alpha = 1 and the baseline has ``w <= 0``, or the root
        lies below the representable range (``w < 1e-300``).
    lib.core.errors.ConvergenceError
        If the root fails the residual check (message gives residual and iterations).
    """
    alpha = float(require_in_range("alpha", alpha, 0.0, 1.0, high_inclusive=True))
    if alpha == 1.0:
        # A = 1 and c_E = c_B: the closed form (14)-(15) of the baseline; needs w > 0.
        v = p.beta / (p.H_bar - p.L_bar)
        w = p.rho * p.E_bar / p.L_bar - v
        if not w > 0:
            raise ValueError(f"no equilibrium with w > 0 at alpha = 1: w = rho E_bar/L_bar - beta/(H_bar - L_bar) = {w:.4g}; "
                             "lower L_bar or raise E_bar")
        return ExtendedSolution(1.0, v, w, 0, _residuals_22(v, w, 1.0, p), True, (v, v))
    s_lo, s_hi = _log_bill_bracket(p)
    fn = lambda s: float(_psi_log_bill(s, alpha, p))  # noqa: E731
    if fn(s_lo) >= 0:
        raise ValueError(f"at alpha = {alpha} the equilibrium unskilled wage is below 1e-300 (alpha too close to 1)")
    if not fn(s_hi) > 0:
        # Phi at v = beta/H_bar is (A/alpha) L_bar w0^(1-alpha) > 0, w0 = alpha rho E_bar/L_bar, but it is computed as
        # the difference -H_bar + beta/v, whose rounding error is about 2.2e-16 H_bar (rho E_bar + beta)/beta.
        A = cd_A(alpha)
        w0 = alpha * p.rho * p.E_bar / p.L_bar
        top = A / alpha * p.L_bar * w0 ** (1.0 - alpha)
        H_max = top * p.beta / (np.finfo(float).eps * (p.rho * p.E_bar + p.beta))
        raise ValueError(
            f"H_bar = {p.H_bar!r} is outside its admissible range (L_bar, {H_max:.3g}) at alpha = {alpha} "
            f"(L_bar = {p.L_bar!r}, E_bar = {p.E_bar!r}): the bracket end Phi(beta/H_bar) = (A/alpha) L_bar "
            f"w^(1-alpha) = {top:.3g} must exceed the rounding error 2.2e-16 H_bar (rho E_bar + beta)/beta of the "
            f"difference -H_bar + beta/v it is computed from, so the root of Phi cannot be bracketed")
    s, info = optimize.brentq(fn, s_lo, s_hi, xtol=xtol, rtol=4 * np.finfo(float).eps, full_output=True)
    u = math.exp(s)
    v = (p.rho * p.E_bar + p.beta - u) / p.H_bar
    w = alpha * u / p.L_bar
    res = _residuals_22(v, w, alpha, p)
    ok = bool(info.converged and res < tol)
    if not ok:
        raise ConvergenceError(f"extended model at alpha={alpha}: residual {res:.3e} after {info.iterations} iterations",
                               res, info.iterations)
    return ExtendedSolution(alpha, float(v), float(w), int(info.iterations), res, ok,
                            (p.beta / p.H_bar, (p.rho * p.E_bar + p.beta) / p.H_bar))


def solve_extended_w_route(alpha: float, p: Params) -> ExtendedSolution:
    """The paper's route (Section 3.2): root of the excess demand ``W(w)`` on ``(0, min(w_max, alpha rho E/L))``.

    Used as an independent cross-check of :func:`solve_extended`.
    """
    alpha = float(require_in_range("alpha", alpha, 0.0, 1.0))
    upper = min(extended_w_pole(alpha, p), alpha * p.rho * p.E_bar / p.L_bar)
    hi = upper * (1.0 - 1e-12)
    lo = 1e-12 * hi
    W_hi = float(extended_excess_demand(hi, alpha, p))
    if not W_hi < 0:
        # W(w) > 0 at w = alpha rho E_bar/L_bar (1 - 1e-12): the root lies within relative 1e-12 of the
        # upper end.  By (22b) the gap is (alpha rho E_bar - L_bar w)/(alpha rho E_bar) = A v w^(1-alpha) L_bar
        # /(alpha rho E_bar), with v ~ beta/H_bar: it vanishes as H_bar/L_bar grows.
        raise ValueError(
            f"H_bar = {p.H_bar!r}, L_bar = {p.L_bar!r}: the paper's w route cannot bracket the root at alpha = {alpha}: "
            f"the equilibrium w lies within a relative 1e-12 of its upper bound alpha rho E_bar/L_bar, because the "
            f"skilled wage v ~ beta/H_bar makes the skilled share A v w^(1-alpha) L_bar/(alpha rho E_bar) of (22b) "
            f"negligible; admissible only while that share exceeds 1e-12 (lower H_bar/L_bar = {p.H_bar / p.L_bar:.3g})")
    w, info = optimize.brentq(lambda x: float(extended_excess_demand(x, alpha, p)), lo, hi,
                              xtol=1e-14 * hi, rtol=4 * np.finfo(float).eps, full_output=True)  # w ~ alpha: relative
    v = float(extended_v_of_w(w, alpha, p))
    res = _residuals_22(v, w, alpha, p)
    if not (info.converged and res < 1e-9):
        raise ConvergenceError(f"w-route at alpha={alpha}: residual {res:.3e} after {info.iterations} iterations",
                               res, info.iterations)
    return ExtendedSolution(alpha, v, float(w), int(info.iterations), res, True, (lo, hi))


def solve_extended_path(alphas, p: Params, *, n_bisect: int = 64, n_newton: int = 3, tol: float = 1e-9):
    """Vectorised solve of the extended model over an array of alphas in (0, 1).

    Simultaneous bisection in the log intermediate bill (see :func:`solve_extended`) for all
    alphas at once (``n_bisect`` halvings of a bracket of width ~690), then ``n_newton``
    Newton steps in ``ln u``, each kept only if it stays inside the current bracket.

    Returns
    -------
    v, w : ndarray
    residual : float
        The largest relative residual of (22a)-(22b) over the grid.

    Raises
    ------
    lib.core.errors.ConvergenceError
        If the largest residual exceeds ``tol``.
    """
    a = _alpha_array(alphas)
    if np.any(a >= 1.0):
        raise ValueError("solve_extended_path needs alpha < 1; use solve_extended(1.0, p) for the baseline limit")
    s_lo, s_hi = _log_bill_bracket(p)
    lo = np.full_like(a, s_lo)
    hi = np.full_like(a, s_hi)
    for _ in range(n_bisect):
        mid = 0.5 * (lo + hi)
        neg = _psi_log_bill(mid, a, p) < 0
        lo = np.where(neg, mid, lo)
        hi = np.where(neg, hi, mid)
    s = 0.5 * (lo + hi)
    A = cd_A(a)
    K = p.rho * p.E_bar + p.beta
    for _ in range(n_newton):
        u = np.exp(s)
        v = (K - u) / p.H_bar
        w = a * u / p.L_bar
        psi = A / a * p.L_bar * w ** (1 - a) - p.H_bar + p.beta / v
        # d psi / d s = u * d psi / d u
        dpsi = u * (A / a * p.L_bar * (1 - a) * w ** (-a) * a / p.L_bar + p.beta / (p.H_bar * v**2))
        s_new = s - psi / dpsi
        s = np.where((s_new > lo) & (s_new < hi), s_new, s)
    u = np.exp(s)
    v = (K - u) / p.H_bar
    w = a * u / p.L_bar
    res = _residuals_22(v, w, a, p)
    if not res < tol:
        raise ConvergenceError(f"solve_extended_path: residual {res:.3e} after {n_bisect} bisections and {n_newton} Newton steps",
                               res, n_bisect + n_newton)
    return v, w, res


def extended_jacobian(v, w, alpha, p: Params) -> dict:
    """Jacobian and shift vector of the system (22a)-(22b), Appendix A.

    Returns
    -------
    dict with ``J`` (2x2 array), ``S`` (length 2), ``det`` (= Delta) and ``trace``.
    """
    A = cd_A(alpha)
    ell = dlnA_dalpha(alpha)
    a_ = p.L_bar * v**2 * A * w ** (1 - alpha) / (p.beta * alpha)
    J = np.array([[-1.0, a_ * (1 - alpha) / w],
                  [-A * w ** (1 - alpha), -((1 - alpha) * A * v * w ** (-alpha) + 1.0)]])
    S = np.array([a_ * (math.log(w) + 1.0 / alpha - ell),
                  -(w / alpha + A * v * w ** (1 - alpha) * (1.0 / alpha + math.log(w)) - v * w ** (1 - alpha) * A * ell)])
    return {"J": J, "S": S, "det": float(np.linalg.det(J)), "trace": float(np.trace(J))}


def extended_derivatives_paper(v, w, alpha, p: Params) -> dict:
    """``dv/dalpha`` and ``dw/dalpha`` from the paper's closed forms (26a), (26b) (vectorised)."""
    A = cd_A(alpha)
    ell = dlnA_dalpha(alpha)
    w1a = w ** (1 - alpha)
    delta = v * A * (1 - alpha) * w ** (-alpha) + 1 + p.L_bar / (alpha * p.beta) * (v * A) ** 2 * (1 - alpha) * w ** (1 - 2 * alpha)
    dv = -p.L_bar * v**2 * A * w1a / (delta * p.beta * alpha) * (1 + np.log(w) - ell)
    dw = (w / alpha + v * w1a * A * (1 + p.L_bar * v * A / (p.beta * alpha) * w1a) * (1 / alpha + np.log(w) - ell)) / delta
    return {"dv": dv, "dw": dw, "Delta": delta}


def extended_derivatives(alpha, p: Params, v=None, w=None) -> dict:
    """Comparative statics of the extended model by Cramer's rule on Appendix A's system.

    Returns
    -------
    dict with ``v, w, dv, dw, dlnU, dln_ratio, Delta``; ``dlnU`` uses the book's
    ``U = phi_tilde (H_bar - beta/v)`` (see :func:`equilibrium`):
    ``dlnU = (dv/v)(1/k + beta/(v H_bar - beta))``.
    """
    if v is None or w is None:
        s = solve_extended(alpha, p)
        v, w = s.v, s.w
    jac = extended_jacobian(v, w, alpha, p)
    J, S = jac["J"], jac["S"]
    dv, dw = np.linalg.solve(J, S)
    dlnU = dv / v * (1.0 / p.k + p.beta / (v * p.H_bar - p.beta))
    return {"v": v, "w": w, "dv": float(dv), "dw": float(dw), "dlnU": float(dlnU),
            "dln_ratio": float(dv / v - dw / w), "Delta": jac["det"]}


def extended_dlnU_paper(alpha, v, w, dv, dw, p: Params):
    """Appendix B: ``dlnU/dalpha = -(1/alpha + ln w) + ln(alpha/(1-alpha)) + (1-alpha) w'/w + v'/(k v)``."""
    return -(1.0 / alpha + np.log(w)) + dlnA_dalpha(alpha) + (1 - alpha) / w * dw + dv / (p.k * v)


def _ext_derivs_vec(alpha, v, w, p: Params):
    """Vectorised (26a), (26b) and the welfare/inequality log-derivatives."""
    d = extended_derivatives_paper(v, w, alpha, p)
    dlnU = d["dv"] / v * (1.0 / p.k + p.beta / (v * p.H_bar - p.beta))
    return d["dv"], d["dw"], dlnU, d["dv"] / v - d["dw"] / w
