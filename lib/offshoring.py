"""Offshoring and wage inequality: the model of Nishiyama, Nakano, Tsuboi & Furuta (2025).

North--South model with Melitz-type heterogeneous final-goods firms in the
North, a Northern and a Southern intermediate input and Leontief skilled
labour.  ``alpha`` is the Northern share of the intermediate composite, so a
*fall* in ``alpha`` is an *increase* in outsourcing.

Two models:

* **baseline** (paper Section 2): Leontief composite ``min{x/alpha, x*/(1-alpha)}``,
  every equilibrium object in closed form, eqs. (4)--(17);
* **extended** (paper Section 3): Cobb--Douglas composite ``x^alpha x*^(1-alpha)``
  with cost-minimising input mix, eqs. (18)--(26) and Appendices A--B.  The
  wage pair ``(v, w)`` is solved by a bracketed root-finder on a single
  strictly decreasing function of ``v`` (see :func:`solve_extended`).

Equation numbers "(n)" are the paper's.  The Southern wage is the numeraire
``w* = 1`` and aggregate expenditure ``E_bar`` is exogenous, as in the paper.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from .core.errors import ConvergenceError
from .core.validate import (require_in_range, require_positive, require_greater, require_nonnegative,
                       require_finite)

__all__ = [
    "Params", "ExtendedSolution", "cd_A", "dlnA_dalpha", "cutoff_productivity",
    "average_productivity", "active_firms", "baseline_alpha_min", "baseline_wages",
    "baseline_derivatives", "baseline_unit_cost", "extended_unit_cost", "extended_v_of_w",
    "extended_excess_demand", "extended_w_pole", "extended_phi", "solve_extended",
    "solve_extended_w_route", "solve_extended_path", "extended_jacobian",
    "extended_derivatives", "extended_derivatives_paper", "extended_dlnU_paper",
    "equilibrium", "welfare_dlog", "firm_outcomes", "turning_points", "band_where",
    "existence_condition", "condition_24", "quadrature_aggregates",
    "SYNTHETIC_TRUTH", "top_quartile_dummy", "synthetic_panel", "model_panel",
]


# ---------------------------------------------------------------------------
# parameters
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Params:
    """Primitive parameters of the model, validated on construction.

    Parameters
    ----------
    k : float
        Pareto shape of firm productivity, ``G = 1 - phi^-k`` (Section 2.4); needs ``k > sigma - 1``.
    sigma : float
        Elasticity of substitution between varieties, ``sigma > 1``.
    f : float
        Fixed cost in units of skilled labour, eq. (5).
    H_bar, L_bar : float
        Northern skilled and unskilled endowments; the model needs ``L_bar < H_bar``
        (eq. (14) at ``alpha = 1``).
    E_bar : float
        Aggregate expenditure (exogenous), eq. (1).
    M_bar : float
        Mass of potential firms (the paper normalises it to one, eq. (9)).

    Raises
    ------
    ValueError
        Naming the violated condition (``sigma <= 1``, ``k <= sigma - 1``, ``sigma`` or ``k``
        not finite, ``L_bar >= H_bar``, non-positive or non-finite endowments).
    """

    k: float = 3.4
    sigma: float = 3.8
    f: float = 0.10
    H_bar: float = 100.0
    L_bar: float = 95.0
    E_bar: float = 1500.0
    M_bar: float = 1.0

    def __post_init__(self):
        require_greater("sigma", self.sigma, 1.0, "1", meaning="elasticity of substitution")
        require_in_range("sigma", self.sigma, 1.0, math.inf, meaning="elasticity of substitution (finite)")
        require_greater("k", self.k, self.sigma - 1.0, "sigma - 1",
                        meaning="Pareto shape; k > sigma - 1 for finite average revenue")
        require_in_range("k", self.k, self.sigma - 1.0, math.inf,
                         meaning="Pareto shape (finite; k = inf makes beta and phi_tilde_factor NaN)")
        for name in ("f", "H_bar", "L_bar", "E_bar", "M_bar"):
            require_positive(name, getattr(self, name))
        if not self.L_bar < self.H_bar:
            raise ValueError(
                f"infeasible endowments: L_bar = {self.L_bar!r} >= H_bar = {self.H_bar!r}; "
                "the model needs L_bar < H_bar (positive skilled wage v = beta/(H_bar - L_bar) at alpha = 1)")

    @property
    def rho(self) -> float:
        """Inverse markup ``(sigma - 1)/sigma``, eq. (4)."""
        return (self.sigma - 1.0) / self.sigma

    @property
    def beta(self) -> float:
        """``beta = (k - sigma + 1) E_bar / (k sigma)`` (Section 3.2): the skilled-labour fixed-cost bill ``v f M``."""
        return (self.k - self.sigma + 1.0) / (self.k * self.sigma) * self.E_bar

    @property
    def phi_tilde_factor(self) -> float:
        """``(k/(k - sigma + 1))^(1/(sigma-1))``: ratio of average to cutoff productivity, eq. (8)."""
        return (self.k / (self.k - self.sigma + 1.0)) ** (1.0 / (self.sigma - 1.0))

    def scaled(self, lam: float) -> "Params":
        """Endowments and expenditure (H_bar, L_bar, E_bar, M_bar) scaled by ``lam`` (homogeneity checks)."""
        return Params(self.k, self.sigma, self.f, lam * self.H_bar, lam * self.L_bar,
                      lam * self.E_bar, lam * self.M_bar)


def _alpha_array(alpha, low=0.0, name="alpha"):
    a = np.asarray(alpha, dtype=float)
    require_in_range(name, float(np.min(a)), low, 1.0, high_inclusive=True,
                     meaning="Northern share of the intermediate composite")
    require_in_range(name, float(np.max(a)), low, 1.0, high_inclusive=True,
                     meaning="Northern share of the intermediate composite")
    return a


# ---------------------------------------------------------------------------
# common block: Cobb-Douglas constant, cutoff, averages
# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# extended model (Section 3)
# ---------------------------------------------------------------------------
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
    w, info = optimize.brentq(lambda x: float(extended_excess_demand(x, alpha, p)), lo, hi,
                              xtol=1e-14, rtol=4 * np.finfo(float).eps, full_output=True)
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


# ---------------------------------------------------------------------------
# equilibrium aggregates, both models
# ---------------------------------------------------------------------------
def equilibrium(alpha, p: Params, model: str = "extended") -> dict:
    """All equilibrium objects at alpha (scalar or array).

    Returns
    -------
    dict with ``alpha, v, w, ratio (v/w), phi_min, phi_tilde, M, r_tilde (= E/M), P, U, Q, X, X_star,
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
    y = (price / P) ** (-p.sigma) * p.E_bar / (P * M)
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


