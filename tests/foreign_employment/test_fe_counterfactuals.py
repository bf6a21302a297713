"""Scenario vectors and reported outcomes (paper §5)."""
import numpy as np
import pytest

from lib.foreign_employment import counterfactuals as cf
from lib.foreign_employment.base_year import GROUPS, cached_base, table1
from lib.foreign_employment.hat import solve_hat

PAR = dict(eta=0.644, zeta=2.95, xi=12.3)


def test_expansion_sizes_match_digest():
    L = table1().share_pct.to_numpy()
    delta = 0.1 * L[:12].sum()
    assert np.isclose(delta, 9.73)
    lh = cf.expansion_shock(GROUPS, L, "X-LS")
    assert np.isclose(lh[12], 1 + 9.73 / 1.8) and np.isclose(lh[14], 1)
    assert np.isclose(cf.expansion_shock(GROUPS, L, "X-HS")[14], 1 + 9.73 / 0.9)
    assert np.isclose(cf.expansion_shock(GROUPS, L, "X-elderly")[2], 1 + 9.73 / 12.9)
    assert np.isclose(cf.expansion_shock(GROUPS, L, "X-female")[3], 1 + 9.73 / 38.4)
    for sc in cf.SCENARIOS:
        assert np.isclose((cf.expansion_shock(GROUPS, L, sc) * L).sum() - L.sum(), delta)
    sw = cf.expansion_shock(GROUPS, L, "sweep", ls_share=0.3)
    assert np.isclose(((sw - 1) * L)[12:14].sum(), 0.3 * delta)


def test_scale_and_removal_shocks():
    assert np.array_equal(cf.foreign_scale_shock(GROUPS, 0.0), cf.removal_shock(GROUPS, "all"))
    ls = cf.foreign_scale_shock(GROUPS, 0.0, low_skill_only=True)
    assert np.array_equal(ls, cf.removal_shock(GROUPS, "LS"))
    assert ls[:12].tolist() == [1.0] * 12 and ls[14:].tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="foreign_scale"):
        cf.foreign_scale_shock(GROUPS, -0.5)
    with pytest.raises(ValueError, match="ls_share"):
        cf.expansion_shock(GROUPS, np.ones(16), "sweep", ls_share=1.5)
    with pytest.raises(ValueError, match="scenario"):
        cf.expansion_shock(GROUPS, np.ones(16), "X-robots")


def test_summary_keys_and_consistency():
    sb = cached_base(20250213, 8)
    b = sb.base
    sol = solve_hat(b, cf.removal_shock(GROUPS, "all"), **PAR)
    s = cf.summary(b, sol)
    assert set(s["welfare_change_pct"]) == set(GROUPS[:12])
    assert set(s["real_wage_change_pct_by_prefecture"]) == set(b.labels["regions"])
    # GDP is the VA-weighted average of manufacturing and services
    va = (b.beta_l[1:] * b.Y[1:])
    wm = va[:, :12].sum() / va.sum()
    mix = wm * s["gdp_change_manufacturing_pct"] + (1 - wm) * s["gdp_change_services_pct"]
    assert np.isclose(mix, s["gdp_change_pct"], atol=1e-9)
    pref = cf.prefecture_gdp_change_pct(b, sol)
    share = b.VA / b.VA.sum()
    assert np.isclose((share * pref).sum(), s["gdp_change_pct"], atol=1e-9)


def test_additivity_approximately_holds():
    """Paper fact 3: removing all ~ removing LS + removing HS (small shocks compound little)."""
    b = cached_base(20250213, 8).base
    w = {k: cf.welfare_change_pct(solve_hat(b, cf.removal_shock(GROUPS, k), **PAR))[:12]
         for k in ("all", "LS", "HS")}
    assert np.max(np.abs(w["all"] - w["LS"] - w["HS"])) < 0.05
