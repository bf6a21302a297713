"""Wang (2014): two-country model of bilateral migration and multinationals.

Building blocks of the equilibrium of Wang, "Bilateral Migration and
Multinationals" (2014), Sections 3-4 and Appendix A.  Countries are indexed
0 = US (the paper's country 1) and 1 = Canada (country 2).

Array conventions (all 2 x 2 or 2 x 2 x 2 numpy arrays):

* ``s[i, k]``, ``u[i, k]`` -- wage received by a high- (low-) skilled worker
  born in ``k`` and working in ``i`` (paper :math:`s^{i,k}`, :math:`u^{i,k}`);
* ``tau[i, k]``, ``t[i, k]`` -- moving-cost markups paid by the employer in
  ``i`` on workers born in ``k`` (paper :math:`\\tau^{i,k}`, :math:`t^{i,k}`;
  1 on the diagonal);
* ``xi[j, k]``, ``zeta[j, k]`` -- compatibility of firms from ``j`` with
  workers born in ``k`` (paper :math:`\\xi_j^k`, :math:`\\zeta_j^k`);
* ``wbar[i, j]`` -- unit cost of an establishment located in ``i`` owned by a
  firm from ``j``; ``H_demand[i, j, k]`` -- headcount of ``k``-born high-skilled
  workers in establishments of type ``(i, j)``.

Closure (not stated in the paper; the one that reproduces its Tables 4-5):
fixed and entry costs are paid in units of the numeraire (US low-skilled
labour, ``u[0, 0] = 1``), expenditure is the sum of the revenues of the
establishments located in a country, and affiliate sales balance,
``M_US chi_US = M_CA chi_CA``.
"""
from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Optional

import numpy as np

from lib.core.data import read_table
from lib.core.validate import require_greater, require_in_range, require_positive

__all__ = [
    "COUNTRIES", "WangParameters", "Regime", "REGIMES", "TABLE3_NAMES", "table3_parameters",
    "validate_parameters", "ces_cost", "nested_labor_cost", "mnc_shares",
    "cutoffs", "pareto_average_productivity", "revenues", "price_index",
    "price_index_from_integral", "labor_demand", "bilaterality_index",
    "EquilibriumObjects", "equilibrium_objects",
]

COUNTRIES = ("US", "CA")


@dataclass(frozen=True)
class WangParameters:
    """Structural parameters of Wang (2014), Table 3.

    Attributes
    ----------
    sigma, kappa, delta, B, f, fI, fE, alpha, rho, gamma, Gamma : float
        See Table 3 of the paper.
    H, L : ndarray (2,)
        Endowments of high- and low-skilled workers by country of birth.
    tau, t : ndarray (2, 2)
        Moving-cost markups ``[location, origin]`` (diagonal 1).
    xi, zeta : ndarray (2, 2)
        Compatibility ``[firm origin, worker origin]`` (diagonal 1).
    """
    sigma: float = 2.7
    kappa: float = 1.8
    delta: float = 0.07
    B: float = 1.0
    f: float = 1.0
    fI: float = 76.0
    fE: float = 325.27
    alpha: float = 0.7
    rho: float = 2.0
    gamma: float = 33.0
    Gamma: float = 11.1
    H: np.ndarray = field(default_factory=lambda: np.array([3.58, 0.4367]))
    L: np.ndarray = field(default_factory=lambda: np.array([6.42, 0.6743]))
    tau: np.ndarray = field(default_factory=lambda: np.array([[1.0, 1.1896], [1.0984, 1.0]]))
    t: np.ndarray = field(default_factory=lambda: np.array([[1.0, 1.5585], [1.5835, 1.0]]))
    xi: np.ndarray = field(default_factory=lambda: np.array([[1.0, 0.8483], [0.9373, 1.0]]))
    zeta: np.ndarray = field(default_factory=lambda: np.array([[1.0, 0.9027], [0.7741, 1.0]]))

    def __post_init__(self):
        for name in ("H", "L", "tau", "t", "xi", "zeta"):
            object.__setattr__(self, name, np.array(getattr(self, name), dtype=float))
        validate_parameters(self)

    def with_changes(self, **changes) -> "WangParameters":
        """Return a validated copy with some fields replaced."""
        return replace(self, **changes)

    def with_moving_costs(self, tau_12=None, tau_21=None, t_12=None, t_21=None) -> "WangParameters":
        """Return a copy with some off-diagonal moving costs replaced (location-origin order)."""
        tau, t = self.tau.copy(), self.t.copy()
        if tau_12 is not None:
            tau[0, 1] = tau_12
        if tau_21 is not None:
            tau[1, 0] = tau_21
        if t_12 is not None:
            t[0, 1] = t_12
        if t_21 is not None:
            t[1, 0] = t_21
        return replace(self, tau=tau, t=t)

    @property
    def fixed_cost_ratio(self) -> float:
        """``fI / f``."""
        return self.fI / self.f


