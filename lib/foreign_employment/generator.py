r"""The data-generating process of the synthetic base year (Doi & Suzuki 2025).

The paper's base year is built from confidential microdata (MHLW Wage Survey 2022).
This module draws **synthetic fundamentals** at the paper's dimensions from three
kinds of input, kept apart so that a reader always knows which is which:

* **public statistics** (files ``data/foreign_employment/prefecture_*.csv``, each
  row with its ``source``): prefecture employment (Cabinet Office prefectural
  accounts FY2018), foreign residents (MIC Basic Resident Register, 1 Jan 2020),
  nominal GDP per worker (FY2018) and the coordinates of the prefectural offices;
* **numbers printed in the paper** (Table 1, the §2 shares; imposed exactly by
  :func:`lib.foreign_employment.base_year.make_synthetic_base`);
* **synthetic choices** governed by a handful of bounded, named *knobs*
  (:class:`GeneratorKnobs`), some fixed at literature values and the others
  *fitted* by indirect inference (:mod:`lib.foreign_employment.fit_base_year`)
  to the paper's Table 6 and the national rows of Table 8.

Everything the generator produces is synthetic: it is *not* Japanese data.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields

import numpy as np
import pandas as pd

from ..core.data import read_table
from ..core.validate import require_in_range, require_integer
from .levels import Fundamentals
from .params import PAPER

__all__ = ["SECTORS", "MANUFACTURING", "OCCUPATIONS", "GROUPS", "THETA", "GeneratorKnobs",
           "KNOB_BOUNDS", "FITTED_KNOBS", "public_anchors", "region_table", "distance_km",
           "occupation_propensities", "gravity_trade_costs", "occupation_sorting_correlations",
           "toy_fundamentals"]

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

# Caliendo-Parro (2015) manufacturing elasticities (digest §5); services 0.75 x 4.55 (paper §4.1)
THETA = np.array([2.62, 8.10, 16.52, 3.13, 2.41, 3.28, 6.99, 1.45, 12.95, 12.91, 1.115, 3.98]
                 + [0.75 * 4.55] * 13)


def _occ(*ids):
    """0-based indices of the paper's 1-based occupation numbers (Table 2)."""
    return [i - 1 for i in ids]


# occupation emphasis of each sector's labour composite (book's design; the paper's gamma is not printed)
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

# occupation profiles (log propensities, book's design): +1 favoured, -1 avoided
_PROFILE_HS = np.zeros(24)
_PROFILE_HS[_occ(1, 2, 3, 4, 5, 6, 7)] = 1.0
_PROFILE_HS[_occ(16, 18, 19, 20, 21, 22, 23, 24)] = -1.0
_PROFILE_LS = np.zeros(24)
_PROFILE_LS[_occ(1, 2, 4, 5, 6)] = -1.0
_PROFILE_LS[_occ(16, 18, 19, 20, 21, 22, 23, 24)] = 1.0
# what is specific to foreign workers of any skill (paper §2: manufacturing and construction; few in
# language-intensive occupations such as transport, teaching, medicine, administration)
_PROFILE_FOREIGN = np.zeros(24)
_PROFILE_FOREIGN[_occ(18, 19, 20, 21, 23, 24)] = 1.0
_PROFILE_FOREIGN[_occ(2, 4, 6, 16)] = -1.0
_SERVICE_OCC = np.zeros(24)
_SERVICE_OCC[_occ(8, 9, 10, 11, 12, 13, 14)] = 1.0


