"""Calibration of Wang (2014), Section 5.1.1, from the numbers the paper prints.

External: ``sigma`` (Broda-Weinstein), ``kappa = 1.06 (sigma - 1)`` (Luttmer),
``delta`` (BDS), ``rho, gamma, Gamma`` (Ottaviano-Peri), endowments (OECD).
Calibrated jointly in the full migration-and-MNC equilibrium:

* ``alpha`` -- US high-skilled wage-bill share (WIID interpolation, 64.11%);
* ``fI``   -- share of US firms that are multinationals (1%);
* ``fE``   -- survival of US entrants ``(B / phibar_US)**kappa`` (1 - 0.239);
* ``tau_12, tau_21, t_12, t_21`` -- the four emigration rates (compatibilities
  ``xi, zeta`` held at Table 3: the stocks barely identify them).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from lib.core.errors import ConvergenceError
from lib.core.validate import require_in_range, require_nonnegative, require_positive
from .model import REGIMES, WangParameters
from .solver import outcomes, solve_equilibrium

__all__ = ["interpolated_wage_share", "kappa_from_luttmer", "entry_cost_from_survival",
           "bi_implied_emigration_rate", "model_moments", "CalibrationResult", "calibrate_joint"]

MOMENT_NAMES = ("hs_share_US", "mnc_share_US", "survival_US",
                "emig_H_US_to_CA", "emig_H_CA_to_US", "emig_L_US_to_CA", "emig_L_CA_to_US")
PARAM_NAMES = ("alpha", "fI", "fE", "tau_12", "tau_21", "t_12", "t_21")


def interpolated_wage_share(top30: float, top40: float, college_share: float) -> float:
    """Wage share of the top ``college_share`` earners by linear interpolation (Sec. 5.1.1).

    ``top30 + (college_share - 0.3) / 0.1 * (top40 - top30)``; 0.6411 for the US in 2000.
    """
    require_in_range("college_share", college_share, 0.3, 0.4, low_inclusive=True, high_inclusive=True,
                     meaning="interpolation between the top-30% and top-40% shares")
    return top30 + (college_share - 0.3) / 0.1 * (top40 - top30)


def kappa_from_luttmer(sigma: float, ratio: float = 1.06) -> float:
    """Pareto shape from Luttmer's tail ratio ``kappa / (sigma - 1)`` (Sec. 5.1.1).

    Raises
    ------
    ValueError
        If ``sigma`` is not finite and above 1, or ``ratio`` is not finite and above 1
        (the model needs ``kappa > sigma - 1 > 0``, paper eq. (26)).
    """
    require_in_range("sigma", sigma, 1.0, np.inf, meaning="elasticity of substitution between products")
    require_in_range("ratio", ratio, 1.0, np.inf,
                     meaning="Luttmer tail ratio kappa/(sigma - 1); kappa > sigma - 1 needs ratio > 1")
    return ratio * (sigma - 1.0)


def entry_cost_from_survival(survival: float, chi: float, par: WangParameters) -> float:
    """Entry cost matching a survival rate (paper Sec. 5.1.1, from eq. (26)).

    ``survival = (B/phibar)**kappa = [(f + chi fI)/(delta fE) (sigma-1)/(kappa-sigma+1)]**(-1)``,
    hence ``fE = (sigma-1)/(kappa-sigma+1) * (f + chi fI) * survival / delta`` (325.27 at Table 3).

    Raises
    ------
    ValueError
        If ``survival`` is outside ``(0, 1]`` or ``chi`` (share of multinationals) outside ``[0, 1)``.
    """
    require_in_range("survival", survival, 0.0, 1.0, high_inclusive=True, meaning="survival of entrants")
    require_in_range("chi", chi, 0.0, 1.0, low_inclusive=True,
                     meaning="share of firms that are multinationals (paper eqs. (38)-(39))")
    ratio = (par.sigma - 1.0) / (par.kappa - par.sigma + 1.0)
    return ratio * (par.f + chi * par.fI) * survival / par.delta


def bi_implied_emigration_rate(bi: float, other_rate: float, other_pop: float, own_pop: float) -> float:
    """Emigration rate of the smaller flow implied by a bilaterality index (eq. (1)).

    With ``m_small = bi / (2 - bi) * m_large``; used to check the printed L target.

    Raises
    ------
    ValueError
        If ``bi`` is outside ``[0, 1]``, ``other_rate`` outside ``[0, 1]``, ``other_pop`` negative
        or not finite, or ``own_pop`` not positive and finite.
    """
    require_in_range("bi", bi, 0.0, 1.0, low_inclusive=True, high_inclusive=True, meaning="bilaterality index")
    require_in_range("other_rate", other_rate, 0.0, 1.0, low_inclusive=True, high_inclusive=True,
                     meaning="emigration rate of the larger flow")
    require_nonnegative("other_pop", other_pop, meaning="population of origin of the larger flow")
    require_positive("own_pop", own_pop, meaning="population of origin of the smaller flow")
    m_large = other_rate * other_pop
    return bi / (2.0 - bi) * m_large / own_pop


def _apply(par: WangParameters, theta) -> WangParameters:
    alpha, fI, fE, tau12, tau21, t12, t21 = theta
    p = par.with_changes(alpha=alpha, fI=fI, fE=fE)
    return p.with_moving_costs(tau_12=tau12, tau_21=tau21, t_12=t12, t_21=t21)


def model_moments(result) -> np.ndarray:
    """Model counterparts of :data:`MOMENT_NAMES` at a migration-and-MNC equilibrium."""
    eq, par = result.objects, result.par
    o = outcomes(result, units={"real_wage": 1.0, "gdp_per_capita": 1.0})
    survival = (par.B / eq.phibar[0]) ** par.kappa
    e = o["emigration_rate"]
    return np.array([o["hs_wage_bill_share_US"], eq.chi[0], survival,
                     e["H_US_to_CA"], e["H_CA_to_US"], e["L_US_to_CA"], e["L_CA_to_US"]])


@dataclass
class CalibrationResult:
    """Jointly calibrated parameters.

    Attributes
    ----------
    par : WangParameters
    values : dict  (``alpha, fI, fE, tau_12, tau_21, t_12, t_21``)
    moments, targets : dict
    residual : float  (largest relative moment error)
    iterations : int
    """
    par: WangParameters
    values: dict
    moments: dict
    targets: dict
    residual: float
    iterations: int


def calibrate_joint(par0: WangParameters, targets: dict, tol: float = 1e-9) -> CalibrationResult:
    """Solve the seven calibration equations jointly, each evaluation a full equilibrium.

    Parameters
    ----------
    par0 : WangParameters
        External parameters and starting values (e.g. Table 3).
    targets : dict
        Keys :data:`MOMENT_NAMES`.

    Raises
    ------
    ConvergenceError
        If the moments cannot be matched to ``tol`` (relative).
    """
    missing = [m for m in MOMENT_NAMES if m not in targets]
    if missing:
        raise ValueError(f"targets missing {missing}")
    tgt = np.array([targets[m] for m in MOMENT_NAMES], dtype=float)
    theta0 = np.array([par0.alpha, par0.fI, par0.fE, par0.tau[0, 1], par0.tau[1, 0],
                       par0.t[0, 1], par0.t[1, 0]])
    # unconstrained transforms: logit(alpha), log fI, log fE, log(tau - 1)
    def to_theta(z):
        return np.concatenate([[1.0 / (1.0 + np.exp(-z[0]))], np.exp(z[1:3]), 1.0 + np.exp(z[3:])])

    z0 = np.concatenate([[np.log(theta0[0] / (1 - theta0[0]))], np.log(theta0[1:3]), np.log(theta0[3:] - 1.0)])
    state = {"x": None, "n": 0}

    def resid(z):
        state["n"] += 1
        p = _apply(par0, to_theta(z))
        r = solve_equilibrium(p, REGIMES["migration_and_mnc"], x0=state["x"])
        state["x"] = r.x
        return np.log(model_moments(r) / tgt)

    sol = optimize.root(resid, z0, method="hybr", options={"xtol": 1e-12})
    err = float(np.max(np.abs(resid(sol.x))))
    if not err < tol:
        raise ConvergenceError(f"calibration failed: max relative moment error {err:.3g}", err, state["n"])
    theta = to_theta(sol.x)
    par = _apply(par0, theta)
    r = solve_equilibrium(par, REGIMES["migration_and_mnc"], x0=state["x"])
    mom = model_moments(r)
    return CalibrationResult(par=par, values=dict(zip(PARAM_NAMES, theta)),
                             moments=dict(zip(MOMENT_NAMES, mom)), targets=dict(zip(MOMENT_NAMES, tgt)),
                             residual=err, iterations=state["n"])
