r"""Expected employment-weighted HHI by one-dimensional quadrature (Kikuchi & O'Connor 2025).

Firm size :math:`x = z^{1/\eta}` is Pareto with tail :math:`\alpha=\lambda\eta>1` and scale 1
(the HHI is scale-free). With the Laplace transform :math:`\phi(t)=\mathbb E e^{-tx}` and
:math:`g(t)=\mathbb E[x^2e^{-tx}]`, the identity :math:`1/S^2 = \int_0^\infty t e^{-tS}dt`
and :math:`1/S = \int_0^\infty e^{-tS}dt` turn every HHI moment into a 1-D integral:

* :math:`\psi_N = \mathbb E[\sum x^2/\sum x\mid N]/(N\mathbb Ex) = \frac1{\mathbb Ex}\int g\phi^{N-1}dt` (paper Lemma 4);
* :math:`H(m) = \sum_k \frac{e^{-m}m^k}{k!}\psi_{k+1} = \frac1{\mathbb Ex}\int g\,e^{-m(1-\phi)}dt`
  (the employment-weighted HHI of paper eq. 11 under Poisson entry; derived);
* :math:`H'(m) = -\frac1{\mathbb Ex}\int g(1-\phi)e^{-m(1-\phi)}dt`;
* :math:`\mathbb E[HHI\mid N] = N\int t\,g\,\phi^{N-1}dt` (unweighted, paper footnote 6, Fig. 3).

Pareto transforms use the generalised exponential integral
:math:`E_p(t)=\int_1^\infty e^{-tx}x^{-p}dx`: :math:`g = \alpha E_{\alpha-1}(t)` and
:math:`1-\phi = 1-e^{-t} + tE_\alpha(t)`. ``alpha = np.inf`` means identical firms
(:math:`x\equiv1`), for which :math:`H(m)=(1-e^{-m})/m`.
Integrals are trapezoid sums on a uniform grid in :math:`\log t` (spectrally accurate for
integrands that vanish at both ends).
"""
from __future__ import annotations

import functools

import numpy as np
from scipy import special

from lib.core.validate import require_greater, require_in_range, require_nonnegative, require_positive

__all__ = [
    "exponential_integral",
    "pareto_transforms",
    "mean_size",
    "psi_N",
    "weighted_hhi",
    "weighted_hhi_slope",
    "expected_hhi_given_N",
    "hhi_decay_exponent",
    "max_entrant_mass",
    "check_entrant_mass",
]


def _check_alpha(alpha):
    return require_greater("alpha", alpha, 1.0, "1",
                           meaning="tail index of firm size alpha = lam*eta (np.inf: identical firms)")


#: Orders above this use the uniform large-order expansion; at or below, at most this many
#: steps of the upward recurrence.  Neither branch loops a number of times set by ``p``.
EXPINT_RECURRENCE_MAX = 40


def _uniform_expansion_polynomials(n_terms: int):
    r"""Polynomials :math:`A_k(\lambda)` of DLMF 8.20.2, by :math:`A_{k+1}=(1-2k\lambda)A_k+\lambda(\lambda+1)A_k'`."""
    polys = [np.polynomial.Polynomial([1.0])]
    lam = np.polynomial.Polynomial([0.0, 1.0])
    for k in range(n_terms - 1):  # fixed count (module constant), not a parameter
        a = polys[-1]
        polys.append((1.0 - 2.0 * k * lam) * a + lam * (lam + 1.0) * a.deriv())
    return polys


_EXPINT_A = _uniform_expansion_polynomials(8)


def _expint_large_order(p: float, t: np.ndarray) -> np.ndarray:
    r""":math:`E_p(t)\sim\frac{e^{-t}}{t+p}\sum_k \frac{A_k(\lambda)}{(\lambda+1)^{2k}p^k}`, :math:`\lambda=t/p` (DLMF 8.20.2).

    Uniform in :math:`t\ge0`; with eight terms the relative error is below :math:`p^{-8}`
    times a constant of order one, i.e. about 1e-13 at p = 40.
    """
    lam = t / p
    x = 1.0 / ((lam + 1.0) ** 2 * p)  # the expansion variable; <= 1/p
    total = np.zeros_like(t)
    for a in reversed(_EXPINT_A):  # Horner in x over a fixed number of terms
        total = total * x + a(lam)
    with np.errstate(under="ignore"):
        return np.exp(-t) / (t + p) * total


#: Terms of the continued fraction used for t >= 1 (relative error below 1e-13 there).
EXPINT_CF_TERMS = 100


