r"""Fixed points and roots: damped iteration and one safeguarded Anderson accelerator.

Every equilibrium in this book is, at some level, a fixed point ``x = T(x)`` or a root
``F(x) = 0``: wages that clear labour markets, price indices consistent with trade shares,
populations consistent with utilities.  scipy comes first: ``scipy.optimize.root`` (with
``method="hybr"``, ``"lm"`` or ``"krylov"``), ``scipy.optimize.newton_krylov``,
``scipy.optimize.brentq`` and ``least_squares`` are used directly by the paper modules.

This module keeps only what scipy lacks:

* :func:`solve_fixed_point` -- damped iteration :math:`x \leftarrow (1-\lambda)x + \lambda T(x)`
  with a sup-norm stopping rule.  ``scipy.optimize.fixed_point`` has no damping weight, stops on
  an element-wise *relative* change (meaningless for log variables near zero) and returns only
  the point, with no residual or iteration count.
* :func:`anderson_solve` -- Anderson mixing (Walker & Ni 2011) on a *preconditioned step*
  ``x + dx`` with a caller-supplied residual norm, restarting from the best iterate with half the
  mixing weight when the residual blows up.  ``scipy.optimize.anderson`` takes a plain residual
  ``F`` (so no preconditioner and no separate convergence measure), has no restart safeguard, and
  on the book's general-equilibrium systems diverges from the starting points the chapters use.

Both return a :class:`FixedPointResult` (point, residual, iterations, residual history) and
raise :class:`lib.core.errors.ConvergenceError` -- never return a non-converged or non-finite
answer silently.  The module imports no paper.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .errors import ConvergenceError

__all__ = ["FixedPointResult", "ConvergenceError", "solve_fixed_point", "anderson_solve"]


@dataclass
class FixedPointResult:
    """Outcome of :func:`solve_fixed_point`.

    Attributes
    ----------
    x : ndarray
        The fixed point (same shape as the initial guess).
    converged : bool
        Whether ``residual <= tol``.
    iterations : int
        Number of evaluations of the map ``T``.
    residual : float
        Final sup-norm residual ``max|T(x) - x|``.
    residual_history : list of float
        Residual after each iteration, for convergence plots.
    method : str
        ``"damped"`` or ``"anderson"``.
    """

    x: np.ndarray
    converged: bool
    iterations: int
    residual: float
    residual_history: list = field(default_factory=list)
    method: str = "damped"

    @property
    def solution(self) -> np.ndarray:
        """Alias of :attr:`x` (the name used in the book's prose)."""
        return self.x


def solve_fixed_point(
    T: Callable[[np.ndarray], np.ndarray],
    x0,
    *,
    damping: float = 1.0,
    tol: float = 1e-10,
    max_iter: int = 10_000,
    method: str = "damped",
    anderson_memory: int = 5,
    raise_on_failure: bool = True,
) -> FixedPointResult:
    r"""Solve :math:`x = T(x)` by damped iteration, optionally Anderson-accelerated.

    The damped update is

    .. math:: x_{n+1} = (1 - \lambda) x_n + \lambda T(x_n), \qquad \lambda \in (0, 1],

    and the residual is :math:`\|T(x_n) - x_n\|_\infty`.

    Parameters
    ----------
    T : callable
        The map; takes and returns an array of the shape of ``x0``.
    x0 : array_like
        Initial guess.
    damping : float, default 1.0
        Weight :math:`\lambda` on the new iterate, in (0, 1].
    tol : float, default 1e-10
        Stop when the sup-norm residual is at most ``tol``.
    max_iter : int, default 10000
        Maximum number of evaluations of ``T``.
    method : {"damped", "anderson"}
        Plain damped iteration, or :func:`anderson_solve` on the step ``T(x) - x`` with memory
        ``anderson_memory`` and mixing weight ``damping`` (much faster for smooth, contractive maps).
    anderson_memory : int, default 5
        Number of past iterates used by Anderson mixing.
    raise_on_failure : bool, default True
        If True, raise :class:`ConvergenceError` when the tolerance is not met.

    Returns
    -------
    FixedPointResult

    Raises
    ------
    ValueError
        If ``damping``, ``tol`` or ``max_iter`` is out of range, or ``x0`` is not finite.
    ConvergenceError
        If ``T`` returns a non-finite value, or if the tolerance is not met
        within ``max_iter`` iterations (when ``raise_on_failure``), with the
        residual and the iteration count in the message.

    Examples
    --------
    >>> import numpy as np
    >>> res = solve_fixed_point(np.cos, 1.0)
    >>> bool(res.converged), round(float(res.x), 6)
    (True, 0.739085)
    """
    if not 0.0 < damping <= 1.0:
        raise ValueError(f"damping must lie in (0, 1]; got {damping!r}")
    if not tol > 0:
        raise ValueError(f"tol must be positive; got {tol!r}")
    if int(max_iter) < 1:
        raise ValueError(f"max_iter must be a positive integer; got {max_iter!r}")
    if method not in ("damped", "anderson"):
        raise ValueError(f"method must be 'damped' or 'anderson'; got {method!r}")
    x = np.array(x0, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 must be finite")
    shape = x.shape
    if method == "anderson":
        def step(z):
            g = np.asarray(T(z), dtype=float).reshape(z.shape)
            if not np.all(np.isfinite(g)):
                raise ConvergenceError("fixed-point map returned non-finite values", np.inf, 0)
            f = g - z
            return f, float(np.max(np.abs(f))) if f.size else 0.0
        return anderson_solve(step, x, tol=tol, max_iter=max_iter, memory=anderson_memory,
                              mixing=damping, raise_on_failure=raise_on_failure)
    history: list[float] = []
    residual = np.inf
    for it in range(1, int(max_iter) + 1):
        g = np.asarray(T(x.reshape(shape)), dtype=float).reshape(-1)
        if not np.all(np.isfinite(g)):
            raise ConvergenceError(
                f"fixed-point map returned non-finite values at iteration {it} "
                f"(last finite residual {residual:.3e})", residual, it)
        xf = x.reshape(-1)
        residual = float(np.max(np.abs(g - xf))) if g.size else 0.0
        history.append(residual)
        if residual <= tol:
            return FixedPointResult(g.reshape(shape), True, it, residual, history, method)
        x = ((1 - damping) * xf + damping * g).reshape(shape)
    result = FixedPointResult(x, False, int(max_iter), residual, history, method)
    if raise_on_failure:
        raise ConvergenceError(
            f"fixed-point iteration did not converge: residual {residual:.3e} > tol {tol:.1e} "
            f"after {int(max_iter)} iterations (method={method}, damping={damping})",
            residual, int(max_iter))
    return result


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
        Raise :class:`ConvergenceError` if not converged.

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
