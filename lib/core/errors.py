"""The one exception every iterative solver in ``lib`` raises when it fails.

Setup errors (a parameter outside its range, an array of the wrong shape, a
missing package) are :class:`ValueError`; a solver that ran but did not meet its
tolerance raises :class:`ConvergenceError`, which carries the last residual and
the number of iterations so that a notebook or a sweep can report them.
"""
from __future__ import annotations

__all__ = ["ConvergenceError"]


class ConvergenceError(RuntimeError):
    """Raised when an iterative solver stops without meeting its tolerance.

    It subclasses :class:`RuntimeError`, so ``except RuntimeError`` still catches it.

    Attributes
    ----------
    residual : float
        The last (or best) residual of the solver, in the solver's own norm.
    iterations : int
        The number of iterations (map evaluations, Newton steps, bisections, ...) performed.
    """

    def __init__(self, message: str, residual: float = float("nan"), iterations: int = 0):
        super().__init__(message)
        self.residual = float(residual)
        self.iterations = int(iterations)