#: ``log`` of the largest and of the smallest normal double: ``x = exp(e)`` is a normal finite
#: positive double iff ``LOG_TINY < e < LOG_HUGE``.
LOG_HUGE = float(np.log(np.finfo(float).max))
LOG_TINY = float(np.log(np.finfo(float).tiny))


def sigma_lower_bound(kappa: float, fI: float, f: float) -> float:
    r"""Smallest ``sigma`` for which ``(fI/f)**(-kappa/(sigma-1))`` is a normal double.

    The multinational share (paper eqs. (38)-(39)) uses :math:`F^{-\kappa/(\sigma-1)}` with
    :math:`F=f^I/f`; the affiliate cutoff uses :math:`F^{1/(\sigma-1)}`. Both leave double precision
    (overflow to inf, underflow to 0, then 0/0 = NaN downstream) unless
    :math:`\kappa\,|\ln F|/(\sigma-1) < |\ln(\text{DBL\_MIN})| \approx 708`, i.e.
    :math:`\sigma > 1 + \kappa|\ln F|/708` (1.011 at Table 3, where F = 76 and kappa = 1.8).
    """
    log_F = abs(float(np.log(fI / f)))
    return 1.0 + max(kappa, 1.0) * log_F / min(LOG_HUGE, -LOG_TINY)


def _check_representable_exponent(par) -> None:
    bound = sigma_lower_bound(par.kappa, par.fI, par.f)
    if not par.sigma > bound:
        raise ValueError(
            f"sigma = {par.sigma!r} is outside its admissible range ({bound:.6g}, inf): with fI/f = "
            f"{par.fI / par.f:.6g} the multinational share uses (fI/f)**(-kappa/(sigma-1)), which leaves "
            f"double precision unless sigma > 1 + max(kappa, 1)*|ln(fI/f)|/708 "
            f"(kappa = {par.kappa!r}, fI = {par.fI!r}, f = {par.f!r})")


#: Array entries of :class:`WangParameters` under the names the notebooks (and Table 3) give them.
_NOTEBOOK_NAMES = {
    ("H", (0,)): "H_US", ("H", (1,)): "H_CA", ("L", (0,)): "L_US", ("L", (1,)): "L_CA",
    ("tau", (0, 1)): "tau_12", ("tau", (1, 0)): "tau_21", ("t", (0, 1)): "t_12", ("t", (1, 0)): "t_21",
    ("xi", (0, 1)): "xi_US_CA", ("xi", (1, 0)): "xi_CA_US",
    ("zeta", (0, 1)): "zeta_US_CA", ("zeta", (1, 0)): "zeta_CA_US",
}


def describe_parameters(par) -> str:
    """The parameters that differ from Table 3, in the notebooks' names, for error messages.

    ``"sigma = 1.02, kappa = 1.9 (Table 3: sigma = 2.7, kappa = 1.8)"``, or ``"Table 3 parameters"``.
    """
    changed, was = [], []
    for fld in fields(WangParameters):
        default = fld.default if fld.default is not MISSING else fld.default_factory()
        mine = getattr(par, fld.name)
        if np.shape(mine) == ():
            if float(mine) != float(default):
                changed.append(f"{fld.name} = {float(mine)!r}")
                was.append(f"{fld.name} = {float(default)!r}")
            continue
        for idx in np.ndindex(np.shape(mine)):
            if float(mine[idx]) != float(np.asarray(default)[idx]):
                label = _NOTEBOOK_NAMES.get((fld.name, idx), f"{fld.name}[{','.join(map(str, idx))}]")
                changed.append(f"{label} = {float(mine[idx])!r}")
                was.append(f"{label} = {float(np.asarray(default)[idx])!r}")
    if not changed:
        return "Table 3 parameters"
    return f"{', '.join(changed)} (Table 3: {', '.join(was)})"


