"""Equilibrium solver for Wang (2014): log-residual system and scipy root-finding.

Unknowns (at most nine): the logs of ``s11, s12, s21, s22, u12, u21, u22, M_US,
M_CA`` (``u11 = 1`` is the numeraire, App. A.3).  Equations: four
labour-market clearing conditions (paper eqs. (40)-(43)), four migration
incentive-compatibility conditions (48)-(51) or binding quotas (54)-(57), and
the affiliate-balance closure ``M_US chi_US = M_CA chi_CA``.  Without
multinationals the closure is void and the system is one equation short: the
Canadian firm mass ``M_CA`` must then be fixed from outside (``fix_M2``).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np
from scipy import optimize

from lib.core.errors import ConvergenceError
from lib.core.validate import require_finite, require_in_range, require_positive, require_shape
from .model import (describe_parameters, REGIMES, EquilibriumObjects, Regime, WangParameters, bilaterality_index,
                    equilibrium_objects, pareto_average_productivity)

__all__ = ["UNKNOWNS", "PAPER_M2", "DEFAULT_GUESS", "EquilibriumResult", "active_unknowns",
           "unpack", "residuals", "solve_equilibrium", "solve_regime", "outcomes",
           "reference_units", "solve_table5", "continuation", "quota_targets", "no_mnc_family",
           "m2_matching"]

UNKNOWNS = ("s11", "s12", "s21", "s22", "u12", "u21", "u22", "M_US", "M_CA")
#: Canadian firm masses at which the paper's no-MNC columns of Table 5 sit (digest Sec. 8).
PAPER_M2 = {"autarky": 0.4194, "migration_only": 0.7109}
#: starting point that converges for Table 3 (digest Sec. 3), in levels.
DEFAULT_GUESS = np.log(np.array([3.2, 3.2, 25.0, 25.0, 1.0, 9.0, 9.0, 0.33, 0.33]))


@dataclass
class EquilibriumResult:
    """A solved equilibrium.

    Attributes
    ----------
    x : ndarray (9,)
        Logs of all unknowns (fixed or inactive ones included).
    objects : EquilibriumObjects
        Wages, cutoffs, revenues, prices, labour demands at the solution.
    regime : Regime
    par : WangParameters
    residual : float
        Largest absolute log residual.
    iterations : int
        Residual evaluations used.
    converged : bool
    fix_M2 : float or None
        The externally fixed Canadian firm mass (no-MNC regimes).
    """
    x: np.ndarray
    objects: EquilibriumObjects
    regime: Regime
    par: WangParameters
    residual: float
    iterations: int
    converged: bool
    fix_M2: Optional[float] = None


def active_unknowns(regime: Regime, fix_M2: bool) -> np.ndarray:
    """Boolean mask over :data:`UNKNOWNS` of the unknowns solved for."""
    mask = np.ones(9, dtype=bool)
    if not regime.migration:
        mask[[1, 2, 4, 5]] = False
    if fix_M2:
        mask[8] = False
    return mask


def unpack(x_full):
    """Wages ``s, u`` (2 x 2, ``[location, origin]``) and masses ``M`` from the log vector."""
    e = np.exp(x_full)
    s = np.array([[e[0], e[1]], [e[2], e[3]]])
    u = np.array([[1.0, e[4]], [e[5], e[6]]])
    return s, u, e[7:9]


def quota_targets(reference: EquilibriumObjects, lam_H, lam_L):
    """Binding quota stocks ``lambda * unconstrained stock`` (paper eqs. (20)-(21), (54)-(57)).

    Parameters
    ----------
    reference : EquilibriumObjects
        The unconstrained equilibrium whose migrant stocks ``H^E, L^E`` are held fixed.
    lam_H, lam_L : float in (0, 1] or None
        Share of the unconstrained stock admitted, the same in both directions.

    Returns
    -------
    dict ``{"H": 2x2 or None, "L": 2x2 or None}`` of target stocks ``[location, origin]``.
    """
    out = {}
    for key, lam, D in (("H", lam_H, reference.H_demand), ("L", lam_L, reference.L_demand)):
        if lam is None:
            out[key] = None
            continue
        if not (0.0 < lam <= 1.0):
            raise ValueError(f"lam_{key} = {lam!r} is outside its admissible range (0, 1]: quota share")
        out[key] = lam * D.sum(axis=1)
    return out


def residuals(x_active, x_full0, mask, par: WangParameters, regime: Regime, quotas=None,
              balance: bool = True):
    """Log residuals of the equilibrium system (paper eqs. (40)-(51), (54)-(57); closure).

    Returns
    -------
    ndarray, one entry per active unknown.
    """
    x = x_full0.copy()
    x[mask] = x_active
    s, u, M = unpack(x)
    eq = equilibrium_objects(s, u, M, par, regime)
    Hk = eq.H_demand.sum(axis=(0, 1))
    Lk = eq.L_demand.sum(axis=(0, 1))
    r = [np.log(Hk[0] / par.H[0]), np.log(Hk[1] / par.H[1]),
         np.log(Lk[0] / par.L[0]), np.log(Lk[1] / par.L[1])]
    if regime.migration:
        logP = np.log(eq.P)
        stocksH = eq.H_demand.sum(axis=1)
        stocksL = eq.L_demand.sum(axis=1)
        for w, stocks, key in ((s, stocksH, "H"), (u, stocksL, "L")):
            target = None if quotas is None else quotas.get(key)
            for (i, k) in ((0, 1), (1, 0)):
                if target is not None:
                    r.append(np.log(stocks[i, k] / target[i, k]))
                else:
                    r.append(np.log(w[i, k]) - logP[i] - np.log(w[k, k]) + logP[k])
    if regime.mnc and balance:
        r.append(np.log(M[0] * eq.chi[0] / (M[1] * eq.chi[1])))
    return np.array(r)


def solve_equilibrium(par: WangParameters, regime: Regime = REGIMES["migration_and_mnc"],
                      x0=None, fix_M2: Optional[float] = None, quotas=None,
                      tol: float = 1e-10, balance: bool = True) -> EquilibriumResult:
    """Solve one equilibrium by scipy root-finding on the log-residual system.

    Parameters
    ----------
    par : WangParameters
    regime : Regime
    x0 : ndarray (9,), optional
        Log guess (e.g. a previous solution for warm starts); default :data:`DEFAULT_GUESS`.
    fix_M2 : float, optional
        Canadian firm mass; required when multinationals are closed (one equation short).
    quotas : dict, optional
        Output of :func:`quota_targets`; binding quotas replace the IC conditions.
    tol : float
        Accept when the largest absolute log residual is below ``tol``.
    balance : bool
        Impose the affiliate-balance closure (default).  ``False`` (with MNCs) drops it,
        as if affiliate profits were spent where they are earned; ``fix_M2`` is then required.

    Raises
    ------
    ValueError
        Inconsistent options (``fix_M2`` missing without MNCs, given with MNCs), ``fix_M2`` not
        positive and finite, ``x0`` not a finite vector of length 9, or ``tol`` outside ``(0, 1)``.
    ConvergenceError
        When neither ``hybr`` nor ``lm`` reaches ``tol``, or when they do but an equilibrium
        object is not finite (a result with ``converged=True`` is always finite); carries
        residual and iterations.
    """
    closed = regime.mnc and balance
    if not closed and fix_M2 is None:
        raise ValueError("fix_M2 is required without the affiliate-balance closure: "
                         "the system is one equation short")
    if closed and fix_M2 is not None:
        raise ValueError("fix_M2 must be None with multinationals: the affiliate balance pins M_CA")
    if fix_M2 is not None:
        require_positive("fix_M2", fix_M2, meaning="Canadian firm mass")
    require_in_range("tol", tol, 0.0, 1.0, meaning="tolerance on the largest absolute log residual")
    if x0 is not None:
        require_shape("x0", x0, (len(UNKNOWNS),))  # logs of UNKNOWNS
        require_finite("x0", x0)
    x_full = np.array(DEFAULT_GUESS if x0 is None else x0, dtype=float).copy()
    if x0 is None and not regime.mnc:
        x_full[7] = np.log(0.58)
    if fix_M2 is not None:
        x_full[8] = np.log(fix_M2)
    mask = active_unknowns(regime, fix_M2 is not None)
    args = (x_full, mask, par, regime, quotas, balance)
    n_active = int(mask.sum())
    counter = {"n": 0}
    best = None

    def safe_residuals(xa):
        # points where the model is undefined (no interior MNC share, overflow)
        # get a large finite residual so that the root-finder backs off
        counter["n"] += 1
        try:
            with np.errstate(all="ignore"):
                r = residuals(xa, *args)
        except (ValueError, FloatingPointError, OverflowError, ZeroDivisionError):
            return np.full(n_active, 1e3)
        return np.where(np.isfinite(r), r, 1e3)

    for method, opts in (("hybr", {"xtol": 1e-13}), ("lm", {"xtol": 1e-14, "ftol": 1e-14})):
        sol = optimize.root(safe_residuals, x_full[mask], method=method, options=opts)
        if not np.all(np.isfinite(sol.x)):
            continue
        err = float(np.max(np.abs(safe_residuals(sol.x))))
        if best is None or err < best[1]:
            best = (sol.x, err)
        if err < tol:
            break
    nfev = counter["n"]
    if best is None or not best[1] < tol:
        err = np.inf if best is None else best[1]
        raise ConvergenceError(
            f"equilibrium ({regime.key}) not found at {describe_parameters(par)}: max |log residual| = "
            f"{err:.3g} after {nfev} evaluations; try a warm start closer to the solution", err, nfev)
    x_full[mask] = best[0]
    s, u, M = unpack(x_full)
    with np.errstate(all="ignore"):
        obj = equilibrium_objects(s, u, M, par, regime)
    checked = ("s", "u", "M", "wbar", "chi", "phibar", "Rev", "R", "P", "H_demand", "L_demand") \
        + (("phif",) if regime.mnc else ())  # without MNCs the affiliate cutoff is unused (inf)
    bad = [name for name in checked
           if not np.all(np.isfinite(np.asarray(getattr(obj, name), dtype=float)))]
    if bad or not np.all(np.isfinite(x_full)):
        raise ConvergenceError(
            f"equilibrium ({regime.key}) at {describe_parameters(par)}: the log residual {best[1]:.3g} is below tol but {', '.join(bad) or 'x'} "
            "is not finite; these parameters are outside the range where the model can be evaluated "
            "in double precision", best[1], nfev)
    return EquilibriumResult(x=x_full, objects=obj, regime=regime, par=par, residual=best[1],
                             iterations=nfev, converged=True, fix_M2=fix_M2)


def solve_regime(par: WangParameters, key: str, x0=None, fix_M2=None, **kw) -> EquilibriumResult:
    """Solve a regime by its results-interface key; no-MNC regimes default to the paper's ``M_CA``."""
    if key not in REGIMES:
        raise ValueError(f"regime = {key!r} is not one of {sorted(REGIMES)}")
    regime = REGIMES[key]
    if not regime.mnc and fix_M2 is None:
        fix_M2 = PAPER_M2[key]
    return solve_equilibrium(par, regime, x0=x0, fix_M2=fix_M2, **kw)


