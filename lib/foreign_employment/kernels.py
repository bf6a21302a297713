r"""Equation blocks shared by the level model and the hat model of Doi & Suzuki (2025).

Array conventions (``N = R + 1`` regions, row 0 is the rest of the world):

* ``weights[i, m, r]``: origin ``m``'s weight in destination ``r``'s price index of
  sector ``i``; in levels :math:`T^i_m(\tau^i_{mr})^{-\theta^i}`, in changes the
  base trade share :math:`\pi^i_{mr}` (paper eqs. 5-6 and their hats).
* ``beta_io[r, j, i]``: share of input ``j`` in sector ``i``'s costs in region ``r``
  (the paper's :math:`\beta^{j,i}`); ``beta_l[r, i]`` the labour share, so that
  ``beta_l[r, i] + beta_io[r, :, i].sum() == 1``.
* ``alpha[r, i]``: final-demand shares.

Every block is written so that the *same* code serves the levels (weights =
fundamentals, logs of levels) and the hats (weights = base shares, logs of hats).
"""
from __future__ import annotations

import numpy as np

from ..core.errors import ConvergenceError

__all__ = ["ces_log_price", "cost_and_price", "trade_shares", "goods_market", "log_softmax"]


def log_softmax(a, axis=-1):
    """Return ``log(exp(a) / exp(a).sum(axis))`` computed stably."""
    a = np.asarray(a, dtype=float)
    amax = np.max(a, axis=axis, keepdims=True)
    z = a - amax
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def ces_log_price(log_p, xi: float, weights=None, active=None):
    r"""Log occupation price from native and foreign service prices (paper L2 / H1).

    .. math:: \hat p_r(o)=\Big(\sum_k \chi_r(k,o)\hat p_r(k,o)^{1-\xi}\Big)^{\frac1{1-\xi}}

    Parameters
    ----------
    log_p : ndarray (..., 2, O)
        Log prices (levels) or log changes (hats) by nationality ``k``.
    xi : float
        Elasticity of substitution, ``> 1`` (an inactive type then has an infinite price).
    weights : ndarray (..., 2, O), optional
        Base bill shares :math:`\chi` (hats); ones for levels.
    active : sequence of bool, length 2, optional
        Types with positive labour; inactive types drop out (price :math:`+\infty`).

    Returns
    -------
    ndarray (..., O)
    """
    a = (1.0 - xi) * np.asarray(log_p, dtype=float)
    if weights is not None:
        a = a + np.log(weights)
    if active is not None:
        a = np.where(np.asarray(active, dtype=bool)[:, None], a, -np.inf)
    amax = np.max(a, axis=-2, keepdims=True)
    s = np.log(np.sum(np.exp(a - amax), axis=-2)) + amax[..., 0, :]
    return s / (1.0 - xi)


