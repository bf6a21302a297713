"""Damped and Anderson-accelerated fixed-point iteration with a result object.

Every equilibrium in this book is, at some level, a fixed point ``x = T(x)``:
wages that clear labour markets, price indices that are consistent with
trade shares, populations consistent with utilities.  This module holds one
solver for all of them, modelled on :func:`scipy.optimize.fixed_point` and
``quantecon.compute_fixed_point`` but returning a result object and refusing
to return a non-converged or non-finite answer silently.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

__all__ = ["FixedPointResult", "ConvergenceError", "solve_fixed_point"]


class ConvergenceError(RuntimeError):
    """Raised when an iterative solver stops without meeting its tolerance.

    Attributes
    ----------
    residual : float
        The last residual (sup norm of ``T(x) - x``).
    iterations : int
        The number of iterations performed.
    """

    def __init__(self, message: str, residual: float, iterations: int):
        super().__init__(message)
        self.residual = residual
        self.iterations = iterations


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


def _anderson_step(xs: list, gs: list) -> np.ndarray:
    """One Anderson (type-II) mixing step from stored iterates and map values.

    Solves the least-squares problem over the last ``m`` residual
    differences, as in Walker & Ni (2011), eq. (2.1)-(2.2).
    """
    fs = [g - x for x, g in zip(xs, gs)]
    d_f = np.column_stack([fs[i + 1] - fs[i] for i in range(len(fs) - 1)])
    d_g = np.column_stack([gs[i + 1] - gs[i] for i in range(len(gs) - 1)])
    gamma, *_ = np.linalg.lstsq(d_f, fs[-1], rcond=None)
    return gs[-1] - d_g @ gamma


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
        Plain damped iteration or Anderson mixing with memory
        ``anderson_memory`` (much faster for smooth, contractive maps).
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
    history: list[float] = []
    xs: list[np.ndarray] = []
    gs: list[np.ndarray] = []
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
        if method == "anderson":
            xs.append(xf.copy())
            gs.append(g.copy())
            if len(xs) > anderson_memory + 1:
                xs.pop(0)
                gs.pop(0)
            if len(xs) >= 2:
                candidate = _anderson_step(xs, gs)
                new = (1 - damping) * xf + damping * candidate
                if not np.all(np.isfinite(new)):
                    new = (1 - damping) * xf + damping * g
                    xs, gs = [], []
            else:
                new = (1 - damping) * xf + damping * g
        else:
            new = (1 - damping) * xf + damping * g
        x = new.reshape(shape)
    result = FixedPointResult(x, False, int(max_iter), residual, history, method)
    if raise_on_failure:
        raise ConvergenceError(
            f"fixed-point iteration did not converge: residual {residual:.3e} > tol {tol:.1e} "
            f"after {int(max_iter)} iterations (method={method}, damping={damping})",
            residual, int(max_iter))
    return result
