"""Offshoring and wage inequality: the model of Nishiyama, Nakano, Tsuboi & Furuta (2025).

North--South model with Melitz-type heterogeneous final-goods firms in the
North, a Northern and a Southern intermediate input and Leontief skilled
labour.  ``alpha`` is the Northern share of the intermediate composite, so a
*fall* in ``alpha`` is an *increase* in outsourcing.

Two models:

* **baseline** (paper Section 2): Leontief composite ``min{x/alpha, x*/(1-alpha)}``,
  every equilibrium object in closed form, eqs. (4)--(17);
* **extended** (paper Section 3): Cobb--Douglas composite ``x^alpha x*^(1-alpha)``
  with cost-minimising input mix, eqs. (18)--(26) and Appendices A--B.  The
  wage pair ``(v, w)`` is solved by a bracketed root-finder on a single
  strictly decreasing function of ``v`` (see :func:`solve_extended`).

Equation numbers "(n)" are the paper's.  The Southern wage is the numeraire
``w* = 1`` and aggregate expenditure ``E_bar`` is exogenous, as in the paper.

Modules: :mod:`.params` (the frozen, validated :class:`Params`), :mod:`.baseline`,
:mod:`.extended`, :mod:`.statics` (comparative statics and diagnostics) and :mod:`.empirics`.
Their public names are also available from the package itself (``from lib import offshoring as
off; off.solve_extended(...)``).
"""
from __future__ import annotations

from .params import Params, require_normal, K_MAX
from .baseline import (cd_A, dlnA_dalpha, cutoff_productivity, average_productivity, active_firms,
                       baseline_alpha_min, baseline_unit_cost, baseline_wages, baseline_derivatives,
                       require_baseline_w_positive, baseline_E_bar_min)
from .extended import (extended_unit_cost, extended_v_of_w, extended_w_pole,
                       extended_excess_demand, extended_phi, ExtendedSolution, solve_extended,
                       solve_extended_w_route, solve_extended_path, extended_jacobian,
                       extended_derivatives_paper, extended_derivatives, extended_dlnU_paper,
                       _ext_derivs_vec)
from .statics import (equilibrium, welfare_dlog, firm_outcomes, turning_points, band_where,
                      existence_condition, condition_24, quadrature_aggregates)
from .empirics import (SYNTHETIC_TRUTH, top_quartile_dummy, synthetic_panel, model_panel)

__all__ = [
    "Params",
    "cd_A",
    "dlnA_dalpha",
    "cutoff_productivity",
    "average_productivity",
    "active_firms",
    "baseline_alpha_min",
    "baseline_unit_cost",
    "baseline_wages",
    "baseline_derivatives",
    "require_baseline_w_positive",
    "baseline_E_bar_min",
    "require_normal",
    "K_MAX",
    "extended_unit_cost",
    "extended_v_of_w",
    "extended_w_pole",
    "extended_excess_demand",
    "extended_phi",
    "ExtendedSolution",
    "solve_extended",
    "solve_extended_w_route",
    "solve_extended_path",
    "extended_jacobian",
    "extended_derivatives_paper",
    "extended_derivatives",
    "extended_dlnU_paper",
    "equilibrium",
    "welfare_dlog",
    "firm_outcomes",
    "turning_points",
    "band_where",
    "existence_condition",
    "condition_24",
    "quadrature_aggregates",
    "SYNTHETIC_TRUTH",
    "top_quartile_dummy",
    "synthetic_panel",
    "model_panel",
]
