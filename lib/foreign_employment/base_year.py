r"""The synthetic base year of Doi & Suzuki (2025): an exact equilibrium at the paper's dimensions.

The paper's base year comes from confidential microdata (MHLW Wage Survey 2022). This module
builds a **synthetic** stand-in, from a documented seed, in four steps:

1. draw fundamentals with :func:`lib.foreign_employment.generator` from public prefecture
   statistics (employment, foreign residents, GDP per worker, capitals' coordinates), the
   paper's elasticities, and the generator's knobs (:class:`GeneratorKnobs`), fitted by
   :mod:`lib.foreign_employment.fit_base_year` and stored in
   ``data/foreign_employment/base_year_fit.json``;
2. set RoW productivity so that RoW's share of Japan's spending on manufacturing and on
   services equals the knobs' import shares, and evaluate the level model at unit prices (a
   "pre-base" that satisfies every equation except occupation-market clearing);
3. solve the equilibrium with the hat solver and recalibrate :math:`S` and :math:`B` (as hat
   shocks) until the equilibrium matches what the paper and the public data state: Table 1
   (worker shares exactly, mean-wage index up to the normalisation), the §2 occupation shares
   and top-three prefecture shares, and every group's location shares (public employment for
   natives, public foreign residents for foreigners, the §2 top three where quoted);
4. verify that the result is an exact equilibrium of the level model (the level residual is
   recomputed from the fundamentals, independently of the hat code).

Steps 2-3 have two paths (:mod:`lib.foreign_employment.calibration`). Up to 47 regions: the
plain RoW update and the nested S/B calibration (Anderson over the targets, an exact hat solve
per step), which the stored fit ``base_year_fit.json`` reproduces bit for bit. Beyond 47 regions
(synthetic extra regions, up to 1,000), where each model evaluation costs up to ~20x more: a
Newton-preconditioned, Anderson-accelerated RoW update with loose inner solves (import shares
within 1e-4 relative), and one joint fixed point for equilibrium and S/B calibration, followed by
one exact hat solve. Both paths give exact equilibria meeting every target to ``target_tol``.

Everything produced here is synthetic: it is not Japanese data.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from ..core.data import DATA_DIR, read_table
from ..core.errors import ConvergenceError
from ..core.fixed_point import anderson_solve
from ..core.validate import require_in_range, require_integer
from .generator import (GROUPS, MANUFACTURING, OCCUPATIONS, SECTORS, THETA, _SECTOR_OCC, GeneratorKnobs,
                        toy_fundamentals,
                        distance_km, gravity_trade_costs, occupation_propensities,
                        occupation_sorting_correlations, region_table)
from .hat import BaseYear, apply_solution, base_from_levels, base_residual, solve_hat
from .calibration import LARGE_R, calibrate_row, calibration_report, import_shares, joint_calibration
from .calibration import adjustments as _adjustments
from .levels import Fundamentals, check_parameters, evaluate_levels
from .params import PAPER

__all__ = ["SECTORS", "MANUFACTURING", "OCCUPATIONS", "GROUPS", "THETA", "ETA", "ZETA", "XI",
           "DEFAULT_SEED", "FIT_FILE", "prefectures", "table1", "wage_targets", "text_targets", "location_targets",
           "synthetic_fundamentals", "SyntheticBase", "make_synthetic_base", "fitted_knobs",
           "base_year_fit", "cached_base", "calibration_report", "trade_report", "toy_fundamentals"]

ETA, ZETA, XI = PAPER.eta, PAPER.zeta, PAPER.xi  # paper §4.1 (Tables 4-5; zeta calibrated)
DEFAULT_SEED = 20250213
FIT_FILE = "foreign_employment/base_year_fit.json"


def prefectures() -> pd.DataFrame:
    """The 47 prefectures (JIS order) with capital coordinates, from ``data/foreign_employment/prefectures.csv``."""
    return read_table("foreign_employment/prefectures.csv",
                      ["prefecture", "lat", "lon", "manufacturing_belt"], numeric_columns=["lat", "lon"])


_SHARE_SUM_TOL = 1.0  # percentage points: 16 shares printed to one decimal round by at most 0.8 in total


def table1() -> pd.DataFrame:
    """Paper Table 1 in the book's group order: ``group, share_pct, wage_index``.

    Raises
    ------
    ValueError
        Naming ``table1.csv`` if a column is missing or non-numeric, if the
        ``number`` (worker share) or ``wage_index`` row of a group is missing or
        repeated, if a worker share ``L`` is negative or a wage index is not
        positive, or if the worker shares do not sum to 100 percent (within
        1 percentage point of rounding).
    """
    t = read_table("foreign_employment/table1.csv", ["measure", "row", "sex", "age", "value"],
                   numeric_columns=["value"])
    rows = []
    for g in GROUPS:
        parts = g.split("-")
        row = f"{parts[0]}-{parts[1]}"
        sex = parts[2]
        age = "-".join(parts[3:]) if parts[0] == "D" else "all"
        sel = t[(t.row == row) & (t.sex == sex) & (t.age == age)]
        values = {}
        for measure in ("number", "wage_index"):
            hit = sel[sel.measure == measure].value
            if len(hit) != 1:
                raise ValueError(
                    f"table1.csv must have exactly one {measure!r} row for group {g} (row {row}, "
                    f"sex {sex}, age {age}); found {len(hit)}")
            values[measure] = float(hit.iloc[0])
        rows.append({"group": g, "share_pct": values["number"], "wage_index": values["wage_index"]})
    out = pd.DataFrame(rows)
    neg = out[out.share_pct < 0]
    if len(neg):
        raise ValueError(f"table1.csv: worker shares L (measure 'number', percent) must be non-negative; "
                         f"got {dict(zip(neg.group, neg.share_pct))}")
    bad = out[~(out.wage_index > 0)]
    if len(bad):
        raise ValueError(f"table1.csv: wage_index must be positive; got {dict(zip(bad.group, bad.wage_index))}")
    total = float(out.share_pct.sum())
    if abs(total - 100.0) > _SHARE_SUM_TOL:
        raise ValueError(f"table1.csv: worker shares L (measure 'number', percent) must sum to 100 "
                         f"(within {_SHARE_SUM_TOL:g} for rounding); they sum to {total:.4g}")
    return out


def wage_targets(foreign_wage_scale: float = 1.0) -> np.ndarray:
    """Table 1's mean-wage index by group (book order), the foreign groups' multiplied by ``foreign_wage_scale``.

    ``foreign_wage_scale = 1`` is the paper. Other values are a **diagnostic**, not the paper's
    data: the autarky page uses one to ask what foreign wage-bill share the paper's GDP numbers
    (Tables 8-9) imply.

    Raises
    ------
    ValueError
        Naming ``foreign_wage_scale`` if it is not in (0, 10].
    """
    require_in_range("foreign_wage_scale", foreign_wage_scale, 0.0, 10.0, high_inclusive=True,
                     meaning="multiplier on Table 1's foreign mean wages (1 is the paper)")
    t1 = table1()
    scale = np.where(t1.group.str.startswith("F-").to_numpy(), float(foreign_wage_scale), 1.0)
    return t1.wage_index.to_numpy(float) * scale


def text_targets() -> pd.DataFrame:
    """The §2 prefecture and occupation shares (percent) used as calibration targets.

    Raises
    ------
    ValueError
        Naming ``text_shares.csv`` if a column is missing or non-numeric, if a
        ``target`` is not ``location``/``occupation``, a ``group`` is unknown,
        an occupation ``item`` is not one of :data:`OCCUPATIONS` or a location
        ``item`` not a prefecture, if a ``value`` is outside (0, 100] percent,
        or if the quoted shares of one group and target sum to 100 or more
        (the unquoted items must keep a positive share).
    """
    tt = read_table("foreign_employment/text_shares.csv", ["target", "group", "item", "value"],
                    numeric_columns=["value"])
    bad_target = sorted(set(tt.target) - {"location", "occupation"})
    if bad_target:
        raise ValueError(f"text_shares.csv: column 'target' must be 'location' or 'occupation'; got {bad_target}")
    bad_group = sorted(set(tt.group) - set(_TARGET_GROUP))
    if bad_group:
        raise ValueError(f"text_shares.csv: unknown group(s) {bad_group}; known: {sorted(_TARGET_GROUP)}")
    known = {"location": set(prefectures().prefecture), "occupation": set(OCCUPATIONS)}
    unknown = [f"{r.target} {r['item']!r}" for _, r in tt.iterrows() if r["item"] not in known[r.target]]
    if unknown:
        raise ValueError(f"text_shares.csv: unknown item(s) {unknown} (not a prefecture / occupation)")
    out_of_range = tt[~((tt.value > 0) & (tt.value <= 100))]
    if len(out_of_range):
        r = out_of_range.iloc[0]
        raise ValueError(f"text_shares.csv: column 'value' must be a share in percent, in (0, 100]; "
                         f"got {r.value:g} for {r.target} {r['item']} of {r.group}")
    sums = tt.groupby(["target", "group"]).value.sum()
    if np.any(sums >= 100):
        (target, group), total = sums.idxmax(), float(sums.max())
        raise ValueError(f"text_shares.csv: the quoted {target} shares (column 'value') of {group} sum to "
                         f"{total:g}; they must sum to less than 100 percent")
    return tt


_TARGET_GROUP = {"native_LS_M_30-59": "D-LS-M-30-59", "native_HS_M_30-59": "D-HS-M-30-59",
                 "foreign_LS_M": "F-LS-M", "foreign_HS_M": "F-HS-M"}




def _impose_quoted(base_shares: np.ndarray, idx, quoted: np.ndarray) -> np.ndarray:
    """Shares on the simplex with ``quoted`` at ``idx`` and the rest proportional to ``base_shares``.

    The quoted items are a group's top three (paper §2), so the others are capped just below the
    smallest quoted share (water-filling), unless there are too few of them for that to be feasible.
    With every region quoted, the quoted shares are renormalised to sum to one.
    """
    R = base_shares.size
    out = np.empty(R)
    others = np.setdiff1d(np.arange(R), idx)
    if others.size == 0:
        out[idx] = quoted / quoted.sum()
        return out
    rest = 1.0 - quoted.sum()
    a_o = base_shares[others]
    cap = 0.95 * quoted.min()
    if cap * others.size <= rest:
        cap = np.inf
    want = a_o * rest / a_o.sum()
    for _ in range(R):  # at most R regions can hit the cap
        over = want > cap * (1 + 1e-12)
        if not np.any(over):
            break
        fixed = want >= cap * (1 - 1e-12)
        free = rest - cap * fixed.sum()
        want = np.where(fixed, cap, a_o * free / a_o[~fixed].sum())
    out[others] = want
    out[idx] = quoted
    return out


def location_targets(regions: pd.DataFrame) -> np.ndarray:
    r"""Target location shares :math:`\psi_r(k,s)`, shape ``(R, G)``.

    Natives: the public distribution of persons employed (prefectural accounts FY2018, workplace
    basis). Foreigners: the public distribution of foreign residents (Basic Resident Register,
    1 Jan 2020). Where the paper's §2 quotes a group's top three prefectures, those shares are
    imposed and the others scaled (see :func:`_impose_quoted`).
    """
    emp = regions.employment.to_numpy(float)
    fr = regions.foreign_residents.to_numpy(float)
    names = list(regions.prefecture)
    out = np.empty((len(names), len(GROUPS)))
    for g, name in enumerate(GROUPS):
        out[:, g] = (emp if name.startswith("D-") else fr) / (emp if name.startswith("D-") else fr).sum()
    tt = text_targets()
    for label, sub in tt[tt.target == "location"].groupby("group"):
        g = GROUPS.index(_TARGET_GROUP[label])
        kept = sub[sub["item"].isin(names)]
        if kept.empty:
            continue
        idx = [names.index(p) for p in kept["item"]]
        out[:, g] = _impose_quoted(out[:, g], idx, kept.value.to_numpy(float) / 100)
    return out


def _require_seed(seed) -> None:
    """Check that ``seed`` is a non-negative integer (what :func:`numpy.random.default_rng` accepts)."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed = {seed!r} must be a non-negative integer (admissible range [0, inf)): "
                         "random seed of the synthetic data")