def validate_parameters(par: WangParameters) -> WangParameters:
    """Check admissibility of every parameter; raise ``ValueError`` naming the culprit.

    Elasticities must be finite and exceed 1, ``kappa`` finite and ``> sigma - 1``
    (finite average productivity, paper eq. (26)), ``sigma`` above :func:`sigma_lower_bound`
    (so that ``(fI/f)**(-kappa/(sigma-1))`` is representable), moving costs finite and at least 1,
    compatibilities in (0, 1] off the diagonal, endowments positive.

    Raises
    ------
    ValueError
        Naming the first inadmissible parameter (e.g. ``kappa``, ``xi_US_CA``, ``tau_12``) and its range.
    """
    for name, meaning in (("sigma", "elasticity of substitution between products"),
                          ("rho", "elasticity of substitution high vs low skill"),
                          ("gamma", "elasticity native vs foreign high-skilled"),
                          ("Gamma", "elasticity native vs foreign low-skilled")):
        require_greater(name, getattr(par, name), 1.0, meaning=meaning)
        require_in_range(name, getattr(par, name), 1.0, np.inf, meaning=meaning + " (finite)")
    require_greater("kappa", par.kappa, par.sigma - 1.0, "sigma - 1",
                    meaning="Pareto shape (finite mean of phi^(sigma-1))")
    require_in_range("kappa", par.kappa, par.sigma - 1.0, np.inf, meaning="Pareto shape (finite)")
    require_in_range("delta", par.delta, 0.0, 1.0, high_inclusive=True, meaning="exit rate")
    require_in_range("alpha", par.alpha, 0.0, 1.0, meaning="share parameter of high-skilled labour")
    for name in ("B", "f", "fI", "fE"):
        require_positive(name, getattr(par, name))
        require_in_range(name, getattr(par, name), 0.0, np.inf, meaning="cost or productivity scale (finite)")
    _check_representable_exponent(par)
    for name, arr in (("H", par.H), ("L", par.L)):
        if arr.shape != (2,):
            raise ValueError(f"{name} must have shape (2,); got {arr.shape}")
        for c, v in zip(COUNTRIES, arr):
            require_positive(f"{name}_{c}", v, meaning="labour endowment")
    for name, arr, lo in (("tau", par.tau, 1.0), ("t", par.t, 1.0)):
        if arr.shape != (2, 2):
            raise ValueError(f"{name} must have shape (2, 2); got {arr.shape}")
        for (i, k) in ((0, 1), (1, 0)):
            require_in_range(f"{name}_{i + 1}{k + 1}", float(arr[i, k]), lo, np.inf, low_inclusive=True,
                             meaning="moving-cost markup (1 = free migration)")
        if not (arr[0, 0] == 1.0 and arr[1, 1] == 1.0):
            raise ValueError(f"{name} must be 1 on the diagonal (natives pay no moving cost)")
    for name, arr in (("xi", par.xi), ("zeta", par.zeta)):
        if arr.shape != (2, 2):
            raise ValueError(f"{name} must have shape (2, 2); got {arr.shape}")
        for (j, k) in ((0, 1), (1, 0)):
            require_in_range(f"{name}_{COUNTRIES[j]}_{COUNTRIES[k]}", float(arr[j, k]), 0.0, 1.0,
                             high_inclusive=True,
                             meaning="firm-worker compatibility (1 = as compatible as natives)")
        if not (arr[0, 0] == 1.0 and arr[1, 1] == 1.0):
            raise ValueError(f"{name} must be 1 on the diagonal (normalisation)")
    return par


#: Parameter rows that ``data/migration_mnc/table3.csv`` must contain.
TABLE3_NAMES = ("sigma", "kappa", "delta", "B", "f", "fI", "fE", "alpha", "rho", "gamma", "Gamma",
                "H_US", "H_CA", "L_US", "L_CA", "tau_12", "tau_21", "t_12", "t_21",
                "xi_US_CA", "xi_CA_US", "zeta_US_CA", "zeta_CA_US")


