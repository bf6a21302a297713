"""The synthetic base year: exact equilibrium, printed aggregates matched, full-size counterfactual identities."""
import numpy as np
import pytest

from lib.foreign_employment import counterfactuals as cf
from lib.foreign_employment.base_year import (GROUPS, OCCUPATIONS, calibration_report, cached_base,
                                              make_synthetic_base, synthetic_fundamentals, table1,
                                              text_targets, wage_targets)
from lib.foreign_employment.hat import base_residual, solve_hat
from lib.foreign_employment.levels import evaluate_levels

PAR = dict(eta=0.644, zeta=2.95, xi=12.3)


@pytest.fixture(scope="module")
def full():
    return cached_base(20250213, 47)


def test_full_base_is_exact_equilibrium(full):
    assert full.base.dims == (47, 25, 24, 16)
    assert full.hat_residual < 1e-10
    # independent check: the level model evaluated at the base prices
    assert evaluate_levels(full.fundamentals, full.log_p).max_residual < 1e-10
    assert base_residual(full.base) < 1e-10


def test_nested_calibration_history_recorded(full):
    """Up to 47 regions: one residual per outer step of the nested calibration, no pre-solve."""
    hist = full.calibration["residual_history"]
    assert full.calibration["method"] == "nested"
    assert len(hist) == full.calibration["outer_iterations"]
    assert hist[-1] <= 1e-9 < hist[0]
    assert "pre_solve_history" not in full.calibration


def test_table1_matched(full):
    rep = calibration_report(full.base)
    t1 = table1()
    assert np.allclose(rep["share_pct"], t1.share_pct / t1.share_pct.sum() * 100, atol=1e-10)
    ratio = rep["wage_index"] / t1.wage_index.to_numpy()
    assert np.max(np.abs(ratio / ratio.mean() - 1)) < 1e-8
    # foreigners' share of the wage bill implied by Table 1 (digest: 1.65%)
    implied = (t1.share_pct * t1.wage_index)[12:].sum() / (t1.share_pct * t1.wage_index).sum()
    assert abs(rep["foreign_bill_share"] - implied) < 1e-8


def test_text_shares_matched(full):
    rep = calibration_report(full.base)
    regions = full.base.labels["regions"]
    gmap = {"native_LS_M_30-59": "D-LS-M-30-59", "native_HS_M_30-59": "D-HS-M-30-59",
            "foreign_LS_M": "F-LS-M", "foreign_HS_M": "F-HS-M"}
    for _, row in text_targets().iterrows():
        g = GROUPS.index(gmap[row.group])
        if row.target == "location":
            model = rep["psi"][regions.index(row["item"]), g]
        else:
            model = rep["occ_share"][g, OCCUPATIONS.index(row["item"])]
        assert abs(100 * model - row.value) < 1e-6, row.to_dict()


def test_zero_shock_full_size(full):
    sol = solve_hat(full.base, cf.foreign_scale_shock(GROUPS, 1.0), **PAR)
    assert sol.iterations <= 1
    assert np.max(np.abs(np.exp(sol.x) - 1)) < 1e-10
    assert np.max(np.abs(sol.w_hat - 1)) < 1e-10
    assert np.max(np.abs(sol.U_hat - 1)) < 1e-10
    assert np.max(np.abs(sol.Y_new / full.base.Y - 1)) < 1e-10


def test_full_autarky_identities(full):
    b = full.base
    sol = solve_hat(b, cf.foreign_scale_shock(GROUPS, 0.0), **PAR)
    assert sol.residual < 1e-10
    assert not sol.active[1] and np.all(np.isinf(sol.x[:, 1]))
    assert np.allclose(sol.L_new[:, b.group_k == 1], 0)
    assert np.allclose(sol.psi_new[:, b.group_k == 0].sum(axis=0), 1, atol=1e-12)
    assert np.allclose(sol.Y_new.sum(axis=0), sol.X_new.sum(axis=0), rtol=1e-9)
    net = sol.X_new[1:].sum(axis=1) - sol.Y_new[1:].sum(axis=1)
    assert np.allclose(net, 0, atol=1e-9 * sol.VA_new.max())
    assert np.isclose((b.beta_l[0] * sol.Y_new[0]).sum(), b.VA0, rtol=1e-9)
    # GDP falls, by less than foreigners' share of the wage bill is not guaranteed; it must fall
    assert cf.gdp_change_pct(b, sol) < 0


