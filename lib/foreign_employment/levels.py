r"""The Doi & Suzuki (2025) spatial equilibrium in levels (paper §3, Definition 1).

Unknowns are the log prices of native and foreign labour services
:math:`\ln p_r(k,o)` (``R x 2 x O``); the rest of the world (row 0) has one
factor whose wage is the numéraire, so :math:`\rho^{\ell,i}_0=1` and
:math:`VA_0` is fixed (digest L16).  Given the prices, every other variable
follows in closed form or from a contraction (:func:`evaluate_levels`); the
equilibrium sets the native/foreign occupation-market residual (paper eq. 16)
to zero (:func:`solve_levels`, for small economies).

The EK constant :math:`\Gamma^i` of paper eq. (5) is set to one: it is a
sector-specific constant that can be absorbed in the productivity of every
origin, and it cancels in every change.  Expected utility (L17) needs
:math:`\eta>1`; :func:`evaluate_levels` reports the *inclusive value*
:math:`(\sum_r B_r(\bar w_r/P_r)^\eta)^{1/\eta}`, whose change equals the
change in welfare for any :math:`\eta>0`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.special import gamma as gamma_fn

from ..core.errors import ConvergenceError
from ..core.validate import (require_in_range, require_nonnegative, require_positive, require_shape,
                        require_shares)
from .kernels import (ces_log_price, cost_and_price, goods_market, linear_weights, log_softmax,
                      trade_shares)

__all__ = ["Fundamentals", "LevelState", "evaluate_levels", "solve_levels", "check_parameters",
           "active_types", "trade_cost_weights"]


def check_parameters(eta: float, zeta: float, xi: float, omega: float = 0.0):
    """Validate the scalar elasticities; return them as floats.

    ``eta > 0`` (location Fréchet shape), ``zeta > 1`` (occupation Fréchet shape:
    mean wages are finite only then), ``xi > 1`` (native/foreign substitution:
    needed for an absent type to drop out), ``omega > -1`` (transfer / VA).

    Raises
    ------
    ValueError
        Naming the parameter and its range.
    """
    eta = require_in_range("eta", eta, 0.0, np.inf, meaning="location Fréchet shape (eta > 0)")
    zeta = require_in_range("zeta", zeta, 1.0, np.inf,
                            meaning="occupation Fréchet shape; mean wages need zeta > 1")
    xi = require_in_range("xi", xi, 1.0, np.inf,
                          meaning="native/foreign elasticity of substitution; the model needs xi > 1")
    omega = require_in_range("omega", omega, -1.0, np.inf, meaning="transfer from RoW / VA")
    return eta, zeta, xi, omega


@dataclass
class Fundamentals:
    r"""Primitive parameters of the level model.

    Attributes
    ----------
    L : ndarray (G,)
        Worker masses :math:`L(k,s)` (hours), groups ``g``.
    group_k : ndarray (G,) of int
        Nationality of each group: 0 native (D), 1 foreign (F).
    S : ndarray (G, O)
        Group-occupation productivity :math:`S(k,s,o)`.
    B : ndarray (R, G)
        Amenity scale :math:`B_r(k,s)`.
    T : ndarray (J, N)
        Sector productivity (Fréchet location) by origin, row 0 = RoW.
    tau : ndarray (J, N, N)
        Iceberg costs ``tau[i, m, r]`` from ``m`` to ``r``, ``>= 1``.
    theta : ndarray (J,)
        Trade elasticities.
    alpha, beta_l : ndarray (N, J); beta_io : ndarray (N, J, J)
        Final-demand, labour and input shares (``beta_io[r, j, i]``: input ``j`` in sector ``i``).
    gamma : ndarray (J, O)
        Occupation cost shares in the labour composite.
    eta, zeta, xi, omega : float
    VA0 : float
        RoW value added (its fixed endowment times the numéraire wage).

    Raises
    ------
    ValueError
        If a scalar elasticity is inadmissible, an array has the wrong shape for the dimensions
        ``R = B.shape[0]``, ``J, O = gamma.shape``, ``G = len(L)`` (with ``N = R + 1``),
        ``group_k`` has an entry other than 0 or 1, or an array violates its sign/share restriction.
    """

    L: np.ndarray
    group_k: np.ndarray
    S: np.ndarray
    B: np.ndarray
    T: np.ndarray
    tau: np.ndarray
    theta: np.ndarray
    alpha: np.ndarray
    beta_l: np.ndarray
    beta_io: np.ndarray
    gamma: np.ndarray
    eta: float
    zeta: float
    xi: float
    omega: float = 0.0
    VA0: float = 1.0

    def __post_init__(self):
        check_parameters(self.eta, self.zeta, self.xi, self.omega)
        require_shape("L", self.L, (None,))
        require_shape("B", self.B, (None, None))
        require_shape("gamma", self.gamma, (None, None))
        R, G = np.shape(self.B)[0], np.shape(self.L)[0]
        (J, O), N = np.shape(self.gamma), np.shape(self.B)[0] + 1
        for name, value, shape in [("group_k", self.group_k, (G,)), ("S", self.S, (G, O)),
                                   ("B", self.B, (R, G)), ("T", self.T, (J, N)),
                                   ("tau", self.tau, (J, N, N)), ("theta", self.theta, (J,)),
                                   ("alpha", self.alpha, (N, J)), ("beta_l", self.beta_l, (N, J)),
                                   ("beta_io", self.beta_io, (N, J, J))]:
            require_shape(name, value, shape)
        gk = np.asarray(self.group_k)
        if not np.all((gk == 0) | (gk == 1)):
            raise ValueError(f"group_k must contain only 0 (native, D) or 1 (foreign, F); got "
                             f"{np.unique(gk).tolist()}")
        require_nonnegative("L", self.L, meaning="worker masses")
        require_positive("S", self.S)
        require_positive("B", self.B)
        require_positive("T", self.T)
        require_positive("theta", self.theta)
        require_positive("VA0", self.VA0)
        if np.any(np.asarray(self.tau) < 1):
            raise ValueError("tau must be >= 1 (iceberg trade costs)")
        require_shares("alpha", self.alpha, axis=1)
        require_shares("gamma", self.gamma, axis=1)
        tot = self.beta_l + self.beta_io.sum(axis=1)
        if np.max(np.abs(tot - 1)) > 1e-10 or np.any(self.beta_io < 0) or np.any(self.beta_l <= 0):
            raise ValueError("beta_l and beta_io must be shares: beta_l[r,i] + sum_j beta_io[r,j,i] = 1")

    @property
    def dims(self):
        """``(R, J, O, G)``."""
        return self.B.shape[0], self.gamma.shape[0], self.gamma.shape[1], self.L.shape[0]


def active_types(L, group_k):
    """Boolean (2,): which nationality types have positive labour."""
    L = np.asarray(L, dtype=float)
    return np.array([np.any(L[np.asarray(group_k) == k] > 0) for k in (0, 1)])


@dataclass
class LevelState:
    """Every endogenous variable of the level model at given prices (see :func:`evaluate_levels`)."""

    log_p: np.ndarray          # (R, 2, O)
    active: np.ndarray         # (2,)
    log_p_occ: np.ndarray      # (R, O)
    log_c: np.ndarray          # (N, J)
    log_P_sector: np.ndarray   # (N, J)
    log_P: np.ndarray          # (R,)
    pi: np.ndarray             # (J, N, N)
    phi: np.ndarray            # (R, G, O)
    wbar: np.ndarray           # (R, G)
    psi: np.ndarray            # (R, G)
    L_rgo: np.ndarray          # (R, G, O)
    V: np.ndarray              # (R, 2, O)
    VA: np.ndarray             # (R,)
    E: np.ndarray              # (N,)
    Y: np.ndarray              # (N, J)
    X: np.ndarray              # (N, J)
    demand: np.ndarray         # (R, 2, O)
    chi: np.ndarray            # (R, 2, O) price-based bill shares
    residual: np.ndarray       # (R, 2, O) log(demand / V) on active types, 0 elsewhere
    welfare_index: np.ndarray  # (G,)
    extras: dict = field(default_factory=dict)

    @property
    def max_residual(self) -> float:
        """Sup norm of the log occupation-market residual."""
        return float(np.max(np.abs(self.residual)))


def trade_cost_weights(f: Fundamentals):
    r"""The trade-cost part of the price-index weights, :math:`(\tau^i_{mr})^{-\theta^i}`, in linear form.

    Returns the pair of :func:`lib.foreign_employment.kernels.linear_weights` for
    :math:`-\theta^i\ln\tau^i_{mr}`.  It depends on ``tau`` and ``theta`` only, so a caller that
    evaluates the level model many times with the same trade costs (a calibration loop that moves
    productivities) computes it once and passes it to :func:`evaluate_levels`.
    """
    return linear_weights(-np.asarray(f.theta, dtype=float)[:, None, None] * np.log(f.tau))


def _price_weights(f: Fundamentals, tau_weights):
    """Linear weights :math:`T^i_m(\tau^i_{mr})^{-\theta^i}` as ``(W, shift)`` (see :func:`trade_cost_weights`)."""
    Wt, shift_t = trade_cost_weights(f) if tau_weights is None else tau_weights
    logT = np.log(np.asarray(f.T, dtype=float))
    top = np.max(logT, axis=1, keepdims=True)  # (J, 1)
    W = np.multiply(Wt, np.exp(logT - top)[:, :, None])
    return W, shift_t + top


def evaluate_levels(f: Fundamentals, log_p, *, active=None, lP0=None, Y0=None,
                    tau_weights=None, inner_tol: float = 1e-14) -> LevelState:
    r"""Evaluate the level model at given log service prices (paper L1-L17).

    Parameters
    ----------
    f : Fundamentals
    log_p : ndarray (R, 2, O)
        Log prices :math:`\ln p_r(k,o)`; ignored for inactive types.
    active : ndarray (2,) of bool, optional
        Default: types with positive labour.
    lP0, Y0 : optional warm starts.
    tau_weights : tuple, optional
        :func:`trade_cost_weights` of ``f``, when already computed (it does not depend on ``T``).
    inner_tol : float
        Tolerance of the two inner fixed points, prices (L4-L5, :func:`cost_and_price`) and goods
        markets (L13-L14, :func:`goods_market`). The default solves them exactly; a calibration
        loop far from its target may loosen it (its final evaluation should not).

    Returns
    -------
    LevelState
        With ``residual = log(demand / supply)`` of the native/foreign occupation
        markets (paper eq. 16).

    Raises
    ------
    ValueError
        If ``log_p`` does not have shape (R, 2, O) or ``active`` does not have shape (2,).
    """
    R, J, O, G = f.dims
    gk = np.asarray(f.group_k)
    active = active_types(f.L, gk) if active is None else np.asarray(active, dtype=bool)
    require_shape("active", active, (2,))
    log_p = np.asarray(log_p, dtype=float)
    require_shape("log_p", log_p, (R, 2, O))
    # (L2)-(L3): occupation prices and labour composite
    lpo = ces_log_price(log_p, f.xi, active=active)
    lrho = np.zeros((R + 1, J))
    lrho[1:] = lpo @ f.gamma.T
    # (L4)-(L6): costs, price indices, trade shares
    weights = _price_weights(f, tau_weights)
    lc, lPs, _ = cost_and_price(lrho, None, f.theta, f.beta_l, f.beta_io, lP0, weights=weights,
                                tol=inner_tol)
    pi = trade_shares(None, f.theta, lc, lPs, weights=weights)
    lP = np.sum(f.alpha[1:] * lPs[1:], axis=1)  # (L1)
    # (L7)-(L8): occupation choice and mean wages
    lw = np.log(f.S)[None, :, :] + log_p[:, gk, :]  # (R, G, O)
    lphi = log_softmax(f.zeta * lw, axis=-1)
    amax = np.max(f.zeta * lw, axis=-1)
    lwbar = np.log(gamma_fn(1 - 1 / f.zeta)) + (amax + np.log(np.sum(np.exp(f.zeta * lw - amax[..., None]), -1))) / f.zeta
    # (L9)-(L10): location choice
    a = np.log(f.B) + f.eta * (lwbar - lP[:, None])
    psi = np.exp(log_softmax(a, axis=0))
    phi = np.exp(lphi)
    L_rgo = (psi * f.L[None, :])[:, :, None] * phi
    wbar = np.exp(lwbar)
    # (L11)-(L12): wage bills, value added, spending
    onehot = np.eye(2)[gk]  # (G, 2)
    V = np.einsum("rgo,gk->rko", wbar[:, :, None] * L_rgo, onehot)
    VA = V.sum(axis=(1, 2))
    E = np.empty(R + 1)
    E[1:] = (1 + f.omega) * VA
    E[0] = f.VA0 - f.omega * VA.sum()
    # (L13)-(L14): goods markets
    Y, X, _ = goods_market(pi, f.beta_io, f.alpha, E, Y0, tol=inner_tol)
    # (L15) = paper eq. (16): demand for type-k services in (r, o)
    occ_bill = (f.beta_l[1:] * Y[1:]) @ f.gamma  # (R, O)
    lchi = (1 - f.xi) * (log_p - lpo[:, None, :])
    chi = np.where(active[None, :, None], np.exp(lchi), 0.0)
    demand = chi * occ_bill[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        res = np.where(active[None, :, None], np.log(demand / V), 0.0)
    # (L17): inclusive value (welfare up to the constant Gamma((eta-1)/eta))
    am = np.max(a, axis=0)
    welfare = np.exp((am + np.log(np.sum(np.exp(a - am), axis=0))) / f.eta)
    return LevelState(log_p, active, lpo, lc, lPs, lP, pi, phi, wbar, psi, L_rgo, V, VA, E, Y, X,
                      demand, chi, res, welfare)


def solve_levels(f: Fundamentals, log_p0=None, *, tol: float = 1e-12, max_iter: int = 5000) -> LevelState:
    r"""Solve the level equilibrium for a small economy (paper Definition 1).

    Finds :math:`\ln p_r(k,o)` of the active types that zero the occupation-market
    residual (paper eq. 16) with :func:`scipy.optimize.root` (Powell hybrid),
    then polishes with Newton steps.  Meant for the small economies that check
    the hat algebra (a few hundred unknowns at most); use the hat solver for
    counterfactuals at the paper's size.

    max_iter : int
        Maximum number of residual evaluations.

    Returns
    -------
    LevelState
        With ``extras = {"iterations", "seconds"}``.

    Raises
    ------
    ValueError
        If ``tol`` is not positive and finite, ``max_iter`` is not a positive integer, or
        ``log_p0`` does not have shape (R, 2, O).
    ConvergenceError
        If the residual stays above ``tol``.
    """
    from scipy.optimize import root

    require_positive("tol", tol, meaning="tolerance on the sup norm of the log market residual")
    if not float(max_iter).is_integer() or max_iter < 1:
        raise ValueError(f"max_iter = {max_iter!r} must be a positive integer (admissible range [1, inf))")
    R, J, O, G = f.dims
    active = active_types(f.L, f.group_k)
    log_p = np.zeros((R, 2, O)) if log_p0 is None else np.array(log_p0, dtype=float)
    require_shape("log_p0", log_p, (R, 2, O))
    mask = np.broadcast_to(active[None, :, None], log_p.shape)
    cache = {}
    tw = trade_cost_weights(f)

    def fun(z):
        lp = log_p.copy()
        lp[mask] = z
        st = evaluate_levels(f, lp, active=active, lP0=cache.get("lP"), Y0=cache.get("Y"), tau_weights=tw)
        cache["lP"], cache["Y"] = st.log_P_sector, st.Y
        return st.residual[mask]

    t0 = time.perf_counter()
    sol = root(fun, log_p[mask], method="hybr", options={"xtol": 1e-14, "maxfev": int(max_iter)})
    lp = log_p.copy()
    lp[mask] = sol.x
    st = evaluate_levels(f, lp, active=active, tau_weights=tw)
    if st.max_residual > tol:
        raise ConvergenceError(
            f"solve_levels: residual {st.max_residual:.3e} > tol {tol:.1e} after {sol.nfev} "
            f"evaluations ({sol.message})", st.max_residual, int(sol.nfev))
    st.extras.update(iterations=int(sol.nfev), seconds=time.perf_counter() - t0)
    return st