def table3_parameters(**overrides) -> WangParameters:
    """Parameters of the paper's Table 3 read from ``data/migration_mnc/table3.csv``.

    Keyword overrides use the CSV names (``sigma``, ``tau_12``, ``xi_US_CA``, ``H_CA``, ...).
    ``L_CA`` is 0.6743 (text, p. 32); Table 3 prints 0.6744.

    Raises
    ------
    ValueError
        If the file is malformed (see :func:`lib.core.data.read_table`), a parameter row is
        missing or repeated (the message names the parameter and the file), an override
        name is unknown, or a value is inadmissible (see :func:`validate_parameters`).
    """
    df = read_table("migration_mnc/table3.csv", ["parameter", "value"], numeric_columns=["value"])
    names = [str(x) for x in df["parameter"]]
    repeated = sorted({x for x in names if names.count(x) > 1})
    if repeated:
        raise ValueError(f"data/migration_mnc/table3.csv: parameter row(s) {repeated} appear more than once")
    missing = [x for x in TABLE3_NAMES if x not in names]
    if missing:
        raise ValueError(f"data/migration_mnc/table3.csv is missing the row(s) for parameter(s) {missing} "
                         f"(column 'parameter'); every Table 3 parameter is required")
    v = dict(zip(names, df["value"].astype(float)))
    unknown = set(overrides) - set(v)
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)}; known: {sorted(v)}")
    v.update({k: float(x) for k, x in overrides.items()})
    return WangParameters(
        sigma=v["sigma"], kappa=v["kappa"], delta=v["delta"], B=v["B"], f=v["f"], fI=v["fI"],
        fE=v["fE"], alpha=v["alpha"], rho=v["rho"], gamma=v["gamma"], Gamma=v["Gamma"],
        H=np.array([v["H_US"], v["H_CA"]]), L=np.array([v["L_US"], v["L_CA"]]),
        tau=np.array([[1.0, v["tau_12"]], [v["tau_21"], 1.0]]),
        t=np.array([[1.0, v["t_12"]], [v["t_21"], 1.0]]),
        xi=np.array([[1.0, v["xi_US_CA"]], [v["xi_CA_US"], 1.0]]),
        zeta=np.array([[1.0, v["zeta_US_CA"]], [v["zeta_CA_US"], 1.0]]),
    )


@dataclass(frozen=True)
class Regime:
    """Which margins are open.

    Attributes
    ----------
    migration : bool
        Workers may work abroad (paying the employer-borne moving costs).
    mnc : bool
        Firms may open a foreign affiliate (paying ``fI``).
    """
    migration: bool
    mnc: bool

    @property
    def key(self) -> str:
        """Name used in the results interface."""
        return {(False, False): "autarky", (True, False): "migration_only",
                (False, True): "mnc_only", (True, True): "migration_and_mnc"}[(self.migration, self.mnc)]


REGIMES = {r.key: r for r in (Regime(False, False), Regime(True, False),
                              Regime(False, True), Regime(True, True))}


def ces_cost(prices, weights, elasticity: float, available=None):
    """CES unit cost and cost shares (paper eqs. (6)-(8)).

    ``cost = [sum_k weights_k * prices_k**(1-e)]**(1/(1-e))`` over the last axis;
    ``share_k = weights_k prices_k**(1-e) / cost**(1-e)``.  Inputs that are not
    available (``available == 0``) are dropped *without* renormalising the
    weights (this reproduces the paper's autarky skill premium 3.1950).

    Parameters
    ----------
    prices, weights : array_like, broadcastable, last axis = inputs
    elasticity : float (> 1)
    available : array_like of {0, 1}, optional

    Returns
    -------
    cost : ndarray
    shares : ndarray (cost shares, sum to 1 over the last axis)

    Raises
    ------
    ValueError
        If ``elasticity`` is not finite and above 1, or a price is negative or NaN (zero and
        ``inf`` prices are accepted as limits, which the equilibrium solver's trial steps may reach).
    """
    require_greater("elasticity", elasticity, 1.0, "1", meaning="CES elasticity of substitution")
    require_in_range("elasticity", elasticity, 1.0, np.inf, meaning="CES elasticity of substitution (finite)")
    prices = np.asarray(prices, dtype=float)
    if np.any(~(prices >= 0)):
        raise ValueError(f"prices must be non-negative (admissible range [0, inf]); got "
                         f"{prices[~(prices >= 0)][:3].tolist()}")
    weights = np.asarray(weights, dtype=float)
    terms = weights * prices ** (1.0 - elasticity)
    if available is not None:
        terms = terms * np.asarray(available, dtype=float)
    total = terms.sum(axis=-1, keepdims=True)
    cost = total[..., 0] ** (1.0 / (1.0 - elasticity))
    return cost, terms / total