def synthetic_fundamentals(seed: int = DEFAULT_SEED, n_regions: int = 47, *, knobs: GeneratorKnobs | None = None,
                           eta: float = ETA, zeta: float = ZETA, xi: float = XI, omega: float = 0.0,
                           row_tau_factor: float = 2.0, foreign_wage_scale: float = 1.0):
    """Draw synthetic fundamentals at the paper's dimensions (before calibration).

    Amenities start at the target location shares (public anchors); sector productivity is
    :math:`\\exp(\\theta^i a^i_r)` with :math:`a^i_r` half the log of public GDP per worker
    relative to the mean, plus a manufacturing tilt in the book's manufacturing belt and a small
    seeded draw; trade costs come from distances by gravity (:func:`gravity_trade_costs`);
    input-output and final-demand shares and the occupation cost shares are the book's design
    with seeded noise (the paper does not print them).

    Returns
    -------
    Fundamentals, dict
        The fundamentals and labels (``regions``, ``lat``, ``lon``, ``groups``,
        ``sectors``, ``occupations``, ``manufacturing``, ``seed``, ``knobs``).

    Raises
    ------
    ValueError
        If ``seed`` is not a non-negative integer, ``n_regions`` is not an integer in
        [2, 1000], a knob is out of its bounds, or another parameter is inadmissible.
    """
    eta, zeta, xi, omega = check_parameters(eta, zeta, xi, omega)
    _require_seed(seed)
    n_regions = require_integer("n_regions", n_regions, 2, 1000, meaning="number of prefectures")
    require_in_range("row_tau_factor", row_tau_factor, 1.0, np.inf, low_inclusive=True,
                     meaning="RoW trade cost / largest domestic trade cost")
    knobs = fitted_knobs(seed) if knobs is None else knobs
    rng = np.random.default_rng(seed)
    reg = region_table(n_regions, rng)
    R, J, O, G = len(reg), len(SECTORS), len(OCCUPATIONS), len(GROUPS)
    N = R + 1
    belt = reg.manufacturing_belt.to_numpy(dtype=float)
    t1 = table1()
    wage_index = wage_targets(foreign_wage_scale)
    L = t1.share_pct.to_numpy()
    group_k = np.array([0 if g.startswith("D") else 1 for g in GROUPS])
    B = location_targets(reg)
    # sector productivity: public GDP per worker, a manufacturing tilt in the belt, seeded noise
    log_gdp_pw = np.log(reg.gdp_per_worker.to_numpy(float))
    a = rng.normal(0.0, 0.05, (J, N))
    a[:, 1:] += 0.5 * (log_gdp_pw - log_gdp_pw.mean())[None, :]
    a[MANUFACTURING, 1:] += 0.06 * belt[None, :]
    a[:, 0] = 0.0
    T = np.exp(THETA[:, None] * a)
    tau = gravity_trade_costs(distance_km(reg.lat, reg.lon), THETA, knobs, row_tau_factor)

    def demand_shares(manuf_total):
        w = rng.gamma(4.0, 1.0, J)
        w[MANUFACTURING] *= manuf_total / w[MANUFACTURING].sum()
        w[~MANUFACTURING] *= (1 - manuf_total) / w[~MANUFACTURING].sum()
        return w
    alpha = np.empty((N, J))
    alpha[0] = demand_shares(0.35)
    alpha[1:] = demand_shares(0.25)[None, :]
    beta_l = np.empty((N, J))
    bl_jp = np.where(MANUFACTURING, rng.uniform(0.25, 0.4, J), rng.uniform(0.45, 0.7, J))
    bl_row = np.where(MANUFACTURING, rng.uniform(0.25, 0.4, J), rng.uniform(0.45, 0.7, J))
    beta_l[0], beta_l[1:] = bl_row, bl_jp[None, :]

    def io(bl):
        w = rng.gamma(0.7, 1.0, (J, J)) + 3.0 * np.eye(J)  # [input j, user i]
        w[~MANUFACTURING, :] += 0.5
        return w / w.sum(axis=0, keepdims=True) * (1 - bl)[None, :]
    beta_io = np.empty((N, J, J))
    beta_io[0] = io(bl_row)
    beta_io[1:] = io(bl_jp)[None]
    gamma = np.full((J, O), 0.3)
    gamma[:, 5] += 2.0
    gamma[:, 6] += 3.0
    for i, s in enumerate(SECTORS):
        for o, w in _SECTOR_OCC[s].items():
            gamma[i, o - 1] += w
    gamma *= rng.lognormal(0.0, 0.1, gamma.shape)
    gamma /= gamma.sum(axis=1, keepdims=True)
    S = occupation_propensities(knobs, rng) ** (1 / zeta)
    S *= (wage_index / 100.0)[:, None] / np.sum(S ** zeta, axis=1, keepdims=True) ** (1 / zeta)
    f = Fundamentals(L, group_k, S, B, T, tau, THETA.copy(), alpha, beta_l, beta_io, gamma,
                     eta, zeta, xi, omega, VA0=1.0)
    labels = {"regions": reg.prefecture.tolist(), "lat": reg.lat.to_numpy(), "lon": reg.lon.to_numpy(),
              "groups": list(GROUPS), "sectors": list(SECTORS), "occupations": list(OCCUPATIONS),
              "manufacturing": MANUFACTURING.copy(), "seed": seed, "knobs": knobs.as_dict(),
              "location_targets": B.copy(), "wage_targets": wage_index,
              "foreign_wage_scale": float(foreign_wage_scale)}
    return f, labels


