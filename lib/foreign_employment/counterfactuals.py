r"""Counterfactual scenarios and reported outcomes of Doi & Suzuki (2025, §5).

Scenarios are vectors :math:`\hat L(k,s)` over the 16 worker groups; outcomes are
the paper's reported statistics: native welfare (H16), real wages by prefecture,
GDP and sector output (H17).
"""
from __future__ import annotations

import numpy as np

from ..core.validate import require_in_range, require_nonnegative, require_shape
from .hat import BaseYear, HatSolution

__all__ = ["group_masks", "foreign_scale_shock", "removal_shock", "expansion_shock", "SCENARIOS",
           "welfare_change_pct", "gdp_change_pct", "sector_output_change_pct",
           "prefecture_gdp_change_pct", "real_wage_change_pct", "native_real_wage_index_pct",
           "summary"]

SCENARIOS = ["X-LS", "X-HS", "X-mix", "X-female", "X-elderly"]


def group_masks(groups):
    """Boolean masks over group names ``D-LS-M-15-29`` / ``F-HS-F``: native, foreign, LS, HS, female, elderly.

    Raises
    ------
    ValueError
        If a group label is not of the form ``<D|F>-<LS|HS>-<M|F>[-age]``.
    """
    g = list(groups)
    for x in g:
        parts = x.split("-") if isinstance(x, str) else []
        if len(parts) < 3 or parts[0] not in ("D", "F") or parts[1] not in ("LS", "HS") \
                or parts[2] not in ("M", "F"):
            raise ValueError(f"group label {x!r} is malformed: groups must be labelled "
                             "'<D|F>-<LS|HS>-<M|F>[-age]', e.g. 'D-LS-M-15-29' or 'F-HS-F'")
    m = lambda cond: np.array([cond(x) for x in g])
    return {"native": m(lambda x: x.startswith("D-")), "foreign": m(lambda x: x.startswith("F-")),
            "LS": m(lambda x: x.split("-")[1] == "LS"), "HS": m(lambda x: x.split("-")[1] == "HS"),
            "female": m(lambda x: x.split("-")[2] == "F"), "elderly": m(lambda x: x.endswith("60+"))}


def foreign_scale_shock(groups, foreign_scale: float, low_skill_only: bool = False) -> np.ndarray:
    r""":math:`\hat L` multiplying every foreign group (or only low-skilled ones) by ``foreign_scale``.

    ``foreign_scale = 0`` is labour-market autarky, ``1`` the base year.

    Raises
    ------
    ValueError
        If ``foreign_scale`` is negative or a group label is malformed (see :func:`group_masks`).
    """
    s = require_in_range("foreign_scale", foreign_scale, 0.0, np.inf, low_inclusive=True,
                         meaning="multiplier on foreign worker groups (0 autarky, 1 base)")
    mk = group_masks(groups)
    hit = mk["foreign"] & (mk["LS"] if low_skill_only else True)
    return np.where(hit, s, 1.0)


def removal_shock(groups, which: str) -> np.ndarray:
    """Labour-market autarky: remove ``"all"``, ``"LS"`` or ``"HS"`` foreign workers (paper Tables 6-8)."""
    if which not in ("all", "LS", "HS"):
        raise ValueError(f"which must be 'all', 'LS' or 'HS'; got {which!r}")
    mk = group_masks(groups)
    hit = mk["foreign"] & (True if which == "all" else mk[which])
    return np.where(hit, 0.0, 1.0)


