r"""One location of Kikuchi & O'Connor (2025), "Granular origins of agglomeration".

Single-location building blocks shared by the chapter's notebooks (and by the
estimation notebook, which imports them to simulate its synthetic panel):

* parameter checks (:func:`check_parameters`);
* firm draws: Poisson entry per sector, Pareto ex-ante productivity, log-normal
  firm and sector shocks (paper eqs. E1-E2; :func:`draw_firm_counts`,
  :func:`draw_productivity`, :func:`draw_log_shocks`, :func:`draw_size_biased_sectors`);
* the no-shock allocation (:func:`no_shock_shares`);
* the exact sector equilibrium of the Section 2 baseline (paper eqs. 2-4;
  :func:`baseline_sector_equilibrium`) and its first-order responses;
* the first-order employment responses with labor-supply frictions
  (:math:`\kappa` across firms, :math:`\nu` across sectors) under perfect
  competition (paper eq. 22) and Cournot oligopsony (reconstructed, see
  :func:`response_matrix`), and the exact nonlinear sector solve
  (:func:`solve_sector`);
* :func:`sector_shock_variance` (paper eq. 21) and :func:`ratio_beta3_beta1`
  (Section 5.2, with the sign/typo correction discussed in the chapter).

Notation: ``x = z**(1/eta)`` is the "size" of a firm; with Pareto(``lam``) ``z``,
``x`` is Pareto with tail index ``alpha = lam * eta`` (must exceed 1).
The function names in this module are a stable interface: do not rename.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from lib.core.errors import ConvergenceError
from lib.core.pareto import draw_pareto
from lib.core.validate import (require_greater, require_in_range, require_nonnegative,
                          require_positive, require_shares)

__all__ = [
    "max_log_shock_variance",
    "ELASTICITY_MIN",
    "check_parameters",
    "tail_index",
    "draw_firm_counts",
    "draw_productivity",
    "draw_log_shocks",
    "draw_size_biased_sectors",
    "no_shock_shares",
    "BaselineSector",
    "baseline_sector_equilibrium",
    "baseline_first_order",
    "friction_constant",
    "ratio_beta3_beta1",
    "response_matrix",
    "first_order_employment_response",
    "SectorSolution",
    "solve_sector",
    "sector_shock_variance",
    "CONDUCTS",
]

CONDUCTS = ("perfect", "cournot")


#: No standard normal draw of a simulation exceeds this in absolute value (P(|Z| > 8.5) = 2e-17).
Z_MAX = 8.5
_LOG_HUGE = float(np.log(np.finfo(float).max))


#: Smallest admissible labor-supply elasticity kappa or nu: 1/sqrt(DBL_MAX) ~ 7.5e-155, so that
#: the products of two reciprocals (1/nu - 1/kappa)(1 + 1/kappa) in the Cournot terms stay finite.
ELASTICITY_MIN = float(1.0 / np.sqrt(np.finfo(float).max))


def max_log_shock_variance(eta: float) -> float:
    r"""Largest variance :math:`\sigma^2` of a log shock for which simulated employment is finite.

    Employment is proportional to :math:`a^{1/\eta}` with :math:`\log a=\sigma Z`, so it overflows
    once :math:`\sigma Z_{\max}/\eta` exceeds :math:`\log(\text{DBL\_MAX})\approx709.8`:
    :math:`\sigma^2\le(\eta\cdot709.8/8.5)^2` (118 at eta = 0.13).
    """
    return float((float(eta) * _LOG_HUGE / Z_MAX) ** 2)


def check_parameters(*, eta=None, lam=None, sigma2_N=None, sigma2_S=None,
                     kappa=None, nu=None, theta=None, m=None) -> None:
    r"""Validate the model's structural parameters (only those passed).

    Parameters
    ----------
    eta : float, optional
        Decreasing returns: output is :math:`z a \ell^{1-\eta}` (paper eq. E1); in (0, 1).
    lam : float, optional
        Pareto tail of productivity :math:`z` (paper Sec. 3); needs ``lam * eta > 1``.
    sigma2_N, sigma2_S : float, optional
        Variances of the log firm and log sector shocks; non-negative.
    kappa, nu : float, optional
        Short-run labor-supply elasticities across firms and across sectors; positive.
    theta : float, optional
        Migration elasticity; positive.
    m : float or array, optional
        Mass of entrants per sector (expected firms per sector); non-negative.

    Raises
    ------
    ValueError
        Naming the offending parameter and its admissible range.
    """
    if eta is not None:
        require_in_range("eta", eta, 0.0, 1.0, meaning="returns-to-scale parameter (profit share)")
    if lam is not None:
        require_positive("lam", lam, meaning="Pareto tail index of productivity")
        if eta is not None:
            require_greater("lam*eta", float(lam) * float(eta), 1.0, "1",
                            meaning="lam*eta must exceed 1 so that E[z^(1/eta)] is finite (lam = "
                                    f"{lam!r}, eta = {eta!r})")
    for name, value in (("sigma2_N", sigma2_N), ("sigma2_S", sigma2_S)):
        if value is None:
            continue
        what = "variance of log firm shocks" if name == "sigma2_N" else "variance of log sector shocks"
        require_nonnegative(name, value, meaning=what)
        if eta is not None:
            top = max_log_shock_variance(eta)
            require_in_range(name, value, 0.0, top, low_inclusive=True, high_inclusive=True,
                             meaning=f"{what}; above (eta*709.8/8.5)^2 = {top:.3g} (eta = {eta!r}) "
                                     "employment a^(1/eta) overflows for an 8.5-sd shock")
    for name, value, what in (("kappa", kappa, "labor-supply elasticity across firms"),
                              ("nu", nu, "labor-supply elasticity across sectors")):
        if value is None:
            continue
        require_positive(name, value, meaning=what)
        require_in_range(name, value, ELASTICITY_MIN, np.inf, low_inclusive=True,
                         meaning=f"{what}; the model's equations use 1/{name}, and the Cournot markdown "
                                 f"the product (1/nu - 1/kappa)(1 + 1/kappa), which overflows double "
                                 f"precision unless 1/{name} <= sqrt(DBL_MAX), i.e. {name} >= "
                                 f"{ELASTICITY_MIN:.3g}")
    if theta is not None:
        require_positive("theta", theta, meaning="migration elasticity")
    if m is not None:
        require_nonnegative("m", m, meaning="mass of entrants per sector")


def tail_index(eta: float, lam: float) -> float:
    r"""Tail index :math:`\alpha = \lambda\eta` of firm size :math:`x = z^{1/\eta}`.

    If :math:`\Pr(z>t) = (t/\underline z)^{-\lambda}` then
    :math:`\Pr(x>t) = (t/\underline z^{1/\eta})^{-\lambda\eta}` (paper Sec. 3, footnote 6).
    """
    check_parameters(eta=eta, lam=lam)
    return float(lam) * float(eta)


def draw_firm_counts(m: float, size, rng=None) -> np.ndarray:
    r"""Number of firms per sector, :math:`N_s \sim \mathrm{Poisson}(m)` (paper eq. E2)."""
    check_parameters(m=m)
    rng = np.random.default_rng(rng)
    return rng.poisson(m, size=size)


def draw_productivity(lam: float, size, rng=None, z_min: float = 1.0) -> np.ndarray:
    r"""Ex-ante productivities :math:`z`, Pareto with tail ``lam`` and scale ``z_min`` (paper Sec. 3)."""
    require_positive("lam", lam, meaning="Pareto tail index of productivity")
    require_positive("z_min", z_min, meaning="Pareto scale")
    return draw_pareto(float(lam), size, phi_min=float(z_min), rng=rng)


def draw_log_shocks(n_firms, sigma2_N: float, sigma2_S: float, rng=None):
    r"""Log shocks :math:`\log a_n = \log\tilde a_n + \log\tilde A` for one sector (paper eq. E1).

    Parameters
    ----------
    n_firms : int or tuple
        Shape of the firm-level draws; the sector shock is common along the last axis.

    Returns
    -------
    ndarray
        Gaussian log shocks with variance ``sigma2_N + sigma2_S`` and within-sector
        covariance ``sigma2_S`` (the paper only pins down two moments; we use Gaussians).
    """
    check_parameters(sigma2_N=sigma2_N, sigma2_S=sigma2_S)
    rng = np.random.default_rng(rng)
    shape = (n_firms,) if np.isscalar(n_firms) else tuple(n_firms)
    firm = np.sqrt(sigma2_N) * rng.standard_normal(shape)
    sector = np.sqrt(sigma2_S) * rng.standard_normal(shape[:-1] + (1,))
    return firm + sector


#: Largest array (number of float64 cells, i.e. 400 MB) that a simulation of this package allocates.
MAX_ARRAY_CELLS = 5 * 10**7


def require_array_budget(n_cells: float, what: str, knobs: str) -> None:
    """Refuse an allocation of more than :data:`MAX_ARRAY_CELLS` float64 cells.

    ``what`` describes the array, ``knobs`` names the parameters (and values) that set its size.
    """
    if not n_cells <= MAX_ARRAY_CELLS:
        raise ValueError(f"{what} would hold {float(n_cells):.3g} numbers, above the limit of "
                         f"{MAX_ARRAY_CELLS:.0e} (400 MB): reduce {knobs}")


def _require_count(name: str, value, meaning: str) -> int:
    """Check that ``value`` is a positive integer (an int-valued number); return it as ``int``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float, np.floating)) \
            or not float(value).is_integer() or value < 1:
        raise ValueError(f"{name} = {value!r} must be a positive integer (admissible range [1, inf)): "
                         f"{meaning}")
    return int(value)


