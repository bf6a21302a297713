r"""The Doi & Suzuki (2025) equilibrium in relative changes ("exact hat algebra", paper §3.2, corrected).

The counterfactual shocks worker masses :math:`\hat L(k,s)` (and, for calibration,
amenities :math:`\hat B_r(k,s)` and productivities :math:`\hat S(k,s,o)`).  The
unknowns are the changes in the prices of native and foreign labour services
:math:`x=\ln\hat p_r(k,o)` (``R x 2 x O``; 2,256 at the paper's size).  Given
:math:`x`, equations (H1)-(H14) of the chapter give every other change; the
equilibrium zeros the native/foreign occupation-market residual (H15), which the
paper's printed system omits.

The solver is a diagonal-Newton tâtonnement on the log residual accelerated by
safeguarded Anderson mixing (:func:`lib.core.fixed_point.anderson_solve`).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

import numpy as np

from ..core.errors import ConvergenceError
from ..core.fixed_point import anderson_solve
from ..core.validate import (require_in_range, require_nonnegative, require_positive, require_shape,
                        require_shares)
from .kernels import (ces_log_price, cost_and_price, goods_market, log_softmax, trade_factors,
                      trade_shares)
from .levels import Fundamentals, LevelState, active_types, check_parameters

__all__ = ["BaseYear", "HatSolution", "base_from_levels", "solve_hat", "evaluate_hat",
           "apply_solution", "base_residual"]


@dataclass
class BaseYear:
    r"""Observed base-year equilibrium outcomes that the hat system conditions on.

    Attributes
    ----------
    L_rgo : ndarray (R, G, O)
        Workers by prefecture, group and occupation, :math:`L_r(k,s,o)`.
    wbar : ndarray (R, G)
        Mean wage :math:`\bar w_r(k,s)`.
    group_k : ndarray (G,)
        0 native, 1 foreign.
    pi : ndarray (J, N, N)
        Trade shares ``pi[i, m, r]`` (r's spending share on origin m).
    Y, X : ndarray (N, J)
        Gross output and total spending; row 0 = RoW.
    E : ndarray (N,)
        Household spending.
    VA0 : float
        RoW value added (fixed: numéraire).
    alpha, beta_l, beta_io, gamma, theta, omega
        As in :class:`lib.foreign_employment.levels.Fundamentals`.
    chi : ndarray (R, 2, O)
        Bill shares of natives and foreigners within an occupation,
        :math:`\chi_r(k,o)=V_r(k,o)/I_r(o)`.
    labels : dict
        Optional names: ``regions``, ``groups``, ``sectors``, ``occupations``, ...
    """

    L_rgo: np.ndarray
    wbar: np.ndarray
    group_k: np.ndarray
    pi: np.ndarray
    Y: np.ndarray
    X: np.ndarray
    E: np.ndarray
    VA0: float
    alpha: np.ndarray
    beta_l: np.ndarray
    beta_io: np.ndarray
    gamma: np.ndarray
    theta: np.ndarray
    omega: float
    chi: np.ndarray
    labels: dict = field(default_factory=dict)

    @property
    def dims(self):
        """``(R, J, O, G)``."""
        R, G, O = self.L_rgo.shape
        return R, self.gamma.shape[0], O, G

    @property
    def L_rg(self):
        """Workers by prefecture and group, :math:`L_r(k,s)`."""
        return self.L_rgo.sum(axis=2)

    @property
    def L_g(self):
        """National worker masses :math:`L(k,s)`."""
        return self.L_rgo.sum(axis=(0, 2))

    @property
    def phi(self):
        r"""Occupation shares :math:`\varphi_r(k,s,o)`."""
        return self.L_rgo / self.L_rg[:, :, None]

    @property
    def psi(self):
        r"""Location shares :math:`\psi_r(k,s)`."""
        return self.L_rg / self.L_g[None, :]

    @property
    def V(self):
        """Wage bills :math:`V_r(k,o)` (R, 2, O)."""
        return np.einsum("rgo,gk->rko", self.wbar[:, :, None] * self.L_rgo, np.eye(2)[self.group_k])

    @property
    def VA(self):
        """Prefecture value added."""
        return self.V.sum(axis=(1, 2))

    def validate(self):
        """Check shapes, positivity and share constraints; return ``self``.

        Raises
        ------
        ValueError
            Naming the offending array.
        """
        R, J, O, G = self.dims
        N = R + 1
        require_shape("wbar", self.wbar, (R, G))
        require_shape("pi", self.pi, (J, N, N))
        require_shape("chi", self.chi, (R, 2, O))
        require_nonnegative("L_rgo", self.L_rgo)
        require_positive("wbar", self.wbar)
        require_positive("theta", self.theta)
        if np.max(np.abs(self.pi.sum(axis=1) - 1)) > 1e-9:
            raise ValueError("pi must be shares on the simplex: sum over origins m of pi[i, m, r] = 1")
        if np.max(np.abs(self.chi.sum(axis=1) - 1)) > 1e-9:
            raise ValueError("chi must be shares on the simplex over k")
        require_shares("alpha", self.alpha, axis=1, meaning="final-demand shares")
        require_shares("gamma", self.gamma, axis=1, meaning="occupation cost shares")
        if np.max(np.abs(self.beta_l + self.beta_io.sum(axis=1) - 1)) > 1e-9:
            raise ValueError("beta_l and beta_io must be shares: beta_l[r,i] + sum_j beta_io[r,j,i] = 1")
        return self


def base_from_levels(f: Fundamentals, st: LevelState, labels=None) -> BaseYear:
    """Turn a level solution into base-year data (what a statistician would observe).

    ``chi`` is taken from prices, :math:`(p_r(k,o)/p_r(o))^{1-\\xi}`; at an
    equilibrium it equals :math:`V_r(k,o)/I_r(o)`.
    """
    return BaseYear(st.L_rgo.copy(), st.wbar.copy(), np.asarray(f.group_k).copy(), st.pi.copy(),
                    st.Y.copy(), st.X.copy(), st.E.copy(), float(f.VA0), f.alpha.copy(),
                    f.beta_l.copy(), f.beta_io.copy(), f.gamma.copy(), np.asarray(f.theta).copy(),
                    float(f.omega), st.chi.copy(), dict(labels or {}))


@dataclass
class HatSolution:
    """A counterfactual in changes.  All ``*_hat`` arrays are ratios new/base; ``*_new`` are levels."""

    x: np.ndarray              # log p_hat (R, 2, O); +inf where a type is absent
    active: np.ndarray
    L_hat: np.ndarray          # (G,)
    p_occ_hat: np.ndarray      # (R, O)
    c_hat: np.ndarray          # (N, J)
    P_sector_hat: np.ndarray   # (N, J)
    P_hat: np.ndarray          # (R,)
    w_hat: np.ndarray          # (R, G)
    phi_new: np.ndarray        # (R, G, O)
    psi_new: np.ndarray        # (R, G)
    L_new: np.ndarray          # (R, G, O)
    V_new: np.ndarray          # (R, 2, O)
    VA_new: np.ndarray         # (R,)
    E_new: np.ndarray          # (N,)
    Y_new: np.ndarray          # (N, J)
    X_new: np.ndarray          # (N, J)
    pi_new: np.ndarray         # (J, N, N)
    demand_new: np.ndarray     # (R, 2, O)
    U_hat: np.ndarray          # (G,)
    residual: float
    iterations: int = 0
    converged: bool = True
    seconds: float = 0.0
    residual_history: list = field(default_factory=list)

    @property
    def real_wage_hat(self):
        r"""Real wage changes :math:`\hat{\bar w}_r(k,s)/\hat P_r` (R, G)."""
        return self.w_hat / self.P_hat[:, None]


def _labour_block(base, x, active, L_hat, eta, zeta, logB_hat, logS_hat, lP_hat, cache=None):
    """(H7)-(H10): wages, occupation and location shares, allocations."""
    cache = {} if cache is None else cache
    if "log_phi" not in cache:  # base shares, fixed during a solve
        with np.errstate(divide="ignore"):
            cache["log_phi"], cache["log_psi"], cache["L_g"] = np.log(base.phi), np.log(base.psi), base.L_g
    gk = base.group_k
    xg = x[:, gk, :] + logS_hat[None, :, :]
    xg = np.where(np.isfinite(xg), xg, 0.0)  # absent types: weight irrelevant (L_hat = 0)
    a = cache["log_phi"] + zeta * xg
    amax = np.max(a, axis=-1, keepdims=True)
    lw = (np.log(np.sum(np.exp(a - amax), axis=-1)) + amax[..., 0]) / zeta
    phi_new = np.exp(a - zeta * lw[..., None])
    b = cache["log_psi"] + logB_hat + eta * (lw - lP_hat[:, None])
    psi_new = np.exp(log_softmax(b, axis=0))
    mass = cache["L_g"] * L_hat
    L_new = (psi_new * mass[None, :])[:, :, None] * phi_new
    bmax = np.max(b, axis=0)
    U_hat = np.exp((np.log(np.sum(np.exp(b - bmax), axis=0)) + bmax) / eta)
    return lw, phi_new, psi_new, L_new, U_hat


def evaluate_hat(base: BaseYear, x, L_hat, *, eta, zeta, xi, B_hat=None, S_hat=None, cache=None,
                 _materialise=True):
    """Evaluate (H1)-(H16) at trial log price changes ``x``; return a :class:`HatSolution`.

    ``residual`` is the sup norm of log(demand/supply) in the type-k
    occupation markets (H15) over active types.  (``_materialise=False``, used inside
    :func:`solve_hat`, skips forming the new trade shares: ``pi_new`` is then ``None``.)
    """
    R, J, O, G = base.dims
    cache = {} if cache is None else cache
    L_hat = np.asarray(L_hat, dtype=float)
    active = active_types(base.L_g * L_hat, base.group_k)
    logB_hat = np.zeros((R, G)) if B_hat is None else np.log(B_hat)
    logS_hat = np.zeros((G, O)) if S_hat is None else np.log(S_hat)
    x = np.where(active[None, :, None], x, np.inf)
    # (H1)-(H2)
    lpo = ces_log_price(np.where(np.isfinite(x), x, 0.0), xi, weights=base.chi, active=active)
    lrho = np.zeros((R + 1, J))
    lrho[1:] = lpo @ base.gamma.T
    # (H3)-(H6): the base shares are the weights of the price indices in changes
    inner_tol = cache.get("inner_tol", 1e-14)
    lc, lPs, _ = cost_and_price(lrho, None, base.theta, base.beta_l, base.beta_io,
                                cache.get("lP"), tol=inner_tol, weights=base.pi)
    cache["lP"] = lPs
    factors = trade_factors(base.pi, base.theta, lc, lPs)
    if factors is None or _materialise:
        pi_new = trade_shares(None, base.theta, lc, lPs, weights=base.pi)
    else:
        pi_new = None  # inside the solver loop only the factors are needed (H13-H14)
    lP = np.sum(base.alpha[1:] * lPs[1:], axis=1)
    # (H7)-(H10)
    lw, phi_new, psi_new, L_new, U_hat = _labour_block(base, x, active, L_hat, eta, zeta,
                                                       logB_hat, logS_hat, lP, cache)
    w_new = base.wbar * np.exp(lw)
    # (H11)-(H12)
    onehot = np.eye(2)[base.group_k]
    V_new = np.einsum("rgo,gk->rko", w_new[:, :, None] * L_new, onehot)
    VA_new = V_new.sum(axis=(1, 2))
    E_new = np.empty(R + 1)
    E_new[1:] = (1 + base.omega) * VA_new
    E_new[0] = base.VA0 - base.omega * VA_new.sum()
    # (H13)-(H14)
    Y_new, X_new, _ = goods_market(pi_new, base.beta_io, base.alpha, E_new,
                                   cache.get("Y", base.Y), tol=inner_tol,
                                   factors=factors if pi_new is None else None)
    cache["Y"] = Y_new
    # (H15)
    occ_bill = (base.beta_l[1:] * Y_new[1:]) @ base.gamma
    with np.errstate(over="ignore"):
        share = np.where(active[None, :, None],
                         base.chi * np.exp((1 - xi) * (np.where(np.isfinite(x), x, 0.0) - lpo[:, None, :])), 0.0)
    demand = share * occ_bill[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ex = np.where(active[None, :, None], np.log(demand / V_new), 0.0)
    resid = float(np.max(np.abs(ex)))
    sol = HatSolution(x, active, L_hat, np.exp(lpo), np.exp(lc), np.exp(lPs), np.exp(lP),
                      np.exp(lw), phi_new, psi_new, L_new, V_new, VA_new, E_new, Y_new, X_new,
                      pi_new, demand, U_hat, resid)
    sol.__dict__["_excess"] = ex
    return sol


# inexact-Newton forcing of the inner solves (prices, goods markets): tolerance
# min(_INNER_TOL_MAX, _INNER_FORCING * outer residual), never below 1e-15
_INNER_FORCING = 1e-3
_INNER_TOL_MAX = 1e-6


def _own_elasticity(V, active, xi, zeta, eta):
    """Diagonal of the excess-demand Jacobian in logs (digest §4): a cheap Newton preconditioner."""
    with np.errstate(invalid="ignore", divide="ignore"):
        chi_now = V / np.maximum(V.sum(axis=1, keepdims=True), 1e-300)
        phi_now = V / np.maximum(V.sum(axis=2, keepdims=True), 1e-300)
        tot = V.sum(axis=2)
        psi_now = tot / np.maximum(tot.sum(axis=0, keepdims=True), 1e-300)
    own = (xi - 1) * (1 - chi_now) + 1 + zeta * (1 - phi_now) + eta * phi_now * (1 - psi_now[:, :, None])
    return np.where(active[None, :, None], own, 1.0)


def solve_hat(base: BaseYear, L_hat, *, eta: float, zeta: float, xi: float, B_hat=None, S_hat=None,
              x0=None, tol: float = 1e-11, max_iter: int = 3000, memory: int = 10,
              step: float = 1.0, accelerate: bool = True) -> HatSolution:
    r"""Solve the counterfactual equilibrium in changes (corrected paper Definition 2).

    Parameters
    ----------
    base : BaseYear
        An exact base-year equilibrium (see :func:`base_residual`).
    L_hat : array_like (G,)
        Change in each worker group's mass, :math:`\hat L(k,s)\ge0`; a type whose
        groups are all zero drops out (its price change is :math:`+\infty`).
    eta, zeta, xi : float
        Location shape (> 0), occupation shape (> 1), native/foreign elasticity (> 1).
    B_hat : ndarray (R, G), optional; S_hat : ndarray (G, O), optional
        Amenity and productivity shocks (used by the base-year calibration).
    x0 : ndarray (R, 2, O), optional
        Initial guess for :math:`\ln\hat p`.
    tol : float
        Tolerance on ``max |log(demand/supply)|`` of (H15).
    memory : int
        Anderson memory; ``accelerate=False`` gives the plain diagonal-Newton tâtonnement.
    step : float
        Mixing weight on the tâtonnement step.

    Returns
    -------
    HatSolution

    Raises
    ------
    ValueError
        For inadmissible elasticities or shocks, or if ``L_hat``, ``B_hat``,
        ``S_hat`` or ``x0`` does not have the shape given above (the message
        names the argument).
    ConvergenceError
        With the residual and iteration count, if the tolerance is not met.
    """
    eta, zeta, xi, _ = check_parameters(eta, zeta, xi)
    base.validate()
    R, J, O, G = base.dims
    L_hat = np.asarray(require_nonnegative("L_hat", np.asarray(L_hat, dtype=float),
                                           meaning="change in worker masses"), dtype=float)
    require_shape("L_hat", L_hat, (G,))
    if B_hat is not None:
        require_shape("B_hat", B_hat, (R, G))
        require_positive("B_hat", B_hat)
    if S_hat is not None:
        require_shape("S_hat", S_hat, (G, O))
        require_positive("S_hat", S_hat)
    if x0 is not None:
        require_shape("x0", x0, (R, 2, O))
    active = active_types(base.L_g * L_hat, base.group_k)
    if not active[0]:
        raise ValueError("L_hat must keep some native workers (all native groups are zero)")
    mask = np.broadcast_to(active[None, :, None], (R, 2, O))
    x = np.zeros((R, 2, O)) if x0 is None else np.array(x0, dtype=float)
    x = np.where(mask, np.where(np.isfinite(x), x, 0.0), 0.0)
    cache = {}
    kw = dict(eta=eta, zeta=zeta, xi=xi, B_hat=B_hat, S_hat=S_hat, cache=cache)

    def F(z):
        xx = x.copy()
        xx[mask] = z
        sol = evaluate_hat(base, xx, L_hat, **kw, _materialise=False)
        own = _own_elasticity(sol.V_new, active, xi, zeta, eta)
        # inexact inner solves far from the solution, exact near it (inexact-Newton rule)
        cache["inner_tol"] = min(_INNER_TOL_MAX, max(1e-15, _INNER_FORCING * sol.residual))
        return (sol._excess / own)[mask], sol.residual

    t0 = time.perf_counter()
    res = anderson_solve(F, x[mask], tol=tol, max_iter=max_iter, memory=memory if accelerate else 0,
                         mixing=step)
    x[mask] = res.x
    cache["inner_tol"] = 1e-15
    sol = evaluate_hat(base, x, L_hat, **kw)
    sol.iterations = res.iterations
    sol.seconds = time.perf_counter() - t0
    sol.residual_history = res.residual_history
    # the final evaluation uses exact inner solves; allow round-off above a machine-precision tol
    sol.converged = sol.residual <= tol or (res.converged and sol.residual <= 10 * tol)
    if not sol.converged:
        raise ConvergenceError(f"solve_hat: residual {sol.residual:.3e} > tol {tol:.1e}",
                               sol.residual, res.iterations)
    return sol


def base_residual(base: BaseYear, *, eta: float = 1.0, zeta: float = 3.0, xi: float = 12.3) -> float:
    """Sup norm of the (H15) residual at zero shock: zero iff the base is an exact equilibrium.

    At zero shock every hat is one, so the residual does not depend on the elasticities.
    """
    R, J, O, G = base.dims
    sol = evaluate_hat(base, np.zeros((R, 2, O)), np.ones(G), eta=eta, zeta=zeta, xi=xi)
    return sol.residual


def apply_solution(base: BaseYear, sol: HatSolution, xi: float) -> BaseYear:
    """The counterfactual equilibrium as a new :class:`BaseYear` (for chained counterfactuals and calibration).

    ``chi`` is updated from prices, :math:`\\chi'=\\chi\\hat p_k^{1-\\xi}/\\sum_k\\chi\\hat p_k^{1-\\xi}`.

    Raises
    ------
    ValueError
        If ``xi`` is not a finite number above 1 (native/foreign elasticity of substitution).
    """
    require_in_range("xi", xi, 1.0, np.inf,
                     meaning="native/foreign elasticity of substitution; the model needs xi > 1")
    x = np.where(np.isfinite(sol.x), sol.x, 0.0)
    lchi = np.log(np.where(base.chi > 0, base.chi, 1e-300)) + (1 - xi) * x
    lchi = np.where(sol.active[None, :, None], lchi, -np.inf)
    chi_new = np.exp(log_softmax(lchi, axis=1))
    return replace(base, L_rgo=sol.L_new.copy(), wbar=base.wbar * sol.w_hat, pi=sol.pi_new.copy(),
                   Y=sol.Y_new.copy(), X=sol.X_new.copy(), E=sol.E_new.copy(), chi=chi_new)