_import_shares = import_shares  # former names, kept for scripts


def _calibrate_row(f: Fundamentals, knobs: GeneratorKnobs, max_iter: int = 200):
    """:func:`lib.foreign_employment.calibration.calibrate_row` without its diagnostics: ``(f, state)``."""
    f, st, _ = calibrate_row(f, knobs, max_iter)
    return f, st


@dataclass
class SyntheticBase:
    """A calibrated synthetic base year.

    Attributes
    ----------
    base : BaseYear
        The base-year data the hat system conditions on.
    fundamentals : Fundamentals
        The (synthetic) primitives that generate it.
    log_p : ndarray (R, 2, O)
        Equilibrium log service prices in levels.
    hat_residual : float
        (H15) residual at zero shock.
    level_residual : float
        Occupation-market residual of the level model at ``log_p`` (independent check).
    calibration : dict
        Outer iterations (joint path: evaluations), largest target error, seconds, knobs, ``method``
        (``"nested"`` or ``"joint"``), RoW evaluations and import-share error, ``timings`` by step,
        and ``residual_history``: the calibration's residual after each outer iteration (joint path:
        after each evaluation, preceded by the pre-solve's, ``pre_solve_history``).
    """

    base: BaseYear
    fundamentals: Fundamentals
    log_p: np.ndarray
    hat_residual: float
    level_residual: float
    calibration: dict = field(default_factory=dict)