def reference_units(par: WangParameters):
    """US autarky real wage of low-skilled workers and real GDP per capita (the normalisations of Table 5).

    The US autarky equilibrium does not depend on Canada, so ``fix_M2`` is immaterial here.
    """
    eq = solve_equilibrium(par, REGIMES["autarky"], fix_M2=PAPER_M2["autarky"]).objects
    o = _raw_outcomes(eq, par)
    return {"real_wage": o["real_wage_raw"]["L_US"], "gdp_per_capita": o["gdp_raw"][0]}


def _raw_outcomes(eq: EquilibriumObjects, par: WangParameters):
    s, u, P = eq.s, eq.u, eq.P
    rw = {"L_US": u[0, 0] / P[0], "L_CA": u[1, 1] / P[1], "H_US": s[0, 0] / P[0], "H_CA": s[1, 1] / P[1]}
    N = eq.H_demand.sum(axis=(1, 2)) + eq.L_demand.sum(axis=(1, 2))
    return {"real_wage_raw": rw, "gdp_raw": (eq.R / P) / N, "N": N}


def outcomes(result: EquilibriumResult, units=None) -> dict:
    """Reported objects of Table 5 and Table 4 for one equilibrium.

    Parameters
    ----------
    result : EquilibriumResult
    units : dict, optional
        Output of :func:`reference_units` (computed if omitted).

    Returns
    -------
    dict with ``real_wage`` (``L_US, L_CA, H_US, H_CA``; US low-skilled autarky = 1),
    ``real_wage_migrants`` (real wage of movers, ``H_US_in_CA`` ...), ``gdp_per_capita``
    (``US, CA``; US autarky = 100), ``migrant_stocks``, ``bilaterality`` (``H, L``;
    NaN-free, ``None`` without migration), ``firm_mass``, ``cutoffs``, ``mnc_share``,
    ``aggregate_productivity``, ``immigrant_share_pct`` (Table 4), ``home_firm_share`` (share of
    immigrants employed by firms from their own country), ``hs_wage_bill_share_US``.
    """
    eq, par = result.objects, result.par
    if units is None:
        units = reference_units(par)
    raw = _raw_outcomes(eq, par)
    rw = {k: v / units["real_wage"] for k, v in raw["real_wage_raw"].items()}
    gdp = raw["gdp_raw"] / units["gdp_per_capita"] * 100.0
    stH = eq.H_demand.sum(axis=1)
    stL = eq.L_demand.sum(axis=1)
    mig = result.regime.migration
    stocks = {"L_US_to_CA": stL[1, 0] if mig else 0.0, "L_CA_to_US": stL[0, 1] if mig else 0.0,
              "H_US_to_CA": stH[1, 0] if mig else 0.0, "H_CA_to_US": stH[0, 1] if mig else 0.0}
    bi = None
    if mig:
        bi = {"H": float(bilaterality_index(stocks["H_US_to_CA"], stocks["H_CA_to_US"])),
              "L": float(bilaterality_index(stocks["L_US_to_CA"], stocks["L_CA_to_US"]))}
    M, chi = eq.M, eq.chi
    firm_mass = {"local_US": M[0], "foreign_US": M[1] * chi[1], "local_CA": M[1], "foreign_CA": M[0] * chi[0]}
    cut = {"local_US": eq.phibar[0], "local_CA": eq.phibar[1]}
    if result.regime.mnc:
        cut.update({"foreign_US": eq.phif[1], "foreign_CA": eq.phif[0]})
    else:
        cut.update({"foreign_US": None, "foreign_CA": None})
    # aggregate productivity (revenue-weighted CES mean of establishments located in i)
    tphi = pareto_average_productivity(eq.phibar, par.sigma, par.kappa)
    Phi = np.empty(2)
    for i in range(2):
        j = 1 - i
        num, den = M[i] * tphi[i] ** (par.sigma - 1.0), M[i]
        if chi[j] > 0:
            tphif = pareto_average_productivity(eq.phif[j], par.sigma, par.kappa)
            num += M[j] * chi[j] * tphif ** (par.sigma - 1.0)
            den += M[j] * chi[j]
        Phi[i] = (num / den) ** (1.0 / (par.sigma - 1.0))
    # Table 4: percentage of immigrants within (location, firm origin, skill)
    share = {}
    for name, D in (("H", eq.H_demand), ("L", eq.L_demand)):
        for i, c in enumerate(("US", "CA")):
            for j, firm in enumerate(("US", "CA")):
                tot = D[i, j].sum()
                share[f"{name}_{c}_{firm}_firms"] = 100.0 * D[i, j, 1 - i] / tot if tot > 0 else 0.0
    home_firm = {}
    if mig:
        for name, D in (("H", eq.H_demand), ("L", eq.L_demand)):
            home_firm[f"{name}_CA_in_US"] = D[0, 1, 1] / D[0, :, 1].sum()
            home_firm[f"{name}_US_in_CA"] = D[1, 0, 0] / D[1, :, 0].sum()
    wage_bill_H = (par.tau * eq.s * eq.H_demand.sum(axis=1))[0].sum()
    wage_bill_L = (par.t * eq.u * eq.L_demand.sum(axis=1))[0].sum()
    movers = {}
    if mig:
        movers = {"H_US_in_CA": eq.s[1, 0] / eq.P[1] / units["real_wage"],
                  "H_CA_in_US": eq.s[0, 1] / eq.P[0] / units["real_wage"],
                  "L_US_in_CA": eq.u[1, 0] / eq.P[1] / units["real_wage"],
                  "L_CA_in_US": eq.u[0, 1] / eq.P[0] / units["real_wage"]}
    return {
        "real_wage": rw, "real_wage_migrants": movers,
        "gdp_per_capita": {"US": gdp[0], "CA": gdp[1]},
        "migrant_stocks": stocks, "bilaterality": bi, "firm_mass": firm_mass, "cutoffs": cut,
        "mnc_share": {"US": chi[0], "CA": chi[1]},
        "aggregate_productivity": {"US": Phi[0], "CA": Phi[1]},
        "immigrant_share_pct": share, "home_firm_share": home_firm,
        "hs_wage_bill_share_US": wage_bill_H / (wage_bill_H + wage_bill_L),
        "emigration_rate": {"H_US_to_CA": stocks["H_US_to_CA"] / par.H[0],
                            "H_CA_to_US": stocks["H_CA_to_US"] / par.H[1],
                            "L_US_to_CA": stocks["L_US_to_CA"] / par.L[0],
                            "L_CA_to_US": stocks["L_CA_to_US"] / par.L[1]},
        "population": {"US": raw["N"][0], "CA": raw["N"][1]},
    }


