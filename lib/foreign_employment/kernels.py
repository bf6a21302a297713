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

__all__ = ["ces_log_price", "cost_and_price", "trade_shares", "goods_market", "log_softmax", "linear_weights",
           "trade_factors"]


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


def linear_weights(log_weights):
    r"""Weights in linear form, scaled by destination: ``(W, shift)`` with ``W = exp(log_weights - shift)``.

    ``shift[i, r]`` is the largest log weight into destination ``r`` of sector ``i``, so every
    column of ``W[i]`` has largest entry one and nothing overflows.  Computing this once per
    equilibrium evaluation (instead of one ``exp`` over all ``J x N x N`` trade cells in every
    iteration of the price contraction) is what makes :func:`cost_and_price` a sequence of
    matrix-vector products.

    Parameters
    ----------
    log_weights : ndarray (J, N, N)
        ``log weights[i, m, r]``; ``-inf`` for a zero weight.

    Returns
    -------
    W : ndarray (J, N, N)
    shift : ndarray (J, N)
    """
    log_weights = np.asarray(log_weights, dtype=float)
    shift = np.max(log_weights, axis=1)
    shift = np.where(np.isfinite(shift), shift, 0.0)
    W = np.subtract(log_weights, shift[:, None, :])
    np.exp(W, out=W)
    return W, shift


def _as_linear(log_weights, weights):
    """``(W, shift)`` from ``weights`` (an array, taken as exact with no shift, or a pair) or from logs."""
    if weights is None:
        return linear_weights(log_weights)
    if isinstance(weights, tuple):
        return weights
    W = np.asarray(weights, dtype=float)
    return W, np.zeros((W.shape[0], W.shape[2]))


def _accelerated_fixed_point(G, x, tol, max_iter, name, memory=5, measure=None):
    """Solve ``x = G(x)`` to a change of ``tol`` with safeguarded Anderson mixing (type II).

    Anderson extrapolation on top of a contraction: when the change grows to more than twice the
    smallest seen, the memory is cleared and the plain step taken, so the iteration never does
    much worse than the contraction.  ``measure(x_new, x)`` is the change used for stopping
    (default: the sup norm of the difference).  Returns ``(x, aux, iterations)`` where ``aux`` is
    whatever ``G`` returned beside the new point at the last evaluation.
    """
    d_f, d_g = [], []  # differences of successive residuals f = G(x) - x and images G(x), flattened
    f_prev = g_prev = None
    best = np.inf
    err = np.inf
    for it in range(1, max_iter + 1):
        g, aux = G(x)
        err = float(np.max(np.abs(g - x))) if measure is None else float(measure(g, x))
        if not np.isfinite(err):
            raise ConvergenceError(f"{name}: non-finite values at iteration {it} (the shock drives a price, "
                                   "wage or output to 0 or inf)", float("inf"), it)
        if err <= tol:
            return g, aux, it
        if memory <= 0:
            x = g
            continue
        f = (g - x).ravel()
        if err > 2.0 * best:  # extrapolation went astray: restart from the plain step
            d_f, d_g, f_prev = [], [], None
        best = min(best, err)
        if f_prev is not None:
            d_f.append(f - f_prev)
            d_g.append(g.ravel() - g_prev)
            if len(d_f) > memory:
                d_f.pop(0)
                d_g.pop(0)
        f_prev, g_prev = f, g.ravel().copy()
        if not d_f:
            x = g
            continue
        DF = np.array(d_f)  # (m, n)
        H = DF @ DF.T
        H[np.diag_indices_from(H)] += 1e-13 * max(float(np.trace(H)), 1e-300)
        try:
            gam = np.linalg.solve(H, DF @ f)
        except np.linalg.LinAlgError:
            x = g
            continue
        x = (g_prev - gam @ np.array(d_g)).reshape(g.shape)
    raise ConvergenceError(f"{name} did not converge: change {err:.3e} after {max_iter} iterations",
                           float(err), max_iter)


# Below this many trade cells (J x N x N) an iteration is so cheap that Anderson's bookkeeping
# costs more than the iterations it saves.
_ACCELERATE_CELLS = 100_000