def trade_report(base: BaseYear) -> dict:
    """Trade facts of a base year: own-prefecture spending shares and RoW import shares.

    Returns
    -------
    dict
        ``own_share`` ``(J, R)``: :math:`\\pi^i_{rr}`, a prefecture's spending share on itself;
        ``import_share`` ``(J,)``: RoW's share of Japan's spending by sector;
        ``own_share_total`` ``(R,)``: the own share of all spending (sectors weighted by spending).
    """
    R = base.dims[0]
    own = base.pi[:, np.arange(1, R + 1), np.arange(1, R + 1)]  # (J, R)
    X = base.X[1:].T  # (J, R)
    imp = np.sum(base.pi[:, 0, 1:] * X, axis=1) / X.sum(axis=1)
    return {"own_share": own, "import_share": imp, "own_share_total": (own * X).sum(0) / X.sum(0)}


def _occupation_targets():
    """The §2 occupation shares as ``(group index, occupation index, share)``."""
    tt = text_targets()
    return [(GROUPS.index(_TARGET_GROUP[r.group]), OCCUPATIONS.index(r["item"]), r.value / 100)
            for _, r in tt[tt.target == "occupation"].iterrows()]


def make_synthetic_base(seed: int = DEFAULT_SEED, n_regions: int = 47, *, knobs: GeneratorKnobs | None = None,
                        eta: float = ETA, zeta: float = ZETA, xi: float = XI, omega: float = 0.0,
                        row_tau_factor: float = 2.0, calibrate: bool = True,
                        target_tol: float = 1e-9, tol: float = 1e-12,
                        max_outer: int = 60, foreign_wage_scale: float = 1.0) -> SyntheticBase:
    """Build the synthetic base year (an exact equilibrium matching the paper's printed aggregates).

    Parameters
    ----------
    seed : int
        Random seed (default 20250213, the paper's date).
    n_regions : int
        In [2, 1000]. 47 gives Japan's prefectures with their public anchors; fewer keeps a
        subset (the prefectures the paper names first); more adds synthetic regions.
    knobs : GeneratorKnobs, optional
        The generator's knobs; default: those fitted for ``seed`` in
        ``data/foreign_employment/base_year_fit.json`` (see :func:`fitted_knobs`).
    eta, zeta, xi, omega, row_tau_factor
        Parameters of the data-generating model.
    calibrate : bool
        Match Table 1 wages, the §2 shares and the location targets (else only solve the equilibrium).
        Up to 47 regions by the nested calibration; beyond, by the joint fixed point of
        :func:`lib.foreign_employment.calibration.joint_calibration` (see the module docstring).
    target_tol : float
        Relative tolerance on every calibration target.
    tol : float
        Tolerance on the equilibrium residual.
    foreign_wage_scale : float
        In (0, 10]. Multiplies Table 1's foreign mean wages (:func:`wage_targets`). 1, the
        default, is the paper; anything else is a diagnostic, not the paper's data.

    Returns
    -------
    SyntheticBase

    Raises
    ------
    ValueError
        For inadmissible parameters or a malformed data file.
    lib.core.errors.ConvergenceError
        If an equilibrium solve or the calibration fails, or the base is not exact.
    """
    require_in_range("target_tol", target_tol, 0.0, np.inf,
                     meaning="relative tolerance on every calibration target")
    require_in_range("tol", tol, 0.0, np.inf, meaning="tolerance on the equilibrium residual")
    max_outer = require_integer("max_outer", max_outer, 1, 10_000, meaning="maximum calibration iterations")
    t0 = time.perf_counter()
    knobs = fitted_knobs(seed) if knobs is None else knobs
    f, labels = synthetic_fundamentals(seed, n_regions, knobs=knobs, eta=eta, zeta=zeta, xi=xi, omega=omega,
                                       row_tau_factor=row_tau_factor, foreign_wage_scale=foreign_wage_scale)
    R, J, O, G = f.dims
    timings = {"fundamentals": time.perf_counter() - t0}
    f, st0, row_info = calibrate_row(f, knobs)
    timings["row"] = time.perf_counter() - t0 - sum(timings.values())
    pre = base_from_levels(f, st0, labels)
    outer, err, method = 0, 0.0, "nested"
    history = {}
    if calibrate and R > LARGE_R:
        # beyond Japan's 47 prefectures: calibration and equilibrium as one fixed point (see
        # lib.foreign_employment.calibration); up to 47 the nested path below, which the stored fit reproduces
        method = "joint"
        targets, loc_target = _occupation_targets(), labels["location_targets"]
        wage_target = labels["wage_targets"]
        # the joint fixed point starts from an approximate equilibrium at the drawn S and B (far from
        # market clearing, the combined map is poorly conditioned)
        sol0 = solve_hat(pre, np.ones(G), eta=eta, zeta=zeta, xi=xi, tol=1e-6, max_iter=5000)
        base0 = apply_solution(pre, sol0, xi)
        timings["pre_solve"] = time.perf_counter() - t0 - sum(timings.values())
        jc = joint_calibration(base0, targets, loc_target, wage_target, eta=eta, zeta=zeta, xi=xi,
                               tol=0.5 * target_tol, max_iter=max(max_outer, 2000))
        timings["calibration"] = time.perf_counter() - t0 - sum(timings.values())
        sol = solve_hat(base0, np.ones(G), eta=eta, zeta=zeta, xi=xi, B_hat=jc["B_hat"], S_hat=jc["S_hat"],
                        x0=jc["x"], tol=tol, max_iter=5000)
        f = replace(f, S=f.S * jc["S_hat"], B=f.B * jc["B_hat"])
        log_p = sol0.x + sol.x
        base = apply_solution(base0, sol, xi)
        err = _adjustments(base, targets, loc_target, zeta, wage_target)[2]
        outer = jc["iterations"]
        history = {"pre_solve_history": list(sol0.residual_history), "residual_history": jc["residual_history"]}
        if not err <= target_tol:
            raise ConvergenceError(f"synthetic base year: the joint calibration left a target error {err:.3e} > "
                                   f"target_tol {target_tol:g} after the exact solve (seed = {seed}, "
                                   f"n_regions = {n_regions})", err, outer)
        timings["final_solve"] = time.perf_counter() - t0 - sum(timings.values())
    else:
        sol = solve_hat(pre, np.ones(G), eta=eta, zeta=zeta, xi=xi, tol=tol, max_iter=5000)
        log_p = sol.x.copy()
        base = apply_solution(pre, sol, xi)
    if calibrate and R <= LARGE_R:
        targets = _occupation_targets()
        loc_target = labels["location_targets"]
        wage_target = labels["wage_targets"]
        base0, last = base, {"x": None, "err": np.inf}
        n_S = G * O

        def step(z):
            S_hat = np.exp(z[:n_S]).reshape(G, O)
            B_hat = np.exp(z[n_S:]).reshape(R, G)
            sol_z = solve_hat(base0, np.ones(G), eta=eta, zeta=zeta, xi=xi, B_hat=B_hat,
                              S_hat=S_hat, x0=last["x"], tol=tol, max_iter=5000)
            last["x"] = sol_z.x
            S_adj, B_adj, e = _adjustments(apply_solution(base0, sol_z, xi), targets, loc_target, zeta,
                                           wage_target)
            last["err"] = e
            return np.concatenate([np.log(S_adj).ravel(), np.log(B_adj).ravel()]), e

        res = anderson_solve(step, np.zeros(n_S + R * G), tol=target_tol, max_iter=max_outer,
                             memory=8, raise_on_failure=False)
        if not res.converged:
            raise ConvergenceError(f"synthetic base year: the calibration did not reach target_tol "
                                   f"{target_tol:g} (largest relative target error {res.residual:.3e} after "
                                   f"{res.iterations} outer iterations; seed = {seed}, n_regions = {n_regions})",
                                   res.residual, res.iterations)
        z = res.x
        S_hat = np.exp(z[:n_S]).reshape(G, O)
        B_hat = np.exp(z[n_S:]).reshape(R, G)
        sol = solve_hat(base0, np.ones(G), eta=eta, zeta=zeta, xi=xi, B_hat=B_hat, S_hat=S_hat,
                        x0=last["x"], tol=tol, max_iter=5000)
        f = replace(f, S=f.S * S_hat, B=f.B * B_hat)
        log_p = log_p + sol.x
        base = apply_solution(base0, sol, xi)
        outer, err = res.iterations, res.residual
        history = {"residual_history": list(res.residual_history)}
    timings.setdefault("calibration", time.perf_counter() - t0 - sum(timings.values()))
    t_level = time.perf_counter()
    level = evaluate_levels(f, log_p)
    timings["level_check"] = time.perf_counter() - t_level
    out = SyntheticBase(base, f, log_p, base_residual(base), level.max_residual,
                        {"outer_iterations": outer, "target_error": float(err), "knobs": knobs.as_dict(),
                         "seconds": time.perf_counter() - t0, "method": method,
                         "row_evaluations": row_info["evaluations"],
                         "import_share_error": row_info["import_share_error"], "timings": timings,
                         **history})
    worst = max(out.hat_residual, out.level_residual)
    if not worst <= 1e-10:
        raise ConvergenceError(f"synthetic base year is not an exact equilibrium: hat residual "
                               f"{out.hat_residual:.2e}, level residual {out.level_residual:.2e} "
                               f"(seed = {seed}, n_regions = {n_regions})", worst, outer)
    return out


