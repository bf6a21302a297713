"""The synthetic base year's generator: public anchors, knobs, gravity, sorting, and the stored fit."""
import json

import numpy as np
import pytest

from lib.foreign_employment import base_year as by
from lib.foreign_employment import fit_base_year as fb
from lib.foreign_employment.generator import (FITTED_KNOBS, GROUPS, KNOB_BOUNDS, MANUFACTURING, THETA,
                                              GeneratorKnobs, distance_km, gravity_trade_costs,
                                              occupation_sorting_correlations, public_anchors)


def test_public_anchors_are_japan():
    pub = public_anchors()
    assert len(pub) == 47 and pub.code.tolist() == list(range(1, 48))
    tokyo = pub.set_index("prefecture").loc["Tokyo"]
    assert tokyo.employment == 10083227  # FY2018 prefectural accounts, workplace basis
    assert tokyo.foreign_residents == 577329  # Basic Resident Register, 1 Jan 2020
    assert pub.employment.sum() == 65651921


def test_knobs_are_bounded_and_named():
    assert len(KNOB_BOUNDS) <= 8 and set(FITTED_KNOBS) <= set(KNOB_BOUNDS)
    with pytest.raises(ValueError, match="occupation_skill_tilt"):
        GeneratorKnobs(occupation_skill_tilt=3.5)
    with pytest.raises(ValueError, match="import_share_services"):
        GeneratorKnobs(import_share_services=0.0)
    with pytest.raises(ValueError, match="unknown generator knob"):
        GeneratorKnobs.from_dict({"tilt": 1.0})
    k = GeneratorKnobs(within_skill_similarity=0.3)
    assert GeneratorKnobs.from_dict(k.as_dict()) == k


def test_location_targets_use_public_shares_and_paper_top_three():
    pub = public_anchors()
    t = by.location_targets(pub)
    assert np.allclose(t.sum(axis=0), 1.0, atol=1e-12) and np.all(t > 0)
    names = list(pub.prefecture)
    g = GROUPS.index("F-LS-M")
    assert t[names.index("Kanagawa"), g] == pytest.approx(0.071)
    assert t[names.index("Tokyo"), g] == pytest.approx(0.151)
    others = np.delete(t[:, g], [names.index(p) for p in ("Tokyo", "Saitama", "Kanagawa")])
    assert others.max() < 0.071  # the quoted three are the top three
    # an unquoted native group follows public employment exactly
    h = GROUPS.index("D-HS-F-60+")
    assert np.allclose(t[:, h], pub.employment / pub.employment.sum())
    j = GROUPS.index("F-HS-F")
    assert np.allclose(t[:, j], pub.foreign_residents / pub.foreign_residents.sum())


def test_gravity_costs_at_least_one_and_decreasing_in_distance():
    pub = public_anchors()
    d = distance_km(pub.lat, pub.lon)
    assert d[0, 46] > 2000 and np.allclose(np.diag(d), 0)  # Hokkaido-Okinawa
    tau = gravity_trade_costs(d, THETA, GeneratorKnobs())
    assert tau.shape == (25, 48, 48) and np.all(tau >= 1.0)
    assert np.allclose(tau[:, np.arange(1, 48), np.arange(1, 48)], 1.0)
    # the gravity elasticity: tau^-theta falls with distance at rate delta (goods)
    k = GeneratorKnobs(distance_elasticity=1.3)
    tau = gravity_trade_costs(d, THETA, k)
    i, m, r, n = 0, 1, 13, 47  # Food; Hokkaido -> Tokyo vs Okinawa -> Tokyo
    ratio = (tau[i, 1 + 0, r] / tau[i, 1 + 46, r]) ** (-THETA[i])
    assert ratio == pytest.approx((d[0, r - 1] / d[46, r - 1]) ** (-1.3), rel=1e-10)