def cost_and_price(log_rho, log_weights, theta, beta_l, beta_io, lP0=None, *, tol: float = 1e-14,
                   max_iter: int = 5000, weights=None, accelerate=None):
    r"""Input-bundle costs and sector price indices (paper eqs. 2 and 5; H3-H4).

    Solves jointly, by a contraction with modulus :math:`\max_i\sum_j\beta^{j,i}<1`,

    .. math::
       \ln c^i_r = \beta^{\ell,i}_r\ln\rho^{\ell,i}_r + \sum_j\beta^{j,i}_r\ln P^j_r,\qquad
       \ln P^i_r = -\tfrac1{\theta^i}\ln\sum_m w^i_{mr}\,e^{-\theta^i\ln c^i_m}.

    Each iteration is one matrix-vector product per sector, :math:`\sum_m w^i_{mr}v^i_m` with
    :math:`v^i_m=e^{-\theta^i(\ln c^i_m-\min_{m'}\ln c^i_{m'})}\le1` (the weights are exponentiated
    once, not in every iteration); large economies add safeguarded Anderson mixing.  Should a
    destination's sum underflow (extreme costs), the iteration falls back to a log-sum-exp over
    the trade cells.

    Parameters
    ----------
    log_rho : ndarray (N, J)
        Log labour-composite prices (RoW row fixed by the numéraire).
    log_weights : ndarray (J, N, N) or None
        Log of ``weights[i, m, r]`` (zero weights allowed as ``-inf``); may be ``None`` when
        ``weights`` is given.
    theta : ndarray (J,)
        Trade elasticities.
    beta_l : ndarray (N, J); beta_io : ndarray (N, J, J)
    lP0 : ndarray (N, J), optional
        Warm start.
    weights : ndarray (J, N, N) or tuple, optional
        The weights in linear form: an array (for hats, the base trade shares), or the pair
        returned by :func:`linear_weights`. Saves one ``exp`` over the trade cells per call.
    accelerate : bool, optional
        Anderson mixing on top of the contraction; default: only for more than
        100,000 trade cells.

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
    log_rho = np.asarray(log_rho, dtype=float)
    W, shift = _as_linear(log_weights, weights)
    lP = np.zeros_like(log_rho) if lP0 is None else np.array(lP0, dtype=float)
    base = beta_l * log_rho
    bio_t = np.ascontiguousarray(np.transpose(beta_io, (0, 2, 1)))  # [r, i, j]
    th = theta[:, None]
    lse = {}

    def costs(lP):
        return base + np.matmul(bio_t, lP[:, :, None])[:, :, 0]

    def G(lP):
        lc = costs(lP)
        z = -(th * lc.T)  # (J, N)
        zmax = np.max(z, axis=1, keepdims=True)
        v = np.exp(z - zmax)
        s = np.matmul(v[:, None, :], W)[:, 0, :]  # (J, N): sum_m v[i, m] W[i, m, r]
        if not np.all(s > 1e-250):  # underflow (or nan): the exact log-sum-exp for this evaluation
            if "log" not in lse:
                with np.errstate(divide="ignore"):
                    lse["log"] = (np.log(W) + shift[:, None, :]
                                  if log_weights is None else np.asarray(log_weights, dtype=float))
            a = lse["log"] - (th * lc.T)[:, :, None]
            amax = np.max(a, axis=1, keepdims=True)
            with np.errstate(invalid="ignore"):
                ls = np.log(np.sum(np.exp(a - amax), axis=1)) + amax[:, 0, :]
        else:
            ls = np.log(s) + zmax + shift
        return -(ls / th).T, None

    if accelerate is None:
        accelerate = W.size > _ACCELERATE_CELLS
    lP, _, it = _accelerated_fixed_point(G, lP, tol, max_iter, "cost_and_price",
                                         memory=5 if accelerate else 0)
    return costs(lP), lP, it


def trade_factors(weights, theta, log_c, log_P):
    r"""Origin and destination factors of the trade shares: ``pi = W * origin[:, :, None] * dest[:, None, :]``.

    ``weights`` is linear (an array or the pair of :func:`linear_weights`). Returns
    ``(W, origin, dest)``, or ``None`` if a destination factor overflows (then use the log form).
    """
    W, shift = _as_linear(None, weights)
    th = np.asarray(theta, dtype=float)[:, None]
    z = -(th * np.asarray(log_c, float).T)
    zmax = np.max(z, axis=1, keepdims=True)
    origin = np.exp(z - zmax)  # (J, N), <= 1
    with np.errstate(over="ignore"):
        dest = np.exp(shift + zmax + th * np.asarray(log_P, float).T)  # (J, N)
    if not np.all(np.isfinite(dest)):
        return None
    return W, origin, dest


def trade_shares(log_weights, theta, log_c, log_P, *, weights=None):
    r"""Trade shares :math:`\pi^i_{mr}=w^i_{mr}(c^i_m)^{-\theta^i}(P^i_r)^{\theta^i}` (paper eq. 6; H5).

    With ``weights`` (linear weights, as for :func:`cost_and_price`) the shares are the weights
    scaled by an origin and a destination factor (:func:`trade_factors`): no ``exp`` over the
    trade cells.

    Returns
    -------
    ndarray (J, N, N)
        ``pi[i, m, r]``; columns sum to one when ``log_P`` solves :func:`cost_and_price`.
    """
    theta = np.asarray(theta, dtype=float)
    if weights is None and log_weights is None:
        raise ValueError("trade_shares needs log_weights or weights")
    if weights is not None:
        fac = trade_factors(weights, theta, log_c, log_P)
        if fac is not None:
            W, origin, dest = fac
            out = np.multiply(W, origin[:, :, None])
            out *= dest[:, None, :]
            return out
        if log_weights is None:
            W, shift = _as_linear(None, weights)
            with np.errstate(divide="ignore"):
                log_weights = np.log(W) + shift[:, None, :]
    return np.exp(log_weights - theta[:, None, None] * (log_c.T[:, :, None] - log_P.T[:, None, :]))


def goods_market(pi, beta_io, alpha, E, Y0=None, *, tol: float = 1e-14, max_iter: int = 10000,
                 factors=None, accelerate=None):
    r"""Gross output from the goods-market conditions (paper eqs. 14-15; H13-H14).

    .. math:: X^i_r=\sum_j\beta^{i,j}_rY^j_r+\alpha^i_rE_r,\qquad Y^i_r=\sum_m\pi^i_{rm}X^i_m.

    Solved by the convergent iteration :math:`Y\leftarrow\pi(\beta Y+\alpha E)`
    (modulus the largest intermediate-input share), warm-started from ``Y0``; large economies
    add safeguarded Anderson mixing (for this linear map, a restarted Krylov method).

    Parameters
    ----------
    pi : ndarray (J, N, N) or None
        Trade shares ``pi[i, m, r]``; may be ``None`` when ``factors`` is given.
    factors : tuple, optional
        ``(W, origin, dest)`` with ``pi = W * origin[:, :, None] * dest[:, None, :]`` (as built
        by :func:`trade_shares` from linear weights): the iteration then never forms ``pi``.
    accelerate : bool, optional
        Default: only for more than 100,000 trade cells.

    Returns
    -------
    Y, X : ndarray (N, J)
    iterations : int
    """
    ext = alpha * np.asarray(E, dtype=float)[:, None]
    Y = ext.copy() if Y0 is None else np.array(Y0, dtype=float)
    scale = max(float(np.max(np.abs(ext))), 1e-300)
    bio = np.ascontiguousarray(beta_io)
    if factors is not None:
        W, origin, dest = factors

        def apply_pi(X):  # (J, N) -> (J, N)
            return origin * np.matmul(W, (dest * X)[:, :, None])[:, :, 0]
        cells = W.size
    else:
        def apply_pi(X):
            return np.matmul(pi, X[:, :, None])[:, :, 0]
        cells = pi.size

    def G(Y):
        X = np.matmul(bio, Y[:, :, None])[:, :, 0] + ext
        return apply_pi(X.T).T, None

    def measure(Y_new, Y):
        return np.max(np.abs(Y_new - Y)) / max(scale, float(np.max(np.abs(Y_new))))

    if accelerate is None:
        accelerate = cells > _ACCELERATE_CELLS
    Y, _, it = _accelerated_fixed_point(G, Y, tol, max_iter, "goods_market", memory=5 if accelerate else 0,
                                        measure=measure)
    X = np.matmul(bio, Y[:, :, None])[:, :, 0] + ext
    return Y, X, it