def _require_scan_size(n_scan) -> int:
    """Check that a scan grid size is an integer >= 2 (a sign change needs two points); return it."""
    if isinstance(n_scan, (bool, np.bool_)) or not float(require_in_range(
            "n_scan", n_scan, 2, math.inf, low_inclusive=True,
            meaning="number of scan grid points (at least 2)")).is_integer():
        raise ValueError(f"n_scan = {n_scan!r} must be an integer >= 2 (number of scan grid points)")
    return int(n_scan)


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
        ``n_scan`` is not an integer of at least 2 (the scan needs two grid points to see a sign change).
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

    def integral(key, power=1.0):
        fn = lambda phi: firm_outcomes(phi, v, w, alpha, p, model)[key] ** power * dens(phi)  # noqa: E731
        val, _ = integrate.quad(fn, phi_min, np.inf, epsabs=0.0, epsrel=1e-11, limit=200)
        return val

    M, _ = integrate.quad(dens, phi_min, np.inf, epsabs=0.0, epsrel=1e-12)
    X = integral("x")
    X_star = integral("x_star")
    H_var = integral("h")
    revenue = integral("revenue")
    y_rho = integral("y", p.rho)
    U = (M ** (-1.0 / p.sigma) * y_rho) ** (p.sigma / (p.sigma - 1.0))
    prof = float(firm_outcomes(phi_min, v, w, alpha, p, model)["profit"])
    return {"X": X, "X_star": X_star, "H_demand": H_var + p.f * M, "revenue": revenue, "M": M,
            "U": U, "profit_at_cutoff": prof, "v": v, "w": w}


# ---------------------------------------------------------------------------
# empirics (Section 4): regressors and a synthetic panel
# ---------------------------------------------------------------------------
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
    pandas.DataFrame with columns ``ind, year, alpha, kappa (= 1 - alpha), zeta, LR2001, emp2000,
    gdp, tfp, lnprem, lnprem_mean (the DGP's conditional mean, without eps), LR2001_x_YDs``; plus the
    attributes ``df.attrs["truth"]`` and ``df.attrs["lr_terms"]``.
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