def draw_size_biased_sectors(m: float, alpha: float, n_sectors: int, rng=None, n_max=None):
    r"""Draw the sectors an employed worker sees: employment-weighted (size-biased) sectors.

    A sector drawn with probability proportional to its no-shock employment
    :math:`g_s \propto \sum_n x_n` is one "tagged" firm whose size has the
    size-biased density :math:`\propto x f(x)` (Pareto with tail ``alpha - 1``)
    plus :math:`K \sim \mathrm{Poisson}(m)` ordinary rivals (Mecke/Palm formula for a
    Poisson process). Under this law :math:`\mathbb E[HHI] = H(m)` (paper eq. 11).

    Parameters
    ----------
    m : float
        Mass of entrants per sector.
    alpha : float
        Tail index of firm size :math:`x=z^{1/\eta}`; must exceed 1 (``np.inf``: identical firms).
    n_sectors : int
        Number of sectors to draw.
    n_max : int, optional
        Width of the padded array (default: the largest drawn count).

    Returns
    -------
    x : ndarray, shape (n_sectors, n_max)
        Firm sizes, padded with zeros; column 0 is the tagged firm.
    n_firms : ndarray of int, shape (n_sectors,)
        Number of firms in each sector (at least 1).

    Raises
    ------
    ValueError
        If ``m`` is negative, ``alpha <= 1``, ``n_sectors`` is not a positive integer,
        ``n_max`` is not a positive integer, or the padded array would exceed
        :data:`MAX_ARRAY_CELLS` (about ``n_sectors * (m + 8 sqrt(m) + 8)`` cells).
    """
    check_parameters(m=m)
    require_greater("alpha", alpha, 1.0, "1", meaning="tail index of firm size lam*eta")
    n_sectors = _require_count("n_sectors", n_sectors, "number of sectors to draw")
    if n_max is not None:
        _require_count("n_max", n_max, "width of the padded firm array")
    # the padded array is n_sectors x (largest Poisson(m) count + 1); bound it before drawing
    expected_width = (float(n_max) if n_max is not None else float(m) + 8.0 * np.sqrt(float(m)) + 8.0)
    require_array_budget(n_sectors * expected_width, "the padded array of size-biased sectors",
                         f"n_sectors (= {n_sectors}) or m (= {float(m):g})")
    rng = np.random.default_rng(rng)
    k = rng.poisson(m, size=n_sectors)
    n_firms = k + 1
    width = int(n_firms.max()) if n_max is None else int(n_max)
    require_array_budget(n_sectors * width, "the padded array of size-biased sectors",
                         f"n_sectors (= {n_sectors}) or m (= {float(m):g})")
    n_firms = np.minimum(n_firms, width)
    if np.isinf(alpha):
        x = np.ones((n_sectors, width))
    else:
        x = rng.uniform(size=(n_sectors, width)) ** (-1.0 / alpha)
        x[:, 0] = rng.uniform(size=n_sectors) ** (-1.0 / (alpha - 1.0))
    mask = np.arange(width)[None, :] < n_firms[:, None]
    return np.where(mask, x, 0.0), n_firms