@dataclass(frozen=True)
class GeneratorKnobs:
    r"""The bounded, named knobs of the synthetic data-generating process.

    Attributes
    ----------
    occupation_skill_tilt : float
        In [0, 3]. Strength of the skill-specific occupation profiles (log propensity of a
        favoured against an avoided occupation, shared by natives and foreigners of that skill).
    within_skill_similarity : float
        In [0, 1]. Weight of the same-skill profile in foreigners' occupation propensities
        (the rest is a foreigner-specific profile). The paper's Figure 6 and its Table 6
        discussion say foreigners' occupations correlate more with natives' of the *same* skill.
    foreign_service_tilt : float
        In [-2, 2]. Log tilt of foreigners towards service occupations (sales, food, care):
        governs the service share of foreign employment.
    distance_elasticity : float
        In [0.5, 2]. Elasticity of goods trade flows to distance,
        :math:`(\tau^i_{mr})^{-\theta^i} = (d_{mr}/d_{rr})^{-\delta}` (gravity; Head & Mayer 2014
        report a mean near 1 across studies).
    services_distance_factor : float
        In [1, 4]. Services' distance elasticity relative to goods (services are less tradable).
    internal_distance_ratio : float
        In [0.05, 1]. Internal distance of a prefecture as a share of the distance to the nearest
        other prefectural capital (sets the own-prefecture spending share).
    import_share_manufacturing, import_share_services : float
        In [0.01, 0.5]. Rest-of-world share of Japan's spending on manufacturing / service goods at
        the pre-base prices (RoW productivity is set to hit them).
    """

    occupation_skill_tilt: float = 1.0
    within_skill_similarity: float = 0.7
    foreign_service_tilt: float = 0.0
    distance_elasticity: float = 1.0
    services_distance_factor: float = 1.5
    internal_distance_ratio: float = 0.3
    import_share_manufacturing: float = 0.15
    import_share_services: float = 0.03

    def __post_init__(self):
        for name, (low, high) in KNOB_BOUNDS.items():
            require_in_range(name, getattr(self, name), low, high, low_inclusive=True, high_inclusive=True,
                             meaning=f"generator knob (bounds [{low:g}, {high:g}])")

    def as_dict(self) -> dict:
        """The knobs as a plain ``{name: float}`` dictionary."""
        return {k: float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> "GeneratorKnobs":
        """Build knobs from a mapping; unknown names raise ``ValueError``."""
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise ValueError(f"unknown generator knob(s) {unknown}; known: {sorted(KNOB_BOUNDS)}")
        return cls(**{k: float(v) for k, v in values.items()})


KNOB_BOUNDS = {
    "occupation_skill_tilt": (0.0, 3.0),
    "within_skill_similarity": (0.0, 1.0),
    "foreign_service_tilt": (-2.0, 2.0),
    "distance_elasticity": (0.5, 2.0),
    "services_distance_factor": (1.0, 4.0),
    "internal_distance_ratio": (0.05, 1.0),
    "import_share_manufacturing": (0.01, 0.5),
    "import_share_services": (0.01, 0.5),
}
# the knobs the indirect-inference fit moves; the others stay at their documented defaults
FITTED_KNOBS = ("occupation_skill_tilt", "within_skill_similarity", "foreign_service_tilt")


def public_anchors() -> pd.DataFrame:
    """Public prefecture statistics (JIS order) that anchor the synthetic base year.

    Returns
    -------
    DataFrame
        ``code, prefecture, lat, lon, employment, foreign_residents, gdp_per_worker,
        manufacturing_belt``: prefectural-office coordinates, persons employed (workplace
        basis, FY2018 prefectural accounts), foreign residents (1 Jan 2020), nominal GDP per
        person employed (million yen, FY2018) and the book's manufacturing-belt marker.
    """
    cap = read_table("foreign_employment/prefecture_capitals.csv", ["code", "name", "lat", "lon", "source"],
                     numeric_columns=["code", "lat", "lon"])
    acc = read_table("foreign_employment/prefecture_accounts_fy2018.csv",
                     ["code", "gdp_nominal_million_yen", "employed_persons_workplace", "source"],
                     numeric_columns=["code", "gdp_nominal_million_yen", "employed_persons_workplace"])
    fr = read_table("foreign_employment/prefecture_foreign_residents.csv",
                    ["code", "foreign_residents", "source"], numeric_columns=["code", "foreign_residents"])
    belt = read_table("foreign_employment/prefectures.csv", ["prefecture", "manufacturing_belt"],
                      numeric_columns=["manufacturing_belt"])
    out = pd.DataFrame({"code": cap.code.astype(int), "prefecture": cap.name, "lat": cap.lat, "lon": cap.lon})
    for name, table in (("prefecture_accounts_fy2018.csv", acc), ("prefecture_foreign_residents.csv", fr)):
        if len(table) != 47 or not np.array_equal(table.code.to_numpy(dtype=int), out.code.to_numpy()):
            raise ValueError(f"{name}: column 'code' must list the 47 prefectures in JIS order 1..47")
    out["employment"] = acc.employed_persons_workplace.to_numpy(dtype=float)
    out["foreign_residents"] = fr.foreign_residents.to_numpy(dtype=float)
    out["gdp_per_worker"] = acc.gdp_nominal_million_yen.to_numpy(dtype=float) / out.employment
    out["manufacturing_belt"] = belt.manufacturing_belt.to_numpy(dtype=float)
    for col in ("employment", "foreign_residents", "gdp_per_worker"):
        bad = out[~(out[col] > 0)]
        if len(bad):
            raise ValueError(f"public prefecture data: column {col!r} must be positive; "
                             f"row {bad.index[0] + 1} ({bad.prefecture.iloc[0]}) has {bad[col].iloc[0]!r}")
    return out


# kept first when fewer than 47 regions are asked for: the prefectures the paper names
PRIORITY = ["Tokyo", "Aichi", "Osaka", "Saitama", "Kanagawa", "Mie", "Fukui", "Hokkaido"]


def region_table(n_regions: int, rng) -> pd.DataFrame:
    """The public anchors of ``n_regions`` regions.

    47 gives Japan's prefectures. Fewer keeps a subset (the prefectures the paper names first,
    then JIS order). More appends synthetic regions, each a perturbed copy of a random prefecture
    (coordinates jittered by 0.5 degrees, sizes by a log-normal factor): beyond 47 nothing is public.
    """
    n_regions = require_integer("n_regions", n_regions, 2, 5000, meaning="number of regions")
    pref = public_anchors()
    if n_regions == 47:
        return pref
    if n_regions < 47:
        rest = [p for p in pref.prefecture if p not in PRIORITY]
        names = (PRIORITY + rest)[:n_regions]
        return pref[pref.prefecture.isin(names)].reset_index(drop=True)
    extra = n_regions - 47
    add = pref.iloc[rng.integers(0, 47, extra)].copy()
    add["prefecture"] = [f"Synthetic-{i + 1}" for i in range(extra)]
    add["code"] = np.arange(48, 48 + extra)
    add["lat"] = add["lat"].to_numpy() + rng.normal(0, 0.5, extra)
    add["lon"] = add["lon"].to_numpy() + rng.normal(0, 0.5, extra)
    for col in ("employment", "foreign_residents"):
        add[col] = add[col].to_numpy() * rng.lognormal(0.0, 0.5, extra)
    return pd.concat([pref, add], ignore_index=True)


def distance_km(lat, lon) -> np.ndarray:
    """Great-circle distances (km) between points given in degrees (haversine)."""
    la, lo = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    d = (np.sin((la[:, None] - la[None, :]) / 2) ** 2
         + np.cos(la[:, None]) * np.cos(la[None, :]) * np.sin((lo[:, None] - lo[None, :]) / 2) ** 2)
    return 2 * 6371 * np.arcsin(np.sqrt(np.clip(d, 0, 1)))


def gravity_trade_costs(dist_km, theta, knobs: GeneratorKnobs, row_tau_factor: float = 2.0) -> np.ndarray:
    r"""Iceberg costs from distance by a gravity specification.

    Domestic: :math:`(\tau^i_{mr})^{-\theta^i}=(d_{mr}/d_{rr})^{-\delta_i}`, so trade flows fall with
    distance at elasticity :math:`\delta_i` whatever :math:`\theta^i`; :math:`\delta_i` is
    ``distance_elasticity`` for goods and that times ``services_distance_factor`` for services.
    The internal distance :math:`d_{rr}` is ``internal_distance_ratio`` times the distance to the
    nearest other capital, so :math:`\tau\ge1`. RoW sits at ``row_tau_factor`` times the largest
    domestic distance ratio (digest §11.6: RoW twice as far as the most distant domestic pair), in
    both directions; its productivity is then set to hit the import shares.

    Returns
    -------
    ndarray (J, N, N)
        ``tau[i, m, r]``, row/column 0 = RoW.
    """
    d = np.asarray(dist_km, dtype=float)
    R = d.shape[0]
    off = d + np.diag(np.full(R, np.inf))
    internal = knobs.internal_distance_ratio * off.min(axis=1)  # (R,) destination's internal distance
    ratio = np.maximum(d / internal[None, :], 1.0)
    np.fill_diagonal(ratio, 1.0)
    delta = np.where(MANUFACTURING,
                     knobs.distance_elasticity, knobs.distance_elasticity * knobs.services_distance_factor)
    J = len(theta)
    tau = np.ones((J, R + 1, R + 1))
    tau[:, 1:, 1:] = np.exp((delta / np.asarray(theta))[:, None, None] * np.log(ratio)[None])
    tau_row = np.exp((delta / np.asarray(theta)) * np.log(row_tau_factor * ratio.max()))
    tau[:, 0, 1:] = tau_row[:, None]
    tau[:, 1:, 0] = tau_row[:, None]
    return tau


def occupation_propensities(knobs: GeneratorKnobs, rng) -> np.ndarray:
    r"""Occupation propensities ``(G, O)`` of the 16 groups (before the §2 shares are imposed).

    Natives of skill :math:`s`: :math:`\exp(t\,\ell_s(o))` times sex and age adjustments, where
    :math:`\ell_s` is the skill profile and :math:`t` = ``occupation_skill_tilt``. Foreigners of
    skill :math:`s`: :math:`\exp(t[\lambda\ell_s(o)+(1-\lambda)f(o)] + \varsigma\,\mathbb 1_{\rm service}(o))`
    with :math:`\lambda` = ``within_skill_similarity`` and :math:`\varsigma` =
    ``foreign_service_tilt``; :math:`f` marks what is specific to foreign workers (manufacturing,
    construction; few language-intensive jobs). A log-normal draw (s.d. 0.2) adds idiosyncrasy.
    """
    O = len(OCCUPATIONS)
    logW = np.zeros((len(GROUPS), O))
    t, lam = knobs.occupation_skill_tilt, knobs.within_skill_similarity
    for g, name in enumerate(GROUPS):
        p = name.split("-")
        nat, skill, sex = p[0], p[1], p[2]
        age = "-".join(p[3:]) if nat == "D" else None
        prof = _PROFILE_HS if skill == "HS" else _PROFILE_LS
        if nat == "D":
            logW[g] = t * prof
        else:
            logW[g] = t * (lam * prof + (1 - lam) * _PROFILE_FOREIGN) + knobs.foreign_service_tilt * _SERVICE_OCC
        if sex == "F":
            logW[g, _occ(2, 3, 7, 8, 10, 11, 12)] += np.log(2.5)
        if age == "15-29":
            logW[g, _occ(8, 11, 12)] += np.log(1.5)
            logW[g, _occ(6)] += np.log(0.3)
        if age == "60+":
            logW[g, _occ(13, 14, 15, 24)] += np.log(2.5)
    return np.exp(logW) * rng.lognormal(0.0, 0.2, logW.shape)


def occupation_sorting_correlations(occ_share, groups=GROUPS) -> dict:
    """Correlation of occupation shares between natives and foreigners (the paper's Figure 6).

    For every native group, the correlation (over the 24 occupations) of its national occupation
    shares with those of the foreign group of the same sex and the *same* skill, and with the
    foreign group of the same sex and the *other* skill.

    Returns
    -------
    dict
        ``within`` and ``across`` (means over the 12 native groups) and ``table``, a DataFrame
        with one row per native group.
    """
    idx = {g: i for i, g in enumerate(groups)}
    rows = []
    for g in groups:
        if not g.startswith("D-"):
            continue
        _, skill, sex, *_ = g.split("-")
        other = "HS" if skill == "LS" else "LS"
        same_f, other_f = idx[f"F-{skill}-{sex}"], idx[f"F-{other}-{sex}"]
        x = occ_share[idx[g]]
        rows.append({"group": g, "same skill": float(np.corrcoef(x, occ_share[same_f])[0, 1]),
                     "other skill": float(np.corrcoef(x, occ_share[other_f])[0, 1])})
    table = pd.DataFrame(rows).set_index("group")
    return {"within": float(table["same skill"].mean()), "across": float(table["other skill"].mean()),
            "table": table}


def toy_fundamentals(n_regions: int = 3, n_sectors: int = 2, n_occupations: int = 3,
                     n_native: int = 2, n_foreign: int = 1, seed: int = 0, *, eta: float = PAPER.eta,
                     zeta: float = PAPER.zeta, xi: float = PAPER.xi, omega: float = 0.0) -> Fundamentals:
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