def solve_table5(par: WangParameters, fix_M2_autarky: float = PAPER_M2["autarky"],
                 fix_M2_migration: float = PAPER_M2["migration_only"]):
    """Solve the four regimes of Table 5; return ``(results, outcomes)`` dicts keyed by regime."""
    units = reference_units(par)
    res = {
        "autarky": solve_equilibrium(par, REGIMES["autarky"], fix_M2=fix_M2_autarky),
        "migration_only": solve_equilibrium(par, REGIMES["migration_only"], fix_M2=fix_M2_migration),
        "mnc_only": solve_equilibrium(par, REGIMES["mnc_only"]),
        "migration_and_mnc": solve_equilibrium(par, REGIMES["migration_and_mnc"]),
    }
    return res, {k: outcomes(v, units) for k, v in res.items()}


def continuation(param_path, solve_one, x0=None, stop_after_failure: bool = True):
    """Solve along a path of parameter objects with warm starts.

    Parameters
    ----------
    param_path : sequence
        Points of the path (anything ``solve_one`` accepts).
    solve_one : callable ``(point, x0) -> EquilibriumResult``
    x0 : ndarray, optional
        Log guess for the first point.

    stop_after_failure : bool
        After the first failure, do not attempt the remaining points (the branch has ended).

    Returns
    -------
    list of EquilibriumResult or None (None where the solver failed or was not tried because
    the branch had ended).  Failures are not hidden: the caller sees ``None`` and can report
    where the path stops.
    """
    out = []
    x = x0
    failed = False
    for point in param_path:
        r = None
        if not (failed and stop_after_failure):
            try:
                r = solve_one(point, x)
                x = r.x
            except (ConvergenceError, ValueError):
                failed = True
        out.append(r)
    return out


