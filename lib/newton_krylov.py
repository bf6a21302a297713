"""Accelerated root finders for large equilibrium systems: safeguarded Anderson mixing and Newton–Krylov.

Many equilibria are found by a *preconditioned* tâtonnement

.. math:: x_{n+1} = x_n + \\lambda\\, D(x_n)^{-1} F(x_n),

where :math:`F` is excess demand and :math:`D` a cheap diagonal guess of its
Jacobian.  The plain iteration converges linearly and often slowly.  Anderson
mixing (Walker & Ni 2011) reuses the last ``memory`` steps to extrapolate; it is
a quasi-Newton method that needs no Jacobian.  This module wraps it with the
safeguards a production solver needs (restart from the best iterate when the
residual blows up, halving the mixing weight) and returns the book's
:class:`lib.fixed_point.FixedPointResult`.  :func:`newton_krylov_solve` wraps
:func:`scipy.optimize.newton_krylov` with the same result object.

The module imports no paper.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .fixed_point import ConvergenceError, FixedPointResult

__all__ = ["anderson_solve", "newton_krylov_solve"]


def anderson_solve(step: Callable, x0, *, tol: float = 1e-10, max_iter: int = 2000,
                   memory: int = 10, mixing: float = 1.0, blowup: float = 10.0,
                   min_mixing: float = 1e-4, raise_on_failure: bool = True) -> FixedPointResult:
    r"""Solve :math:`F(x)=0` by Anderson mixing on a preconditioned step.

    Parameters
    ----------
    step : callable
        ``step(x) -> (dx, residual)``: ``dx`` is the preconditioned step (the
        plain iteration is ``x + dx``) and ``residual`` the scalar convergence
        measure (for example the sup norm of log excess demand).
    x0 : array_like
        Initial guess (any shape; it is flattened internally).
    tol : float
        Stop when ``residual <= tol``.
    max_iter : int
        Maximum number of calls to ``step``.
    memory : int
        Number of past steps used in the least-squares extrapolation
        (Walker & Ni 2011, eq. 2.1); ``memory=0`` is the plain iteration.
    mixing : float
        Weight on the new step, in (0, 1].
    blowup : float
        If the residual exceeds ``blowup`` times the best residual so far (or is
        not finite), restart from the best iterate with empty memory and half
        the mixing weight.
    min_mixing : float
        Give up when the mixing weight falls below this value.
    raise_on_failure : bool
        Raise :class:`lib.fixed_point.ConvergenceError` if not converged.

    Returns
    -------
    FixedPointResult
        ``x`` has the shape of ``x0``; ``method`` is ``"anderson"``.

    Raises
    ------
    ValueError
        On inadmissible settings or a non-finite ``x0``.
    ConvergenceError
        With the residual and the iteration count, if the tolerance is not met.

    Examples
    --------
    >>> res = anderson_solve(lambda x: (np.cos(x) - x, float(abs(np.cos(x) - x))), 1.0, tol=1e-12)
    >>> round(float(res.x), 6)
    0.739085
    """
    if not tol > 0:
        raise ValueError(f"tol = {tol!r} must be positive")
    if int(max_iter) < 1:
        raise ValueError(f"max_iter = {max_iter!r} must be a positive integer")
    if int(memory) < 0:
        raise ValueError(f"memory = {memory!r} must be a non-negative integer")
    if not 0 < mixing <= 1:
        raise ValueError(f"mixing = {mixing!r} is outside its admissible range (0, 1]")
    x = np.array(x0, dtype=float)
    shape = x.shape
    x = x.reshape(-1)
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 must be finite")
    xs, fs = [], []
    best_x, best_res = x.copy(), np.inf
    history = []
    beta = float(mixing)
    residual = np.inf
    for it in range(1, int(max_iter) + 1):
        dx, residual = step(x.reshape(shape))
        dx = np.asarray(dx, dtype=float).reshape(-1)
        residual = float(residual)
        history.append(residual)
        bad = (not np.isfinite(residual)) or (not np.all(np.isfinite(dx)))
        if not bad and residual <= tol:
            return FixedPointResult(x.reshape(shape), True, it, residual, history, "anderson")
        if bad or residual > blowup * best_res:
            beta *= 0.5
            if beta < min_mixing:
                break
            x = best_x.copy()
            xs, fs = [], []
            continue
        if residual < best_res:
            best_res, best_x = residual, x.copy()
        xs.append(x.copy())
        fs.append(dx)
        if len(xs) > int(memory) + 1:
            xs.pop(0)
            fs.pop(0)
        if len(xs) >= 2:
            d_f = np.column_stack([fs[i + 1] - fs[i] for i in range(len(fs) - 1)])
            d_x = np.column_stack([xs[i + 1] - xs[i] for i in range(len(xs) - 1)])
            # normal equations with a tiny Tikhonov term: a (memory x memory) solve, much
            # cheaper than an SVD-based least squares on a tall matrix
            H = d_f.T @ d_f
            H[np.diag_indices_from(H)] += 1e-12 * max(float(np.trace(H)), 1e-300)
            try:
                gamma = np.linalg.solve(H, d_f.T @ dx)
            except np.linalg.LinAlgError:
                gamma, *_ = np.linalg.lstsq(d_f, dx, rcond=1e-12)
            x = x + beta * dx - (d_x + beta * d_f) @ gamma
        else:
            x = x + beta * dx
    result = FixedPointResult(best_x.reshape(shape), False, len(history), min(best_res, residual),
                              history, "anderson")
    if raise_on_failure:
        raise ConvergenceError(
            f"Anderson iteration did not converge: best residual {best_res:.3e} > tol {tol:.1e} "
            f"after {len(history)} iterations (final mixing weight {beta:.3g})",
            float(best_res), len(history))
    return result


def newton_krylov_solve(residual_fn: Callable, x0, *, tol: float = 1e-10, max_iter: int = 200,
                        method: str = "lgmres", raise_on_failure: bool = True) -> FixedPointResult:
    r"""Solve :math:`F(x)=0` by Jacobian-free Newton–Krylov (:func:`scipy.optimize.newton_krylov`).

    Parameters
    ----------
    residual_fn : callable
        ``F(x)`` returning an array of the shape of ``x``.
    x0 : array_like
        Initial guess.
    tol : float
        Sup-norm tolerance on ``F``.
    max_iter : int
        Maximum number of Newton steps.
    method : str
        Krylov method passed to scipy (``"lgmres"``, ``"gmres"``, ...).
    raise_on_failure : bool
        Raise :class:`lib.fixed_point.ConvergenceError` if not converged.

    Returns
    -------
    FixedPointResult
        ``iterations`` counts Newton steps; ``method`` is ``"newton_krylov"``.
    """
    from scipy.optimize import newton_krylov, NoConvergence

    x0 = np.asarray(x0, dtype=float)
    if not np.all(np.isfinite(x0)):
        raise ValueError("x0 must be finite")
    history = []

    def cb(x, f):
        history.append(float(np.max(np.abs(f))))

    try:
        x = newton_krylov(residual_fn, x0, f_tol=tol, maxiter=int(max_iter), method=method,
                          callback=cb)
        ok = True
    except (NoConvergence, ValueError, FloatingPointError) as err:
        x = np.asarray(err.args[0]) if isinstance(err, NoConvergence) else x0
        ok = False
    f = np.asarray(residual_fn(x), dtype=float)
    res = float(np.max(np.abs(f))) if np.all(np.isfinite(f)) else np.inf
    ok = ok and res <= tol
    out = FixedPointResult(np.asarray(x, dtype=float), ok, len(history), res, history, "newton_krylov")
    if not ok and raise_on_failure:
        raise ConvergenceError(
            f"Newton-Krylov did not converge: residual {res:.3e} > tol {tol:.1e} after "
            f"{len(history)} Newton steps", res, len(history))
    return out