def no_shock_shares(z, eta: float, axis: int = -1) -> np.ndarray:
    r"""No-shock employment shares :math:`sh_n = z_n^{1/\eta}/\sum_{n'} z_{n'}^{1/\eta}` (derived).

    Zeros (padding) get zero share. Works along ``axis`` of a padded array.
    """
    check_parameters(eta=eta)
    z = np.asarray(z, dtype=float)
    require_nonnegative("z", z, meaning="productivities (0 = padding)")
    x = z ** (1.0 / eta)
    total = x.sum(axis=axis, keepdims=True)
    return np.divide(x, total, out=np.zeros_like(x), where=total > 0)


@dataclass
class BaselineSector:
    """Exact period-2 equilibrium of one sector in the Section 2 baseline."""

    employment: np.ndarray   # l_n, persons
    wage: np.ndarray         # sector wage w_s, goods per person
    output: np.ndarray       # Y_s = sum_n y_n, goods
    profits: np.ndarray      # pi_n = y_n - w_s l_n, goods


def baseline_sector_equilibrium(z, log_a, eta: float, labor) -> BaselineSector:
    r"""Exact sector equilibrium with competitive, sector-specific labor (paper eqs. 2-4).

    With :math:`X_n = (z_n a_n)^{1/\eta}`, labor demand :math:`w=(1-\eta)z a\ell^{-\eta}`
    and clearing :math:`\sum_n\ell_n = L_s` give
    :math:`\ell_n = L_s X_n/\sum X`, :math:`w_s=(1-\eta)(\sum X)^\eta L_s^{-\eta}` and
    :math:`Y_s=(\sum X)^\eta L_s^{1-\eta}`.

    Parameters
    ----------
    z, log_a : array_like, shape (..., N)
        Productivities (0 marks padding) and log shocks of the sector's firms.
    eta : float
    labor : float or array, shape (...)
        Workers in the sector, :math:`L_s` (fixed in period 1).

    Raises
    ------
    ValueError
        If ``eta`` is outside (0, 1), an element of ``z`` is negative or not finite, a sector
        has no firm with ``z > 0``, or ``labor`` is not positive.
    """
    check_parameters(eta=eta)
    z = np.asarray(z, float)
    require_nonnegative("z", z, meaning="productivities (0 = padding)")
    log_a = np.asarray(log_a, float)
    labor = np.asarray(require_positive("labor", labor), float)
    X = np.where(z > 0, z * np.exp(log_a), 0.0) ** (1.0 / eta)
    total = X.sum(axis=-1)
    if np.any(total <= 0):
        raise ValueError("z: every sector needs at least one firm with z > 0")
    emp = labor[..., None] * X / total[..., None]
    wage = (1 - eta) * total ** eta * labor ** (-eta)
    output = total ** eta * labor ** (1 - eta)
    y = np.where(z > 0, z * np.exp(log_a) * np.where(emp > 0, emp, 1.0) ** (1 - eta), 0.0)
    return BaselineSector(emp, wage, output, y - wage[..., None] * emp)