def expansion_shock(groups, L_g, scenario: str, expansion: float = 0.10, ls_share=None) -> np.ndarray:
    r"""Expand labour by ``expansion`` x the native workforce (paper §5.2, Table 9).

    The added mass :math:`\Delta` is split across the targeted groups in
    proportion to their base masses.  ``scenario`` is one of ``X-LS``, ``X-HS``,
    ``X-mix`` (all foreigners), ``X-female`` (native women), ``X-elderly``
    (natives 60+), or ``"sweep"`` with ``ls_share`` :math:`\lambda\in[0,1]` of
    :math:`\Delta` going to low-skilled foreigners and the rest to high-skilled.

    Raises
    ------
    ValueError
        If ``expansion`` is negative, ``L_g`` is negative or not one entry per group,
        ``scenario`` is unknown, ``ls_share`` is outside [0, 1] (sweep), or a group label
        is malformed (see :func:`group_masks`).
    """
    require_in_range("expansion", expansion, 0.0, np.inf, low_inclusive=True,
                     meaning="added labour as a share of the native workforce")
    groups = list(groups)
    L_g = np.asarray(require_nonnegative("L_g", L_g), dtype=float)
    require_shape("L_g", L_g, (len(groups),))
    mk = group_masks(groups)
    delta = expansion * L_g[mk["native"]].sum()
    add = np.zeros_like(L_g)

    def spread(mask, amount):
        add[mask] += amount * L_g[mask] / L_g[mask].sum()

    if scenario == "sweep":
        lam = require_in_range("ls_share", ls_share, 0.0, 1.0, low_inclusive=True,
                               high_inclusive=True, meaning="low-skilled share of the expansion")
        spread(mk["foreign"] & mk["LS"], lam * delta)
        spread(mk["foreign"] & mk["HS"], (1 - lam) * delta)
    elif scenario == "X-LS":
        spread(mk["foreign"] & mk["LS"], delta)
    elif scenario == "X-HS":
        spread(mk["foreign"] & mk["HS"], delta)
    elif scenario == "X-mix":
        spread(mk["foreign"], delta)
    elif scenario == "X-female":
        spread(mk["native"] & mk["female"], delta)
    elif scenario == "X-elderly":
        spread(mk["native"] & mk["elderly"], delta)
    else:
        raise ValueError(f"scenario must be one of {SCENARIOS + ['sweep']}; got {scenario!r}")
    return 1.0 + add / L_g


def welfare_change_pct(sol: HatSolution) -> np.ndarray:
    r"""Welfare change by group in percent, :math:`100(\hat U(k,s)-1)` (H16)."""
    return 100 * (sol.U_hat - 1)


def gdp_change_pct(base: BaseYear, sol: HatSolution) -> float:
    """National GDP change in percent: nominal value added, RoW wage = numéraire (H17)."""
    return float(100 * (sol.VA_new.sum() / base.VA.sum() - 1))


def sector_output_change_pct(base: BaseYear, sol: HatSolution, mask=None) -> float:
    r"""National value added of a set of sectors, percent change (:math:`VA^i_r=\beta^{\ell,i}Y^i_r`)."""
    J = base.gamma.shape[0]
    mask = np.ones(J, bool) if mask is None else np.asarray(mask, bool)
    old = (base.beta_l[1:] * base.Y[1:])[:, mask].sum()
    new = (base.beta_l[1:] * sol.Y_new[1:])[:, mask].sum()
    return float(100 * (new / old - 1))


def prefecture_gdp_change_pct(base: BaseYear, sol: HatSolution, mask=None) -> np.ndarray:
    """Value added of a set of sectors by prefecture, percent change (R,)."""
    J = base.gamma.shape[0]
    mask = np.ones(J, bool) if mask is None else np.asarray(mask, bool)
    old = (base.beta_l[1:] * base.Y[1:])[:, mask].sum(axis=1)
    new = (base.beta_l[1:] * sol.Y_new[1:])[:, mask].sum(axis=1)
    return 100 * (new / old - 1)


def real_wage_change_pct(sol: HatSolution) -> np.ndarray:
    r"""Real wage change by prefecture and group in percent, :math:`100(\hat{\bar w}_r/\hat P_r-1)` (R, G)."""
    return 100 * (sol.real_wage_hat - 1)


def native_real_wage_index_pct(base: BaseYear, sol: HatSolution) -> np.ndarray:
    """Base-wage-bill-weighted average real wage change of native groups by prefecture, percent (R,)."""
    native = base.group_k == 0
    w = (base.wbar * base.L_rg)[:, native]
    return 100 * ((w * sol.real_wage_hat[:, native]).sum(axis=1) / w.sum(axis=1) - 1)


def summary(base: BaseYear, sol: HatSolution) -> dict:
    """The headline numbers of a counterfactual as plain Python objects."""
    lab = base.labels
    manu = np.asarray(lab.get("manufacturing", np.arange(base.dims[1]) < 12), bool)
    groups = lab.get("groups", [f"g{g}" for g in range(base.dims[3])])
    regions = lab.get("regions", [f"r{r}" for r in range(base.dims[0])])
    native = base.group_k == 0
    return {
        "welfare_change_pct": {g: float(v) for g, v, n in zip(groups, welfare_change_pct(sol), native) if n},
        "gdp_change_pct": gdp_change_pct(base, sol),
        "gdp_change_manufacturing_pct": sector_output_change_pct(base, sol, manu),
        "gdp_change_services_pct": sector_output_change_pct(base, sol, ~manu),
        "real_wage_change_pct_by_prefecture": {r: float(v) for r, v in
                                               zip(regions, native_real_wage_index_pct(base, sol))},
        "max_residual": float(sol.residual), "iterations": int(sol.iterations),
        "solve_seconds": float(sol.seconds),
    }
