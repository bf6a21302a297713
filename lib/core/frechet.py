r"""Fréchet (type-II extreme value) discrete choice.

If agent :math:`\omega` draws independent Fréchet shocks
:math:`\epsilon_n \sim \exp(-T_n \epsilon^{-\theta})` and chooses the option
:math:`n` that maximises :math:`V_n \epsilon_n`, then (Eaton & Kortum 2002;
the location choice of Redding & Rossi-Hansberg 2017):

.. math::

   \pi_n = \frac{T_n V_n^{\theta}}{\sum_m T_m V_m^{\theta}}
   \qquad
   \mathbb E\big[\max_n V_n \epsilon_n\big]
     = \Gamma\!\left(1 - \tfrac{1}{\theta}\right)
       \Big(\sum_m T_m V_m^{\theta}\Big)^{1/\theta},

the second requiring :math:`\theta > 1` (the mean is infinite otherwise).
The distribution of the maximum is again Fréchet with scale
:math:`\sum_m T_m V_m^\theta`, whichever option is chosen.
"""
from __future__ import annotations

import numpy as np
from scipy.special import gamma as gamma_fn

from .validate import require_in_range, require_positive, require_nonnegative

__all__ = [
    "choice_probabilities",
    "choice_probabilities_from_logs",
    "inclusive_value",
    "expected_maximum",
    "frechet_mean_constant",
    "draw_frechet",
]


def choice_probabilities(V, theta: float, scale=None, axis: int = -1) -> np.ndarray:
    r"""Fréchet choice probabilities :math:`\pi_n = T_n V_n^\theta / \sum_m T_m V_m^\theta`.

    Parameters
    ----------
    V : array_like
        Positive systematic values (e.g. real wage times amenity) of the options.
    theta : float
        Fréchet shape, > 0 (dispersion of idiosyncratic tastes or efficiencies).
    scale : array_like, optional
        Fréchet scales :math:`T_n \ge 0` (default one), broadcast against ``V``.
    axis : int, default -1
        Axis indexing the options.

    Returns
    -------
    ndarray
        Probabilities summing to one along ``axis``.

    Notes
    -----
    Computed in logs (a softmax of :math:`\theta \log V_n + \log T_n`), so it
    does not overflow for large ``theta``.
    """
    theta = require_in_range("theta", theta, 0, np.inf, meaning="Fréchet shape")
    V = np.asarray(require_positive("V", V), dtype=float)
    log_t = 0.0 if scale is None else np.log(np.asarray(require_nonnegative("scale", scale), float))
    with np.errstate(divide="ignore"):
        return choice_probabilities_from_logs(theta * np.log(V) + log_t, axis=axis)


def choice_probabilities_from_logs(log_weight, axis: int = -1) -> np.ndarray:
    r"""Softmax :math:`\exp(u_n) / \sum_m \exp(u_m)` computed stably.

    Parameters
    ----------
    log_weight : array_like
        Log choice weights :math:`u_n = \log T_n + \theta \log V_n` (``-inf`` allowed
        for options with zero weight).
    axis : int, default -1

    Returns
    -------
    ndarray
    """
    u = np.asarray(log_weight, dtype=float)
    top = np.max(u, axis=axis, keepdims=True)
    if not np.all(np.isfinite(top)):
        raise ValueError("every choice set needs at least one option with finite weight")
    e = np.exp(u - top)
    return e / e.sum(axis=axis, keepdims=True)


def inclusive_value(V, theta: float, scale=None, axis: int = -1) -> np.ndarray:
    r"""The Fréchet scale of the maximum, :math:`\Phi = \sum_m T_m V_m^{\theta}`.

    Returns
    -------
    ndarray
        :math:`\Phi`, reduced along ``axis``.
    """
    theta = require_in_range("theta", theta, 0, np.inf, meaning="Fréchet shape")
    V = np.asarray(require_positive("V", V), dtype=float)
    T = 1.0 if scale is None else np.asarray(require_nonnegative("scale", scale), float)
    return np.sum(T * V ** theta, axis=axis)


def frechet_mean_constant(theta: float) -> float:
    r""":math:`\Gamma(1 - 1/\theta)`, the mean of a unit Fréchet variable.

    Raises
    ------
    ValueError
        If ``theta <= 1`` (the mean is infinite).
    """
    theta = require_in_range("theta", theta, 1, np.inf,
                             meaning="Fréchet shape; the mean is infinite unless theta > 1")
    return float(gamma_fn(1.0 - 1.0 / theta))


def expected_maximum(V, theta: float, scale=None, axis: int = -1) -> np.ndarray:
    r"""Expected value of the best option, :math:`\Gamma(1-1/\theta)\,\Phi^{1/\theta}`.

    Parameters
    ----------
    V, theta, scale, axis
        As in :func:`choice_probabilities`; ``theta`` must exceed one.

    Returns
    -------
    ndarray
        :math:`\mathbb E[\max_n V_n\epsilon_n]`.
    """
    const = frechet_mean_constant(theta)
    return const * inclusive_value(V, theta, scale, axis) ** (1.0 / theta)


def draw_frechet(theta: float, size, scale: float = 1.0, rng=None) -> np.ndarray:
    r"""Draw from :math:`F(x) = \exp(-T x^{-\theta})` by inversion.

    Parameters
    ----------
    theta : float
        Shape, > 0.
    size : int or tuple
        Output shape.
    scale : float or array_like, default 1.0
        :math:`T`, broadcast against ``size``.
    rng : numpy.random.Generator or int, optional
        Generator or seed (use a fixed seed for reproducible Monte Carlo).

    Returns
    -------
    ndarray
    """
    theta = require_in_range("theta", theta, 0, np.inf, meaning="Fréchet shape")
    rng = np.random.default_rng(rng)
    u = rng.uniform(size=size)
    return (np.asarray(scale, float) / -np.log(u)) ** (1.0 / theta)