def baseline_first_order(sh, a_hat, eta: float):
    r"""First-order responses in the baseline (paper App. A).

    :math:`\hat w_s = \sum_n sh_n \hat a_n` and
    :math:`\hat\ell_n = \frac1\eta(\hat a_n - \sum_{n'} sh_{n'}\hat a_{n'})`.

    Returns
    -------
    (l_hat, w_hat) : employment log-deviations (..., N) and sector wage (...).
    """
    check_parameters(eta=eta)
    sh = np.asarray(sh, float)
    a_hat = np.asarray(a_hat, float)
    abar = (sh * a_hat).sum(axis=-1)
    return (a_hat - abar[..., None]) / eta, abar


def friction_constant(eta: float, kappa: float, nu: float) -> float:
    r""":math:`c = \frac{1/\nu - 1/\kappa}{\eta + 1/\nu}` of paper eq. (22)."""
    check_parameters(eta=eta, kappa=kappa, nu=nu)
    return (1.0 / nu - 1.0 / kappa) / (eta + 1.0 / nu)


def ratio_beta3_beta1(eta: float, kappa: float, nu: float) -> float:
    r"""Theoretical ratio :math:`\beta_3/\beta_1 = -c` of the Table 3 regression (paper Sec. 5.2).

    The paper prints :math:`\beta_1/\beta_3 = -\frac{1/\eta-1/\kappa}{\eta+1/\eta}`; the
    form consistent with eq. (22) and with the Table 3 note ("-0.35") is
    :math:`\beta_3/\beta_1 = -\frac{1/\nu-1/\kappa}{\eta+1/\nu}`.
    """
    return -friction_constant(eta, kappa, nu)


