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

from lib.core.fixed_point import ConvergenceError, solve_fixed_point
from lib.granular.local import check_parameters
from lib.granular.quantitative import PhiPsi, optimal_policy_wedges, phi_psi, wage_elasticity_general
from lib.core.validate import require_greater, require_in_range, require_positive, require_shape

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

    Raises
    ------
    ValueError
        If n_zones < 2, m_min, m_max, pop_max or n_sectors is not positive and finite, or m_max <= m_min.
    """
    n_zones = int(require_in_range("n_zones", n_zones, 2, np.inf, low_inclusive=True))
    require_positive("m_min", m_min, meaning="firms per sector in the smallest zone")
    require_positive("m_max", m_max, meaning="firms per sector in the largest zone")
    require_greater("m_max", m_max, m_min, "m_min")
    require_positive("pop_max", pop_max, meaning="population of the largest zone")
    require_positive("n_sectors", n_sectors, meaning="number of sectors per zone")
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

    def require_tabulated(self, name: str, m, rtol: float = 1e-9) -> np.ndarray:
        """Check that every m is positive, finite and inside the tabulated range; return log m.

        Beyond the table :meth:`at` would extrapolate flat (``np.interp``), silently.

        Raises
        ------
        ValueError
            Naming ``name`` (the argument holding m, mass of entrants per sector) and the tabulated range.
        """
        require_positive(name, m, meaning="mass of entrants per sector")
        lm = np.log(np.asarray(m, float))
        lo, hi = float(self.log_m[0]), float(self.log_m[-1])
        tol = rtol * max(1.0, abs(lo), abs(hi))
        if np.any(lm < lo - tol) or np.any(lm > hi + tol):
            raise ValueError(
                f"{name} (mass of entrants per sector) spans [{np.exp(lm.min()):.4g}, {np.exp(lm.max()):.4g}], "
                f"outside the tabulated range [{np.exp(lo):.4g}, {np.exp(hi):.4g}] of the conduct curves; "
                "widen conduct_curves(m_lo=, m_hi=)")
        return lm


def conduct_curves(eta, lam, kappa, nu, sigma2_N, sigma2_S, conduct="perfect", m_lo=1e-3, m_hi=3e3,
                   n_grid=240, table=None) -> ConductCurves:
    """Tabulate the functions of m the spatial model needs (uses :func:`lib.granular.quantitative.phi_psi`).

    Parameters
    ----------
    eta, lam, kappa, nu, sigma2_N, sigma2_S, conduct, table
        As in :func:`lib.granular.quantitative.phi_psi`.
    m_lo, m_hi : float
        Ends of the geometric grid of m (0 < m_lo < m_hi < inf); the curves are used only inside it.
    n_grid : int
        Number of grid points (>= 2).

    Raises
    ------
    ValueError
        If a parameter is inadmissible (named in the message), m_lo >= m_hi, n_grid < 2, or the
        stability condition eps_G < 1 - eta fails on the grid.
    """
    require_positive("m_lo", m_lo, meaning="lowest tabulated m (mass of entrants per sector)")
    require_positive("m_hi", m_hi, meaning="highest tabulated m (mass of entrants per sector)")
    require_greater("m_hi", m_hi, m_lo, "m_lo", meaning="the grid of m must be increasing")
    n_grid = int(require_in_range("n_grid", n_grid, 2, np.inf, low_inclusive=True,
                                  meaning="number of grid points in m"))
    m = np.geomspace(m_lo, m_hi, n_grid)
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

    The left side is increasing when :math:`\varepsilon_G<1-\eta` and, with :math:`\log G` interpolated
    linearly, piecewise linear in :math:`\log m'`: it is inverted exactly by interpolation (one pass
    over the zones instead of ~50 bisection steps), within a bracket of :math:`\pm8` around
    :math:`\log m_0`; vectorised bisection if the tabulated left side is not increasing.

    Raises
    ------
    ValueError
        If ``m0`` or ``ell_hat`` is not positive and finite (both enter in logs).
    """
    eta = curves.eta
    m0 = np.asarray(require_positive("m0", m0, meaning="entrants per sector in the data"), float)
    ell_hat = np.asarray(require_positive("ell_hat", ell_hat, meaning="population relative to the data"),
                         float)
    lhs = lambda lm: (1 - eta) * lm - np.interp(lm, curves.log_m, curves.log_G)
    lm0 = np.log(m0)
    target = lhs(lm0) + np.log1p(tau_pi) + (1 - eta) * np.log(ell_hat)
    # The left side is piecewise linear in log m' (log G is interpolated linearly, flat beyond the
    # grid), so when it increases from node to node it is inverted exactly by interpolation, which
    # is what the bisection below converges to; the +-8 bracket of the bisection is kept.
    h = (1 - eta) * curves.log_m - curves.log_G
    if np.all(np.diff(h) > 0):
        lm = np.interp(target, h, curves.log_m)
        below, above = target < h[0], target > h[-1]
        lm = np.where(below, (target + curves.log_G[0]) / (1 - eta), lm)
        lm = np.where(above, (target + curves.log_G[-1]) / (1 - eta), lm)
        lm = np.where(np.isnan(target), lm0 - 8.0, lm)  # as the bisection: no root, lower end
        return np.exp(np.clip(lm, lm0 - 8.0, lm0 + 8.0))
    lo = lm0 - 8.0
    hi = lm0 + 8.0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        up = lhs(mid) < target
        lo = np.where(up, mid, lo)
        hi = np.where(up, hi, mid)
        if np.max(hi - lo) < tol:
            break
    return np.exp(0.5 * (lo + hi))