def _expint_continued_fraction(p: float, t: np.ndarray) -> np.ndarray:
    r""":math:`E_p(t)=e^{-t}\cfrac{1}{t+p-\cfrac{1\cdot p}{t+p+2-\cfrac{2(p+1)}{t+p+4-\cdots}}}` for t >= 1.

    Evaluated backward over a fixed number of terms (``EXPINT_CF_TERMS``), whatever p and t.
    """
    tail = np.zeros_like(t)
    for i in range(EXPINT_CF_TERMS, 1, -1):  # fixed count (module constant), not a parameter
        tail = (i - 1) * (p + i - 2) / (t + p + 2 * (i - 1) - tail)
    return np.exp(-t) / (t + p - tail)


def _expint_small_order_recurrence(p: float, t: np.ndarray) -> np.ndarray:
    r"""Start at the fractional part of p and apply :math:`qE_{q+1}=e^{-t}-tE_q` at most 40 times.

    Stable for t < 1 (each step multiplies earlier errors by t/q < 1 once q >= 1).
    """
    base = p - np.floor(p)
    steps = int(np.floor(p))  # <= EXPINT_RECURRENCE_MAX, checked by the caller
    if base == 0.0:
        base, steps = 1.0, steps - 1
        E = special.exp1(t)
    else:
        E = t ** (base - 1.0) * special.gamma(1.0 - base) * special.gammaincc(1.0 - base, t)
    q = base
    for _ in range(steps):
        E = (np.exp(-t) - t * E) / q
        q += 1.0
    return E


def exponential_integral(p: float, t) -> np.ndarray:
    r"""Generalised exponential integral :math:`E_p(t)=\int_1^\infty e^{-tx}x^{-p}dx` for real p > 0, t > 0.

    Three branches, none of which does work that grows with p:

    * p > ``EXPINT_RECURRENCE_MAX`` (40): the uniform large-order expansion (DLMF 8.20.2),
      eight terms, relative error about 1e-13 or better;
    * p <= 40 and t >= 1: the continued fraction (DLMF 8.19.17) over a fixed 100 terms;
    * p <= 40 and t < 1: :math:`E_p(t)=t^{p-1}\Gamma(1-p)Q(1-p,t)` at the fractional part of p
      (``scipy.special.exp1`` for whole p), then at most 40 steps of :math:`qE_{q+1}=e^{-t}-tE_q`,
      which is stable for t < 1.

    Raises
    ------
    ValueError
        If p is not a finite positive number.
    """
    p = require_in_range("p", p, 0.0, np.inf, meaning="order of the exponential integral")
    t = np.asarray(t, float)
    if p > EXPINT_RECURRENCE_MAX:
        return np.maximum(_expint_large_order(p, t), 0.0)
    E = np.empty_like(t)
    big = t >= 1.0
    with np.errstate(under="ignore"):
        E[big] = _expint_continued_fraction(p, t[big])
        E[~big] = _expint_small_order_recurrence(p, t[~big])
    return np.maximum(E, 0.0)


def pareto_transforms(t, alpha: float):
    r"""Return :math:`(\phi(t), 1-\phi(t), g(t))` for Pareto(alpha) sizes with scale 1.

    :math:`\phi(t)=\mathbb E e^{-tx}`, :math:`g(t)=\mathbb E[x^2e^{-tx}]`; ``alpha=np.inf``
    gives the degenerate :math:`x\equiv 1`.
    """
    alpha = _check_alpha(alpha)
    t = np.asarray(t, float)
    if np.isinf(alpha):
        one_minus = -np.expm1(-t)
        return np.exp(-t), one_minus, np.exp(-t)
    E_am1 = exponential_integral(alpha - 1.0, t)
    E_a = (np.exp(-t) - t * E_am1) / (alpha - 1.0) if alpha <= EXPINT_RECURRENCE_MAX \
        else exponential_integral(alpha, t)  # direct: no cancellation at large order
    one_minus = -np.expm1(-t) + t * E_a
    one_minus = np.clip(one_minus, 0.0, 1.0)
    return 1.0 - one_minus, one_minus, alpha * E_am1


def mean_size(alpha: float) -> float:
    r""":math:`\mathbb Ex = \alpha/(\alpha-1)` for Pareto(alpha) sizes with scale 1 (1 for identical firms)."""
    alpha = _check_alpha(alpha)
    return 1.0 if np.isinf(alpha) else alpha / (alpha - 1.0)


