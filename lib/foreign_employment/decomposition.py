r"""Channel decomposition of Doi & Suzuki (2025) counterfactuals: re-solve with one margin frozen at a time.

A counterfactual :math:`\hat L(k,s)` reaches natives through five margins of the hat system
(chapter page "The equilibrium in changes", equations H1-H15).  Each can be *switched off* by
replacing one equation with "this margin does not adjust":

``migration``
    (H9) natives and foreigners do not move across prefectures: :math:`\hat\psi_r(k,s)=1`.
    Welfare is then the mean log real-wage change, :math:`\sum_r\psi_r\ln(\hat{\bar w}_r/\hat P_r)`
    (the :math:`\eta\to0` limit of H16).
``occupation``
    (H7-H8) workers do not switch occupations: :math:`\hat\varphi=1`; the wage bill of each
    (group, occupation) cell moves with its own service price :math:`\hat p_r(k,o)`, so a group's
    mean wage changes by the bill-weighted mean :math:`\hat{\bar w}=\sum_o\varphi\hat p(k,o)`.
``io``
    (H3) input-output *price* linkages: the cost of a bundle ignores changes in the prices of
    intermediate inputs, :math:`\hat c^i_r=(\hat\rho^{\ell,i}_r)^{\beta^{\ell,i}_r}`.
    (Intermediate *quantities* in H13 are kept, so the base year stays an equilibrium.)
``trade``
    (H4-H5) no expenditure switching between origins: :math:`\pi'=\pi`, and price indices are
    the :math:`\pi`-weighted geometric means of cost changes (the :math:`\theta\to0` limit).
``variety``
    (H1) the love-of-variety term of the native/foreign CES: when a type disappears, the
    occupation price index is computed with the bill shares :math:`\chi` renormalised over the
    surviving types, so that losing a *distinct* input (beyond the lost quantity) does not raise
    costs.  Only matters when a type's mass goes to zero (autarky).

With every margin on, :func:`solve_switched` reproduces :func:`lib.foreign_employment.hat.solve_hat`.
With every margin off the shock still moves outcomes: the *direct effect* of losing (or gaining)
the foreign services at frozen allocations and trade shares.

:func:`decompose` reports both the one-at-a-time contributions (total minus the result with
that margin off), which do not add up because the model is non-linear, and Shapley
contributions (the average of a margin's marginal effect over all orders in which margins are
switched on), which add up exactly: ``direct + sum(shapley) == total``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from ..core.errors import ConvergenceError
from ..core.fixed_point import anderson_solve
from .counterfactuals import group_masks
from .hat import BaseYear
from .kernels import cost_and_price, goods_market, log_softmax, trade_shares
from .levels import active_types, check_parameters

__all__ = ["CHANNELS", "CHANNEL_LABELS", "SwitchedSolution", "evaluate_switched", "solve_switched",
           "outcomes", "decompose", "Decomposition"]

CHANNELS = ("migration", "occupation", "io", "trade", "variety")
CHANNEL_LABELS = {
    "migration": "internal migration (H9)",
    "occupation": "occupation switching (H7-H8)",
    "io": "input-output price links (H3)",
    "trade": "trade re-allocation (H4-H5)",
    "variety": "native/foreign variety (H1)",
}


def _check_off(off):
    off = frozenset(off)
    bad = off - set(CHANNELS)
    if bad:
        raise ValueError(f"unknown channel(s) {sorted(bad)}; channels are {list(CHANNELS)}")
    return off


@dataclass
class SwitchedSolution:
    """A counterfactual with some margins frozen.  Arrays as in :class:`lib.foreign_employment.hat.HatSolution`."""

    x: np.ndarray
    off: frozenset
    p_occ_hat: np.ndarray
    P_hat: np.ndarray
    w_hat: np.ndarray
    phi_new: np.ndarray
    psi_new: np.ndarray
    L_new: np.ndarray
    V_new: np.ndarray
    VA_new: np.ndarray
    Y_new: np.ndarray
    pi_new: np.ndarray
    U_hat: np.ndarray
    residual: float
    excess: np.ndarray = field(repr=False, default=None)
    iterations: int = 0


def evaluate_switched(base: BaseYear, x, L_hat, *, eta, zeta, xi, off=()):
    r"""Evaluate (H1)-(H16) at trial log service-price changes ``x`` with the margins in ``off`` frozen.

    Returns a :class:`SwitchedSolution` whose ``excess`` is :math:`\ln(\text{demand}/V')` of (H15).
    """
    off = _check_off(off)
    R, J, O, G = base.dims
    L_hat = np.asarray(L_hat, dtype=float)
    active = active_types(base.L_g * L_hat, base.group_k)
    xa = np.where(active[None, :, None], np.where(np.isfinite(x), x, 0.0), 0.0)
    # (H1) occupation price; variety off: shares renormalised over surviving types
    chi = np.where(active[None, :, None], base.chi, 0.0)
    if "variety" in off:
        chi = chi / chi.sum(axis=1, keepdims=True)
    lpo = np.log(np.sum(chi * np.exp((1 - xi) * xa), axis=1)) / (1 - xi)
    # (H2)
    lrho = np.zeros((R + 1, J))
    lrho[1:] = lpo @ base.gamma.T
    # (H3)-(H6)
    bio = np.zeros_like(base.beta_io) if "io" in off else base.beta_io
    if "trade" in off:
        lPs = np.zeros((R + 1, J))
        pi_t = np.transpose(base.pi, (0, 2, 1))  # [i, r, m]
        for _ in range(10_000):
            lc = base.beta_l * lrho + np.einsum("rji,rj->ri", bio, lPs)
            new = np.einsum("irm,mi->ri", pi_t, lc)
            if np.max(np.abs(new - lPs)) < 1e-15:
                lPs = new
                break
            lPs = new
        lc = base.beta_l * lrho + np.einsum("rji,rj->ri", bio, lPs)
        pi_new = base.pi
    else:
        lc, lPs, _ = cost_and_price(lrho, None, base.theta, base.beta_l, bio, tol=1e-15, weights=base.pi)
        pi_new = trade_shares(None, base.theta, lc, lPs, weights=base.pi)
    lP = np.sum(base.alpha[1:] * lPs[1:], axis=1)
    # (H7)-(H10)
    gk = base.group_k
    xg = xa[:, gk, :]
    if "occupation" in off:
        phi_new = base.phi.copy()
        lw = np.log(np.sum(base.phi * np.exp(xg), axis=-1))
    else:
        a = np.log(base.phi) + zeta * xg
        amax = np.max(a, axis=-1, keepdims=True)
        lw = (np.log(np.sum(np.exp(a - amax), axis=-1)) + amax[..., 0]) / zeta
        phi_new = np.exp(a - zeta * lw[..., None])
    lreal = lw - lP[:, None]
    if "migration" in off:
        psi_new = base.psi.copy()
        U_hat = np.exp(np.sum(base.psi * lreal, axis=0))
    else:
        b = np.log(base.psi) + eta * lreal
        psi_new = np.exp(log_softmax(b, axis=0))
        bmax = np.max(b, axis=0)
        U_hat = np.exp((np.log(np.sum(np.exp(b - bmax), axis=0)) + bmax) / eta)
    L_new = (psi_new * (base.L_g * L_hat)[None, :])[:, :, None] * phi_new
    # (H11)-(H12)
    w_new = base.wbar * np.exp(lw)
    # with frozen occupations each cell's bill moves with its own service price, not the mean wage
    cell_wage = base.wbar[:, :, None] * (np.exp(xg) if "occupation" in off else np.exp(lw)[:, :, None])
    V_new = np.einsum("rgo,gk->rko", cell_wage * L_new, np.eye(2)[gk])
    VA_new = V_new.sum(axis=(1, 2))
    E_new = np.empty(R + 1)
    E_new[1:] = (1 + base.omega) * VA_new
    E_new[0] = base.VA0 - base.omega * VA_new.sum()
    # (H13)-(H14): intermediate quantities always use the base input shares
    Y_new, _, _ = goods_market(pi_new, base.beta_io, base.alpha, E_new, base.Y, tol=1e-15)
    # (H15)
    occ_bill = (base.beta_l[1:] * Y_new[1:]) @ base.gamma
    share = chi * np.exp((1 - xi) * (xa - lpo[:, None, :]))
    demand = share * occ_bill[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ex = np.where(active[None, :, None], np.log(demand / V_new), 0.0)
    return SwitchedSolution(np.where(active[None, :, None], xa, np.inf), off, np.exp(lpo), np.exp(lP),
                            np.exp(lw), phi_new, psi_new, L_new, V_new, VA_new, Y_new, pi_new, U_hat,
                            float(np.max(np.abs(ex))), ex)


def solve_switched(base: BaseYear, L_hat, *, eta: float, zeta: float, xi: float, off=(), x0=None,
                   tol: float = 1e-11, max_iter: int = 3000) -> SwitchedSolution:
    """Solve the hat system with the margins in ``off`` frozen (see the module docstring).

    Raises
    ------
    ValueError
        For an unknown channel or inadmissible elasticities.
    ConvergenceError
        If the (H15) residual does not fall below ``tol``.
    """
    eta, zeta, xi, _ = check_parameters(eta, zeta, xi)
    off = _check_off(off)
    R, J, O, G = base.dims
    L_hat = np.asarray(L_hat, dtype=float)
    active = active_types(base.L_g * L_hat, base.group_k)
    mask = np.broadcast_to(active[None, :, None], (R, 2, O))
    x = np.zeros((R, 2, O)) if x0 is None else np.where(np.isfinite(x0), x0, 0.0)
    e_occ = 0.0 if "occupation" in off else zeta
    e_mig = 0.0 if "migration" in off else eta

    def step(z):
        xx = x.copy()
        xx[mask] = z
        s = evaluate_switched(base, xx, L_hat, eta=eta, zeta=zeta, xi=xi, off=off)
        V = s.V_new
        with np.errstate(invalid="ignore", divide="ignore"):
            chi_now = V / np.maximum(V.sum(axis=1, keepdims=True), 1e-300)
            phi_now = V / np.maximum(V.sum(axis=2, keepdims=True), 1e-300)
            tot = V.sum(axis=2)
            psi_now = tot / np.maximum(tot.sum(axis=0, keepdims=True), 1e-300)
        own = ((xi - 1) * (1 - chi_now) + 1 + e_occ * (1 - phi_now)
               + e_mig * phi_now * (1 - psi_now[:, :, None]))
        return (s.excess / np.where(mask, own, 1.0))[mask], s.residual

    res = anderson_solve(step, x[mask], tol=tol, max_iter=max_iter, memory=10, raise_on_failure=False)
    x[mask] = res.x
    sol = evaluate_switched(base, x, L_hat, eta=eta, zeta=zeta, xi=xi, off=off)
    sol.iterations = res.iterations
    if not sol.residual <= 10 * tol:
        raise ConvergenceError(f"solve_switched (off={sorted(off)}): residual {sol.residual:.3e} > tol {tol:.1e}",
                               sol.residual, res.iterations)
    return sol


def outcomes(base: BaseYear, sol, groups=None) -> dict:
    """Headline outcomes in percent: GDP, manufacturing and services value added, native welfare means.

    ``sol`` is a :class:`SwitchedSolution` or a :class:`~lib.foreign_employment.hat.HatSolution`.
    """
    R, J, O, G = base.dims
    lab = base.labels
    groups = list(groups if groups is not None else lab.get("groups", [f"g{g}" for g in range(G)]))
    manu = np.asarray(lab.get("manufacturing", np.arange(J) < J // 2), bool)
    va_old = base.beta_l[1:] * base.Y[1:]
    va_new = base.beta_l[1:] * sol.Y_new[1:]
    native = base.group_k == 0
    w = 100 * (sol.U_hat - 1)
    out = {"GDP": 100 * (sol.VA_new.sum() / base.VA.sum() - 1),
           "manufacturing": 100 * (va_new[:, manu].sum() / va_old[:, manu].sum() - 1) if manu.any() else np.nan,
           "services": 100 * (va_new[:, ~manu].sum() / va_old[:, ~manu].sum() - 1) if (~manu).any() else np.nan,
           "native welfare": float(w[native].mean())}
    try:
        mk = group_masks(groups)
        out["low-skilled native welfare"] = float(w[native & mk["LS"]].mean())
        out["high-skilled native welfare"] = float(w[native & mk["HS"]].mean())
    except ValueError:
        pass
    return {k: float(v) for k, v in out.items()}


@dataclass
class Decomposition:
    """Result of :func:`decompose`.

    Attributes
    ----------
    total : dict
        Outcomes with every margin on (the model's answer).
    direct : dict
        Outcomes with every margin in ``channels`` off.
    without : dict of dict
        Outcomes with one margin off (the others on).
    one_at_a_time : pandas.DataFrame
        ``total - without[c]`` by channel (rows) and outcome (columns), plus an ``interaction``
        row: ``total - direct - sum(one_at_a_time)`` (zero only in an additive model).
    shapley : pandas.DataFrame
        Shapley contributions by channel, plus ``direct`` and ``total`` rows; the channels and
        ``direct`` add up to ``total`` exactly.
    solves : int
    """

    total: dict
    direct: dict
    without: dict
    one_at_a_time: pd.DataFrame
    shapley: pd.DataFrame
    solves: int


def decompose(base: BaseYear, L_hat, *, eta: float, zeta: float, xi: float, channels=CHANNELS,
              shapley: bool = True, tol: float = 1e-11) -> Decomposition:
    """Decompose a counterfactual's headline outcomes into the margins in ``channels``.

    One-at-a-time: re-solve with each margin off.  Shapley (``shapley=True``): solve every one
    of the :math:`2^n` on/off combinations and average each margin's marginal contribution over
    the orders of switching margins on.  Each solve warm-starts from the full solution.

    Raises
    ------
    ValueError
        For an unknown channel.
    """
    channels = tuple(channels)
    _check_off(channels)
    cache = {}
    full = solve_switched(base, L_hat, eta=eta, zeta=zeta, xi=xi, off=(), tol=tol)

    def value(on):
        key = frozenset(on)
        if key not in cache:
            off = set(channels) - set(key)
            s = full if not off else solve_switched(base, L_hat, eta=eta, zeta=zeta, xi=xi, off=off,
                                                    x0=full.x, tol=tol)
            cache[key] = outcomes(base, s)
        return cache[key]

    total = value(channels)
    direct = value(())
    without = {c: value(tuple(d for d in channels if d != c)) for c in channels}
    names = list(total)
    oat = pd.DataFrame({c: {k: total[k] - without[c][k] for k in names} for c in channels}).T
    oat.loc["interaction"] = pd.Series({k: total[k] - direct[k] for k in names}) - oat.loc[list(channels)].sum()
    sh = None
    if shapley:
        n = len(channels)
        rows = {}
        for c in channels:
            others = [d for d in channels if d != c]
            acc = {k: 0.0 for k in names}
            for size in range(n):
                wgt = factorial(size) * factorial(n - size - 1) / factorial(n)
                for S in combinations(others, size):
                    with_c, without_c = value(S + (c,)), value(S)
                    for k in names:
                        acc[k] += wgt * (with_c[k] - without_c[k])
            rows[c] = acc
        sh = pd.DataFrame(rows).T
        sh.loc["direct"] = pd.Series(direct)
        sh.loc["total"] = pd.Series(total)
    return Decomposition(total, direct, without, oat, sh, len(cache))
