r"""Pareto distributions and their truncated moments.

With :math:`G(\varphi) = 1 - (\varphi_{\min}/\varphi)^k` on
:math:`\varphi \ge \varphi_{\min}`, the partial moments used by every
Melitz-type model are

.. math::

   \int_c^\infty \varphi^{a}\, dG(\varphi)
     = \frac{k}{k-a}\, \varphi_{\min}^{k}\, c^{a-k},
   \qquad c \ge \varphi_{\min},\; k > a,

and they are infinite when :math:`k \le a`.
"""
from __future__ import annotations

import numpy as np

from .validate import require_in_range, require_positive

__all__ = ["pareto_survival", "pareto_pdf", "partial_moment", "conditional_moment", "draw_pareto"]


def pareto_survival(phi, k: float, phi_min: float = 1.0) -> np.ndarray:
    r"""Survival function :math:`1 - G(\varphi) = (\varphi_{\min}/\varphi)^k` (one below ``phi_min``)."""
    k = require_in_range("k", k, 0, np.inf, meaning="Pareto shape")
    phi_min = require_in_range("phi_min", phi_min, 0, np.inf, meaning="Pareto scale")
    phi = np.asarray(phi, dtype=float)
    return np.where(phi <= phi_min, 1.0, (phi_min / np.maximum(phi, phi_min)) ** k)


def pareto_pdf(phi, k: float, phi_min: float = 1.0) -> np.ndarray:
    r"""Density :math:`k \varphi_{\min}^k \varphi^{-k-1}` on :math:`\varphi \ge \varphi_{\min}`."""
    k = require_in_range("k", k, 0, np.inf, meaning="Pareto shape")
    phi = np.asarray(phi, dtype=float)
    return np.where(phi >= phi_min, k * phi_min ** k * np.maximum(phi, phi_min) ** (-k - 1), 0.0)


def partial_moment(a: float, k: float, cutoff=1.0, phi_min: float = 1.0) -> np.ndarray:
    r"""Partial moment :math:`\int_c^\infty \varphi^a dG = \frac{k}{k-a}\varphi_{\min}^k c^{a-k}`.

    Parameters
    ----------
    a : float
        Power of productivity (e.g. :math:`\sigma - 1` for revenue).
    k : float
        Pareto shape; must exceed ``a`` for the moment to be finite.
    cutoff : float or array_like
        Lower limit :math:`c`; values below ``phi_min`` are treated as ``phi_min``.
    phi_min : float
        Pareto scale (lower bound of the support).

    Raises
    ------
    ValueError
        If ``k <= a`` (infinite moment) or ``phi_min <= 0``.
    """
    k = require_in_range("k", k, 0, np.inf, meaning="Pareto shape")
    if not k > a:
        raise ValueError(
            f"k = {k!r} must exceed the moment's power a = {a!r}: the Pareto moment "
            f"E[phi^a] is infinite when k <= a")
    phi_min = require_in_range("phi_min", phi_min, 0, np.inf, meaning="Pareto scale")
    c = np.maximum(np.asarray(require_positive("cutoff", cutoff), float), phi_min)
    return k / (k - a) * phi_min ** k * c ** (a - k)


def conditional_moment(a: float, k: float, cutoff=1.0, phi_min: float = 1.0) -> np.ndarray:
    r""":math:`\mathbb E[\varphi^a \mid \varphi \ge c] = \frac{k}{k-a} c^a` for :math:`c \ge \varphi_{\min}`."""
    c = np.maximum(np.asarray(cutoff, float), phi_min)
    return partial_moment(a, k, c, phi_min) / pareto_survival(c, k, phi_min)


def draw_pareto(k: float, size, phi_min: float = 1.0, rng=None) -> np.ndarray:
    r"""Draw Pareto variates by inversion, :math:`\varphi = \varphi_{\min} U^{-1/k}`."""
    k = require_in_range("k", k, 0, np.inf, meaning="Pareto shape")
    rng = np.random.default_rng(rng)
    return phi_min * rng.uniform(size=size) ** (-1.0 / k)