def cost_and_price(log_rho, log_weights, theta, beta_l, beta_io, lP0=None, *, tol: float = 1e-14,
                   max_iter: int = 5000):
    r"""Input-bundle costs and sector price indices (paper eqs. 2 and 5; H3-H4).

    Solves jointly, by a contraction with modulus :math:`\max_i\sum_j\beta^{j,i}<1`,

    .. math::
       \ln c^i_r = \beta^{\ell,i}_r\ln\rho^{\ell,i}_r + \sum_j\beta^{j,i}_r\ln P^j_r,\qquad
       \ln P^i_r = -\tfrac1{\theta^i}\ln\sum_m w^i_{mr}\,e^{-\theta^i\ln c^i_m}.

    Parameters
    ----------
    log_rho : ndarray (N, J)
        Log labour-composite prices (RoW row fixed by the numéraire).
    log_weights : ndarray (J, N, N)
        Log of ``weights[i, m, r]`` (zero weights allowed as ``-inf``).
    theta : ndarray (J,)
        Trade elasticities.
    beta_l : ndarray (N, J); beta_io : ndarray (N, J, J)
    lP0 : ndarray (N, J), optional
        Warm start.

    Returns
    -------
    log_c, log_P : ndarray (N, J)
    iterations : int

    Raises
    ------
    ConvergenceError
        If the contraction does not converge (it always does when the input
        shares sum to less than one) or produces non-finite values.
    """
    theta = np.asarray(theta, dtype=float)
    lP = np.zeros_like(log_rho) if lP0 is None else np.array(lP0, dtype=float)
    base = beta_l * log_rho
    bio_t = np.transpose(beta_io, (0, 2, 1))  # [r, i, j]
    for it in range(1, max_iter + 1):
        lc = base + np.matmul(bio_t, lP[:, :, None])[:, :, 0]
        a = log_weights - (theta[:, None] * lc.T)[:, :, None]  # [i, m, r]
        amax = np.max(a, axis=1, keepdims=True)
        s = np.log(np.sum(np.exp(a - amax), axis=1)) + amax[:, 0, :]  # [i, r]
        lP_new = -(s / theta[:, None]).T
        err = np.max(np.abs(lP_new - lP))
        lP = lP_new
        if not np.isfinite(err):
            raise ConvergenceError(f"cost_and_price: non-finite price index at iteration {it}",
                                   float("inf"), it)
        if err <= tol:
            lc = base + np.matmul(bio_t, lP[:, :, None])[:, :, 0]
            return lc, lP, it
    raise ConvergenceError(f"cost_and_price did not converge: change {err:.3e} after {max_iter} iterations",
                           float(err), max_iter)


def trade_shares(log_weights, theta, log_c, log_P):
    r"""Trade shares :math:`\pi^i_{mr}=w^i_{mr}(c^i_m)^{-\theta^i}(P^i_r)^{\theta^i}` (paper eq. 6; H5).

    Returns
    -------
    ndarray (J, N, N)
        ``pi[i, m, r]``; columns sum to one when ``log_P`` solves :func:`cost_and_price`.
    """
    theta = np.asarray(theta, dtype=float)
    return np.exp(log_weights - theta[:, None, None] * (log_c.T[:, :, None] - log_P.T[:, None, :]))


def goods_market(pi, beta_io, alpha, E, Y0=None, *, tol: float = 1e-14, max_iter: int = 10000):
    r"""Gross output from the goods-market conditions (paper eqs. 14-15; H13-H14).

    .. math:: X^i_r=\sum_j\beta^{i,j}_rY^j_r+\alpha^i_rE_r,\qquad Y^i_r=\sum_m\pi^i_{rm}X^i_m.

    Solved by the convergent iteration :math:`Y\leftarrow\pi(\beta Y+\alpha E)`
    (modulus the largest intermediate-input share), warm-started from ``Y0``.

    Returns
    -------
    Y, X : ndarray (N, J)
    iterations : int
    """
    ext = alpha * E[:, None]
    Y = ext.copy() if Y0 is None else np.array(Y0, dtype=float)
    scale = max(float(np.max(np.abs(ext))), 1e-300)
    for it in range(1, max_iter + 1):
        X = np.matmul(beta_io, Y[:, :, None])[:, :, 0] + ext
        Y_new = np.matmul(pi, X.T[:, :, None])[:, :, 0].T
        err = np.max(np.abs(Y_new - Y)) / max(scale, float(np.max(np.abs(Y_new))))
        Y = Y_new
        if not np.isfinite(err):
            raise ConvergenceError(
                f"goods_market: output became non-finite at iteration {it} (the shock drives a "
                f"price or wage to 0 or inf)", float("inf"), it)
        if err <= tol:
            X = np.matmul(beta_io, Y[:, :, None])[:, :, 0] + ext
            return Y, X, it
    raise ConvergenceError(f"goods_market did not converge: change {err:.3e} after {max_iter} iterations",
                           float(err), max_iter)