def nested_labor_cost(s, u, par: WangParameters, available):
    """Unit labour cost of every establishment type (paper eqs. (6)-(8)).

    Parameters
    ----------
    s, u : ndarray (2, 2)
        Wages ``[location, origin]``.
    par : WangParameters
    available : ndarray (2, 2) of {0, 1}
        Which ``[location, origin]`` cells exist (off-diagonal 0 when migration is closed).

    Returns
    -------
    dict with ``wbar[i, j]``, ``sbar[i, j]``, ``ubar[i, j]``, high-skilled cost share
    ``thetaH[i, j]``, and within-skill cost shares ``shareH[i, j, k]``, ``shareL[i, j, k]``.
    """
    omegaH = par.xi / par.xi.sum(axis=1, keepdims=True)        # [j, k], eq. (7)
    omegaL = par.zeta / par.zeta.sum(axis=1, keepdims=True)    # [j, k], eq. (8)
    # broadcast to [i, j, k]
    sbar, shareH = ces_cost((par.tau * s)[:, None, :], omegaH[None, :, :], par.gamma, available[:, None, :])
    ubar, shareL = ces_cost((par.t * u)[:, None, :], omegaL[None, :, :], par.Gamma, available[:, None, :])
    two = np.stack([sbar, ubar], axis=-1)
    wts = np.array([par.alpha, 1.0 - par.alpha]) ** par.rho
    wbar, skill_shares = ces_cost(two, wts, par.rho)            # eq. (6)
    return {"wbar": wbar, "sbar": sbar, "ubar": ubar, "thetaH": skill_shares[..., 0],
            "shareH": shareH, "shareL": shareL}


def mnc_shares(wbar, par: WangParameters):
    """Share of firms of each origin that own a foreign affiliate (paper eqs. (38)-(39)).

    Zero-cutoff profits (29)-(30) and free entry (37) imply, for ``i != j``,
    ``chi_j = a_j (1 + F chi_j) / (1 + F chi_i)`` with ``F = fI/f`` and
    ``a_j = [(wbar[i,i]/wbar[i,j]) F**(-1/(sigma-1))]**kappa``.  This pair of
    equations reduces to a quadratic in ``chi_CA`` solved here in closed form.

    Returns
    -------
    ndarray (2,) : ``chi[j]`` for firms from j.

    Raises
    ------
    ValueError
        If no solution with shares in [0, 1) exists (affiliate fixed cost too low).
    """
    F = par.fixed_cost_ratio
    a = np.array([(wbar[1, 1] / wbar[1, 0]), (wbar[0, 0] / wbar[0, 1])]) ** par.kappa \
        * F ** (-par.kappa / (par.sigma - 1.0))
    b = 1.0 - a * F
    # F b2 x^2 + (b1 b2 + F a1 - F a2) x - a2 b1 = 0 for x = chi_CA
    qa = F * b[1]
    qb = b[0] * b[1] + F * (a[0] - a[1])
    qc = -a[1] * b[0]
    disc = qb * qb - 4.0 * qa * qc
    if disc < 0 or b[0] <= 0:
        raise ValueError(f"fI = {par.fI!r} too low: no interior share of multinationals (a*F = {a * F})")
    chi_ca = -2.0 * qc / (qb + np.sqrt(disc))
    chi_us = a[0] / (b[0] + F * chi_ca)
    chi = np.array([chi_us, chi_ca])
    if not np.all((chi >= 0) & (chi < 1)):
        raise ValueError(f"fI = {par.fI!r} too low: shares of multinationals {chi} outside [0, 1)")
    return chi