def _subsidy(name, tau, shape, meaning):
    """A subsidy broadcast to ``shape``; each element must be finite and exceed -1."""
    tau = np.asarray(tau, float)
    try:
        tau = np.broadcast_to(tau, shape)
    except ValueError:
        raise ValueError(f"{name} has shape {tau.shape}; expected a scalar or shape {shape} "
                         "(one entry per zone)") from None
    if not np.all(np.isfinite(tau)) or np.any(tau <= -1.0):
        bad = tau[~(np.isfinite(tau) & (tau > -1.0))]
        raise ValueError(f"{name} must be finite and exceed -1 (admissible range (-1, inf), so that "
                         f"1 + {name} > 0); got {bad[:3].tolist()}: {meaning}")
    return tau


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

    Parameters
    ----------
    curves : ConductCurves
        Tabulated conduct curves; every observed m must lie inside their grid.
    population, m : array, shape (I,)
        Observed population and mass of entrants per sector of each zone (positive).
    theta : float
        Migration elasticity (> 0).
    tau_w, tau_pi : float or array, shape (I,)
        Wage and profit subsidies, each > -1 (so that 1 + tau > 0).

    Raises
    ------
    ValueError
        If an input is inadmissible: population and m of different shapes, m outside the tabulated
        range of ``curves``, tau_w or tau_pi <= -1, theta <= 0 (each named in the message).
    lib.core.errors.ConvergenceError
        With residual and iteration count.
    """
    check_parameters(theta=theta)
    ell = require_shape("population", require_positive("population", population), (None,)).astype(float)
    m = np.asarray(require_positive("m", m), float)
    if m.shape != ell.shape:
        raise ValueError(f"population has shape {ell.shape} but m has shape {m.shape}: "
                         "both need one entry per zone")
    curves.require_tabulated("m", m)
    tau_w = _subsidy("tau_w", tau_w, ell.shape, "wage subsidy")
    tau_pi = _subsidy("tau_pi", tau_pi, ell.shape, "profit (entry) subsidy")
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
    lib.core.errors.ConvergenceError
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
    """Φ/Ψ objects at arbitrary m by interpolating the tabulated curves (log-linear in m).

    Raises
    ------
    ValueError
        If some m is not positive and finite, or lies outside the tabulated range of ``curves``.
    """
    pp = curves.pp
    lm = curves.require_tabulated("m", m)
    f = lambda arr: np.interp(lm, curves.log_m, arr)
    return PhiPsi(np.exp(lm), f(pp.log_phi), f(pp.eps_phi), f(pp.psi_over_phi), f(pp.d_psi_over_phi), pp.conduct)


def local_wage_elasticity(curves: ConductCurves, m) -> np.ndarray:
    """Local wage-population elasticity at m (Prop. 1 / :func:`wage_elasticity_general`).

    Raises
    ------
    ValueError
        If some m is not positive and finite, or lies outside the tabulated range of ``curves``.
    """
    return wage_elasticity_general(phi_psi_interp(curves, m), curves.eta)


__all__ += ["phi_psi_interp", "local_wage_elasticity"]


def match_on_branch(curves: ConductCurves, target: float, m_lo: float, m_hi: float):
    r"""Where the local wage elasticity equals ``target`` on the branch between ``m_lo`` and ``m_hi``.

    The elasticity curve is monotone on each side of its peak, so the match is unique when it exists.
    At parameters away from the paper's the curve need not reach ``target`` at all (e.g. a larger
    :math:`\kappa` or :math:`\nu` lowers the whole curve): then there is no root to bracket, and the
    point of the branch closest to ``target`` is returned instead, with ``crossed=False``.

    Returns
    -------
    (float, bool)
        ``m`` at the match (or closest approach) and whether the curve actually crosses ``target``.
    """
    from scipy.optimize import brentq

    lo, hi = np.log(float(m_lo)), np.log(float(m_hi))
    f = lambda lm: float(local_wage_elasticity(curves, np.exp([lm]))[0]) - float(target)  # noqa: E731
    f_lo, f_hi = f(lo), f(hi)
    if np.isfinite(f_lo) and np.isfinite(f_hi) and f_lo * f_hi <= 0:
        return float(np.exp(brentq(f, lo, hi, xtol=1e-12))), True
    grid = np.linspace(lo, hi, 400)
    gap = np.abs(local_wage_elasticity(curves, np.exp(grid)) - float(target))
    return float(np.exp(grid[int(np.nanargmin(gap))])), False


__all__ += ["match_on_branch"]


#: -log(DBL_MIN): a power share**(1/theta) of a population share underflows below exp(-708.4).
_LOG_TINY = float(-np.log(np.finfo(float).tiny))


#: theta * (max wage elasticity) must not exceed this: stable (< 1), and the damped population
#: iteration (slope (1 + 0.9)/2 = 0.95) reaches 1e-13 in 585 < 1000 steps.
STABILITY_MARGIN = 0.9


def theta_bounds(curves, m, shares, sweep: float = 1.0):
    r"""Admissible range of the migration elasticity :math:`\theta`, derived from the model.

    * Lower end: calibrating amenities gives :math:`\bar u_i\propto(\ell_i/\ell)^{1/\theta}`, which
      underflows double precision once :math:`|\log(\ell_i/\ell)|/\theta > -\log(\text{DBL\_MIN}) = 708.4`:
      :math:`\theta \ge \max_i|\log(\ell_i/\ell)|/708.4`.
    * Upper end: population responds to its own wage with slope :math:`\theta\,\varepsilon_w`, where
      :math:`\varepsilon_w=d\log w/d\log\ell` is the local wage elasticity (Prop. 1). The spatial
      equilibrium is stable only if :math:`\theta\varepsilon_w<1`; we require
      :math:`\theta\varepsilon_w\le0.9`, so that the population iteration with damping 1/2 (slope
      :math:`(1+\theta\varepsilon_w)/2\le0.95`) converges to 1e-13 in at most 585 of its 1000 steps:
      :math:`\theta\le 0.9/\max\varepsilon_w` over the zones' range of m.

    ``sweep`` is the largest factor by which a computation multiplies theta (the chapter's
    sensitivity table runs theta/2 and 2 theta: sweep 2 divides the upper and multiplies the lower end).

    Returns
    -------
    (float, float, float)
        ``(low, high, max_elasticity)``.
    """
    m = np.asarray(m, float)
    shares = np.asarray(shares, float)
    grid = np.geomspace(float(m.min()), float(m.max()), 400)
    el_max = max(float(np.max(local_wage_elasticity(cv, grid))) for cv in curves)
    low = sweep * float(np.max(np.abs(np.log(shares)))) / _LOG_TINY
    high = STABILITY_MARGIN / (sweep * el_max) if el_max > 0 else np.inf
    return low, high, el_max


def check_theta(theta, curves, m, shares, sweep: float = 1.0, name: str = "theta") -> float:
    """``theta`` inside :func:`theta_bounds`; the ``ValueError`` names ``name`` and both derivations."""
    require_positive(name, theta, meaning="migration elasticity")
    low, high, el_max = theta_bounds(curves, m, shares, sweep)
    return require_in_range(
        name, theta, low, high, low_inclusive=True, high_inclusive=True,
        meaning=f"migration elasticity; lower end {sweep:g} * max|log population share| / 708.4 (the "
                f"calibrated amenity share^(1/theta) underflows below it), upper end {STABILITY_MARGIN:g} / "
                f"({sweep:g} * max wage elasticity) with max wage elasticity = {el_max:.4g} over m in "
                f"[{float(np.min(m)):.3g}, {float(np.max(m)):.3g}] (theta * elasticity must stay <= "
                f"{STABILITY_MARGIN:g} for a stable equilibrium that the damped population iteration reaches; "
                "the elasticity rises with sigma2_N and with kappa and nu)")


__all__ += ["theta_bounds", "check_theta"]
