r"""A synthetic base year for Doi & Suzuki (2025) at the paper's dimensions.

The paper's base year comes from confidential microdata (MHLW Wage Survey 2022).
This module builds a **synthetic** stand-in by code, from a documented seed:

1. draw fundamentals (amenities :math:`B`, productivities :math:`S, T`, trade
   costs from prefecture distances, input-output and final-demand shares) with
   the paper's dimensions (47 prefectures + RoW, 25 sectors, 24 occupations,
   12 native + 4 foreign groups) and its elasticities;
2. evaluate the level model at unit prices (a "pre-base" that satisfies every
   equation except occupation-market clearing) and solve for the equilibrium
   with the hat solver (the hat system started from *any* pre-base whose other
   equations hold is the level model itself);
3. recalibrate :math:`S` and :math:`B` (as hat shocks) until the equilibrium
   matches every aggregate the paper prints: Table 1 (worker shares exactly,
   mean-wage index up to the normalisation), the §2 prefecture shares and
   occupation shares;
4. verify that the result is an exact equilibrium of the level model (the
   level residual is recomputed from the fundamentals, independently of the
   hat code).

Everything produced here is synthetic: compare signs and magnitudes only.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from ..paths import data_path
from ..tables import read_table
from ..newton_krylov import anderson_solve
from ..validate import require_in_range
from .hat import BaseYear, apply_solution, base_from_levels, base_residual, solve_hat
from .levels import Fundamentals, check_parameters, evaluate_levels

__all__ = ["SECTORS", "MANUFACTURING", "OCCUPATIONS", "GROUPS", "THETA", "ETA", "ZETA", "XI",
           "DEFAULT_SEED", "prefectures", "table1", "text_targets", "synthetic_fundamentals",
           "SyntheticBase", "make_synthetic_base", "cached_base", "calibration_report",
           "toy_fundamentals"]

ETA, ZETA, XI = 0.644, 2.95, 12.3  # paper §4.1 (Tables 4-5; zeta calibrated)
DEFAULT_SEED = 20250213

SECTORS = ["Food", "Textile", "Paper", "Chemical", "Ceramic", "Raw metal", "Metal product",
           "Machinery", "Electronics", "Electric", "Vehicle", "Other manufacturing", "Utility",
           "Construction", "Commerce", "Transportation", "Restaurants", "Telecommunication",
           "Information", "Finance", "Real estate", "Professional service", "Education", "Health",
           "Other service"]  # paper Table 3
MANUFACTURING = np.arange(25) < 12

OCCUPATIONS = ["Engineer", "Medical technicians and healthcare", "Social welfare professional",
               "Teacher", "Other professional and technical", "Administrative and managerial",
               "Clerical", "Merchandise sales", "Quasi-sales", "Life-related service",
               "Food and drink preparatory", "Food and drink service", "Other service", "Security",
               "Agriculture, forestry and fishery", "Transport and communication", "Mining",
               "Ceramic/metal material/chemical manufacturing",
               "Metal product and machinery manufacturing",
               "Food/textile/wood/paper manufacturing", "Other manufacturing",
               "Engine and construction machinery operation", "Construction", "Labor worker"]  # Table 2

AGES = ["15-29", "30-59", "60+"]
GROUPS = ([f"D-{e}-{s}-{a}" for e in ("LS", "HS") for s in ("M", "F") for a in AGES]
          + [f"F-{e}-{s}" for e in ("LS", "HS") for s in ("M", "F")])  # Table 1 order

# Caliendo-Parro (2015) manufacturing elasticities as recommended in the digest; services 0.75 x 4.55
THETA = np.array([2.62, 8.10, 16.52, 3.13, 2.41, 3.28, 6.99, 1.45, 12.95, 12.91, 1.115, 3.98]
                 + [0.75 * 4.55] * 13)

# occupation emphasis of each sector's labour composite (book's design; paper's gamma is not printed)
_SECTOR_OCC = {
    "Food": {20: 12, 8: 1, 16: 1, 24: 2}, "Textile": {20: 12, 24: 1}, "Paper": {20: 10, 24: 2},
    "Chemical": {18: 10, 1: 3}, "Ceramic": {18: 10, 24: 2}, "Raw metal": {18: 10, 19: 3},
    "Metal product": {19: 12, 23: 1}, "Machinery": {19: 12, 1: 3}, "Electronics": {19: 8, 1: 5, 21: 2},
    "Electric": {19: 10, 1: 4}, "Vehicle": {19: 14, 1: 3}, "Other manufacturing": {21: 10, 20: 2},
    "Utility": {22: 6, 1: 4, 23: 2}, "Construction": {23: 12, 22: 3, 1: 2},
    "Commerce": {8: 10, 9: 3, 16: 1}, "Transportation": {16: 12, 24: 3},
    "Restaurants": {11: 8, 12: 8}, "Telecommunication": {1: 6, 22: 2, 9: 2},
    "Information": {1: 10, 5: 2}, "Finance": {7: 5, 9: 4}, "Real estate": {9: 3, 13: 4, 7: 2},
    "Professional service": {5: 8, 1: 4}, "Education": {4: 10, 3: 1}, "Health": {2: 10, 3: 6},
    "Other service": {10: 6, 13: 4, 14: 3, 24: 3, 15: 1, 17: 0.5},
}


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


def _region_table(n_regions: int, rng) -> pd.DataFrame:
    pref = prefectures()
    if n_regions == 47:
        return pref.reset_index(drop=True)
    if n_regions < 47:
        keep = ["Tokyo", "Aichi", "Osaka", "Saitama", "Kanagawa", "Mie", "Fukui", "Hokkaido"]
        rest = [p for p in pref.prefecture if p not in keep]
        names = (keep + rest)[:n_regions]
        return pref[pref.prefecture.isin(names)].reset_index(drop=True)
    extra = n_regions - 47
    idx = rng.integers(0, 47, extra)
    add = pref.iloc[idx].copy()
    add["prefecture"] = [f"Synthetic-{i + 1}" for i in range(extra)]
    add["lat"] = add["lat"].to_numpy() + rng.normal(0, 0.5, extra)
    add["lon"] = add["lon"].to_numpy() + rng.normal(0, 0.5, extra)
    return pd.concat([pref, add], ignore_index=True)


def _distance_km(lat, lon):
    la, lo = np.radians(lat), np.radians(lon)
    d = (np.sin((la[:, None] - la[None, :]) / 2) ** 2
         + np.cos(la[:, None]) * np.cos(la[None, :]) * np.sin((lo[:, None] - lo[None, :]) / 2) ** 2)
    return 2 * 6371 * np.arcsin(np.sqrt(np.clip(d, 0, 1)))


def _group_occupation_weights(rng):
    """Occupation propensities ``(G, O)`` by skill, sex, age and nationality (book's design)."""
    O = len(OCCUPATIONS)
    W = np.ones((len(GROUPS), O))
    occ = lambda *ids: [i - 1 for i in ids]  # paper's 1-based occupation numbers
    for g, name in enumerate(GROUPS):
        p = name.split("-")
        nat, skill, sex = p[0], p[1], p[2]
        age = "-".join(p[3:]) if nat == "D" else None
        if skill == "HS":
            W[g, occ(1, 2, 3, 4, 5, 6, 7)] *= 3.0
            W[g, occ(16, 18, 19, 20, 21, 22, 23, 24)] *= 0.3
        else:
            W[g, occ(1, 2, 4, 5, 6)] *= 0.5
            W[g, occ(16, 18, 19, 20, 21, 23, 24)] *= 1.5
        if sex == "F":
            W[g, occ(2, 3, 7, 8, 10, 11, 12)] *= 2.5
            W[g, occ(1, 16, 18, 19, 22, 23)] *= 0.3
        if age == "15-29":
            W[g, occ(8, 11, 12)] *= 1.5
            W[g, occ(6)] *= 0.3
        if age == "60+":
            W[g, occ(13, 14, 15, 24)] *= 2.5
        if nat == "F":
            W[g, occ(18, 19, 20, 21, 23, 24)] *= 3.0
            W[g, occ(2, 4, 6, 16)] *= 0.3
    return W * rng.lognormal(0.0, 0.2, W.shape)


def _require_integer(name: str, value, low: int, high: float = np.inf, *, meaning: str = "") -> int:
    """Check that ``value`` is an integer (int or integer-valued float) in ``[low, high]``; return it as int."""
    x = require_in_range(name, value, low, high, low_inclusive=True, high_inclusive=True, meaning=meaning)
    if isinstance(value, (bool, np.bool_)) or not x.is_integer():
        raise ValueError(f"{name} = {value!r} must be an integer in [{low:g}, {high:g}]: {meaning}")
    return int(x)


def _require_seed(seed) -> None:
    """Check that ``seed`` is a non-negative integer (what :func:`numpy.random.default_rng` accepts)."""
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed = {seed!r} must be a non-negative integer (admissible range [0, inf)): "
                         "random seed of the synthetic data")