def _cournot_delta(sh, eta, kappa, nu):
    b = 1.0 / nu - 1.0 / kappa
    e_bar = 1.0 / kappa + b * sh
    return b * (1.0 + 1.0 / kappa) * sh / (1.0 + e_bar)


def response_matrix(sh, eta: float, kappa: float, nu: float, conduct: str = "perfect") -> np.ndarray:
    r"""Matrix :math:`M` with :math:`\hat\ell = M\hat a` for one or many sectors.

    Perfect competition (paper eq. 22):
    :math:`\hat\ell_n = \frac{\hat a_n - c\sum_{n'} sh_{n'}\hat a_{n'}}{\eta+1/\kappa}`.

    Cournot oligopsony (**reconstructed**; the paper's derivation is in its online
    supplement, which we do not have): firm :math:`n` faces inverse elasticity
    :math:`e_n = \frac1\kappa + (\frac1\nu-\frac1\kappa)\tilde s_n`; linearising
    :math:`\log MPL_n = \log w_n + \log(1+e_n) - \log(1+\bar e_n)` gives
    :math:`(\eta+\frac1\kappa+\delta_n)\hat\ell_n + (\frac1\nu-\frac1\kappa-\delta_n)\hat\ell_s = \hat a_n`,
    :math:`\hat\ell_s=\sum sh\,\hat\ell`,
    :math:`\delta_n = \frac{(1/\nu-1/\kappa)(1+1/\kappa)sh_n}{1+\bar e_n}`. Solved by Sherman-Morrison.

    Parameters
    ----------
    sh : array_like, shape (..., N)
        No-shock employment shares (rows sum to one; zero padding allowed).
    conduct : {"perfect", "cournot"}

    Returns
    -------
    ndarray, shape (..., N, N)

    Raises
    ------
    ValueError
        If a parameter is inadmissible, conduct is unknown, or a row of ``sh`` is not on the simplex
        (negative, not finite, or not summing to one).
    """
    check_parameters(eta=eta, kappa=kappa, nu=nu)
    if conduct not in CONDUCTS:
        raise ValueError(f"conduct must be one of {CONDUCTS}; got {conduct!r}")
    sh = require_shares("sh", sh, axis=-1, meaning="no-shock employment shares of the sector's firms")
    b = 1.0 / nu - 1.0 / kappa
    delta = _cournot_delta(sh, eta, kappa, nu) if conduct == "cournot" else np.zeros_like(sh)
    d = eta + 1.0 / kappa + delta                         # diagonal
    u = b - delta                                         # column vector of the rank-one term
    dinv = 1.0 / d
    denom = 1.0 + (sh * dinv * u).sum(axis=-1)
    eye = np.eye(sh.shape[-1])
    M = eye * dinv[..., None, :] - (dinv * u)[..., :, None] * (sh * dinv)[..., None, :] / denom[..., None, None]
    return M


