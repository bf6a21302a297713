"""Channel decomposition of the effects of opening to migration in Wang (2014), Section 5.2.1.

The paper explains its headline results with two forces (Sections 4.2.1-4.2.2 and 5.2.1): the
imperfect substitutability of native and foreign workers ("international labor heterogeneity"),
which alone "tends to generate extreme migration patterns", and the operations of multinationals
together with firm-worker *compatibility*, which create "an extra demand for migrant workers" from
the firm's home country.  :func:`openness_decomposition` re-solves the model with each of the two
switchable channels turned off:

``"mnc"``
    no multinationals (the "migration only" and "autarky" regimes instead of "migration & MNCs"
    and "MNCs only");
``"compatibility"``
    firms equally compatible with workers of either origin (``xi = zeta = 1``), so an affiliate has
    no preference for workers from its home country.

What remains with both channels off is imperfect substitutability alone.  Without multinationals
the equilibrium is indeterminate (one equation short, see ``solver.no_mnc_family``); the Canadian
firm mass is pinned at the paper's printed values, :data:`lib.migration_mnc.solver.PAPER_M2`, and
the no-MNC numbers inherit that choice.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from .model import REGIMES, WangParameters, bilaterality_index
from .solver import PAPER_M2, outcomes, reference_units, solve_equilibrium

__all__ = ["SCENARIOS", "switch_off_compatibility", "regime_outcomes", "openness_effect",
           "openness_decomposition", "gdp_channels"]

#: scenario name -> (multinationals open, compatibility as calibrated)
SCENARIOS = {"full model": (True, True), "no compatibility": (True, False),
             "no multinationals": (False, True), "neither": (False, False)}


def switch_off_compatibility(par: WangParameters) -> WangParameters:
    """The same economy with every firm equally compatible with workers of either origin (``xi = zeta = 1``)."""
    return par.with_changes(xi=np.ones((2, 2)), zeta=np.ones((2, 2)))


def regime_outcomes(par: WangParameters, mnc: bool, migration: bool, units=None,
                    M2_autarky: float = PAPER_M2["autarky"],
                    M2_migration: float = PAPER_M2["migration_only"]) -> dict:
    """Solve one regime and return :func:`lib.migration_mnc.solver.outcomes` (no-MNC regimes pinned by ``M2``)."""
    regime = REGIMES[{(False, False): "autarky", (True, False): "migration_only",
                      (False, True): "mnc_only", (True, True): "migration_and_mnc"}[(migration, mnc)]]
    fix = None if mnc else (M2_migration if migration else M2_autarky)
    r = solve_equilibrium(par, regime, fix_M2=fix)
    return outcomes(r, units if units is not None else reference_units(par))


def _flat(o: dict) -> dict:
    out = {f"real wage {k}": v for k, v in o["real_wage"].items()}
    out.update({f"GDP per capita {k}": v for k, v in o["gdp_per_capita"].items()})
    return out


def openness_effect(par: WangParameters, mnc: bool, before: bool = False, after: bool = True, units=None,
                    **pins) -> dict:
    """Effect of moving migration from ``before`` to ``after`` (open = True) with MNCs ``mnc``.

    Returns
    -------
    dict with the percentage change of each real wage and GDP per capita, and the bilaterality
    indices ``BI H``, ``BI L`` and net inflows to the US (``net H to US``, ``net L to US``) in the
    ``after`` equilibrium (NaN when migration is closed there).
    """
    units = units if units is not None else reference_units(par)
    o0 = regime_outcomes(par, mnc, before, units, **pins)
    o1 = regime_outcomes(par, mnc, after, units, **pins)
    f0, f1 = _flat(o0), _flat(o1)
    eff = {k: 100.0 * (f1[k] / f0[k] - 1.0) for k in f0}
    st = o1["migrant_stocks"]
    if after:
        eff["BI H"] = float(bilaterality_index(st["H_US_to_CA"], st["H_CA_to_US"]))
        eff["BI L"] = float(bilaterality_index(st["L_US_to_CA"], st["L_CA_to_US"]))
    else:
        eff["BI H"] = eff["BI L"] = np.nan
    eff["net H to US"] = st["H_CA_to_US"] - st["H_US_to_CA"]
    eff["net L to US"] = st["L_CA_to_US"] - st["L_US_to_CA"]
    return eff


def openness_decomposition(par: WangParameters, before: bool = False, after: bool = True,
                           units=None, **pins) -> pd.DataFrame:
    """Effects of opening to migration in the four channel scenarios, and each channel's contribution.

    Rows ``"full model"``, ``"no compatibility"``, ``"no multinationals"``, ``"neither"`` are the
    effects of moving migration from ``before`` to ``after`` in each scenario (:data:`SCENARIOS`).
    Then, switching one channel off at a time,

    * ``"contribution: multinationals"`` = full model - no multinationals;
    * ``"contribution: compatibility"`` = full model - no compatibility;
    * ``"overlap"`` = the sum of the two contributions minus (full model - neither).

    so that ``full model = neither + contribution: multinationals + contribution: compatibility - overlap``
    holds exactly.  The contributions do not add up by themselves: the model is non-linear and the
    compatibility weights act on migrants mostly through affiliates, so the two channels overlap.

    Parameters
    ----------
    par : WangParameters
    before, after : bool
        Migration closed (False) or open (True) in the two equilibria compared; ``before == after``
        gives zero effects.
    units : dict, optional
        :func:`lib.migration_mnc.solver.reference_units` of ``par`` (the same units in every scenario,
        so that levels are comparable).
    **pins
        ``M2_autarky``, ``M2_migration``: the Canadian firm masses that pin the indeterminate
        no-MNC equilibria (default: the paper's printed values).
    """
    units = units if units is not None else reference_units(par)
    rows = {}
    for name, (mnc, compat) in SCENARIOS.items():
        p = par if compat else switch_off_compatibility(par)
        rows[name] = openness_effect(p, mnc, before, after, units, **pins)
    d = pd.DataFrame(rows).T
    d.loc["contribution: multinationals"] = d.loc["full model"] - d.loc["no multinationals"]
    d.loc["contribution: compatibility"] = d.loc["full model"] - d.loc["no compatibility"]
    d.loc["overlap"] = (d.loc["contribution: multinationals"] + d.loc["contribution: compatibility"]
                        - (d.loc["full model"] - d.loc["neither"]))
    return d


def gdp_channels(before, after) -> pd.DataFrame:
    """Exact split of the change in real GDP per capita between two solved equilibria (Section 5.2.1).

    With ``N_i`` establishments located in ``i`` (domestic firms plus foreign affiliates) and the
    paper's aggregate productivity ``Phi_i`` (the CES mean of their average productivities), the
    price index is ``P_i = sigma/(sigma-1) * N_i**(1/(1-sigma)) * W_i / Phi_i``, which defines the
    unit-labour-cost index ``W_i``.  Real GDP per capita ``R_i/(P_i pop_i)`` then changes by

    ``dln = varieties + productivity + income``, with ``varieties = dln N_i/(sigma-1)`` (the paper's
    "increase in product varieties"), ``productivity = dln Phi_i`` (its "productivity improvement")
    and ``income = dln(R_i/pop_i) - dln W_i`` (nominal spending per worker deflated by unit labour
    cost).  The three add up exactly.

    Parameters
    ----------
    before, after : lib.migration_mnc.solver.EquilibriumResult
        Two equilibria of the same parameters (e.g. "MNCs only" and "Migration & MNCs").

    Returns
    -------
    DataFrame indexed by ``varieties, productivity, income, total`` with columns ``US, CA``
    (log points, 100 x dln).
    """
    from .model import pareto_average_productivity

    def parts(res):
        eq, par = res.objects, res.par
        tphi = pareto_average_productivity(eq.phibar, par.sigma, par.kappa)
        out = {}
        for i in range(2):
            j = 1 - i
            n_dom, n_aff = eq.M[i], eq.M[j] * eq.chi[j]
            num = n_dom * tphi[i] ** (par.sigma - 1.0)
            if n_aff > 0:
                num += n_aff * pareto_average_productivity(eq.phif[j], par.sigma, par.kappa) ** (par.sigma - 1.0)
            N = n_dom + n_aff
            Phi = (num / N) ** (1.0 / (par.sigma - 1.0))
            pop = eq.H_demand[i].sum() + eq.L_demand[i].sum()
            mk = par.sigma / (par.sigma - 1.0)
            W = eq.P[i] * Phi / (mk * N ** (1.0 / (1.0 - par.sigma)))
            out[i] = {"N": N, "Phi": Phi, "W": W, "inc": eq.R[i] / pop, "gdp": eq.R[i] / eq.P[i] / pop,
                      "sigma": par.sigma}
        return out

    a, b = parts(before), parts(after)
    cols = {}
    for i, c in enumerate(("US", "CA")):
        sig = a[i]["sigma"]
        var = np.log(b[i]["N"] / a[i]["N"]) / (sig - 1.0)
        prod = np.log(b[i]["Phi"] / a[i]["Phi"])
        inc = np.log(b[i]["inc"] / a[i]["inc"]) - np.log(b[i]["W"] / a[i]["W"])
        cols[c] = {"varieties": 100 * var, "productivity": 100 * prod, "income": 100 * inc,
                   "total": 100 * np.log(b[i]["gdp"] / a[i]["gdp"])}
    return pd.DataFrame(cols)