def synthetic_fundamentals(seed: int = DEFAULT_SEED, n_regions: int = 47, *, eta: float = ETA,
                           zeta: float = ZETA, xi: float = XI, omega: float = 0.0,
                           row_tau_factor: float = 2.0):
    """Draw synthetic fundamentals at the paper's dimensions (before calibration).

    Returns
    -------
    Fundamentals, dict
        The fundamentals and labels (``regions``, ``lat``, ``lon``, ``groups``,
        ``sectors``, ``occupations``, ``manufacturing``).

    Raises
    ------
    ValueError
        If ``seed`` is not a non-negative integer, ``n_regions`` is not an integer in
        [2, 1000], or another parameter is inadmissible.
    """
    eta, zeta, xi, omega = check_parameters(eta, zeta, xi, omega)
    _require_seed(seed)
    n_regions = _require_integer("n_regions", n_regions, 2, 1000, meaning="number of prefectures")
    require_in_range("row_tau_factor", row_tau_factor, 1.0, np.inf, low_inclusive=True,
                     meaning="RoW trade cost / largest domestic trade cost")
    rng = np.random.default_rng(seed)
    reg = _region_table(n_regions, rng)
    R, J, O, G = len(reg), len(SECTORS), len(OCCUPATIONS), len(GROUPS)
    N = R + 1
    belt = reg.manufacturing_belt.to_numpy(dtype=float)
    t1 = table1()
    L = t1.share_pct.to_numpy()
    group_k = np.array([0 if g.startswith("D") else 1 for g in GROUPS])
    # amenities: a common prefecture size, group-specific noise; foreigners prefer the manufacturing belt
    size = rng.normal(0.0, 0.8, R)
    B = np.exp(size[:, None] + rng.normal(0.0, 0.15, (R, G)))
    B[:, group_k == 1] *= np.exp(0.5 * belt + 0.2 * size)[:, None]
    # sector productivity: manufacturing tilt in the belt; scaled by theta so that cost effects are comparable
    a = rng.normal(0.0, 0.08, (J, N))
    a[MANUFACTURING, 1:] += 0.06 * belt[None, :]
    a[~MANUFACTURING, 1:] += 0.03 * size[None, :]
    a[:, 0] = 0.05
    T = np.exp(THETA[:, None] * a)
    # trade costs: distance, services less tradable; RoW = factor x the largest domestic cost (digest §11.6)
    dist = _distance_km(reg.lat.to_numpy(), reg.lon.to_numpy()) / 1000.0
    kappa = np.where(MANUFACTURING, 0.15, 0.35) * rng.uniform(0.8, 1.2, J)
    tau = np.ones((J, N, N))
    tau[:, 1:, 1:] = 1.0 + kappa[:, None, None] * dist[None]
    tau_row = row_tau_factor * tau[:, 1:, 1:].max(axis=(1, 2))
    tau[:, 0, 1:] = tau_row[:, None]
    tau[:, 1:, 0] = tau_row[:, None]
    # final demand, value added and input shares (Japan rows identical; RoW its own draw)
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
    S = _group_occupation_weights(rng) ** (1 / zeta)
    S *= (t1.wage_index.to_numpy() / 100.0)[:, None] / np.sum(S ** zeta, axis=1, keepdims=True) ** (1 / zeta)
    f = Fundamentals(L, group_k, S, B, T, tau, THETA.copy(), alpha, beta_l, beta_io, gamma,
                     eta, zeta, xi, omega, VA0=1.0)
    labels = {"regions": reg.prefecture.tolist(), "lat": reg.lat.to_numpy(), "lon": reg.lon.to_numpy(),
              "groups": list(GROUPS), "sectors": list(SECTORS), "occupations": list(OCCUPATIONS),
              "manufacturing": MANUFACTURING.copy(), "seed": seed}
    return f, labels


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
        Outer iterations, largest target error, seconds.
    """

    base: BaseYear
    fundamentals: Fundamentals
    log_p: np.ndarray
    hat_residual: float
    level_residual: float
    calibration: dict = field(default_factory=dict)


def _group_index(name):
    return GROUPS.index(name)


def _targets(labels):
    """Calibration targets (group index, kind, item index, share)."""
    tt = text_targets()
    out = []
    for _, row in tt.iterrows():
        g = _group_index(_TARGET_GROUP[row.group])
        if row.target == "location":
            if row["item"] not in labels["regions"]:
                continue
            out.append((g, "location", labels["regions"].index(row["item"]), row.value / 100))
        else:
            out.append((g, "occupation", OCCUPATIONS.index(row["item"]), row.value / 100))
    return out


def calibration_report(base: BaseYear) -> dict:
    """Model aggregates that correspond to printed numbers: national mean wages, location and occupation shares."""
    L_g = base.L_g
    w_nat = (base.wbar * base.L_rg).sum(axis=0) / L_g
    mean = np.sum(w_nat * L_g) / L_g.sum()
    occ = base.L_rgo.sum(axis=0) / L_g[:, None]
    return {"share_pct": 100 * L_g / L_g.sum(), "wage_index": 100 * w_nat / mean,
            "psi": base.psi, "occ_share": occ,
            "foreign_bill_share": float(base.V[:, 1].sum() / base.V.sum())}


def _adjustments(base, labels, targets, zeta, wage_target):
    R, J, O, G = base.dims
    rep = calibration_report(base)
    S_hat = np.ones((G, O))
    B_hat = np.ones((R, G))
    # national mean wages: Table 1 index up to the normalisation
    w = rep["wage_index"]
    tgt = wage_target / np.sum(wage_target * rep["share_pct"]) * np.sum(w * rep["share_pct"])
    err = [np.max(np.abs(w / tgt - 1))]
    S_hat *= (tgt / w)[:, None]
    loc = {}
    occ = {}
    for g, kind, item, share in targets:
        (loc if kind == "location" else occ).setdefault(g, []).append((item, share))
    for g, items in loc.items():
        idx = [i for i, _ in items]
        t = np.array([s for _, s in items])
        a = rep["psi"][idx, g]
        others = np.setdiff1d(np.arange(R), idx)
        if others.size == 0:
            # n_regions <= 3: every region of the economy is quoted, so the quoted national
            # shares cannot add up to one here; match them relative to each other instead
            t = t / t.sum()
            err.append(np.max(np.abs(a / t - 1)))
            B_hat[idx, g] = t / a
            continue
        err.append(np.max(np.abs(a / t - 1)))
        # the quoted prefectures are the group's top three: other prefectures are capped
        # below the smallest quoted share (water-filling keeps the shares on the simplex)
        a_o = rep["psi"][others, g]
        cap = 0.95 * t.min()
        if cap * len(others) <= 1 - t.sum():  # too few prefectures for the quoted ones to be the top three
            cap = np.inf
        want = a_o * (1 - t.sum()) / a_o.sum()
        for _ in range(R):
            over = want > cap
            if not np.any(want > cap * (1 + 1e-12)):
                break
            free = 1 - t.sum() - cap * over.sum()
            want = np.where(over, cap, a_o * free / a_o[~over].sum())
        if np.isfinite(cap) and np.any(want >= cap * (1 - 1e-12)):
            err.append(np.max(np.abs(rep["psi"][others, g] / want - 1)))
        B_hat[others, g] = want / a_o
        B_hat[idx, g] = t / a
    for g, items in occ.items():
        idx = [i for i, _ in items]
        t = np.array([s for _, s in items])
        a = rep["occ_share"][g, idx]
        err.append(np.max(np.abs(a / t - 1)))
        fac = np.full(O, ((1 - t.sum()) / (1 - a.sum())) ** (1 / zeta))
        fac[idx] = (t / a) ** (1 / zeta)
        S_hat[g] *= fac
    return S_hat, B_hat, float(max(err))


def make_synthetic_base(seed: int = DEFAULT_SEED, n_regions: int = 47, *, eta: float = ETA,
                        zeta: float = ZETA, xi: float = XI, omega: float = 0.0,
                        row_tau_factor: float = 2.0, calibrate: bool = True,
                        target_tol: float = 1e-9, tol: float = 1e-12,
                        max_outer: int = 60) -> SyntheticBase:
    """Build the synthetic base year (an exact equilibrium matching the paper's printed aggregates).

    Parameters
    ----------
    seed : int
        Random seed (default 20250213, the paper's date).
    n_regions : int
        In [2, 1000].  47 reproduces the paper's prefectures; fewer keeps a subset
        (always with Tokyo, Aichi, Osaka, Saitama, Kanagawa, Mie, Fukui, Hokkaido,
        in that order of priority); more adds synthetic regions (benchmarks only).
        A quoted §2 prefecture share is a target only if the prefecture is kept.
        With ``n_regions <= 3`` every kept region of a group may be quoted (e.g.
        Tokyo, Aichi, Osaka for native low-educated men aged 30-59); their
        national shares cannot then add up to one, so the calibration matches
        them relative to each other (renormalised to sum to one) instead.
    eta, zeta, xi, omega, row_tau_factor
        Parameters of the data-generating model.
    calibrate : bool
        Match Table 1 wages and the §2 shares (else only solve the equilibrium).
    target_tol : float
        Relative tolerance on every calibration target.
    tol : float
        Tolerance on the equilibrium residual.

    Returns
    -------
    SyntheticBase

    Raises
    ------
    ValueError
        For inadmissible parameters (``seed`` not a non-negative integer, ``n_regions``
        not an integer in [2, 1000], ``target_tol`` or ``tol`` not positive, ``max_outer``
        not a positive integer, ...) or a malformed ``table1.csv`` / ``text_shares.csv``
        (see :func:`table1`, :func:`text_targets`).
    lib.fixed_point.ConvergenceError
        If an equilibrium solve fails.
    RuntimeError
        If the calibration does not reach ``target_tol`` or the base is not exact.
    """
    require_in_range("target_tol", target_tol, 0.0, np.inf,
                     meaning="relative tolerance on every calibration target")
    require_in_range("tol", tol, 0.0, np.inf, meaning="tolerance on the equilibrium residual")
    max_outer = _require_integer("max_outer", max_outer, 1, meaning="maximum calibration iterations")
    t0 = time.perf_counter()
    f, labels = synthetic_fundamentals(seed, n_regions, eta=eta, zeta=zeta, xi=xi, omega=omega,
                                       row_tau_factor=row_tau_factor)
    R, J, O, G = f.dims
    # RoW size: five times Japan's value added at unit prices
    st0 = evaluate_levels(f, np.zeros((R, 2, O)))
    f = replace(f, VA0=5.0 * float(st0.VA.sum()))
    st0 = evaluate_levels(f, np.zeros((R, 2, O)))
    pre = base_from_levels(f, st0, labels)
    sol = solve_hat(pre, np.ones(G), eta=eta, zeta=zeta, xi=xi, tol=tol, max_iter=5000)
    log_p = sol.x.copy()
    base = apply_solution(pre, sol, xi)
    targets = _targets(labels) if calibrate else []
    wage_target = table1().wage_index.to_numpy()
    outer, err = 0, 0.0
    if calibrate:
        base0, last = base, {"x": None, "sol": None, "err": np.inf}
        n_S = G * O

        def step(z):
            S_hat = np.exp(z[:n_S]).reshape(G, O)
            B_hat = np.exp(z[n_S:]).reshape(R, G)
            sol_z = solve_hat(base0, np.ones(G), eta=eta, zeta=zeta, xi=xi, B_hat=B_hat,
                              S_hat=S_hat, x0=last["x"], tol=tol, max_iter=5000)
            last["x"], last["sol"] = sol_z.x, sol_z
            S_adj, B_adj, e = _adjustments(apply_solution(base0, sol_z, xi), labels, targets, zeta,
                                           wage_target)
            last["err"] = e
            return np.concatenate([np.log(S_adj).ravel(), np.log(B_adj).ravel()]), e

        res = anderson_solve(step, np.zeros(n_S + R * G), tol=target_tol, max_iter=max_outer,
                             memory=8, raise_on_failure=False)
        if not res.converged:
            raise RuntimeError(f"calibration did not reach target_tol {target_tol:g}: error "
                               f"{res.residual:.3e} after {res.iterations} outer iterations")
        z = res.x
        S_hat = np.exp(z[:n_S]).reshape(G, O)
        B_hat = np.exp(z[n_S:]).reshape(R, G)
        sol = solve_hat(base0, np.ones(G), eta=eta, zeta=zeta, xi=xi, B_hat=B_hat, S_hat=S_hat,
                        x0=last["x"], tol=tol, max_iter=5000)
        f = replace(f, S=f.S * S_hat, B=f.B * B_hat)
        log_p = log_p + sol.x
        base = apply_solution(base0, sol, xi)
        outer, err = res.iterations, res.residual
    level = evaluate_levels(f, log_p)
    out = SyntheticBase(base, f, log_p, base_residual(base), level.max_residual,
                        {"outer_iterations": outer, "target_error": float(err),
                         "seconds": time.perf_counter() - t0})
    if max(out.hat_residual, out.level_residual) > 1e-10:
        raise RuntimeError(f"synthetic base is not an exact equilibrium: hat residual "
                           f"{out.hat_residual:.2e}, level residual {out.level_residual:.2e}")
    return out


@lru_cache(maxsize=8)
def cached_base(seed: int = DEFAULT_SEED, n_regions: int = 47) -> SyntheticBase:
    """:func:`make_synthetic_base` at the paper's parameters, memoised per (seed, n_regions)."""
    return make_synthetic_base(seed, n_regions)


def toy_fundamentals(n_regions: int = 3, n_sectors: int = 2, n_occupations: int = 3,
                     n_native: int = 2, n_foreign: int = 1, seed: int = 0, *, eta: float = ETA,
                     zeta: float = ZETA, xi: float = XI, omega: float = 0.0) -> Fundamentals:
    """A small random economy (any dimensions) for checking the hat algebra against level solves.

    Returns
    -------
    Fundamentals
        Groups ``0..n_native-1`` are native, the rest foreign; RoW is region 0.
    """
    for name, v in [("n_regions", n_regions), ("n_sectors", n_sectors),
                    ("n_occupations", n_occupations), ("n_native", n_native)]:
        require_in_range(name, v, 1, 200, low_inclusive=True, high_inclusive=True)
    require_in_range("n_foreign", n_foreign, 0, 200, low_inclusive=True, high_inclusive=True)
    rng = np.random.default_rng(seed)
    R, J, O = int(n_regions), int(n_sectors), int(n_occupations)
    N, G = R + 1, int(n_native) + int(n_foreign)
    group_k = np.array([0] * int(n_native) + [1] * int(n_foreign))
    L = rng.uniform(0.5, 2.0, G)
    L[group_k == 1] *= 0.1
    S = rng.lognormal(0.0, 0.3, (G, O))
    B = rng.lognormal(0.0, 0.3, (R, G))
    T = rng.lognormal(0.0, 0.3, (J, N))
    T[:, 0] *= 5.0
    d = rng.uniform(0.1, 1.0, (N, N))
    d = (d + d.T) / 2
    np.fill_diagonal(d, 0.0)
    tau = np.exp(np.broadcast_to(d, (J, N, N)) * rng.uniform(0.3, 0.8, (J, 1, 1)))
    theta = rng.uniform(3.0, 8.0, J)
    alpha = rng.dirichlet(np.ones(J), N)
    beta_l = rng.uniform(0.3, 0.6, (N, J))
    w = rng.dirichlet(np.ones(J), (N, J))  # [r, user i, input j]
    beta_io = np.transpose(w, (0, 2, 1)) * (1 - beta_l)[:, None, :]
    gamma = rng.dirichlet(np.ones(O), J)
    return Fundamentals(L, group_k, S, B, T, tau, theta, alpha, beta_l, beta_io, gamma,
                        eta, zeta, xi, omega, VA0=5.0)
