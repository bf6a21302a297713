r"""Worker-side building blocks of Doi & Suzuki (2025): Roy occupations, Fréchet locations, CES natives/foreigners.

The paper's labour block has three layers, each a closed form:

* occupational choice (Roy, Fréchet shape :math:`\zeta`), paper eqs. (7)–(8)
  and the wage-dispersion moment of §4.1;
* location choice (Fréchet shape :math:`\eta`), paper eqs. (9) and the welfare
  index of §5;
* native and foreign labour services as CES imperfect substitutes within an
  occupation (elasticity :math:`\xi`), the occupation price below paper eq. (1)
  and the occupation-market clearing condition (16).

Everything here is a thin, validated wrapper of the generic kernels in
:mod:`lib.core.frechet`; the general-equilibrium solver lives in
:mod:`lib.foreign_employment.hat`.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import brentq
from scipy.special import gamma as gamma_fn

from ..core import frechet
from ..core.validate import require_in_range, require_positive, require_nonnegative

__all__ = [
    "occupation_shares",
    "average_wage",
    "conditional_mean_wage",
    "wage_cv2",
    "calibrate_zeta",
    "zeta_from_log_wage_variance",
    "location_shares",
    "welfare_index",
    "occupation_price",
    "relative_demand",
    "relative_price",
    "foreign_bill_share",
]


def _power_mean(V, theta, scale=None, axis=-1):
    r""":math:`\Phi^{1/\theta}` with :math:`\Phi=\sum_m T_m V_m^\theta`, computed in logs.

    :math:`\frac1\theta\log\sum_m\exp(\theta\log V_m+\log T_m)` with the largest term factored
    out, so that neither :math:`V^\theta` (large ``theta``) nor :math:`\Phi^{1/\theta}` (small
    ``theta``) overflows on the way when the result itself is representable.
    """
    V = np.asarray(require_positive("V", V), dtype=float)
    with np.errstate(divide="ignore"):
        log_t = 0.0 if scale is None else np.log(np.asarray(require_nonnegative("scale", scale), float))
    u = theta * np.log(V) + log_t
    top = np.max(u, axis=axis, keepdims=True)
    with np.errstate(invalid="ignore"):
        lse = np.squeeze(top, axis=axis) + np.log(np.sum(np.exp(u - top), axis=axis))
    return np.exp(lse / theta)


def _zeta(zeta, low=1.0, why="occupation Fréchet shape; mean wages are finite only if zeta > 1"):
    return require_in_range("zeta", zeta, low, np.inf, meaning=why)


def occupation_shares(S, p, zeta: float, axis: int = -1) -> np.ndarray:
    r"""Occupation choice probabilities, paper eq. (7).

    .. math:: \varphi_r(k,s,o) = \frac{(S(k,s,o)p_r(k,o))^\zeta}{\sum_{o'}(S(k,s,o')p_r(k,o'))^\zeta}

    Parameters
    ----------
    S : array_like
        Group-occupation productivities :math:`S(k,s,o) > 0`.
    p : array_like
        Occupation-service prices :math:`p_r(k,o) > 0`, broadcast against ``S``.
    zeta : float
        Fréchet shape of the efficiency draws, > 0.
    axis : int, default -1
        Axis indexing occupations.

    Returns
    -------
    ndarray
        Shares summing to one along ``axis``.
    """
    zeta = require_in_range("zeta", zeta, 0, np.inf, meaning="occupation Fréchet shape")
    require_positive("S", S)
    require_positive("p", p)
    return frechet.choice_probabilities(np.asarray(S, float) * np.asarray(p, float), zeta, axis=axis)


def average_wage(S, p, zeta: float, axis: int = -1) -> np.ndarray:
    r"""Average (= expected) wage of a group, paper eq. (8).

    .. math:: \bar w_r(k,s) = \Gamma(1-1/\zeta)\Big(\sum_o (S(k,s,o)p_r(k,o))^\zeta\Big)^{1/\zeta}

    Parameters
    ----------
    S, p, axis
        As in :func:`occupation_shares`.
    zeta : float
        Fréchet shape, > 1 (the mean is infinite otherwise).

    Returns
    -------
    ndarray
        Reduced along ``axis``.
    """
    zeta = _zeta(zeta)
    require_positive("S", S)
    require_positive("p", p)
    # Gamma(1 - 1/zeta) Phi^(1/zeta), Phi^(1/zeta) in logs (frechet.expected_maximum overflows once
    # zeta log(S p) > 709.78, i.e. for large zeta)
    w = np.asarray(S, float) * np.asarray(p, float)
    return frechet.frechet_mean_constant(zeta) * _power_mean(w, zeta, axis=axis)


def conditional_mean_wage(S, p, zeta: float, axis: int = -1) -> np.ndarray:
    r"""Mean wage of the workers who *chose* occupation o (paper, unnumbered line above eq. 8).

    .. math:: \bar w_r(k,s,o) = \Gamma(1-1/\zeta)\,S(k,s,o)p_r(k,o)\,\varphi_r(k,s,o)^{-1/\zeta}

    Substituting eq. (7) shows it does not depend on o: it equals
    :func:`average_wage` in every occupation (the Roy–Fréchet selection result).

    Returns
    -------
    ndarray
        Same shape as ``S * p``.
    """
    zeta = _zeta(zeta)
    w = np.asarray(S, float) * np.asarray(p, float)
    occupation_shares(S, p, zeta, axis=axis)  # validates S and p
    # w phi^(-1/zeta) with log phi = zeta log w - log sum_o' w_o'^zeta (eq. 7 in logs): a share that
    # underflows to 0 at a large zeta would otherwise give w * inf
    log_w = np.log(np.broadcast_to(w, np.broadcast_shapes(w.shape, np.shape(S))))
    u = zeta * log_w
    top = np.max(u, axis=axis, keepdims=True)
    log_phi = u - top - np.log(np.sum(np.exp(u - top), axis=axis, keepdims=True))
    return frechet.frechet_mean_constant(zeta) * w * np.exp(-log_phi / zeta)


def wage_cv2(zeta) -> np.ndarray:
    r"""Squared coefficient of variation of wages within a group, paper §4.1.

    .. math:: \frac{\mathrm{Var}(w)}{\bar w^2} = \frac{\Gamma(1-2/\zeta)}{\Gamma(1-1/\zeta)^2} - 1

    It depends on :math:`\zeta` only (not on S or p) and falls from
    :math:`+\infty` at :math:`\zeta\downarrow 2` to 0 as :math:`\zeta\to\infty`.

    Parameters
    ----------
    zeta : float or array_like
        Fréchet shape, > 2 (the variance is infinite otherwise).

    Returns
    -------
    ndarray or float
    """
    z = np.asarray(zeta, dtype=float)
    if z.ndim == 0:
        _zeta(float(z), 2.0, "occupation Fréchet shape; the wage variance is finite only if zeta > 2")
    elif not np.all(z > 2):
        raise ValueError("zeta must exceed 2 (admissible range (2, inf)): the wage variance is infinite otherwise")
    out = gamma_fn(1.0 - 2.0 / z) / gamma_fn(1.0 - 1.0 / z) ** 2 - 1.0
    return float(out) if out.ndim == 0 else out


def calibrate_zeta(cv2: float, bracket=(2.0 + 1e-9, 1e4)) -> float:
    r"""Invert :func:`wage_cv2`: the :math:`\zeta` whose Fréchet wage CV² equals ``cv2`` (§4.1).

    Parameters
    ----------
    cv2 : float
        Variance over squared mean of residualised wages, > 0.
    bracket : tuple of float
        Search interval for ``brentq``.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``cv2`` is not positive or lies outside the bracket's image.
    """
    cv2 = require_in_range("cv2", cv2, 0, np.inf, meaning="wage variance over squared mean")
    lo, hi = bracket
    f = lambda z: wage_cv2(z) - cv2  # noqa: E731
    if f(hi) > 0:
        raise ValueError(f"cv2 = {cv2:g} is below wage_cv2({hi:g}); zeta would exceed the bracket")
    lo_eval = max(lo, 2.0 + 1e-9)
    if f(lo_eval) < 0:
        raise ValueError(f"cv2 = {cv2:g} is above wage_cv2({lo_eval:g}); widen the bracket")
    return float(brentq(f, lo_eval, hi, xtol=1e-12))


def zeta_from_log_wage_variance(var_log_wage: float) -> float:
    r"""The Gumbel moment: :math:`\mathrm{Var}(\log w) = \pi^2/(6\zeta^2)` within a group.

    The log of a Fréchet(:math:`\zeta`) variable is Gumbel with scale
    :math:`1/\zeta`; the maximum over occupations is again Fréchet (paper eq. 8
    is its mean), so :math:`\zeta = \pi/\sqrt{6\,\mathrm{Var}(\log w)}`.
    A robust alternative to :func:`calibrate_zeta`, whose moment needs
    :math:`\zeta>4` for a finite sampling variance.

    Parameters
    ----------
    var_log_wage : float
        Variance of residualised log wages, > 0.

    Returns
    -------
    float
    """
    v = require_in_range("var_log_wage", var_log_wage, 0, np.inf, meaning="variance of log wages")
    return float(np.pi / np.sqrt(6.0 * v))


def location_shares(B, real_wage, eta: float, axis: int = -1) -> np.ndarray:
    r"""Location choice probabilities, paper eq. (9).

    .. math:: \psi_r(k,s) = \frac{B_r(k,s)(\bar w_r(k,s)/P_r)^\eta}{\sum_m B_m(k,s)(\bar w_m(k,s)/P_m)^\eta}

    Parameters
    ----------
    B : array_like
        Amenity scales, >= 0.
    real_wage : array_like
        :math:`\bar w_r/P_r > 0`.
    eta : float
        Location Fréchet shape, > 0 (eq. 9 holds for any positive eta).
    axis : int, default -1
        Axis indexing regions.
    """
    eta = require_in_range("eta", eta, 0, np.inf, meaning="location Fréchet shape")
    require_nonnegative("B", B)
    require_positive("real_wage", real_wage)
    return frechet.choice_probabilities(real_wage, eta, scale=B, axis=axis)


def welfare_index(B, real_wage, eta: float, axis: int = -1, expected: bool = True) -> np.ndarray:
    r"""Group welfare, §5 of the paper.

    .. math:: U(k,s) = \Gamma\big(\tfrac{\eta-1}{\eta}\big)\Big(\sum_r B_r(k,s)(\bar w_r/P_r)^\eta\Big)^{1/\eta}

    With ``expected=False`` returns :math:`\Phi^{1/\eta}` only, the scale of
    the Fréchet distribution of realised utility.  Every quantile of utility
    is proportional to it, so its relative change is the welfare change even
    when :math:`\eta\le 1` and the mean is infinite (the paper's
    :math:`\eta=0.644`).

    Raises
    ------
    ValueError
        If ``expected`` and ``eta <= 1``.
    """
    if expected:
        eta = require_in_range("eta", eta, 1, np.inf,
                               meaning="location Fréchet shape; expected utility is finite only if eta > 1")
        return frechet.expected_maximum(real_wage, eta, scale=B, axis=axis)
    eta = require_in_range("eta", eta, 0, np.inf, meaning="location Fréchet shape")
    return _power_mean(real_wage, eta, scale=B, axis=axis)   # Phi^(1/eta) in logs (no overflow)


def _xi(xi):
    return require_in_range("xi", xi, 0, np.inf, meaning="native-foreign elasticity of substitution")


def occupation_price(p_native, p_foreign, xi: float) -> np.ndarray:
    r"""CES price of an occupation service (paper, display below eq. 1; (L2) of the digest).

    .. math:: p_r(o) = \big(p_r(D,o)^{1-\xi} + p_r(F,o)^{1-\xi}\big)^{1/(1-\xi)}

    ``p_foreign = inf`` (no foreign workers) is allowed when ``xi > 1``: the
    foreign term then vanishes and :math:`p_r(o)=p_r(D,o)`.
    """
    xi = _xi(xi)
    if xi == 1.0:
        raise ValueError("xi = 1 is the Cobb-Douglas limit, not covered by this CES formula")
    pD = np.asarray(require_positive("p_native", p_native), float)
    pF = np.asarray(p_foreign, float)
    if np.any(np.isnan(pF)) or np.any(pF <= 0):
        raise ValueError("p_foreign must be positive (inf allowed for an absent type when xi > 1)")
    if np.any(np.isinf(pF)) and xi < 1:
        raise ValueError("xi must exceed 1 for an absent foreign type (p_foreign = inf) to drop out")
    with np.errstate(divide="ignore", over="ignore"):
        return (pD ** (1 - xi) + pF ** (1 - xi)) ** (1.0 / (1 - xi))


def relative_demand(price_ratio, xi: float) -> np.ndarray:
    r"""Cost-minimising foreign/native service ratio, :math:`\ell_F/\ell_D = (p_F/p_D)^{-\xi}`.

    The first-order conditions of the CES aggregator (display above paper
    eq. 2); taking logs gives the regression of paper §4.1 / Table 5.
    """
    xi = _xi(xi)
    return np.asarray(require_positive("price_ratio", price_ratio), float) ** (-xi)


def relative_price(quantity_ratio, xi: float) -> np.ndarray:
    r"""Inverse relative demand, :math:`p_F/p_D = (\ell_F/\ell_D)^{-1/\xi}` (Table 5 regression)."""
    xi = _xi(xi)
    return np.asarray(require_positive("quantity_ratio", quantity_ratio), float) ** (-1.0 / xi)


def foreign_bill_share(p_native, p_foreign, xi: float) -> np.ndarray:
    r"""Foreign share of an occupation's wage bill, :math:`(p_F/p(o))^{1-\xi}` (paper eq. 16).

    The occupation-market clearing condition (16) splits the occupation's
    wage bill between natives and foreigners in these proportions; they sum
    to one over :math:`k` (checked by the tests).
    """
    xi = _xi(xi)
    p_o = occupation_price(p_native, p_foreign, xi)
    with np.errstate(divide="ignore", over="ignore"):
        return (np.asarray(p_foreign, float) / p_o) ** (1 - xi)
