r"""Regional production function, wage-size elasticity and subsidies (Kikuchi & O'Connor 2025, Secs. 2-3).

Two versions of :math:`\Phi(m)`:

* **Section 2 baseline** (workers perfectly mobile across firms within a sector, stuck in
  the sector): Lemma 1 in levels, :math:`\Phi(m)=\mathbb E[a]+\frac{1-\eta}2 C(m)`,
  :math:`C=\frac1\eta(1-H(m))\sigma_N^2` (paper eq. 6 and App. A), elasticity by eq. (11).
* **Section 3 quantitative model** with frictions :math:`\kappa` (across firms) and
  :math:`\nu` (across sectors), in logs:
  :math:`\log\Phi^f = \frac12(\sigma_N^2+\sigma_S^2) + (1-\eta)[C^f - \frac12((\eta+\frac1\kappa)V_n^f+(\frac1\nu-\frac1\kappa)V_s^f)]`
  which under perfect competition reduces to :math:`\frac12(\sigma_N^2+\sigma_S^2)+\frac{1-\eta}2C^p(m)` with
  :math:`C^p` of Sec. 3.2. The Cournot version and the wage-bill term :math:`\Psi^c` are
  **reconstructions** (the paper's online supplement is not available): first-order responses
  from :func:`lib.granular.local.response_matrix` and a second-order Monte Carlo of the markdown.

Cournot sector terms are tabulated by the number of firms :math:`N` in a size-biased sector
(:func:`cournot_sector_table`) and mixed over Poisson entry, which gives smooth functions of
:math:`m` and exact derivatives :math:`\frac{d}{dm}\sum_k p_k(m)f_{k+1}=\sum_k p_k(m)(f_{k+2}-f_{k+1})`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from lib.core.errors import ConvergenceError
from lib.granular.hhi import psi_N, weighted_hhi, weighted_hhi_slope
from lib.granular.local import (CONDUCTS, MAX_ARRAY_CELLS, _require_count, check_parameters,
                                require_array_budget, tail_index)
from lib.core.validate import require_in_range, require_positive, require_shape, require_shares

__all__ = [
    "cov_term_baseline",
    "phi_baseline",
    "productivity_elasticity_baseline",
    "wage_elasticity",
    "firm_elasticity",
    "entry_subsidy",
    "cov_term_perfect",
    "log_phi_perfect",
    "productivity_elasticity_perfect",
    "sector_quadratic_terms",
    "newton_sector_batch",
    "CournotTable",
    "cournot_sector_table",
    "PhiPsi",
    "phi_psi",
    "wage_elasticity_general",
    "optimal_policy_wedges",
]


# ---------------------------------------------------------------- Section 2 baseline
def cov_term_baseline(m, eta: float, lam: float, sigma2_N: float) -> np.ndarray:
    r"""Employment-weighted covariance :math:`C(m)=\frac1\eta(1-H(m))\sigma_N^2` (paper App. A, proof of Prop. 2)."""
    check_parameters(eta=eta, lam=lam, sigma2_N=sigma2_N, m=m)
    return (1.0 - weighted_hhi(m, tail_index(eta, lam))) * sigma2_N / eta


def phi_baseline(m, eta: float, lam: float, sigma2_N: float, sigma2_S: float) -> np.ndarray:
    r""":math:`\Phi(m)=\mathbb E[a]+\frac{1-\eta}2C(m)` with :math:`\mathbb E[a]=e^{(\sigma_N^2+\sigma_S^2)/2}` (paper Lemma 1, eq. 6)."""
    check_parameters(sigma2_S=sigma2_S)
    Ea = np.exp(0.5 * (sigma2_N + sigma2_S))
    return Ea + 0.5 * (1.0 - eta) * cov_term_baseline(m, eta, lam, sigma2_N)


def productivity_elasticity_baseline(m, eta: float, lam: float, sigma2_N: float,
                                     sigma2_S: float) -> np.ndarray:
    r""":math:`\varepsilon(m)=\partial\log\Phi/\partial\log m=-\frac12\frac{1-\eta}\eta\frac{m H'(m)}{\Phi(m)}\sigma_N^2` (paper eq. 11)."""
    m = np.atleast_1d(np.asarray(m, float))
    phi = phi_baseline(m, eta, lam, sigma2_N, sigma2_S)
    dH = weighted_hhi_slope(m, tail_index(eta, lam))
    return -0.5 * (1.0 - eta) / eta * m * dH / phi * sigma2_N


def _check_stable(eps, eta):
    eps = np.asarray(eps, float)
    if np.any(eps >= 1.0 - eta):
        raise ValueError(f"eps must be below 1 - eta = {1 - eta:g} for a stable equilibrium "
                         f"(paper Prop. 1); max eps = {eps.max():g}")
    return eps


def wage_elasticity(eps, eta: float) -> np.ndarray:
    r""":math:`\frac{d\log w}{d\log\ell}=\frac{\varepsilon/(1-\eta)}{1-\varepsilon/(1-\eta)}` (paper Prop. 1; stable if :math:`\varepsilon<1-\eta`)."""
    check_parameters(eta=eta)
    eps = _check_stable(eps, eta)
    r = eps / (1.0 - eta)
    return r / (1.0 - r)


def firm_elasticity(eps, eta: float) -> np.ndarray:
    r""":math:`\frac{d\log m}{d\log\ell}=\frac1{1-\varepsilon/(1-\eta)}` (paper Prop. 1, proof)."""
    check_parameters(eta=eta)
    eps = _check_stable(eps, eta)
    return 1.0 / (1.0 - eps / (1.0 - eta))


def entry_subsidy(eps, eta: float) -> np.ndarray:
    r"""Optimal entry subsidy under perfect competition :math:`\tau=\varepsilon/\eta` (paper Prop. 3)."""
    check_parameters(eta=eta)
    return np.asarray(eps, float) / eta


# ---------------------------------------------------------------- Section 3, perfect competition
def cov_term_perfect(m, eta, lam, kappa, nu, sigma2_N, sigma2_S) -> np.ndarray:
    r""":math:`C^p(m)=\frac{\sigma_S^2}{\eta+1/\nu}+\frac{\eta+1/\nu-(1/\nu-1/\kappa)H(m)}{(\eta+1/\kappa)(\eta+1/\nu)}\sigma_N^2` (paper Sec. 3.2)."""
    check_parameters(eta=eta, lam=lam, kappa=kappa, nu=nu, sigma2_N=sigma2_N, sigma2_S=sigma2_S, m=m)
    H = weighted_hhi(m, tail_index(eta, lam))
    a, b = eta + 1.0 / kappa, eta + 1.0 / nu
    return sigma2_S / b + (b - (1.0 / nu - 1.0 / kappa) * H) / (a * b) * sigma2_N


def log_phi_perfect(m, eta, lam, kappa, nu, sigma2_N, sigma2_S) -> np.ndarray:
    r""":math:`\log\Phi^p=\frac12(\sigma_N^2+\sigma_S^2)+\frac{1-\eta}2C^p(m)` (Lemma 1 in logs, Sec. 3.2)."""
    C = cov_term_perfect(m, eta, lam, kappa, nu, sigma2_N, sigma2_S)
    return 0.5 * (sigma2_N + sigma2_S) + 0.5 * (1.0 - eta) * C


def productivity_elasticity_perfect(m, eta, lam, kappa, nu, sigma2_N, sigma2_S) -> np.ndarray:
    r""":math:`\varepsilon^p=-\frac{1-\eta}2\frac{(1/\nu-1/\kappa)\,mH'(m)}{(\eta+1/\kappa)(\eta+1/\nu)}\sigma_N^2`."""
    check_parameters(eta=eta, lam=lam, kappa=kappa, nu=nu, sigma2_N=sigma2_N, sigma2_S=sigma2_S, m=m)
    m = np.atleast_1d(np.asarray(m, float))
    dH = weighted_hhi_slope(m, tail_index(eta, lam))
    a, b = eta + 1.0 / kappa, eta + 1.0 / nu
    return -0.5 * (1.0 - eta) * (1.0 / nu - 1.0 / kappa) * m * dH / (a * b) * sigma2_N


# ---------------------------------------------------------------- first-order sector terms (any conduct)
def sector_quadratic_terms(sh, eta, kappa, nu, sigma2_N, sigma2_S, conduct="perfect"):
    r"""Per-sector :math:`C_s, V_{n,s}, V_{s,s}` of the first-order allocation :math:`\hat\ell=M\hat a`.

    With :math:`\hat a_n=\tilde a_n+\tilde A`: :math:`C_s=\sum sh_n(\sigma_N^2M_{nn}+\sigma_S^2\sum_jM_{nj})`,
    :math:`V_{n,s}=\sum sh_n(\sigma_N^2\sum_jM_{nj}^2+\sigma_S^2(\sum_jM_{nj})^2)`,
    :math:`V_{s,s}=\mathrm{Var}(\sum sh\hat\ell)`. :math:`M` is diagonal plus rank one
    (see :func:`lib.granular.local.response_matrix`), so everything is O(N) per sector.

    Parameters
    ----------
    sh : array, shape (R, N)
        Shares (zero padding allowed), rows sum to one.

    Returns
    -------
    C, Vn, Vs : arrays of shape (R,)
    """
    check_parameters(eta=eta, kappa=kappa, nu=nu, sigma2_N=sigma2_N, sigma2_S=sigma2_S)
    if conduct not in CONDUCTS:
        raise ValueError(f"conduct must be one of {CONDUCTS}; got {conduct!r}")
    sh = np.atleast_2d(np.asarray(sh, float))
    b = 1.0 / nu - 1.0 / kappa
    if conduct == "cournot":
        e_bar = 1.0 / kappa + b * sh
        delta = b * (1.0 + 1.0 / kappa) * sh / (1.0 + e_bar)
    else:
        delta = np.zeros_like(sh)
    d = eta + 1.0 / kappa + delta
    u = b - delta
    p = sh / d                                   # v^T D^{-1}
    q = u / d                                    # D^{-1} u
    den = 1.0 + (sh * q).sum(axis=1, keepdims=True)
    S1 = p.sum(axis=1, keepdims=True)
    S2 = (p * p).sum(axis=1, keepdims=True)
    diag = 1.0 / d - q * p / den
    rowsum = 1.0 / d - q * S1 / den
    rowsq = 1.0 / d ** 2 - 2.0 * q * p / (d * den) + q ** 2 * S2 / den ** 2
    T = (sh * q).sum(axis=1, keepdims=True)
    vcol = p * (1.0 - T / den)                   # M^T sh
    C = (sh * (sigma2_N * diag + sigma2_S * rowsum)).sum(axis=1)
    Vn = (sh * (sigma2_N * rowsq + sigma2_S * rowsum ** 2)).sum(axis=1)
    Vs = sigma2_N * (vcol ** 2).sum(axis=1) + sigma2_S * vcol.sum(axis=1) ** 2
    return C, Vn, Vs


def _quadratic_log_phi_core(C, Vn, Vs, eta, kappa, nu):
    return C - 0.5 * ((eta + 1.0 / kappa) * Vn + (1.0 / nu - 1.0 / kappa) * Vs)


# ---------------------------------------------------------------- exact Cournot sector solve (batched)
def newton_sector_batch(sh, a_hat, eta, kappa, nu, conduct="cournot", tol=1e-12, max_iter=50):
    r"""Exact sector equilibria for a batch of sectors by Newton's method (reconstructed Sec. 3 model).

    Same equations as :func:`lib.granular.local.solve_sector` at :math:`\log W=0`; the Jacobian is
    diagonal plus rank one, so each Newton step is O(N) by Sherman-Morrison.

    Returns
    -------
    l_hat : array (R, N)
    mu_hat : array (R, N)
        Log markdown relative to the no-shock state, :math:`\log(1+e_n)-\log(1+\bar e_n)` (0 under PC).

    Raises
    ------
    ValueError
        If a parameter is inadmissible, a row of ``sh`` is not on the simplex (non-negative, summing
        to one), or ``a_hat`` does not have the shape of ``sh``.
    lib.core.errors.ConvergenceError
        With the residual and iteration count if Newton fails.
    """
    check_parameters(eta=eta, kappa=kappa, nu=nu)
    sh = require_shares("sh", np.atleast_2d(np.asarray(sh, float)), axis=1,
                        meaning="no-shock employment shares of each sector's firms (one row per sector)")
    a_hat = np.atleast_2d(np.asarray(a_hat, float))
    require_shape("a_hat", a_hat, sh.shape)
    rho = (1.0 + kappa) / kappa
    b = 1.0 / nu - 1.0 / kappa
    e_bar = 1.0 / kappa + b * sh
    cournot = conduct == "cournot"
    from lib.granular.local import first_order_employment_response
    lh = first_order_employment_response(sh, a_hat, eta, kappa, nu, conduct)
    for it in range(1, max_iter + 1):
        z = rho * lh
        z = z - np.max(np.where(sh > 0, z, -np.inf), axis=1, keepdims=True)
        wts = sh * np.exp(z)
        tot = wts.sum(axis=1, keepdims=True)
        st = wts / tot
        lsC = (np.log(tot) + rho * np.max(np.where(sh > 0, lh, -np.inf), axis=1, keepdims=True)) / rho
        e = 1.0 / kappa + b * st
        mu = np.log1p(e) - np.log1p(e_bar) if cournot else np.zeros_like(lh)
        r = (a_hat - eta * lh) - (lh / kappa + b * lsC) - mu
        r = np.where(sh > 0, r, 0.0)
        res = float(np.max(np.abs(r)))
        if res < tol:
            return lh, mu
        # J = -diag(D) + w s~^T with D = eta+1/kappa (+ b rho s~/(1+e)), w = -b (+ b rho s~/(1+e))
        qn = b * rho * st / (1.0 + e) if cournot else np.zeros_like(st)
        D = eta + 1.0 / kappa + qn
        w = -b + qn
        # solve J dx = -r  <=>  (D - w s~^T) dx = r
        Dinv_r = r / D
        Dinv_w = w / D
        corr = (st * Dinv_r).sum(axis=1, keepdims=True) / (1.0 - (st * Dinv_w).sum(axis=1, keepdims=True))
        lh = lh + Dinv_r + Dinv_w * corr
    raise ConvergenceError(f"newton_sector_batch did not converge: residual {res:.3g} after {max_iter} iterations",
                           res, max_iter)


@dataclass
class CournotTable:
    """Sector terms tabulated by the number of firms N of a size-biased sector."""

    N: np.ndarray            # firm counts tabulated
    core_perfect: np.ndarray  # E[C - (..)/2] under PC, by N (first order)
    core_cournot: np.ndarray  # same under Cournot
    markdown: np.ndarray     # E[sum y (1-exp(-mu))]/E[sum y] second-order coefficient (>= 0), Cournot


#: Smallest shock scale h of the second-order Monte Carlo: the markdown coefficient divides exact
#: Newton solves (absolute tolerance 1e-12) by 2h^2, so their error contributes ~1e-12/h^2, which
#: stays below 1e-4 only for h >= 1e-4.
H_MIN = 1e-4


def require_h(h, name: str = "h") -> float:
    """``h`` in [H_MIN, 1]; the message names ``name`` and says why (the division by 2h^2)."""
    return require_in_range(name, h, H_MIN, 1.0, low_inclusive=True, high_inclusive=True,
                            meaning="shock scale of the second-order Monte Carlo of the markdown; the "
                                    "coefficient divides exact solves (Newton tolerance 1e-12) by 2h^2, so "
                                    "below 1e-4 their error 1e-12/h^2 exceeds 1e-4 (and 1/h^2 overflows "
                                    "for h < 1e-154)")


def cournot_sector_table(eta, lam, kappa, nu, sigma2_N, sigma2_S, *, n_max=3000, n_sectors=300,
                         h=0.05, seed=20251023, n_dense=30, n_sparse=30) -> CournotTable:
    r"""Tabulate first-order (Φ) and second-order (markdown) sector terms by N (reconstructed Sec. 3.3).

    For each N, draws ``n_sectors`` size-biased sectors (a tagged firm with size density
    :math:`\propto x^{-\alpha}` plus N-1 Pareto(:math:`\alpha`) rivals; common random numbers across N),
    computes :math:`C-\frac12((\eta+\frac1\kappa)V_n+(\frac1\nu-\frac1\kappa)V_s)` under both conducts
    and the markdown coefficient :math:`\frac1{2h^2}\mathbb E[f(hu)+f(-hu)]`,
    :math:`f=\sum sh\,e^{\hat a+(1-\eta)\hat\ell}(1-e^{-\hat\mu})`, from exact solves at shocks scaled by h.

    Raises
    ------
    ValueError
        If a structural parameter is inadmissible or ``h`` is not positive and finite (the markdown
        coefficient divides by :math:`2h^2`).
    """
    check_parameters(eta=eta, lam=lam, kappa=kappa, nu=nu, sigma2_N=sigma2_N, sigma2_S=sigma2_S)
    require_h(h)
    alpha = tail_index(eta, lam)
    n_sectors = _require_count("n_sectors", n_sectors, "simulated size-biased sectors per firm count")
    n_max = _require_count("n_max", n_max, "largest firm count tabulated")
    require_array_budget(2.0 * n_sectors * n_max, "the Cournot table's draws (two n_sectors x n_max arrays)",
                         f"n_sectors (= {n_sectors}) or n_max (= {n_max})")
    rng = np.random.default_rng(seed)
    Ns = np.unique(np.concatenate([np.arange(1, n_dense + 1),
                                   np.round(np.geomspace(n_dense, n_max, n_sparse)).astype(int)]))
    U = rng.uniform(size=(n_sectors, int(Ns.max())))
    x_all = U ** (-1.0 / alpha)
    x_all[:, 0] = U[:, 0] ** (-1.0 / (alpha - 1.0))
    eps_n = rng.standard_normal(size=(n_sectors, int(Ns.max())))
    eps_s = rng.standard_normal(size=(n_sectors, 1))
    core_p, core_c, mark = [], [], []
    for N in Ns:
        x = x_all[:, :N]
        sh = x / x.sum(axis=1, keepdims=True)
        vals = {}
        for conduct in CONDUCTS:
            C, Vn, Vs = sector_quadratic_terms(sh, eta, kappa, nu, sigma2_N, sigma2_S, conduct)
            vals[conduct] = float(_quadratic_log_phi_core(C, Vn, Vs, eta, kappa, nu).mean())
        core_p.append(vals["perfect"])
        core_c.append(vals["cournot"])
        if N == 1 or sigma2_N + sigma2_S == 0:
            mark.append(0.0)
            continue
        u = np.sqrt(sigma2_N) * eps_n[:, :N] + np.sqrt(sigma2_S) * eps_s
        f = 0.0
        for sgn in (1.0, -1.0):
            a_hat = sgn * h * u
            lh, mu = newton_sector_batch(sh, a_hat, eta, kappa, nu, "cournot")
            f = f + (sh * np.exp(a_hat + (1 - eta) * lh) * (-np.expm1(-mu))).sum(axis=1)
        mark.append(float(f.mean() / (2.0 * h * h)))
    return CournotTable(Ns.astype(float), np.array(core_p), np.array(core_c), np.array(mark))


def poisson_mix_cells(m) -> float:
    """Number of firm counts :func:`_poisson_mix` evaluates for the masses ``m`` (its work and memory)."""
    m = np.atleast_1d(np.asarray(m, float))
    return float(np.sum(24.0 * np.sqrt(m) + 62.0))


def check_poisson_mix_size(name: str, m, meaning: str = "mass of entrants per sector") -> None:
    """Refuse masses whose Poisson mixture (Cournot terms) would exceed :data:`MAX_ARRAY_CELLS` cells.

    The mixture sums over about ``24 sqrt(m) + 62`` firm counts per mass, so a single mass is
    admissible up to about 4e12 (fewer when a grid of masses is mixed at once).
    """
    cells = poisson_mix_cells(m)
    if not cells <= MAX_ARRAY_CELLS:
        top = ((MAX_ARRAY_CELLS - 62.0) / 24.0) ** 2
        raise ValueError(
            f"{name} = {float(np.max(m)):g} is too large for the Cournot terms: their Poisson mixture sums "
            f"over about 24 sqrt(m) + 62 firm counts per mass ({cells:.3g} in all, limit {MAX_ARRAY_CELLS:.0e}); "
            f"a single mass is admissible up to {top:.3g}: {meaning}")


def _poisson_mix(m, f_of_N):
    """Sum_k p_k(m) f(k+1) and its m-derivative sum_k p_k(m) (f(k+2) - f(k+1)); f is a callable of N.

    The sum runs over the window k in [m - 12 sqrt(m) - 30, m + 12 sqrt(m) + 30] (neglected
    Poisson mass below 1e-30), so large m stays cheap.
    """
    m = np.atleast_1d(np.asarray(m, float))
    check_poisson_mix_size("m", m)
    lo = np.maximum(0, np.floor(m - 12 * np.sqrt(m) - 30)).astype(int)
    hi = np.ceil(m + 12 * np.sqrt(m) + 30).astype(int)
    ks = np.unique(np.concatenate([np.arange(l, h + 2) for l, h in zip(lo, hi)]))
    f_all = f_of_N(ks + 1.0)
    level = np.empty_like(m)
    slope = np.empty_like(m)
    for i, (mi, l, h) in enumerate(zip(m, lo, hi)):
        k = np.arange(l, h + 1)
        idx = np.searchsorted(ks, k)
        f = f_all[idx]
        f_next = f_all[idx + 1]
        pk = stats.poisson.pmf(k, mi)
        level[i] = (pk * f).sum()
        slope[i] = (pk * (f_next - f)).sum()
    return level, slope


def _extend_by_hhi(N, N_tab, f_tab, psi, psi_last):
    """Interpolate a tabulated f(N) in log N; beyond the table scale the last value by psi_N/psi_Nmax."""
    f = np.interp(np.log(N), np.log(N_tab), f_tab)
    beyond = N > N_tab[-1]
    f[beyond] = f_tab[-1] * psi[beyond] / psi_last
    return f


@dataclass
class PhiPsi:
    """Φ^f, Ψ^f and their elasticities on a grid of m, for one conduct."""

    m: np.ndarray
    log_phi: np.ndarray          # log Φ^f
    eps_phi: np.ndarray          # d log Φ / d log m
    psi_over_phi: np.ndarray     # Ψ/Φ (<= 0, 0 under PC)
    d_psi_over_phi: np.ndarray   # d(Ψ/Φ)/d log m
    conduct: str


def phi_psi(m, eta, lam, kappa, nu, sigma2_N, sigma2_S, conduct="perfect", table=None) -> PhiPsi:
    r"""Φ^f(m), Ψ^f(m) and their log-derivatives (paper Lemmas 2-3).

    Perfect competition: closed form (Sec. 3.2), Ψ^p = 0. Cournot (**reconstructed**):
    :math:`\log\Phi^c=\frac12(\sigma_N^2+\sigma_S^2)+(1-\eta)\sum_kp_k(m)q^c_{k+1}` with
    :math:`q^c_N` the tabulated first-order sector term, and :math:`\Psi^c/\Phi^c=-\sum_kp_k(m)r_{k+1}`
    with :math:`r_N` the markdown coefficient of :func:`cournot_sector_table`.
    """
    m = np.atleast_1d(np.asarray(m, float))
    check_parameters(eta=eta, lam=lam, kappa=kappa, nu=nu, sigma2_N=sigma2_N, sigma2_S=sigma2_S, m=m)
    if conduct == "perfect":
        lp = log_phi_perfect(m, eta, lam, kappa, nu, sigma2_N, sigma2_S)
        ep = productivity_elasticity_perfect(m, eta, lam, kappa, nu, sigma2_N, sigma2_S)
        z = np.zeros_like(m)
        return PhiPsi(m, lp, ep, z, z.copy(), conduct)
    if conduct != "cournot":
        raise ValueError(f"conduct must be one of {CONDUCTS}; got {conduct!r}")
    if table is None:
        table = cournot_sector_table(eta, lam, kappa, nu, sigma2_N, sigma2_S)
    a_, b_ = eta + 1.0 / kappa, eta + 1.0 / nu
    alpha = tail_index(eta, lam)

    def core_perfect_exact(N):
        # PC first-order sector term is affine in HHI: C^p/2 evaluated at E[HHI | N] = psi_N
        return 0.5 * (sigma2_S / b_ + (b_ - (1.0 / nu - 1.0 / kappa) * psi_N(N, alpha)) / (a_ * b_) * sigma2_N)

    cache = {}
    psi_last = float(psi_N(table.N[-1], alpha)[0])

    def psi_all(N):
        key = len(N)
        if key not in cache:
            cache[key] = psi_N(N, alpha)
        return cache[key]

    def core_cournot(N):
        # exact PC term + Monte Carlo Cournot-minus-PC gap (common random numbers, <= 0)
        gap = _extend_by_hhi(N, table.N, table.core_cournot - table.core_perfect, psi_all(N), psi_last)
        return core_perfect_exact(N) + gap

    def markdown(N):
        return _extend_by_hhi(N, table.N, table.markdown, psi_all(N), psi_last)

    lev, slo = _poisson_mix(m, core_cournot)
    lp = 0.5 * (sigma2_N + sigma2_S) + (1.0 - eta) * lev
    ep = (1.0 - eta) * m * slo
    mk, mks = _poisson_mix(m, markdown)
    return PhiPsi(m, lp, ep, -mk, -m * mks, conduct)


def wage_elasticity_general(pp: PhiPsi, eta: float) -> np.ndarray:
    r"""Local wage-population elasticity with a wage-bill wedge (derived from paper eqs. E20-E21).

    :math:`\frac{d\log w}{d\log\ell}=(\eta+\varepsilon_{\Phi+\Psi})\frac{1-\eta}{1-\eta-\varepsilon_G}-\eta`,
    :math:`G=\eta\Phi-(1-\eta)\Psi`. Equals Prop. 1 under perfect competition.
    """
    check_parameters(eta=eta)
    R, dR = pp.psi_over_phi, pp.d_psi_over_phi
    eps_wb = pp.eps_phi + dR / (1.0 + R)
    eps_G = pp.eps_phi - (1.0 - eta) * dR / (eta - (1.0 - eta) * R)
    _check_stable(eps_G, eta)
    return (eta + eps_wb) * (1.0 - eta) / (1.0 - eta - eps_G) - eta


def optimal_policy_wedges(pp: PhiPsi, eta: float):
    r"""Optimal wage and entry subsidies (paper Prop. 4, eq. 13).

    :math:`1+\tau^w=\frac1{1+\Psi/\Phi}`, :math:`1+\tau^\pi=\frac{1+\varepsilon/\eta}{1-\frac{1-\eta}\eta\Psi/\Phi}`.
    Under perfect competition :math:`\tau^w=0`, :math:`\tau^\pi=\varepsilon/\eta` (Prop. 3).

    Returns
    -------
    tau_w, tau_pi : arrays
    """
    check_parameters(eta=eta)
    R = pp.psi_over_phi
    tau_w = 1.0 / (1.0 + R) - 1.0
    tau_pi = (1.0 + pp.eps_phi / eta) / (1.0 - (1.0 - eta) / eta * R) - 1.0
    return tau_w, tau_pi


def exact_log_phi_coefficient(sh, u, h, eta, kappa, nu, conduct="perfect"):
    r"""Second-order coefficient of exact log output, :math:`\log\Phi^f_{\text{exact}}(h)/h^2`, by simulation.

    Solves the exact sector equilibria (:func:`newton_sector_batch`) for sectors ``sh`` (R, N) under the
    antithetic shock states :math:`\pm h\,u` (``u`` of shape (R, S, N)), imposes the economy-wide labor
    constraint :math:`\mathbb E[(\ell^C_s/\bar\ell_s)^{(1+\nu)/\nu}]=1` through a common shift of the wage
    index, and returns :math:`\log\mathbb E[\sum_n sh_n a_n e^{(1-\eta)\hat\ell_n}]/h^2`. As
    :math:`h\to0` this tends to the reconstructed second-order formula (E17); used to test it.
    """
    check_parameters(eta=eta, kappa=kappa, nu=nu)
    sh = np.atleast_2d(np.asarray(sh, float))
    u = np.asarray(u, float)
    R, S, N = u.shape
    shs = np.broadcast_to(sh[:, None, :], (R, 2 * S, N)).reshape(-1, N)
    a = np.concatenate([h * u, -h * u], axis=1).reshape(-1, N)
    lh, _ = newton_sector_batch(shs, a, eta, kappa, nu, conduct)
    rho = (1 + kappa) / kappa
    lsC = np.log((shs * np.exp(rho * lh)).sum(axis=1)) / rho
    d = -nu / (1 + nu) * np.log(np.mean(np.exp((1 + nu) / nu * lsC)))
    y = (shs * np.exp(a + (1 - eta) * (lh + d))).sum(axis=1)
    return float(np.log(y.mean()) / h ** 2)


__all__.append("exact_log_phi_coefficient")