def domestic_cutoff(chi, par: WangParameters):
    """Domestic cutoff productivity (paper eq. (26)/(37)).

    ``phibar_j = B [ (sigma-1)/(kappa-sigma+1) * (f + chi_j fI) / (delta fE) ]**(1/kappa)``.
    """
    chi = np.asarray(chi, dtype=float)
    const = (par.sigma - 1.0) / (par.kappa - par.sigma + 1.0) / (par.delta * par.fE)
    return par.B * (const * (par.f + chi * par.fI)) ** (1.0 / par.kappa)


def cutoffs(wbar, par: WangParameters, mnc: bool = True):
    """Cutoffs and MNC shares (paper eqs. (26)-(28), (33)-(39)).

    Returns
    -------
    dict with ``chi[j]``, domestic cutoff ``phibar[j]`` and affiliate cutoff
    ``phif[j]`` (firms from j producing abroad; ``inf`` when MNCs are closed).
    """
    if mnc:
        chi = mnc_shares(wbar, par)
    else:
        chi = np.zeros(2)
    phibar = domestic_cutoff(chi, par)
    F = par.fixed_cost_ratio
    if mnc:
        # firm from j producing in i != j: phibar_i * wbar[i,j]/wbar[i,i] * F**(1/(sigma-1))
        phif = np.array([phibar[1] * wbar[1, 0] / wbar[1, 1],
                         phibar[0] * wbar[0, 1] / wbar[0, 0]]) * F ** (1.0 / (par.sigma - 1.0))
    else:
        phif = np.full(2, np.inf)
    return {"chi": chi, "phibar": phibar, "phif": phif}


def pareto_average_productivity(cutoff, sigma: float, kappa: float):
    """Melitz average productivity above a Pareto cutoff (paper Appendix A).

    ``tilde phi = [kappa / (kappa - sigma + 1)]**(1/(sigma-1)) * cutoff``.

    Raises
    ------
    ValueError
        If ``sigma`` is not finite and above 1, or ``kappa`` is not finite and above ``sigma - 1``
        (the average is infinite otherwise, paper eq. (26)).
    """
    require_in_range("sigma", sigma, 1.0, np.inf, meaning="elasticity of substitution between products")
    require_greater("kappa", kappa, sigma - 1.0, "sigma - 1", meaning="Pareto shape (finite average productivity)")
    require_in_range("kappa", kappa, sigma - 1.0, np.inf, meaning="Pareto shape (finite)")
    return (kappa / (kappa - sigma + 1.0)) ** (1.0 / (sigma - 1.0)) * np.asarray(cutoff, dtype=float)


def revenues(M, chi, par: WangParameters):
    """Total revenue of each establishment type ``Rev[i, j]`` (paper eqs. (35), (44)-(47)).

    Average revenue of producers is ``sigma f kappa/(kappa-sigma+1)`` (domestic)
    and ``sigma fI kappa/(kappa-sigma+1)`` (affiliates), so
    ``Rev[i,i] = A f M_i`` and ``Rev[i,j] = A fI M_j chi_j`` with
    ``A = sigma kappa / (kappa - sigma + 1)``.
    """
    A = par.sigma * par.kappa / (par.kappa - par.sigma + 1.0)
    M = np.asarray(M, dtype=float)
    Rev = np.empty((2, 2))
    Rev[0, 0] = A * par.f * M[0]
    Rev[1, 1] = A * par.f * M[1]
    Rev[0, 1] = A * par.fI * M[1] * chi[1]
    Rev[1, 0] = A * par.fI * M[0] * chi[0]
    return Rev


def price_index(wbar, phibar, R, par: WangParameters):
    """Price index from the domestic zero-cutoff-profit condition (paper eqs. (4), (29)).

    ``P_i = sigma/(sigma-1) * wbar[i,i]/phibar_i * (sigma f / R_i)**(1/(sigma-1))``.
    """
    d = np.diag(wbar)
    return par.sigma / (par.sigma - 1.0) * d / phibar * (par.sigma * par.f / R) ** (1.0 / (par.sigma - 1.0))


