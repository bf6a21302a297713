"""Generic numerical kernels shared by every paper; this package imports no paper.

* :mod:`lib.core.errors` -- :class:`~lib.core.errors.ConvergenceError`, raised by every solver.
* :mod:`lib.core.fixed_point` -- damped iteration and safeguarded Anderson mixing (scipy first).
* :mod:`lib.core.frechet`, :mod:`lib.core.pareto` -- discrete-choice and Pareto-moment helpers.
* :mod:`lib.core.validate` -- parameter checks that raise a one-line ``ValueError``.
* :mod:`lib.core.data` -- where the transcribed tables are, and reading them with checks.
"""
from .errors import ConvergenceError

__all__ = ["ConvergenceError"]