def test_small_base_and_seed_determinism():
    a = make_synthetic_base(7, n_regions=6)
    b = make_synthetic_base(7, n_regions=6)
    assert a.base.dims == (6, 25, 24, 16)
    assert np.array_equal(a.base.L_rgo, b.base.L_rgo)
    c = make_synthetic_base(8, n_regions=6)
    assert not np.allclose(a.base.L_rgo, c.base.L_rgo)


@pytest.mark.parametrize("kw,name", [(dict(n_regions=1), "n_regions"), (dict(eta=-1.0), "eta"),
                                     (dict(zeta=0.9), "zeta"), (dict(xi=1.0), "xi"),
                                     (dict(row_tau_factor=0.5), "row_tau_factor"),
                                     (dict(foreign_wage_scale=0.0), "foreign_wage_scale"),
                                     (dict(foreign_wage_scale=-0.5), "foreign_wage_scale"),
                                     (dict(foreign_wage_scale=11.0), "foreign_wage_scale"),
                                     (dict(foreign_wage_scale=float("nan")), "foreign_wage_scale")])
def test_bad_inputs_raise(kw, name):
    with pytest.raises(ValueError, match=name):
        synthetic_fundamentals(**kw)


def test_autarky_native_price_rises_with_foreign_bill_share(full):
    """Digest §9.8: under autarky, log p_hat(D, o) rises with the base foreign bill share chi(F, o)."""
    sol = solve_hat(full.base, cf.removal_shock(GROUPS, "all"), **PAR)
    x = full.base.chi[:, 1, :].ravel()
    y = sol.x[:, 0, :].ravel()
    assert np.corrcoef(x, y)[0, 1] > 0.8


def test_wage_targets_scale_only_the_foreign_groups():
    t1 = table1().wage_index.to_numpy()
    assert np.array_equal(wage_targets(), t1)
    scaled = wage_targets(0.5)
    foreign = np.array([g.startswith("F-") for g in GROUPS])
    assert np.array_equal(scaled[~foreign], t1[~foreign])
    assert np.allclose(scaled[foreign], 0.5 * t1[foreign], rtol=0, atol=1e-12)


def test_foreign_wage_scale_diagnostic_base():
    """The diagnostic base year: exact, Table 1 wages scaled for foreigners, and a GDP loss that shrinks
    with the foreign wage-bill share (value added is labour income, H17)."""
    paper = make_synthetic_base(7, n_regions=6)
    half = make_synthetic_base(7, n_regions=6, foreign_wage_scale=0.5)
    assert half.hat_residual < 1e-10 and half.level_residual < 1e-10
    rep = calibration_report(half.base)
    ratio = rep["wage_index"] / wage_targets(0.5)
    assert np.max(np.abs(ratio / ratio.mean() - 1)) < 1e-8
    share = {name: calibration_report(sb.base)["foreign_bill_share"] for name, sb in (("paper", paper), ("half", half))}
    assert 0.45 < share["half"] / share["paper"] < 0.55
    gdp = {name: cf.gdp_change_pct(sb.base, solve_hat(sb.base, cf.removal_shock(GROUPS, "all"), **PAR))
           for name, sb in (("paper", paper), ("half", half))}
    assert gdp["paper"] < gdp["half"] < 0
    # the pass-through (GDP loss per unit of foreign wage bill) barely depends on the scale
    assert abs(gdp["half"] / share["half"] / (gdp["paper"] / share["paper"]) - 1) < 0.15