def first_order_employment_response(sh, a_hat, eta: float, kappa: float, nu: float,
                                    conduct: str = "perfect") -> np.ndarray:
    r"""First-order log employment responses :math:`\hat\ell = M\hat a` (paper eq. 22; Cournot reconstructed).

    ``sh`` and ``a_hat`` have shape (..., N); returns shape (..., N).
    Under perfect competition the sector aggregate satisfies
    :math:`\sum sh\,\hat\ell = \bar a_s/(\eta+1/\nu)`.
    """
    sh = np.asarray(sh, float)
    a_hat = np.asarray(a_hat, float)
    if conduct == "perfect":
        check_parameters(eta=eta, kappa=kappa, nu=nu)
        c = friction_constant(eta, kappa, nu)
        abar = (sh * a_hat).sum(axis=-1, keepdims=True)
        return (a_hat - c * abar) / (eta + 1.0 / kappa)
    if conduct != "cournot":
        raise ValueError(f"conduct must be one of {CONDUCTS}; got {conduct!r}")
    check_parameters(eta=eta, kappa=kappa, nu=nu)
    # Sherman-Morrison without forming M: (D + u sh^T) l = a
    b = 1.0 / nu - 1.0 / kappa
    delta = _cournot_delta(sh, eta, kappa, nu)
    d = eta + 1.0 / kappa + delta
    u = b - delta
    Dinv_a = a_hat / d
    corr = (sh * Dinv_a).sum(axis=-1, keepdims=True) / (1.0 + (sh * u / d).sum(axis=-1, keepdims=True))
    return Dinv_a - (u / d) * corr


@dataclass
class SectorSolution:
    """Exact (nonlinear) sector equilibrium with frictions, in log deviations."""

    l_hat: np.ndarray        # log employment relative to no-shock
    converged: bool
    iterations: int
    residual: float


def solve_sector(sh, a_hat, eta: float, kappa: float, nu: float, conduct: str = "perfect",
                 log_W: float = 0.0, tol: float = 1e-12) -> SectorSolution:
    r"""Exact sector equilibrium with labor-supply frictions for one sector (paper Sec. 3).

    Solves for :math:`\hat\ell_n` (log employment relative to the no-shock allocation)

    .. math::
        \hat a_n - \eta\hat\ell_n = \log W + \hat\ell_n/\kappa + (1/\nu-1/\kappa)\,\hat\ell^C_s
        \;[+\log(1+e_n) - \log(1+\bar e_n)\ \text{under Cournot}],

    with :math:`\hat\ell^C_s = \frac1\rho\log\sum sh\,e^{\rho\hat\ell}`, :math:`\rho=(1+\kappa)/\kappa`
    (the exact CES inverse supply; reconstructed from paper eqs. 13-17).

    Parameters
    ----------
    sh : array_like, shape (N,)
        No-shock employment shares (non-negative, summing to one).
    a_hat : array_like, shape (N,)
        Log productivity shocks of the firms.

    Raises
    ------
    ValueError
        If a parameter is inadmissible or ``sh`` is not on the simplex.
    lib.core.errors.ConvergenceError
        If the root finder fails; the message carries the residual and iterations.
    """
    check_parameters(eta=eta, kappa=kappa, nu=nu)
    sh = require_shares("sh", sh, meaning="no-shock employment shares of the sector's firms")
    a_hat = np.asarray(a_hat, float)
    rho = (1.0 + kappa) / kappa
    b = 1.0 / nu - 1.0 / kappa
    e_bar = 1.0 / kappa + b * sh

    def resid(lh):
        wts = sh * np.exp(rho * lh)
        lsC = np.log(wts.sum()) / rho
        r = (a_hat - eta * lh) - (log_W + lh / kappa + b * lsC)
        if conduct == "cournot":
            s_tilde = wts / wts.sum()
            r = r - (np.log1p(1.0 / kappa + b * s_tilde) - np.log1p(e_bar))
        return r

    x0 = first_order_employment_response(sh, a_hat, eta, kappa, nu, conduct)
    sol = optimize.root(resid, x0, method="hybr", tol=tol)
    res = float(np.max(np.abs(resid(sol.x))))
    if not np.isfinite(res) or res > 1e-9:
        raise ConvergenceError(f"solve_sector did not converge: residual {res:.3g} after {sol.nfev} evaluations",
                               res, sol.nfev)
    return SectorSolution(sol.x, True, int(sol.nfev), res)


def sector_shock_variance(N, sigma2_N: float, sigma2_S: float):
    r"""Variance of the mean log shock in a sector with N firms, :math:`\sigma_S^2+\sigma_N^2/N` (paper eq. 21)."""
    check_parameters(sigma2_N=sigma2_N, sigma2_S=sigma2_S)
    N = np.asarray(N, float)
    require_positive("N", N, meaning="number of firms in the sector")
    return sigma2_S + sigma2_N / N