def base_year_fit() -> dict | None:
    """The stored indirect-inference fit (``data/foreign_employment/base_year_fit.json``), or ``None``.

    Raises
    ------
    ValueError
        If the file exists but is not valid JSON with a ``per_seed`` mapping of knobs.
    """
    path = DATA_DIR.joinpath(*FIT_FILE.split("/"))
    if not path.exists():
        return None
    try:
        fit = json.loads(path.read_text(encoding="utf-8"))
        for entry in fit["per_seed"].values():
            GeneratorKnobs.from_dict(entry["knobs"])
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"{path}: not a valid base-year fit ({err}); regenerate it with "
                         "`python -m lib.foreign_employment.fit_base_year`") from err
    return fit


def fitted_knobs(seed: int = DEFAULT_SEED) -> GeneratorKnobs:
    """The knobs fitted for ``seed`` (or for the default seed when ``seed`` was not fitted).

    Falls back to :class:`GeneratorKnobs` defaults when no fit is stored.
    """
    fit = base_year_fit()
    if fit is None:
        return GeneratorKnobs()
    entry = fit["per_seed"].get(str(seed), fit["per_seed"].get(str(fit.get("default_seed", DEFAULT_SEED))))
    if entry is None:
        entry = next(iter(fit["per_seed"].values()))
    return GeneratorKnobs.from_dict(entry["knobs"])


@lru_cache(maxsize=8)
def cached_base(seed: int = DEFAULT_SEED, n_regions: int = 47, foreign_wage_scale: float = 1.0) -> SyntheticBase:
    """:func:`make_synthetic_base` at the paper's parameters and the fitted knobs, memoised per argument set."""
    return make_synthetic_base(seed, n_regions, foreign_wage_scale=foreign_wage_scale)
