r"""Spatial equilibrium across commuting zones by exact hat algebra (Kikuchi & O'Connor 2025, Secs. 4.4 and 6).

Equilibrium conditions for zone :math:`i` (conduct :math:`f`; Lemmas 2-3 and eq. 13):

* wage bill (E20): :math:`w_i\ell_i=(1-\eta)z_im_i^\eta\ell_i^{1-\eta}(\Phi^f+\Psi^f)(m_i)`;
* free entry (E21, derived): :math:`\psi_im_i=(1+\tau^\pi_i)z_im_i^\eta\ell_i^{1-\eta}G^f(m_i)`,
  :math:`G^f=\eta\Phi^f-(1-\eta)\Psi^f`;
* migration (E12): :math:`\ell_i=\ell\,(\bar u_i(1+\tau^w_i)w_i)^\theta/\sum_j(\bar u_j(1+\tau^w_j)w_j)^\theta`
  (the uniform income tax that finances the subsidies cancels).

Calibrating :math:`(z_i,\psi_i,\bar u_i)` to observed :math:`(\ell_i,m_i,w_i)` and writing every
condition relative to the data (exact hat algebra) removes them:
:math:`(1-\eta)\log\hat m_i-\log\hat G_i=\log(1+\tau^\pi_i)+(1-\eta)\log\hat\ell_i`,
:math:`\hat w_i=\hat m_i^\eta\hat\ell_i^{-\eta}\widehat{(\Phi+\Psi)}_i`,
:math:`\ell'_i=\ell\,\ell_i((1+\tau^w_i)\hat w_i)^\theta/\sum_j\ell_j((1+\tau^w_j)\hat w_j)^\theta`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lib.fixed_point import ConvergenceError, solve_fixed_point
from lib.granular.local import check_parameters
from lib.granular.quantitative import PhiPsi, optimal_policy_wedges, phi_psi, wage_elasticity_general
from lib.validate import require_in_range, require_positive

__all__ = [
    "synthetic_zones",
    "ConductCurves",
    "conduct_curves",
    "entry_given_population",
    "SpatialSolution",
    "solve_spatial_hat",
    "OptimalPolicy",
    "optimal_policy",
]


def synthetic_zones(n_zones: int = 225, m_min: float = 0.07, m_max: float = 105.8,
                    pop_max: float = 3.0e7, n_sectors: int = 148):
    r"""A **synthetic** set of commuting zones spanning the paper's range (the paper prints no CZ list).

    Rank-size rule: zone of rank :math:`r` has :math:`m_r = m_{\max} r^{-\zeta}` firms per sector with
    :math:`\zeta=\log(m_{\max}/m_{\min})/\log I`, so the largest zone is Tokyo (105.8, paper Sec. 6.1)
    and the smallest has 0.07 (:math:`\approx 10/148`). Population is proportional to :math:`m`
    (``pop_max`` persons in the largest zone, an illustrative round number), and the number of firms is
    :math:`M=148m`. Deterministic: no random numbers.

    Returns
    -------
    dict of arrays: ``rank``, ``m``, ``population``, ``firms``.
    """
    n_zones = int(require_in_range("n_zones", n_zones, 2, np.inf, low_inclusive=True))
    require_positive("m_min", m_min)
    if not m_max > m_min:
        raise ValueError(f"m_max = {m_max} must exceed m_min = {m_min}")
    r = np.arange(1, n_zones + 1, dtype=float)
    zeta = np.log(m_max / m_min) / np.log(n_zones)
    m = m_max * r ** (-zeta)
    pop = pop_max * m / m_max
    return {"rank": r, "m": m, "population": pop, "firms": n_sectors * m}


@dataclass
class ConductCurves:
    """log Φ, log(Φ+Ψ), log G and elasticities tabulated on a log-m grid, for interpolation."""

    log_m: np.ndarray
    log_phi: np.ndarray
    log_wage_bill: np.ndarray    # log(Φ + Ψ)
    log_G: np.ndarray            # log(ηΦ - (1-η)Ψ)
    eps_G: np.ndarray            # d log G / d log m
    pp: PhiPsi
    eta: float

    def at(self, name: str, m):
        """Interpolate curve ``name`` (e.g. ``"log_phi"``) at m, linearly in log m."""
        return np.interp(np.log(m), self.log_m, getattr(self, name))


def conduct_curves(eta, lam, kappa, nu, sigma2_N, sigma2_S, conduct="perfect", m_lo=1e-3, m_hi=3e3,
                   n_grid=240, table=None) -> ConductCurves:
    """Tabulate the functions of m the spatial model needs (uses :func:`lib.granular.quantitative.phi_psi`)."""
    m = np.geomspace(m_lo, m_hi, int(n_grid))
    pp = phi_psi(m, eta, lam, kappa, nu, sigma2_N, sigma2_S, conduct, table=table)
    R, dR = pp.psi_over_phi, pp.d_psi_over_phi
    log_wb = pp.log_phi + np.log1p(R)
    g = eta - (1.0 - eta) * R
    log_G = pp.log_phi + np.log(g)
    eps_G = pp.eps_phi - (1.0 - eta) * dR / g
    if np.any(eps_G >= 1.0 - eta):
        raise ValueError("unstable: eps_G >= 1 - eta somewhere on the grid (paper App. A stability)")
    return ConductCurves(np.log(m), pp.log_phi, log_wb, log_G, eps_G, pp, eta)


def entry_given_population(curves: ConductCurves, m0, ell_hat, tau_pi=0.0, tol=1e-13):
    r"""Solve free entry in hats for :math:`m'`: :math:`(1-\eta)\log m'-\log G(m')=(1-\eta)\log m_0-\log G(m_0)+\log(1+\tau^\pi)+(1-\eta)\log\hat\ell`.

    Vectorised bisection in :math:`\log m'` (the left side is increasing when :math:`\varepsilon_G<1-\eta`).
    """
    eta = curves.eta
    m0 = np.asarray(m0, float)
    lhs = lambda lm: (1 - eta) * lm - np.interp(lm, curves.log_m, curves.log_G)
    target = lhs(np.log(m0)) + np.log1p(tau_pi) + (1 - eta) * np.log(ell_hat)
    lo = np.log(m0) - 8.0
    hi = np.log(m0) + 8.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        up = lhs(mid) < target
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
        if np.max(hi - lo) < tol:
            break
    return np.exp(0.5 * (lo + hi))


@dataclass
class SpatialSolution:
    """Counterfactual spatial equilibrium relative to the data."""

    population: np.ndarray      # l'_i
    m: np.ndarray               # m'_i
    wage_hat: np.ndarray        # w'_i / w_i
    converged: bool
    iterations: int
    residual: float


def solve_spatial_hat(curves: ConductCurves, population, m, theta: float, tau_w=0.0, tau_pi=0.0,
                      damping=0.5, tol=1e-12, max_iter=5000) -> SpatialSolution:
    """Exact hat algebra for the spatial equilibrium (module docstring); zero policy returns the data.

    Raises
    ------
    lib.fixed_point.ConvergenceError
        With residual and iteration count.
    """
    check_parameters(theta=theta)
    ell = np.asarray(require_positive("population", population), float)
    m = np.asarray(require_positive("m", m), float)
    tau_w = np.broadcast_to(np.asarray(tau_w, float), ell.shape)
    tau_pi = np.broadcast_to(np.asarray(tau_pi, float), ell.shape)
    total = ell.sum()
    eta = curves.eta
    base_wb = curves.at("log_wage_bill", m)

    def block(log_ell_new):
        ell_hat = np.exp(log_ell_new) / ell
        m_new = entry_given_population(curves, m, ell_hat, tau_pi)
        log_w_hat = eta * np.log(m_new / m) - eta * np.log(ell_hat) + curves.at("log_wage_bill", m_new) - base_wb
        return m_new, log_w_hat

    def T(log_ell_new):
        _, log_w_hat = block(log_ell_new)
        v = np.log(ell) + theta * (np.log1p(tau_w) + log_w_hat)
        v = v - v.max()
        return np.log(total) + v - np.log(np.exp(v).sum())

    res = solve_fixed_point(T, np.log(ell), damping=damping, tol=tol, max_iter=max_iter)
    m_new, log_w_hat = block(res.x)
    return SpatialSolution(np.exp(res.x), m_new, np.exp(log_w_hat), res.converged, res.iterations, res.residual)


@dataclass
class OptimalPolicy:
    """Optimal place-based policy (paper Prop. 4) and the equilibrium it implements."""

    tau_w: np.ndarray
    tau_pi: np.ndarray
    solution: SpatialSolution
    outer_iterations: int
    outer_residual: float


def optimal_policy(curves: ConductCurves, population, m, theta: float, tol=1e-10, max_outer=200):
    r"""Fixed point in the subsidies: :math:`\tau=\tau(m')` from eq. (13) at the post-policy :math:`m'`.

    Raises
    ------
    lib.fixed_point.ConvergenceError
        If the outer iteration does not converge.
    """
    m = np.asarray(m, float)
    m_new = m.copy()
    sol = None
    for it in range(1, max_outer + 1):
        pp = phi_psi_interp(curves, m_new)
        tau_w, tau_pi = optimal_policy_wedges(pp, curves.eta)
        sol = solve_spatial_hat(curves, population, m, theta, tau_w, tau_pi)
        resid = float(np.max(np.abs(np.log(sol.m) - np.log(m_new))))
        m_new = sol.m
        if resid < tol:
            return OptimalPolicy(tau_w, tau_pi, sol, it, resid)
    raise ConvergenceError(f"optimal_policy did not converge: residual {resid:.3g} after {max_outer} iterations",
                           resid, max_outer)


def phi_psi_interp(curves: ConductCurves, m) -> PhiPsi:
    """Φ/Ψ objects at arbitrary m by interpolating the tabulated curves (log-linear in m)."""
    pp = curves.pp
    lm = np.log(np.asarray(m, float))
    f = lambda arr: np.interp(lm, curves.log_m, arr)
    return PhiPsi(np.exp(lm), f(pp.log_phi), f(pp.eps_phi), f(pp.psi_over_phi), f(pp.d_psi_over_phi), pp.conduct)


def local_wage_elasticity(curves: ConductCurves, m) -> np.ndarray:
    """Local wage-population elasticity at m (Prop. 1 / :func:`wage_elasticity_general`)."""
    return wage_elasticity_general(phi_psi_interp(curves, m), curves.eta)


__all__ += ["phi_psi_interp", "local_wage_elasticity"]