def baseline_lemma1_monte_carlo(m: float, alpha: float, eta: float, sigma2_N: float, sigma2_S: float,
                                scales, n_sectors: int = 2000, n_states: int = 50, rng=None):
    r"""Nested Monte Carlo of the exact Section 2 economy, to check Lemma 1 and Corollary 2.

    Draws ``n_sectors`` employment-weighted (size-biased) sectors and ``n_states`` antithetic pairs of
    shock states per sector; period-1 labor is fixed at the no-shock allocation (error O(sigma^4)).
    For each shock scale ``s`` (log shocks multiplied by s) it returns

    * ``phi_gap``: :math:`\mathbb E[(\sum_n sh_n a_n^{1/\eta})^\eta - \sum_n sh_n a_n]`, the exact
      :math:`\Phi(m)-\mathbb E[a]` (a control variate removes the first-order noise);
    * ``phi_gap_lemma1``: Lemma 1's :math:`\frac{1-\eta}{2\eta}(1-\overline{HHI})s^2\sigma_N^2` with the
      sample's own weighted HHI;
    * ``wage_var``: :math:`\mathbb E_s\mathrm{Var}(\log w_s)` across states (Corollary 2);
    * ``wage_var_cor2``: :math:`s^2(\sigma_S^2+\overline{HHI}\sigma_N^2)`.

    Returns
    -------
    dict of arrays (one entry per scale) plus ``hhi`` (sample mean weighted HHI).
    """
    check_parameters(eta=eta, sigma2_N=sigma2_N, sigma2_S=sigma2_S, m=m)
    rng = np.random.default_rng(rng)
    scales = np.atleast_1d(np.asarray(scales, float))
    x, _ = draw_size_biased_sectors(m, alpha, n_sectors, rng)
    sh = x / x.sum(axis=1, keepdims=True)
    hhi = float((sh ** 2).sum(axis=1).mean())
    width = sh.shape[1]
    u = (np.sqrt(sigma2_N) * rng.standard_normal((n_states, n_sectors, width))
         + np.sqrt(sigma2_S) * rng.standard_normal((n_states, n_sectors, 1)))
    log_sh = np.log(np.where(sh > 0, sh, 1.0))
    out = {"phi_gap": [], "phi_gap_lemma1": [], "wage_var": [], "wage_var_cor2": []}
    for s in scales:
        gaps, wv = [], []
        for sgn in (1.0, -1.0):
            la = sgn * s * u
            z = np.where(sh > 0, log_sh + la / eta, -np.inf)
            zmax = z.max(axis=2, keepdims=True)
            log_w_hat = eta * (zmax[..., 0] + np.log(np.exp(z - zmax).sum(axis=2)))   # eta*log sum sh a^(1/eta)
            gaps.append(np.exp(log_w_hat) - (sh * np.exp(la)).sum(axis=2))
            wv.append(log_w_hat)
        out["phi_gap"].append(float(np.mean(gaps)))
        lw = np.concatenate(wv, axis=0)
        out["wage_var"].append(float(lw.var(axis=0).mean()))
        out["phi_gap_lemma1"].append((1 - eta) / (2 * eta) * (1 - hhi) * s * s * sigma2_N)
        out["wage_var_cor2"].append(s * s * (sigma2_S + hhi * sigma2_N))
    out = {k: np.array(v) for k, v in out.items()}
    out["hhi"] = hhi
    return out


__all__.append("baseline_lemma1_monte_carlo")


def profit_given_wage(z, log_a, wage, eta: float) -> np.ndarray:
    r"""Profit of a wage-taking firm, :math:`\pi=\eta(1-\eta)^{\frac{1-\eta}\eta}(za)^{1/\eta}w^{-\frac{1-\eta}\eta}` (paper Sec. 2.5).

    Used to show that competitive entry has no equilibrium: an entrant whose shock is independent
    of the sector wage expects more than an incumbent whose own shock moves the wage.
    """
    check_parameters(eta=eta)
    za = np.asarray(z, float) * np.exp(np.asarray(log_a, float))
    w = np.asarray(require_positive("wage", wage), float)
    return eta * (1 - eta) ** ((1 - eta) / eta) * za ** (1 / eta) * w ** (-(1 - eta) / eta)


__all__.append("profit_given_wage")
