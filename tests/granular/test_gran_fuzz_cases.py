"""Regression tests for the granular chapter's adversarial-parameter fuzz failures (issue #15).

Each case of the last full fuzz run that ended in an unnamed error, a non-finite result or a timeout
is rerun here through the fuzz harness (tests/fuzz/fuzz_notebooks.py, the same forked runner as
``make fuzz``) and must now be "rejected" with a message naming the parameter (and, where it is a
derived range, the reason) or finish "finite".  The lib checks behind them are tested directly too.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from lib.granular import local as gran_local
from lib.granular import panel as gran_panel
from lib.granular import quantitative as gran_q
from lib.granular import spatial as gran_sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
import fuzz_notebooks as fz  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

GP = dict(eta=0.13, lam=10.5, kappa=2.48, nu=1.46, sigma2_N=0.14, sigma2_S=0.002)


# ------------------------------------------------------------------------------------------------
# lib checks (fast)
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["kappa", "nu"])
def test_elasticity_floor_is_one_over_sqrt_dbl_max(name):
    assert gran_local.ELASTICITY_MIN == pytest.approx(1.0 / np.sqrt(np.finfo(float).max))
    gran_local.check_parameters(**{name: 2.0 * gran_local.ELASTICITY_MIN})
    with pytest.raises(ValueError, match=rf"{name} = 1e-320 is outside its admissible range.*sqrt\(DBL_MAX\)"):
        gran_local.check_parameters(**{name: 1e-320})


def test_h_range_names_h_and_the_division_by_h_squared():
    assert gran_q.require_h(gran_q.H_MIN) == gran_q.H_MIN
    for bad in (1e-320, 5e-5, 1.5):
        with pytest.raises(ValueError, match=r"\bh = .* admissible range \[0\.0001, 1\].*2h\^2"):
            gran_q.require_h(bad)


def test_panel_config_kappa_and_taste_ceilings():
    with pytest.raises(ValueError, match=r"\bkappa = 1e\+300 is outside.*DBL_EPSILON"):
        gran_panel.PanelConfig(kappa=1e300).validate()
    for name in ("sigma_taste", "sigma_taste_market"):
        with pytest.raises(ValueError, match=rf"\b{name} = 1e\+30 is outside.*log\(DBL_MAX\)/8.5"):
            gran_panel.PanelConfig(**{name: 1e30}).validate()
    gran_panel.PanelConfig(kappa=1e7, sigma_taste=80.0).validate()


def test_weak_instrument_is_refused_naming_its_parameters():
    cfg = gran_panel.PanelConfig()
    assert gran_panel.check_instrument_strength(cfg, 10_000) > 10
    weak = gran_panel.PanelConfig(sigma2_N=1e-11)
    with pytest.raises(ValueError, match=r"demand_share \* sigma2_N.*sigma_taste.*sigma_taste_market.*Staiger"):
        gran_panel.check_instrument_strength(weak, 10_000)


@pytest.fixture(scope="module")
def curves():
    return [gran_sp.conduct_curves(**GP, conduct=c, n_grid=80) for c in ("perfect", "cournot")]


def test_theta_bounds_and_message(curves):
    zones = gran_sp.synthetic_zones(n_zones=20)
    shares = zones["population"] / zones["population"].sum()
    low, high, el_max = gran_sp.theta_bounds(curves, zones["m"], shares, sweep=2.0)
    assert 0 < low < 3.0 < high < np.inf and el_max > 0
    assert high == pytest.approx(0.9 / (2.0 * el_max))
    gran_sp.check_theta(3.0, curves, zones["m"], shares, sweep=2.0)
    for bad in (1e-320, 1e300, 1e-3, 0.95 / (2.0 * el_max)):
        with pytest.raises(ValueError, match=r"\btheta = .* outside its admissible range.*wage elasticity"):
            gran_sp.check_theta(bad, curves, zones["m"], shares, sweep=2.0)


def test_match_on_branch_without_a_crossing_returns_closest_point(curves):
    cv = curves[0]
    m, crossed = gran_sp.match_on_branch(cv, 10.0, 1e-2, 1e2)   # the elasticity never reaches 10
    assert not crossed and 1e-2 <= m <= 1e2
    m, crossed = gran_sp.match_on_branch(cv, 1e-3, 1e-2, 1.0)
    assert crossed
    assert gran_sp.local_wage_elasticity(cv, [m])[0] == pytest.approx(1e-3, abs=1e-9)


# ------------------------------------------------------------------------------------------------
# the notebook cases of the fuzz run (forked runner, a few seconds each)
# ------------------------------------------------------------------------------------------------
REJECTED = [
    ("granular/02_granularity_and_wages.md", "kappa", "1e-320"),
    ("granular/02_granularity_and_wages.md", "nu", "1e-320"),
    ("granular/03_quantitative_model.md", "kappa", "1e-320"),
    ("granular/03_quantitative_model.md", "nu", "1e-320"),
    ("granular/03_quantitative_model.md", "h", "1e-320"),
    ("granular/03_quantitative_model.md", "n_m", "-1"),
    ("granular/03_quantitative_model.md", "n_m", "1" + "0" * 30),
    ("granular/03_quantitative_model.md", "m_min", "0"),
    ("granular/03_quantitative_model.md", "m_min", "-1"),
    ("granular/03_quantitative_model.md", "m_min", "-inf"),
    ("granular/04_estimation.md", "kappa", "1e-320"),
    ("granular/04_estimation.md", "kappa", "1e300"),
    ("granular/04_estimation.md", "kappa", "1" + "0" * 30),
    ("granular/04_estimation.md", "nu", "1e-320"),
    ("granular/04_estimation.md", "sigma2_N", "1e-320"),
    ("granular/04_estimation.md", "demand_share", "1e-320"),
    ("granular/04_estimation.md", "sigma_taste", "1e300"),
    ("granular/04_estimation.md", "sigma_taste", "1" + "0" * 30),
    ("granular/04_estimation.md", "sigma_taste_market", "1e300"),
    ("granular/04_estimation.md", "sigma_taste_market", "1" + "0" * 30),
    ("granular/05_spatial_policy.md", "kappa", "1e-320"),
    ("granular/05_spatial_policy.md", "nu", "1e-320"),
    ("granular/05_spatial_policy.md", "theta", "1e-320"),
    ("granular/05_spatial_policy.md", "theta", "1e300"),
    ("granular/05_spatial_policy.md", "theta", "1" + "0" * 30),
    ("granular/05_spatial_policy.md", "h", "1e-320"),
]

FINITE = [
    ("granular/03_quantitative_model.md", "m_min", "1e-320"),
    ("granular/05_spatial_policy.md", "kappa", "1e300"),
    ("granular/05_spatial_policy.md", "nu", "1" + "0" * 30),
    ("granular/05_spatial_policy.md", "sigma2_N", "0"),
    ("granular/05_spatial_policy.md", "sigma2_N", "1e-320"),
]


def _case_id(c):
    return f"{Path(c[0]).stem[:2]}-{c[1]}={c[2][:6]}"


@pytest.mark.notebook
@pytest.mark.parametrize("case", REJECTED, ids=_case_id)
def test_fuzz_case_is_rejected_naming_the_parameter(case):
    out = fz.run_case(fz.Case(*case), timeout=120.0)
    assert out.outcome == "rejected", out
    assert fz.names_parameter(out.message, case[1])
    assert "ValueError" in out.message or "RerunError" in out.message


@pytest.mark.notebook
@pytest.mark.parametrize("case", FINITE, ids=_case_id)
def test_fuzz_case_finishes_finite(case):
    out = fz.run_case(fz.Case(*case), timeout=120.0)
    assert out.outcome == "finite", out