def test_sorting_correlations_detect_within_skill_similarity():
    occ = np.zeros((16, 24))
    rng = np.random.default_rng(0)
    ls, hs = rng.dirichlet(np.ones(24)), rng.dirichlet(np.ones(24))
    for g, name in enumerate(GROUPS):
        occ[g] = ls if "-LS-" in name else hs
    out = occupation_sorting_correlations(occ)
    assert out["within"] == pytest.approx(1.0) and out["across"] < 1.0


@pytest.fixture(scope="module")
def full():
    return by.cached_base(by.DEFAULT_SEED, 47)


def test_base_matches_public_location_targets(full):
    assert np.max(np.abs(full.base.psi / full.base.labels["location_targets"] - 1)) < 1e-8


def test_base_respects_figure6_sorting(full):
    s = occupation_sorting_correlations(by.calibration_report(full.base)["occ_share"])
    assert s["within"] > s["across"]


def test_trade_is_local_and_services_less_traded(full):
    tr = by.trade_report(full.base)
    own = tr["own_share"]
    assert np.median(own[~MANUFACTURING]) > np.median(own[MANUFACTURING])
    assert np.median(tr["own_share_total"]) > 0.2  # not the 3% of a frictionless country
    imp = tr["import_share"]
    assert imp[MANUFACTURING].mean() > imp[~MANUFACTURING].mean()


def test_stored_fit_reproduces_exactly(full):
    """Regenerate the base year from base_year_fit.json: exact equilibrium, same objective to 1e-9."""
    fit = by.base_year_fit()
    assert fit is not None, "data/foreign_employment/base_year_fit.json is missing"
    assert len(fit["seeds"]) == 3
    entry = fit["per_seed"][str(by.DEFAULT_SEED)]
    assert full.calibration["knobs"] == pytest.approx(entry["knobs"], rel=0, abs=0)
    assert max(full.hat_residual, full.level_residual) <= 1e-10
    parts = fb.objective(fb.predictions(full))
    assert parts["value"] == pytest.approx(entry["objective"], abs=1e-9)
    for name, (low, high) in KNOB_BOUNDS.items():
        assert low <= entry["knobs"][name] <= high
    json.dumps(fit)  # plain JSON


def test_objective_is_zero_at_the_paper_and_positive_elsewhere():
    paper = fb.paper_targets()
    sorting = {"within": 0.6, "across": 0.4}
    perfect = {"table6": paper["table6"].copy(), "table8": paper["table8"].copy(), "sorting": sorting}
    assert fb.objective(perfect, paper)["value"] == pytest.approx(0.0, abs=1e-15)
    off = {**perfect, "table6": paper["table6"] + 0.1}
    assert fb.objective(off, paper)["rmse_table6"] == pytest.approx(0.1)
    bad_sort = {**perfect, "sorting": {"within": 0.3, "across": 0.4}}
    assert fb.objective(bad_sort, paper)["sorting_penalty"] > 0


def test_held_out_real_wages_stay_in_a_plausible_band(full):
    """Table 7 is held out; the synthetic prediction must stay in [-1.5, +0.5] % (paper: -0.39 ... +0.10)."""
    sols = fb._scenario_solutions(full)
    rw = np.concatenate([np.asarray(fb.cf.real_wage_change_pct(s))[:, full.base.group_k == 0]
                         for s in sols.values()])
    assert rw.shape[1] == 12 and np.all(np.isfinite(rw))
    assert rw.min() >= -1.5 and rw.max() <= 0.5
    held = fb.held_out(full, sols)
    assert len(held["table7"]) == 72 and set(held["table7"].stat) == {"min", "max"}
    assert np.all(held["table7"].book_prefecture.isin(full.base.labels["regions"]))


def test_comparison_rows_carry_a_valid_role():
    from lib.book.compare import comparison_row
    row = comparison_row("x", 1.0, 1.1, 1, "Table 6", "synthetic", role="fitted")
    assert row["role"] == "fitted"
    assert "role" not in comparison_row("x", 1.0, 1.0, 1, "Table 6")
    with pytest.raises(ValueError, match="role"):
        comparison_row("x", 1.0, 1.0, 1, "Table 6", role="guessed")