def price_index_from_integral(wbar, phibar, phif, M, chi, par: WangParameters):
    """Price index computed directly from its definition (paper eq. (4)) under Pareto.

    Used to check :func:`price_index`: ``P_i**(1-sigma) = M_i p(tilde phi_i)**(1-sigma)
    + M_j chi_j p(tilde phi^f_j)**(1-sigma)``.
    """
    mk = par.sigma / (par.sigma - 1.0)
    tphi = pareto_average_productivity(phibar, par.sigma, par.kappa)
    P = np.empty(2)
    for i in range(2):
        j = 1 - i
        total = M[i] * (mk * wbar[i, i] / tphi[i]) ** (1.0 - par.sigma)
        if chi[j] > 0:
            tphif = pareto_average_productivity(phif[j], par.sigma, par.kappa)
            total += M[j] * chi[j] * (mk * wbar[i, j] / tphif) ** (1.0 - par.sigma)
        P[i] = total ** (1.0 / (1.0 - par.sigma))
    return P


def labor_demand(Rev, cost, s, u, par: WangParameters):
    """Headcount labour demand by establishment type and worker origin (paper eqs. (9)-(14)).

    Variable cost of establishments ``(i, j)`` is ``(sigma-1)/sigma * Rev[i, j]``;
    Shephard's lemma splits it by skill (``thetaH``) and origin (``shareH``),
    and the headcount is cost divided by the employer's price ``tau s``.

    Returns
    -------
    H_demand, L_demand : ndarray (2, 2, 2) indexed ``[location i, firm origin j, worker origin k]``.
    """
    varcost = (par.sigma - 1.0) / par.sigma * Rev
    H_cost = (varcost * cost["thetaH"])[:, :, None] * cost["shareH"]
    L_cost = (varcost * (1.0 - cost["thetaH"]))[:, :, None] * cost["shareL"]
    H_demand = H_cost / (par.tau * s)[:, None, :]
    L_demand = L_cost / (par.t * u)[:, None, :]
    return H_demand, L_demand


def bilaterality_index(m_ij, m_ji):
    """Bilaterality index of two migrant stocks (paper eq. (1)).

    ``BI = 1 - |m_ij - m_ji| / (m_ij + m_ji)``; 1 for equal stocks, 0 for one-way flows.
    """
    m_ij = np.asarray(m_ij, dtype=float)
    m_ji = np.asarray(m_ji, dtype=float)
    if np.any(m_ij < 0) or np.any(m_ji < 0):
        raise ValueError("migrant stocks m_ij, m_ji must be non-negative")
    total = m_ij + m_ji
    if np.any(total <= 0):
        raise ValueError("bilaterality index undefined when both stocks are zero")
    return 1.0 - np.abs(m_ij - m_ji) / total


@dataclass
class EquilibriumObjects:
    """Everything the model implies for given wages and firm masses."""
    s: np.ndarray
    u: np.ndarray
    M: np.ndarray
    wbar: np.ndarray
    cost: dict
    chi: np.ndarray
    phibar: np.ndarray
    phif: np.ndarray
    Rev: np.ndarray
    R: np.ndarray
    P: np.ndarray
    H_demand: np.ndarray
    L_demand: np.ndarray
    available: np.ndarray


def equilibrium_objects(s, u, M, par: WangParameters, regime: Regime) -> EquilibriumObjects:
    """Evaluate the model's blocks (E1-E10 of the digest) at given wages and masses.

    Parameters
    ----------
    s, u : ndarray (2, 2)
        Wages ``[location, origin]`` (off-diagonal ignored when migration is closed).
    M : ndarray (2,)
        Masses of producing firms by origin.
    """
    available = np.ones((2, 2)) if regime.migration else np.eye(2)
    s = np.where(available > 0, s, 1.0)
    u = np.where(available > 0, u, 1.0)
    cost = nested_labor_cost(s, u, par, available)
    cut = cutoffs(cost["wbar"], par, regime.mnc)
    Rev = revenues(M, cut["chi"], par)
    R = Rev.sum(axis=1)
    P = price_index(cost["wbar"], cut["phibar"], R, par)
    H_demand, L_demand = labor_demand(Rev, cost, s, u, par)
    return EquilibriumObjects(s=s, u=u, M=np.asarray(M, float), wbar=cost["wbar"], cost=cost,
                              chi=cut["chi"], phibar=cut["phibar"], phif=cut["phif"], Rev=Rev,
                              R=R, P=P, H_demand=H_demand, L_demand=L_demand, available=available)
