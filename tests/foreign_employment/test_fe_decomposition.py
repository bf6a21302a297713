"""Channel decomposition of Doi & Suzuki (2025) counterfactuals (lib.foreign_employment.decomposition)."""
from itertools import combinations

import numpy as np
import pytest

from lib.foreign_employment.base_year import toy_fundamentals
from lib.foreign_employment.decomposition import (CHANNELS, decompose, evaluate_switched, outcomes,
                                                  solve_switched)
from lib.foreign_employment.hat import base_from_levels, solve_hat
from lib.foreign_employment.levels import solve_levels

PAR = dict(eta=0.644, zeta=2.95, xi=12.3)
ALL_SUBSETS = [frozenset(c) for n in range(len(CHANNELS) + 1) for c in combinations(CHANNELS, n)]


@pytest.fixture(scope="module")
def toy():
    f = toy_fundamentals(3, 2, 3, 2, 2, seed=1, omega=0.05)
    base = base_from_levels(f, solve_levels(f))
    base.labels["groups"] = ["D-LS-M-30-59", "D-HS-F-30-59", "F-LS-M", "F-HS-F"]
    base.labels["manufacturing"] = np.array([True, False])
    return base


@pytest.mark.parametrize("off", ALL_SUBSETS)
def test_zero_shock_changes_nothing_under_any_switches(toy, off):
    G = toy.dims[3]
    sol = solve_switched(toy, np.ones(G), **PAR, off=off)
    assert sol.iterations <= 1
    out = outcomes(toy, sol)
    assert max(abs(v) for v in out.values()) < 1e-9


def test_all_channels_on_is_the_hat_solver(toy):
    aut = np.where(toy.group_k == 1, 0.0, 1.0)
    ref = solve_hat(toy, aut, **PAR)
    sol = solve_switched(toy, aut, **PAR)
    np.testing.assert_allclose(sol.U_hat, ref.U_hat, rtol=1e-9)
    np.testing.assert_allclose(sol.Y_new, ref.Y_new, rtol=1e-9)
    np.testing.assert_allclose(sol.w_hat, ref.w_hat, rtol=1e-9)


def test_switched_off_channels_move_nothing(toy):
    """A margin that is switched off transmits no change: its variables stay at the base year."""
    aut = np.where(toy.group_k == 1, 0.0, 1.0)
    sol = solve_switched(toy, aut, **PAR, off=CHANNELS)
    assert sol.residual < 1e-10
    np.testing.assert_allclose(sol.psi_new, toy.psi, atol=1e-14)  # migration off
    np.testing.assert_allclose(sol.phi_new, toy.phi, atol=1e-14)  # occupation off
    np.testing.assert_allclose(sol.pi_new, toy.pi, atol=1e-14)    # trade off
    # with trade frozen, nominal GDP (RoW wage = numeraire) is pinned by fixed expenditure shares
    assert abs(outcomes(toy, sol)["GDP"]) < 1e-8
    # and the full model does move them
    full = solve_switched(toy, aut, **PAR)
    assert np.max(np.abs(full.psi_new - toy.psi)) > 1e-6
    assert np.max(np.abs(full.pi_new - toy.pi)) > 1e-6


def test_io_off_ignores_intermediate_prices(toy):
    aut = np.where(toy.group_k == 1, 0.0, 1.0)
    G = toy.dims[3]
    x = solve_switched(toy, aut, **PAR).x
    a = evaluate_switched(toy, x, aut, **PAR, off={"io"})
    b = evaluate_switched(toy, x, aut, **PAR)
    assert not np.allclose(a.P_hat, b.P_hat)
    # zero shock: identical with and without
    z = np.zeros_like(x)
    c = evaluate_switched(toy, z, np.ones(G), **PAR, off={"io"})
    assert c.residual < 1e-10 and np.allclose(c.P_hat, 1)


def test_shapley_adds_up_and_one_at_a_time_states_its_gap(toy):
    aut = np.where(toy.group_k == 1, 0.0, 1.0)
    d = decompose(toy, aut, **PAR)
    assert d.solves == 2 ** len(CHANNELS)
    sh = d.shapley
    for k in d.total:
        parts = sh.loc[list(CHANNELS), k].sum() + sh.loc["direct", k]
        assert parts == pytest.approx(d.total[k], abs=1e-10)
        oat = d.one_at_a_time
        assert oat.loc[list(CHANNELS) + ["interaction"], k].sum() + d.direct[k] == pytest.approx(d.total[k], abs=1e-10)
    # the model is not additive: the interaction row is not zero for GDP
    assert abs(d.one_at_a_time.loc["interaction", "GDP"]) > 1e-6


def test_no_channels_decomposition_is_empty(toy):
    aut = np.where(toy.group_k == 1, 0.0, 1.0)
    d = decompose(toy, aut, **PAR, channels=())
    assert d.total == d.direct
    assert len(d.shapley.drop(index=["direct", "total"])) == 0


def test_unknown_channel_is_named(toy):
    G = toy.dims[3]
    with pytest.raises(ValueError, match="housing"):
        solve_switched(toy, np.ones(G), **PAR, off={"housing"})


def test_claims_audit_file():
    """data/foreign_employment/claims_audit.csv: the fact audit of issue 18, every verdict correct or fixed."""
    from pathlib import Path

    import pandas as pd

    d = pd.read_csv(Path(__file__).resolve().parents[2] / "data" / "foreign_employment" / "claims_audit.csv")
    assert list(d.columns) == ["page", "claim", "paper_location", "verdict", "note"]
    assert len(d) >= 40
    assert set(d.verdict) <= {"correct", "fixed"}
    assert (d.verdict == "fixed").sum() >= 2
    pages = {p.name for p in (Path(__file__).resolve().parents[2] / "chapters" / "foreign_employment").glob("*.md")}
    assert set(d.page) <= pages
    assert d.paper_location.notna().all() and d.claim.notna().all()