def no_mnc_family(par: WangParameters, key: str, M2_grid, M2_start: Optional[float] = None):
    """The continuum of no-MNC equilibria indexed by the Canadian firm mass ``M_CA``.

    Without multinationals nothing ties Canada's nominal scale to the US numeraire
    (eight equations, nine unknowns), so every ``M_CA`` in an interval is an
    equilibrium.  Solved by continuation outwards from ``M2_start`` (default: the
    paper's point, :data:`PAPER_M2`).

    Returns
    -------
    list of EquilibriumResult or None, aligned with ``M2_grid`` (None: no interior
    equilibrium found there -- the branch ended).
    """
    if key not in ("autarky", "migration_only"):
        raise ValueError(f"key = {key!r} must be 'autarky' or 'migration_only' (the regimes without MNCs)")
    regime = REGIMES[key]
    grid = np.asarray(M2_grid, dtype=float)
    start_value = PAPER_M2[key] if M2_start is None else M2_start
    ref = solve_equilibrium(par, regime, fix_M2=start_value)
    order = np.argsort(grid)
    g = grid[order]
    k0 = int(np.searchsorted(g, start_value))
    solve = lambda M2, x: solve_equilibrium(par, regime, fix_M2=M2, x0=x)  # noqa: E731
    up = continuation(g[k0:], solve, ref.x)
    down = continuation(g[:k0][::-1], solve, ref.x)[::-1]
    sorted_results = down + up
    out = [None] * len(grid)
    for pos, idx in enumerate(order):
        out[idx] = sorted_results[pos]
    return out


def m2_matching(par: WangParameters, key: str, statistic, target: float, bracket, x0=None):
    """Canadian firm mass at which a no-MNC statistic equals a target (e.g. a printed Table 5 entry).

    Parameters
    ----------
    statistic : callable ``EquilibriumResult -> float``
    bracket : (float, float)
        ``M_CA`` interval with a sign change, inside the existence interval.
    x0 : ndarray, optional
        Warm start (a family member near the bracket).
    """
    from scipy.optimize import brentq
    regime = REGIMES[key]
    state = {"x": x0}

    def gap(M2):
        r = solve_equilibrium(par, regime, fix_M2=M2, x0=state["x"])
        state["x"] = r.x
        return statistic(r) - target

    return brentq(gap, *bracket, xtol=1e-10)