def _check_firm_count(N):
    """N as a float array; every element must be a finite number of firms >= 1."""
    N = np.atleast_1d(np.asarray(N, float))
    if not np.all(np.isfinite(N)) or np.any(N < 1.0):
        bad = N[~(np.isfinite(N) & (N >= 1.0))]
        raise ValueError(f"N must be finite and >= 1 (admissible range [1, inf)); got {bad[:3].tolist()}: "
                         "number of firms in the sector")
    return N


def _grid(alpha, n_nodes):
    n_nodes = int(require_in_range("n_nodes", n_nodes, 2, np.inf, low_inclusive=True,
                                   meaning="number of quadrature nodes in log t"))
    # lower limit so that the neglected mass ~ t_min^(alpha-1) is below 1e-13
    lo = -40.0 if np.isinf(alpha) else max(-700.0, min(-40.0, -30.0 / (alpha - 1.0)))
    u = np.linspace(lo, 8.0, int(n_nodes))
    return u, np.exp(u), u[1] - u[0]


@functools.lru_cache(maxsize=256)
def max_entrant_mass(alpha: float) -> float:
    r"""Largest mass of entrants m for which :func:`weighted_hhi` and its slope are resolved.

    The integrand of :math:`H(m)` peaks where :math:`m(1-\phi(t))\approx1`; as m grows the peak
    moves to smaller t. The quadrature grid starts at :math:`t_{\min}` (``_grid``: :math:`e^{-40}`
    for thin tails, down to :math:`e^{-700}` as alpha -> 1, the smallest that double precision
    represents). The admissible range of m ends where the peak comes within 8 e-folds of
    :math:`t_{\min}`: :math:`m_{\max}=1/(1-\phi(t_{\min}e^{8}))` (about 4e31 at alpha = 1.365,
    8e13 for identical firms).
    """
    alpha = _check_alpha(alpha)
    lo = _grid(alpha, 2)[0][0]
    _, one_minus, _ = pareto_transforms(np.array([np.exp(lo + 8.0)]), alpha)
    return float(1.0 / one_minus[0])


def check_entrant_mass(name: str, m, alpha: float, meaning: str = "mass of entrants per sector"):
    """``m`` (scalar or array) non-negative and at most :func:`max_entrant_mass`; the message names ``name``."""
    m = np.atleast_1d(np.asarray(m, float))
    require_nonnegative(name, m, meaning=meaning)
    top = max_entrant_mass(alpha)
    if np.any(m > top):
        raise ValueError(
            f"{name} = {float(m.max()):g} is outside its admissible range [0, {top:.3g}] at tail index "
            f"alpha = {alpha:g}: beyond it the expected HHI integrand peaks below the smallest "
            f"t the quadrature resolves (H(m) would be below {float(weighted_hhi(top, alpha)[0]):.2g})"
            f"{': ' + meaning if meaning else ''}")
    return m


def _laplace_moment_integral(N: np.ndarray, alpha: float, n_nodes: int, t_power: int) -> np.ndarray:
    r""":math:`\int_0^\infty t^{p}\,g(t)\,\phi(t)^{N-1}dt` on the log-t grid, for each N.

    The common kernel of :func:`psi_N` (``t_power=1``) and :func:`expected_hhi_given_N`
    (``t_power=2``); ``N`` and ``alpha`` must already be validated.
    """
    u, t, du = _grid(alpha, n_nodes)
    phi, _, g = pareto_transforms(t, alpha)
    log_phi = np.log(np.maximum(phi, 1e-300))
    weight = t * g if t_power == 1 else t * t * g
    integrand = weight[None, :] * np.exp((N[:, None] - 1.0) * log_phi[None, :])
    return np.trapezoid(integrand, dx=du, axis=1)


def psi_N(N, alpha: float, n_nodes: int = 3000) -> np.ndarray:
    r""":math:`\psi_N = \frac1{\mathbb Ex}\int_0^\infty g(t)\phi(t)^{N-1}dt` (paper Lemma 4): the
    expected employment-weighted HHI of a sector with N firms. :math:`\psi_1=1`, :math:`\psi_N\to0`.

    Parameters
    ----------
    N : float or array
        Number of firms in the sector (>= 1; non-integer values interpolate the formula).
    alpha : float
        Tail index :math:`\lambda\eta` (> 1; ``np.inf`` = identical firms).
    n_nodes : int
        Quadrature nodes in log t (>= 2).

    Raises
    ------
    ValueError
        If some N is below 1 or not finite, alpha <= 1, or n_nodes < 2.
    """
    alpha = _check_alpha(alpha)
    N = _check_firm_count(N)
    return _laplace_moment_integral(N, alpha, n_nodes, t_power=1) / mean_size(alpha)


