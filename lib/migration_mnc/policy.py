"""Policy experiments of Wang (2014), Sections 5.1.2 and 5.2.2-5.2.3 (Figures 4-15).

Every path is solved by continuation from the calibrated equilibrium outwards
(warm starts), and a path stops -- visibly, ``converged = False`` -- where the
interior equilibrium ceases to exist (e.g. all Canadian-born low-skilled
workers in the US when moving costs fall far enough).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from lib.core.errors import ConvergenceError
from lib.core.validate import require_in_range
from .model import REGIMES, WangParameters
from .solver import (EquilibriumResult, outcomes, quota_targets, reference_units, solve_equilibrium)

__all__ = ["scale_moving_costs", "flatten_outcomes", "solve_path", "moving_cost_path",
           "quota_path", "sensitivity_path", "branch_end", "SENSITIVITY_PARAMETERS"]

SENSITIVITY_PARAMETERS = ("gamma", "Gamma", "tau_12", "tau_21", "t_12", "t_21",
                          "xi_US_CA", "xi_CA_US", "zeta_US_CA", "zeta_CA_US", "rho")


def scale_moving_costs(par: WangParameters, c: float, which: str = "all") -> WangParameters:
    """Scale moving-cost markups towards free migration: ``tau' = 1 + c (tau - 1)``.

    ``c = 1`` is the calibration, ``c = 0`` free migration.  The paper does not say
    how it scaled the costs in Figs. 8-11; this linear scaling of the markup is the
    book's choice.

    Parameters
    ----------
    which : {"all", "H", "L"}
        Which skill's moving costs are scaled.
    """
    require_in_range("c", c, 0.0, np.inf, low_inclusive=True, meaning="moving-cost scale factor")
    if which not in ("all", "H", "L"):
        raise ValueError(f"which = {which!r} must be 'all', 'H' or 'L'")
    tau, t = par.tau.copy(), par.t.copy()
    off = ~np.eye(2, dtype=bool)
    if which in ("all", "H"):
        tau[off] = 1.0 + c * (tau[off] - 1.0)
    if which in ("all", "L"):
        t[off] = 1.0 + c * (t[off] - 1.0)
    return par.with_changes(tau=tau, t=t)


def flatten_outcomes(o: dict) -> dict:
    """One flat row (plain floats) from :func:`lib.migration_mnc.solver.outcomes`."""
    row = {}
    for group, prefix in (("real_wage", "rw_"), ("real_wage_migrants", "rwm_"), ("gdp_per_capita", "gdp_"),
                          ("migrant_stocks", "stock_"), ("firm_mass", "mass_"), ("cutoffs", "cut_"),
                          ("aggregate_productivity", "phi_"), ("mnc_share", "chi_"),
                          ("home_firm_share", "home_"), ("immigrant_share_pct", "pct_")):
        for k, v in (o.get(group) or {}).items():
            row[prefix + k] = np.nan if v is None else float(v)
    for k, v in (o.get("bilaterality") or {}).items():
        row["bi_" + k] = float(v)
    return row


def solve_path(grid, baseline_value: float, make_par, solve_kwargs=None, x0=None, units=None,
               fixed_units: bool = True) -> pd.DataFrame:
    """Continuation along a one-dimensional path, outwards from the baseline value.

    Parameters
    ----------
    grid : array_like
        Path values (any order; sorted internally).
    baseline_value : float
        Where the path starts (warm start ``x0``, normally the calibrated equilibrium).
    make_par : callable ``value -> (WangParameters, dict of extra solve kwargs)``
    x0 : ndarray, optional
        Log solution at ``baseline_value``.
    units : dict, optional
        Normalisation of real wages/GDP; computed per point when ``fixed_units`` is False.

    Returns
    -------
    DataFrame with column ``value``, ``converged`` and the flattened outcomes; rows where
    the interior equilibrium does not exist have ``converged = False`` and NaN outcomes.
    Once a direction fails, further points in that direction are not attempted.

    Raises
    ------
    ValueError
        If ``grid`` is not a non-empty 1-D array, or ``make_par`` rejects a grid value (an
        inadmissible parameter, e.g. ``c < 0``, ``gamma <= 1``, ``lam`` outside ``(0, 1]``): every
        grid value is passed through ``make_par`` before any equilibrium is solved, so such a value
        raises instead of being reported as a non-converged row.  Only failures of the
        equilibrium solver itself (no interior equilibrium) become ``converged = False`` rows.
    """
    grid = np.sort(np.asarray(grid, dtype=float))
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError(f"grid must be a non-empty 1-D array of path values; got shape {grid.shape}")
    # validate every grid value first: an inadmissible value is an error, not a branch end
    made = [make_par(v) for v in grid]
    start = int(np.argmin(np.abs(grid - baseline_value)))
    rows = {}
    for direction in (range(start, len(grid)), range(start - 1, -1, -1)):
        x = x0
        failed = False
        for idx in direction:
            v = grid[idx]
            row = {"value": v, "converged": False}
            if not failed:
                par, kw = made[idx]
                try:
                    r = solve_equilibrium(par, REGIMES["migration_and_mnc"], x0=x, **kw)
                    u = units if (fixed_units and units is not None) else reference_units(par)
                    row.update(flatten_outcomes(outcomes(r, u)))
                    row["converged"] = True
                    x = r.x
                except (ConvergenceError, ValueError):
                    failed = True
            rows[idx] = row
        # the downward sweep restarts from the baseline
    df = pd.DataFrame([rows[i] for i in range(len(grid))])
    return df


def moving_cost_path(par: WangParameters, c_grid, which: str = "all", baseline=None) -> pd.DataFrame:
    """Figs. 8-11: scale all / high-skilled / low-skilled moving costs by ``c``.

    Returns a DataFrame (see :func:`solve_path`) with column ``value`` = ``c``.
    """
    base = baseline or solve_equilibrium(par, REGIMES["migration_and_mnc"])
    units = reference_units(par)  # US autarky does not involve moving costs
    return solve_path(c_grid, 1.0, lambda c: (scale_moving_costs(par, c, which), {}), x0=base.x, units=units)


def quota_path(par: WangParameters, lam_grid, which: str = "all", baseline=None) -> pd.DataFrame:
    """Figs. 12-15: reciprocal quotas admitting a share ``lambda`` of the unconstrained stocks.

    The unconstrained stocks ``H^E, L^E`` are those of the calibrated equilibrium
    (paper eqs. (20)-(21)); the same ``lambda`` applies in both directions.
    """
    if which not in ("all", "H", "L"):
        raise ValueError(f"which = {which!r} must be 'all', 'H' or 'L'")
    base = baseline or solve_equilibrium(par, REGIMES["migration_and_mnc"])
    units = reference_units(par)

    def make(lam):
        q = quota_targets(base.objects, lam if which in ("all", "H") else None,
                          lam if which in ("all", "L") else None)
        return par, {"quotas": q}

    return solve_path(lam_grid, 1.0, make, x0=base.x, units=units)


def _set_parameter(par: WangParameters, name: str, value: float) -> WangParameters:
    if name in ("tau_12", "tau_21", "t_12", "t_21"):
        return par.with_moving_costs(**{name: value})
    if name.startswith(("xi_", "zeta_")):
        field, a, b = name.split("_")
        j, k = (0, 1) if (a, b) == ("US", "CA") else (1, 0)
        arr = getattr(par, field).copy()
        arr[j, k] = value
        return par.with_changes(**{field: arr})
    return par.with_changes(**{name: value})


def _get_parameter(par: WangParameters, name: str) -> float:
    if name in ("tau_12", "tau_21", "t_12", "t_21"):
        arr = par.tau if name.startswith("tau") else par.t
        return float(arr[0, 1] if name.endswith("12") else arr[1, 0])
    if name.startswith(("xi_", "zeta_")):
        field, a, b = name.split("_")
        return float(getattr(par, field)[(0, 1) if (a, b) == ("US", "CA") else (1, 0)])
    return float(getattr(par, name))


def sensitivity_path(par: WangParameters, name: str, grid, baseline=None) -> pd.DataFrame:
    """Figs. 4-7: vary one structural parameter, holding the others at their values in ``par``.

    ``name`` is one of :data:`SENSITIVITY_PARAMETERS` (location-origin order for moving
    costs; ``xi_US_CA`` is the compatibility of US firms with Canadian-born workers).
    Real wages are normalised by the US autarky real wage at each point.
    """
    if name not in SENSITIVITY_PARAMETERS:
        raise ValueError(f"name = {name!r} is not one of {SENSITIVITY_PARAMETERS}")
    base = baseline or solve_equilibrium(par, REGIMES["migration_and_mnc"])
    return solve_path(grid, _get_parameter(par, name), lambda v: (_set_parameter(par, name, v), {}),
                      x0=base.x, fixed_units=False)


#: Bounds of :func:`branch_end`: warm-start steps from c = 1 to ``c_converged``, and bisections.
BRANCH_WALK_MAX_STEPS = 200
BRANCH_MAX_BISECTIONS = 60


def branch_end(par: WangParameters, which: str = "all", c_converged: float = 1.0, c_failed: float = 0.0,
               tol: float = 1e-4, baseline=None):
    """Smallest moving-cost scale ``c`` with an interior equilibrium, by bisection with warm starts.

    Parameters
    ----------
    c_converged, c_failed : float
        A scale where the equilibrium exists and one where it does not (``c_failed < c_converged``).
    tol : float
        Stop when the bracket is narrower than ``tol`` (in (0, 1)); at most 60 bisections.

    Returns
    -------
    (float, EquilibriumResult) : the last converged ``c`` and its equilibrium.
    """
    require_in_range("c_converged", c_converged, 0.0, np.inf, low_inclusive=True, meaning="moving-cost scale")
    require_in_range("c_failed", c_failed, 0.0, np.inf, low_inclusive=True, meaning="moving-cost scale")
    require_in_range("tol", tol, 0.0, 1.0, meaning="width at which the bisection on c stops")
    if not c_failed < c_converged:
        raise ValueError(f"c_failed = {c_failed!r} must be below c_converged = {c_converged!r}")
    base = baseline or solve_equilibrium(par, REGIMES["migration_and_mnc"])
    # walk down to c_converged with warm starts: steps of 0.02, at most BRANCH_WALK_MAX_STEPS of them
    x = base.x
    last = None
    n_walk = int(min(BRANCH_WALK_MAX_STEPS, max(2, np.ceil(abs(1.0 - c_converged) / 0.02) + 1)))
    for c in np.linspace(1.0, c_converged, n_walk):
        last = solve_equilibrium(scale_moving_costs(par, c, which), REGIMES["migration_and_mnc"], x0=x)
        x = last.x
    hi, lo = c_converged, c_failed
    # halvings until the bracket is below tol; never more than a double can resolve (60)
    n_bisect = int(min(BRANCH_MAX_BISECTIONS, max(0, np.ceil(np.log2((hi - lo) / tol)))))
    for _ in range(n_bisect):
        mid = 0.5 * (hi + lo)
        try:
            last_try = solve_equilibrium(scale_moving_costs(par, mid, which), REGIMES["migration_and_mnc"], x0=last.x)
            hi, last = mid, last_try
        except (ConvergenceError, ValueError):
            lo = mid
    return hi, last