def _poisson_rival_integral(m, alpha: float, n_nodes: int, slope: bool) -> np.ndarray:
    r""":math:`\frac1{\mathbb Ex}\int_0^\infty t\,g(t)\,(1-\phi)^{s} e^{-m(1-\phi)}dt`, ``s = 1`` if ``slope``.

    The common kernel of :func:`weighted_hhi` (``slope=False``) and :func:`weighted_hhi_slope`
    (``slope=True``, before the minus sign); validates ``m`` and ``alpha``.
    """
    alpha = _check_alpha(alpha)
    m = check_entrant_mass("m", m, alpha)
    u, t, du = _grid(alpha, n_nodes)
    _, one_minus, g = pareto_transforms(t, alpha)
    weight = t * g * one_minus if slope else t * g
    integrand = weight[None, :] * np.exp(-m[:, None] * one_minus[None, :])
    return np.trapezoid(integrand, dx=du, axis=1) / mean_size(alpha)


def weighted_hhi(m, alpha: float, n_nodes: int = 3000) -> np.ndarray:
    r"""Expected employment-weighted HHI :math:`H(m)=\frac1{\mathbb Ex}\int_0^\infty g\,e^{-m(1-\phi)}dt`.

    Derived from paper eq. (11) and Lemma 4 with :math:`N\sim` Poisson(m): a worker's sector
    is size-biased, i.e. one tagged firm plus Poisson(m) rivals. :math:`H(0)=1`, decreasing to 0.

    Parameters
    ----------
    m : float or array
        Mass of entrants per sector (>= 0).
    alpha : float
        Tail index :math:`\lambda\eta` (> 1; ``np.inf`` = identical firms).
    n_nodes : int
        Quadrature nodes in log t (>= 2).

    Raises
    ------
    ValueError
        If m is negative, not finite or above :func:`max_entrant_mass`, alpha <= 1, or n_nodes < 2.
    """
    return _poisson_rival_integral(m, alpha, n_nodes, slope=False)


def weighted_hhi_slope(m, alpha: float, n_nodes: int = 3000) -> np.ndarray:
    r""":math:`dH/dm = -\frac1{\mathbb Ex}\int g(1-\phi)e^{-m(1-\phi)}dt < 0` (paper Lemma 5).

    Raises
    ------
    ValueError
        If m is negative or not finite, alpha <= 1, or n_nodes < 2.
    """
    return -_poisson_rival_integral(m, alpha, n_nodes, slope=True)


def expected_hhi_given_N(N, alpha: float, n_nodes: int = 3000) -> np.ndarray:
    r"""Unweighted :math:`\mathbb E[HHI\mid N] = N\int_0^\infty t\,g(t)\phi(t)^{N-1}dt` (paper footnote 6).

    Raises
    ------
    ValueError
        If some N is below 1 or not finite, alpha <= 1, or n_nodes < 2.
    """
    alpha = _check_alpha(alpha)
    N = _check_firm_count(N)
    return N * _laplace_moment_integral(N, alpha, n_nodes, t_power=2)


def hhi_decay_exponent(alpha: float) -> float:
    r"""Rate :math:`\xi` in :math:`HHI\sim N^{-\xi}` (paper footnote 6).

    :math:`\xi = 2(1-1/\alpha)` for :math:`1<\alpha<2` (thick tail); :math:`\xi=1` for
    :math:`\alpha\ge2` (thin tail; at :math:`\alpha=2` up to a log factor).
    """
    alpha = _check_alpha(alpha)
    return 2.0 * (1.0 - 1.0 / alpha) if alpha < 2.0 else 1.0


def expected_hhi_decay_exponent(alpha: float) -> float:
    r"""Rate at which the *expected* HHI falls, :math:`\mathbb E[HHI\mid N]\sim N^{-\min(\alpha-1,1)}`.

    Our derivation (not in the paper): for :math:`1<\alpha<2` the expectation is dominated by the
    rare sectors where one firm is of the order of the whole sector (probability
    :math:`\sim N\cdot N^{-\alpha}`), so it falls at rate :math:`\alpha-1<2(1-1/\alpha)`; the *typical*
    (median) HHI falls at footnote 6's rate :math:`\xi` (:func:`hhi_decay_exponent`).
    """
    alpha = _check_alpha(alpha)
    return min(alpha - 1.0, 1.0)


__all__.append("expected_hhi_decay_exponent")
